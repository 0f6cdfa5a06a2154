"""Cross-check with the call centre's log, against the simulator over real HTTP."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, insert

from batch_dialer.callcenter import CallCenter, connect
from batch_dialer.callcenter.simulator import RunningSimulator, SimulatorConfig, start_in_thread
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, Contact
from batch_dialer.reports import build_summary, export_report

CALLS = 8


@pytest.fixture(scope="module")
def simulator() -> Iterator[tuple[RunningSimulator, dict[str, Any]]]:
    """A centre that has finished CALLS calls of ours (tokens c1-t{i}-a1) and one of somebody else."""
    with start_in_thread(SimulatorConfig(speed=1000, seed=3)) as sim:
        with connect(sim.base_url) as centre:
            for i in range(CALLS):
                centre.submit_tts_call(f"c1-t{i}-a1", f"1380000{i:04d}", 1, {"ttsabc": "您好"})
            centre.submit_tts_call("someone-else", "13999999999", 1, {"ttsabc": "您好"})
        deadline = time.monotonic() + 30
        while True:
            truth = sim.center.truth()
            if all(call["final"] for call in truth["calls"].values()) and truth["call_log_rows"] == CALLS + 1:
                break
            assert time.monotonic() < deadline, "simulator calls did not finish"
            time.sleep(0.02)
        yield sim, truth["calls"]


def _fill(engine: Engine, calls: dict[str, Any]) -> dict[str, str]:
    """Our records: the truth, except one answered call we think was busy, one key we read differently
    (the log has no keys to compare: §21 estimate is an agent rating), and one finished call the centre
    never saw. Returns what was changed, by token."""
    answered = [
        token for token, call in calls.items() if call["answered_at"] is not None and token.startswith("c1")
    ]
    assert len(answered) >= 2
    flipped, misread = answered[0], answered[1]
    now = datetime.now(UTC)
    tasks, attempts = [], []
    for i in range(CALLS + 1):
        token = f"c1-t{i}-a1"
        call = calls.get(token)
        outcome = "answered" if call and call["answered_at"] is not None else "busy"
        key = call["keys"] if call else None
        if token == flipped:
            outcome, key = "busy", None
        if token == misread:
            key = "5" if key != "5" else "4"
        tasks.append(
            {
                "id": i + 1,
                "campaign_id": 1,
                "contact_id": i + 1,
                "phone": f"1380000{i:04d}",
                "state": "done" if outcome == "answered" else "exhausted",
                "attempts": 1,
                "last_outcome": outcome,
                "keys": {"satisfact": key} if key else None,
            }
        )
        attempts.append(
            {
                "task_id": i + 1,
                "campaign_id": 1,
                "attempt_no": 1,
                "phone": f"1380000{i:04d}",
                "token": token,
                "state": "final",
                "outcome": outcome,
                "keys": {"satisfact": key} if key else None,
                "placed_at": now,
                "finished_at": now,
            }
        )
    with engine.begin() as conn:
        campaign: Any = Campaign
        conn.execute(
            insert(campaign.__table__), [{"id": 1, "name": "survey", "kind": "tts", "token_salt": "s"}]
        )
        conn.execute(
            insert(Contact.__table__),  # type: ignore[attr-defined]
            [{"id": t["id"], "phone": t["phone"], "name": f"客户{t['id']}"} for t in tasks],
        )
        conn.execute(insert(CallTask.__table__), tasks)  # type: ignore[attr-defined]
        conn.execute(insert(CallAttempt.__table__), attempts)  # type: ignore[attr-defined]
    return {flipped: "centre_answered", f"c1-t{CALLS}-a1": "missing"}


def test_disagreements_found_against_the_simulator(
    sqlite_engine: Engine, simulator: tuple[RunningSimulator, dict[str, Any]], tmp_path: Path
) -> None:
    sim, calls = simulator
    changed = _fill(sqlite_engine, calls)
    with connect(sim.base_url) as centre:
        check = build_summary(sqlite_engine, "survey", centre=centre).crosscheck
        log = centre.call_log_query(date.today() - timedelta(days=1), date.today() + timedelta(days=1))
    assert check is not None and check.checked
    assert check.centre_rows == CALLS  # the other caller's row is not ours
    assert check.ours_placed == CALLS + 1
    assert check.missing_in_centre == 1
    assert check.disagreements_by_kind == {"centre_answered": 1}
    assert {d.token: d.kind for d in check.examples} == {
        token: kind for token, kind in changed.items() if kind != "missing"
    }
    assert all("****" in d.phone for d in check.examples)
    ours = {f"1380000{i:04d}" for i in range(CALLS)}  # matched by callee and time, not by clickcallid
    received = [e.duration for e in log if e.state == "STATE_RECEIVED" and e.callee in ours]
    assert check.mean_duration_s == pytest.approx(sum(received) / len(received))

    with connect(sim.base_url) as centre:
        export_report(sqlite_engine, "survey", "xlsx", tmp_path / "r.xlsx", centre=centre)
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["呼叫中心核对"]
    text = [row for row in sheet.iter_rows(values_only=True) if row and row[0]]
    assert ("呼叫中心缺少的记录", 1) in [tuple(r[:2]) for r in text]


def test_unreachable_centre_is_skipped_with_a_note(sqlite_engine: Engine, simulator: Any) -> None:
    _fill(sqlite_engine, simulator[1])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    centre: CallCenter = connect(f"http://127.0.0.1:{port}", timeout=2.0)
    with centre:
        summary = build_summary(sqlite_engine, "survey", centre=centre)
    assert summary.crosscheck is not None and not summary.crosscheck.checked
    assert summary.crosscheck.note.startswith("call centre not reachable, cross-check skipped")
    assert summary.answered > 0  # the report itself is complete


def test_log_is_paged_by_start_id(
    sqlite_engine: Engine, simulator: tuple[RunningSimulator, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """§21 ``first`` is "查询起始 id": pages of 2 follow the ids and find the same rows as one page."""
    from batch_dialer.reports import crosscheck

    sim, calls = simulator
    _fill(sqlite_engine, calls)
    asked: list[int] = []
    with connect(sim.base_url) as centre:
        original = centre.call_log_query

        def spy(*args: Any, **kwargs: Any) -> Any:
            asked.append(kwargs["first"])
            return original(*args, **kwargs)

        monkeypatch.setattr(centre, "call_log_query", spy)
        monkeypatch.setattr(crosscheck, "PAGE_SIZE", 2)
        check = build_summary(sqlite_engine, "survey", centre=centre).crosscheck
    assert check is not None and check.centre_rows == CALLS and check.missing_in_centre == 1
    assert asked[0] == 0 and asked[1:] == sorted(asked[1:]) and len(asked) == (CALLS + 1) // 2 + 1
