"""The desk page (坐席工作台) for agents, and the manager's desk view of one campaign.

The desk page loads the vendor's ``ctibar.js`` from ``DIALER_CTI_SDK_URL`` and talks to the CTI's
websocket, so its Content-Security-Policy names exactly those two origins besides our own.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from batch_dialer.campaigns.desk_agents import AgentError, agent_link, assign_agents
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import PageManager, PageUser
from batch_dialer.web.csrf import check_csrf
from batch_dialer.web.desk_api import overview
from batch_dialer.web.desk_runtime import desk_runtime

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
DESK_STATE_LABELS = {
    "offline": "未签入",
    "signed_in": "已签入",
    "ready": "示闲",
    "busy": "示忙",
    "rest": "小休",
    "on_call": "通话中",
    "wrap_up": "话后处理",
}
DISPOSITION_LABELS = {
    "csat": "满意度",
    "busy": "忙",
    "no_answer": "无人接听",
    "empty": "空号",
    "callback": "约定回拨",
    "dnc": "勿扰",
    "skipped": "跳过",
}
_campaign = table_of(Campaign)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def desk_csp(sdk_url: str, ws_url: str) -> str:
    return (
        f"default-src 'self'; img-src 'self' data:; style-src 'self'; "
        f"script-src 'self' {_origin(sdk_url)}; connect-src 'self' {_origin(ws_url)}; frame-ancestors 'none'"
    )


@router.get("/desk")
def desk_page(request: Request, user: PageUser) -> Response:
    if user.role != "agent":
        raise HTTPException(403, "坐席工作台只对坐席开放 / the desk is for users with the agent role")
    state, runtime = web_state(request), desk_runtime(request)
    link = agent_link(state.engine, user.name)
    context = {
        "user": user,
        "link": link,
        "sdk_url": runtime.cti.sdk_url,
        "lease_s": runtime.desk.lease_s,
    }
    response = state.templates.TemplateResponse(request, "desk.html", context)
    response.headers["Content-Security-Policy"] = desk_csp(runtime.cti.sdk_url, runtime.cti.ws)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/desk/campaigns/{campaign_id}")
async def desk_campaign_page(
    request: Request, campaign_id: int, user: PageUser, error: str | None = None
) -> Response:
    if user.role == "agent":
        raise HTTPException(403, "只有管理员可以查看 / managers and viewers only")
    state = web_state(request)
    with state.engine.connect() as conn:
        camp = conn.execute(select(_campaign).where(_campaign.c.id == campaign_id)).first()
    if camp is None:
        raise HTTPException(404, "没有这个活动 / no such campaign")
    view = await run_in_threadpool(overview, request, campaign_id)
    context = {
        "user": user,
        "c": camp,
        "view": view,
        "error": error,
        "state_labels": DESK_STATE_LABELS,
        "disposition_labels": DISPOSITION_LABELS,
    }
    status = 422 if error else 200
    return state.templates.TemplateResponse(request, "desk_campaign.html", context, status_code=status)


@router.post("/desk/campaigns/{campaign_id}/agents")
async def assign_from_page(request: Request, campaign_id: int, user: PageManager) -> Response:
    """The manager's form: the agents (names separated by commas or spaces) who work this campaign."""
    form = await request.form()
    check_csrf(request, user, form)
    names = [n for n in re.split(r"[\s,，、]+", str(form.get("agents") or "")) if n]
    state = web_state(request)
    try:
        await run_in_threadpool(assign_agents, state.engine, campaign_id, names, state.clock.now())
    except AgentError as exc:
        return await desk_campaign_page(request, campaign_id, user, error=str(exc))
    return RedirectResponse(f"/desk/campaigns/{campaign_id}", status_code=303)
