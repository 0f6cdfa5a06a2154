"""Chinese phone numbers as a call centre dials them, and stable reasons for the ones we refuse.

Clean 11-digit mobiles (the bulk of every list) are recognised with phonenumbers' own CN mobile
pattern in one vectorised pass; everything else is cleaned of its decorations once per distinct
value, then plain landlines and 400/800 numbers are judged on phonenumbers' metadata patterns
(`cn_number_patterns`) and only the rest goes through `phonenumbers.parse`.
"""

from __future__ import annotations

import itertools
import operator
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberFormat, PhoneNumberType

from batch_dialer.importers.cn_number_patterns import national_by_pattern

__all__ = [
    "REASONS",
    "PhoneResult",
    "clean_cell",
    "mask_phone",
    "national_by_phonenumbers",
    "normalise_phone",
    "normalise_phone_array",
    "normalise_phone_series",
]

# Stable reason codes (stored on rejected rows, shown in reports); value = label for the rejects file.
REASONS: dict[str, str] = {
    "missing_phone": "没有电话号码 / no phone number",
    "invalid_phone": "号码无效 / not a valid Chinese number",
    "scientific_notation": "号码被 Excel 改成科学计数法 / damaged by Excel (scientific notation)",
    "multiple_phones": "一格里有多个号码 / several numbers in one cell",
    "dnc": "在免打扰名单 / on the do-not-call list",
    "malformed_row": "行格式错误 / malformed line (wrong number of fields)",
}

_CN_META = PhoneMetadata.metadata_for_region("CN")
assert _CN_META is not None and _CN_META.mobile is not None
MOBILE_PATTERN = f"(?:{_CN_META.mobile.national_number_pattern})"
_MOBILE = re.compile(MOBILE_PATTERN)
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d*)?e[+-]?\d+", re.I)
_INTEGRAL_FLOAT = re.compile(r"(\d+)\.0*")
_EXCEL_TEXT = re.compile(r'=?"(.*)"|\'(.*)')  # ="013812345678" and '013812345678 keep leading zeros
_SEPARATORS = re.compile(r"[\s\-()\[\]./]+")
_SEVERAL = re.compile(r"\d{7,}\D*[,;|、/\\]\D*\d{7,}|\d{7,}\s{2,}\d{7,}|1\d{10}\s+1\d{10}")
_DIALLABLE = re.compile(r"\+?\d{3,20}")
_CN_PREFIX = re.compile(r"(?:\+|00)?86(1\d{10})")
_KINDS = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline",
    PhoneNumberType.TOLL_FREE: "tollfree",
    PhoneNumberType.SHARED_COST: "tollfree",
}


def _cell_cleaning_table() -> dict[int, str | None]:
    """Invisible format characters (zero-width space/joiners, word joiner, BOM, bidi marks, soft hyphen:
    Unicode category Cf) vanish; every dash (category Pd: — ‒ – ‐ …, and the minus sign) becomes "-".
    Full-width forms (－, spaces) are already folded by NFKC before this table applies."""
    table: dict[int, str | None] = {}
    for code in itertools.chain(range(0x10000), range(0xE0000, 0xE0080)):
        category = unicodedata.category(chr(code))
        if category == "Cf":
            table[code] = None
        elif category == "Pd" and code != ord("-"):
            table[code] = "-"
    table[0x2212] = "-"  # MINUS SIGN (category Sm) is typed as a dash in phone cells
    return table


_CELL_CLEANING = _cell_cleaning_table()


def clean_cell(raw: str) -> str:
    """The cell as a person reads it: NFKC-folded, invisible characters removed, dashes unified, trimmed.

    Applied once per distinct value (``normalise_phone`` is cached), never per cell in the hot path."""
    return unicodedata.normalize("NFKC", raw or "").translate(_CELL_CLEANING).strip()


@dataclass(frozen=True)
class PhoneResult:
    """Either `phone` + `kind`, or a `reason` code (and a detail for people)."""

    phone: str | None = None
    kind: str | None = None
    reason: str | None = None
    detail: str | None = None


def mask_phone(phone: str) -> str:
    """138****8000: phone numbers never appear whole in logs."""
    if len(phone) <= 7:
        return phone[:2] + "*" * max(0, len(phone) - 2)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


