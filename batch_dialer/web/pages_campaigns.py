"""Campaign pages: list, the creation form (TTS preview and forecast), editing and copying, detail
with actions (cancelling asks first) and the live view that refreshes by itself."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from batch_dialer.campaigns.audience_size import audience_size
from batch_dialer.campaigns.campaign_editing import EDITABLE_STATES, copy_campaign, update_campaign
from batch_dialer.campaigns.campaign_figures import FIGURE_LABELS, campaign_figures
from batch_dialer.campaigns.engine_heartbeat import engine_status
from batch_dialer.campaigns.lifecycle import LifecycleError, cancel, pause, resume, start
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import PageManager, PageUser
from batch_dialer.web.campaign_form_values import form_from_campaign
from batch_dialer.web.campaign_service import (
    CampaignOptionsError,
    build_options,
    campaign_forecast,
    create_campaign,
    field_of_error,
    kind_form_fields,
    options_from_form,
)
from batch_dialer.web.csrf import check_csrf
from batch_dialer.web.form_widgets import RETRY_LABELS, SCHEDULE_DAYS, WEEKDAYS, WINDOW_ROWS, widget_values
from batch_dialer.web.import_views import recent_batches

__all__ = ["ACTIONS", "NOTICES", "router", "run_action"]

router = APIRouter(include_in_schema=False)
_campaign = table_of(Campaign)
ACTIONS = ("start", "pause", "resume", "cancel")
#: fixed texts a redirect may ask the campaign page to show (never text from the URL itself)
NOTICES = {"no_contacts": "注意：没有符合拨打对象的联系人（或都在免打扰名单上），开始后不会拨打任何号码。"}
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
    request: Request,
    user: Any,
    form: dict[str, Any],
    error: str | None,
    status: int = 200,
    editing: int | None = None,
) -> Response:
    state = web_state(request)
    context = {
        "editing": editing,
        "user": user,
        "form": form,
        "error": error,
        "batches": recent_batches(state.engine),
        "chosen_batches": [str(b) for b in form.get("batch", [])],
        "kind_fields": kind_form_fields(),
        "weekdays": WEEKDAYS,
        "retry_labels": RETRY_LABELS,
        "schedule_days": SCHEDULE_DAYS,
        "window_rows": range(1, WINDOW_ROWS + 1),
        "field_error": field_of_error(error),
    }
    return state.templates.TemplateResponse(request, "campaign_new.html", context, status_code=status)


@router.get("/campaigns/new")
def new_campaign_page(request: Request, user: PageManager, batch: int | None = None) -> Response:
    defaults: dict[str, Any] = {
        "kind": "tts",
        "toneid": "20",
        "tts": DEFAULT_TTS,
        "tz": "Asia/Shanghai",
        "max_attempts": "3",
        "channels": "10",
        "max_queue": "0",
        "priority": "1",
        "ivr_max": "180",
    }
    defaults.update(widget_values(["09:00-21:00"], None, None))
    defaults["batch"] = [str(batch)] if batch is not None else []
    return _form_page(request, user, defaults, None)


@router.post("/campaigns/new")
async def create(request: Request, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    state = web_state(request)
    shown = _shown_form(form)
    try:
        values = options_from_form(form, shown["batch"])
        options = await run_in_threadpool(build_options, state.engine, values)
        centre_url = state.settings.callcenter_url
        campaign_id = await run_in_threadpool(
            lambda: create_campaign(state.engine, options, centre_url, actor=user.name)
        )
    except CampaignOptionsError as exc:
        return await run_in_threadpool(_form_page, request, user, shown, str(exc), 422)
    matching = await run_in_threadpool(audience_size, state.engine, options)
    notice = "" if matching else "?notice=no_contacts"
    return RedirectResponse(f"/campaigns/{campaign_id}{notice}", status_code=303)


def _shown_form(form: Any) -> dict[str, Any]:
    shown: dict[str, Any] = {k: str(v) for k, v in form.items() if k not in ("batch", "day")}
    shown["batch"] = [str(b) for b in form.getlist("batch")]
    shown["day"] = [str(d) for d in form.getlist("day")]
    return shown


def _campaign_row(request: Request, campaign_id: int) -> Any:
    with web_state(request).engine.connect() as conn:
        camp = conn.execute(select(_campaign).where(_campaign.c.id == campaign_id)).first()
    if camp is None:
        raise HTTPException(404, "没有这个活动 / no such campaign")
    return camp


@router.get("/campaigns/{campaign_id}/edit")
def edit_campaign_page(request: Request, campaign_id: int, user: PageManager) -> Response:
    camp = _campaign_row(request, campaign_id)
    if camp.status not in EDITABLE_STATES:
        return campaign_page(
            request, campaign_id, user, "进行中或已结束的活动不能修改，请先暂停（或复制活动）"
        )
    return _form_page(request, user, form_from_campaign(camp), None, editing=campaign_id)


@router.post("/campaigns/{campaign_id}/edit")
async def edit_campaign(request: Request, campaign_id: int, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    state = web_state(request)
    shown = _shown_form(form)
    try:
        values = options_from_form(form, shown["batch"])
        options = await run_in_threadpool(build_options, state.engine, values)
        await run_in_threadpool(
            update_campaign,
            state.engine,
            campaign_id,
            options,
            state.settings.callcenter_url,
            state.clock.now(),
        )
    except CampaignOptionsError as exc:
        return await run_in_threadpool(_form_page, request, user, shown, str(exc), 422, campaign_id)
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)


@router.post("/campaigns/{campaign_id}/copy")
async def copy(request: Request, campaign_id: int, user: PageManager) -> Response:
    """复制活动: a new draft with the same settings, opened in the edit form to set name and timing."""
    check_csrf(request, user, await request.form())
    try:
        new_id = await run_in_threadpool(copy_campaign, web_state(request).engine, campaign_id)
    except CampaignOptionsError as exc:
        raise HTTPException(404, str(exc)) from None
    return RedirectResponse(f"/campaigns/{new_id}/edit", status_code=303)


@router.get("/campaigns/{campaign_id}")
def campaign_page(
    request: Request,
    campaign_id: int,
    user: PageUser,
    error: str | None = None,
    confirm_cancel: bool = False,
    notice: str | None = None,
) -> Response:
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
        "confirm_cancel": confirm_cancel,
        "notice": NOTICES.get(notice or ""),
        "editable": camp.status in EDITABLE_STATES,
    }
    return state.templates.TemplateResponse(request, "campaign.html", context)


@router.post("/campaigns/{campaign_id}/{action}")
async def campaign_action(request: Request, campaign_id: int, action: str, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    if action not in ACTIONS:
        raise HTTPException(404, "unknown action")
    if action == "cancel" and form.get("confirm") != "yes":  # cancelling cannot be undone: ask first
        return await run_in_threadpool(campaign_page, request, campaign_id, user, None, True)
    try:
        await run_in_threadpool(run_action, request, campaign_id, action, user.name)
    except (LifecycleError, ValueError) as exc:
        return await run_in_threadpool(campaign_page, request, campaign_id, user, str(exc))
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)
