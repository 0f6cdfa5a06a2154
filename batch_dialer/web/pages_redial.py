"""失败号码重呼 page: pick outcomes of an earlier campaign, name the new campaign, get a draft aimed
at exactly those contacts with the earlier campaign's template (campaigns/redial.py)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from batch_dialer.campaigns.campaign_options import CampaignOptionsError
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.campaigns.redial import REDIALLABLE, create_redial, outcome_counts
from batch_dialer.web.access_store import Identity
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import PageManager
from batch_dialer.web.csrf import check_csrf

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_campaign = table_of(Campaign)


def _redial_page(
    request: Request,
    user: Identity,
    campaign_id: int,
    chosen: list[str] | None = None,
    name: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    state = web_state(request)
    with state.engine.connect() as conn:
        camp = conn.execute(select(_campaign).where(_campaign.c.id == campaign_id)).first()
    if camp is None:
        raise HTTPException(404, "没有这个活动 / no such campaign")
    counts = outcome_counts(state.engine, campaign_id)
    context = {
        "user": user,
        "c": camp,
        "counts": counts,
        "chosen": chosen if chosen is not None else [o for o in REDIALLABLE if o in counts],
        "name": name if name is not None else f"{camp.name}-重呼",
        "error": error,
    }
    return state.templates.TemplateResponse(request, "campaign_redial.html", context, status_code=status)


@router.get("/campaigns/{campaign_id}/redial")
def redial_view(request: Request, campaign_id: int, user: PageManager) -> Response:
    return _redial_page(request, user, campaign_id)


@router.post("/campaigns/{campaign_id}/redial")
async def redial(request: Request, campaign_id: int, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    state = web_state(request)
    outcomes = [str(o) for o in form.getlist("outcome")]
    name = str(form.get("name") or "")
    try:
        result = await run_in_threadpool(
            create_redial, state.engine, campaign_id, outcomes, name, state.clock.now()
        )
    except CampaignOptionsError as exc:
        return await run_in_threadpool(
            _redial_page, request, user, campaign_id, outcomes, name, str(exc), 422
        )
    return RedirectResponse(f"/campaigns/{result.campaign_id}/edit", status_code=303)
