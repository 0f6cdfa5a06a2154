"""A preview campaign's report agrees with the dispositions recorded on the desk: outcomes,
satisfaction from the agents' scores, and the by-agent breakdown in JSON, HTML and xlsx."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook

from batch_dialer.reports import build_summary
from batch_dialer.reports.export import export_report
from tests.desk.conftest import Desk
from tests.desk.test_desk_api import _call, _offer


def test_report_matches_the_dispositions(desk_factory: Callable[..., Desk], tmp_path: Path) -> None:
    desk = desk_factory(contacts=5)
    amy, bob = desk.sign_in("amy")[0], desk.sign_in("bob")[0]
    plan = [
        (amy, {"disposition": "csat", "csat": 1}, 30, True),
        (bob, {"disposition": "csat", "csat": 4}, 50, True),
        (amy, {"disposition": "csat", "csat": 2}, 20, True),
        (bob, {"disposition": "busy"}, 0, False),
        (amy, {"disposition": "empty"}, 0, False),
    ]
    for client, body, talk_s, answered in plan:
        offer = _offer(client)
        _call(desk, client, offer["attempt_id"], talk_s=talk_s, answered=answered)
        assert client.post(f"/api/desk/calls/{offer['attempt_id']}/disposition", json=body).status_code == 200

    summary = build_summary(desk.engine, desk.campaign_id, clock=desk.clock)
    doc = summary.as_json()
    assert doc["by_outcome"]["answered"] == 3 and doc["by_outcome"]["empty"] == 1
    assert doc["by_outcome"]["in_progress"] == 1  # the busy one waits for its retry
    assert doc["satisfaction"] == {"1": 1, "2": 1, "3": 0, "4": 1, "5": 0}
    assert doc["csat"] == round(2 / 3, 4)
    agents = {row["agent"]: row for row in doc["by_agent"]}
    assert agents["amy"] == {
        "agent": "amy",
        "offered": 3,
        "calls": 3,
        "answered": 2,
        "talk_s": 50,
        "scored": 2,
        "csat": 1.0,
        "dispositions": {"csat": 2, "empty": 1},
    }
    assert (agents["bob"]["calls"], agents["bob"]["answered"], agents["bob"]["csat"]) == (2, 1, 0.0)

    html = export_report(desk.engine, desk.campaign_id, "html", tmp_path / "r.html", clock=desk.clock)
    text = Path(html.file or "").read_text(encoding="utf-8")
    assert 'id="by-agent"' in text and "amy" in text
    xlsx = export_report(desk.engine, desk.campaign_id, "xlsx", tmp_path / "r.xlsx", clock=desk.clock)
    sheet = load_workbook(xlsx.file or "", read_only=True)["按坐席"]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0] in ("amy", "bob")]
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [("amy", 3, 2, 50), ("bob", 2, 1, 50)]

    manager = desk.sign_in("lily")[0]
    page = manager.get(f"/reports/{desk.campaign_id}")
    assert page.status_code == 200 and 'id="by-agent"' in page.text
