"""Which column is which: Chinese and English header synonyms, and the user's `--map` overrides."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "FIELDS",
    "HEADER_IS_FIRST_ROW",
    "MAP_TARGETS",
    "SYNONYMS",
    "ColumnMap",
    "find_header_row",
    "map_columns",
    "normalise_label",
    "parse_map_options",
]

# An override key, not a label: when no phone column is found, take the first non-blank row as the
# header anyway, so the web can show the columns and let the manager pick the phone one.
HEADER_IS_FIRST_ROW = "\x00header-is-first-row"

FIELDS = ("name", "phone", "company", "product", "comment", "qq")
MAP_TARGETS = (*FIELDS, "extra", "ignore")

# Order matters: when two columns match one field, the earlier synonym wins (手机 beats 电话).
# fmt: off
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "姓名", "客户姓名", "客户名称", "客户名", "联系人", "联系人姓名", "名字", "客户", "称呼", "name",
        "客户名字", "联系人名称", "用户姓名", "真实姓名",
        "fullname", "contact", "contactname", "customer", "customername",
    ),
    "phone": (
        "手机", "手机号", "手机号码", "移动电话", "手机/电话", "电话", "联系电话", "电话号码", "联系方式",
        "号码", "客户电话", "客户手机", "座机", "固话", "客户号码", "联系号码", "用户号码", "用户电话",
        "用户手机", "被叫号码", "外呼号码", "电话号", "手机号码1", "电话1", "mobile", "mobilephone", "cell",
        "cellphone", "phone", "phonenumber", "tel", "telephone", "telnum", "number",
    ),
    "company": (
        "公司", "公司名称", "单位", "单位名称", "企业", "企业名称", "工作单位", "所在单位", "所属公司",
        "客户公司", "客户单位", "公司名", "company", "companyname", "organization", "organisation", "org",
        "employer",
    ),
    "product": ("意向产品", "产品", "产品名称", "意向", "商品", "product", "productname", "interest"),
    "comment": (
        "备注", "说明", "备注信息", "附注", "描述", "comment", "comments", "remark", "remarks", "note",
        "notes", "memo",
    ),
    "qq": ("qq", "qq号", "qq号码", "qqnumber"),
}
# fmt: on

# Headers that only contain one of these words still identify the field ("客户手机号(必填)").
_CONTAINS = {"phone": ("手机", "电话", "mobile", "phone"), "name": ("姓名",)}
_BRACKETED = re.compile(r"[(\[（【][^)\]）】]*[)\]）】]")
_NOISE = re.compile(r"[\s*:：#_\-.·'\"]+")
_RANK = {(field, label): rank for field, labels in SYNONYMS.items() for rank, label in enumerate(labels)}


def normalise_label(text: str) -> str:
    """Header text as compared: full-width folded, lower case, no brackets, spaces or punctuation."""
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    without = _NOISE.sub("", _BRACKETED.sub("", folded))
    return without or _NOISE.sub("", folded)


def _synonym_field(label: str) -> tuple[str, int] | None:
    for field, labels in SYNONYMS.items():
        if label in labels:
            return field, _RANK[(field, label)]
    for field, words in _CONTAINS.items():
        if any(word in label for word in words):
            return field, 1000
    return None


def parse_map_options(items: Sequence[str]) -> dict[str, str]:
    """`列名=field` pairs from the command line; raises ValueError naming the bad one."""
    overrides: dict[str, str] = {}
    for item in items:
        column, sep, field = item.rpartition("=")
        column, field = column.strip(), field.strip().lower()
        if not sep or not column:
            raise ValueError(f"--map {item!r}: expected 列名=field, e.g. 手机号码=phone")
        if field not in MAP_TARGETS:
            raise ValueError(f"--map {item!r}: unknown field {field!r} (one of {', '.join(MAP_TARGETS)})")
        overrides[column] = field
    return overrides


@dataclass(frozen=True)
class ColumnMap:
    """Positions of the known fields in the header; the other columns become extra fields."""

    header: tuple[str, ...]
    fields: Mapping[str, int]
    extras: tuple[int, ...]

    def as_mapping(self) -> dict[str, str]:
        """Header label -> field, as stored on the import batch."""
        shown = {self.header[pos]: field for field, pos in self.fields.items()}
        shown.update({self.header[pos]: "extra" for pos in self.extras})
        return shown


def _override_for(cell: str, overrides: Mapping[str, str]) -> str | None:
    if cell in overrides and cell != HEADER_IS_FIRST_ROW:
        return overrides[cell]
    label = normalise_label(cell)
    for column, field in overrides.items():
        if column != HEADER_IS_FIRST_ROW and normalise_label(column) == label:
            return field
    return None


def find_header_row(rows: Sequence[Sequence[str]], overrides: Mapping[str, str]) -> int | None:
    """The first row with a phone column: title rows above it are skipped."""
    for index, row in enumerate(rows):
        for cell in row:
            if not cell or not str(cell).strip():
                continue
            override = _override_for(str(cell), overrides)
            if override == "phone":
                return index
            if override is None:
                found = _synonym_field(normalise_label(str(cell)))
                if found and found[0] == "phone":
                    return index
    if HEADER_IS_FIRST_ROW in overrides:
        return next((i for i, row in enumerate(rows) if any(str(c).strip() for c in row if c)), None)
    return None


def map_columns(cells: Sequence[str], overrides: Mapping[str, str], width: int) -> ColumnMap:
    """Map a header row of `width` columns; raises ValueError when a --map column is missing."""
    header = _unique_labels([str(cell).strip() if cell is not None else "" for cell in cells], width)
    unmatched = {
        column
        for column in overrides
        if column != HEADER_IS_FIRST_ROW
        and all(_override_for(cell, {column: "x"}) is None for cell in header)
    }
    if unmatched:
        raise ValueError(f"--map column {sorted(unmatched)[0]!r} is not in the header")
    chosen: dict[str, tuple[int, int]] = {}
    extras: list[int] = []
    for pos, cell in enumerate(header):
        override = _override_for(cell, overrides)
        if override == "ignore":
            continue
        if override == "extra":
            extras.append(pos)
            continue
        candidate = (override, -1) if override else _synonym_field(normalise_label(cell))
        if candidate is None:
            extras.append(pos)
            continue
        field, rank = candidate
        if field not in chosen or rank < chosen[field][1]:
            if field in chosen:
                extras.append(chosen[field][0])
            chosen[field] = (pos, rank)
        else:
            extras.append(pos)
    return ColumnMap(tuple(header), {field: pos for field, (pos, _) in chosen.items()}, tuple(sorted(extras)))


def _unique_labels(cells: list[str], width: int) -> list[str]:
    """Empty header cells get a column name; repeated ones a suffix, so extra fields never collide."""
    cells = (cells + [""] * width)[:width]
    seen: dict[str, int] = {}
    labels = []
    for pos, cell in enumerate(cells):
        label = cell or f"col_{pos + 1}"
        if label in seen:
            seen[label] += 1
            label = f"{label}_{seen[label]}"
        else:
            seen[label] = 1
        labels.append(label)
    return labels
