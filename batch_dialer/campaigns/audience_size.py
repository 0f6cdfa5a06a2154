"""How many contacts a campaign's audience holds now, less the do-not-call list: what `campaign
create` (CLI and web) reports, and the forecast counts before the tasks exist."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from batch_dialer.campaigns.audience import Audience
from batch_dialer.campaigns.campaign_options import CampaignOptions
from batch_dialer.campaigns.models import Contact, DoNotCall, table_of

__all__ = ["audience_count", "audience_size"]

_contact = table_of(Contact)
_dnc = table_of(DoNotCall)


def audience_count(engine: Engine, audience: Audience) -> int:
    if audience.is_empty:
        return 0
    on_dnc = select(_dnc.c.phone).where(_dnc.c.phone == _contact.c.phone).exists()
    with engine.connect() as conn:
        query = select(func.count()).select_from(_contact).where(audience.where(), ~on_dnc)
        return int(conn.scalar(query) or 0)


def audience_size(engine: Engine, options: CampaignOptions) -> int:
    return audience_count(engine, Audience.from_json(options.to_campaign_columns()["audience"]))
