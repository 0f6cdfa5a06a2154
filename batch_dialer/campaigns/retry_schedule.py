"""Per-outcome retry delays (``--retry busy=10m,30m,60m``) and the ``--cap`` / ``--rate`` notations.

Defaults, used for every class not given on the command line:

- busy 10m, 30m, 60m — the line is busy now; it tends to free up within the hour
- unreachable 2h — power off / out of service area lasts longer
- failed 15m — a trunk or centre failure, usually transient
- no_answer 30m, 60m — rang out (SOAP RING_TIME_OUT): the person is away for a while
- unknown 15m — no result ever came; treated like ``failed``

The delay of a retry is picked by ``retry_index`` = real placements so far minus one (0 after the first
call), regardless of which outcome the earlier attempts had; the last delay repeats when the list is short.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType

from batch_dialer.campaigns.attempt_states import Outcome

__all__ = [
    "DEFAULT_DELAYS",
    "RetryClass",
    "RetrySchedule",
    "format_duration",
    "parse_cap",
    "parse_duration",
    "parse_rate",
    "retry_class_of",
]


class RetryClass(StrEnum):
    """The keys of ``--retry`` and of the ``Campaign.retry`` column."""

    BUSY = "busy"
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    NO_ANSWER = "no_answer"
    UNKNOWN = "unknown"


_OUTCOME_CLASS: Mapping[Outcome, RetryClass] = MappingProxyType(
    {
        Outcome.BUSY: RetryClass.BUSY,
        Outcome.POWER_OFF: RetryClass.UNREACHABLE,
        Outcome.FAILED: RetryClass.FAILED,
        Outcome.NO_ANSWER: RetryClass.NO_ANSWER,
        Outcome.UNKNOWN: RetryClass.UNKNOWN,
    }
)
_ALIASES: Mapping[str, RetryClass] = MappingProxyType(
    {
        **{c.value: c for c in RetryClass},
        "power_off": RetryClass.UNREACHABLE,
        "poweroff": RetryClass.UNREACHABLE,
        "noanswer": RetryClass.NO_ANSWER,
        "no-answer": RetryClass.NO_ANSWER,
    }
)

DEFAULT_DELAYS: Mapping[RetryClass, tuple[int, ...]] = MappingProxyType(
    {
        RetryClass.BUSY: (600, 1800, 3600),
        RetryClass.UNREACHABLE: (7200,),
        RetryClass.FAILED: (900,),
        RetryClass.NO_ANSWER: (1800, 3600),
        RetryClass.UNKNOWN: (900,),
    }
)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_MAX_DELAY_S = 30 * 86400
_RATE_UNITS = {"s": 60.0, "sec": 60.0, "m": 1.0, "min": 1.0, "h": 1 / 60, "hour": 1 / 60}


def parse_duration(text: str) -> int:
    """``"10m"`` → 600 seconds (units s/m/h/d). ValueError naming the bad text."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise ValueError(f"duration {text!r}: expected a number with a unit s, m, h or d (e.g. 10m)")
    return int(match[1]) * _UNITS[match[2]]


