"""Find the campaign a report is about, by name or by id."""

from __future__ import annotations

from sqlalchemy import Connection, select

from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.reports.errors import CampaignNotFound
from batch_dialer.reports.labels import resolve_key_labels
from batch_dialer.reports.summary_model import CampaignInfo

__all__ = ["find_campaign"]

_C = table_of(Campaign).c


def find_campaign(conn: Connection, name_or_id: str | int) -> CampaignInfo:
    """By exact name first; a name made of digits that matches no campaign is tried as an id."""
    cols = (_C.id, _C.name, _C.kind, _C.tz, _C.status, _C.key_labels)
    row = None
    if isinstance(name_or_id, str):
        row = conn.execute(select(*cols).where(_C.name == name_or_id)).first()
    if row is None and str(name_or_id).strip().isdigit():
        row = conn.execute(select(*cols).where(_C.id == int(str(name_or_id).strip()))).first()
    if row is None:
        raise CampaignNotFound(f"no campaign named {str(name_or_id)!r} (see `dialer campaign list`)")
    return CampaignInfo(
        id=row.id,
        name=row.name,
        kind=row.kind,
        tz=row.tz or "Asia/Shanghai",
        status=row.status,
        key_labels=resolve_key_labels(row.key_labels),
    )
