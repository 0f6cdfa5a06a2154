"""Import pages: upload, preview with a changeable mapping, confirm, progress and the reject workbook."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from batch_dialer.importers import ImportRefused
from batch_dialer.importers.header_mapping import MAP_TARGETS
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import PageManager, PageUser
from batch_dialer.web.csrf import check_csrf
from batch_dialer.web.import_jobs import ImportJob, reason_label
from batch_dialer.web.import_views import batch_rejects_file, recent_batches
from batch_dialer.web.upload_intake import UploadRejected, accept_upload

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _imports_page(request: Request, user: object, error: str | None = None, status: int = 200) -> Response:
    state = web_state(request)
    context = {
        "user": user,
        "batches": recent_batches(state.engine),
        "jobs": state.jobs.recent(),
        "error": error,
        "max_mb": state.web.max_upload_mb,
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
        return _imports_page(request, user, exc.message, exc.status)
    return RedirectResponse(f"/imports/jobs/{job.id}", status_code=303)


def _job(request: Request, job_id: str) -> ImportJob:
    job = web_state(request).jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "没有这个导入任务（可能已完成或服务已重启）/ no such upload")
    return job


@router.get("/imports/jobs/{job_id}")
def job_page(request: Request, job_id: str, user: PageUser, error: str | None = None) -> Response:
    state = web_state(request)
    job = _job(request, job_id)
    context = {"user": user, "job": job, "targets": MAP_TARGETS, "reason_label": reason_label, "error": error}
    return state.templates.TemplateResponse(request, "import_job.html", context)


@router.post("/imports/jobs/{job_id}/mapping")
async def remap(request: Request, job_id: str, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    job = _job(request, job_id)
    overrides = {
        str(key)[4:]: str(value)
        for key, value in form.multi_items()
        if str(key).startswith("map:") and str(value) in MAP_TARGETS
    }
    try:
        await run_in_threadpool(
            web_state(request).jobs.remap, job, overrides, str(form.get("sheet") or "") or None
        )
    except (ImportRefused, ValueError) as exc:
        message = exc.problem if isinstance(exc, ImportRefused) else str(exc)
        return job_page(request, job_id, user, error=message)
    return RedirectResponse(f"/imports/jobs/{job.id}", status_code=303)


@router.post("/imports/jobs/{job_id}/confirm")
async def confirm(request: Request, job_id: str, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    job = _job(request, job_id)
    tag = str(form.get("tag") or "").strip() or None
    if not web_state(request).jobs.confirm(job, tag):
        return job_page(request, job_id, user, error="预览尚未完成或已导入，无法确认。")
    return RedirectResponse(f"/imports/jobs/{job.id}", status_code=303)


@router.post("/imports/jobs/{job_id}/discard")
async def discard(request: Request, job_id: str, user: PageManager) -> Response:
    check_csrf(request, user, await request.form())
    web_state(request).jobs.discard(_job(request, job_id))
    return RedirectResponse("/imports", status_code=303)


@router.get("/imports/jobs/{job_id}/rejects")
def job_rejects(request: Request, job_id: str, user: PageUser) -> Response:
    job = _job(request, job_id)
    if job.state != "done" or not job.rejects_path.is_file():
        raise HTTPException(404, "没有被拒绝的行 / no rejected rows")
    stem = job.display_name.rsplit(".", 1)[0]
    return FileResponse(job.rejects_path, media_type=_XLSX, filename=f"{stem}.rejects.xlsx")


@router.get("/imports/batches/{batch_id}/rejects")
def batch_rejects(request: Request, batch_id: int, user: PageUser) -> Response:
    state = web_state(request)
    path = batch_rejects_file(state.engine, batch_id, state.web.work_dir)
    if path is None:
        raise HTTPException(404, "这个批次没有可下载的拒绝行文件 / no reject workbook for this batch")
    return FileResponse(path, media_type=_XLSX, filename=f"batch-{batch_id}.rejects.xlsx")
