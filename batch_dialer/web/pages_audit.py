"""The managers' audit page (审计记录): the trail `dialer audit` prints, filtered by campaign and action."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from batch_dialer.campaigns.audit_trail import ACTION_LABELS, audit_events
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import PageManager

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_campaign = table_of(Campaign)


def _audit_page(request: Request, user: Any, campaign: str, action: str) -> Response:
    state = web_state(request)
    campaign_id = int(campaign) if campaign.isdigit() else None
    actions = (action,) if action in ACTION_LABELS else ()
    rows = audit_events(state.engine, campaign_id=campaign_id, actions=actions, limit=500)
    with state.engine.connect() as conn:
        names = dict(conn.execute(select(_campaign.c.id, _campaign.c.name).order_by(_campaign.c.id)).all())
    context = {
        "user": user,
        "rows": rows,
        "names": names,
        "actions": ACTION_LABELS,
        "chosen_campaign": campaign_id,
        "chosen_action": action if actions else "",
    }
    return state.templates.TemplateResponse(request, "audit.html", context)


@router.get("/audit")
async def audit_page(request: Request, user: PageManager, campaign: str = "", action: str = "") -> Response:
    return await run_in_threadpool(_audit_page, request, user, campaign, action)
