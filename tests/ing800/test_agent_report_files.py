"""The by-agent part in the report files (issue 10 item 6): the XLSX 坐席 sheet with its native chart,
the HTML table and SVG bar, and the per-contact detail (agent, talk time, recording link) — read back
and compared with ``dialer report --json``'s section and, for a real run, the simulator's ground truth."""

from __future__ import annotations

import csv
import re
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, update

from batch_dialer.callcenter.ing800 import Ing800Client
from batch_dialer.callcenter.ing800_simulator import Ing800SimConfig, start_in_thread
from batch_dialer.campaigns.account_vault import AccountVault, load_key
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.models import Contact, table_of
from batch_dialer.reports import export_report
from batch_dialer.reports.agent_details import AGENT_HEADERS
from batch_dialer.reports.agent_report import agent_report
from batch_dialer.reports.detail_rows import DETAIL_HEADERS
from batch_dialer.reports.xlsx_agents import AGENT_SHEET
from batch_dialer.web.hook_settings import HookSettings
from batch_dialer.web.hooks_800ing import HookState
from batch_dialer.web.hooks_app import create_hooks_app
from tests.engine_support import make_campaign, run_to_completion, seed_contacts
from tests.ing800.serving import serve_app
from tests.ing800.test_agent_report import seed

CENTRE = "800ing+http://voip.example:8080"
EVIL = '=HYPERLINK("http://evil","点我")'


def agent_sheet(path: Path) -> tuple[dict[str, tuple[Any, ...]], dict[str, int], Any]:
    ws = load_workbook(path)[AGENT_SHEET]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    start = rows.index(
        ("坐席", "呼叫", "接通", "接通率", "通话总时长（秒）", "平均通话（秒）", "满意度回答", "满意率")
    )
    agents: dict[str, tuple[Any, ...]] = {}
    for row in rows[start + 1 :]:
        if row[0] is None:
            break
        agents[str(row[0])] = row
    dist_at = rows.index(("通话时长", "通话数") + (None,) * (len(rows[0]) - 2))
    talk = {str(r[0]): int(r[1]) for r in rows[dist_at + 1 :] if r[0] is not None}
    return agents, talk, ws


def detail_sheet(path: Path) -> tuple[tuple[Any, ...], list[Any]]:
    ws = load_workbook(path)["联系人明细"]
    rows = list(ws.iter_rows())
    return tuple(c.value for c in rows[0]), rows[1:]


def test_files_show_the_agent_lines_of_the_json(engine: Engine, tmp_path: Path) -> None:
    campaign_id = seed(engine)
    contacts = table_of(Contact)
    with engine.begin() as conn:
        conn.execute(update(contacts).where(contacts.c.phone == "13800138000").values(name=EVIL))
        expected = agent_report(conn, campaign_id, CENTRE).as_json()
    xlsx = export_report(engine, campaign_id, "xlsx", tmp_path / "r.xlsx", centre_url=CENTRE)
    assert xlsx.agents is not None and xlsx.agents.as_json() == expected

    agents, talk, ws = agent_sheet(tmp_path / "r.xlsx")
    assert set(agents) == {a["extension"] for a in expected["agents"]}
    for line in expected["agents"]:
        row = agents[line["extension"]]
        assert (row[1], row[2], row[4], row[6]) == (
            line["calls"],
            line["answered"],
            line["talk_seconds"],
            line["responses"],
        )
        assert row[7] == pytest.approx(line["csat"])
    assert talk == expected["talk_time_distribution"]
    (chart,) = ws._charts
    assert chart.title is not None and "通话时长分布" in str(chart.title.tx.rich.p[0].r[0].t)

    headers, rows = detail_sheet(tmp_path / "r.xlsx")
    assert headers == DETAIL_HEADERS + AGENT_HEADERS
    by_phone_suffix = {r[1].value[-4:]: r for r in rows}
    evil = by_phone_suffix["8000"]
    assert evil[0].value == EVIL and evil[0].data_type == "s"  # contact text stays text
    assert (evil[9].value, evil[10].value) == ("8001", 45)
    link = evil[11]
    assert link.value == "2026/11/27/100.wav" and link.data_type == "s"
    assert link.hyperlink.target == "http://voip.example:8080/voip/record/2026/11/27/100.wav"
    unanswered = by_phone_suffix["8002"]  # t3: 8001, not answered, no recording
    assert (unanswered[9].value, unanswered[10].value, unanswered[11].value) == ("8001", 0, None)
    assert unanswered[11].hyperlink is None
    assert {r[11].hyperlink.target for r in rows if r[11].hyperlink} == {
        r["url"] for r in expected["recordings"]
    }

    export_report(engine, campaign_id, "csv", tmp_path / "r.csv", centre_url=CENTRE)
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert tuple(lines[0]) == DETAIL_HEADERS + AGENT_HEADERS
    first = next(r for r in lines[1:] if r[1].endswith("8000"))
    assert first[0] == "'" + EVIL and first[9:] == ["8001", "45", expected["recordings"][0]["url"]]

    export_report(engine, campaign_id, "html", tmp_path / "r.html", centre_url=CENTRE)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    table = html[html.index('id="agent-table"') : html.index("</table>", html.index('id="agent-table"'))]
    for line in expected["agents"]:
        cells = re.search(rf"<td>{line['extension']}</td>(.*?)</tr>", table, re.S)
        assert cells is not None
        values = re.findall(r"<td>([^<]*)</td>", cells.group(1))
        assert (int(values[0]), int(values[1]), int(values[3])) == (
            line["calls"],
            line["answered"],
            line["talk_seconds"],
        )
    section = html[html.index('id="agents"') :]
    assert 'aria-label="通话时长分布"' in section and "<svg" in section
    for r in expected["recordings"]:
        assert f'<a href="{r["url"]}">' in section
    assert "13800138000" not in html  # masked


