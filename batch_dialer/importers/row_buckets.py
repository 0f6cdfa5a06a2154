"""One chunk of raw rows -> blank rows, rows rejected for their phone, and clean candidate rows.

Pure and vectorised where it counts; de-duplication and database checks happen in `batch_import`,
which sees every chunk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from batch_dialer.importers.bulk_writer import Reject
from batch_dialer.importers.header_mapping import ColumnMap
from batch_dialer.importers.phone_numbers import normalise_phone, normalise_phone_series
from batch_dialer.importers.reading import Chunk

__all__ = ["FIELD_LIMITS", "Candidates", "ParsedChunk", "parse_chunk"]

# Column widths of the contact / opportunity tables: PostgreSQL would refuse longer values.
FIELD_LIMITS = {"name": 200, "company": 300, "product": 300, "comment": 4000, "qq": 32}
_INTEGRAL = re.compile(r"(\d+)\.0+")
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


@dataclass
class Candidates:
    """Rows with a valid phone, in file order (parallel lists)."""

    row_numbers: list[int] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    names: list[str | None] = field(default_factory=list)
    companies: list[str | None] = field(default_factory=list)
    products: list[str | None] = field(default_factory=list)
    comments: list[str | None] = field(default_factory=list)
    qqs: list[str | None] = field(default_factory=list)
    extras: list[dict[str, str] | None] = field(default_factory=list)
    extras_json: list[str | None] = field(default_factory=list)  # the same, encoded for storage
    positions: list[int] = field(default_factory=list)  # row positions inside the chunk frame


@dataclass
class ParsedChunk:
    blank_rows: int
    rows: int  # non-blank rows
    rejects: list[Reject]
    candidates: Candidates
    values_at: Callable[[int], dict[str, str]]  # original values of the row at a frame position


def parse_chunk(chunk: Chunk, columns: ColumnMap) -> ParsedChunk:
    frame = chunk.frame
    header = columns.header
    arrays = [frame[col].to_numpy(dtype=object) for col in frame.columns]

    def values_at(position: int) -> dict[str, str]:
        return {
            header[i]: str(arr[position]) for i, arr in enumerate(arrays) if i < len(header) and arr[position]
        }

    nonempty = np.zeros(len(frame), dtype=bool)
    for arr in arrays:
        nonempty |= arr != ""
    phone_pos = columns.fields["phone"]
    positions = np.flatnonzero(nonempty)
    raw_phones = pd.Series(arrays[phone_pos][positions], dtype=object)
    phones, kinds, reasons = normalise_phone_series(raw_phones)
    reasons_arr = reasons.to_numpy(dtype=object)

    rejects: list[Reject] = []
    blank_rows = int(len(frame) - len(positions))
    bad = np.flatnonzero(reasons_arr != "")
    blank_mask = np.zeros(len(positions), dtype=bool)
    for local in bad:
        position = int(positions[local])
        reason = str(reasons_arr[local])
        if reason == "missing_phone" and not any(str(arr[position]).strip() for arr in arrays):
            blank_mask[local] = True  # whitespace-only row: blank, not rejected
            continue
        detail = (
            normalise_phone(str(raw_phones.iat[int(local)])).detail if reason != "missing_phone" else None
        )
        rejects.append(Reject(int(chunk.row_numbers[position]), reason, detail, values_at(position)))
    blank_rows += int(blank_mask.sum())

    good_local = np.flatnonzero(reasons_arr == "")
    good_positions = positions[good_local]
    candidates = Candidates(
        row_numbers=chunk.row_numbers[good_positions].astype(int).tolist(),
        phones=phones.to_numpy(dtype=object)[good_local].tolist(),
        kinds=kinds.to_numpy(dtype=object)[good_local].tolist(),
        positions=good_positions.tolist(),
    )
    candidates.names = _field(arrays, columns, "name", good_positions)
    candidates.companies = _field(arrays, columns, "company", good_positions)
    candidates.products = _field(arrays, columns, "product", good_positions)
    candidates.comments = _field(arrays, columns, "comment", good_positions)
    candidates.qqs = [_integral(v) for v in _field(arrays, columns, "qq", good_positions)]
    candidates.extras, candidates.extras_json = _extras(arrays, columns, good_positions)
    return ParsedChunk(blank_rows, int(len(positions) - blank_mask.sum()), rejects, candidates, values_at)


def _field(
    arrays: list[np.ndarray], columns: ColumnMap, name: str, positions: np.ndarray
) -> list[str | None]:
    pos = columns.fields.get(name)
    if pos is None:
        return [None] * len(positions)
    limit = FIELD_LIMITS[name]
    return [(v.strip()[:limit] or None) if v else None for v in arrays[pos][positions].tolist()]


def _integral(value: str | None) -> str | None:
    if value is None:
        return None
    match = _INTEGRAL.fullmatch(value)
    return match.group(1) if match else value


def _extras(
    arrays: list[np.ndarray], columns: ColumnMap, positions: np.ndarray
) -> tuple[list[dict[str, str] | None], list[str | None]]:
    """Extra fields per row, as dicts and as stored JSON; rows repeat the same few values
    (city, level…), so each distinct combination is built and encoded once per chunk."""
    if not columns.extras:
        return [None] * len(positions), [None] * len(positions)
    labels = [columns.header[p] for p in columns.extras]
    picked = [arrays[p][positions].tolist() for p in columns.extras]
    cache: dict[tuple[str, ...], tuple[dict[str, str] | None, str | None]] = {}
    dicts: list[dict[str, str] | None] = []
    texts: list[str | None] = []
    for values in zip(*picked, strict=True):
        built = cache.get(values)
        if built is None:
            extra = {
                label: v.strip() for label, v in zip(labels, values, strict=True) if v and v.strip()
            } or None
            built = (extra, _ENCODE(extra) if extra else None)
            cache[values] = built
        dicts.append(built[0])
        texts.append(built[1])
    return dicts, texts
