"""``/api/reports``: a campaign's summary as JSON (the ``dialer report --json`` shape) and its files."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from batch_dialer.reports import ReportError, build_summary
from batch_dialer.reports.agent_report import agent_section
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import ApiUser
from batch_dialer.web.live_view import campaign_id_of
from batch_dialer.web.report_files import report_download

__all__ = ["router"]

router = APIRouter(prefix="/api/reports", tags=["reports"])


def _id(request: Request, ref: str) -> int:
    try:
        return campaign_id_of(web_state(request), ref)
    except Exception as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/{ref}", summary="The report summary of a campaign")
async def summary(request: Request, ref: str, user: ApiUser) -> dict[str, Any]:
    state = web_state(request)
    try:
        campaign_id = await run_in_threadpool(_id, request, ref)
        built = await run_in_threadpool(build_summary, state.engine, campaign_id, clock=state.clock)
    except ReportError as exc:
        raise HTTPException(404, str(exc)) from None
    return {**built.as_json(), **agent_section(built.campaign.kind, built.agents)}


@router.get("/{ref}/file", summary="Download the report as xlsx, csv or html")
async def report_file(
    request: Request, ref: str, user: ApiUser, format: str = Query("xlsx", pattern="^(xlsx|csv|html)$")
) -> Response:
    try:
        campaign_id = await run_in_threadpool(_id, request, ref)
        return await report_download(web_state(request), campaign_id, format, user.name)
    except ReportError as exc:
        raise HTTPException(404, str(exc)) from None
