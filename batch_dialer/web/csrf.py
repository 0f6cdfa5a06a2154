"""CSRF: every state-changing request made with a session cookie carries the session's token, in a
hidden form field (``csrf_token``) or, for fetch calls, the ``X-CSRF-Token`` header. Bearer-token
clients send no cookie, so they need none."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from fastapi import HTTPException
from starlette.requests import Request

from batch_dialer.web.access_store import Identity

__all__ = ["CSRF_FIELD", "CSRF_HEADER", "check_csrf"]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def check_csrf(request: Request, identity: Identity, form: Mapping[str, Any] | None = None) -> None:
    """Raise 403 unless the request proves it comes from our own page."""
    if identity.via != "session":
        return
    sent = request.headers.get(CSRF_HEADER) or (str(form.get(CSRF_FIELD) or "") if form else "")
    expected = identity.csrf_token or ""
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, "CSRF 校验失败，请刷新页面后重试 / CSRF token missing or wrong")
