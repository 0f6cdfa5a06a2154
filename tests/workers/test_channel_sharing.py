"""Several running campaigns on one centre share its channels by --priority, tick by tick,
never above the channel limit. The engine runs synchronously on a controllable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert

from batch_dialer.callcenter import connect
from batch_dialer.callcenter.simulator import ManualClock
from batch_dialer.campaigns.clock import ManualClock as DialerClock
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import Contact, ContactTag, table_of
from batch_dialer.scheduler.dispatch import Dispatcher, Senders
from batch_dialer.workers.collecting import collect
from batch_dialer.workers.placing import place
from batch_dialer.workers.runtime import Runtime, Timings
from tests.engine_support import make_campaign
from tests.simulator_fixtures import running_simulator

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # Tuesday 11:00 in Shanghai


def _tagged_contacts(engine: Engine, tag: str, prefix: str, count: int) -> None:
    with engine.begin() as conn:
        ids = conn.execute(
            insert(table_of(Contact)).returning(table_of(Contact).c.id),
            [{"phone": f"{prefix}{i:08d}", "name": "客户"} for i in range(count)],
        ).scalars()
        conn.execute(insert(table_of(ContactTag)), [{"contact_id": cid, "tag": tag} for cid in ids])


def test_priorities_share_one_centre(sqlite_engine: Engine) -> None:
    _tagged_contacts(sqlite_engine, "low", "135", 60)
    _tagged_contacts(sqlite_engine, "high", "136", 60)
    low = make_campaign(sqlite_engine, name="低", all_contacts=False, tag=["low"], channels=8, priority=1)
    high = make_campaign(sqlite_engine, name="高", all_contacts=False, tag=["high"], channels=8, priority=3)
    clock, sim_clock = DialerClock(NOW), ManualClock(NOW.timestamp())
    with running_simulator(clock=sim_clock, channels=8, speed=1, seed=2) as sim:
        centre = connect(sim.base_url, None)
        runtime = Runtime(sqlite_engine, centre, clock, Timings(poll_interval_s=5))
        senders = Senders(place=lambda a: place(runtime, a), poll=lambda ids: collect(runtime, ids))
        dispatcher = Dispatcher(sqlite_engine, centre, senders, clock, poll_interval_s=5)
        for cid in (low, high):
            start(sqlite_engine, cid, clock.now())

        first = dispatcher.pace().claimed
        assert first == {low: 2, high: 6}  # 8 channels split 1:3
        totals = dict(first)
        ratio_while_both_busy: float | None = None
        for _ in range(120):  # calls end, channels free up a few at a time, each tick shares them
            clock.advance(timedelta(seconds=15))
            sim_clock.advance(15)
            dispatcher.dispatch_polls()
            for cid, n in dispatcher.pace().claimed.items():
                totals[cid] = totals.get(cid, 0) + n
            assert sim.center.truth()["channels_in_use"] <= 8
            if ratio_while_both_busy is None and totals[high] >= 40:  # both still have plenty due
                ratio_while_both_busy = totals[high] / totals[low]
        truth = sim.center.truth()
    assert truth["peak_channels"] <= 8 and truth["rejected_486"] == 0
    assert ratio_while_both_busy is not None and 2.5 <= ratio_while_both_busy <= 3.5
    assert totals[low] >= 60  # the low-priority campaign still got every contact dialled