def format_duration(seconds: int) -> str:
    """600 → ``"10m"``: the largest unit that divides evenly."""
    for unit in ("d", "h", "m"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def retry_class_of(outcome: Outcome | RetryClass | str) -> RetryClass:
    """Map an outcome (or class name / alias) to its retry class; ValueError when never retried."""
    if isinstance(outcome, RetryClass):
        return outcome
    key = str(outcome).strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    if key in (Outcome.ANSWERED, Outcome.EMPTY, Outcome.REJECTED):
        raise ValueError(f"outcome {key!r} is never retried")
    raise ValueError(f"unknown outcome {key!r} (use {', '.join(c.value for c in RetryClass)})")


def parse_cap(text: str) -> tuple[int, int]:
    """``"5/24h"`` → (5, 86400): at most 5 calls to one number in any 24 hours."""
    count, sep, period = text.strip().partition("/")
    if not sep or not count.strip().isdigit():
        raise ValueError(f"cap {text!r}: expected COUNT/PERIOD such as 5/24h")
    try:
        seconds = parse_duration(period)
    except ValueError:
        raise ValueError(f"cap {text!r}: period must be a number with a unit s, m, h or d") from None
    if int(count) < 1 or seconds < 1:
        raise ValueError(f"cap {text!r}: count and period must be positive")
    return int(count), seconds


def parse_rate(text: str) -> int:
    """``"30/min"`` → 30 calls per minute (also ``/s``, ``/h``); must come out a whole number per minute."""
    count, sep, unit = text.strip().lower().partition("/")
    if not sep or not count.strip().isdigit() or unit.strip() not in _RATE_UNITS:
        raise ValueError(f"rate {text!r}: expected N/min (or N/s, N/h), e.g. 30/min")
    per_min = int(count) * _RATE_UNITS[unit.strip()]
    if per_min < 1 or abs(per_min - round(per_min)) > 1e-9:
        raise ValueError(f"rate {text!r}: must be a whole number of calls per minute, at least 1")
    return round(per_min)


def _delays_from_text(spec: str) -> tuple[RetryClass, tuple[int, ...]]:
    name, sep, values = spec.partition("=")
    if not sep or not values.strip():
        raise ValueError(f"retry {spec!r}: expected OUTCOME=DELAY[,DELAY...] such as busy=10m,30m")
    try:
        retry_class = retry_class_of(name)
    except ValueError as exc:
        raise ValueError(f"retry {spec!r}: {exc}") from None
    delays = []
    for part in values.split(","):
        try:
            seconds = parse_duration(part)
        except ValueError as exc:
            raise ValueError(f"retry {spec!r}: {exc}") from None
        if seconds > _MAX_DELAY_S:
            raise ValueError(f"retry {spec!r}: delay {part.strip()!r} is longer than 30d")
        delays.append(seconds)
    return retry_class, tuple(delays)


def _check_delays(name: str, delays: Sequence[int]) -> tuple[int, ...]:
    if not delays:
        raise ValueError(f"retry {name}: needs at least one delay")
    out = tuple(int(d) for d in delays)
    if any(d < 0 or d > _MAX_DELAY_S for d in out):
        raise ValueError(f"retry {name}: delays must be between 0 and 30d")
    return out


@dataclass(frozen=True)
class RetrySchedule:
    """Delays in seconds per retry class; every class is always present."""

    delays: Mapping[RetryClass, tuple[int, ...]]

    @classmethod
    def default(cls) -> RetrySchedule:
        return cls(MappingProxyType(dict(DEFAULT_DELAYS)))

    @classmethod
    def parse(cls, specs: Iterable[str] = ()) -> RetrySchedule:
        """``["busy=10m,30m", "failed=15m"]`` over the defaults; a class given twice is an error."""
        merged = dict(DEFAULT_DELAYS)
        seen: set[RetryClass] = set()
        for spec in specs:
            retry_class, delays = _delays_from_text(spec)
            if retry_class in seen:
                raise ValueError(f"retry {spec!r}: {retry_class.value} given twice")
            seen.add(retry_class)
            merged[retry_class] = delays
        return cls(MappingProxyType(merged))

    @classmethod
    def from_json(cls, data: Mapping[str, Sequence[int]] | None) -> RetrySchedule:
        """The ``Campaign.retry`` column (class → seconds) over the defaults; None → defaults."""
        merged = dict(DEFAULT_DELAYS)
        for name, delays in (data or {}).items():
            merged[retry_class_of(name)] = _check_delays(name, delays)
        return cls(MappingProxyType(merged))

    def to_json(self) -> dict[str, list[int]]:
        return {c.value: list(self.delays[c]) for c in RetryClass}

    def specs(self) -> list[str]:
        """Back to ``--retry`` notation, for display."""
        return [f"{c.value}={','.join(format_duration(d) for d in self.delays[c])}" for c in RetryClass]

    def delay_for(self, outcome: Outcome | RetryClass | str, retry_index: int) -> timedelta:
        """Delay before retry number ``retry_index`` (0-based); the last delay repeats."""
        if retry_index < 0:
            raise ValueError("retry_index must be >= 0")
        delays = self.delays[retry_class_of(outcome)]
        return timedelta(seconds=delays[min(retry_index, len(delays) - 1)])
