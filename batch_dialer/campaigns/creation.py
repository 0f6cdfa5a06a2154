"""Creating a campaign: the one path the CLI and the web console share.

Options are validated (common ones and the kind's own), the kind's needs are checked against what the
configured centre's product can do (its URL scheme names it), and the row is inserted: draft, or
scheduled when a start time or cron is given. Every refusal is a CampaignOptionsError of one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from batch_dialer.callcenter.adapters import product_for_url
from batch_dialer.callcenter.capabilities import missing_capabilities
from batch_dialer.campaigns.audit_trail import record_in
from batch_dialer.campaigns.campaign_options import CampaignOptions, CampaignOptionsError
from batch_dialer.campaigns.kinds.registry import kind_named
from batch_dialer.campaigns.models import Campaign, Contact, table_of
from batch_dialer.campaigns.report_folder import confined_report_dir

__all__ = [
    "CentreLacksCapability",
    "build_options",
    "check_centre_can_run",
    "create_campaign",
    "extra_fields",
]

_campaign = table_of(Campaign)
_contact = table_of(Contact)


class CentreLacksCapability(CampaignOptionsError):
    """The configured call centre cannot do what the campaign's kind needs."""


def extra_fields(engine: Engine) -> set[str]:
    """Extra contact fields seen in a sample, so a placeholder typo is caught at creation."""
    fields: set[str] = set()
    with engine.connect() as conn:
        for extra in conn.scalars(select(_contact.c.extra).where(_contact.c.extra.is_not(None)).limit(2000)):
            fields.update((extra or {}).keys())
    return fields


def build_options(engine: Engine, values: Mapping[str, Any]) -> CampaignOptions:
    return CampaignOptions.build(extra_fields=extra_fields(engine), **values)


def check_centre_can_run(options: CampaignOptions, centre_url: str) -> None:
    """Refuse a kind whose needed capabilities the centre's product lacks (one line naming them)."""
    try:
        product = product_for_url(centre_url)
    except ValueError as exc:
        raise CentreLacksCapability(f"call centre URL: {exc}") from None
    kind = kind_named(options.kind)
    missing = missing_capabilities(kind.required_capabilities, product.capabilities)
    if missing:
        raise CentreLacksCapability(
            f"--kind {kind.name}: the {product.name} call centre has no {', '.join(missing)}"
        )


def create_campaign(engine: Engine, options: CampaignOptions, centre_url: str, *, actor: str = "cli") -> int:
    """Insert the campaign (draft, or scheduled with a start time or cron); returns its id. ``actor`` goes on
    the audit trail with it."""
    check_centre_can_run(options, centre_url)
    confined_report_dir(options.report_dir)  # ReportFolderError (a CampaignOptionsError) outside the base
    columns = options.to_campaign_columns()
    columns["status"] = "scheduled" if (options.start or options.cron) else "draft"
    try:
        with engine.begin() as conn:
            campaign_id = int(
                conn.execute(insert(_campaign).values(**columns).returning(_campaign.c.id)).scalar_one()
            )
            detail = {"kind": options.kind, "status": columns["status"]}
            record_in(conn, actor, "create", campaign_id=campaign_id, subject=options.name, detail=detail)
            return campaign_id
    except IntegrityError:
        raise CampaignOptionsError(f"a campaign named {options.name!r} already exists") from None
