"""``/api/campaigns``: create, list, status (with the live figures), start / pause / resume / cancel,
forecast, and a preview of options (TTS text on a sample contact + forecast) before creating."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, HTTPException
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from batch_dialer.campaigns.lifecycle import CampaignNotFound, LifecycleError
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import ApiManager, ApiUser
from batch_dialer.web.campaign_service import (
    CampaignOptionsError,
    build_options,
    campaign_forecast,
    create_campaign,
    options_forecast,
    options_from_form,
    placeholder_check,
    tts_preview,
)
from batch_dialer.web.csrf import check_csrf
from batch_dialer.web.live_view import campaign_id_of, live_document
from batch_dialer.web.pages_campaigns import ACTIONS, run_action

__all__ = ["router"]

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])
_campaign = table_of(Campaign)

_EXAMPLE = {
    "name": "满意度回访-5月",
    "kind": "tts",
    "batch": [1],
    "toneid": 20,
    "tts": {"ttsabc": "尊敬的{name}，请为本次服务打分"},
    "window": ["09:00-21:00"],
    "days": "mon-fri",
    "max_attempts": 3,
    "retry": ["busy=10m,30m", "unreachable=2h"],
    "channels": 10,
}


def _id(request: Request, ref: str) -> int:
    try:
        return campaign_id_of(web_state(request), ref)
    except CampaignNotFound as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("", summary="All campaigns with their progress")
def list_campaigns(request: Request, user: ApiUser) -> list[dict[str, Any]]:
    engine = web_state(request).engine
    with engine.connect() as conn:
        ids = list(conn.scalars(select(_campaign.c.id).order_by(_campaign.c.id)))
    return [{**campaign_progress(engine, cid), "id": cid} for cid in ids]


@router.post("", status_code=201, summary="Create a campaign (draft, or scheduled with start/cron)")
async def create(
    request: Request,
    user: ApiManager,
    body: dict[str, Any] = Body(..., examples=[_EXAMPLE], description="`dialer campaign create` options"),
) -> Any:
    """Fields are the CLI's option names (``all_contacts`` for ``--all``); ``ivr_max_seconds`` too."""
    check_csrf(request, user)
    state = web_state(request)
    values = dict(body)
    if "ivr_max_seconds" in values:  # the API's older name of --ivr-max
        values["ivr_max"] = values.pop("ivr_max_seconds")
    try:
        options = await run_in_threadpool(build_options, state.engine, values)
        centre_url = state.settings.callcenter_url
        campaign_id = await run_in_threadpool(
            lambda: create_campaign(state.engine, options, centre_url, actor=user.name)
        )
    except (CampaignOptionsError, ValueError, TypeError) as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    return {**campaign_progress(state.engine, campaign_id), "id": campaign_id}


@router.post("/preview", summary="Check a campaign form: TTS text on a sample contact and the forecast")
async def preview(request: Request, user: ApiManager) -> Any:
    """Takes the console's form fields (form-encoded); answers the first problem or the preview."""
    form = await request.form()
    check_csrf(request, user, form)
    state = web_state(request)
    try:
        values = options_from_form(form, [str(b) for b in form.getlist("batch")])
        options = await run_in_threadpool(build_options, state.engine, values)
    except CampaignOptionsError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    pick = str(form.get("preview_contact") or "")[:100] or None
    texts = await run_in_threadpool(tts_preview, state.engine, options, pick)
    placeholders = await run_in_threadpool(placeholder_check, state.engine, options, pick)
    forecast = await run_in_threadpool(options_forecast, state.engine, options, state.clock.now())
    return {"tts": texts, "placeholders": placeholders, "forecast": forecast.as_json()}


@router.get("/{ref}", summary="Status: tasks by state, attempts by outcome, live figures")
def status(request: Request, ref: str, user: ApiUser) -> dict[str, Any]:
    return live_document(web_state(request), _id(request, ref))


@router.get("/{ref}/forecast", summary="How long the open work will take with these channels and windows")
def forecast(request: Request, ref: str, user: ApiUser) -> dict[str, Any]:
    state = web_state(request)
    return campaign_forecast(state.engine, _id(request, ref), state.clock.now()).as_json()


def _action_route(action: str) -> None:
    async def act(request: Request, ref: str, user: ApiManager) -> Any:
        check_csrf(request, user)
        campaign_id = await run_in_threadpool(_id, request, ref)
        try:
            await run_in_threadpool(run_action, request, campaign_id, action, user.name)
        except (LifecycleError, ValueError) as exc:
            return JSONResponse({"detail": str(exc)}, status_code=409)
        progress = await run_in_threadpool(campaign_progress, web_state(request).engine, campaign_id)
        return {**progress, "id": campaign_id}

    act.__name__ = f"{action}_campaign"
    router.add_api_route(
        f"/{{ref}}/{action}", act, methods=["POST"], summary=f"{action.capitalize()} a campaign"
    )


for _action in ACTIONS:
    _action_route(_action)
