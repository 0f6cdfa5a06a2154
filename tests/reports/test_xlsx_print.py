"""XLSX polish read back with openpyxl: the status in Chinese, readable pie labels, satisfaction bars
best first, A4 print setup with a page break above each chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.chart import BarChart, PieChart
from sqlalchemy import Engine

from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.reports import export_report
from tests.reports.seed_data import NOW, Seeded


def test_xlsx_prints_and_reads_well(engine: Engine, seeded: Seeded, tmp_path: Path) -> None:
    export_report(engine, "survey", "xlsx", tmp_path / "r.xlsx", clock=ManualClock(NOW))
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    overview: Any = wb["概览"]
    status_row = next(r for r in overview.iter_rows(values_only=True) if r and r[0] == "生成时间")
    assert status_row[2] == "状态" and status_row[3] in ("进行中", "已完成", "已暂停", "已取消", "草稿")
    pie = next(c for c in overview._charts if isinstance(c, PieChart))
    labels = pie.series[0].dLbls  # the series' labels, where Excel (and XlsxWriter) put them
    assert labels.showCatName and labels.showPercent and not labels.showVal and labels.showLeaderLines
    bars = [c for c in overview._charts if isinstance(c, BarChart) and c.type == "bar"]
    assert bars and bars[0].x_axis.scaling.orientation == "maxMin"
    for sheet in (overview, wb["满意度分析"]):
        assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
        # one page wide, as tall as it takes; fitToWidth="1" is SpreadsheetML's default, left out
        setup = sheet.page_setup
        assert setup.fitToWidth in (1, None) and setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert [b.id for b in overview.row_breaks.brk] == [19, 37]
