"""Changing a campaign after creation: edit one that is not dialling (draft, scheduled or paused) and
copy one into a new draft. Both go through the same option checks as creation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from batch_dialer.campaigns.audience import Audience, create_tasks
from batch_dialer.campaigns.campaign_options import CampaignOptions, CampaignOptionsError
from batch_dialer.campaigns.creation import check_centre_can_run
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.campaigns.report_folder import confined_report_dir

__all__ = [
    "EDITABLE_STATES",
    "CampaignNotEditable",
    "copied_values",
    "copy_campaign",
    "copy_name",
    "insert_campaign",
    "update_campaign",
]

_campaign = table_of(Campaign)
EDITABLE_STATES = ("draft", "scheduled", "paused")
#: columns a copy takes over; timing (start, cron, end) is per run and left for the manager to set
_COPIED = (
    "kind",
    "audience",
    "toneid",
    "tts",
    "captcha",
    "windows",
    "days",
    "tz",
    "max_attempts",
    "retry",
    "cap_count",
    "cap_period_s",
    "channels",
    "max_queue",
    "rate_per_min",
    "priority",
    "key_labels",
    "ivr_max_seconds",
    "result_deadline_s",
    "report_cron",
    "report_dir",
)


class CampaignNotEditable(CampaignOptionsError):
    """The campaign is dialling or finished; pause it first (or copy it)."""


def update_campaign(
    engine: Engine, campaign_id: int, options: CampaignOptions, centre_url: str, now: datetime
) -> None:
    """Store new options on a draft / scheduled / paused campaign (compare-and-set on the status, so
    a campaign started meanwhile is not changed under the engine). A draft or scheduled campaign's
    status follows its timing as at creation; a paused one stays paused and gets tasks for contacts
    its new audience adds (contacts it drops keep their tasks: their calls may already exist)."""
    check_centre_can_run(options, centre_url)
    confined_report_dir(options.report_dir)
    columns = options.to_campaign_columns()
    with engine.begin() as conn:
        status = conn.scalar(select(_campaign.c.status).where(_campaign.c.id == campaign_id))
        if status is None:
            raise CampaignOptionsError(f"campaign {campaign_id}: no such campaign")
        if status not in EDITABLE_STATES:
            raise CampaignNotEditable(
                f"活动状态为 {status}：只能修改草稿、已计划或已暂停的活动，请先暂停 / pause it first"
            )
        if status != "paused":
            columns["status"] = "scheduled" if (options.start or options.cron) else "draft"
        try:
            changed = conn.execute(
                update(_campaign)
                .where(_campaign.c.id == campaign_id, _campaign.c.status == status)
                .values(**columns)
            ).rowcount
        except IntegrityError:
            raise CampaignOptionsError(f"a campaign named {options.name!r} already exists") from None
    if not changed:
        raise CampaignNotEditable("活动状态刚刚改变，请刷新后再改 / the campaign changed meanwhile")
    if status == "paused":
        create_tasks(engine, campaign_id, Audience.from_json(columns["audience"]), now)


def copy_name(engine: Engine, name: str) -> str:
    """``name（副本）``, then ``name（副本 2）`` … whichever is free (names are unique)."""
    with engine.connect() as conn:
        taken = set(conn.scalars(select(_campaign.c.name).where(_campaign.c.name.like(f"{name}（副本%"))))
    candidate, n = f"{name}（副本）", 2
    while candidate in taken:
        candidate, n = f"{name}（副本 {n}）", n + 1
    return candidate[:200]


def copied_values(engine: Engine, campaign_id: int) -> dict[str, Any]:
    """The columns of a draft copy of the campaign, named ``…（副本）``."""
    with engine.connect() as conn:
        row = conn.execute(select(_campaign).where(_campaign.c.id == campaign_id)).first()
    if row is None:
        raise CampaignOptionsError(f"campaign {campaign_id}: no such campaign")
    values: dict[str, Any] = {c: getattr(row, c) for c in _COPIED}
    values.update(name=copy_name(engine, row.name), status="draft")
    return values


def insert_campaign(conn: Connection, values: dict[str, Any]) -> int:
    try:
        with conn.begin_nested():
            return int(
                conn.execute(insert(_campaign).values(**values).returning(_campaign.c.id)).scalar_one()
            )
    except IntegrityError:
        raise CampaignOptionsError(f"a campaign named {values['name']!r} already exists") from None


def copy_campaign(engine: Engine, campaign_id: int) -> int:
    """A new draft with the same audience, texts, windows, retries and limits; returns its id."""
    values = copied_values(engine, campaign_id)
    with engine.begin() as conn:
        return insert_campaign(conn, values)
