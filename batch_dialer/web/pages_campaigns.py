"""Campaign pages: list, the creation form (TTS preview and forecast), detail with actions and the
live view that refreshes by itself."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from batch_dialer.campaigns.campaign_figures import FIGURE_LABELS, campaign_figures
from batch_dialer.campaigns.engine_heartbeat import engine_status
from batch_dialer.campaigns.lifecycle import LifecycleError, cancel, pause, resume, start
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import PageManager, PageUser
from batch_dialer.web.campaign_service import (
    CampaignOptionsError,
    build_options,
    campaign_forecast,
    create_campaign,
    kind_form_fields,
    options_from_form,
)
from batch_dialer.web.csrf import check_csrf
from batch_dialer.web.import_views import recent_batches

__all__ = ["ACTIONS", "router", "run_action"]

router = APIRouter(include_in_schema=False)
_campaign = table_of(Campaign)
ACTIONS = ("start", "pause", "resume", "cancel")
DEFAULT_TTS = (
    "ttsabc=尊敬的{name}，您好！感谢您选购{product}。请对我们的服务打分："
    "非常满意请按1，满意请按2，一般请按3，不满意请按4，非常不满意请按5。"
)


def run_action(request: Request, campaign_id: int, action: str, actor: str = "web") -> None:
    """start / pause / resume / cancel: only the database changes; the engine process dials.
    ``actor`` (the signed-in user or token owner) goes on the audit trail."""
    state = web_state(request)
    now = state.clock.now()
    if action == "start":
        start(state.engine, campaign_id, now, actor=actor)
    elif action == "pause":
        pause(state.engine, campaign_id, "网页控制台暂停 / paused from the web console", actor=actor)
    elif action == "resume":
        resume(state.engine, campaign_id, actor=actor)
    elif action == "cancel":
        cancel(state.engine, campaign_id, now, actor=actor)
    else:
        raise HTTPException(404, f"unknown action {action!r}")


@router.get("/")
def home(user: PageUser) -> Response:
    return RedirectResponse("/campaigns", status_code=303)


@router.get("/campaigns")
def campaigns_page(request: Request, user: PageUser) -> Response:
    state = web_state(request)
    with state.engine.connect() as conn:
        ids = list(conn.scalars(select(_campaign.c.id).order_by(_campaign.c.id.desc())))
    rows = [{**campaign_progress(state.engine, cid), "id": cid} for cid in ids]
    return state.templates.TemplateResponse(request, "campaigns.html", {"user": user, "campaigns": rows})


def _form_page(
    request: Request, user: Any, form: dict[str, Any], error: str | None, status: int = 200
) -> Response:
    state = web_state(request)
    context = {
        "user": user,
        "form": form,
        "error": error,
        "batches": recent_batches(state.engine),
        "chosen_batches": [str(b) for b in form.get("batch", [])],
        "kind_fields": kind_form_fields(),
    }
    return state.templates.TemplateResponse(request, "campaign_new.html", context, status_code=status)


@router.get("/campaigns/new")
def new_campaign_page(request: Request, user: PageManager, batch: int | None = None) -> Response:
    defaults: dict[str, Any] = {
        "kind": "tts",
        "toneid": "20",
        "tts": DEFAULT_TTS,
        "window": "09:00-21:00",
        "days": "mon-sun",
        "tz": "Asia/Shanghai",
        "max_attempts": "3",
        "retry": "busy=10m,30m,60m\nunreachable=2h\nfailed=15m",
        "channels": "10",
        "max_queue": "0",
        "priority": "1",
        "ivr_max": "180",
    }
    defaults["batch"] = [str(batch)] if batch is not None else []
    return _form_page(request, user, defaults, None)


@router.post("/campaigns/new")
async def create(request: Request, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    state = web_state(request)
    shown: dict[str, Any] = {k: str(v) for k, v in form.items() if k != "batch"}
    shown["batch"] = [str(b) for b in form.getlist("batch")]
    try:
        values = options_from_form(form, shown["batch"])
        options = await run_in_threadpool(build_options, state.engine, values)
        centre_url = state.settings.callcenter_url
        campaign_id = await run_in_threadpool(
            lambda: create_campaign(state.engine, options, centre_url, actor=user.name)
        )
    except CampaignOptionsError as exc:
        return await run_in_threadpool(_form_page, request, user, shown, str(exc), 422)
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, campaign_id: int, user: PageUser, error: str | None = None) -> Response:
    state = web_state(request)
    with state.engine.connect() as conn:
        camp = conn.execute(select(_campaign).where(_campaign.c.id == campaign_id)).first()
    if camp is None:
        raise HTTPException(404, "没有这个活动 / no such campaign")
    progress = campaign_progress(state.engine, campaign_id)
    now = state.clock.now()
    forecast = campaign_forecast(state.engine, campaign_id, now)
    figures = campaign_figures(state.engine, campaign_id, now)
    dialler = engine_status(state.engine, campaign_id, now, ZoneInfo(camp.tz or "Asia/Shanghai"))
    context = {
        "user": user,
        "c": camp,
        "progress": progress,
        "forecast": forecast,
        "figures": figures,
        "labels": FIGURE_LABELS,
        "dialler": dialler,
        "error": error,
    }
    return state.templates.TemplateResponse(request, "campaign.html", context)


@router.post("/campaigns/{campaign_id}/{action}")
async def campaign_action(request: Request, campaign_id: int, action: str, user: PageManager) -> Response:
    check_csrf(request, user, await request.form())
    if action not in ACTIONS:
        raise HTTPException(404, "unknown action")
    try:
        await run_in_threadpool(run_action, request, campaign_id, action, user.name)
    except (LifecycleError, ValueError) as exc:
        return await run_in_threadpool(campaign_page, request, campaign_id, user, str(exc))
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)
