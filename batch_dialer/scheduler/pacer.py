"""Closed-loop pacing arithmetic: how many calls may be started now, and how to split them.

The pacer never guesses channel use: each tick feeds it the centre's monitor reading (or None when the
read failed, which holds dialling for that tick) and the calls we submitted that the centre may not
show yet. Congestion answers (486/480/503) halve the effective channel limit (floor 1) and pause for a
backoff that doubles on consecutive congestions (at most one halving per pause); a tick that saw
successes and no congestion adds one channel back, up to ``channels``. An optional token bucket keeps
under ``rate_per_min``.

Backpressure from the agent queue (Guoxin §18: "queue: 转坐席时排队个数, 如果排队个数多, 说明呼叫过快, 请减少
呼叫频率"): between two readings, a queue that grew by N takes N channels off the effective limit (floor 1)
and nothing is added back that tick; a queue that shrank adds one channel back per tick, so the rate
recovers as the queue drains. ``max_queue`` stays a hard stop on top of that (0 = none).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from batch_dialer.campaigns.clock import Clock, system_clock

__all__ = ["ChannelSharer", "MonitorLike", "Pacer", "share_channels"]

K = TypeVar("K", bound=Hashable)


class MonitorLike(Protocol):
    """What IVR_TTS_CALL_MONITOR tells (``callcenter.results.MonitorReading`` fits)."""

    @property
    def queue(self) -> int: ...

    @property
    def playcount(self) -> int: ...


class Pacer:
    """One per call centre; the scheduler calls :meth:`tick` about once a second, then :meth:`allowance`."""

    def __init__(
        self,
        channels: int,
        max_queue: int = 0,
        rate_per_min: float | None = None,
        clock: Clock = system_clock,
        *,
        backoff: timedelta = timedelta(seconds=2),
        max_backoff: timedelta = timedelta(seconds=30),
        stale_after: timedelta = timedelta(seconds=5),
        queue_backpressure: bool = True,
    ) -> None:
        if channels < 1:
            raise ValueError("channels must be at least 1")
        if max_queue < 0:
            raise ValueError("max_queue must be >= 0 (0 = no queue limit)")
        if rate_per_min is not None and rate_per_min <= 0:
            raise ValueError("rate_per_min must be positive")
        self.channels = channels
        self.max_queue = max_queue
        self.rate_per_min = rate_per_min
        self._clock = clock
        self._base_backoff = backoff
        self._max_backoff = max_backoff
        self._stale_after = stale_after
        self._effective = channels
        self._queue = 0
        self._seen_queue = False
        self._queue_backpressure = queue_backpressure
        self._playcount = 0
        self._unseen = 0
        self._sent_since_tick = 0
        self._read_at: datetime | None = None
        self._paused_until: datetime | None = None
        self._next_backoff = backoff
        self._successes = 0
        self._congested = False
        self._capacity = max(1.0, (rate_per_min or 0) / 60.0)
        self._tokens = self._capacity
        self._tokens_at = clock.now()

    # -- inputs ----------------------------------------------------------------------------------

    def tick(self, reading: MonitorLike | None, unseen_in_flight: int) -> None:
        """A new monitor reading (None = the read failed) and our calls the centre may not show yet."""
        growth = self._queue_growth(reading)
        if growth > 0:
            self._effective = max(1, self._effective - growth)
        elif not self._congested and (growth < 0 or self._successes) and not self._paused(self._clock.now()):
            self._effective = min(self.channels, self._effective + 1)
        self._successes = 0
        self._congested = False
        self._sent_since_tick = 0
        self._unseen = max(0, unseen_in_flight)
        if reading is None:
            self._read_at = None
            return
        self._queue = max(0, reading.queue)
        self._seen_queue = True
        self._playcount = max(0, reading.playcount)
        self._read_at = self._clock.now()

    def _queue_growth(self, reading: MonitorLike | None) -> int:
        """How much the agent queue grew since the last reading (negative: it drained)."""
        if not self._queue_backpressure or reading is None or not self._seen_queue:
            return 0
        return max(0, reading.queue) - self._queue

    def on_congestion(self) -> None:
        """The centre answered 486/480/503: halve once per pause and back off."""
        now = self._clock.now()
        self._congested = True
        if self._paused(now):
            return
        self._effective = max(1, self._effective // 2)
        self._paused_until = now + self._next_backoff
        self._next_backoff = min(self._max_backoff, self._next_backoff * 2)

    def on_success(self) -> None:
        """The centre accepted a call (200, or 483 for a resubmission)."""
        self._successes += 1
        self._next_backoff = self._base_backoff

    def record_sent(self, count: int) -> None:
        """We claimed ``count`` calls after :meth:`allowance`; they count until the next tick."""
        self._refill(self._clock.now())
        self._sent_since_tick += count
        self._tokens -= count

    # -- outputs ---------------------------------------------------------------------------------

    @property
    def effective_channels(self) -> int:
        return self._effective

    @property
    def in_use(self) -> int:
        """Channels we believe busy: centre's playcount + unseen + sent since the last tick."""
        return self._playcount + self._unseen + self._sent_since_tick

    def paused_until(self) -> datetime | None:
        now = self._clock.now()
        return self._paused_until if self._paused(now) else None

    def allowance(self) -> int:
        """How many new calls may be claimed now (>= 0)."""
        now = self._clock.now()
        if self._paused(now) or self._read_at is None or now - self._read_at > self._stale_after:
            return 0
        if self.max_queue > 0 and self._queue >= self.max_queue:
            return 0
        room = max(0, min(self._effective, self.channels) - self.in_use)
        if self.rate_per_min is not None:
            self._refill(now)
            room = min(room, max(0, math.floor(self._tokens)))
        return room

    # -- internals -------------------------------------------------------------------------------

    def _paused(self, now: datetime) -> bool:
        return self._paused_until is not None and now < self._paused_until

    def _refill(self, now: datetime) -> None:
        if self.rate_per_min is None:
            return
        elapsed = max(0.0, (now - self._tokens_at).total_seconds())
        self._tokens = min(self._capacity, self._tokens + elapsed * self.rate_per_min / 60.0)
        self._tokens_at = now


