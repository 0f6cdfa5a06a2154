"""The poll and placement paths of issue 13: results written once per result, the call log telling
which calls to poll, and a submission cut short taken over after recovery."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, event, select

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.claiming import ClaimPolicy, claim_due
from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import CallAttempt, table_of
from batch_dialer.campaigns.poll_ledger import due_polls
from batch_dialer.campaigns.submit_ledger import begin_submit
from batch_dialer.scheduler.dispatch import Dispatcher, Senders
from batch_dialer.workers.collecting import collect
from batch_dialer.workers.placing import place
from batch_dialer.workers.runtime import HINTED_POLL_FACTOR, Runtime, Timings
from tests.engine_support import (
    attempts_by_phone,
    expected_attempts,
    make_campaign,
    run_to_completion,
    seed_contacts,
    wait_for,
)
from tests.simulator_fixtures import running_simulator

_attempt = table_of(CallAttempt)


def _policy(campaign_id: int) -> ClaimPolicy:
    return ClaimPolicy(
        campaign_id=campaign_id, token_salt="", cap_count=None, cap_period_s=None, lease_s=30.0
    )


def _polls_per_call(
    sqlite_engine: Engine, hints: bool, seed: int
) -> tuple[float, dict[str, tuple[int, str]]]:
    phones = seed_contacts(sqlite_engine, 30)
    cid = make_campaign(sqlite_engine, max_attempts=1, channels=10, ivr_max_seconds=4)
    with running_simulator(channels=10, speed=10, seed=seed) as sim:  # calls of 0.3-7.5 s
        centre = connect(sim.base_url, None)
        run_to_completion(
            sqlite_engine,
            centre,
            cid,
            timings=Timings(poll_interval_s=0.3, claim_lease_s=10, poll_hints=hints),
        )
        truth = sim.center.truth()
    polls = truth["operations"].get("IVR_TTS_CALL_RESULT", 0)
    assert truth["calls_total"] == len(phones)
    return polls / len(phones), attempts_by_phone(sqlite_engine, cid)


def test_call_log_hints_cut_the_polls_and_change_no_outcome(sqlite_engine: Engine, tmp_path: Path) -> None:
    other = open_database(f"sqlite:///{tmp_path / 'plain.db'}")
    hinted, hinted_tasks = _polls_per_call(sqlite_engine, hints=True, seed=5)
    plain, plain_tasks = _polls_per_call(other, hints=False, seed=5)
    assert hinted_tasks == plain_tasks  # the same outcomes, whichever way the results were found
    assert {p: expected_attempts(5, p, 1) for p in hinted_tasks} == hinted_tasks
    # polled every 0.3 s without hints; with them about once or twice (a poll before the call ends
    # is the safety net's, 6 intervals apart)
    assert hinted < 3 and plain > 2 * hinted, (hinted, plain)


def _placed(engine: Engine, url: str, campaign_id: int, count: int) -> tuple[Runtime, list[int]]:
    """``count`` calls of the campaign claimed and placed at the simulator, by hand (no engine running)."""
    now = datetime.now(UTC)
    start(engine, campaign_id, now)
    runtime = Runtime(engine, connect(url, None), timings=Timings(poll_interval_s=5))
    ids = claim_due(engine, _policy(campaign_id), count, now).attempt_ids
    assert [place(runtime, attempt_id) for attempt_id in ids] == ["placed"] * count
    return runtime, ids


def _commits(
    engine: Engine, work: Callable[[], dict[str, int]], statements: list[str] | None = None
) -> tuple[dict[str, int], int]:
    """What ``work`` returned and how many transactions it committed; ``statements`` collects the SQL it
    sent (an executemany is one)."""
    commits: list[int] = []
    sent = statements if statements is not None else []

    def count(conn: object) -> None:
        commits.append(1)

    def record(conn: object, cursor: object, sql: str, *args: object) -> None:
        sent.append(sql)

    event.listen(engine, "commit", count)
    event.listen(engine, "before_cursor_execute", record)
    try:
        return work(), len(commits)
    finally:
        event.remove(engine, "commit", count)
        event.remove(engine, "before_cursor_execute", record)


def test_a_poll_that_learns_nothing_writes_nothing(sqlite_engine: Engine) -> None:
    """An in-progress call: its next poll was set when the poll was handed out; collect commits nothing."""
    seed_contacts(sqlite_engine, 3)
    cid = make_campaign(sqlite_engine, max_attempts=1, channels=3)
    with running_simulator(channels=3, speed=1, seed=2) as sim:  # real time: 20-60 s calls
        runtime, ids = _placed(sqlite_engine, sim.base_url, cid, 3)
        handed = due_polls(sqlite_engine, datetime.now(UTC) + timedelta(seconds=6), 10, 5.0)
        assert sorted(handed) == sorted(ids)
        with sqlite_engine.connect() as conn:
            before = conn.execute(select(_attempt).order_by(_attempt.c.id)).all()
        counts, commits = _commits(sqlite_engine, lambda: collect(runtime, handed))
    assert counts == {"in_progress": 3}
    assert commits == 0
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(_attempt).order_by(_attempt.c.id)).all() == before


def test_a_batch_of_results_is_one_transaction(sqlite_engine: Engine) -> None:
    seed_contacts(sqlite_engine, 6)
    cid = make_campaign(sqlite_engine, max_attempts=1, channels=6, ivr_max_seconds=0)
    with running_simulator(channels=6, speed=600, seed=4) as sim:  # calls end within a fraction of a second
        runtime, ids = _placed(sqlite_engine, sim.base_url, cid, 6)
        wait_for(lambda: sim.center.truth()["channels_in_use"] == 0, 30, "every call ended")
        statements: list[str] = []
        counts, commits = _commits(sqlite_engine, lambda: collect(runtime, ids), statements)
    assert sum(counts.values()) == 6 and "in_progress" not in counts
    assert commits == 1
    # per result only its compare-and-set; the batch shares reading the targets, their tasks and
    # campaign, and one statement each for the task moves and the audit events (was 4 per result)
    writes = [s for s in statements if not s.lstrip().upper().startswith("SELECT")]
    assert len(writes) <= 6 + 3, writes
    with sqlite_engine.connect() as conn:
        assert set(conn.scalars(select(_attempt.c.state))) <= {"final", "unknown"}


def test_a_submission_cut_short_is_taken_over_after_recovery(sqlite_engine: Engine) -> None:
    """A worker killed between marking an attempt `submitting` and placing it: recovery re-sends it,
    and the next delivery takes it over (found at the centre or sent again), not skipped for ever."""
    seed_contacts(sqlite_engine, 1)
    cid = make_campaign(sqlite_engine, max_attempts=1, channels=1)
    with running_simulator(channels=1, speed=1, seed=2) as sim:
        now = datetime.now(UTC)
        start(sqlite_engine, cid, now)
        runtime = Runtime(sqlite_engine, connect(sim.base_url, None), timings=Timings(claim_lease_s=30))
        [attempt_id] = claim_due(sqlite_engine, _policy(cid), 1, now).attempt_ids
        assert begin_submit(sqlite_engine, attempt_id, now, 30) is not None  # ...and the worker dies here
        later = now + timedelta(seconds=31)
        resent: list[int] = []
        dispatcher = Dispatcher(
            sqlite_engine, runtime.centre, Senders(place=resent.append, poll=print), ManualClock(later)
        )
        dispatcher.claim_lease_s = 30
        assert dispatcher.recover() == 1 and resent == [attempt_id]
        runtime.clock = ManualClock(later)
        assert place(runtime, attempt_id) == "placed"
        assert place(runtime, attempt_id) == "skipped"  # a second delivery of the same message
        assert sim.center.truth()["calls_total"] == 1


def test_with_hints_the_first_poll_waits_for_the_log(sqlite_engine: Engine) -> None:
    """A poll one interval after placing finds the call still ringing: with the call log's hints the
    first poll is the safety net's, 6 intervals on, unless the log says the call ended sooner."""
    seed_contacts(sqlite_engine, 2)
    cid = make_campaign(sqlite_engine, max_attempts=1, channels=2)
    now = datetime.now(UTC)
    start(sqlite_engine, cid, now)
    with running_simulator(channels=2, speed=1, seed=2) as sim:
        first_poll_in: list[float] = []
        for hints in (True, False):
            runtime = Runtime(
                sqlite_engine,
                connect(sim.base_url, None),
                timings=Timings(poll_interval_s=5, poll_hints=hints),
            )
            [attempt_id] = claim_due(sqlite_engine, _policy(cid), 1, now).attempt_ids
            assert place(runtime, attempt_id) == "placed"
            with sqlite_engine.connect() as conn:
                row = conn.execute(
                    select(_attempt.c.placed_at, _attempt.c.next_poll_at).where(_attempt.c.id == attempt_id)
                ).one()
            first_poll_in.append((row.next_poll_at - row.placed_at).total_seconds())
    assert first_poll_in == [5 * HINTED_POLL_FACTOR, 5]
