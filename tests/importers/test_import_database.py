"""The database side of the import on SQLite and PostgreSQL: updates, re-imports, DNC, dry runs."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError

from batch_dialer.campaigns.audience import batch_members
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.models import Contact
from batch_dialer.importers import ImportRefused, import_file
from batch_dialer.importers.do_not_call import add_to_dnc, import_dnc_file, list_dnc, remove_from_dnc
from tests.importers.file_builders import HEADER, write_csv, write_xlsx

ROWS: list[list[object]] = [
    [*HEADER, "城市"],
    ["张三", "13800138000", "甲公司", "宽带", "老客户", "北京"],
    ["李四", "13900139000", "乙公司", "", "", ""],
    ["张三", "+8613800138000", "", "电视", "", ""],
    ["赵六", "010-62345678", "丙公司", "宽带", "", "广州"],
    ["钱七", "abc", "", "", "", ""],
]


def snapshot(engine: Engine) -> dict[str, list[Any]]:
    tables = {
        "contact": "select phone, phone_kind, name, company, extra, first_batch_id, updated_at from contact",
        "opportunity": "select contact_id, product, comment, qq, batch_id from opportunity",
        "tags": "select contact_id, tag from contact_tag",
    }
    with engine.connect() as conn:
        return {name: sorted(map(tuple, conn.execute(text(sql))), key=repr) for name, sql in tables.items()}


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"select count(*) from {table}")).scalar_one())


def test_second_import_of_the_same_file_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", ROWS)
    first = import_file(path, engine, tag="五月")
    assert (first.imported, first.updated, first.duplicates, first.rejected, first.opportunities) == (
        3,
        0,
        1,
        1,
        3,
    )
    before = snapshot(engine)
    second = import_file(path, engine, tag="五月")
    assert (second.imported, second.updated, second.duplicates, second.rejected, second.opportunities) == (
        0, 3, 1, 1, 0,
    )  # fmt: skip
    assert snapshot(engine) == before
    assert len(before["tags"]) == 3
    with engine.connect() as conn:
        members = {
            batch: set(conn.scalars(batch_members([batch])))
            for batch in (first.batch_id or 0, second.batch_id or 0)
        }
        links = conn.execute(
            text("select batch_id, outcome, count(*) from import_batch_contact group by 1, 2")
        )
        batches = conn.execute(
            text("select status, rows, imported, updated, rejected from import_batch")
        ).all()
        link_counts = sorted(map(tuple, links))
    # both batches hold the same three contacts: created by the first, updated by the second
    assert (
        len(members[first.batch_id or 0]) == 3
        and members[first.batch_id or 0] == members[second.batch_id or 0]
    )
    assert link_counts == [(second.batch_id, "updated", 3)]  # created contacts need no link row
    assert sorted(map(tuple, batches)) == [("done", 5, 0, 3, 1), ("done", 5, 3, 0, 1)]
    assert count(engine, "rejected_row") == 2


def test_existing_contact_is_updated_not_duplicated(engine: Engine, tmp_path: Path) -> None:
    import_file(write_csv(tmp_path / "a.csv", ROWS), engine)
    later = write_xlsx(
        tmp_path / "b.xlsx",
        [
            ["手机", "姓名", "公司", "会员"],
            [13800138000, "", "新公司", "金卡"],
            [13700137000, "新人", "", ""],
        ],
    )
    result = import_file(later, engine)
    assert (result.imported, result.updated) == (1, 1)
    with engine.connect() as conn:
        table = Contact.__table__  # type: ignore[attr-defined]
        query = select(table.c.name, table.c.company, table.c.extra).where(table.c.phone == "13800138000")
        row = conn.execute(query).one()
    assert row[0] == "张三" and row[1] == "新公司"  # a blank name in the new file erases nothing
    assert row[2] == {"城市": "北京", "会员": "金卡"}
    assert count(engine, "contact") == 4


def test_do_not_call_numbers_are_rejected(engine: Engine, tmp_path: Path) -> None:
    change = add_to_dnc(engine, ["138-0013-8000", "+86 139 0013 9000", "bogus"], reason="客户要求")
    assert (change.added, change.already, change.invalid) == (2, 0, [("bogus", "invalid_phone")])
    assert add_to_dnc(engine, ["13800138000"]).already == 1
    result = import_file(write_csv(tmp_path / "a.csv", ROWS), engine)
    assert result.rejected_by_reason == {"dnc": 3, "invalid_phone": 1}  # 张三 twice, 李四 once
    assert (result.imported, result.duplicates) == (1, 0)
    assert remove_from_dnc(engine, ["13900139000", "13700137000"]).removed == 1
    assert [e.phone for e in list_dnc(engine)] == ["13800138000"]
    dnc_file = write_csv(tmp_path / "dnc.csv", [["号码"], ["13600136000"], ["13600136000"], ["x"]])
    assert import_dnc_file(dnc_file, engine).added == 1


def test_dry_run_reports_the_same_and_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", ROWS)
    dry = import_file(path, engine, dry_run=True, tag="x")
    assert dry.batch_id is None and dry.rejects_file is None and not list(tmp_path.glob("*.xlsx"))
    for table in ("import_batch", "contact", "opportunity", "rejected_row", "contact_tag"):
        assert count(engine, table) == 0
    real = import_file(path, engine)
    assert dry.summary() | {"batch_id": real.batch_id, "rejects_file": real.rejects_file} == real.summary()
    again = import_file(path, engine, dry_run=True)
    assert (again.updated, again.opportunities) == (3, 0)


# --- the invariant over random files -------------------------------------------------------------

cells = st.one_of(
    st.sampled_from(["13800138000", "13900139000", "138 0013 8000", "010-62345678", "4008001234"]),
    st.sampled_from(["", " ", "1.38E+10", "12345", "abc", "13800138000.0", "+86 137 0013 7000"]),
    st.text(alphabet="0123456789-+ ", max_size=13),
)
rows_strategy = st.lists(
    st.tuples(cells, st.sampled_from(["", "宽带", "电视"]), st.sampled_from(["", "甲"])), max_size=25
)


@given(rows_strategy)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_row_lands_in_exactly_one_bucket(
    sqlite_engine: Engine, rows: list[tuple[str, str, str]]
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = write_csv(
            Path(directory) / "r.csv", [["手机", "产品", "姓名"], *rows, ["13500135000", "", ""]]
        )
        result = import_file(path, sqlite_engine, chunk_rows=7)
    non_blank = sum(1 for r in rows if any(c.strip() for c in r)) + 1
    assert result.rows == non_blank
    assert result.rows == result.imported + result.updated + result.duplicates + result.rejected
    assert result.rejected == sum(result.rejected_by_reason.values())
    assert result.blank_rows == len(rows) + 1 - non_blank


def test_import_connection_is_returned_with_foreign_keys_on(sqlite_url: str, tmp_path: Path) -> None:
    """The import turns SQLite's foreign-key checks off for its own inserts; the pooled
    connection must come back checking them, after a commit and after a failure."""
    engine = open_database(sqlite_url, pool_size=1, max_overflow=0)
    try:
        import_file(write_csv(tmp_path / "a.csv", ROWS), engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        with pytest.raises(ImportRefused):
            import_file(tmp_path / "missing.csv", engine)
        broken = write_csv(tmp_path / "b.csv", [["手机", "产品"], ["13700137000", "x" * 10]])
        with engine.begin() as conn:  # inserting opportunities fails half-way
            conn.exec_driver_sql("CREATE TRIGGER no_opportunities BEFORE INSERT ON opportunity "
                                 "BEGIN SELECT RAISE(ABORT, 'refused'); END")  # fmt: skip
        with pytest.raises(IntegrityError):
            import_file(broken, engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert (
                conn.exec_driver_sql("select count(*) from contact where phone = '13700137000'").scalar() == 0
            )
            orphan = (
                "insert into opportunity (contact_id, product, push_status, created_at, updated_at) "
                "values (999999, 'x', 'pending', '2024-01-01', '2024-01-01')"
            )
            with pytest.raises(IntegrityError):  # checks really are on again
                conn.exec_driver_sql(orphan)
    finally:
        engine.dispose()
