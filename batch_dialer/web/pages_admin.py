"""系统管理: API tokens (create, revoke), the do-not-call list (add, import, remove, search) and the
call-centre connection check — what `dialer token|dnc|centre check` do, for managers in the browser.
The users page (pages_users.py) is the fourth part of the section."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.callcenter.masking import redact
from batch_dialer.campaigns.access_models import ROLES
from batch_dialer.campaigns.models import DoNotCall, table_of
from batch_dialer.importers.do_not_call import DncChange, add_to_dnc, import_dnc_file, remove_from_dnc
from batch_dialer.importers.errors import ImportRefused
from batch_dialer.web.access_store import AccessError, Identity, create_token, list_tokens, revoke_token
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import PageManager
from batch_dialer.web.csrf import check_csrf
from batch_dialer.web.upload_guard import UploadRejected, check_file_name, receive_upload

__all__ = ["DNC_PAGE_ROWS", "router"]

router = APIRouter(include_in_schema=False)
_dnc = table_of(DoNotCall)
DNC_PAGE_ROWS = 200


@router.get("/admin")
def admin_home(request: Request, user: PageManager) -> Response:
    return web_state(request).templates.TemplateResponse(request, "admin.html", {"user": user})


# -- API tokens ------------------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    user: Identity,
    new_token: str | None = None,
    message: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    state = web_state(request)
    context = {
        "user": user,
        "tokens": list_tokens(state.engine),
        "roles": ROLES,
        "new_token": new_token,
        "message": message,
        "error": error,
    }
    return state.templates.TemplateResponse(request, "admin_tokens.html", context, status_code=status)


@router.get("/admin/tokens")
def tokens_view(request: Request, user: PageManager, done: str | None = None) -> Response:
    return _tokens_page(request, user, message="令牌已吊销" if done == "revoked" else None)


@router.post("/admin/tokens")
async def token_create(request: Request, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    name, role = str(form.get("name") or ""), str(form.get("role") or "viewer")
    try:
        token = await run_in_threadpool(create_token, web_state(request).engine, name, role)
    except AccessError as exc:
        return await run_in_threadpool(_tokens_page, request, user, None, None, f"名称 {name!r}：{exc}", 422)
    # shown once, on this response only (never in a URL, never stored in clear)
    return await run_in_threadpool(_tokens_page, request, user, token, f"已创建令牌 {name}")


@router.post("/admin/tokens/{name}/revoke")
async def token_revoke(request: Request, name: str, user: PageManager) -> Response:
    check_csrf(request, user, await request.form())
    state = web_state(request)
    try:
        await run_in_threadpool(revoke_token, state.engine, name, state.clock.now())
    except AccessError as exc:
        return await run_in_threadpool(_tokens_page, request, user, None, None, str(exc), 422)
    return RedirectResponse("/admin/tokens?done=revoked", status_code=303)


# -- do-not-call list ------------------------------------------------------------------------------


def _dnc_rows(request: Request, q: str) -> tuple[list[Any], int]:
    digits = "".join(ch for ch in q if ch.isdigit())
    stmt = select(_dnc.c.phone, _dnc.c.reason, _dnc.c.added_at)
    if digits:
        stmt = stmt.where(_dnc.c.phone.contains(digits))
    elif q.strip():
        stmt = stmt.where(_dnc.c.reason.contains(q.strip(), autoescape=True))
    with web_state(request).engine.connect() as conn:
        total = int(conn.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
        rows = list(conn.execute(stmt.order_by(_dnc.c.added_at.desc(), _dnc.c.phone).limit(DNC_PAGE_ROWS)))
    return rows, total


def _change_text(change: DncChange) -> str:
    parts = [f"新增 {change.added}", f"已在名单 {change.already}"] if not change.removed else []
    if change.removed:
        parts = [f"移除 {change.removed}", f"本不在名单 {change.already}"]
    if change.invalid:
        shown = "、".join(f"{redact(value)[:20]}（{reason}）" for value, reason in change.invalid[:5])
        parts.append(f"无效 {len(change.invalid)}：{shown}")
    return "，".join(parts)


def _dnc_page(
    request: Request,
    user: Identity,
    q: str = "",
    message: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    rows, total = _dnc_rows(request, q)
    context = {"user": user, "rows": rows, "total": total, "q": q, "message": message, "error": error}
    return web_state(request).templates.TemplateResponse(
        request, "admin_dnc.html", context, status_code=status
    )


@router.get("/admin/dnc")
def dnc_view(request: Request, user: PageManager, q: str = "") -> Response:
    return _dnc_page(request, user, q[:50])


def _phones(text: str) -> list[str]:
    return [p.strip() for p in text.replace(",", "\n").replace("，", "\n").splitlines() if p.strip()]


@router.post("/admin/dnc/add")
async def dnc_add(request: Request, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    phones = _phones(str(form.get("phones") or ""))
    if not phones:
        return await run_in_threadpool(_dnc_page, request, user, "", None, "号码：请至少填一个号码", 422)
    reason = str(form.get("reason") or "").strip() or "网页控制台添加"
    change = await run_in_threadpool(add_to_dnc, web_state(request).engine, phones, reason)
    return await run_in_threadpool(_dnc_page, request, user, "", _change_text(change))


@router.post("/admin/dnc/remove")
async def dnc_remove(request: Request, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    phones = _phones(str(form.get("phones") or ""))
    change = await run_in_threadpool(remove_from_dnc, web_state(request).engine, phones)
    return await run_in_threadpool(_dnc_page, request, user, "", _change_text(change))


def _import_file(request: Request, path: Path, reason: str) -> DncChange:
    return import_dnc_file(path, web_state(request).engine, reason=reason)


@router.post("/admin/dnc/import")
async def dnc_import(request: Request, user: PageManager) -> Response:
    state = web_state(request)
    folder = Path(tempfile.mkdtemp(prefix="dnc-", dir=state.web.work_dir))
    try:
        try:
            upload = await receive_upload(request, folder, state.web.max_upload_bytes)
            check_csrf(request, user, upload.fields)
            if upload.path is None:
                raise UploadRejected(400, "文件：请选择一个文件")
            check_file_name(upload.file_name)
        except UploadRejected as exc:
            return await run_in_threadpool(_dnc_page, request, user, "", None, exc.message, exc.status)
        reason = upload.fields.get("reason", "").strip() or f"导入 {upload.file_name}"
        try:
            change = await run_in_threadpool(_import_file, request, upload.path, reason)
        except (ImportRefused, ValueError, OSError) as exc:
            error = f"文件 {upload.file_name}：{redact(str(exc))}"
            return await run_in_threadpool(_dnc_page, request, user, "", None, error, 422)
        message = f"{upload.file_name}：{_change_text(change)}"
        return await run_in_threadpool(_dnc_page, request, user, "", message)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- call-centre check -----------------------------------------------------------------------------


def _check_centre(request: Request) -> dict[str, Any]:
    state = web_state(request)
    centre = state.centre
    if centre is None:
        return {"ok": False, "error": "本控制台未连接呼叫中心（DIALER_CALLCENTER_URL）"}
    try:
        reading = centre.monitor()
        agents = centre.agent_states()
        tones = centre.tone_files()
    except CallCenterError as exc:
        return {"ok": False, "error": redact(str(exc))}
    return {
        "ok": True,
        "playcount": reading.playcount,
        "queue": reading.queue,
        "agents": len(agents),
        "tones": len(tones),
    }


@router.get("/admin/centre")
def centre_view(request: Request, user: PageManager) -> Response:
    state = web_state(request)
    context = {"user": user, "url": redact(state.settings.callcenter_url), "result": None}
    return state.templates.TemplateResponse(request, "admin_centre.html", context)


@router.post("/admin/centre")
async def centre_check(request: Request, user: PageManager) -> Response:
    check_csrf(request, user, await request.form())
    state = web_state(request)
    result = await run_in_threadpool(_check_centre, request)
    context = {"user": user, "url": redact(state.settings.callcenter_url), "result": result}
    return state.templates.TemplateResponse(request, "admin_centre.html", context)
