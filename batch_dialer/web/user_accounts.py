"""Managing console users after they exist: disable / enable, remove, reset a password, change a role,
end their sessions. What `dialer user …` and the managers' users page call.

Every change that lowers what a user may do (disable, remove, new password, new role) also ends the
user's sessions, so it takes effect on the next request and not when the cookie runs out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, Engine, delete, select, update

from batch_dialer.campaigns.access_models import User, WebSession
from batch_dialer.campaigns.models import table_of
from batch_dialer.web.access_store import AccessError, check_password_rule, check_role
from batch_dialer.web.password_hashing import hash_password

__all__ = [
    "UserAction",
    "change_role",
    "end_sessions",
    "remove_user",
    "reset_password",
    "set_disabled",
]

_user = table_of(User)
_session = table_of(WebSession)

UserAction = Literal["disable", "enable", "remove", "password", "role", "sessions"]


def _user_id(conn: Connection, name: str) -> int:
    found = conn.scalar(select(_user.c.id).where(_user.c.name == name.strip()))
    if found is None:
        raise AccessError(f"no user named {name!r}")
    return int(found)


def _end(conn: Connection, user_id: int) -> int:
    return int(conn.execute(delete(_session).where(_session.c.user_id == user_id)).rowcount or 0)


def _other_managers(conn: Connection, user_id: int) -> int:
    return len(
        conn.scalars(
            select(_user.c.id).where(
                _user.c.role == "manager", _user.c.disabled_at.is_(None), _user.c.id != user_id
            )
        ).all()
    )


def _keep_a_manager(conn: Connection, user_id: int, what: str) -> None:
    """Refuse to leave the console without any active manager (nobody could undo it from the web)."""
    role = conn.scalar(select(_user.c.role).where(_user.c.id == user_id))
    if role == "manager" and _other_managers(conn, user_id) == 0:
        raise AccessError(f"cannot {what} the last active manager")


def end_sessions(engine: Engine, name: str) -> int:
    """Sign the user out everywhere; the number of sessions ended."""
    with engine.begin() as conn:
        return _end(conn, _user_id(conn, name))


def set_disabled(engine: Engine, name: str, disabled: bool, now: datetime) -> None:
    """A disabled user cannot sign in and its sessions end; enabling also lifts a lock-out."""
    with engine.begin() as conn:
        user_id = _user_id(conn, name)
        if disabled:
            _keep_a_manager(conn, user_id, "disable")
            conn.execute(update(_user).where(_user.c.id == user_id).values(disabled_at=now))
            _end(conn, user_id)
        else:
            conn.execute(
                update(_user)
                .where(_user.c.id == user_id)
                .values(disabled_at=None, locked_until=None, failed_logins=0)
            )


def remove_user(engine: Engine, name: str) -> None:
    """Delete the user and its sessions (uploads keep the owner's name as text)."""
    with engine.begin() as conn:
        user_id = _user_id(conn, name)
        _keep_a_manager(conn, user_id, "remove")
        _end(conn, user_id)
        conn.execute(delete(_user).where(_user.c.id == user_id))


def reset_password(engine: Engine, name: str, password: str) -> None:
    """A new password (scrypt-hashed); the user's sessions end and a lock-out is lifted."""
    digest = hash_password(check_password_rule(password))
    with engine.begin() as conn:
        user_id = _user_id(conn, name)
        conn.execute(
            update(_user)
            .where(_user.c.id == user_id)
            .values(password_hash=digest, locked_until=None, failed_logins=0)
        )
        _end(conn, user_id)


def change_role(engine: Engine, name: str, role: str) -> None:
    """Manager or viewer; the user signs in again to get the new role's pages."""
    role = check_role(role)
    with engine.begin() as conn:
        user_id = _user_id(conn, name)
        if role != "manager":
            _keep_a_manager(conn, user_id, "demote")
        conn.execute(update(_user).where(_user.c.id == user_id).values(role=role))
        _end(conn, user_id)
