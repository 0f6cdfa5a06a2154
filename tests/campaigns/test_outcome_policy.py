"""Outcome policy: the issue's acceptance example, end/caps/windows, state tables, centre mappings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch_dialer.campaigns.attempt_states import (
    ATTEMPT_TRANSITIONS,
    TASK_FINAL_STATES,
    TASK_TRANSITIONS,
    AttemptState,
    IllegalTransition,
    Outcome,
    TaskState,
    check_attempt_transition,
    check_transition,
    is_allowed,
)
from batch_dialer.campaigns.calling_window import CallingWindow
from batch_dialer.campaigns.models import Campaign
from batch_dialer.campaigns.outcome_policy import (
    CampaignPolicy,
    Decision,
    DecisionKind,
    NumberCap,
    decide,
    outcome_from_centre_state,
    outcome_from_soap_state,
)
from batch_dialer.campaigns.retry_schedule import RetrySchedule

SH = ZoneInfo("Asia/Shanghai")


def sh(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH).astimezone(UTC)


POLICY = CampaignPolicy(
    max_attempts=3,
    retry=RetrySchedule.parse(["busy=10m,30m,60m", "unreachable=2h,2h", "failed=15m"]),
    window=CallingWindow.parse(["09:00-21:00"], "mon-fri", "Asia/Shanghai"),
)


def test_acceptance_busy_friday_2055_is_retried_monday_0900() -> None:
    decision = decide(Outcome.BUSY, attempts=1, policy=POLICY, now=sh(2024, 5, 3, 20, 55))
    assert decision.kind is DecisionKind.RETRY
    assert decision.retry_at == sh(2024, 5, 6, 9, 0)
    assert decision.task_state is TaskState.PENDING
    assert not decision.is_final


def test_retry_inside_the_window_keeps_the_delay() -> None:
    decision = decide(Outcome.BUSY, attempts=2, policy=POLICY, now=sh(2024, 5, 6, 10, 0))
    assert decision.retry_at == sh(2024, 5, 6, 10, 30)  # second retry uses the second delay


def test_answered_is_done_and_empty_is_invalid_even_on_the_last_attempt() -> None:
    now = sh(2024, 5, 6, 10, 0)
    assert decide("answered", attempts=3, policy=POLICY, now=now) == Decision(
        DecisionKind.DONE, reason="answered"
    )
    invalid = decide(Outcome.EMPTY, attempts=1, policy=POLICY, now=now)
    assert invalid.kind is DecisionKind.INVALID
    assert invalid.task_state is TaskState.INVALID


@pytest.mark.parametrize("outcome", [Outcome.BUSY, Outcome.POWER_OFF, Outcome.FAILED, Outcome.NO_ANSWER])
def test_exhausted_when_attempts_run_out(outcome: Outcome) -> None:
    now = sh(2024, 5, 6, 10, 0)
    assert decide(outcome, attempts=2, policy=POLICY, now=now).kind is DecisionKind.RETRY
    last = decide(outcome, attempts=3, policy=POLICY, now=now)
    assert last.kind is DecisionKind.EXHAUSTED
    assert last.task_state is TaskState.EXHAUSTED


def test_unknown_is_retried_like_failed_and_ends_unknown_only_without_any_result() -> None:
    now = sh(2024, 5, 6, 10, 0)
    retry = decide(Outcome.UNKNOWN, attempts=1, policy=POLICY, now=now)
    assert retry.retry_at == now + timedelta(minutes=15)
    assert decide(Outcome.UNKNOWN, attempts=3, policy=POLICY, now=now).kind is DecisionKind.UNKNOWN
    seen = decide(Outcome.UNKNOWN, attempts=3, policy=POLICY, now=now, seen_result=True)
    assert seen.kind is DecisionKind.EXHAUSTED
    assert decide(Outcome.BUSY, attempts=3, policy=POLICY, now=now).kind is DecisionKind.EXHAUSTED


def test_retry_that_lands_after_end_is_exhausted() -> None:
    policy = CampaignPolicy(
        max_attempts=5, retry=POLICY.retry, window=POLICY.window, end_at=sh(2024, 5, 4, 0, 0)
    )
    late = decide(Outcome.BUSY, attempts=1, policy=policy, now=sh(2024, 5, 3, 20, 55))
    assert late.kind is DecisionKind.EXHAUSTED
    assert "end" in late.reason
    early = decide(Outcome.BUSY, attempts=1, policy=policy, now=sh(2024, 5, 3, 10, 0))
    assert early.retry_at == sh(2024, 5, 3, 10, 10)
    unknown_late = decide(Outcome.UNKNOWN, attempts=1, policy=policy, now=sh(2024, 5, 3, 20, 55))
    assert unknown_late.kind is DecisionKind.UNKNOWN


def test_cap_pushes_the_retry_until_the_oldest_call_leaves_the_period() -> None:
    cap = NumberCap(2, timedelta(hours=24))
    policy = CampaignPolicy(max_attempts=5, retry=POLICY.retry, window=POLICY.window, cap=cap)
    now = sh(2024, 5, 6, 10, 0)
    calls = [sh(2024, 5, 6, 9, 0), now]  # two calls in the last 24 h (one in another campaign)
    decision = decide(Outcome.BUSY, attempts=1, policy=policy, now=now, recent_calls=calls)
    assert decision.retry_at == sh(2024, 5, 7, 9, 0)
    one_call = decide(Outcome.BUSY, attempts=1, policy=policy, now=now, recent_calls=[now])
    assert one_call.retry_at == now + timedelta(minutes=10)


def test_cap_release_and_allows() -> None:
    cap = NumberCap(3, timedelta(hours=1))
    now = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert cap.allows(2) and not cap.allows(3)
    old = [now - timedelta(minutes=m) for m in (90, 50, 20, 5)]  # the 90-minute one is out of period
    assert cap.release_at(old, now) == now - timedelta(minutes=50) + timedelta(hours=1)
    assert cap.release_at(old[:2], now) == now
    assert NumberCap.from_columns(None, 3600) is None
    assert NumberCap.from_columns(5, 86400) == NumberCap(5, timedelta(days=1))


def test_policy_from_a_campaign_row() -> None:
    campaign = Campaign(
        name="c",
        kind="tts",
        windows=["09:00-21:00"],
        days="mon-fri",
        retry={"busy": [600]},
        max_attempts=2,
        cap_count=5,
        cap_period_s=86400,
    )
    policy = CampaignPolicy.from_campaign(campaign)
    assert policy.max_attempts == 2
    assert policy.cap == NumberCap(5, timedelta(days=1))
    assert decide(Outcome.BUSY, attempts=1, policy=policy, now=sh(2024, 5, 3, 20, 55)).retry_at == sh(
        2024, 5, 6, 9, 0
    )


def test_bad_inputs() -> None:
    with pytest.raises(ValueError):
        CampaignPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="aware"):
        decide(Outcome.BUSY, attempts=1, policy=POLICY, now=datetime(2024, 5, 6, 10, 0))
    with pytest.raises(ValueError, match="at least 1"):
        decide(Outcome.BUSY, attempts=0, policy=POLICY, now=sh(2024, 5, 6, 10, 0))


RETRIED = st.sampled_from(
    [o for o in Outcome if o not in (Outcome.ANSWERED, Outcome.EMPTY, Outcome.REJECTED)]
)


@settings(max_examples=200, deadline=None)
@given(
    RETRIED,
    st.integers(1, 6),
    st.integers(1, 6),
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2025, 12, 31)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
    st.one_of(st.none(), st.integers(0, 10 * 86400)),
)
def test_retries_are_always_in_the_window_before_end_and_after_the_delay(
    outcome: Outcome, attempts: int, max_attempts: int, now: datetime, end_after: int | None
) -> None:
    end_at = None if end_after is None else now + timedelta(seconds=end_after)
    policy = CampaignPolicy(
        max_attempts=max_attempts, retry=POLICY.retry, window=POLICY.window, end_at=end_at
    )
    decision = decide(outcome, attempts=attempts, policy=policy, now=now)
    if attempts >= max_attempts:
        assert decision.is_final
        return
    if decision.kind is DecisionKind.RETRY:
        assert decision.retry_at is not None
        assert policy.window.contains(decision.retry_at)
        assert decision.retry_at >= now + policy.retry.delay_for(outcome, attempts - 1)
        assert end_at is None or decision.retry_at < end_at
    else:
        assert end_at is not None
        assert policy.window.next_open(now + policy.retry.delay_for(outcome, attempts - 1)) >= end_at


# -- state tables ---------------------------------------------------------------------------------------


def test_final_task_states_have_no_way_out() -> None:
    for state in TASK_FINAL_STATES:
        assert state.is_final
        for target in TaskState:
            assert not is_allowed(state, target)
    assert not TaskState.PENDING.is_final and not TaskState.IN_FLIGHT.is_final


def test_task_transitions() -> None:
    assert check_transition("pending", "in_flight") == (TaskState.PENDING, TaskState.IN_FLIGHT)
    check_transition(TaskState.IN_FLIGHT, TaskState.PENDING)
    check_transition(TaskState.IN_FLIGHT, TaskState.DONE)
    with pytest.raises(IllegalTransition, match="done -> pending"):
        check_transition(TaskState.DONE, TaskState.PENDING)
    with pytest.raises(IllegalTransition):
        check_transition(TaskState.PENDING, TaskState.DONE)  # a result needs a placed attempt
    with pytest.raises(IllegalTransition):
        check_transition(TaskState.PENDING, TaskState.PENDING)
    with pytest.raises(ValueError):
        check_transition("pending", "sleeping")


def test_every_decision_is_a_legal_move_from_in_flight() -> None:
    for kind in DecisionKind:
        check_transition(TaskState.IN_FLIGHT, Decision(kind).task_state)


def test_attempt_transitions() -> None:
    check_attempt_transition("queued", "submitting")
    check_attempt_transition("submitting", "placed")  # 200, or 483 on a resubmission
    check_attempt_transition(AttemptState.SUBMITTING, AttemptState.ABANDONED)  # refused with 486/480/503
    with pytest.raises(IllegalTransition):
        check_attempt_transition("queued", "placed")  # always through submitting, which a crash can leave
    check_attempt_transition(AttemptState.PLACED, AttemptState.FINAL)
    check_attempt_transition(AttemptState.PLACED, AttemptState.UNKNOWN)
    check_attempt_transition(AttemptState.QUEUED, AttemptState.ABANDONED)
    with pytest.raises(IllegalTransition):
        check_attempt_transition(AttemptState.PLACED, AttemptState.QUEUED)  # never re-queue a placed call
    with pytest.raises(IllegalTransition):
        check_attempt_transition(AttemptState.PLACED, AttemptState.ABANDONED)
    for state in AttemptState:
        assert state.is_final == (not ATTEMPT_TRANSITIONS[state])
    assert set(TASK_TRANSITIONS) == set(TaskState)


# -- centre states --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        (0, None),
        (1, Outcome.ANSWERED),
        (2, Outcome.FAILED),
        (3, Outcome.EMPTY),
        (4, None),
        (5, Outcome.BUSY),
        (6, Outcome.POWER_OFF),
        (404, None),
    ],
)
def test_guoxin_states(state: int, outcome: Outcome | None) -> None:
    assert outcome_from_centre_state(state) is outcome


def test_soap_states_and_undocumented_ones() -> None:
    assert outcome_from_soap_state("CONFIRM") is Outcome.ANSWERED
    assert outcome_from_soap_state("RING_TIME_OUT") is Outcome.NO_ANSWER
    assert outcome_from_soap_state("CALL_FAILED") is Outcome.FAILED
    assert outcome_from_soap_state("WAITING") is None
    assert outcome_from_soap_state("trying") is None
    with pytest.raises(ValueError, match="undocumented"):
        outcome_from_soap_state("EXPLODED")
    with pytest.raises(ValueError, match="undocumented"):
        outcome_from_centre_state(7)
