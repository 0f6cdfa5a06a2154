"""The rejects file as Excel, openpyxl and our own reader see it: values kept exactly, as text."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from batch_dialer.importers.bulk_writer import Reject
from batch_dialer.importers.rejects_workbook import RejectsWorkbook

HEADER = ["姓名", "手机号码", "公司"]


def test_values_come_back_as_written(tmp_path: Path) -> None:
    target = tmp_path / "x.rejects.xlsx"
    book = RejectsWorkbook(target, HEADER)
    book.add(
        [Reject(3, "invalid_phone", None, {"姓名": " 王 & <李> ", "手机号码": '="0105"', "来源\x01": "网"})]
    )
    book.add([Reject(12, "dnc", "d", {"公司": "=SUM(A1)"})])
    assert book.commit() == target and not list(tmp_path.glob(".*partial"))
    rows = [list(r) for r in load_workbook(target, read_only=True).worksheets[0].iter_rows(values_only=True)]
    assert rows[0] == ["行号 row", "原因 reason", "原因说明 why", "详情 detail", *HEADER]
    assert rows[1] == [3, "invalid_phone", "号码无效 / not a valid Chinese number", None,
                       " 王 & <李> ", '="0105"', None, "来源=网"]  # fmt: skip
    assert rows[2] == [12, "dnc", "在免打扰名单 / on the do-not-call list", "d", None, None, "=SUM(A1)"]
    sheet = CalamineWorkbook.from_path(str(target)).get_sheet_by_name("rejected").to_python()
    assert [row[6] for row in sheet] == ["公司", "", "=SUM(A1)"]


def test_discard_leaves_nothing(tmp_path: Path) -> None:
    book = RejectsWorkbook(tmp_path / "y.rejects.xlsx", HEADER)
    book.add([Reject(2, "dnc", None, {"姓名": "a"})])
    book.discard()
    assert list(tmp_path.iterdir()) == []