def test_a_kind_without_agents_has_no_agent_part(engine: Engine, tmp_path: Path) -> None:
    seed_contacts(engine, 3)
    campaign_id = make_campaign(engine, "tts")
    summary = export_report(engine, campaign_id, "xlsx", tmp_path / "t.xlsx", centre_url=CENTRE)
    assert summary.agents is None
    assert AGENT_SHEET not in load_workbook(tmp_path / "t.xlsx").sheetnames
    assert detail_sheet(tmp_path / "t.xlsx")[0] == DETAIL_HEADERS
    export_report(engine, campaign_id, "html", tmp_path / "t.html")
    assert 'id="agents"' not in (tmp_path / "t.html").read_text(encoding="utf-8")


AGENTS = ["8001", "8002"]
PASSWORD = "agent-pw"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_a_small_callback_campaign_matches_the_simulator(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dialer.db'}"
    engine = open_database(url)
    vault = AccountVault(engine, load_key(url, create=True))
    for ext in AGENTS:
        vault.add(ext, PASSWORD)
    app = create_hooks_app(HookState.from_settings(engine, HookSettings(hook_secret="s3")))
    phones = seed_contacts(engine, 12)
    campaign_id = make_campaign(
        engine,
        "回访",
        kind="callback",
        toneid=None,
        tts=[],
        agents=[",".join(AGENTS)],
        trunks=2,
        max_attempts=1,
    )
    port = free_port()
    config = Ing800SimConfig(
        accounts={ext: PASSWORD for ext in AGENTS},
        trunks=2,
        speed=120.0,
        seed=7,
        push_url=f"http://127.0.0.1:{port}/hooks/800ing/s3/cdr",
        key_url=f"http://127.0.0.1:{port}/hooks/800ing/s3/key",
    )
    with serve_app(app, port), start_in_thread(config) as sim, Ing800Client(sim.url) as centre:
        run_to_completion(engine, centre, campaign_id, timeout=300)
        truth = httpx.get(f"{sim.base_url}/_sim/truth").json()
        summary = export_report(
            engine, campaign_id, "xlsx", tmp_path / "c.xlsx", unmasked=True, centre_url=sim.url
        )
        headers, rows = detail_sheet(tmp_path / "c.xlsx")
        recordings = {
            row[1].value: httpx.get(row[11].hyperlink.target).content for row in rows if row[11].hyperlink
        }
    engine.dispose()

    calls = [c for c in truth["calls"] if c["final"]]
    assert len(calls) == len(phones)
    answered = [c for c in calls if c["kind"] == "answered"]
    assert 0 < len(answered) < len(calls)  # the seed gives some of each
    agents, talk, _ws = agent_sheet(tmp_path / "c.xlsx")
    assert summary.agents is not None
    expected = {a.extension: a for a in summary.agents.agents}
    for ext in AGENTS:
        mine = [c for c in calls if c["extension"] == ext]
        heard = [c for c in mine if c["kind"] == "answered"]
        row = agents[ext]
        assert (row[1], row[2], row[4]) == (len(mine), len(heard), sum(c["talk_s"] for c in heard)), ext
        assert (row[1], row[2], row[4]) == (
            expected[ext].calls,
            expected[ext].answered,
            expected[ext].talk_seconds,
        )
    assert sum(talk.values()) == sum(1 for c in answered if c["talk_s"] > 0)
    assert talk == summary.agents.talk_time

    by_phone = {c["phone"]: c for c in calls}
    assert headers == DETAIL_HEADERS + AGENT_HEADERS and len(rows) == len(phones)
    for row in rows:
        call = by_phone[row[1].value]
        assert (row[9].value, row[10].value) == (call["extension"], call["talk_s"]), row[1].value
    assert recordings, "answered calls with talk time have recordings"
    for phone, body in recordings.items():
        assert body.startswith(b"RIFF" + str(by_phone[phone]["cdrId"]).encode() + b"\0")


def test_cli_json_keeps_the_callback_section_and_the_file_links_to_the_configured_centre(
    tmp_path: Path,
) -> None:
    import json
    import os
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'dialer.db'}"
    engine = open_database(url, auto_upgrade=True)
    seed(engine)
    engine.dispose()
    env = {
        **os.environ,
        "DIALER_DATABASE_URL": url,
        "DIALER_CALLCENTER_URL": f"800ing+http://user:pw@127.0.0.1:{free_port()}",
    }
    main = "from batch_dialer.console.cli import main; main()"
    args = ["report", "回访", "-o", str(tmp_path / "r.xlsx"), "--no-crosscheck", "--json"]
    result = subprocess.run(
        [sys.executable, "-c", main, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    section = json.loads(result.stdout)["callback"]
    assert set(section) == {"agents", "talk_time_distribution", "recordings"}
    assert [a["extension"] for a in section["agents"]] == ["8001", "8002"]
    origin = env["DIALER_CALLCENTER_URL"].replace("800ing+", "").replace("user:pw@", "")
    assert section["recordings"][0]["url"] == f"{origin}/voip/record/2026/11/27/100.wav"  # no credentials
    _headers, rows = detail_sheet(tmp_path / "r.xlsx")
    assert {r[11].hyperlink.target for r in rows if r[11].hyperlink} == {
        r["url"] for r in section["recordings"]
    }