def _share(
    total: int, campaigns: Sequence[tuple[K, int, int]], carry: Mapping[K, float]
) -> tuple[dict[K, int], dict[K, float]]:
    alloc: dict[K, int] = {key: 0 for key, _, _ in campaigns}
    if len(alloc) != len(campaigns):
        raise ValueError("campaign ids must be unique")
    for key, priority, _ in campaigns:
        if priority < 1:
            raise ValueError(f"campaign {key!r}: priority must be at least 1")
    left = max(0, total)
    active = {key: (priority, due) for key, priority, due in campaigns if due > 0}
    # water-fill: campaigns whose weighted share covers all they have due take exactly that
    while active and left > 0:
        weight = sum(p for p, _ in active.values())
        full = [k for k, (p, due) in active.items() if due <= left * p / weight]
        if not full:
            break
        for k in full:
            alloc[k] = active.pop(k)[1]
            left -= alloc[k]
    new_carry: dict[K, float] = {}
    if active and left > 0:
        weight = sum(p for p, _ in active.values())
        ideal = {k: left * p / weight for k, (p, _) in active.items()}
        for k in active:
            alloc[k] = math.floor(ideal[k])
        rest = left - sum(alloc[k] for k in active)
        score = {k: carry.get(k, 0.0) + ideal[k] - alloc[k] for k in active}
        order = sorted(active, key=lambda k: (-score[k], -active[k][0]))
        for k in order[:rest]:
            alloc[k] += 1
        new_carry = {k: carry.get(k, 0.0) + ideal[k] - alloc[k] for k in active}
    return alloc, new_carry


def share_channels(
    total_allowance: int, campaigns: Sequence[tuple[K, int, int]], carry: Mapping[K, float] | None = None
) -> dict[K, int]:
    """Split ``total_allowance`` among ``(campaign_id, priority, due_count)`` weighted by priority.

    Nobody gets more than it has due; what a campaign cannot use goes to the others; the result sums to
    ``min(total, sum of due)``. Leftover single calls go to the largest fractional share (plus ``carry``,
    see :class:`ChannelSharer` for fairness across ticks).
    """
    return _share(total_allowance, campaigns, carry or {})[0]


class ChannelSharer(Generic[K]):
    """:func:`share_channels` that remembers fractional shares between ticks, so a low-priority campaign
    still gets its proportion when only one or two channels free up per tick."""

    def __init__(self) -> None:
        self._carry: dict[K, float] = {}

    def share(self, total_allowance: int, campaigns: Sequence[tuple[K, int, int]]) -> dict[K, int]:
        alloc, new_carry = _share(total_allowance, campaigns, self._carry)
        if total_allowance > 0:
            self._carry = dict(new_carry)
        return alloc
