"""Pacer arithmetic with a manual clock, and the fair split of the allowance between campaigns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.scheduler.pacer import ChannelSharer, Pacer, share_channels

T0 = datetime(2024, 5, 6, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Reading:
    queue: int
    playcount: int


def pacer(channels: int = 10, max_queue: int = 0, rate: float | None = None) -> tuple[Pacer, ManualClock]:
    clock = ManualClock(T0)
    return Pacer(channels, max_queue, rate, clock), clock


def test_allowance_subtracts_playing_and_unseen_calls() -> None:
    p, _ = pacer(10)
    assert p.allowance() == 0  # no reading yet: never guess
    p.tick(Reading(queue=0, playcount=4), unseen_in_flight=3)
    assert p.allowance() == 3
    p.record_sent(2)
    assert p.allowance() == 1  # sent since the tick count until the next reading
    p.tick(Reading(queue=0, playcount=9), unseen_in_flight=0)
    assert p.allowance() == 1
    p.tick(Reading(queue=0, playcount=12), unseen_in_flight=2)  # centre shows more than our limit
    assert p.allowance() == 0


def test_failed_or_stale_monitor_holds() -> None:
    p, clock = pacer(10)
    p.tick(Reading(0, 0), 0)
    assert p.allowance() == 10
    clock.advance(6)
    assert p.allowance() == 0  # the reading is older than 5 s
    p.tick(None, 0)
    assert p.allowance() == 0
    p.tick(Reading(0, 1), 0)
    assert p.allowance() == 9


def test_queue_at_max_queue_holds_and_zero_means_no_limit() -> None:
    p, _ = pacer(10, max_queue=3)
    p.tick(Reading(queue=3, playcount=0), 0)
    assert p.allowance() == 0
    p.tick(Reading(queue=2, playcount=0), 0)
    assert p.allowance() == 10
    q, _ = pacer(10, max_queue=0)
    q.tick(Reading(queue=50, playcount=0), 0)
    assert q.allowance() == 10


def test_congestion_halves_pauses_and_successes_recover_one_per_tick() -> None:
    p, clock = pacer(8)
    p.tick(Reading(0, 0), 0)
    p.on_congestion()
    p.on_congestion()  # same burst: one halving per pause
    assert p.effective_channels == 4
    assert p.allowance() == 0
    assert p.paused_until() == T0 + timedelta(seconds=2)
    clock.advance(2)
    p.tick(Reading(0, 0), 0)
    assert p.allowance() == 4
    for expected in (5, 6, 7, 8, 8):
        p.on_success()
        clock.advance(1)
        p.tick(Reading(0, 0), 0)
        assert p.effective_channels == expected
    assert p.allowance() == 8


def test_consecutive_congestion_doubles_the_pause_and_floors_at_one() -> None:
    p, clock = pacer(4)
    pauses = []
    for _ in range(4):
        p.on_congestion()
        until = p.paused_until()
        assert until is not None
        pauses.append((until - clock.now()).total_seconds())
        clock.set(until)
    assert pauses == [2, 4, 8, 16]
    assert p.effective_channels == 1
    p.on_success()  # success resets the backoff
    p.on_congestion()
    assert p.paused_until() == clock.now() + timedelta(seconds=2)


def test_no_recovery_in_a_tick_that_saw_congestion() -> None:
    p, clock = pacer(8)
    p.on_congestion()
    clock.advance(3)
    p.on_success()
    p.on_congestion()
    p.tick(Reading(0, 0), 0)
    assert p.effective_channels == 2


def test_rate_budget() -> None:
    p, clock = pacer(100, rate=30)  # one call every 2 s
    p.tick(Reading(0, 0), 0)
    assert p.allowance() == 1
    p.record_sent(1)
    assert p.allowance() == 0
    clock.advance(1)
    p.tick(Reading(0, 1), 0)
    assert p.allowance() == 0
    clock.advance(1)
    p.tick(Reading(0, 1), 0)
    assert p.allowance() == 1
    fast, clock2 = pacer(100, rate=600)  # 10 per second, bucket of one second
    fast.tick(Reading(0, 0), 0)
    clock2.advance(60)
    fast.tick(Reading(0, 0), 0)
    assert fast.allowance() == 10


def test_bad_settings() -> None:
    clock = ManualClock(T0)
    with pytest.raises(ValueError):
        Pacer(0, clock=clock)
    with pytest.raises(ValueError):
        Pacer(5, -1, clock=clock)
    with pytest.raises(ValueError):
        Pacer(5, 0, 0, clock)


OPS = st.lists(
    st.tuples(
        st.sampled_from(["tick", "tick_failed", "congestion", "success", "advance", "send_all"]),
        st.integers(0, 5),
        st.integers(0, 40),
        st.integers(0, 10),
        st.floats(0, 10),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 30), st.integers(0, 5), st.one_of(st.none(), st.integers(1, 600)), OPS)
def test_allowance_never_overruns_the_channels(
    channels: int, max_queue: int, rate: int | None, ops: list[tuple[str, int, int, int, float]]
) -> None:
    p, clock = pacer(channels, max_queue, rate)
    queue, playcount, unseen, sent = 0, 0, 0, 0
    for kind, q, play, fresh, seconds in ops:
        if kind == "tick":
            queue, playcount, unseen, sent = q, play, fresh, 0
            p.tick(Reading(queue, playcount), unseen)
        elif kind == "tick_failed":
            p.tick(None, fresh)
            sent = 0
        elif kind == "congestion":
            p.on_congestion()
        elif kind == "success":
            p.on_success()
        elif kind == "advance":
            clock.advance(seconds)
        allowed = p.allowance()
        assert allowed >= 0
        if allowed:
            assert playcount + unseen + sent + allowed <= min(channels, p.effective_channels)
            assert max_queue == 0 or queue < max_queue
        if kind == "send_all":
            p.record_sent(allowed)
            sent += allowed
        assert 1 <= p.effective_channels <= channels


# -- sharing between campaigns ----------------------------------------------------------------------


def test_share_by_priority_and_due() -> None:
    assert share_channels(9, [("a", 1, 100), ("b", 2, 100)]) == {"a": 3, "b": 6}
    # b cannot use its share: the rest goes to a
    assert share_channels(10, [("a", 1, 100), ("b", 5, 2)]) == {"a": 8, "b": 2}
    assert share_channels(10, [("a", 1, 3), ("b", 1, 4)]) == {"a": 3, "b": 4}
    assert share_channels(0, [("a", 1, 3)]) == {"a": 0}
    assert share_channels(5, [("a", 1, 0), ("b", 1, 9)]) == {"a": 0, "b": 5}
    assert share_channels(5, []) == {}
    with pytest.raises(ValueError, match="priority"):
        share_channels(5, [("a", 0, 1)])
    with pytest.raises(ValueError, match="unique"):
        share_channels(5, [("a", 1, 1), ("a", 1, 1)])


def test_sharer_is_fair_over_ticks_when_one_channel_frees_at_a_time() -> None:
    sharer: ChannelSharer[str] = ChannelSharer()
    totals = {"low": 0, "high": 0}
    for _ in range(300):
        for key, count in sharer.share(1, [("low", 1, 50), ("high", 2, 50)]).items():
            totals[key] += count
    assert totals == {"low": 100, "high": 200}
    # the stateless function alone would starve the low-priority campaign
    assert share_channels(1, [("low", 1, 50), ("high", 2, 50)]) == {"low": 0, "high": 1}


CAMPAIGNS = st.lists(st.tuples(st.integers(1, 10), st.integers(0, 50)), max_size=8).map(
    lambda items: [(i, p, d) for i, (p, d) in enumerate(items)]
)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 200), CAMPAIGNS)
def test_share_never_exceeds_totals_or_due(total: int, campaigns: list[tuple[int, int, int]]) -> None:
    shares = share_channels(total, campaigns)
    assert set(shares) == {c[0] for c in campaigns}
    assert sum(shares.values()) == min(total, sum(d for _, _, d in campaigns))
    for key, _, due in campaigns:
        assert 0 <= shares[key] <= due
    # a campaign that got less than it has due got at least (about) its weighted share
    weight = sum(p for _, p, d in campaigns if d > 0)
    for key, priority, due in campaigns:
        if shares[key] < due:
            assert shares[key] >= int(total * priority / weight) - 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), CAMPAIGNS), max_size=20))
def test_sharer_keeps_the_same_bounds(rounds: list[tuple[int, list[tuple[int, int, int]]]]) -> None:
    sharer: ChannelSharer[int] = ChannelSharer()
    for total, campaigns in rounds:
        shares = sharer.share(total, campaigns)
        assert sum(shares.values()) == min(total, sum(d for _, _, d in campaigns))
        assert all(0 <= shares[k] <= d for k, _, d in campaigns)


def test_growing_agent_queue_slows_down_and_draining_recovers() -> None:
    """§18: "queue: 转坐席时排队个数, 如果排队个数多, 说明呼叫过快, 请减少呼叫频率" — by default."""
    p, clock = pacer(10)
    p.tick(Reading(queue=0, playcount=0), 0)
    assert p.allowance() == 10
    limits = []
    for queue in (2, 5, 6):  # growing: each rise takes that many channels off
        clock.advance(1)
        p.tick(Reading(queue=queue, playcount=0), 0)
        limits.append(p.effective_channels)
    assert limits == [8, 5, 4]
    assert p.allowance() == 4
    clock.advance(1)
    p.on_success()
    p.tick(Reading(queue=6, playcount=0), 0)  # steady queue: successes add one back as usual
    assert p.effective_channels == 5
    recovered = []
    for queue in (4, 2, 0, 0, 0):  # draining: one channel back per tick even without new calls
        clock.advance(1)
        p.tick(Reading(queue=queue, playcount=0), 0)
        recovered.append(p.effective_channels)
    assert recovered == [6, 7, 8, 8, 8]


def test_max_queue_stays_a_hard_stop_and_backpressure_can_be_off() -> None:
    clock = ManualClock(T0)
    hard = Pacer(10, max_queue=4, clock=clock)
    hard.tick(Reading(queue=0, playcount=0), 0)
    hard.tick(Reading(queue=4, playcount=0), 0)
    assert hard.allowance() == 0
    off = Pacer(10, clock=clock, queue_backpressure=False)
    off.tick(Reading(queue=0, playcount=0), 0)
    off.tick(Reading(queue=9, playcount=0), 0)
    assert off.effective_channels == 10 and off.allowance() == 10
