"""Tables of the 800ing centre: pushes and events we received, and the agent accounts we dial from.

Kept out of models.py: only the 800ing adapter, its webhooks and the ``callback`` kind use them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.db_types import UTCDateTime

__all__ = ["Ing800Account", "Ing800Push"]


class Ing800Push(SQLModel, table=True):
    """One push / callback / stream event, once: ``dedup_key`` is unique, a repeat only bumps ``times_seen``.

    ``source``: push (§2.7 at our endpoint) | stream (§2.3/§2.4) | push_list (§2.11) | key (§2.10).
    ``paramvalue`` is our attempt token (§2.2), the link back to the attempt.
    """

    __tablename__ = "ing800_push"
    __table_args__ = (Index("ix_ing800_push_phone_received", "phone", "received_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    source: str = Field(sa_column=Column(String(16), nullable=False))
    push_type: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    cdr_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    paramvalue: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    phone: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    extension: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    ivr_keys: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    talk_seconds: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    outcome: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    hangup_reason: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    record_file: str | None = Field(default=None, sa_column=Column(String(500), nullable=True))
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    times_seen: int = Field(
        default=1, sa_column=Column(Integer, nullable=False, default=1, server_default="1")
    )
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, default=utcnow)
    )
    applied_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class Ing800Account(SQLModel, table=True):
    """An agent account; ``secret`` is the Fernet token of its password MD5 (key kept elsewhere)."""

    __tablename__ = "ing800_account"

    extension: str = Field(sa_column=Column(String(32), primary_key=True))
    secret: str = Field(sa_column=Column(Text, nullable=False))
    label: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    # the attempt token holding this account's one call (claimed by compare-and-set), None when free
    busy_token: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    busy_since: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    added_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, default=utcnow)
    )
