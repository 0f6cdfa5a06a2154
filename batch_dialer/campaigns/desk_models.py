"""Tables of the agent desk (preview dialing by people on the CTI phone bar).

An offered contact is an ordinary ``call_attempt`` in ``queued`` (its own ``lease_until`` stays NULL, so
the robots' lost-claim recovery never sends it to a worker); ``desk_call`` says which agent holds it,
until when (the desk's lease, renewed by the page's heartbeat), and what the phone bar reported.
No CTI password or token is ever stored: the agent's CTI user name and extension are not secrets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.db_types import UTCDateTime

__all__ = ["DESK_STATES", "CampaignAgent", "CtiAgent", "DeskCall", "DeskReservation"]

#: offline | signed_in (签入) | ready (示闲) | busy (示忙) | rest (小休) | on_call | wrap_up (after hang-up)
DESK_STATES: tuple[str, ...] = ("offline", "signed_in", "ready", "busy", "rest", "on_call", "wrap_up")


def _ts(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


def _user_fk(primary_key: bool = False, index: bool = False) -> Any:
    return Field(
        sa_column=Column(
            Integer,
            ForeignKey("web_user.id", ondelete="CASCADE"),
            primary_key=primary_key,
            nullable=False,
            index=index,
        )
    )


class CtiAgent(SQLModel, table=True):
    """A web user with the role ``agent``, linked to a CTI user name and extension; its desk state."""

    __tablename__ = "cti_agent"

    user_id: int = _user_fk(primary_key=True)
    cti_username: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    ext_no: str | None = Field(default=None, max_length=32)
    desk_state: str = Field(
        default="offline", sa_column=Column(String(16), nullable=False, default="offline")
    )
    state_at: datetime | None = _ts()
    last_seen_at: datetime | None = _ts()
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, default=utcnow)
    )


class CampaignAgent(SQLModel, table=True):
    """A manager assigned this agent to this campaign: its contacts may be offered on the agent's desk."""

    __tablename__ = "campaign_agent"

    campaign_id: int = Field(
        sa_column=Column(Integer, ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    )
    user_id: int = _user_fk(primary_key=True, index=True)
    assigned_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, default=utcnow)
    )


class DeskCall(SQLModel, table=True):
    """One attempt worked on the desk: who held it, the phone bar's events, and the disposition."""

    __tablename__ = "desk_call"
    __table_args__ = (
        Index("ix_desk_call_agent", "agent_id", "disposed_at"),
        Index("ix_desk_call_campaign", "campaign_id", "agent_id"),
    )

    attempt_id: int = Field(
        sa_column=Column(Integer, ForeignKey("call_attempt.id", ondelete="CASCADE"), primary_key=True)
    )
    campaign_id: int = Field(
        sa_column=Column(Integer, ForeignKey("campaign.id", ondelete="CASCADE"), nullable=False)
    )
    task_id: int = Field(
        sa_column=Column(Integer, ForeignKey("call_task.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    agent_id: int = _user_fk()
    offered_at: datetime = _ts(nullable=False)
    lease_until: datetime | None = _ts()  # NULL once disposed, skipped or released
    dialled_at: datetime | None = _ts()
    call_id: str | None = Field(default=None, max_length=64)  # onRing callId
    direction: str | None = Field(default=None, max_length=16)  # INBOUND / OUTBOUND / INTERNAL
    rang_at: datetime | None = _ts()
    agent_answered_at: datetime | None = _ts()  # onAnswer
    callee_answered_at: datetime | None = _ts()  # onCalleeAnswer
    hung_up_at: datetime | None = _ts()  # onHangup
    talk_s: int | None = None  # hang-up minus callee answer
    disposition: str | None = Field(default=None, max_length=16)
    csat: int | None = None  # 满意度 1..5 (the campaign's key labels: 1 = best)
    callback_at: datetime | None = _ts()
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    disposed_at: datetime | None = _ts()
    released_reason: str | None = Field(default=None, max_length=32)  # skipped | lease_expired


class DeskReservation(SQLModel, table=True):
    """A 约定回拨: the task is offered only to ``agent_id`` (from ``due_at``) until that agent works it."""

    __tablename__ = "desk_reservation"

    task_id: int = Field(
        sa_column=Column(Integer, ForeignKey("call_task.id", ondelete="CASCADE"), primary_key=True)
    )
    agent_id: int = _user_fk(index=True)
    due_at: datetime = _ts(nullable=False)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, default=utcnow)
    )
