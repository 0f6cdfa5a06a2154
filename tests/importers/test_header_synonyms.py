"""Headers managers' lists really use map without --map (issue 14: 号码, 客户号码, 联系方式 …)."""

from __future__ import annotations

import pytest

from batch_dialer.importers.header_mapping import map_columns


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("客户号码", "phone"),
        ("联系号码", "phone"),
        ("被叫号码", "phone"),
        ("号码", "phone"),
        ("联系方式", "phone"),
        ("客户名字", "name"),
        ("所属公司", "company"),
        ("客户单位", "company"),
    ],
)
def test_synonym_maps_to_its_field(header: str, field: str) -> None:
    columns = map_columns(["备注", header], {}, 2)
    assert columns.fields[field] == 1
