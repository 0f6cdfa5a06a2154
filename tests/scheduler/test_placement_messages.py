"""A tick's claimed calls reach the workers in as few placement messages as hold them, of even size."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.scheduler.dispatch import PLACE_CHUNK, Dispatcher, Senders
from tests.engine_support import make_campaign, seed_contacts
from tests.simulator_fixtures import running_simulator


def _messages(engine: Engine, contacts: int, channels: int, claims: list[int]) -> list[list[int]]:
    """The placement messages of one pacer tick per entry of ``claims``, each claiming that many."""
    seed_contacts(engine, contacts)
    cid = make_campaign(engine, channels=channels)
    start(engine, cid, datetime.now(UTC))
    messages: list[list[int]] = []
    alone: list[int] = []
    with running_simulator(channels=40, speed=60, seed=1) as sim:
        senders = Senders(alone.append, print, place_many=messages.append)
        dispatcher = Dispatcher(engine, connect(sim.base_url, None), senders, ManualClock(datetime.now(UTC)))
        assert [dispatcher.pace().claimed for _ in claims] == [{cid: n} for n in claims]
    assert alone == []
    return messages


def test_a_tick_splits_its_calls_evenly_over_the_fewest_messages(sqlite_engine: Engine) -> None:
    assert PLACE_CHUNK == 8
    messages = _messages(sqlite_engine, 40, 17, [17])
    assert [len(m) for m in messages] == [6, 6, 5]  # not 8 + 8 + 1
    assert len({a for m in messages for a in m}) == 17


def test_a_tick_that_fits_one_message_sends_one(sqlite_engine: Engine) -> None:
    assert [len(m) for m in _messages(sqlite_engine, 40, 8, [8])] == [8]


def test_a_tick_that_claims_nothing_sends_nothing(sqlite_engine: Engine) -> None:
    # the second tick has room left and nothing due
    assert [len(m) for m in _messages(sqlite_engine, 3, 10, [3, 0])] == [3]
