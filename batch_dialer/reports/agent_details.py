"""The agent columns of the per-contact detail (agent, talk time, recording) for kinds with agents.

Joined into the streamed detail query as a subquery the kind's ``AgentSource`` supplies, so the rows
stay one server-side cursor however many contacts there are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select

from batch_dialer.campaigns.models import CallTask, table_of
from batch_dialer.reports.agent_model import Link
from batch_dialer.reports.agent_report import agent_source
from batch_dialer.reports.summary_model import CampaignInfo

__all__ = ["AGENT_HEADERS", "AGENT_WIDTHS", "agent_detail_columns", "detail_headers"]

AGENT_HEADERS = ("坐席", "通话时长（秒）", "录音")
AGENT_WIDTHS = (10, 14, 40)
_TASK = table_of(CallTask)


def detail_headers(base: tuple[str, ...], kind: str) -> tuple[str, ...]:
    """The detail headers of a campaign of ``kind``: ``base`` plus the agent columns when it has agents."""
    return base + AGENT_HEADERS if agent_source(kind) is not None else base


def agent_detail_columns(
    stmt: Select[Any], campaign: CampaignInfo, centre_url: str | None
) -> tuple[Select[Any], Callable[[Any], tuple[Any, ...]] | None]:
    """``stmt`` (over call_task) with the agent columns joined in, and how a result row gives its
    AGENT_HEADERS values (the recording a ``Link`` when its address is known); unchanged (and None)
    for a kind without agents."""
    source = agent_source(campaign.kind)
    if source is None:
        return stmt, None
    extra = source.details(campaign.id)
    stmt = stmt.outerjoin(extra, extra.c.task_id == _TASK.c.id).add_columns(
        extra.c.agent.label("agent_name"),
        extra.c.talk_seconds.label("agent_talk_seconds"),
        extra.c.recording.label("agent_recording"),
    )

    def values(row: Any) -> tuple[Any, ...]:
        recording = row.agent_recording or ""
        url = source.recording_url(centre_url, recording) if recording else None
        return (
            row.agent_name or "",
            int(row.agent_talk_seconds or 0),
            Link(recording, url) if url else recording,
        )

    return stmt, values
