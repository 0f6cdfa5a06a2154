"""Phone normalisation: examples of every accepted shape and reason, and properties over many inputs."""

from __future__ import annotations

import re

import pandas as pd
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch_dialer.importers.cn_number_patterns import national_by_pattern
from batch_dialer.importers.phone_numbers import (
    MOBILE_PATTERN,
    mask_phone,
    national_by_phonenumbers,
    normalise_phone,
    normalise_phone_series,
)


@pytest.mark.parametrize(
    ("raw", "phone", "kind"),
    [
        ("13800138000", "13800138000", "mobile"),
        ("１３８００１３８０００", "13800138000", "mobile"),
        (" +86 138-0013-8000 ", "13800138000", "mobile"),
        ("0086 13800138000", "13800138000", "mobile"),
        ("(+86)138 0013 8000", "13800138000", "mobile"),
        ("13800138000.0", "13800138000", "mobile"),
        ('="13800138000"', "13800138000", "mobile"),
        ("'13800138000", "13800138000", "mobile"),
        ("010-62345678", "01062345678", "landline"),
        ("（010）62345678", "01062345678", "landline"),
        ("+86 21 6234 5678", "02162345678", "landline"),
        ("0755-8888 8888", "075588888888", "landline"),
        ("400-800-1234", "4008001234", "tollfree"),
        ("800 810 8888", "8008108888", "tollfree"),
    ],
)
def test_accepted_shapes(raw: str, phone: str, kind: str) -> None:
    result = normalise_phone(raw)
    assert (result.phone, result.kind, result.reason) == (phone, kind, None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "missing_phone"),
        ("   ", "missing_phone"),
        ("1.38E+10", "scientific_notation"),
        ("1.38001E+10", "scientific_notation"),
        ("1.3800138e10", "scientific_notation"),
        ("12345", "invalid_phone"),
        ("62345678", "invalid_phone"),  # landline without area code
        ("14012345678", "invalid_phone"),  # no such mobile range
        ("138001380001", "invalid_phone"),
        ("+1 650 253 0000", "invalid_phone"),
        ("无", "invalid_phone"),
        ("010-62345678转801", "invalid_phone"),
        ("13800138000/13900139000", "multiple_phones"),
        ("13800138000，13900139000", "multiple_phones"),
        ("13800138000 13900139000", "multiple_phones"),
    ],
)
def test_rejected_with_stable_reason(raw: str, reason: str) -> None:
    result = normalise_phone(raw)
    assert result.phone is None and result.reason == reason


def test_mask() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("01062345678") == "010****5678"


_FULL_WIDTH = str.maketrans("0123456789+()-", "０１２３４５６７８９＋（）－")


@st.composite
def cn_mobiles(draw: st.DrawFn) -> str:
    """Valid CN mobiles by phonenumbers' own judgement."""
    prefix = draw(
        st.sampled_from(["130", "135", "138", "139", "150", "158", "166", "177", "186", "189", "199"])
    )
    number = prefix + draw(st.text("0123456789", min_size=8, max_size=8))
    assert phonenumbers.is_valid_number(phonenumbers.parse(number, "CN"))
    return number


@st.composite
def dressed(draw: st.DrawFn, number: str) -> str:
    """The number as people type it: prefixes, separators, full-width digits, padding."""
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "(+86)"]))
    groups = [number[:3], number[3:7], number[7:]]
    body = draw(st.sampled_from([" ", "-", "", " - "])).join(groups)
    text = prefix + body
    if draw(st.booleans()):
        text = text.translate(_FULL_WIDTH)
    return draw(st.sampled_from(["", " ", "\t"])) + text + draw(st.sampled_from(["", " "]))


@given(st.data(), cn_mobiles())
@settings(max_examples=300)
def test_any_dressing_of_a_mobile_normalises_to_its_digits(data: st.DataObject, number: str) -> None:
    raw = data.draw(dressed(number))
    assert normalise_phone(raw).phone == number


@given(st.text(max_size=30))
@settings(max_examples=500)
def test_never_raises_and_is_idempotent(raw: str) -> None:
    result = normalise_phone(raw)
    assert (result.phone is None) != (result.reason is None)
    if result.phone:
        assert re.fullmatch(r"\d{7,12}", result.phone)
        again = normalise_phone(result.phone)
        assert (again.phone, again.kind) == (result.phone, result.kind)