@lru_cache(maxsize=65536)
def normalise_phone(raw: str) -> PhoneResult:
    """One cell -> national digits as dialled from China (13800138000, 01012345678, 4001234567)."""
    text = clean_cell(raw)
    quoted = _EXCEL_TEXT.fullmatch(text)
    if quoted:
        text = (quoted.group(1) if quoted.group(1) is not None else quoted.group(2)).strip()
    if not text:
        return PhoneResult(reason="missing_phone")
    if _SCIENTIFIC.fullmatch(text):
        return PhoneResult(reason="scientific_notation", detail=f"{text!r} lost its digits in Excel")
    integral = _INTEGRAL_FLOAT.fullmatch(text)
    if integral:
        text = integral.group(1)  # a numeric cell that is an exact integer: 13800138000.0
    if _SEVERAL.search(text):
        return PhoneResult(reason="multiple_phones", detail=f"{text!r}")
    compact = _SEPARATORS.sub("", text)
    cn = _CN_PREFIX.fullmatch(compact)
    if cn:
        compact = cn.group(1)
    if len(compact) == 11 and _MOBILE.fullmatch(compact):
        return PhoneResult(phone=compact, kind="mobile")
    if not _DIALLABLE.fullmatch(compact):
        return PhoneResult(reason="invalid_phone", detail="not a phone number (letters or symbols)")
    by_pattern = national_by_pattern(compact)
    if by_pattern is not None:
        return PhoneResult(phone=by_pattern[0], kind=by_pattern[1])
    return national_by_phonenumbers(compact)


def national_by_phonenumbers(compact: str) -> PhoneResult:
    """The judgement of `phonenumbers` itself on digits (maybe a leading +) without decorations."""
    try:
        number = phonenumbers.parse(compact, "CN")
    except NumberParseException:
        return PhoneResult(reason="invalid_phone", detail="not a phone number")
    if number.country_code != 86:
        return PhoneResult(reason="invalid_phone", detail=f"not a Chinese number (+{number.country_code})")
    if number.extension:
        return PhoneResult(reason="invalid_phone", detail="has an extension")
    if not phonenumbers.is_valid_number(number):
        short = len(phonenumbers.national_significant_number(number)) <= 8
        detail = (
            "landline without area code" if short and not compact.startswith("1") else "not a valid number"
        )
        return PhoneResult(reason="invalid_phone", detail=detail)
    kind = _KINDS.get(phonenumbers.number_type(number))
    if kind is None:
        return PhoneResult(reason="invalid_phone", detail="not a mobile, landline or 400/800 number")
    national = re.sub(r"\D", "", phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
    return PhoneResult(phone=national, kind=kind)


def normalise_phone_series(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Vectorised `normalise_phone`: (phone or "", kind or "", reason or "") per row, same index."""
    texts = values.astype(object).where(values.notna(), "").astype(str)
    phones, kinds, reasons = normalise_phone_array(texts.to_numpy(dtype=object))
    return (
        pd.Series(phones, index=texts.index, dtype=object),
        pd.Series(kinds, index=texts.index, dtype=object),
        pd.Series(reasons, index=texts.index, dtype=object),
    )


def normalise_phone_array(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`normalise_phone` over an object array of str: (phone or "", kind or "", reason or "").

    One compiled-regex test per cell picks out clean mobiles; only the rest go through
    `normalise_phone`, once per distinct value."""
    values = texts.tolist()
    matched = map(operator.is_not, map(_MOBILE.fullmatch, values), itertools.repeat(None))
    fast = np.fromiter(matched, dtype=bool, count=len(values))
    phones = np.where(fast, texts, "")
    kinds = np.full(len(values), "", dtype=object)
    kinds[fast] = "mobile"
    reasons = np.full(len(values), "", dtype=object)
    slow = np.flatnonzero(~fast)
    if len(slow):
        results = {value: normalise_phone(value) for value in set(texts[slow].tolist())}
        picked = [results[value] for value in texts[slow].tolist()]
        phones[slow] = [r.phone or "" for r in picked]
        kinds[slow] = [r.kind or "" for r in picked]
        reasons[slow] = [r.reason or "" for r in picked]
    return phones, kinds, reasons
