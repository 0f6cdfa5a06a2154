"""Users, API tokens and sessions in the database: what `dialer user/token` and sign-in call.

Lock-out: after ``failures`` wrong passwords in a row a user is locked for ``lock_for``; while locked
even the right password is refused, and a success resets the count.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from batch_dialer.campaigns.access_models import ROLES, ApiToken, User, WebSession
from batch_dialer.campaigns.models import table_of
from batch_dialer.web.password_hashing import DUMMY_HASH, hash_password, verify_password

__all__ = [
    "AccessError",
    "Identity",
    "LoginResult",
    "authenticate",
    "check_password_rule",
    "check_role",
    "create_session",
    "create_token",
    "create_user",
    "drop_session",
    "identity_for_token",
    "list_tokens",
    "list_users",
    "revoke_token",
    "session_identity",
    "sha256_hex",
]

_user = table_of(User)
_token = table_of(ApiToken)
_session = table_of(WebSession)
TOKEN_PREFIX = "dlr_"


class AccessError(Exception):
    """A user or token command that cannot be done (duplicate name, unknown role); one line."""


@dataclass(frozen=True)
class Identity:
    """Who is asking: a signed-in user (with the session's CSRF token) or an API token."""

    name: str
    role: str
    via: Literal["session", "token"]
    csrf_token: str | None = None

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    user_id: int | None = None
    locked_until: datetime | None = None


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccessError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role


def check_password_rule(password: str) -> str:
    if len(password) < 8:
        raise AccessError("the password must have at least 8 characters")
    return password


def create_user(engine: Engine, name: str, role: str, password: str) -> int:
    name = name.strip()
    if not name:
        raise AccessError("a user needs a name")
    check_password_rule(password)
    values = {"name": name, "role": check_role(role), "password_hash": hash_password(password)}
    try:
        with engine.begin() as conn:
            return int(conn.execute(insert(_user).values(**values).returning(_user.c.id)).scalar_one())
    except IntegrityError:
        raise AccessError(f"a user named {name!r} already exists") from None


def list_users(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                _user.c.name, _user.c.role, _user.c.locked_until, _user.c.last_login_at, _user.c.disabled_at
            ).order_by(_user.c.name)
        ).all()
    return [dict(row._mapping) for row in rows]


def create_token(engine: Engine, name: str, role: str = "manager") -> str:
    """A new bearer token; the only time its value is known is the return value."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    values = {"name": name.strip(), "role": check_role(role), "token_sha256": sha256_hex(token)}
    if not values["name"]:
        raise AccessError("a token needs a name")
    try:
        with engine.begin() as conn:
            conn.execute(insert(_token).values(**values))
    except IntegrityError:
        raise AccessError(f"an active token named {name!r} already exists") from None
    return token


def list_tokens(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                _token.c.name, _token.c.role, _token.c.created_at, _token.c.last_used_at, _token.c.revoked_at
            ).order_by(_token.c.name)
        ).all()
    return [dict(row._mapping) for row in rows]


def revoke_token(engine: Engine, name: str, now: datetime) -> None:
    with engine.begin() as conn:
        moved = conn.execute(
            update(_token).where(_token.c.name == name, _token.c.revoked_at.is_(None)).values(revoked_at=now)
        ).rowcount
    if not moved:
        raise AccessError(f"no active token named {name!r}")


def identity_for_token(engine: Engine, token: str, now: datetime) -> Identity | None:
    with engine.begin() as conn:
        row = conn.execute(
            select(_token.c.id, _token.c.name, _token.c.role).where(
                _token.c.token_sha256 == sha256_hex(token), _token.c.revoked_at.is_(None)
            )
        ).first()
        if row is None:
            return None
        conn.execute(update(_token).where(_token.c.id == row.id).values(last_used_at=now))
    return Identity(row.name, row.role, "token")


def authenticate(
    engine: Engine, name: str, password: str, now: datetime, failures: int, lock_for: timedelta
) -> LoginResult:
    """Check a password with the lock-out rule; never tells whether the name exists."""
    with engine.connect() as conn:
        row = conn.execute(
            select(_user.c.id, _user.c.password_hash, _user.c.locked_until, _user.c.disabled_at).where(
                _user.c.name == name.strip()
            )
        ).first()
    # every refusal costs one scrypt, so an unknown, disabled or locked name answers as slowly as a
    # wrong password
    if row is None or row.disabled_at is not None:
        verify_password(password, DUMMY_HASH)
        return LoginResult(False)
    if row.locked_until is not None and row.locked_until > now:
        verify_password(password, DUMMY_HASH)
        return LoginResult(False, locked_until=row.locked_until)
    if verify_password(password, row.password_hash):
        with engine.begin() as conn:
            conn.execute(
                update(_user)
                .where(_user.c.id == row.id)
                .values(failed_logins=0, locked_until=None, last_login_at=now)
            )
        return LoginResult(True, user_id=row.id)
    with engine.begin() as conn:
        count = int(
            conn.execute(
                update(_user)
                .where(_user.c.id == row.id)
                .values(failed_logins=_user.c.failed_logins + 1)
                .returning(_user.c.failed_logins)
            ).scalar_one()
        )
        if count >= failures:
            until = now + lock_for
            conn.execute(
                update(_user).where(_user.c.id == row.id).values(failed_logins=0, locked_until=until)
            )
            return LoginResult(False, locked_until=until)
    return LoginResult(False)


def create_session(engine: Engine, user_id: int, now: datetime, lifetime: timedelta) -> str:
    """A new session; returns the cookie value (only its digest is stored)."""
    session_id = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(delete(_session).where(_session.c.expires_at <= now))
        conn.execute(
            insert(_session).values(
                id_sha256=sha256_hex(session_id),
                user_id=user_id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + lifetime,
            )
        )
    return session_id


def session_identity(engine: Engine, session_id: str, now: datetime) -> Identity | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(_user.c.name, _user.c.role, _session.c.csrf_token)
            .join(_user, _user.c.id == _session.c.user_id)
            .where(
                _session.c.id_sha256 == sha256_hex(session_id),
                _session.c.expires_at > now,
                _user.c.disabled_at.is_(None),
            )
        ).first()
    return None if row is None else Identity(row.name, row.role, "session", row.csrf_token)


def drop_session(engine: Engine, session_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(_session).where(_session.c.id_sha256 == sha256_hex(session_id)))
