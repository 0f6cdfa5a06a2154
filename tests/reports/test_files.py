"""The written files: XLSX sheets, charts and header settings; HTML figures and self-containment;
CSV with BOM; atomic writes and clear path errors."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.chart import BarChart, PieChart
from sqlalchemy import Engine, update

from batch_dialer.campaigns.campaign_figures import FIGURE_LABELS
from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.models import Campaign
from batch_dialer.reports import CampaignNotFound, ReportError, ReportPathError, export_report
from tests.reports.seed_data import NOW, Seeded

CLOCK = ManualClock(NOW)


def _cells(ws: object) -> dict[str, object]:
    """First column -> second column of a summary sheet (label -> value)."""
    return {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row and row[0] is not None}  # type: ignore[attr-defined]


def test_xlsx_sheets_charts_and_detail(engine: Engine, seeded: Seeded, tmp_path: Path) -> None:
    summary = export_report(engine, "survey", "xlsx", tmp_path / "r.xlsx", clock=CLOCK)
    assert summary.file == str(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == ["概览", "满意度分析", "联系人明细", "导入拒绝行"]
    overview: Any = wb["概览"]
    kinds = sorted(type(chart).__name__ for chart in overview._charts)
    assert kinds == ["BarChart", "BarChart", "PieChart"]
    assert any(isinstance(c, PieChart) for c in overview._charts)
    assert sum(isinstance(c, BarChart) for c in overview._charts) == 2
    values = _cells(overview)
    figures = {key: values[FIGURE_LABELS[key]] for key in ("contacts", "dialled", "answered", "keyed")}
    assert figures == {"contacts": 12, "dialled": 10, "answered": 6, "keyed": 5}
    assert values["接通"] == 6 and values["关机或不在服务区"] == 0 and values["未拨打"] == 1
    assert values[FIGURE_LABELS["attempts"]] == 14
    assert values[FIGURE_LABELS["answer_rate"]] == pytest.approx(0.6)
    assert values["CSAT（前两项占比）"] == pytest.approx(0.75)
    assert values["平均分（1=最好）"] == pytest.approx(2.25)
    assert values["20时"] == 2

    detail = wb["联系人明细"]
    assert detail.freeze_panes == "A2"
    assert detail.auto_filter.ref == "A1:I13"
    assert detail.column_dimensions["B"].width == 15 and detail.column_dimensions["H"].width == 19
    rows = list(detail.iter_rows(values_only=True))
    assert rows[0] == (
        "姓名",
        "电话",
        "产品",
        "拨打次数",
        "最终结果",
        "按键",
        "满意度",
        "首次呼叫",
        "末次呼叫",
    )
    assert len(rows) == 13
    first = rows[1]
    assert first[:7] == ("张三", "138****8000", "宽带、电视", 1, "接通", "1", "非常满意")
    assert first[7].isoformat() == "2024-05-06T09:10:00"  # type: ignore[union-attr]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["王五"][3:5] == (3, "接通") and by_name["王五"][8].isoformat() == "2024-05-07T09:00:00"  # type: ignore[union-attr]
    assert (
        by_name["客户8"][4] == "忙" and by_name["客户10"][4] == "未拨打" and by_name["客户11"][4] == "免打扰"
    )
    assert by_name["孙八"][6] == "其他按键 8"
    assert all("****" in r[1] for r in rows[1:])  # type: ignore[operator]

    rejected = wb["导入拒绝行"]
    assert rejected.freeze_panes == "A2" and rejected.auto_filter.ref == "A1:F4"
    rejected_rows = list(rejected.iter_rows(values_only=True))[1:]
    assert [(r[0], r[2], r[3]) for r in rejected_rows] == [
        (1, 5, "invalid_phone"),
        (1, 9, "scientific_notation"),
        (2, 3, "dnc"),
    ]
    assert "13900000000" not in str(rejected_rows) and "139****0000" in str(rejected_rows)

    breakdown = [r for r in wb["满意度分析"].iter_rows(values_only=True) if r and r[0] == "宽带"]
    assert breakdown[0][1:4] == (5, 5, 4)


def test_xlsx_unmasked_and_captcha(sqlite_engine: Engine, seeded_sqlite: Seeded, tmp_path: Path) -> None:
    export_report(sqlite_engine, "survey", "xlsx", tmp_path / "u.xlsx", unmasked=True, clock=CLOCK)
    rows = list(openpyxl.load_workbook(tmp_path / "u.xlsx")["联系人明细"].iter_rows(values_only=True))
    assert rows[1][1] == "13800018000"
    export_report(sqlite_engine, "codes", "xlsx", tmp_path / "c.xlsx", clock=CLOCK)
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert "满意度分析" not in wb.sheetnames
    values = _cells(wb["概览"])
    assert values["已送达（接通）"] == 2 and values["未送达"] == 1
    charts: Any = wb["概览"]
    assert len(charts._charts) == 2  # outcomes and hours; no satisfaction chart


def test_html_self_contained_with_key_figures(engine: Engine, seeded: Seeded, tmp_path: Path) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(Campaign.__table__)  # type: ignore[attr-defined]
            .where(Campaign.__table__.c.id == 1)  # type: ignore[attr-defined]
            .values(name='满意度<script>alert("x")</script>')
        )
    export_report(engine, 1, "html", tmp_path / "r.html", clock=CLOCK)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<script>alert("x")</script>' not in html and "&lt;script&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "<link" not in html.lower() and "<script" not in html.lower() and "@import" not in html
    assert "url(" not in html
    assert '<meta name="viewport"' in html and "@media print" in html
    assert html.count("<svg") == 3
    for figure_id, value in (
        ("contacts", "12"),
        ("dialled", "10"),
        ("answered", "6"),
        ("keyed", "5"),
        ("csat", "75.0%"),
        ("mean", "2.25"),
        ("attempts", "14"),
        ("pending", "2"),
    ):
        assert re.search(rf'id="{figure_id}">{re.escape(value)}<', html), figure_id
    assert "关机或不在服务区" in html and "非常满意" in html and "宽带" in html and "list1.xlsx" in html


def test_csv_has_bom_and_detail_rows(sqlite_engine: Engine, seeded_sqlite: Seeded, tmp_path: Path) -> None:
    export_report(sqlite_engine, "survey", "csv", tmp_path / "r.csv", clock=CLOCK)
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["姓名", "电话", "产品"] and len(rows) == 13
    assert rows[1] == [
        "张三",
        "138****8000",
        "宽带、电视",
        "1",
        "接通",
        "1",
        "非常满意",
        "2024-05-06 09:10:00",
        "2024-05-06 09:10:00",
    ]
    assert rows[10][4:] == ["未拨打", "", "", "", ""]


def test_directory_target_gets_dated_name_and_no_temp_files(
    sqlite_engine: Engine, seeded_sqlite: Seeded, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    summary = export_report(sqlite_engine, "survey", "html", out, clock=CLOCK)
    assert summary.file == str(out / "survey-20240507-1400.html")
    assert sorted(p.name for p in out.iterdir()) == ["survey-20240507-1400.html"]


def test_errors_leave_nothing_behind(sqlite_engine: Engine, seeded_sqlite: Seeded, tmp_path: Path) -> None:
    tmp_path = tmp_path / "reports"
    tmp_path.mkdir()
    with pytest.raises(CampaignNotFound):
        export_report(sqlite_engine, "missing", "xlsx", tmp_path / "m.xlsx")
    with pytest.raises(ReportPathError, match="does not exist"):
        export_report(sqlite_engine, "survey", "xlsx", tmp_path / "no" / "such" / "r.xlsx")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportPathError):
        export_report(sqlite_engine, "survey", "csv", blocker / "r.csv")
    with pytest.raises(ReportError, match="format"):
        export_report(sqlite_engine, "survey", "pdf", tmp_path / "r.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
