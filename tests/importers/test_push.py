"""Push to the simulated Guoxin centre over real HTTP: 483 bisection, retries, re-runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from batch_dialer.callcenter import CallCenter, ContactRecord, OpportunityRecord, connect
from batch_dialer.callcenter.simulator import RunningSimulator, SimulatorConfig, start_in_thread
from batch_dialer.importers import import_file
from batch_dialer.importers.push import PushAborted, push_pending
from tests.importers.file_builders import write_csv


@pytest.fixture
def simulator() -> Iterator[RunningSimulator]:
    with start_in_thread(SimulatorConfig(seed=3)) as running:
        yield running


@pytest.fixture
def center(simulator: RunningSimulator) -> Iterator[CallCenter]:
    with connect(simulator.base_url, timeout=5.0) as adapter:
        yield adapter


def phones(n: int, start: int = 0) -> list[str]:
    return [f"1380013{i:04d}" for i in range(start, start + n)]


def import_rows(engine: Engine, tmp_path: Path, numbers: list[str], name: str = "a.csv") -> int:
    rows: list[list[object]] = [["姓名", "手机", "意向产品", "QQ"]]
    rows += [
        [f"客户{i}", phone, "宽带" if i % 2 == 0 else "", f"{10000 + i}"] for i, phone in enumerate(numbers)
    ]
    result = import_file(write_csv(tmp_path / name, rows), engine)
    assert result.batch_id is not None
    return result.batch_id


def statuses(engine: Engine, table: str) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(text(f"select push_status, count(*) from {table} group by push_status"))
        return {str(status): int(n) for status, n in rows}


class FakeSleep:
    """Records the backoff instead of sleeping; can change the centre's faults meanwhile."""

    def __init__(self, simulator: RunningSimulator, heal_after: int | None = None) -> None:
        self.simulator = simulator
        self.heal_after = heal_after
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.heal_after is not None and len(self.delays) >= self.heal_after:
            self.simulator.center.set_faults(fault_rate=0.0)


def test_483_is_split_to_find_what_the_centre_already_has(
    engine: Engine, tmp_path: Path, simulator: RunningSimulator, center: CallCenter
) -> None:
    numbers = phones(20)
    batch_id = import_rows(engine, tmp_path, numbers)
    known = [numbers[3], numbers[4], numbers[17]]
    center.push_contacts(
        [ContactRecord("已有", [p]) for p in known] + [ContactRecord("别人", ["13999999999"])]
    )
    center.push_opportunities([OpportunityRecord("已有", numbers[4], "宽带")])

    sleep = FakeSleep(simulator)
    report = push_pending(engine, center, batch_id=batch_id, sleep=sleep, max_records=8)
    assert (report.contacts.pushed, report.contacts.present, report.contacts.failed) == (17, 3, 0)
    assert (report.opportunities.pushed, report.opportunities.present) == (9, 1)
    assert sleep.delays == []
    truth = simulator.center.truth()
    assert (truth["contacts"], truth["preorders"]) == (21, 10)
    assert statuses(engine, "contact") == {"pushed": 17, "present": 3}
    assert statuses(engine, "opportunity") == {"pushed": 9, "present": 1}

    again = push_pending(engine, center, batch_id=batch_id, sleep=sleep)
    assert again.requests == 0 and again.contacts.pushed == 0
    assert simulator.center.truth()["contacts"] == 21


def test_busy_and_unavailable_are_retried_with_backoff(
    sqlite_engine: Engine, tmp_path: Path, simulator: RunningSimulator, center: CallCenter
) -> None:
    batch_id = import_rows(sqlite_engine, tmp_path, phones(6))
    simulator.center.set_faults(fault_rate=1.0)
    sleep = FakeSleep(simulator, heal_after=3)
    report = push_pending(sqlite_engine, center, batch_id=batch_id, sleep=sleep, base_delay=0.5)
    assert report.contacts.pushed == 6 and report.opportunities.pushed == 3
    assert report.retries == 3 and len(sleep.delays) == 3
    assert all(delay > 0 for delay in sleep.delays)
    assert simulator.center.truth()["contacts"] == 6


def test_a_centre_that_stays_down_aborts_and_a_rerun_pushes_the_rest(
    sqlite_engine: Engine, tmp_path: Path, simulator: RunningSimulator, center: CallCenter
) -> None:
    batch_id = import_rows(sqlite_engine, tmp_path, phones(10), "a.csv")
    first = push_pending(sqlite_engine, center, batch_id=batch_id, max_records=4)
    assert first.contacts.pushed == 10
    second_batch = import_rows(sqlite_engine, tmp_path, phones(6, start=10), "b.csv")
    simulator.center.set_faults(fault_rate=1.0)
    sleep = FakeSleep(simulator)
    with pytest.raises(PushAborted, match="push to the call centre stopped") as caught:
        push_pending(sqlite_engine, center, sleep=sleep, max_attempts=3)
    assert caught.value.report.contacts.pushed == 0 and len(sleep.delays) == 2
    assert statuses(sqlite_engine, "contact") == {"pushed": 10, "pending": 6}

    simulator.center.set_faults(fault_rate=0.0)
    rerun = push_pending(sqlite_engine, center, batch_id=second_batch)
    assert (rerun.contacts.pushed, rerun.contacts.present) == (6, 0)
    assert simulator.center.truth()["contacts"] == 16


def test_batches_respect_the_body_size_limit(
    sqlite_engine: Engine, tmp_path: Path, simulator: RunningSimulator, center: CallCenter
) -> None:
    batch_id = import_rows(sqlite_engine, tmp_path, phones(30))
    one = center.contacts_request_size([ContactRecord("客户10", ["13800130010"])])
    report = push_pending(sqlite_engine, center, batch_id=batch_id, max_body_bytes=one * 5)
    assert report.contacts.pushed == 30
    assert report.requests >= 6 + 3  # at most 5 contacts per request, then the 15 opportunities
    assert simulator.center.truth()["contacts"] == 30
