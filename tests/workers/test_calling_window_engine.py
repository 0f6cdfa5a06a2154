"""With a controllable clock: nothing is placed outside the window or after --end, and a busy
result at Friday 20:55 with a 10-minute delay in a 09:00–21:00 mon-fri window is retried at
Monday 09:00. The engine runs tick by tick (no threads), the simulator on the same clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from batch_dialer.callcenter import connect
from batch_dialer.callcenter.simulator import CallKind, ManualClock, RunningSimulator, plan_call
from batch_dialer.campaigns.clock import ManualClock as DialerClock
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, table_of
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.scheduler.dispatch import Dispatcher, Senders
from batch_dialer.workers.collecting import collect
from batch_dialer.workers.placing import place
from batch_dialer.workers.runtime import Runtime, Timings
from tests.engine_support import make_campaign, seed_contacts
from tests.simulator_fixtures import running_simulator

SH = ZoneInfo("Asia/Shanghai")
SEED = 11
FRIDAY_2055 = datetime(2026, 11, 20, 20, 55, tzinfo=SH)  # a Friday
MONDAY_0900 = datetime(2026, 11, 23, 9, 0, tzinfo=SH)


@dataclass
class Rig:
    engine: Engine
    clock: DialerClock
    sim_clock: ManualClock
    sim: RunningSimulator
    dispatcher: Dispatcher
    runtime: Runtime

    def at(self, moment: datetime) -> None:
        self.clock.set(moment)
        self.sim_clock.set(moment.timestamp())

    def advance(self, seconds: float) -> None:
        self.at(self.clock.now() + timedelta(seconds=seconds))

    def tick(self) -> int:
        """One scheduler round, synchronously: pace, place what was claimed, poll what is due."""
        claimed = sum(self.dispatcher.pace().claimed.values())
        self.dispatcher.dispatch_polls()
        return claimed


def _busy_then_answered() -> str:
    for i in range(10_000):
        phone = f"137{i:08d}"
        first, second = plan_call(SEED, phone, 1).kind, plan_call(SEED, phone, 2).kind
        if first is CallKind.BUSY and second is CallKind.ANSWERED_KEY:
            return phone
    raise AssertionError("no such number")


@pytest.fixture
def rig(sqlite_engine: Engine) -> Iterator[Rig]:
    clock = DialerClock(FRIDAY_2055)
    sim_clock = ManualClock(FRIDAY_2055.timestamp())
    with running_simulator(clock=sim_clock, channels=10, speed=1, seed=SEED) as sim:
        centre = connect(sim.base_url, None)
        runtime = Runtime(sqlite_engine, centre, clock, Timings(poll_interval_s=5, claim_lease_s=30))
        senders = Senders(place=lambda a: place(runtime, a), poll=lambda ids: collect(runtime, ids))
        dispatcher = Dispatcher(sqlite_engine, centre, senders, clock, poll_interval_s=5)
        yield Rig(sqlite_engine, clock, sim_clock, sim, dispatcher, runtime)
        centre.close()


def _task(engine: Engine) -> dict[str, object]:
    with engine.connect() as conn:
        return dict(conn.execute(select(table_of(CallTask))).one()._mapping)


def _attempt_times(engine: Engine) -> list[datetime]:
    with engine.connect() as conn:
        return [t for t in conn.scalars(select(table_of(CallAttempt).c.placed_at)) if t is not None]


def test_busy_at_friday_2055_is_retried_monday_0900(rig: Rig) -> None:
    phone = _busy_then_answered()
    seed_contacts_with(rig.engine, phone)
    cid = make_campaign(
        rig.engine, window=["09:00-21:00"], days="mon-fri", retry=["busy=10m,30m,60m"], max_attempts=3
    )
    start(rig.engine, cid, rig.clock.now())

    assert rig.tick() == 1  # Friday 20:55: inside the window, placed
    for _ in range(12):  # the busy signal comes within seconds; poll every 5 s
        rig.advance(5)
        rig.tick()
    task = _task(rig.engine)
    assert task["state"] == "pending" and task["last_outcome"] == "busy"
    assert task["next_attempt_at"] == MONDAY_0900.astimezone(
        UTC
    )  # 21:05 is outside: next window opens Monday

    for moment in (
        datetime(2026, 11, 20, 21, 5, tzinfo=SH),  # the naive retry time: window closed
        datetime(2026, 11, 21, 10, 0, tzinfo=SH),  # Saturday inside the hours
        datetime(2026, 11, 22, 12, 0, tzinfo=SH),  # Sunday
        datetime(2026, 11, 23, 8, 59, 59, tzinfo=SH),  # Monday a second early
    ):
        rig.at(moment)
        assert rig.tick() == 0, f"claimed at {moment}"
    rig.at(MONDAY_0900)
    assert rig.tick() == 1
    for _ in range(30):
        rig.advance(5)
        rig.tick()
    task = _task(rig.engine)
    assert task["state"] == "done" and task["attempts"] == 2
    placed = _attempt_times(rig.engine)
    assert placed == [FRIDAY_2055.astimezone(UTC), MONDAY_0900.astimezone(UTC)]
    truth = rig.sim.center.truth()
    assert truth["calls_by_number"] == {phone: 2}


def test_nothing_is_placed_after_the_end(rig: Rig) -> None:
    seed_contacts(rig.engine, 30)
    end = datetime(2026, 11, 20, 20, 56, tzinfo=SH)
    cid = make_campaign(rig.engine, window=["09:00-21:00"], channels=5, end=end.isoformat())
    start(rig.engine, cid, rig.clock.now())
    rig.tick()
    while rig.clock.now() < end - timedelta(seconds=5):
        rig.advance(5)
        rig.tick()
    rig.at(end)
    assert rig.tick() == 0
    rig.dispatcher.lifecycle()
    for _ in range(30):  # calls in flight are still collected after the end
        rig.advance(5)
        rig.tick()
    assert all(t < end.astimezone(UTC) for t in _attempt_times(rig.engine))
    progress = campaign_progress(rig.engine, cid)
    assert progress["status"] == "completed"
    assert progress["by_state"]["cancelled"] > 0  # contacts never dialled because time ran out
    assert progress["by_state"]["pending"] == progress["by_state"]["in_flight"] == 0
    assert max(t["submitted_at"] for t in rig.sim.center.truth()["calls"].values()) < end.timestamp()
    with rig.engine.connect() as conn:
        assert conn.scalar(select(table_of(Campaign).c.status_reason)) == "end time reached"


def seed_contacts_with(engine: Engine, phone: str) -> None:
    from sqlalchemy import insert

    from batch_dialer.campaigns.models import Contact

    with engine.begin() as conn:
        conn.execute(insert(table_of(Contact)).values(phone=phone, name="张三"))
