"""The tables. Every stage of DESIGN.md's flow reads or writes these; bulk paths use their
`__table__` with SQLAlchemy core, never one ORM object per row."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from batch_dialer.campaigns.attempt_states import AttemptState, TaskState
from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.db_types import UTCDateTime

__all__ = [
    "CallAttempt",
    "CallTask",
    "Campaign",
    "Contact",
    "ContactTag",
    "DoNotCall",
    "ImportBatch",
    "ImportBatchContact",
    "Lease",
    "Opportunity",
    "RejectedRow",
    "table_of",
]


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _created() -> Any:
    """Filled by SQLAlchemy on insert, so core bulk inserts get it too."""
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, default=utcnow))


def _new_salt() -> str:
    return secrets.token_hex(3)


def _int(default: int) -> Any:
    return Field(
        default=default,
        sa_column=Column(Integer, nullable=False, default=default, server_default=str(default)),
    )


def _status(default: str) -> Any:
    return Field(
        default=default,
        sa_column=Column(String(16), nullable=False, default=default, server_default=default),
    )


def _json(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


def _fk(target: str, index: bool = True, nullable: bool = False, ondelete: str | None = None) -> Any:
    return Field(
        default=None,
        sa_column=Column(Integer, ForeignKey(target, ondelete=ondelete), index=index, nullable=nullable),
    )


class ImportBatch(SQLModel, table=True):
    """One import of one file: the counts say where every row went."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    file_name: str = Field(max_length=500)
    file_sha256: str | None = Field(default=None, max_length=64, index=True)
    file_format: str | None = Field(default=None, max_length=32)
    encoding: str | None = Field(default=None, max_length=32)
    sheet: str | None = Field(default=None, max_length=200)
    tag: str | None = Field(default=None, max_length=100)
    mapping: dict[str, str] | None = _json()
    status: str = _status("running")  # running | done | failed
    rows: int = _int(0)
    blank_rows: int = _int(0)
    imported: int = _int(0)
    updated: int = _int(0)
    duplicates: int = _int(0)
    rejected: int = _int(0)
    opportunities: int = _int(0)
    rejects_file: str | None = Field(default=None, max_length=1000)
    created_at: datetime = _created()
    finished_at: datetime | None = _ts()


class Contact(SQLModel, table=True):
    """A person we may call, keyed by the normalised phone number (national digits)."""

    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    phone: str = Field(sa_column=Column(String(32), nullable=False, unique=True))
    phone_kind: str | None = Field(default=None, max_length=16)  # mobile | landline | tollfree
    name: str | None = Field(default=None, max_length=200)
    company: str | None = Field(default=None, max_length=300)
    extra: dict[str, Any] | None = _json()
    first_batch_id: int | None = _fk("import_batch.id", nullable=True, ondelete="SET NULL")
    push_status: str = _status("pending")  # pending | pushed | present | failed
    push_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    pushed_at: datetime | None = _ts()
    created_at: datetime = _created()
    updated_at: datetime = _created()


class ContactTag(SQLModel, table=True):
    __tablename__ = "contact_tag"

    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    )
    tag: str = Field(sa_column=Column(String(100), primary_key=True, index=True))


class ImportBatchContact(SQLModel, table=True):
    """Which contacts a batch touched, so a campaign can target `--batch ID` (new and updated)."""

    __tablename__ = "import_batch_contact"

    batch_id: int = Field(
        sa_column=Column(Integer, ForeignKey("import_batch.id", ondelete="CASCADE"), primary_key=True)
    )
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    row_number: int | None = None
    outcome: str = _status("imported")  # imported | updated


class Opportunity(SQLModel, table=True):
    """A sales opportunity (商机): one per contact and product."""

    __tablename__ = "opportunity"
    __table_args__ = (UniqueConstraint("contact_id", "product", name="uq_opportunity_contact_product"),)

    id: int | None = Field(default=None, primary_key=True)
    # no index of its own: uq_opportunity_contact_product leads with contact_id
    contact_id: int = _fk("contact.id", index=False, ondelete="CASCADE")
    product: str = Field(max_length=300)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    qq: str | None = Field(default=None, max_length=32)
    # no index: only `import --push` of one batch filters on it, paging by id; batches are never deleted
    batch_id: int | None = _fk("import_batch.id", index=False, nullable=True, ondelete="SET NULL")
    push_status: str = _status("pending")
    push_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    pushed_at: datetime | None = _ts()
    created_at: datetime = _created()
    updated_at: datetime = _created()


class RejectedRow(SQLModel, table=True):
    """An input row we could not import, kept with its original values and the reason."""

    __tablename__ = "rejected_row"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = _fk("import_batch.id", ondelete="CASCADE")
    row_number: int
    reason: str = Field(max_length=64)  # a stable code, e.g. invalid_phone, scientific_notation, dnc
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    values: dict[str, Any] | None = _json()


class DoNotCall(SQLModel, table=True):
    __tablename__ = "do_not_call"

    phone: str = Field(sa_column=Column(String(32), primary_key=True))
    reason: str | None = Field(default=None, max_length=300)
    added_at: datetime = _created()