@given(st.lists(st.one_of(cn_mobiles(), st.text(alphabet="0123456789+-. E", max_size=14)), max_size=40))
@settings(max_examples=100)
def test_vectorised_path_agrees_with_the_scalar_one(values: list[str]) -> None:
    phones, kinds, reasons = normalise_phone_series(pd.Series(values, dtype=object))
    for i, value in enumerate(values):
        one = normalise_phone(value)
        assert (phones[i], kinds[i], reasons[i]) == (one.phone or "", one.kind or "", one.reason or "")


def test_fast_path_pattern_is_phonenumbers_own() -> None:
    assert re.fullmatch(MOBILE_PATTERN, "13800138000")
    assert not re.fullmatch(MOBILE_PATTERN, "14012345678")


def _cn_patterns() -> list[str]:
    meta = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    assert meta is not None
    descs = [meta.fixed_line, meta.toll_free, meta.shared_cost, meta.general_desc]
    return [f"(?:{d.national_number_pattern})" for d in descs if d and d.national_number_pattern]


_CN_PATTERNS = _cn_patterns()


@st.composite
def pattern_numbers(draw: st.DrawFn) -> str:
    """National numbers drawn from phonenumbers' own landline / 400 / 800 patterns, as people write
    them (trunk 0, +86, 0086, bare) — and some that only look like them."""
    pattern = draw(st.sampled_from(_CN_PATTERNS))
    national = draw(st.from_regex(pattern, fullmatch=True))
    national = national.translate(str.maketrans("", "", "\n"))
    prefix = draw(st.sampled_from(["", "0", "+86", "0086", "86", "00", "+", "1795"]))
    return prefix + national


@given(pattern_numbers())
@settings(max_examples=1500)
def test_pattern_fast_path_agrees_with_phonenumbers(compact: str) -> None:
    fast = national_by_pattern(compact)
    if fast is not None:
        slow = national_by_phonenumbers(compact)
        assert (slow.phone, slow.kind) == fast


@pytest.mark.parametrize(
    ("compact", "expected"),
    [
        ("01062345678", ("01062345678", "landline")),
        ("+862162345678", ("02162345678", "landline")),
        ("008675588888888", ("075588888888", "landline")),
        ("4008001234", ("4008001234", "tollfree")),
        ("8008108888", ("8008108888", "tollfree")),
        ("13800138000", None),  # mobiles have their own path
        ("62345678", None),  # no area code: phonenumbers says why
        ("001062345678", None),
    ],
)
def test_pattern_fast_path_takes_the_plain_shapes(compact: str, expected: tuple[str, str] | None) -> None:
    assert national_by_pattern(compact) == expected


# --- invisible characters and Unicode dashes (issue 9 item 6) ----------------------------------------
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202c"]
DASHES = ["\u2014", "\uff0d", "\u2012", "\u2013", "\u2010", "\u2011", "\u2212", "-"]


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("138\u20140013\u20148000", "13800138000"),  # em dash
        ("138\uff0d0013\uff0d8000", "13800138000"),  # full-width hyphen-minus
        ("010\u201262345678", "01062345678"),  # figure dash
        ("400\u2013800\u20131234", "4008001234"),  # en dash
        ("\ufeff13800138000", "13800138000"),  # BOM left at the start of a cell
        ("1380013\u200b8000", "13800138000"),  # zero-width space inside
        ("13800138000\u2060", "13800138000"),  # word joiner at the end
        ("\u200b\u00a0138 0013 8000\u3000", "13800138000"),
    ],
)
def test_invisible_characters_and_unicode_dashes_are_cleaned(raw: str, phone: str) -> None:
    assert normalise_phone(raw).phone == phone
    phones, _, reasons = normalise_phone_series(pd.Series([raw, raw, "13800138000"]))
    assert phones.tolist() == [phone, phone, "13800138000"] and set(reasons) == {""}


_VALID = ["13800138000", "15912345678", "01062345678", "075588888888", "4008001234", "8008108888"]


@settings(max_examples=300, deadline=None)
@given(
    number=st.sampled_from(_VALID) | st.from_regex(r"\A1[3-9][0-9]{9}\Z"),
    inserts=st.lists(
        st.tuples(st.integers(min_value=0, max_value=12), st.sampled_from(INVISIBLE + DASHES)), max_size=6
    ),
)
def test_a_valid_number_is_never_rejected_for_invisible_characters_or_dashes(
    number: str, inserts: list[tuple[int, str]]
) -> None:
    clean = normalise_phone(number)
    cell = number
    for position, char in inserts:
        cell = cell[:position] + char + cell[position:]
    dirty = normalise_phone(cell)
    assert (dirty.phone, dirty.kind, dirty.reason) == (clean.phone, clean.kind, clean.reason), repr(cell)
