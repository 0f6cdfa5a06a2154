"""A preview campaign's report agrees with the dispositions recorded on the desk: outcomes,
satisfaction from the agents' scores, and the by-agent lines (the ``preview`` AgentSource, the same
lines and renderers as the 800ing kind) in ``report --json``'s "preview" section, HTML and xlsx."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook

from batch_dialer.reports import build_summary
from batch_dialer.reports.agent_details import AGENT_HEADERS
from batch_dialer.reports.detail_rows import DETAIL_HEADERS
from batch_dialer.reports.export import export_report
from batch_dialer.reports.xlsx_agents import AGENT_SHEET, DISPOSITIONS_HEADER
from tests.desk.conftest import Desk
from tests.desk.test_desk_api import _call, _offer


def test_report_matches_the_dispositions(
    desk_factory: Callable[..., Desk], tmp_path: Path, db_url: str
) -> None:
    desk = desk_factory(contacts=5, db_url=db_url)  # SQLite and PostgreSQL: the detail join differs
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
    assert "by_agent" not in doc  # the lines moved to the kind's agent section
    assert summary.agents is not None
    section = summary.agents.as_json()
    agents = {row["extension"]: row for row in section["agents"]}
    assert agents["amy"] == {
        "extension": "amy",
        "offered": 3,
        "calls": 3,
        "answered": 2,
        "talk_seconds": 50,
        "mean_talk_seconds": 25.0,
        "responses": 2,
        "csat": 1.0,
        "dispositions": {"csat": 2, "empty": 1},
    }
    assert (agents["bob"]["calls"], agents["bob"]["answered"], agents["bob"]["csat"]) == (2, 1, 0.0)
    assert section["talk_time_distribution"]["0–30 s"] == 2  # amy's 30 s and 20 s
    assert section["talk_time_distribution"]["31–60 s"] == 1  # bob's 50 s
    assert section["recordings"] == []

    html = export_report(desk.engine, desk.campaign_id, "html", tmp_path / "r.html", clock=desk.clock)
    text = Path(html.file or "").read_text(encoding="utf-8")
    assert 'id="agent-table"' in text and "<td>amy</td>" in text and "empty 1" in text
    xlsx = export_report(desk.engine, desk.campaign_id, "xlsx", tmp_path / "r.xlsx", clock=desk.clock)
    book = load_workbook(xlsx.file or "", read_only=True)
    assert "按坐席" not in book.sheetnames  # one by-agent sheet, not two
    sheet = book[AGENT_SHEET]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0] in ("amy", "bob", "坐席")]
    assert rows[0][8] == DISPOSITIONS_HEADER
    assert [(r[0], r[1], r[2], r[4], r[8]) for r in rows[1:]] == [
        ("amy", 3, 2, 50, "csat 2，empty 1"),
        ("bob", 2, 1, 50, "csat 1，busy 1"),
    ]

    export_report(desk.engine, desk.campaign_id, "csv", tmp_path / "r.csv", clock=desk.clock)
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert tuple(lines[0]) == DETAIL_HEADERS + AGENT_HEADERS
    by_agent = sorted((r[-3], int(r[-2]), r[-1]) for r in lines[1:])
    assert by_agent == [  # per contact: the agent who dialled it last, its talk time, no recording
        ("amy", 0, ""),
        ("amy", 20, ""),
        ("amy", 30, ""),
        ("bob", 0, ""),
        ("bob", 50, ""),
    ]

    manager = desk.sign_in("lily")[0]
    page = manager.get(f"/reports/{desk.campaign_id}")
    assert page.status_code == 200 and 'id="by-agent"' in page.text and 'data-agent="amy"' in page.text
    api = manager.get(f"/api/reports/{desk.campaign_id}").json()  # the same section as report --json
    assert api["preview"] == section
