"""What happens to a task after one of its attempts ends: done, invalid, retry at T, exhausted, unknown.

Pure: everything, including "now", comes in as arguments. Choices where the issue was silent:

- ``answered`` is done whether or not keys were pressed (the keys are stored by the caller).
- ``busy``, ``power_off``, ``failed``, ``no_answer`` and ``unknown`` are retried per their schedule while
  placements remain (``attempts < max_attempts``); ``unknown`` counts as a placement.
- When no retry is possible the task is ``exhausted`` — or ``unknown`` when the centre never gave a
  result for any of its attempts (this one unknown and ``seen_result`` false).
- A retry time is ``now + delay``, pushed past the per-number cap if needed, then moved to the next
  opening of the calling window; at or after ``end_at`` it becomes exhausted instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from batch_dialer.campaigns.attempt_states import Outcome, TaskState
from batch_dialer.campaigns.calling_window import CallingWindow
from batch_dialer.campaigns.retry_schedule import RetrySchedule

__all__ = [
    "CENTRE_STATE_OUTCOMES",
    "SOAP_STATE_OUTCOMES",
    "CampaignPolicy",
    "CampaignPolicyColumns",
    "Decision",
    "DecisionKind",
    "NumberCap",
    "decide",
    "outcome_from_centre_state",
    "outcome_from_soap_state",
]

#: Guoxin §3 GET_CAPTCHA_RESULT / §18 IVR_TTS_CALL_RESULT ``state`` → outcome; None = not final yet.
#: 404 (token not known) is not final: the centre may not have registered it yet; the worker records
#: Outcome.UNKNOWN only when its poll deadline passes.
CENTRE_STATE_OUTCOMES: Mapping[int, Outcome | None] = MappingProxyType(
    {
        0: None,  # queued at the centre
        1: Outcome.ANSWERED,
        2: Outcome.FAILED,
        3: Outcome.EMPTY,
        4: None,  # calling
        5: Outcome.BUSY,
        6: Outcome.POWER_OFF,
        404: None,
    }
)

#: §26 SOAP Texttocal.state → outcome; None = not final yet.
SOAP_STATE_OUTCOMES: Mapping[str, Outcome | None] = MappingProxyType(
    {
        "WAITING": None,
        "TRYING": None,
        "CONFIRM": Outcome.ANSWERED,
        "RING_TIME_OUT": Outcome.NO_ANSWER,
        "CALL_FAILED": Outcome.FAILED,
    }
)


def outcome_from_centre_state(state: int) -> Outcome | None:
    """Outcome of a final Guoxin result state, None while not final; ValueError for undocumented ones."""
    try:
        return CENTRE_STATE_OUTCOMES[int(state)]
    except KeyError:
        raise ValueError(f"undocumented centre result state {state!r}") from None


def outcome_from_soap_state(state: str) -> Outcome | None:
    """Outcome of a SOAP Texttocal state, None while not final; ValueError for undocumented ones."""
    try:
        return SOAP_STATE_OUTCOMES[state.strip().upper()]
    except KeyError:
        raise ValueError(f"undocumented SOAP call state {state[:20]!r}") from None


@dataclass(frozen=True, slots=True)
class NumberCap:
    """At most ``count`` calls to one number in any ``period``, across all campaigns (``--cap 5/24h``)."""

    count: int
    period: timedelta

    def __post_init__(self) -> None:
        if self.count < 1 or self.period <= timedelta(0):
            raise ValueError("cap needs a positive count and period")

    @classmethod
    def from_columns(cls, cap_count: int | None, cap_period_s: int | None) -> NumberCap | None:
        if cap_count is None or cap_period_s is None:
            return None
        return cls(cap_count, timedelta(seconds=cap_period_s))

    def allows(self, calls_in_period: int) -> bool:
        """May the number be called once more, given the calls in the last ``period``?"""
        return calls_in_period < self.count

    def release_at(self, recent_calls: Sequence[datetime], now: datetime) -> datetime:
        """Earliest instant >= now at which one more call keeps every ``period`` under ``count``."""
        window_start = now - self.period
        inside = sorted(t for t in recent_calls if t > window_start)
        if len(inside) < self.count:
            return now
        return max(now, inside[len(inside) - self.count] + self.period)


class DecisionKind(StrEnum):
    DONE = "done"
    INVALID = "invalid"
    RETRY = "retry"
    EXHAUSTED = "exhausted"
    UNKNOWN = "unknown"


_TASK_STATE: Mapping[DecisionKind, TaskState] = MappingProxyType(
    {
        DecisionKind.DONE: TaskState.DONE,
        DecisionKind.INVALID: TaskState.INVALID,
        DecisionKind.RETRY: TaskState.PENDING,
        DecisionKind.EXHAUSTED: TaskState.EXHAUSTED,
        DecisionKind.UNKNOWN: TaskState.UNKNOWN,
    }
)


@dataclass(frozen=True, slots=True)
class Decision:
    """``retry_at`` is set only for RETRY (aware UTC, inside the window, before end_at)."""

    kind: DecisionKind
    retry_at: datetime | None = None
    reason: str = ""

    @property
    def task_state(self) -> TaskState:
        """The state the task moves to (RETRY → pending with next_attempt_at = retry_at)."""
        return _TASK_STATE[self.kind]

    @property
    def is_final(self) -> bool:
        return self.kind is not DecisionKind.RETRY


@dataclass(frozen=True)
class CampaignPolicy:
    """The parts of a campaign that decide retries; build it once per campaign."""

    max_attempts: int
    retry: RetrySchedule = field(default_factory=RetrySchedule.default)
    window: CallingWindow = field(default_factory=CallingWindow.parse)
    end_at: datetime | None = None
    cap: NumberCap | None = None

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.end_at is not None and self.end_at.tzinfo is None:
            raise ValueError("end_at must be timezone-aware")

    @classmethod
    def from_campaign(cls, campaign: CampaignPolicyColumns) -> CampaignPolicy:
        """Build from a ``Campaign`` row (or anything with the same column attributes)."""
        return cls(
            max_attempts=campaign.max_attempts,
            retry=RetrySchedule.from_json(campaign.retry),
            window=CallingWindow.parse(campaign.windows, campaign.days, campaign.tz),
            end_at=campaign.end_at,
            cap=NumberCap.from_columns(campaign.cap_count, campaign.cap_period_s),
        )


class CampaignPolicyColumns(Protocol):
    """The ``Campaign`` columns a policy is built from."""

    @property
    def max_attempts(self) -> int: ...
    @property
    def retry(self) -> Mapping[str, Sequence[int]] | None: ...
    @property
    def windows(self) -> Sequence[str] | None: ...
    @property
    def days(self) -> str | None: ...
    @property
    def tz(self) -> str: ...
    @property
    def end_at(self) -> datetime | None: ...
    @property
    def cap_count(self) -> int | None: ...
    @property
    def cap_period_s(self) -> int | None: ...


def _give_up(outcome: Outcome, seen_result: bool, reason: str) -> Decision:
    if outcome is Outcome.UNKNOWN and not seen_result:
        return Decision(DecisionKind.UNKNOWN, reason=reason)
    return Decision(DecisionKind.EXHAUSTED, reason=reason)


def decide(
    outcome: Outcome | str,
    *,
    attempts: int,
    policy: CampaignPolicy,
    now: datetime,
    seen_result: bool = False,
    recent_calls: Sequence[datetime] = (),
) -> Decision:
    """Decide the task after an attempt ended with ``outcome``.

    ``attempts``: real placements of this task so far, including the one just ended.
    ``seen_result``: whether any earlier attempt of this task got a final result from the centre.
    ``recent_calls``: placement times of calls to this number within the cap period, across all
    campaigns, including this attempt (ignored without a cap).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if attempts < 1:
        raise ValueError("attempts counts the attempt just ended, so it is at least 1")
    result = Outcome(outcome)
    if result is Outcome.ANSWERED:
        return Decision(DecisionKind.DONE, reason="answered")
    if result is Outcome.EMPTY:
        return Decision(DecisionKind.INVALID, reason="empty number")
    if result is Outcome.REJECTED:
        return Decision(DecisionKind.INVALID, reason="the centre refused this contact's data")
    if attempts >= policy.max_attempts:
        return _give_up(result, seen_result, "max attempts reached")
    now = now.astimezone(UTC)
    earliest = now + policy.retry.delay_for(result, attempts - 1)
    if policy.cap is not None:
        earliest = max(earliest, policy.cap.release_at(recent_calls, now))
    retry_at = policy.window.next_open(earliest)
    if policy.end_at is not None and retry_at >= policy.end_at:
        return _give_up(result, seen_result, "campaign ends before the next retry")
    return Decision(DecisionKind.RETRY, retry_at=retry_at, reason=f"retry after {result.value}")
