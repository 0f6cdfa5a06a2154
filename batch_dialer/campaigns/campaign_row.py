"""One campaign row as a typed, frozen object: what the hot path (pacer, workers, ledger) reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from batch_dialer.campaigns.calling_window import CallingWindow
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.campaigns.outcome_policy import CampaignPolicy

__all__ = ["CampaignRow", "labelled_campaign_columns", "select_campaign_rows"]


@dataclass(frozen=True, slots=True)
class CampaignRow:
    """The ``campaign`` columns the engine uses (reports and the web read the table themselves)."""

    id: int
    name: str
    kind: str
    status: str
    token_salt: str
    toneid: int | None = None
    tts: dict[str, str] | None = None
    captcha: dict[str, Any] | None = None  # the kind's own settings (JSON), despite the column's name
    audience: dict[str, Any] | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    windows: list[str] | None = None
    days: str | None = None
    tz: str = "Asia/Shanghai"
    max_attempts: int = 3
    retry: dict[str, list[int]] | None = None
    cap_count: int | None = None
    cap_period_s: int | None = None
    channels: int = 10
    max_queue: int = 0
    rate_per_min: int | None = None
    priority: int = 1
    ivr_max_seconds: int = 180
    result_deadline_s: int = 1800

    @classmethod
    def from_mapping(cls, row: Mapping[Any, Any], prefix: str = "") -> CampaignRow:
        """From a ``select(campaign)`` row's ``_mapping`` (extra columns are ignored); ``prefix``: the
        columns were read as :func:`labelled_campaign_columns` labels them, beside another table's."""
        return cls(**{f.name: row[prefix + f.name] for f in fields(cls) if prefix + f.name in row})

    @property
    def settings(self) -> Mapping[str, Any]:
        """The kind's settings as stored (empty when none)."""
        return self.captcha or {}

    def calling_window(self) -> CallingWindow:
        return CallingWindow.parse(self.windows, self.days, self.tz or "Asia/Shanghai")

    def policy(self) -> CampaignPolicy:
        return CampaignPolicy.from_campaign(self)


_COLUMNS = tuple(table_of(Campaign).c[f.name] for f in fields(CampaignRow))


def select_campaign_rows() -> Select[Any]:
    """``select`` of just the columns a :class:`CampaignRow` holds (the table also holds what reports and
    the web console use); callers add their ``where`` and build it once, not per call."""
    return select(*_COLUMNS)


def labelled_campaign_columns(prefix: str) -> tuple[Any, ...]:
    """The same columns labelled ``prefix + name``, to read a campaign in the same row as what it owns."""
    return tuple(column.label(prefix + column.name) for column in _COLUMNS)
