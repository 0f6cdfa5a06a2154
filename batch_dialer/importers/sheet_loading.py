"""Workbooks and HTML tables into one table of text — the part of reading that runs in the child.

Everything here may meet a hostile file, so it runs under `isolated_reading` (memory and CPU limits)
and checks sizes before it allocates: each sheet's extent (`sheet_extent`) before calamine loads it,
and HTML tables cell by cell while they are parsed (colspan/rowspan capped, the grid counted).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from batch_dialer.importers.errors import ImportRefused
from batch_dialer.importers.formats import FileFormat
from batch_dialer.importers.header_mapping import find_header_row
from batch_dialer.importers.read_limits import ReadLimits
from batch_dialer.importers.sheet_extent import check_extent, workbook_extents
from batch_dialer.importers.xls_extent import xls_extents

__all__ = ["HEADER_SEARCH_ROWS", "NO_PHONE", "LoadedTable", "load_table"]

HEADER_SEARCH_ROWS = 30
NO_PHONE = (
    f"no phone column found in the first {HEADER_SEARCH_ROWS} rows "
    "(looked for 手机/手机号码/电话/联系电话/mobile/phone…); name it with --map 列名=phone"
)


@dataclass(frozen=True)
class LoadedTable:
    """The chosen sheet or table: its header row (0-based index in `frame`) and every row as text."""

    name: str
    frame: pd.DataFrame  # positional columns, every cell a str
    header_index: int


def load_table(
    path: Path, fmt: FileFormat, sheet: str | None, overrides: Mapping[str, str], limits: ReadLimits
) -> LoadedTable:
    """The first sheet (or the one asked for) with a header row; ImportRefused when there is none."""
    tables: Iterable[tuple[str, Loader]] = (
        _html_tables(path, fmt, limits) if fmt.kind == "html" else _workbook_sheets(path, fmt, limits)
    )
    if sheet is not None:
        tables = _wanted(path, fmt, list(tables), sheet)
    any_table = any_data = False
    for _name, load in tables:
        any_table = True
        name, frame = load()
        if frame.empty:
            continue
        any_data = True
        head = frame.head(HEADER_SEARCH_ROWS).to_numpy().tolist()
        found = find_header_row(head, overrides)
        if found is not None:
            return LoadedTable(name, frame, found)
    if not any_table:
        raise ImportRefused(
            path, "the workbook has no sheets" if fmt.kind != "html" else "no table in the HTML"
        )
    if not any_data:
        raise ImportRefused(path, "the file has no data (every sheet is empty)")
    raise ImportRefused(path, NO_PHONE)


Loader = Callable[[], tuple[str, pd.DataFrame]]


def _wanted(
    path: Path, fmt: FileFormat, listed: list[tuple[str, Loader]], sheet: str
) -> list[tuple[str, Loader]]:
    wanted = [t for t in listed if t[0] == sheet]
    if not wanted and sheet.isdigit() and 1 <= int(sheet) <= len(listed):
        wanted = [listed[int(sheet) - 1]]
    if not wanted:
        if not listed:
            raise ImportRefused(
                path, "the workbook has no sheets" if fmt.kind != "html" else "no table in the HTML"
            )
        names = ", ".join(name for name, _ in listed)
        raise ImportRefused(path, f"no sheet {sheet!r} (there are: {names})")
    return wanted


# --- workbooks (calamine) ------------------------------------------------------------------------


def _workbook_sheets(path: Path, fmt: FileFormat, limits: ReadLimits) -> Iterator[tuple[str, Loader]]:
    # Every sheet before opening: calamine reads all sheets of an ODS file as it opens it.
    for extent in xls_extents(path) if fmt.kind == "xls" else workbook_extents(path, fmt.kind):
        check_extent(path, extent, limits)
    try:
        book = pd.ExcelFile(path, engine="calamine")
        names = [str(name) for name in book.sheet_names]
    except Exception as exc:  # calamine/zip errors have no common base class
        raise ImportRefused(path, f"corrupt or truncated workbook ({_first_line(exc)})") from None

    def loader(name: str) -> Loader:
        def load() -> tuple[str, pd.DataFrame]:
            try:
                frame = pd.read_excel(
                    book, sheet_name=name, header=None, dtype=str, keep_default_na=False, na_filter=False
                )
            except MemoryError:
                raise
            except Exception as exc:
                raise ImportRefused(
                    path, f"corrupt or truncated workbook, sheet {name!r} ({_first_line(exc)})"
                ) from None
            return name, frame.fillna("").astype(str)

        return load

    for name in names:
        yield name, loader(name)


# --- HTML tables saved as .xls: streamed, spans capped, cells counted ------------------------------


def _html_tables(path: Path, fmt: FileFormat, limits: ReadLimits) -> Iterator[tuple[str, Loader]]:
    """Each table as it is completed; pandas.read_html would turn 010… into floats and keep the tree."""
    tables = list(_parsed_html_tables(path, fmt, limits))
    for number, (rows, width) in enumerate(tables, start=1):
        yield f"table {number}", _frame_of(f"table {number}", rows, width)


def _frame_of(name: str, rows: list[list[str]], width: int) -> Loader:
    def load() -> tuple[str, pd.DataFrame]:
        frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
        rows.clear()
        return name, frame

    return load


def _span(value: str | None, cap: int) -> int:
    text = (value or "1").strip()
    return min(max(int(text), 1), cap) if text.isdigit() else 1


def _parsed_html_tables(
    path: Path, fmt: FileFormat, limits: ReadLimits
) -> Iterator[tuple[list[list[str]], int]]:
    from lxml import etree

    encoding = fmt.encoding or "utf-8"
    stack: list[tuple[list[list[str]], dict[int, int], list[int]]] = []  # rows, pending rowspans, [width]
    total = 0
    try:
        with path.open("rb") as handle:
            events = etree.iterparse(
                handle,
                events=("start", "end"),
                tag=("table", "tr"),
                html=True,
                encoding=encoding,
                huge_tree=False,
            )
            for event, element in events:
                if element.tag == "table":
                    if event == "start":
                        stack.append(([], {}, [0]))
                        continue
                    if not stack:
                        continue
                    rows, _pending, width = stack.pop()
                    element.clear()
                    yield rows, width[0]
                    continue
                if event != "end" or not stack:
                    continue
                rows, pending, width = stack[-1]
                cells = _row_cells(element, pending, limits)
                element.clear()
                while element.getprevious() is not None:  # finished rows: keep the tree small
                    del element.getparent()[0]
                rows.append(cells)
                width[0] = max(width[0], len(cells))
                total += width[0]
                if len(rows) * width[0] > limits.max_cells or total > limits.max_cells:
                    raise ImportRefused(
                        path,
                        f"HTML table {len(stack)}: more than {limits.max_cells:,} cells "
                        f"({len(rows):,} rows × {width[0]:,} columns after colspan)",
                    )
    except etree.LxmlError as exc:
        raise ImportRefused(path, f"unreadable HTML ({_first_line(exc)})") from None


def _row_cells(tr: object, pending: dict[int, int], limits: ReadLimits) -> list[str]:
    """One row's cells: colspan fills with "", cells under a rowspan from above stay "" too."""
    cells: list[str] = []

    def fill_pending() -> None:
        while len(cells) in pending:
            column = len(cells)
            cells.append("")
            pending[column] -= 1
            if pending[column] <= 0:
                del pending[column]

    for cell in tr.iterchildren("td", "th"):  # type: ignore[attr-defined]
        fill_pending()
        start = len(cells)
        cells.append(" ".join("".join(cell.itertext()).split()))
        colspan = _span(cell.get("colspan"), limits.max_colspan)
        cells.extend([""] * (colspan - 1))
        rowspan = _span(cell.get("rowspan"), limits.max_rowspan)
        if rowspan > 1:
            for column in range(start, start + colspan):
                pending[column] = rowspan - 1
    fill_pending()
    for column in [c for c in pending if c >= len(cells)]:  # rows shorter than a span above
        pending[column] -= 1
        if pending[column] <= 0:
            del pending[column]
    return cells


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
