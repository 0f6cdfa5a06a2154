"""Report downloads: written by ``export_report`` into a temporary directory, streamed, then deleted."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse

from batch_dialer.campaigns.audit_trail import record
from batch_dialer.reports import ReportError, export_report
from batch_dialer.web.app_state import WebState

__all__ = ["MEDIA_TYPES", "ReportError", "report_download"]

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


async def report_download(state: WebState, campaign_id: int, fmt: str, actor: str = "web") -> FileResponse:
    """Raises ReportError (unknown format, unknown campaign) before anything is sent; the export goes on the
    audit trail under ``actor``."""
    if fmt not in MEDIA_TYPES:
        raise ReportError(f"unknown report format {fmt!r}: use xlsx, csv or html")
    directory = Path(tempfile.mkdtemp(prefix="dialer-report-"))
    try:
        summary = await run_in_threadpool(
            export_report,
            state.engine,
            campaign_id,
            fmt,
            directory,
            False,
            state.centre,
            clock=state.clock,
            centre_url=state.settings.callcenter_url,  # recording links of kinds with agents
        )
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    assert summary.file is not None
    path = Path(summary.file)
    await run_in_threadpool(
        record,
        state.engine,
        actor,
        "export",
        campaign_id=campaign_id,
        subject=path.name,
        detail={"format": fmt},
    )
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[fmt],
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, directory, ignore_errors=True),
    )
