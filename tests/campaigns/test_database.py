"""The schema: alembic builds it on both databases and it matches the models exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from batch_dialer.campaigns.database import (
    SQLITE_BUSY_TIMEOUT_S,
    DatabaseError,
    current_revision,
    head_revision,
    make_engine,
    open_database,
)
from batch_dialer.campaigns.models import (
    CallAttempt,
    CallTask,
    Campaign,
    Contact,
    ContactTag,
    DoNotCall,
    ImportBatch,
    Opportunity,
    RejectedRow,
    SQLModel,
)


def test_the_written_schema_head_is_alembics_newest_migration() -> None:
    """Processes check their database against SCHEMA_HEAD without importing alembic; a new migration
    must move it too, or every database would look out of date (or a stale one current)."""
    from alembic.script import ScriptDirectory

    from batch_dialer.campaigns.database import MIGRATIONS, SCHEMA_HEAD

    assert ScriptDirectory(str(MIGRATIONS)).get_current_head() == SCHEMA_HEAD


def test_schema_is_at_head_and_matches_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_models_round_trip(engine: Engine) -> None:
    when = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
    with Session(engine) as s:
        batch = ImportBatch(file_name="客户.xlsx", rows=2, imported=1, rejected=1, mapping={"手机": "phone"})
        s.add(batch)
        s.flush()
        contact = Contact(phone="13800138000", name="张三", extra={"QQ": "12345"}, first_batch_id=batch.id)
        s.add(contact)
        s.flush()
        assert contact.id is not None
        s.add(ContactTag(contact_id=contact.id, tag="vip"))
        s.add(Opportunity(contact_id=contact.id, product="呼叫中心", qq="12345", batch_id=batch.id))
        s.add(RejectedRow(batch_id=batch.id, row_number=3, reason="invalid_phone", values={"手机": "123"}))
        s.add(DoNotCall(phone="13900139000", reason="客户要求"))
        camp = Campaign(name="满意度回访", kind="tts", windows=["09:00-21:00"], retry={"busy": [600]})
        s.add(camp)
        s.flush()
        task = CallTask(campaign_id=camp.id, contact_id=contact.id, phone=contact.phone, next_attempt_at=when)
        s.add(task)
        s.flush()
        s.add(
            CallAttempt(
                task_id=task.id,
                campaign_id=camp.id,
                attempt_no=1,
                phone=contact.phone,
                token=f"c{camp.id}-t{task.id}-a1",
            )
        )
        s.commit()
    with Session(engine) as s:
        task_back = s.exec(select(CallTask)).scalars().one()
        assert task_back.next_attempt_at == when  # aware UTC back from both databases
        assert task_back.next_attempt_at.tzinfo is not None
        contact_back = s.exec(select(Contact)).scalars().one()
        assert contact_back.extra == {"QQ": "12345"}
        assert contact_back.name == "张三"


def test_unique_phone_and_opportunity(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(Contact.__table__), [{"phone": "13800138000", "push_status": "pending"}])  # type: ignore[arg-type]
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(Contact.__table__), [{"phone": "13800138000", "push_status": "pending"}])  # type: ignore[arg-type]


def test_foreign_keys_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError), Session(engine) as s:
        s.add(Opportunity(contact_id=999999, product="x"))
        s.commit()


def test_naive_datetime_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), Session(engine) as s:
        s.add(DoNotCall(phone="1", added_at=datetime(2026, 1, 1) + timedelta(0)))
        s.commit()


def test_new_sqlite_file_is_brought_up_to_date_by_itself(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = open_database(url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == int(SQLITE_BUSY_TIMEOUT_S * 1000)
    finally:
        engine.dispose()


def test_postgres_is_not_upgraded_behind_operators_back(pg_url: str) -> None:
    with pytest.raises(DatabaseError, match="dialer db upgrade"):
        open_database(pg_url)


def test_unreachable_database_is_one_clear_line() -> None:
    with pytest.raises(DatabaseError) as info:
        open_database("postgresql+psycopg://nobody:s3cret@127.0.0.1:1/none")
    message = str(info.value)
    assert "cannot open database" in message
    assert "s3cret" not in message
    assert "\n" not in message


def test_unsupported_database_url() -> None:
    with pytest.raises(DatabaseError, match="unsupported database"):
        make_engine("mysql://u@h/db")
