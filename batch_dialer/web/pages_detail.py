"""The 明细 page of a campaign (filters, search, paging) and its CSV export. Managers see whole
numbers; viewers see them masked, on the page and in the export alike."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.reports.formula_cells import csv_field
from batch_dialer.reports.labels import OUTCOME_LABELS
from batch_dialer.web.access_store import Identity
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import PageUser
from batch_dialer.web.campaign_detail import PAGE_ROWS, AttemptLine, DetailFilter, detail_page, export_lines

__all__ = ["EXPORT_HEADERS", "RETRY_FILTERS", "router"]

router = APIRouter(include_in_schema=False)
_campaign = table_of(Campaign)
RETRY_FILTERS = {"": "全部", "due": "可立即拨打", "waiting": "等待重拨", "none": "已结束"}
EXPORT_HEADERS = (
    "姓名",
    "电话",
    "最终结果",
    "拨打次数",
    "按键",
    "下次拨打",
    "第几次",
    "拨打时间",
    "结果",
    "该次按键",
    "通话秒数",
)


def _chosen(outcome: str, retry: str, q: str) -> DetailFilter:
    if outcome and outcome not in OUTCOME_LABELS:
        raise HTTPException(422, f"结果 {outcome!r} 无效 / unknown outcome")
    if retry not in RETRY_FILTERS:
        raise HTTPException(422, f"重拨 {retry!r} 无效 / unknown retry filter")
    return DetailFilter(outcome=outcome, retry=retry, q=q[:100])


def _campaign_row(request: Request, campaign_id: int) -> Any:
    with web_state(request).engine.connect() as conn:
        camp = conn.execute(select(_campaign).where(_campaign.c.id == campaign_id)).first()
    if camp is None:
        raise HTTPException(404, "没有这个活动 / no such campaign")
    return camp


def _unmasked(user: Identity) -> bool:
    return user.role == "manager"


@router.get("/campaigns/{campaign_id}/detail")
def detail_view(
    request: Request,
    campaign_id: int,
    user: PageUser,
    outcome: str = "",
    retry: str = "",
    q: str = "",
    page: int = 1,
) -> Response:
    state = web_state(request)
    camp = _campaign_row(request, campaign_id)
    chosen = _chosen(outcome, retry, q)
    with state.engine.connect() as conn:
        lines, total = detail_page(
            conn, campaign_id, chosen, state.clock.now(), unmasked=_unmasked(user), page=page
        )
    query = urlencode({"outcome": outcome, "retry": retry, "q": q})
    context = {
        "user": user,
        "c": camp,
        "lines": lines,
        "total": total,
        "page": max(page, 1),
        "pages": max(1, -(-total // PAGE_ROWS)),
        "chosen": chosen,
        "outcomes": OUTCOME_LABELS,
        "retry_filters": RETRY_FILTERS,
        "query": query,
    }
    return state.templates.TemplateResponse(request, "campaign_detail.html", context)


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _csv_lines(
    request: Request, campaign_id: int, chosen: DetailFilter, tz: str, unmasked: bool
) -> Iterator[str]:
    """One CSV line per attempt (a contact never dialled: one line), UTF-8 BOM first for Excel."""
    state = web_state(request)
    zone = ZoneInfo(tz)
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)
    yield "\ufeff"
    writer.writerow(EXPORT_HEADERS)
    with state.engine.connect() as conn:
        for line in export_lines(conn, campaign_id, chosen, state.clock.now(), unmasked=unmasked):
            head = [
                csv_field(line.name),
                csv_field(line.phone),
                line.outcome_label,
                line.attempts,
                csv_field(line.keys),
                _local(line.next_attempt_at, zone),
            ]
            attempts: list[AttemptLine | None] = [*line.history] if line.history else [None]
            for attempt in attempts:
                tail = (
                    ["", "", "", "", ""]
                    if attempt is None
                    else [
                        attempt.attempt_no,
                        _local(attempt.placed_at, zone),
                        attempt.outcome,
                        csv_field(attempt.keys),
                        "" if attempt.seconds is None else attempt.seconds,
                    ]
                )
                writer.writerow([*head, *tail])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()


@router.get("/campaigns/{campaign_id}/detail.csv")
def detail_export(
    request: Request, campaign_id: int, user: PageUser, outcome: str = "", retry: str = "", q: str = ""
) -> Response:
    camp = _campaign_row(request, campaign_id)
    chosen = _chosen(outcome, retry, q)
    name = f"{camp.name}-明细.csv"
    return StreamingResponse(
        _csv_lines(request, campaign_id, chosen, str(camp.tz), _unmasked(user)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
