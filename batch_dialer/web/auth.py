"""Who is asking, for pages and for the API: a session cookie or an ``Authorization: Bearer`` token.

Pages without a session redirect to the sign-in page; the API answers 401 without credentials and
403 when a viewer asks for a manager's action.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException
from starlette.requests import Request
from starlette.responses import Response

from batch_dialer.web.access_store import Identity, identity_for_token, session_identity
from batch_dialer.web.app_state import web_state

__all__ = [
    "SESSION_COOKIE",
    "ApiManager",
    "ApiUser",
    "PageManager",
    "PageUser",
    "SignInRequired",
    "clear_session_cookie",
    "identify",
    "set_session_cookie",
]

SESSION_COOKIE = "dialer_session"


class SignInRequired(Exception):
    """A page asked for without a session; the app turns it into a redirect to /login."""


def identify(request: Request) -> Identity | None:
    if hasattr(request.state, "identity"):
        cached: Identity | None = request.state.identity
        return cached
    state = web_state(request)
    now = state.clock.now()
    identity: Identity | None = None
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        identity = identity_for_token(state.engine, credentials.strip(), now)
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            identity = session_identity(state.engine, cookie, now)
    request.state.identity = identity
    return identity


def _api_user(request: Request) -> Identity:
    identity = identify(request)
    if identity is None:
        raise HTTPException(
            401,
            "需要登录或 API 令牌 / authentication required (session cookie or Authorization: Bearer)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return identity


def _api_manager(identity: Annotated[Identity, Depends(_api_user)]) -> Identity:
    if not identity.is_manager:
        raise HTTPException(403, f"角色 {identity.role} 无权执行此操作 / this needs the manager role")
    return identity


def _page_user(request: Request) -> Identity:
    identity = identify(request)
    if identity is None:
        raise SignInRequired()
    return identity


def _page_manager(identity: Annotated[Identity, Depends(_page_user)]) -> Identity:
    if not identity.is_manager:
        raise HTTPException(403, "只有管理员可以执行此操作 / this needs the manager role")
    return identity


ApiUser = Annotated[Identity, Depends(_api_user)]
ApiManager = Annotated[Identity, Depends(_api_manager)]
PageUser = Annotated[Identity, Depends(_page_user)]
PageManager = Annotated[Identity, Depends(_page_manager)]


def set_session_cookie(request: Request, response: Response, session_id: str, lifetime: timedelta) -> None:
    secure = web_state(request).web.secure_cookie or request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
