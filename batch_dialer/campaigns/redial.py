"""失败号码重呼: a new draft campaign calling again the contacts whose final outcome in an earlier
campaign is one of those chosen, with the earlier campaign's texts, windows, retries and limits.

The chosen contacts get a tag (``重呼-活动N-YYYYmmddHHMMSS``) and the new campaign's audience is that
tag, so the audience stays fixed, is visible on the contacts and works with every existing path
(forecast, start, reports). Outcomes are the reports' final outcomes (reports/task_outcome.py)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, insert, literal, select

from batch_dialer.campaigns.campaign_editing import copied_values, insert_campaign
from batch_dialer.campaigns.campaign_options import CampaignOptionsError
from batch_dialer.campaigns.models import CallTask, Campaign, ContactTag, table_of
from batch_dialer.reports.labels import OUTCOME_LABELS
from batch_dialer.reports.task_outcome import final_outcome_expr

__all__ = ["REDIALLABLE", "RedialResult", "create_redial", "outcome_counts"]

_campaign = table_of(Campaign)
_task = table_of(CallTask)
_tag = table_of(ContactTag)
#: outcomes worth calling again (answered, empty numbers and do-not-call never are)
REDIALLABLE = ("busy", "power_off", "no_answer", "failed", "unknown", "rejected", "not_dialled")


@dataclass(frozen=True)
class RedialResult:
    campaign_id: int
    contacts: int
    tag: str


def outcome_counts(engine: Engine, campaign_id: int) -> dict[str, int]:
    """Contacts of the campaign by final outcome, in the reports' order."""
    outcome = final_outcome_expr()
    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                select(outcome, func.count()).where(_task.c.campaign_id == campaign_id).group_by(outcome)
            ).all()
        )
    return {code: int(rows[code]) for code in OUTCOME_LABELS if code in rows}


def create_redial(
    engine: Engine, source_id: int, outcomes: Collection[str], name: str, now: datetime
) -> RedialResult:
    """Tag the contacts, copy the campaign as a draft aimed at the tag and named ``name``."""
    chosen = [o for o in outcomes if o in OUTCOME_LABELS]
    if not chosen:
        raise CampaignOptionsError("请至少选择一种结果 / choose at least one outcome")
    if not name.strip():
        raise CampaignOptionsError("请填写新活动名称 / the new campaign needs a name")
    tag = f"重呼-活动{source_id}-{now:%Y%m%d%H%M%S}"
    picked = select(_task.c.contact_id, literal(tag)).where(
        _task.c.campaign_id == source_id, final_outcome_expr().in_(chosen)
    )
    values = copied_values(engine, source_id)
    values.update(
        name=name.strip()[:200], audience={"all": False, "batches": [], "tags": [tag], "products": []}
    )
    with engine.begin() as conn:  # the tags and the campaign together, or neither
        contacts = int(conn.execute(insert(_tag).from_select(["contact_id", "tag"], picked)).rowcount or 0)
        if not contacts:
            raise CampaignOptionsError("没有符合所选结果的联系人 / no contact has those outcomes")
        new_id = insert_campaign(conn, values)
    return RedialResult(campaign_id=new_id, contacts=contacts, tag=tag)
