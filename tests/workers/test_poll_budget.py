"""A poll message of fifty attempts keeps to its time budget: a centre that answers at once gets every
poll, one whose every request takes the full timeout gets as many as fit, and the rest are due again at
once. Over real HTTP to the simulator; the slow centre is the test clock moving a timeout per request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from batch_dialer.callcenter import connect
from batch_dialer.callcenter.capabilities import TtsResults
from batch_dialer.callcenter.results import CallResult
from batch_dialer.campaigns.claiming import ClaimPolicy, claim_due
from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import CallAttempt, table_of
from batch_dialer.campaigns.poll_ledger import due_polls
from batch_dialer.scheduler.dispatch import Dispatcher, Senders
from batch_dialer.scheduler.leader_lease import DatabaseLease
from batch_dialer.scheduler.service import SchedulerService
from batch_dialer.workers.collecting import collect
from batch_dialer.workers.placing import place_many
from batch_dialer.workers.runtime import Runtime, Timings
from tests.engine_support import make_campaign, seed_contacts
from tests.simulator_fixtures import running_simulator

_attempt = table_of(CallAttempt)


def _placed(sqlite_engine: Engine, runtime: Runtime, count: int) -> list[int]:
    seed_contacts(sqlite_engine, count)
    cid = make_campaign(sqlite_engine, max_attempts=1, channels=count)
    now = runtime.clock.now()
    start(sqlite_engine, cid, now)
    policy = ClaimPolicy(campaign_id=cid, token_salt="", lease_s=30.0)
    ids = claim_due(sqlite_engine, policy, count, now).attempt_ids
    assert set(place_many(runtime, ids).values()) == {"placed"}
    return ids


def _polls(sim_truth: dict[str, object]) -> int:
    operations = sim_truth["operations"]
    assert isinstance(operations, dict)
    return int(operations.get("IVR_TTS_CALL_RESULT", 0))


def test_a_slow_centre_gets_the_polls_that_fit_and_the_rest_come_back_at_once(sqlite_engine: Engine) -> None:
    clock = ManualClock(datetime.now(UTC))
    with running_simulator(channels=10, speed=1, seed=3) as sim:
        centre = connect(sim.base_url, None)
        assert isinstance(centre, TtsResults)
        timings = Timings(poll_interval_s=5, request_timeout_s=13)
        runtime = Runtime(sqlite_engine, centre, clock=clock, timings=timings)
        ids = _placed(sqlite_engine, runtime, 10)
        asked = centre.tts_call_result

        def slow(token: str) -> CallResult:
            clock.advance(timedelta(seconds=13))  # every request waits out its whole timeout
            return asked(token)

        centre.tts_call_result = slow  # type: ignore[method-assign]
        # handed out with the next poll 10 minutes on: only what the batch gives back is due before then
        handed_out = due_polls(sqlite_engine, clock.now() + timedelta(seconds=6), 50, 600)
        assert sorted(handed_out) == sorted(ids)
        before = _polls(sim.center.truth())
        counts = collect(runtime, handed_out)
        # 90 s of budget (120 s × ¾): requests start at 0, 13, …, 65 s; one at 78 s could end at 91 s
        assert _polls(sim.center.truth()) - before == 6
        assert counts["deferred"] == 4
        due_now = due_polls(sqlite_engine, clock.now(), 50, 5)
        assert len(due_now) == 4 and set(due_now) <= set(ids)


def test_a_fast_centre_gets_fifty_polls_in_one_message(sqlite_engine: Engine) -> None:
    clock = ManualClock(datetime.now(UTC))
    with running_simulator(channels=20, speed=1, seed=3) as sim:
        runtime = Runtime(sqlite_engine, connect(sim.base_url, None), clock=clock, timings=Timings())
        ids = _placed(sqlite_engine, runtime, 20)
        messages: list[list[int]] = []
        dispatcher = Dispatcher(
            sqlite_engine, runtime.centre, Senders(place=print, poll=messages.append), clock
        )
        SchedulerService(dispatcher, DatabaseLease(sqlite_engine, "scheduler", clock=clock))
        clock.advance(timedelta(seconds=6))
        assert dispatcher.dispatch_polls() == 20
        [handed_out] = messages  # one message, not batches of 6 sized for a centre that hangs
        before = _polls(sim.center.truth())
        counts = collect(runtime, handed_out)
        assert _polls(sim.center.truth()) - before == 20
        assert "deferred" not in counts
        with sqlite_engine.connect() as conn:
            later = list(conn.scalars(select(_attempt.c.next_poll_at).where(_attempt.c.id.in_(ids))))
        assert all(at > clock.now() for at in later)  # none brought forward
