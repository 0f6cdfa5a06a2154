"""The detail rows' fast path writes exactly the XML XlsxWriter's own API writes (compared byte for
byte), hands unusual rows to that API, keeps rows in order and stops at Excel's limits; the local
times it is given are the campaign zone's wall clock, also across daylight-saving changes."""

from __future__ import annotations

import warnings
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from xlsxwriter import Workbook

from batch_dialer.reports.agent_model import Link
from batch_dialer.reports.detail_rows import WallClock
from batch_dialer.reports.errors import ReportError
from batch_dialer.reports.xlsx_report import excel_serial
from batch_dialer.reports.xlsx_rows import StreamedSheet
from batch_dialer.reports.xlsx_sheets import WORKBOOK_OPTIONS

PLAIN: list[tuple[Any, ...]] = [
    ("张三", "138****8000", "宽带、电视", 1, "接通", "1", "非常满意", datetime(2024, 5, 6, 9, 10), None),
    ("", "138****8001", "", 0, "未拨打", "", "", None, None),
    ('=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(1)", 3, "-2+3", "", "", None, None),
    ("李四", "x", "y", 2, "忙", "", "", datetime(2024, 5, 6, 23, 59, 59, 500000), datetime(2099, 1, 1)),
]
UNUSUAL: list[tuple[Any, ...]] = [
    ("a&b<c>", "", "", 1, "", "", "", None, None),  # XML escapes
    ("\t=1+1", "", "", 1, "", "", "", None, None),  # leading whitespace: xml:space="preserve"
    ("结尾 ", "\u3000全角空格", "", 1, "", "", "", None, None),  # trailing, and Unicode whitespace
    ("\r=1+1\x01", "", "", 1, "", "", "", None, None),  # control characters as _xHHHH_
    ("_x0041_", "", "", 1, "", "", "", None, None),  # a literal escape is escaped
    ("长" * 40000, "", "", 1, "", "", "", None, None),  # over Excel's cell limit: truncated
    ("王五", "", "", 1, "", "", "", None, Link("1.wav", "http://centre/rec/1.wav")),
    ("赵六", "", "", 1, "", "", "", None, Link("", "https://centre/rec/2.wav?a=1&b=2")),
    ("钱七", "", "", 1, "", "", "", None, Link("3.wav", "file:///etc/passwd")),  # not a web link: text
]
HEADERS = ("姓名", "电话", "产品", "拨打次数", "最终结果", "按键", "满意度", "首次呼叫", "末次呼叫")


def _fast(path: Path, rows: list[tuple[Any, ...]]) -> int:
    wb = Workbook(str(path), WORKBOOK_OPTIONS)
    date, link = wb.add_format({"num_format": "yyyy-mm-dd h:mm:ss"}), wb.add_format({"underline": 1})
    ws = wb.add_worksheet("明细", worksheet_class=StreamedSheet)
    for col, name in enumerate(HEADERS):
        ws.write_string(0, col, name)
    values = [tuple(excel_serial(v) if isinstance(v, datetime) else v for v in row) for row in rows]
    end: int = ws.append_rows(1, values, [None] * 7 + [date, date], link)
    wb.close()
    return end


def _by_api(path: Path, rows: list[tuple[Any, ...]]) -> None:
    """What XlsxWriter writes when every cell goes through its own API."""
    wb = Workbook(str(path), WORKBOOK_OPTIONS)
    date, link = wb.add_format({"num_format": "yyyy-mm-dd h:mm:ss"}), wb.add_format({"underline": 1})
    ws = wb.add_worksheet("明细")
    for col, name in enumerate(HEADERS):
        ws.write_string(0, col, name)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, Link):
                if value.url.startswith("http"):
                    ws.write_url(r, col, value.url, link, value.text or value.url)
                else:
                    ws.write_string(r, col, value.url)
            elif isinstance(value, datetime):
                ws.write_datetime(r, col, value, date)
            elif isinstance(value, int):
                ws.write_number(r, col, value)
            elif value:
                ws.write_string(r, col, value)
    wb.close()


