"""Rows out of any detected format as text, in bounded chunks, with their row numbers in the file.

Every cell is a string ("" when empty) in positional columns 0..width-1; the header row is found
under any title rows and mapped by `header_mapping`.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.errors import ParserError, ParserWarning

from batch_dialer.importers.errors import ImportRefused
from batch_dialer.importers.formats import FileFormat
from batch_dialer.importers.header_mapping import ColumnMap, find_header_row, map_columns
from batch_dialer.importers.isolated_reading import read_isolated
from batch_dialer.importers.line_lengths import MAX_LINE_BYTES, find_long_line
from batch_dialer.importers.read_limits import ReadLimits
from batch_dialer.importers.sheet_loading import HEADER_SEARCH_ROWS, NO_PHONE, load_table

__all__ = ["HEADER_SEARCH_ROWS", "Chunk", "MalformedRow", "TableReader", "open_table"]

_CSV_HEAD_CHARS = 256 * 1024
_BAD_LINE = re.compile(r"Skipping line (\d+): (.*)")


@dataclass(frozen=True)
class Chunk:
    frame: pd.DataFrame  # positional columns, every cell a str
    row_numbers: np.ndarray  # 1-based row (line) numbers in the file or sheet


@dataclass(frozen=True)
class MalformedRow:
    row_number: int
    values: list[str]
    detail: str


@dataclass
class TableReader:
    """One table (sheet, HTML table or CSV body) ready to stream after its header row."""

    path: Path
    fmt: FileFormat
    sheet: str | None
    header_row: int  # 1-based
    columns: ColumnMap
    _chunks: Callable[[], Iterator[Chunk]]
    malformed: list[MalformedRow] = field(default_factory=list)
    fraction_read: float = 0.0
    reader_peak_mb: float | None = None  # the reading child's peak memory (workbooks and HTML only)

    def chunks(self) -> Iterator[Chunk]:
        return self._chunks()


def open_table(
    path: Path,
    fmt: FileFormat,
    *,
    sheet: str | None = None,
    overrides: Mapping[str, str] | None = None,
    chunk_rows: int = 50_000,
    limits: ReadLimits | None = None,
) -> TableReader:
    """Find the table and its header; raises ImportRefused when there is nothing to import.

    Workbooks and HTML tables are read in a memory-limited child (`isolated_reading`); CSV here."""
    overrides = dict(overrides or {})
    if fmt.kind == "csv":
        return _open_csv(path, fmt, overrides, chunk_rows)
    return _open_loaded(path, fmt, sheet, overrides, chunk_rows, limits or ReadLimits.from_environment())


# --- workbooks and HTML tables: read in a limited child process, the table comes back whole --------


def _open_loaded(
    path: Path,
    fmt: FileFormat,
    sheet: str | None,
    overrides: Mapping[str, str],
    chunk_rows: int,
    limits: ReadLimits,
) -> TableReader:
    # absolute: the forkserver's working directory is the one it started in, not necessarily ours
    absolute = path.absolute()
    loaded, peak = read_isolated(path, limits, load_table, absolute, fmt, sheet, dict(overrides), limits)
    frame = loaded.frame
    found = loaded.header_index
    columns = _map(path, frame.iloc[found].tolist(), overrides, frame.shape[1])
    body = frame.iloc[found + 1 :]
    body.columns = pd.RangeIndex(frame.shape[1])
    reader = TableReader(path, fmt, loaded.name, found + 1, columns, lambda: iter(()))
    reader.reader_peak_mb = peak
    reader._chunks = _frame_chunks(reader, body, chunk_rows)
    return reader


def _frame_chunks(reader: TableReader, body: pd.DataFrame, chunk_rows: int) -> Callable[[], Iterator[Chunk]]:
    def chunks() -> Iterator[Chunk]:
        total = len(body)
        for start in range(0, total, chunk_rows):
            part = body.iloc[start : start + chunk_rows]
            yield Chunk(part, part.index.to_numpy() + 1)
            reader.fraction_read = min(1.0, (start + len(part)) / max(total, 1))
        reader.fraction_read = 1.0

    return chunks


# --- CSV / TXT: streamed in chunks, memory stays bounded -------------------------------------------


def _open_csv(path: Path, fmt: FileFormat, overrides: Mapping[str, str], chunk_rows: int) -> TableReader:
    encoding, delimiter = fmt.encoding or "utf-8", fmt.delimiter or ","
    long_line = find_long_line(path)
    if long_line is not None:
        raise ImportRefused(
            path,
            f"line {long_line} is longer than {MAX_LINE_BYTES:,} bytes: no contact row is that long "
            "(is a quote never closed, or is this not a list?)",
        )
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        head_text = handle.read(_CSV_HEAD_CHARS)
        complete = not handle.read(1)
    records, line_after = _head_records(path, head_text, delimiter, complete)
    if not any(any(cell.strip() for cell in record) for record in records):
        raise ImportRefused(path, "the file is empty (only blank lines)")
    found = find_header_row(records[:HEADER_SEARCH_ROWS], overrides)
    if found is None:
        raise ImportRefused(path, NO_PHONE)
    width = max(len(record) for record in records[found:])
    columns = _map(path, records[found], overrides, width)
    skip = line_after[found]
    reader = TableReader(path, fmt, None, skip, columns, lambda: iter(()))

    def chunks() -> Iterator[Chunk]:
        size = max(path.stat().st_size, 1)
        bad_lines: list[int] = []
        with path.open("rb") as raw:
            stream = pd.read_csv(
                raw,
                sep=delimiter,
                encoding=encoding,
                header=None,
                names=list(range(width)),
                skiprows=skip,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                on_bad_lines="warn",
                index_col=False,
                chunksize=chunk_rows,
                engine="c",
            )
            with stream:
                while True:
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always", ParserWarning)
                        try:
                            frame = next(stream)
                        except StopIteration:
                            break
                        except (ParserError, UnicodeDecodeError) as exc:
                            raise ImportRefused(path, f"unreadable CSV ({_first_line(exc)})") from None
                    new_bad = _bad_lines(caught, reader)
                    bad_lines.extend(new_bad)
                    yield Chunk(frame, _line_numbers(frame.index.to_numpy(), skip, bad_lines))
                    reader.fraction_read = min(1.0, raw.tell() / size)
        reader.fraction_read = 1.0
        if reader.malformed:
            _fill_malformed_values(path, encoding, delimiter, reader.malformed)

    reader._chunks = chunks
    return reader


def _head_records(path: Path, text: str, delimiter: str, complete: bool) -> tuple[list[list[str]], list[int]]:
    """Records of the head and, for each, how many physical lines end with it."""
    records: list[list[str]] = []
    line_after: list[int] = []
    stream = io.StringIO(text)
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        for record in reader:
            records.append(record)
            line_after.append(reader.line_num)
            if len(records) >= 1000:
                break
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # a quoted field running over many lines
            raise ImportRefused(
                path, f"line {reader.line_num}: a field longer than {csv.field_size_limit():,} characters"
            ) from None
    if not complete and len(records) > 1 and len(records) < 1000:
        records, line_after = records[:-1], line_after[:-1]  # the head may end inside a record
    return records, line_after


def _bad_lines(caught: Sequence[warnings.WarningMessage], reader: TableReader) -> list[int]:
    numbers = []
    for item in caught:
        for line in str(item.message).splitlines():
            match = _BAD_LINE.match(line.strip())
            if match:
                numbers.append(int(match.group(1)))
                reader.malformed.append(MalformedRow(int(match.group(1)), [], match.group(2)))
    return numbers


def _line_numbers(index: np.ndarray, skip: int, bad_lines: list[int]) -> np.ndarray:
    """Physical line of each row: pandas' index skips the malformed lines it dropped."""
    lines = index.astype(np.int64) + skip + 1
    for bad in sorted(bad_lines):
        lines[lines >= bad] += 1
    return lines


def _fill_malformed_values(path: Path, encoding: str, delimiter: str, rows: list[MalformedRow]) -> None:
    wanted = {row.row_number: i for i, row in enumerate(rows)}
    last = max(wanted)
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            if number in wanted:
                text = line.rstrip("\r\n")
                try:
                    values = next(csv.reader([text], delimiter=delimiter), [])
                except csv.Error:  # e.g. a quote opened on this line: keep the raw pieces
                    values = text.split(delimiter)
                i = wanted[number]
                rows[i] = MalformedRow(number, values, rows[i].detail)
            if number >= last:
                break


# --- shared ------------------------------------------------------------------------------------------


def _map(path: Path, cells: Sequence[Any], overrides: Mapping[str, str], width: int) -> ColumnMap:
    try:
        return map_columns([str(c) for c in cells], overrides, width)
    except ValueError as exc:
        raise ImportRefused(path, str(exc)) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
