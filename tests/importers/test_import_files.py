"""Every kind of file a campaign manager brings, with exact bucket counts and reasons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select, text

from batch_dialer.campaigns.models import Contact, ImportBatch
from batch_dialer.importers import ImportRefused, ImportResult, import_file
from tests.importers.file_builders import (
    HEADER,
    truncate,
    write_csv,
    write_html_table,
    write_ods,
    write_xlsx,
)

# Nine data rows: 4 new contacts, 1 duplicate, 1 blank, 3 rejected (one per phone reason).
ROWS: list[list[object]] = [
    HEADER,
    ["张三", "13800138000", "甲公司", "宽带", "老客户"],
    ["李四", "+86 139-0013-9000", "乙公司", "", ""],
    ["王五", "138 0013 8000", "", "电视", ""],  # repeats 张三's number: duplicate, still an opportunity
    ["", "", "", "", ""],
    ["赵六", "010-62345678", "丙公司", "宽带", ""],
    ["钱七", "1.38E+10", "", "", ""],
    ["孙八", "12345", "", "", ""],
    ["周九", "", "丁公司", "", ""],
    ["吴十", "４００８００１２３４", "", "", ""],
]
EXPECTED = {
    "rows": 8,
    "blank_rows": 1,
    "imported": 4,
    "updated": 0,
    "duplicates": 1,
    "rejected": 3,
    "rejected_by_reason": {"invalid_phone": 1, "missing_phone": 1, "scientific_notation": 1},
    "opportunities": 3,
}


def counts(result: ImportResult) -> dict[str, object]:
    assert result.balanced
    return {key: getattr(result, key) for key in EXPECTED}


Builder = Callable[[Path], Path]
CASES: dict[str, tuple[Builder, str]] = {
    "csv-utf8": (lambda d: write_csv(d / "a.csv", ROWS), "csv utf-8 comma"),
    "csv-utf8-bom": (lambda d: write_csv(d / "a.csv", ROWS, bom=True), "csv utf-8-sig comma"),
    "csv-gbk": (lambda d: write_csv(d / "a.csv", ROWS, encoding="gbk"), "csv gb18030 comma"),
    "txt-utf16-tab": (
        lambda d: write_csv(d / "a.txt", ROWS, encoding="utf-16", delimiter="\t"),
        "csv utf-16 tab",
    ),
    "txt-utf16le-nobom": (
        lambda d: write_csv(d / "a.txt", ROWS, encoding="utf-16-le", delimiter="\t"),
        "csv utf-16-le tab",
    ),
    "csv-semicolon": (lambda d: write_csv(d / "a.csv", ROWS, delimiter=";"), "csv utf-8 semicolon"),
    "csv-gbk-tab-as-xls": (
        lambda d: write_csv(d / "a.xls", ROWS, encoding="gbk", delimiter="\t"),
        "csv gb18030 tab",
    ),
    "xlsx": (lambda d: write_xlsx(d / "a.xlsx", ROWS), "xlsx"),
    "xlsx-named-xls": (lambda d: write_xlsx(d / "a.xls", ROWS), "xlsx"),
    "xlsx-named-csv": (lambda d: write_xlsx(d / "a.csv", ROWS), "xlsx"),
    "html-as-xls": (lambda d: write_html_table(d / "a.xls", ROWS), "html utf-8"),
    "html-as-xls-gbk": (lambda d: write_html_table(d / "a.xls", ROWS, encoding="gb18030"), "html gb18030"),
    "ods": (lambda d: write_ods(d / "a.ods", ROWS), "ods"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_format_gives_the_same_buckets(case: str, tmp_path: Path, sqlite_engine: Engine) -> None:
    build, described = CASES[case]
    result = import_file(build(tmp_path), sqlite_engine)
    assert result.file_format == described
    assert counts(result) == EXPECTED
    assert result.mapping["手机号码"] == "phone" and result.mapping["意向产品"] == "product"
    with sqlite_engine.connect() as conn:
        phones = set(conn.execute(select(Contact.phone)).scalars())  # type: ignore[call-overload]
    assert phones == {"13800138000", "13900139000", "01062345678", "4008001234"}


@pytest.mark.parametrize(
    "build",
    [
        lambda d: write_xlsx(d / "t.xlsx", ROWS, title="2024 年 客户名单（导出）"),
        lambda d: write_html_table(d / "t.xls", ROWS, title="客户名单"),
        lambda d: write_csv(d / "t.csv", [["客户名单"], ["导出时间：2024-05-01"], [], *ROWS]),
    ],
    ids=["xlsx-merged-title", "html-title", "csv-title-lines"],
)
def test_header_found_under_title_rows(build: Builder, tmp_path: Path, sqlite_engine: Engine) -> None:
    result = import_file(build(tmp_path), sqlite_engine)
    assert counts(result) == EXPECTED
    assert result.header_row > 1
    first = result.rejected_samples[0]
    assert first.reason == "scientific_notation"
    assert first.row_number == result.header_row + 6  # 钱七 is the 6th row under the header


def test_numeric_phone_cells_that_are_exact_integers_are_fine(tmp_path: Path, sqlite_engine: Engine) -> None:
    path = write_xlsx(
        tmp_path / "n.xlsx",
        [
            ["姓名", "电话"],
            ["甲", 13800138000],
            ["乙", 13900139000.0],
            ["丙", 1.38e10 + 0.5],
            ["丁", "1.39E+10"],
        ],
    )
    result = import_file(path, sqlite_engine)
    assert (result.rows, result.imported, result.rejected) == (4, 2, 2)
    assert result.rejected_by_reason == {"invalid_phone": 1, "scientific_notation": 1}
    csv_path = write_csv(tmp_path / "n.csv", [["姓名", "电话"], ["甲", "13700137000.0"], ["乙", "1.37E+10"]])
    result = import_file(csv_path, sqlite_engine)
    assert (result.imported, result.rejected_by_reason) == (1, {"scientific_notation": 1})


def test_duplicates_across_chunks_and_blank_rows(tmp_path: Path, sqlite_engine: Engine) -> None:
    rows: list[list[object]] = [["手机", "意向产品"]]
    for i in range(30):
        rows.append([f"1380000{i % 10:04d}", f"产品{i % 3}"])
        if i % 7 == 0:
            rows.append(["", ""])
            rows.append(["   ", " "])
    path = write_csv(tmp_path / "d.csv", rows)
    small = import_file(path, sqlite_engine, chunk_rows=4, dry_run=True)
    assert (small.rows, small.blank_rows, small.imported, small.duplicates) == (30, 10, 10, 20)
    assert small.opportunities == 30  # 10 numbers x 3 products, each pair once
    whole = import_file(path, sqlite_engine)
    assert counts(whole) == counts(small)


def test_unknown_columns_are_kept_as_extra_fields(tmp_path: Path, sqlite_engine: Engine) -> None:
    path = write_csv(
        tmp_path / "e.csv", [["手机", "城市", "", "会员等级"], ["13800138000", "北京", "x", "金卡"]]
    )
    result = import_file(path, sqlite_engine)
    assert result.mapping == {"手机": "phone", "城市": "extra", "col_3": "extra", "会员等级": "extra"}
    with sqlite_engine.connect() as conn:
        extra = conn.execute(select(Contact.extra)).scalar_one()  # type: ignore[call-overload]
    assert extra == {"城市": "北京", "col_3": "x", "会员等级": "金卡"}


def test_map_overrides_and_sheet_choice(tmp_path: Path, sqlite_engine: Engine) -> None:
    path = write_xlsx(
        tmp_path / "s.xlsx",
        [],
        sheets={
            "说明": [["本文件说明"], ["请勿修改"]],
            "名单": [["客户", "TelNo"], ["甲", "13800138000"]],
        },
    )
    with pytest.raises(ImportRefused, match="no phone column"):
        import_file(path, sqlite_engine)
    result = import_file(path, sqlite_engine, mapping={"TelNo": "phone"})
    assert (result.sheet, result.imported, result.mapping) == (
        "名单",
        1,
        {"客户": "name", "TelNo": "phone"},
    )
    with pytest.raises(ImportRefused, match="no sheet '客户' \\(there are: 说明, 名单\\)"):
        import_file(path, sqlite_engine, sheet="客户")
    with pytest.raises(ImportRefused, match="--map column '号码' is not in the header"):
        import_file(path, sqlite_engine, sheet="2", mapping={"TelNo": "phone", "号码": "qq"})


def test_malformed_csv_line_is_rejected_with_its_values(tmp_path: Path, sqlite_engine: Engine) -> None:
    rows: list[list[object]] = [["姓名", "手机"]]
    rows += [[f"客户{i}", f"1390000{i:04d}"] for i in range(1200)]
    rows[1100] = ["坏行", "13912345678", "多出来的", "列"]
    path = write_csv(tmp_path / "m.csv", rows)
    result = import_file(path, sqlite_engine)
    assert (result.rows, result.imported, result.rejected_by_reason) == (1200, 1199, {"malformed_row": 1})
    bad = result.rejected_samples[0]
    assert bad.row_number == 1101 and bad.values["姓名"] == "坏行" and "多出来的" in bad.values.values()


def test_rejects_workbook_lists_every_rejected_row(tmp_path: Path, sqlite_engine: Engine) -> None:
    path = write_csv(tmp_path / "客户.csv", ROWS)
    result = import_file(path, sqlite_engine)
    assert result.rejects_file == str(tmp_path / "客户.rejects.xlsx")
    sheet = load_workbook(result.rejects_file, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["行号 row", "原因 reason", "原因说明 why", "详情 detail"]
    assert [(r[0], r[1]) for r in rows[1:]] == [
        (7, "scientific_notation"),
        (8, "invalid_phone"),
        (9, "missing_phone"),
    ]
    assert rows[1][4:6] == ["钱七", "1.38E+10"]
    custom = tmp_path / "out" / "bad.xlsx"
    custom.parent.mkdir()
    assert import_file(path, sqlite_engine, rejects_path=custom).rejects_file == str(custom)


def _nothing_written(engine: Engine, directory: Path) -> None:
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ImportBatch)).scalar_one() == 0
        assert conn.execute(text("select count(*) from contact")).scalar_one() == 0
    assert not list(directory.glob("*.rejects.xlsx")) and not list(directory.glob(".*partial"))


REFUSALS: dict[str, tuple[Builder, str]] = {
    "zero-bytes": (lambda d: _write(d / "z.csv", b""), "the file is empty \\(0 bytes\\)"),
    "blank-lines": (lambda d: write_csv(d / "b.csv", [[], [" "], []]), "the file is empty"),
    "header-only": (lambda d: write_csv(d / "h.csv", [HEADER]), "a header \\(row 1\\) but no data rows"),
    "header-and-blank-rows": (
        lambda d: write_xlsx(d / "h.xlsx", [HEADER, ["", ""], [None]]),
        "a header \\(row 1\\) but no data rows",
    ),
    "no-phone-column": (
        lambda d: write_csv(d / "p.csv", [["姓名", "公司"], ["张三", "甲"]]),
        "no phone column found in the first 30 rows",
    ),
    "truncated-xlsx": (lambda d: truncate(write_xlsx(d / "t.xlsx", ROWS)), "corrupt or truncated workbook"),
    "pdf": (
        lambda d: _write(d / "x.xls", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
        "unknown format: this is a PDF",
    ),
    "binary": (lambda d: _write(d / "x.csv", bytes(range(256)) * 8), "unknown format: binary data"),
    "zip-not-workbook": (lambda d: _zip(d / "x.xlsx"), "a zip archive that is not an Excel or ODS workbook"),
    "ole2-garbage": (
        lambda d: _write(d / "x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
        "corrupt or truncated workbook",
    ),
    "html-without-table": (
        lambda d: _write(d / "x.xls", b"<html><body>hello</body></html>"),
        "without a table",
    ),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _zip(path: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return path


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusals_name_the_file_and_write_nothing(case: str, tmp_path: Path, sqlite_engine: Engine) -> None:
    build, message = REFUSALS[case]
    path = build(tmp_path)
    with pytest.raises(ImportRefused, match=message) as caught:
        import_file(path, sqlite_engine)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)
    _nothing_written(sqlite_engine, tmp_path)