def _part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def test_fast_rows_are_the_xml_xlsxwriter_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    api_rows: list[int] = []
    real = StreamedSheet._api_row
    monkeypatch.setattr(
        StreamedSheet, "_api_row", lambda self, row, *rest: (api_rows.append(row), real(self, row, *rest))
    )
    rows = PLAIN + UNUSUAL + PLAIN  # plain rows before and after the API's rows
    assert _fast(tmp_path / "fast.xlsx", rows) == 1 + len(rows)
    _by_api(tmp_path / "api.xlsx", rows)
    for part in ("xl/worksheets/sheet1.xml", "xl/worksheets/_rels/sheet1.xml.rels", "xl/styles.xml"):
        assert _part(tmp_path / "fast.xlsx", part) == _part(tmp_path / "api.xlsx", part), part
    assert api_rows == list(range(1 + len(PLAIN), 1 + len(PLAIN) + len(UNUSUAL)))  # only those

    ws = openpyxl.load_workbook(tmp_path / "fast.xlsx")["明细"]
    assert ws.cell(2, 8).value == datetime(2024, 5, 6, 9, 10)
    assert ws.cell(4, 1).value == PLAIN[2][0] and ws.cell(4, 1).data_type == "s"
    assert ws.cell(5, 8).value == datetime(2024, 5, 6, 23, 59, 59, 500000)
    rows = {row[0].value: row for row in ws.iter_rows(min_row=2)}
    assert rows["王五"][8].value == "1.wav" and rows["王五"][8].hyperlink.target == "http://centre/rec/1.wav"
    assert rows["钱七"][8].value == "file:///etc/passwd" and not rows["钱七"][8].hyperlink


def test_rows_go_in_order_and_fit_a_sheet(tmp_path: Path) -> None:
    wb = Workbook(str(tmp_path / "o.xlsx"), WORKBOOK_OPTIONS)
    ws = wb.add_worksheet("明细", worksheet_class=StreamedSheet)
    assert ws.append_rows(1, [("a", 1), ("b", 2)]) == 3
    with pytest.raises(ValueError, match="in order"):
        ws.append_rows(2, [("c", 3)])
    ws.write_string(5, 0, "by the API")
    with pytest.raises(ValueError, match="in order"):
        ws.append_rows(5, [("c", 3)])
    assert ws.append_rows(6, [("d", 4)]) == 7
    ws.xls_rowmax = 9  # Excel's 1,048,576, made small: the report stops with a way out
    with pytest.raises(ReportError, match="csv"):
        ws.append_rows(7, [("e", 5)] * 3)
    wb.close()
    rows = list(openpyxl.load_workbook(tmp_path / "o.xlsx")["明细"].iter_rows(values_only=True))
    assert rows[1:3] == [("a", 1), ("b", 2)] and rows[5][0] == "by the API" and rows[6] == ("d", 4)


def test_links_past_excels_limit_are_shown_as_text(tmp_path: Path) -> None:
    wb = Workbook(str(tmp_path / "l.xlsx"), WORKBOOK_OPTIONS)
    ws = wb.add_worksheet("明细", worksheet_class=StreamedSheet)
    ws.max_links = 1
    long_url = "http://c/" + "x" * 2100 + ".wav"  # past Excel's 2079 characters
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no warning per link
        ws.append_rows(0, [(Link("a.wav", "http://c/a.wav"),), (Link("b.wav", "http://c/b.wav"),)])
        ws.max_links = 10
        ws.append_rows(2, [(Link("c.wav", long_url),)])
    wb.close()
    sheet = openpyxl.load_workbook(tmp_path / "l.xlsx")["明细"]
    assert sheet["A1"].value == "a.wav" and sheet["A1"].hyperlink.target == "http://c/a.wav"
    assert sheet["A2"].value == "http://c/b.wav" and sheet["A2"].hyperlink is None
    assert sheet["A3"].value == long_url and sheet["A3"].hyperlink is None


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/St_Johns"])
def test_wall_clock_is_the_zones_local_time(zone: str) -> None:
    """Berlin changes its offset on the hour (UTC), St. John's at half past: the days of both
    changes in both zones, every 10 minutes."""
    tz = ZoneInfo(zone)
    local = WallClock(tz)
    days = (datetime(2024, 3, 10), datetime(2024, 3, 31), datetime(2024, 10, 27), datetime(2024, 11, 3))
    for start in days:
        for step in range(0, 24 * 6):
            utc = start + timedelta(minutes=10 * step, seconds=7)
            assert local(utc) == utc.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None), utc
    assert len(local.offsets) <= len(days) * 24  # one look-up an hour for six values
