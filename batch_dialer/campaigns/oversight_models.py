"""What the console needs to tell the truth and answer "who did what": engine heartbeats, audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.db_types import UTCDateTime

__all__ = ["AuditEvent", "EngineHeartbeat"]


class EngineHeartbeat(SQLModel, table=True):
    """One dialling engine (`dialer run`, `dialer scheduler`): what it does, and when it last said so."""

    __tablename__ = "engine_heartbeat"

    engine_id: str = Field(sa_column=Column(String(100), primary_key=True))
    role: str = Field(max_length=32)  # run | scheduler
    host: str = Field(max_length=200)
    pid: int
    campaign_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True, index=True))
    activity: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    beat_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class AuditEvent(SQLModel, table=True):
    """Who did what to which campaign, and every dial (its number only as a hash). Never updated."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_campaign_at", "campaign_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True, default=utcnow)
    )
    actor: str = Field(max_length=100)  # a console user's name, "cli", or "engine"
    action: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    campaign_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    subject: str | None = Field(default=None, max_length=300)  # campaign or file name, user name …
    phone_hash: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
