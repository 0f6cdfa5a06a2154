"""Sign-in and sign-out pages."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from batch_dialer.web.access_store import authenticate, create_session, drop_session
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import SESSION_COOKIE, PageUser, clear_session_cookie, set_session_cookie
from batch_dialer.web.csrf import check_csrf

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a local path: a sign-in link must never send the user to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    state = web_state(request)
    return state.templates.TemplateResponse(
        request, "login.html", {"next": _safe_next(next), "error": None, "user": None}
    )


def _refused(request: Request, target: str, name: str, now: datetime, until: datetime | None) -> Response:
    """The same page for a wrong name and a wrong password; 429 with the wait once locked out."""
    if until is not None:
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        error = f"登录失败次数过多，请 {minutes} 分钟后再试。"
        status = 429
    else:
        error = "用户名或密码错误。"
        status = 401
    return web_state(request).templates.TemplateResponse(
        request,
        "login.html",
        {"next": target, "error": error, "user": None, "name": name[:100]},
        status_code=status,
        headers={"Retry-After": str(int((until - now).total_seconds()) + 1)} if until else None,
    )


@router.post("/login")
async def login(request: Request) -> Response:
    """Throttled per address and per name; the scrypt check and the database work run in the
    password pool, never on the event loop."""
    state = web_state(request)
    form = await request.form()
    name = str(form.get("username") or "")[:200]
    password = str(form.get("password") or "")[:1024]
    target = _safe_next(str(form.get("next") or "/"))
    client = request.client.host if request.client else "unknown"
    now = state.clock.now()
    refused_until = state.throttle.begin(client, name, now)
    if refused_until is not None:
        return _refused(request, target, name, now, refused_until)
    result = await asyncio.wrap_future(
        state.password_pool.submit(
            authenticate,
            state.engine,
            name,
            password,
            now,
            state.web.lockout_failures,
            timedelta(minutes=state.web.lockout_minutes),
        )
    )
    if not result.ok or result.user_id is None:
        locked = state.throttle.failed(name, now)
        return _refused(request, target, name, now, result.locked_until or locked)
    state.throttle.succeeded(client, name, now)
    lifetime = timedelta(hours=state.web.session_hours)
    session_id = await run_in_threadpool(create_session, state.engine, result.user_id, now, lifetime)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, session_id, lifetime)
    return response


@router.post("/logout")
async def logout(request: Request, user: PageUser) -> Response:
    check_csrf(request, user, await request.form())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await run_in_threadpool(drop_session, web_state(request).engine, cookie)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response
