"""Import pages: upload, preview with a changeable mapping, confirm, progress and the reject workbook.

Handlers are plain ``def`` (run in the thread pool) or hand their blocking work to it: the registry's
lock, file parsing and the database never run on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from batch_dialer.importers import ImportRefused
from batch_dialer.importers.header_mapping import MAP_TARGETS
from batch_dialer.web.access_store import Identity
from batch_dialer.web.app_state import WebState, web_state
from batch_dialer.web.auth import PageManager, PageUser
from batch_dialer.web.csrf import check_csrf
from batch_dialer.web.import_jobs import ImportJob, reason_label
from batch_dialer.web.import_views import batch_rejects_file, recent_batches
from batch_dialer.web.preview_display import shown_cell
from batch_dialer.web.upload_access import masked_for, require_owner, require_unmasked_access
from batch_dialer.web.upload_intake import UploadRejected, accept_upload

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell_view(state: WebState, user: Identity) -> Callable[[object], str]:
    limit, masked = state.web.preview_cell_chars, masked_for(user)
    return lambda value: shown_cell(value, limit, masked)


def _imports_page(request: Request, user: Identity, error: str | None = None, status: int = 200) -> Response:
    state = web_state(request)
    context = {
        "user": user,
        "batches": recent_batches(state.engine),
        "jobs": state.jobs.recent(),
        "error": error,
        "max_mb": state.web.max_upload_mb,
        "cell": _cell_view(state, user),
    }
    return state.templates.TemplateResponse(request, "imports.html", context, status_code=status)


@router.get("/imports")
def imports_page(request: Request, user: PageUser) -> Response:
    return _imports_page(request, user)


@router.post("/imports")
async def upload(request: Request, user: PageManager) -> Response:
    try:
        job, _ = await accept_upload(request, user)
    except UploadRejected as exc:
        return await run_in_threadpool(_imports_page, request, user, exc.message, exc.status)
    return RedirectResponse(f"/imports/jobs/{job.id}", status_code=303)


def _job(request: Request, job_id: str) -> ImportJob:
    job = web_state(request).jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "没有这个导入任务（可能已完成、已过期或已放弃）/ no such upload")
    return job


@router.get("/imports/jobs/{job_id}")
def job_view(request: Request, job_id: str, user: PageUser) -> Response:
    return job_page(request, job_id, user)


def job_page(
    request: Request, job_id: str, user: Identity, error: str | None = None, status: int = 200
) -> Response:
    state = web_state(request)
    job = _job(request, job_id)
    context = {
        "user": user,
        "job": job,
        "targets": MAP_TARGETS,
        "reason_label": reason_label,
        "error": error,
        "cell": _cell_view(state, user),
        "is_owner": job.owner == user.name,
    }
    return state.templates.TemplateResponse(request, "import_job.html", context, status_code=status)


def _overrides(form: FormData, header: list[str]) -> dict[str, str]:
    """``col:N`` names the N-th header label (pages never echo a label into a field name, since a
    label may be megabytes); ``map:LABEL`` is still accepted from scripts."""
    overrides: dict[str, str] = {}
    for key, value in form.multi_items():
        key, target = str(key), str(value)
        if target not in MAP_TARGETS:
            continue
        if key.startswith("col:") and key[4:].isdigit() and int(key[4:]) < len(header):
            overrides[header[int(key[4:])]] = target
        elif key.startswith("map:"):
            overrides[key[4:]] = target
    return overrides


def _remap(request: Request, job_id: str, user: Identity, form: FormData) -> Response:
    job = _job(request, job_id)
    require_owner(job, user)
    header = job.preview.header if job.preview else []
    try:
        web_state(request).jobs.remap(job, _overrides(form, header), str(form.get("sheet") or "") or None)
    except (ImportRefused, ValueError) as exc:
        message = exc.problem if isinstance(exc, ImportRefused) else str(exc)
        return job_page(request, job_id, user, error=message, status=422)
    return RedirectResponse(f"/imports/jobs/{job.id}", status_code=303)


@router.post("/imports/jobs/{job_id}/mapping")
async def remap(request: Request, job_id: str, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    return await run_in_threadpool(_remap, request, job_id, user, form)


def _confirm(request: Request, job_id: str, user: Identity, tag: str | None) -> Response:
    job = _job(request, job_id)
    require_owner(job, user)
    if not web_state(request).jobs.confirm(job, tag):
        return job_page(request, job_id, user, error="预览尚未完成或已导入，无法确认。", status=409)
    return RedirectResponse(f"/imports/jobs/{job.id}", status_code=303)


@router.post("/imports/jobs/{job_id}/confirm")
async def confirm(request: Request, job_id: str, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    tag = str(form.get("tag") or "").strip() or None
    return await run_in_threadpool(_confirm, request, job_id, user, tag)


def _discard(request: Request, job_id: str, user: Identity) -> Response:
    job = _job(request, job_id)
    require_owner(job, user)
    if not web_state(request).jobs.discard(job):
        return job_page(request, job_id, user, error="正在导入，不能放弃。", status=409)
    return RedirectResponse("/imports", status_code=303)


@router.post("/imports/jobs/{job_id}/discard")
async def discard(request: Request, job_id: str, user: PageManager) -> Response:
    check_csrf(request, user, await request.form())
    return await run_in_threadpool(_discard, request, job_id, user)


def _take_over(request: Request, job_id: str, user: Identity) -> Response:
    job = _job(request, job_id)
    web_state(request).jobs.take_over(job, user.name)
    return RedirectResponse(f"/imports/jobs/{job.id}", status_code=303)


@router.post("/imports/jobs/{job_id}/take-over")
async def take_over(request: Request, job_id: str, user: PageManager) -> Response:
    check_csrf(request, user, await request.form())
    return await run_in_threadpool(_take_over, request, job_id, user)


@router.get("/imports/jobs/{job_id}/rejects")
def job_rejects(request: Request, job_id: str, user: PageUser) -> Response:
    require_unmasked_access(user)
    job = _job(request, job_id)
    if job.state != "done" or not job.rejects_path.is_file():
        raise HTTPException(404, "没有被拒绝的行 / no rejected rows")
    stem = job.display_name.rsplit(".", 1)[0]
    return FileResponse(job.rejects_path, media_type=_XLSX, filename=f"{stem}.rejects.xlsx")


@router.get("/imports/batches/{batch_id}/rejects")
def batch_rejects(request: Request, batch_id: int, user: PageUser) -> Response:
    require_unmasked_access(user)
    state = web_state(request)
    path = batch_rejects_file(state.engine, batch_id, state.web.work_dir)
    if path is None:
        raise HTTPException(404, "这个批次没有可下载的拒绝行文件 / no reject workbook for this batch")
    return FileResponse(path, media_type=_XLSX, filename=f"batch-{batch_id}.rejects.xlsx")
