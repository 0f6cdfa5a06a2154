"""Hostile spreadsheets through `dialer import`: each is refused with one line and exit 2, in bounded
time and memory, and a reader that does blow up takes only its child process with it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from batch_dialer.importers import prepare_import
from batch_dialer.importers.line_lengths import find_long_line
from batch_dialer.importers.read_limits import ReadLimits, ReadLimitsError
from batch_dialer.importers.sheet_extent import workbook_extents
from tests.importers.file_builders import HEADER, write_csv, write_xlsx
from tests.importers.hostile_files import far_cell_xls, huge_colspan_html, raw_xlsx, repeated_ods

DEADLINE_S = 90  # generous: two cores shared by several test runs; a bomb takes minutes or never ends
PEAK_MB = 600  # the CLI process; a bomb loaded in it would take gigabytes
CONTACT = [("A1", "姓名"), ("B1", "手机号码"), ("A2", "张三"), ("B2", "13800138000")]


def run_dialer(*args: str, db: Path, env: dict[str, str] | None = None) -> tuple[int, str, str, float, float]:
    """(exit code, stdout, stderr, seconds, peak RSS of the CLI process in MB, its own VmHWM)."""
    full_env = {**os.environ, "DIALER_DATABASE_URL": f"sqlite:///{db}", **(env or {})}
    out_path, err_path, peak_path = db.with_suffix(".out"), db.with_suffix(".err"), db.with_suffix(".peak")
    # VmHWM of the process's own image: wait4's ru_maxrss would also count the pytest process this one was
    # forked from (Linux keeps the pre-exec high-water mark), which grows as the suite runs.
    code = (
        "import atexit, re\n"
        f"def _peak(path={str(peak_path)!r}):\n"
        "    status = open('/proc/self/status').read()\n"
        "    open(path, 'w').write(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
        "atexit.register(_peak)\n"
        "from batch_dialer.console.cli import main; main()"
    )
    started = time.monotonic()
    with out_path.open("w") as out_file, err_path.open("w") as err_file:
        process = subprocess.Popen(
            [sys.executable, "-c", code, *args], stdout=out_file, stderr=err_file, env=full_env
        )
        timer = threading.Timer(DEADLINE_S, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    peak_kb = int(peak_path.read_text()) if peak_path.exists() else usage.ru_maxrss  # killed: no atexit
    return process.returncode, out_path.read_text(), err_path.read_text(), seconds, peak_kb / 1024


def assert_one_line_refusal(done: tuple[int, str, str, float, float], path: Path, *words: str) -> str:
    code, out, err, seconds, peak = done
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: "), err
    assert "Traceback" not in err and out == ""
    for word in words:
        assert word in lines[0], lines[0]
    assert seconds < DEADLINE_S
    assert peak < PEAK_MB, f"{peak:.0f} MB"
    return lines[0]


Builder = Callable[[Path], Path]
HOSTILE: dict[str, tuple[Builder, tuple[str, ...]]] = {
    "far cell at XFD1048576": (
        lambda d: raw_xlsx(d / "far.xlsx", [*CONTACT, ("XFD1048576", "x")]),
        ("XFD1048576", "17,179,869,184 cells"),
    ),
    "declared A1:XFD1048576": (
        lambda d: raw_xlsx(d / "declared.xlsx", CONTACT, dimension="A1:XFD1048576"),
        ("declares the range A1:XFD1048576",),
    ),
    "far cell at CV1000000 (the 1.7 GB one)": (
        lambda d: raw_xlsx(d / "medium.xlsx", [*CONTACT, ("CV1000000", "x")]),
        ("CV1000000", "100,000,000 cells"),
    ),
    "legacy .xls, a value at IV65536": (lambda d: far_cell_xls(d / "far.xls"), ("IV65536", "stray far cell")),
    "ODS, a row repeated a million times": (
        lambda d: repeated_ods(d / "bomb.ods", 1_000_000, 16_384),
        ("more than the 30,000,000",),
    ),
    "HTML .xls, colspan 2147483647 on 40,000 rows": (
        lambda d: huge_colspan_html(d / "span.xls", 40_000),
        ("HTML table 1", "after colspan"),
    ),
}


@pytest.mark.parametrize("what", list(HOSTILE))
def test_hostile_workbooks_are_refused_in_one_line(what: str, tmp_path: Path) -> None:
    build, words = HOSTILE[what]
    path = build(tmp_path)
    assert path.stat().st_size < 4_000_000
    done = run_dialer("import", str(path), db=tmp_path / "never.db")
    assert_one_line_refusal(done, path, *words)
    assert not (tmp_path / "never.db").exists()


def test_a_reader_that_blows_up_takes_only_its_child(tmp_path: Path) -> None:
    """With the size checks switched off, calamine really tries to allocate 17 billion cells: the
    child hits its memory limit and aborts; the CLI says so in one line."""
    path = raw_xlsx(tmp_path / "far.xlsx", [*CONTACT, ("XFD1048576", "x")])
    no_checks = {
        "DIALER_IMPORT_MAX_CELLS": str(10**12),
        "DIALER_IMPORT_SPARSE_MIN_CELLS": str(10**12),
        "DIALER_IMPORT_MEMORY_MB": "1024",
    }
    done = run_dialer("import", str(path), db=tmp_path / "never.db", env=no_checks)
    line = assert_one_line_refusal(done, path, "reader crashed", "1,024 MB")
    assert "panicked" not in line and "memory allocation" not in done[2]


def test_child_memory_limit_in_process(tmp_path: Path) -> None:
    """The same through the library: ImportRefused, and this process is still here to tell."""
    from batch_dialer.importers import ImportRefused

    path = raw_xlsx(tmp_path / "medium.xlsx", [*CONTACT, ("CV1000000", "x")])
    limits = ReadLimits(max_cells=10**12, sparse_min_cells=10**12, memory_mb=768)
    with pytest.raises(ImportRefused) as caught:
        prepare_import(path, limits=limits)
    assert "768 MB" in caught.value.problem
    # and a normal workbook still reads, in a child whose peak is reported
    good = write_xlsx(tmp_path / "ok.xlsx", [HEADER, ["张三", "13800138000", "", "", ""]])
    prepared = prepare_import(good)
    assert prepared.reader.reader_peak_mb is not None and prepared.reader.reader_peak_mb < 1024


def test_colspan_and_rowspan_are_capped_and_placed(tmp_path: Path) -> None:
    path = huge_colspan_html(tmp_path / "few.xls", 3)
    prepared = prepare_import(path)
    assert prepared.mapping["手机号码"] == "phone"
    result_rows = [list(chunk.frame.iloc[0]) for chunk in prepared.reader.chunks()]
    assert len(result_rows[0]) == 3 + 1000 - 1  # the colspan was capped at 1000
    table = (
        "<html><body><table><tr><th>姓名</th><th>手机号码</th><th>备注</th></tr>"
        '<tr><td rowspan="99999999">张三</td><td>13800138000</td><td>a</td></tr>'
        "<tr><td>13900139000</td><td>b</td></tr></table></body></html>"
    )
    spanned = tmp_path / "rowspan.xls"
    spanned.write_text(table, encoding="utf-8")
    rows = [
        row for chunk in prepare_import(spanned).reader.chunks() for row in chunk.frame.to_numpy().tolist()
    ]
    assert rows == [["张三", "13800138000", "a"], ["", "13900139000", "b"]]  # the phone stays in its column


def test_sheet_extent_of_an_ordinary_workbook(tmp_path: Path) -> None:
    rows = [HEADER] + [["张三", f"1380013{i:04d}", "甲", "", ""] for i in range(50)]
    path = write_xlsx(tmp_path / "ok.xlsx", rows, title="客户名单")
    (extent,) = workbook_extents(path, "xlsx")
    assert (extent.rows, extent.columns) == (52, 5)
    assert 1 + 5 + 50 * 3 <= extent.present <= 52 * 5  # openpyxl writes "" cells too; they count
    assert prepare_import(path).header_row == 2


def test_legacy_xls_and_repeated_ods_that_are_fine_still_import(tmp_path: Path) -> None:
    xls = far_cell_xls(tmp_path / "ok.xls", row=3, column=1)
    assert prepare_import(xls).mapping["手机号码"] == "phone"
    ods = repeated_ods(tmp_path / "ok.ods", 3, 1)
    assert prepare_import(ods).mapping["手机号码"] == "phone"


def test_csv_giant_field_and_giant_header_line(tmp_path: Path) -> None:
    field = write_csv(
        tmp_path / "field.csv",
        [
            HEADER,
            ["张三", "13800138000", "", "", ""],
            ["李四", "13900139000", "", "", "x" * 300_000, "extra"],
        ],
    )
    done = run_dialer("import", str(field), "--dry-run", db=tmp_path / "a.db")
    assert_one_line_refusal(done, field, "line 3 is longer than 131,072 bytes")
    header = write_csv(
        tmp_path / "header.csv", [["姓名", "手机号码", "h" * 10_000_000], ["张三", "13800138000", ""]]
    )
    done = run_dialer("import", str(header), "--dry-run", db=tmp_path / "b.db")
    line = assert_one_line_refusal(done, header, "line 1 is longer than")
    assert "empty" not in line


def test_long_line_finder(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"a,b\r\n" * 10 + b"x" * 200 + b"\r\n" + b"c,d\n")
    assert find_long_line(path, limit=100) == 11
    assert find_long_line(path, limit=200) is None
    path.write_bytes(b"a,b\r" * 100_000)  # old Mac line ends: short lines, not one long one
    assert find_long_line(path, limit=100) is None
    path.write_bytes(b"a\n" + b"y" * (3 << 20))  # the last line, without an end
    assert find_long_line(path, limit=1 << 20) == 2
    path.write_bytes(b"a\n" * 3 + b"y" * (9 << 20) + b"\nb\n")  # a line across several read blocks
    assert find_long_line(path, limit=1 << 20) == 4
    assert find_long_line(path, limit=10 << 20) is None


def test_limits_from_the_environment() -> None:
    assert ReadLimits.from_environment({"DIALER_IMPORT_MAX_CELLS": "1_000"}).max_cells == 1000
    with pytest.raises(ReadLimitsError, match="DIALER_IMPORT_MEMORY_MB"):
        ReadLimits.from_environment({"DIALER_IMPORT_MEMORY_MB": "lots"})
