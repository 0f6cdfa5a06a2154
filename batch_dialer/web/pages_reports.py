"""The report page: the campaign's summary rendered in the console, with XLSX / CSV / HTML downloads."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from batch_dialer.campaigns.campaign_figures import FIGURE_LABELS
from batch_dialer.reports import ReportError, build_summary
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import PageUser
from batch_dialer.web.report_files import report_download

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/reports/{campaign_id}")
async def report_page(request: Request, campaign_id: int, user: PageUser) -> Response:
    state = web_state(request)
    try:
        summary = await run_in_threadpool(
            build_summary, state.engine, campaign_id, clock=state.clock, centre=state.centre
        )
    except ReportError as exc:
        raise HTTPException(404, str(exc)) from None
    top = max((o.count for o in summary.outcomes), default=0) or 1
    sat = summary.satisfaction
    sat_top = max(sat.distribution.values(), default=0) or 1 if sat else 1
    context = {
        "user": user,
        "s": summary,
        "sat": sat,
        "top": top,
        "sat_top": sat_top,
        "FIGURE_LABELS": FIGURE_LABELS,
    }
    return state.templates.TemplateResponse(request, "report.html", context)


@router.get("/reports/{campaign_id}/download/{fmt}")
async def report_file(request: Request, campaign_id: int, fmt: str, user: PageUser) -> Response:
    try:
        return await report_download(web_state(request), campaign_id, fmt, user.name)
    except ReportError as exc:
        raise HTTPException(404, str(exc)) from None
