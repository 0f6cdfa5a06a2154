"""From an HTTP upload to a previewing import job, shared by the page and the API.

Order matters: size limit while streaming, CSRF, the zip-bomb guard, then the importer's own checks;
on any refusal the upload directory is deleted, so nothing is stored.
"""

from __future__ import annotations

import json
import shutil

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from batch_dialer.importers import ImportRefused
from batch_dialer.web.access_store import Identity
from batch_dialer.web.app_state import web_state
from batch_dialer.web.csrf import check_csrf
from batch_dialer.web.import_jobs import ImportJob
from batch_dialer.web.upload_guard import UploadRejected, check_workbook_bomb, receive_upload

__all__ = ["UploadRejected", "accept_upload", "parse_mapping_field"]


def parse_mapping_field(text: str | None) -> dict[str, str]:
    """The API's ``mapping`` form field: a JSON object of header label -> field."""
    if not text or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise UploadRejected(
            400, 'mapping 必须是 JSON 对象，如 {"手机": "phone"} / mapping must be a JSON object'
        ) from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise UploadRejected(400, "mapping 必须是 列名→字段 的 JSON 对象 / mapping must map labels to fields")
    return value


async def accept_upload(request: Request, identity: Identity) -> tuple[ImportJob, dict[str, str]]:
    """Receive, guard and open the upload; raises UploadRejected (or 403 for CSRF), storing nothing."""
    state = web_state(request)
    directory = state.jobs.new_directory()
    try:
        upload = await receive_upload(request, directory, state.web.max_upload_bytes)
        check_csrf(request, identity, upload.fields)
        if upload.path is None:
            raise UploadRejected(400, "请选择要上传的文件 / no file in the form")
        try:
            await run_in_threadpool(
                check_workbook_bomb,
                upload.path,
                state.web.max_uncompressed_bytes,
                state.web.max_compression_ratio,
            )
        except UploadRejected as exc:
            raise UploadRejected(exc.status, f"{upload.file_name}: {exc.message}") from None
        mapping = parse_mapping_field(upload.fields.get("mapping"))
        sheet = upload.fields.get("sheet") or None
        try:
            job = await run_in_threadpool(
                state.jobs.open_upload,
                directory,
                upload.path,
                upload.file_name,
                identity.name,
                sheet,
                mapping,
            )
        except ImportRefused as exc:
            raise UploadRejected(422, f"{upload.file_name}: {exc.problem}") from None
        except ValueError as exc:  # also a bad DIALER_IMPORT_* setting (ReadLimitsError)
            raise UploadRejected(422, f"{upload.file_name}: {exc}") from None
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return job, upload.fields
