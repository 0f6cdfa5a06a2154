"""Who may use the web console and the JSON API: users, API tokens and sign-in sessions.

Secrets are never stored as given: passwords as scrypt hashes, API tokens and session ids as
SHA-256 digests (they are long random strings, so a plain digest is enough), so a copy of the
database does not let anyone sign in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.db_types import UTCDateTime

__all__ = ["ROLES", "ApiToken", "User", "WebSession"]

#: manager: everything; viewer: read-only (pages, progress, reports); agent: the desk (坐席工作台).
ROLES: tuple[str, ...] = ("manager", "viewer", "agent")


def _ts(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, default=utcnow))


class User(SQLModel, table=True):
    """A console user; `failed_logins` and `locked_until` implement the lock-out."""

    __tablename__ = "web_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=300)
    failed_logins: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, default=0, server_default="0")
    )
    locked_until: datetime | None = _ts()
    created_at: datetime = _created()
    last_login_at: datetime | None = _ts()


class ApiToken(SQLModel, table=True):
    """A bearer token for API clients (a CRM); shown once at creation, stored as its SHA-256."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    role: str = Field(max_length=16)
    token_sha256: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = _created()
    last_used_at: datetime | None = _ts()
    revoked_at: datetime | None = _ts()


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random id, the row its SHA-256 and the CSRF token."""

    __tablename__ = "web_session"

    id_sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("web_user.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    csrf_token: str = Field(max_length=64)
    created_at: datetime = _created()
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