class Campaign(SQLModel, table=True):
    """What to call, when, how often, and within which limits."""

    __tablename__ = "campaign"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    kind: str = Field(max_length=16)  # tts | captcha | soap_tts
    status: str = Field(default="draft", max_length=16, index=True)
    # draft | scheduled | running | paused | completed | cancelled
    status_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    audience: dict[str, Any] | None = _json()
    toneid: int | None = None
    tts: dict[str, str] | None = _json()  # ttsXXX variable -> template with {placeholders}
    captcha: dict[str, Any] | None = _json()  # line, playtimes, precallcount, extnum, code_field
    start_at: datetime | None = _ts()
    cron: str | None = Field(default=None, max_length=100)
    end_at: datetime | None = _ts()
    windows: list[str] | None = _json()  # ["09:00-12:00", "14:00-21:00"]
    days: str | None = Field(default=None, max_length=64)  # "mon-fri"
    tz: str = Field(default="Asia/Shanghai", max_length=64)
    max_attempts: int = _int(3)
    retry: dict[str, list[int]] | None = _json()  # outcome -> delays in seconds
    cap_count: int | None = None
    cap_period_s: int | None = None
    channels: int = _int(10)
    max_queue: int = _int(0)
    rate_per_min: int | None = None
    priority: int = _int(1)
    key_labels: dict[str, str] | None = _json()
    ivr_max_seconds: int = _int(180)  # after state=1, how long keys may still arrive
    result_deadline_s: int = _int(1800)  # a placed call with no final result by then is `unknown`
    token_salt: str = Field(
        default_factory=_new_salt, sa_column=Column(String(16), nullable=False, default=_new_salt)
    )
    report_cron: str | None = Field(default=None, max_length=100)
    report_dir: str | None = Field(default=None, max_length=1000)
    created_at: datetime = _created()
    started_at: datetime | None = _ts()
    finished_at: datetime | None = _ts()
    masked_at: datetime | None = _ts()  # retention masked its numbers (see campaigns/retention.py)


class CallTask(SQLModel, table=True):
    """One contact in one campaign; its state only moves by compare-and-set."""

    __tablename__ = "call_task"
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id", name="uq_task_campaign_contact"),
        Index("ix_task_due", "campaign_id", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = _fk("campaign.id", index=False, ondelete="CASCADE")
    contact_id: int = _fk("contact.id", ondelete="CASCADE")
    phone: str = Field(max_length=32, index=True)
    state: str = _status(TaskState.PENDING.value)
    # pending | in_flight | done | invalid | exhausted | dnc | cancelled | unknown
    attempts: int = _int(0)  # real placements
    claims: int = _int(0)  # attempt numbers handed out (a claim may be abandoned unplaced)
    next_attempt_at: datetime | None = _ts()
    last_outcome: str | None = Field(default=None, max_length=16)
    keys: dict[str, str] | None = _json()
    created_at: datetime = _created()
    updated_at: datetime = _created()
    final_at: datetime | None = _ts()


class CallAttempt(SQLModel, table=True):
    """One placement of one task, identified at the centre by its unique token."""

    __tablename__ = "call_attempt"
    __table_args__ = (
        UniqueConstraint("task_id", "attempt_no", name="uq_attempt_task_no"),
        Index("ix_attempt_campaign_state", "campaign_id", "state"),
        Index("ix_attempt_phone_placed", "phone", "placed_at"),
        Index("ix_attempt_poll", "state", "next_poll_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = _fk("call_task.id", ondelete="CASCADE")
    campaign_id: int = _fk("campaign.id", index=False, ondelete="CASCADE")
    attempt_no: int
    phone: str = Field(max_length=32)
    token: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    state: str = _status(AttemptState.QUEUED.value)
    # queued | placed | final | unknown | abandoned
    outcome: str | None = Field(default=None, max_length=16)
    # answered | busy | power_off | empty | failed | unknown
    centre_state: int | None = None
    centre_ref: str | None = Field(default=None, max_length=64)  # e.g. the SOAP makeCall id
    dials: int = _int(1)  # dials the centre made for this attempt (a centre that retries itself: several)
    keys: dict[str, str] | None = _json()
    code: str | None = Field(default=None, max_length=16)  # captcha code; never logged
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    claimed_at: datetime = _created()
    lease_until: datetime | None = _ts()
    placed_at: datetime | None = _ts()
    answered_at: datetime | None = _ts()
    poll_deadline: datetime | None = _ts()
    next_poll_at: datetime | None = _ts()
    finished_at: datetime | None = _ts()


class Lease(SQLModel, table=True):
    """A named lease (e.g. the active scheduler) for the embedded mode without Redis."""

    __tablename__ = "lease"

    name: str = Field(sa_column=Column(String(100), primary_key=True))
    holder: str = Field(max_length=200)
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


def table_of(model: type[SQLModel]) -> Table:
    """The core `Table` behind a model, for bulk statements (typed, unlike `Model.__table__`)."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table
