"""Landlines and 400/800 numbers judged by phonenumbers' own CN metadata, without `phonenumbers.parse`.

`parse` + `is_valid_number` + `number_type` + `format_number` cost ~100 µs per number; a list with
thousands of distinct landlines spends most of its phone time there. This module replays the same
steps on the same metadata with precompiled patterns, for the plain shapes only (`0` + national
number, `+86`/`0086` + national number, or a bare 400/800-style number). Anything it is not sure
about returns None and goes through phonenumbers as before; `tests/importers` checks that the two
agree on every number this module accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from phonenumbers import PhoneMetadata
from phonenumbers.phonemetadata import NumberFormat, PhoneNumberDesc

__all__ = ["national_by_pattern"]

_META = PhoneMetadata.metadata_for_region("CN")
assert _META is not None and _META.general_desc is not None
_COUNTRY_CODE = str(_META.country_code)  # "86"
_NATIONAL_PREFIX = re.compile(_META.national_prefix_for_parsing or r"(?!)")
_IDD = re.compile(_META.international_prefix or r"(?!)")
_WITH_COUNTRY_CODE = re.compile(rf"(?:\+|00){_COUNTRY_CODE}(\d+)")
_FIRST_GROUP = re.compile(r"(\\\d)")  # phonenumbers' _FIRST_GROUP_PATTERN
_NON_DIGIT = re.compile(r"\D")


@dataclass(frozen=True)
class _Desc:
    lengths: frozenset[int]
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, desc: PhoneNumberDesc | None) -> _Desc | None:
        if desc is None or not desc.national_number_pattern:
            return None
        return cls(frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern))

    def matches(self, number: str) -> bool:
        """phonenumbers' `_is_number_matching_desc`."""
        if self.lengths and len(number) not in self.lengths:
            return False
        return self.pattern.fullmatch(number) is not None


@dataclass(frozen=True)
class _Format:
    leading: re.Pattern[str] | None
    pattern: re.Pattern[str]
    national_rule: str  # the format with the national prefix rule applied, as format_number does

    @classmethod
    def of(cls, fmt: NumberFormat) -> _Format:
        rule = fmt.format or ""
        if fmt.national_prefix_formatting_rule:
            rule = _FIRST_GROUP.sub(fmt.national_prefix_formatting_rule, rule, count=1)
        leading = re.compile(fmt.leading_digits_pattern[-1]) if fmt.leading_digits_pattern else None
        return cls(leading, re.compile(fmt.pattern or ""), rule)


_GENERAL = _Desc.of(_META.general_desc)
_ACCEPTED: list[tuple[_Desc, str]] = [  # in phonenumbers' `_number_type_helper` order
    (desc, kind)
    for desc, kind in (
        (_Desc.of(_META.toll_free), "tollfree"),
        (_Desc.of(_META.shared_cost), "tollfree"),
    )
    if desc is not None
]
_BEFORE_ACCEPTED = [d for d in map(_Desc.of, [_META.premium_rate]) if d is not None]
_BEFORE_FIXED = [
    d
    for d in map(_Desc.of, [_META.voip, _META.personal_number, _META.pager, _META.uan, _META.voicemail])
    if d is not None
]
_FIXED = _Desc.of(_META.fixed_line)
_FORMATS = [_Format.of(fmt) for fmt in _META.number_format]


def national_by_pattern(compact: str) -> tuple[str, str] | None:
    """(national digits, "landline" | "tollfree") for `compact` (digits, maybe a leading +), or None
    when the number needs `phonenumbers.parse` (anything unusual, invalid or of another kind)."""
    if not compact.isascii():
        return None  # other scripts' digits (\d matches them): phonenumbers knows what they mean
    national = _national_number(compact)
    if national is None:
        return None
    kind = _kind(national)
    if kind is None:
        return None
    return _formatted(national), kind


def _national_number(compact: str) -> str | None:
    """The national significant number exactly as `parse(compact, "CN")` would find it, for the
    shapes where that is plain; None for the rest."""
    with_code = _WITH_COUNTRY_CODE.fullmatch(compact)
    if with_code:
        national = with_code.group(1)
    elif compact.startswith("0") and not _IDD.match(compact):
        national = compact[1:]  # the national prefix; "0" + a number that needs no other stripping
    elif compact.isdigit() and not compact.startswith(_COUNTRY_CODE) and not _IDD.match(compact):
        national = compact
    else:
        return None
    if not national or _NATIONAL_PREFIX.match(national):
        return None  # a carrier code or a second prefix: phonenumbers' own rules decide
    return national


def _kind(national: str) -> str | None:
    if _GENERAL is None or not _GENERAL.matches(national):
        return None
    if any(desc.matches(national) for desc in _BEFORE_ACCEPTED):
        return None
    for desc, kind in _ACCEPTED:
        if desc.matches(national):
            return kind
    if any(desc.matches(national) for desc in _BEFORE_FIXED):
        return None
    if _FIXED is not None and _FIXED.matches(national):
        return "landline"
    return None


def _formatted(national: str) -> str:
    """`format_number(..., NATIONAL)` with the separators dropped."""
    for fmt in _FORMATS:
        if fmt.leading is not None and not fmt.leading.match(national):
            continue
        if fmt.pattern.fullmatch(national):
            return _NON_DIGIT.sub("", fmt.pattern.sub(fmt.national_rule, national))
    return national
