"""Calling windows: the local hours and weekdays in which a campaign may dial.

A window is ``HH:MM-HH:MM`` in the campaign's time zone; the end is exclusive and may be ``24:00``.
A window whose end is earlier than its start wraps midnight (``21:00-02:00``) and belongs to the day it
starts on: with ``--days mon-fri`` the Friday window runs into Saturday 02:00, and none starts on Saturday.

Every answer is computed from concrete UTC intervals, one per window per allowed local day, so
``contains``, ``next_open``, ``closes_at`` and ``open_seconds_between`` always agree. DST: a wall time that
does not exist (spring-forward gap) maps to the instant the clock jumps; a wall time that occurs twice
(fall-back) opens at its first occurrence and closes at its second, so a window covers the repeated hour.

``--days cn-workdays`` (also ``工作日``) follows the official Chinese calendar instead of weekdays: no calls
on 国庆 or 春节, calls on the make-up Saturdays (see ``working_days``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from batch_dialer.campaigns.working_days import CN_WORKDAY_ALIASES, CN_WORKDAYS, is_cn_workday

__all__ = [
    "DEFAULT_TZ",
    "DEFAULT_WINDOWS",
    "CallingWindow",
    "WindowSpan",
    "parse_days",
    "parse_window",
    "parse_zone",
]

DEFAULT_WINDOWS: tuple[str, ...] = ("08:00-21:00",)
DEFAULT_TZ = "Asia/Shanghai"
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ALL_DAYS: frozenset[int] = frozenset(range(7))
_DAY_ALIASES: dict[str, frozenset[int]] = {
    "daily": _ALL_DAYS,
    "all": _ALL_DAYS,
    "*": _ALL_DAYS,
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_MAX_MERGED = timedelta(days=7)  # an always-open window "closes" (and reopens) a week ahead
_SEARCH_DAYS = 400  # a valid window opens within 8 days; the margin covers DST-emptied days


def _minute_of_day(text: str, hour: str, minute: str, *, is_end: bool) -> int:
    h, m = int(hour), int(minute)
    if h > 24 or (h == 24 and (m != 0 or not is_end)):
        raise ValueError(f"window {text!r}: hour out of range")
    if m > 59:
        raise ValueError(f"window {text!r}: minute out of range")
    return h * 60 + m


@dataclass(frozen=True, slots=True, order=True)
class WindowSpan:
    """Minutes after local midnight of the start day; ``end`` > 1440 when the window wraps midnight."""

    start: int
    end: int

    def __str__(self) -> str:
        end = self.end % 1440 if self.end > 1440 else self.end
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def parse_window(text: str) -> WindowSpan:
    """``"09:00-21:00"`` → WindowSpan; ValueError naming the bad window otherwise."""
    cleaned = text.strip().replace(" ", "")
    match = _WINDOW.match(cleaned)
    if not match:
        raise ValueError(f"window {text!r}: expected HH:MM-HH:MM")
    start = _minute_of_day(text, match[1], match[2], is_end=False)
    end = _minute_of_day(text, match[3], match[4], is_end=True)
    if end == start:
        raise ValueError(f"window {text!r}: empty (start equals end)")
    if end < start:
        end += 1440  # wraps midnight
    return WindowSpan(start, end)


def _day_index(text: str, name: str) -> int:
    key = name.strip().lower()
    if key in _DAY_NAMES:
        return _DAY_NAMES.index(key)
    if key in _FULL_DAY_NAMES:
        return _FULL_DAY_NAMES.index(key)
    raise ValueError(f"days {text!r}: unknown day {name.strip()!r} (use mon..sun)")


def parse_days(text: str | None) -> frozenset[int]:
    """``"mon-fri"``, ``"mon,wed,fri"``, ``"fri-mon"`` (wraps), ``"daily"``/None → weekday numbers (Mon=0)."""
    if text is None or not text.strip():
        return _ALL_DAYS
    lowered = text.strip().lower()
    if lowered in _DAY_ALIASES:
        return _DAY_ALIASES[lowered]
    days: set[int] = set()
    for part in lowered.split(","):
        if not part.strip():
            raise ValueError(f"days {text!r}: empty item")
        first, sep, last = part.partition("-")
        if not sep:
            days.add(_day_index(text, first))
            continue
        lo, hi = _day_index(text, first), _day_index(text, last)
        span = (hi - lo) % 7
        days.update((lo + i) % 7 for i in range(span + 1))
    return frozenset(days)


def parse_zone(name: str | ZoneInfo) -> ZoneInfo:
    if isinstance(name, ZoneInfo):
        return name
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"time zone {name!r}: unknown") from None


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("calling window needs a timezone-aware datetime")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class CallingWindow:
    """Where dialling is allowed; build it with :meth:`parse`."""

    spans: tuple[WindowSpan, ...]
    weekdays: frozenset[int]
    tz: ZoneInfo
    cn_calendar: bool = False  # days follow the official Chinese working-day calendar

    @classmethod
    def parse(
        cls,
        windows: Sequence[str] | None = None,
        days: str | None = None,
        tz: str | ZoneInfo = DEFAULT_TZ,
    ) -> CallingWindow:
        """Campaign columns (or CLI values) → CallingWindow; None/empty windows mean 08:00-21:00."""
        spans = tuple(sorted(parse_window(w) for w in (windows or DEFAULT_WINDOWS)))
        if days is not None and days.strip().lower() in CN_WORKDAY_ALIASES:
            return cls(spans=spans, weekdays=_ALL_DAYS, tz=parse_zone(tz), cn_calendar=True)
        weekdays = parse_days(days)
        if not weekdays:
            raise ValueError(f"days {days!r}: no day selected")
        return cls(spans=spans, weekdays=weekdays, tz=parse_zone(tz))

    # -- wall time → UTC -------------------------------------------------------------------------

    def _to_utc(self, wall: datetime, *, is_end: bool) -> datetime:
        first = wall.replace(tzinfo=self.tz, fold=0).astimezone(UTC)
        second = wall.replace(tzinfo=self.tz, fold=1).astimezone(UTC)
        if first == second:
            return first
        if first < second:  # fall-back: the wall time occurs twice
            return second if is_end else first
        # spring-forward gap: find the instant the clock jumps, between `second` and `first`
        after = first.astimezone(self.tz).utcoffset()
        lo, hi = second, first  # offset(lo) != after, offset(hi) == after
        while hi - lo > timedelta(seconds=1):
            mid = lo + (hi - lo) / 2
            if mid.astimezone(self.tz).utcoffset() == after:
                hi = mid
            else:
                lo = mid
        return hi.replace(microsecond=0)

    def calls_on(self, day: date) -> bool:
        """Whether ``day`` (local) is a calling day at all."""
        if self.cn_calendar:
            return is_cn_workday(day)
        return day.weekday() in self.weekdays

    def _day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.calls_on(day):
            return []
        midnight = datetime(day.year, day.month, day.day)
        out = []
        for span in self.spans:
            start = self._to_utc(midnight + timedelta(minutes=span.start), is_end=False)
            end = self._to_utc(midnight + timedelta(minutes=span.end), is_end=True)
            if end > start:
                out.append((start, end))
        return out

    def _intervals(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Merged open intervals (UTC, end exclusive), in order, from before ``moment`` onwards."""
        day = moment.astimezone(self.tz).date() - timedelta(days=2)
        horizon = moment + _MAX_MERGED
        current: tuple[datetime, datetime] | None = None
        empty_days = 0
        while empty_days < _SEARCH_DAYS:
            intervals = self._day_intervals(day)
            empty_days = 0 if intervals else empty_days + 1
            for start, end in intervals:
                if current is None:
                    current = (start, end)
                elif start <= current[1] and current[1] < horizon:
                    current = (current[0], max(current[1], end))
                elif start <= current[1]:  # open for a week without a break: cut here, go on
                    yield current
                    current = (current[1], max(current[1], end))
                else:
                    yield current
                    current = (start, end)
            day += timedelta(days=1)
        if current is not None:
            yield current
        raise RuntimeError("calling window never opens")  # unreachable with a valid spec

    # -- queries ---------------------------------------------------------------------------------

    def contains(self, moment: datetime) -> bool:
        """True when dialling is allowed at ``moment`` (aware)."""
        at = _require_aware(moment)
        for start, end in self._intervals(at):
            if start > at:
                return False
            if at < end:
                return True
        return False  # pragma: no cover - the iterator never ends

    def next_open(self, moment: datetime) -> datetime:
        """``moment`` itself (in UTC) when open, else the start of the next window (aware UTC)."""
        at = _require_aware(moment)
        for start, end in self._intervals(at):
            if end > at:
                return max(start, at)
        raise RuntimeError("calling window never opens")  # pragma: no cover

    def closes_at(self, moment: datetime) -> datetime | None:
        """End of the window ``moment`` is in (aware UTC), or None when it is closed. A window that
        stays open for more than a week answers a moment about a week ahead (and is open again there)."""
        at = _require_aware(moment)
        for start, end in self._intervals(at):
            if start > at:
                return None
            if at < end:
                return end
        return None  # pragma: no cover

    def open_seconds_between(self, a: datetime, b: datetime) -> float:
        """Seconds of open time in [a, b); 0 when b <= a. For ETA forecasts."""
        lo, hi = _require_aware(a), _require_aware(b)
        total = 0.0
        if hi <= lo:
            return total
        for start, end in self._intervals(lo):
            if start >= hi:
                break
            overlap = (min(end, hi) - max(start, lo)).total_seconds()
            if overlap > 0:
                total += overlap
        return total

    def advance_open(self, moment: datetime, seconds: float) -> datetime:
        """The instant by which ``seconds`` of open time have passed after ``moment`` (ETA)."""
        at = _require_aware(moment)
        left = timedelta(seconds=max(0.0, seconds))
        for start, end in self._intervals(at):
            if end <= at:
                continue
            begin = max(start, at)
            if begin + left <= end:
                return begin + left
            left -= end - begin
        raise RuntimeError("calling window never opens")  # pragma: no cover

    # -- storage ---------------------------------------------------------------------------------

    def window_specs(self) -> list[str]:
        """Canonical ``HH:MM-HH:MM`` strings (the ``Campaign.windows`` column)."""
        return [str(span) for span in self.spans]

    def days_spec(self) -> str | None:
        """Canonical days (the ``Campaign.days`` column); None means every day."""
        if self.cn_calendar:
            return CN_WORKDAYS
        if self.weekdays == _ALL_DAYS:
            return None
        runs: list[list[int]] = []
        for day in sorted(self.weekdays):
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        return ",".join(
            _DAY_NAMES[r[0]] if len(r) == 1 else f"{_DAY_NAMES[r[0]]}-{_DAY_NAMES[r[-1]]}" for r in runs
        )
