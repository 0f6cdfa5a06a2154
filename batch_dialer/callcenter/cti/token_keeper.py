"""Keeps one agent's CTI token fresh for a shift: re-authenticates before ``expiresAt``.

The document has no refresh operation, so renewing means signing in again; the keeper holds the
user name and the MD5 of the password in this process's memory only (never a file, a log line or a
database column) and drops them on ``forget()``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from batch_dialer.callcenter.cti.auth_client import CtiAuthClient, CtiGrant

__all__ = ["CtiTokenKeeper"]


class CtiTokenKeeper:
    """``current()`` returns a grant valid for at least ``margin`` more, signing in again when needed."""

    def __init__(
        self,
        client: CtiAuthClient,
        username: str,
        password_md5: str,
        now: Callable[[], datetime],
        margin: timedelta,
    ) -> None:
        self._client = client
        self._username = username
        self._password_md5: str | None = password_md5
        self._now = now
        self._margin = margin
        self._grant: CtiGrant | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"CtiTokenKeeper(username={self._username!r}, password=***)"

    @property
    def username(self) -> str:
        return self._username

    def current(self, force: bool = False) -> CtiGrant:
        with self._lock:
            if self._password_md5 is None:
                raise RuntimeError("the CTI credential was forgotten; sign in again")
            grant = self._grant
            if force or grant is None or grant.due_for_refresh(self._now(), self._margin):
                grant = self._client.authenticate(self._username, self._password_md5)
                self._grant = grant
            return grant

    def forget(self) -> None:
        with self._lock:
            self._password_md5 = None
            self._grant = None
