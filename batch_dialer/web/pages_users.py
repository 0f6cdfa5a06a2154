"""The managers' users page: add, disable / enable, remove, reset a password, change a role and end
a user's sessions (what `dialer user …` does), each a small CSRF-checked form."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from batch_dialer.campaigns.access_models import ROLES
from batch_dialer.web.access_store import AccessError, Identity, create_user, list_users
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import PageManager
from batch_dialer.web.csrf import check_csrf
from batch_dialer.web.user_accounts import (
    change_role,
    end_sessions,
    remove_user,
    reset_password,
    set_disabled,
)

__all__ = ["USER_ACTIONS", "router"]

router = APIRouter(include_in_schema=False)
USER_ACTIONS = ("disable", "enable", "remove", "password", "role", "sessions")
_DONE = {
    "disable": "已停用",
    "enable": "已启用",
    "remove": "已删除",
    "password": "密码已重置，原有登录已退出",
    "role": "角色已更改，原有登录已退出",
    "sessions": "所有登录已退出",
    "added": "用户已添加",
}


def users_page(
    request: Request, user: Identity, message: str | None = None, error: str | None = None, status: int = 200
) -> Response:
    state = web_state(request)
    context = {
        "user": user,
        "users": list_users(state.engine),
        "roles": ROLES,
        "message": message,
        "error": error,
    }
    return state.templates.TemplateResponse(request, "users.html", context, status_code=status)


@router.get("/users")
def users_view(request: Request, user: PageManager, done: str | None = None) -> Response:
    return users_page(request, user, message=_DONE.get(done or ""))


def _act(request: Request, user: Identity, name: str, action: str, form: FormData) -> Response:
    engine = web_state(request).engine
    now = web_state(request).clock.now()
    try:
        if action in ("disable", "enable"):
            set_disabled(engine, name, action == "disable", now)
        elif action == "remove":
            remove_user(engine, name)
        elif action == "password":
            reset_password(engine, name, str(form.get("password") or ""))
        elif action == "role":
            change_role(engine, name, str(form.get("role") or ""))
        else:
            end_sessions(engine, name)
    except AccessError as exc:
        return users_page(request, user, error=f"{name}: {exc}", status=422)
    return RedirectResponse(f"/users?done={action}", status_code=303)


@router.post("/users/new")
async def user_add(request: Request, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    name, role = str(form.get("name") or ""), str(form.get("role") or "viewer")
    try:
        await run_in_threadpool(
            create_user, web_state(request).engine, name, role, str(form.get("password") or "")
        )
    except AccessError as exc:
        return await run_in_threadpool(users_page, request, user, None, f"{name}: {exc}", 422)
    return RedirectResponse("/users?done=added", status_code=303)


@router.post("/users/{name}/{action}")
async def user_action(request: Request, name: str, action: str, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    if action not in USER_ACTIONS:
        raise HTTPException(404, "unknown action")
    return await run_in_threadpool(_act, request, user, name, action, form)
