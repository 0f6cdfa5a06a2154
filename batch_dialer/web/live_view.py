"""The live view's figures in one JSON document: tasks by state, the figures of ``campaign_figures`` (each
with its label and display text), whether an engine is dialling, and the channel history against the
campaign's limit."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from batch_dialer.campaigns.engine_heartbeat import engine_status
from batch_dialer.campaigns.lifecycle import find_campaign
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.campaigns.progress import campaign_progress, live_figures
from batch_dialer.web.app_state import WebState

__all__ = ["campaign_id_of", "live_document"]

_campaign = table_of(Campaign)


def campaign_id_of(state: WebState, ref: str | int) -> int:
    """Name or id -> id; raises LifecycleError (CampaignNotFound) when unknown."""
    return find_campaign(state.engine, ref).id


def live_document(state: WebState, campaign_id: int) -> dict[str, Any]:
    state.monitor.ensure_started()
    now = state.clock.now()
    progress = campaign_progress(state.engine, campaign_id)
    figures = live_figures(state.engine, campaign_id, now)
    with state.engine.connect() as conn:
        channels, tz = conn.execute(
            select(_campaign.c.channels, _campaign.c.tz).where(_campaign.c.id == campaign_id)
        ).one()
    dialler = engine_status(state.engine, campaign_id, now, ZoneInfo(tz or "Asia/Shanghai"))
    return {
        **progress,
        "id": campaign_id,
        "live": figures,
        "done_total": figures["finished"],
        "engine": {"running": dialler.running, "label": dialler.label, "activity": dialler.activity},
        "channels": int(channels or 0),
        "channel_history": state.monitor.history(campaign_id),
        "window_s": state.monitor.window_s,
        "now": now.isoformat(),
    }
