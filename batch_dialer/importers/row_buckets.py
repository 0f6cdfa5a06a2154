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
from batch_dialer.importers.phone_numbers import normalise_phone, normalise_phone_array
from batch_dialer.importers.reading import Chunk

__all__ = ["FIELD_LIMITS", "Candidates", "ParsedChunk", "parse_chunk"]

# Column widths of the contact / opportunity tables: PostgreSQL would refuse longer values.
FIELD_LIMITS = {"name": 200, "company": 300, "product": 300, "comment": 4000, "qq": 32}
_INTEGRAL = re.compile(r"(\d+)\.0+")
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


@dataclass
class Candidates:
    """Rows with a valid phone, in file order: parallel object arrays (None where empty)."""

    row_numbers: np.ndarray  # int64
    phones: np.ndarray
    kinds: np.ndarray
    names: np.ndarray
    companies: np.ndarray
    products: np.ndarray
    comments: np.ndarray
    qqs: np.ndarray
    extras_json: np.ndarray  # the extra fields as stored (JSON text)
    positions: np.ndarray  # row positions inside the chunk frame
    extra_codes: np.ndarray  # index into extra_dicts per row
    extra_dicts: list[dict[str, str] | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.phones)

    def extras_at(self, i: int) -> dict[str, str] | None:
        return self.extra_dicts[int(self.extra_codes[i])]


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
    positions = np.flatnonzero(nonempty)
    raw_phones = arrays[columns.fields["phone"]][positions]
    phones, kinds, reasons = normalise_phone_array(raw_phones)

    rejects: list[Reject] = []
    blank_rows = int(len(frame) - len(positions))
    bad = np.flatnonzero(reasons != "")
    blank_mask = np.zeros(len(positions), dtype=bool)
    for local in bad.tolist():
        position = int(positions[local])
        reason = str(reasons[local])
        if reason == "missing_phone" and not any(str(arr[position]).strip() for arr in arrays):
            blank_mask[local] = True  # whitespace-only row: blank, not rejected
            continue
        detail = normalise_phone(str(raw_phones[local])).detail if reason != "missing_phone" else None
        rejects.append(Reject(int(chunk.row_numbers[position]), reason, detail, values_at(position)))
    blank_rows += int(blank_mask.sum())

    good_local = np.flatnonzero(reasons == "") if len(bad) else np.arange(len(positions))
    good = positions[good_local]
    extra_codes, extra_dicts, extra_texts = _extras(arrays, columns, good)
    candidates = Candidates(
        row_numbers=chunk.row_numbers[good].astype(np.int64),
        phones=phones[good_local],
        kinds=kinds[good_local],
        names=_field(arrays, columns, "name", good),
        companies=_field(arrays, columns, "company", good),
        products=_field(arrays, columns, "product", good),
        comments=_field(arrays, columns, "comment", good),
        qqs=_field(arrays, columns, "qq", good, _integral),
        extras_json=extra_texts[extra_codes],
        positions=good,
        extra_codes=extra_codes,
        extra_dicts=extra_dicts,
    )
    return ParsedChunk(blank_rows, int(len(positions) - blank_mask.sum()), rejects, candidates, values_at)


def _field(
    arrays: list[np.ndarray],
    columns: ColumnMap,
    name: str,
    positions: np.ndarray,
    clean: Callable[[str], str] | None = None,
) -> np.ndarray:
    """Stripped, cut to the column width, None when blank."""
    pos = columns.fields.get(name)
    if pos is None:
        return np.full(len(positions), None, dtype=object)
    limit = FIELD_LIMITS[name]
    # Each distinct value is cleaned once: products, comments, companies and cities repeat a lot
    # in every list (a column of unique values costs a hash pass more than cleaning each cell).
    codes, uniques = pd.factorize(arrays[pos][positions], use_na_sentinel=False)
    values = [(v.strip()[:limit] or None) if v else None for v in uniques.tolist()]
    if clean is not None:
        values = [clean(v) if v else v for v in values]
    cleaned = np.empty(len(values), dtype=object)
    cleaned[:] = values
    return cleaned[codes] if len(cleaned) else np.full(len(positions), None, dtype=object)


def _integral(value: str) -> str:
    match = _INTEGRAL.fullmatch(value)
    return match.group(1) if match else value


def _extras(
    arrays: list[np.ndarray], columns: ColumnMap, positions: np.ndarray
) -> tuple[np.ndarray, list[dict[str, str] | None], np.ndarray]:
    """Per row a code into the distinct combinations of extra values, each combination built
    and encoded once: lists repeat the same few values (city, level…). Returns (codes, dicts,
    JSON texts), None where a row has no extra value."""
    if not columns.extras:
        return np.zeros(len(positions), dtype=np.intp), [None], np.array([None], dtype=object)
    labels = [columns.header[p] for p in columns.extras]
    picked = [arrays[p][positions] for p in columns.extras]
    codes = np.zeros(len(positions), dtype=np.int64)
    for values in picked:
        column_codes, uniques = pd.factorize(values)
        codes, _ = pd.factorize(codes * len(uniques) + column_codes)
    # factorize numbers values in order of appearance: a row is a combination's first exactly
    # when its code exceeds every code before it
    before = np.maximum.accumulate(np.concatenate(([-1], codes[:-1]))) if len(codes) else codes
    first = np.flatnonzero(codes > before)
    dicts: list[dict[str, str] | None] = []
    for row in first.tolist():
        extra = {
            label: v.strip()
            for label, v in zip(labels, (p[row] for p in picked), strict=True)
            if v and v.strip()
        }
        dicts.append(extra or None)
    texts = np.empty(len(dicts), dtype=object)
    texts[:] = [_ENCODE(extra) if extra else None for extra in dicts]
    return codes.astype(np.intp), dicts, texts
