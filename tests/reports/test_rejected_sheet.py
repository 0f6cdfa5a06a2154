"""The XLSX's rejected-rows sheet shows each rejected import row in the file's own columns (not as
JSON), phone-like digits masked unless the report is unmasked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import Engine

from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.importers import import_file
from batch_dialer.reports import export_report
from tests.engine_support import make_campaign
from tests.reports.seed_data import NOW

CSV = (
    "客户姓名,手机号码,备注,来源\n"
    "张三,13800138000,老客户,展会\n"
    "李四,12345,号码不对 13912345678,\n"
    "王五,,,官网\n"
)


def _sheet(engine: Engine, tmp_path: Path, unmasked: bool) -> list[tuple[Any, ...]]:
    source = tmp_path / "名单.csv"
    source.write_text(CSV, encoding="utf-8")
    batch = import_file(source, engine, write_rejects_file=False).batch_id
    make_campaign(engine, "拒绝行", all_contacts=False, batch=[batch])
    start(engine, "拒绝行", NOW)  # the campaign's batches are those of its tasks' contacts
    out = tmp_path / ("u.xlsx" if unmasked else "m.xlsx")
    export_report(engine, "拒绝行", "xlsx", out, unmasked=unmasked, clock=ManualClock(NOW))
    return list(openpyxl.load_workbook(out)["导入拒绝行"].iter_rows(values_only=True))


def test_rejected_rows_keep_their_original_columns(engine: Engine, tmp_path: Path) -> None:
    rows = _sheet(engine, tmp_path, unmasked=True)
    assert rows[0] == ("导入批次", "文件", "行号", "原因", "说明", "客户姓名", "手机号码", "备注", "来源")
    by_name = {r[5]: r for r in rows[1:]}
    assert set(by_name) == {"李四", "王五"}  # both rejected rows, none dropped
    assert by_name["李四"][5:] == ("李四", "12345", "号码不对 13912345678", None)
    assert by_name["王五"][5:] == ("王五", None, None, "官网")
    assert all("{" not in str(cell) for row in rows for cell in row)  # no JSON left


def test_masked_report_masks_digits_in_the_original_cells(engine: Engine, tmp_path: Path) -> None:
    rows = _sheet(engine, tmp_path, unmasked=False)
    lisi = next(r for r in rows[1:] if r[5] == "李四")
    assert "13912345678" not in str(lisi) and "139****5678" in str(lisi)
