"""``/api/imports``: upload a list (preview, then confirm, or both at once), follow the job, list
batches and fetch a batch's reject workbook."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from batch_dialer.web.access_store import Identity
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import ApiManager, ApiUser
from batch_dialer.web.csrf import check_csrf
from batch_dialer.web.import_jobs import ImportJob
from batch_dialer.web.import_views import batch_rejects_file, recent_batches
from batch_dialer.web.upload_access import masked_for, require_owner, require_unmasked_access
from batch_dialer.web.upload_intake import UploadRejected, accept_upload

__all__ = ["router"]

router = APIRouter(prefix="/api/imports", tags=["imports"])

_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "csv / xlsx / xls / ods",
                        },
                        "mapping": {"type": "string", "description": 'JSON, e.g. {"手机": "phone"}'},
                        "sheet": {"type": "string"},
                        "tag": {"type": "string", "description": "tag every imported contact"},
                        "confirm": {
                            "type": "string",
                            "description": "'true': import right after the preview",
                        },
                    },
                }
            }
        },
    }
}


def _job(request: Request, job_id: str) -> ImportJob:
    job = web_state(request).jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "no such import job")
    return job


def _shown(request: Request, job: ImportJob, user: Identity) -> dict[str, Any]:
    limit = web_state(request).web.preview_cell_chars
    return job.as_json(masked=masked_for(user), cell_limit=limit)


@router.post("", status_code=202, openapi_extra=_UPLOAD_DOC, summary="Upload a contact list")
async def upload(request: Request, user: ApiManager) -> Response:
    """Starts a dry-run preview; with ``confirm=true`` the import follows as soon as the preview is
    done. Poll ``GET /api/imports/{job_id}``. 413 too large, 422 not importable (nothing stored)."""
    try:
        job, fields = await accept_upload(request, user)
    except UploadRejected as exc:
        return JSONResponse({"detail": exc.message}, status_code=exc.status)
    if fields.get("confirm", "").lower() in ("1", "true", "yes"):
        job.tag = (fields.get("tag") or "").strip() or None
        await run_in_threadpool(web_state(request).jobs.confirm_when_ready, job)
    return JSONResponse(_shown(request, job, user), status_code=202)


@router.get("/{job_id}", summary="An upload job: state, progress, preview (masked for viewers), result")
def job_status(request: Request, job_id: str, user: ApiUser) -> dict[str, Any]:
    return _shown(request, _job(request, job_id), user)


@router.post("/{job_id}/confirm", status_code=202, summary="Import a previewed upload (its uploader only)")
def confirm(request: Request, job_id: str, user: ApiManager) -> dict[str, Any]:
    check_csrf(request, user)
    job = _job(request, job_id)
    require_owner(job, user)
    tag = request.query_params.get("tag")
    if not web_state(request).jobs.confirm(job, tag or None):
        raise HTTPException(409, f"the job is {job.state}; only a finished preview can be confirmed")
    return _shown(request, job, user)


@router.post("/{job_id}/take-over", summary="Make another manager's upload yours")
def take_over(request: Request, job_id: str, user: ApiManager) -> dict[str, Any]:
    check_csrf(request, user)
    job = _job(request, job_id)
    web_state(request).jobs.take_over(job, user.name)
    return _shown(request, job, user)


@router.delete("/{job_id}", summary="Discard an upload that was not imported (its uploader only)")
def discard(request: Request, job_id: str, user: ApiManager) -> dict[str, Any]:
    check_csrf(request, user)
    job = _job(request, job_id)
    require_owner(job, user)
    if not web_state(request).jobs.discard(job):
        raise HTTPException(409, "the job is importing; it cannot be discarded now")
    return {"job_id": job_id, "discarded": True}


@router.get("", summary="Import batches in the database")
def batches(request: Request, user: ApiUser) -> list[dict[str, Any]]:
    return recent_batches(web_state(request).engine)


@router.get("/batches/{batch_id}/rejects", summary="The batch's reject workbook (managers only)")
def batch_rejects(request: Request, batch_id: int, user: ApiUser) -> Response:
    require_unmasked_access(user)
    state = web_state(request)
    path = batch_rejects_file(state.engine, batch_id, state.web.work_dir)
    if path is None:
        raise HTTPException(404, "no reject workbook for this batch")
    return FileResponse(path, filename=f"batch-{batch_id}.rejects.xlsx")
