"""Who may use the web console and the JSON API: users, API tokens and sign-in sessions.

Secrets are never stored as given: passwords as scrypt hashes, API tokens and session ids as
SHA-256 digests (they are long random strings, so a plain digest is enough), so a copy of the
database does not let anyone sign in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Text, text
from sqlmodel import Field, SQLModel

from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.db_types import UTCDateTime

__all__ = ["ROLES", "ApiToken", "ImportJobRow", "User", "WebSession"]

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
    disabled_at: datetime | None = _ts()  # a disabled user cannot sign in; the row stays for the record


class ApiToken(SQLModel, table=True):
    """A bearer token for API clients (a CRM); shown once at creation, stored as its SHA-256.

    A name is unique among the tokens not revoked, so a revoked token's name can be given again
    while the revoked row stays for the record.
    """

    __tablename__ = "api_token"
    __table_args__ = (
        Index(
            "uq_api_token_active_name",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(100), nullable=False))
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


class ImportJobRow(SQLModel, table=True):
    """An upload between "received" and "imported or discarded", so a restart of `dialer web` finds
    its files again (and expires or removes them) instead of orphaning them."""

    __tablename__ = "import_job"

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    owner: str = Field(max_length=100)
    display_name: str = Field(max_length=300)
    directory: str = Field(max_length=64)  # a folder name inside the console's work_dir
    source_name: str = Field(max_length=64)  # the uploaded file inside that folder
    sheet: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    overrides: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(max_length=16)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    tag: str | None = Field(default=None, max_length=200)
    batch_id: int | None = None
    created_at: datetime = _created()
    touched_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
