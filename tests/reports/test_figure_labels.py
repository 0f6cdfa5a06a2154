"""Each figure has one definition and one label: the report files (summary JSON, HTML, XLSX) label
their figures with campaign_figures.FIGURE_LABELS, and each 接通率 says what it is a rate of."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import Engine

from batch_dialer.campaigns.campaign_figures import FIGURE_LABELS
from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.reports import export_report
from tests.reports.seed_data import NOW, Seeded

CLOCK = ManualClock(NOW)
HEADLINE = ("contacts", "dialled", "answered", "keyed", "attempts", "answer_rate")


def test_summary_json_carries_the_labels(engine: Engine, seeded: Seeded, tmp_path: Path) -> None:
    summary = export_report(engine, "survey", "xlsx", tmp_path / "r.xlsx", clock=CLOCK)
    doc = json.loads(json.dumps(summary.as_json(), ensure_ascii=False))
    assert doc["labels"] == {key: FIGURE_LABELS[key] for key in HEADLINE}
    assert doc["answer_rate"] == round(doc["answered"] / doc["dialled"], 4)


def test_xlsx_labels_are_the_figure_labels(engine: Engine, seeded: Seeded, tmp_path: Path) -> None:
    export_report(engine, "survey", "xlsx", tmp_path / "r.xlsx", clock=CLOCK)
    overview: Any = openpyxl.load_workbook(tmp_path / "r.xlsx")["概览"]
    cells = [str(c) for row in overview.iter_rows(values_only=True) for c in row if c is not None]
    for key in HEADLINE:
        assert FIGURE_LABELS[key] in cells, key
    assert cells.count(FIGURE_LABELS["placement_answer_rate"]) == 3  # by attempt number, hour, day
    assert "接通率" not in cells  # no unlabelled rate


def test_html_labels_are_the_figure_labels(engine: Engine, seeded: Seeded, tmp_path: Path) -> None:
    export_report(engine, "survey", "html", tmp_path / "r.html", clock=CLOCK)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    for key in (*HEADLINE, "placement_answer_rate"):
        assert FIGURE_LABELS[key] in page, key
    assert not re.search(r">接通率[ <]", page)  # every 接通率 says what it is a rate of
