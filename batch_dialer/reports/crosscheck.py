"""Our attempts against the call centre's own log (§21 CALL_LOG_QUERY), page by page.

As the document defines the log (docs/guoxin-contract.md, §21): ``first`` is a start id, so pages
follow the ids; ``clickcallid`` is a click-to-call id and ``estimate`` an agent rating (1/2/3), so
neither identifies nor describes our IVR calls. A log row is ours when its ``callee`` is the number of
one of this campaign's finished attempts and it began within ``MATCH_WINDOW`` after that attempt was
placed (``CLOCK_SKEW`` earlier allowed); each attempt matches at most one row, the nearest in time.
Memory stays bounded by a page plus the ids of matched attempts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.callcenter.masking import mask_phone
from batch_dialer.callcenter.results import CallLogEntry
from batch_dialer.campaigns.models import CallAttempt, table_of
from batch_dialer.reports.summary_model import CampaignInfo, CrossCheck, Disagreement

__all__ = ["CLOCK_SKEW", "MATCH_WINDOW", "MAX_EXAMPLES", "PAGE_SIZE", "cross_check"]

PAGE_SIZE = 1000
MAX_EXAMPLES = 100
#: A centre's call may begin this long after we placed it (waiting for a channel).
MATCH_WINDOW = timedelta(minutes=30)
#: ... or this much before, when the two clocks disagree.
CLOCK_SKEW = timedelta(minutes=5)
_A = table_of(CallAttempt).c
_Ours = Any  # a result row: id, token, phone, outcome, placed_at

_ANSWERED = "STATE_RECEIVED"
_FAILED = "STATE_FAILED"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def cross_check(
    conn: Connection, campaign: CampaignInfo, centre: CallCenter, variable: str, unmasked: bool = False
) -> CrossCheck:
    """Compare answered / not answered per call; an unreachable centre gives checked=False.

    ``variable`` is kept for the callers: the log has no IVR keys to compare (estimate is a rating)."""
    del variable
    span = conn.execute(
        select(func.min(_A.placed_at), func.max(_A.placed_at), func.count()).where(
            _A.campaign_id == campaign.id, _A.state == "final"
        )
    ).one()
    first, last, ours_final = span
    if not ours_final or first is None or last is None:
        return CrossCheck(checked=True, note="no finished calls to compare yet")
    tz = ZoneInfo(campaign.tz)
    # One day of slack on both sides covers a centre that keeps its log in another zone.
    begin: date = first.astimezone(tz).date() - timedelta(days=1)
    end: date = last.astimezone(tz).date() + timedelta(days=1)
    kinds: dict[str, int] = defaultdict(int)
    examples: list[Disagreement] = []
    matched_ids: set[int] = set()
    durations: list[int] = []
    try:
        start_id = 0
        while True:
            page = centre.call_log_query(begin, end, direction=0, first=start_id, max_results=PAGE_SIZE)
            for entry, row in _match_page(conn, campaign.id, page, matched_ids):
                matched_ids.add(row.id)
                if entry.state == _ANSWERED:
                    durations.append(entry.duration)
                kind, our_text, their_text = _compare(row.outcome, entry.state)
                if kind is None:
                    continue
                kinds[kind] += 1
                if len(examples) < MAX_EXAMPLES:
                    phone = row.phone if unmasked else mask_phone(row.phone)
                    examples.append(Disagreement(row.token, phone, kind, our_text, their_text))
            next_id = max((e.id for e in page), default=start_id - 1) + 1
            if len(page) < PAGE_SIZE or next_id <= start_id:
                break
            start_id = next_id
    except CallCenterError as exc:
        return CrossCheck(checked=False, note=f"call centre not reachable, cross-check skipped: {exc}")
    except OSError as exc:
        return CrossCheck(
            checked=False, note=f"call centre not reachable, cross-check skipped: {exc.__class__.__name__}"
        )
    centre_rows = len(matched_ids)
    disagreeing = sum(kinds.values())
    missing = max(ours_final - centre_rows, 0)
    note = (
        f"{centre_rows} centre log rows matched our calls; {disagreeing} disagree; "
        f"{missing} of our finished calls are missing from the centre's log"
    )
    return CrossCheck(
        checked=True,
        note=note,
        centre_rows=centre_rows,
        ours_placed=int(ours_final),
        missing_in_centre=missing,
        disagreements_by_kind=dict(kinds),
        examples=examples,
        mean_duration_s=sum(durations) / len(durations) if durations else None,
    )


def _match_page(
    conn: Connection, campaign_id: int, page: list[CallLogEntry], taken: set[int]
) -> list[tuple[CallLogEntry, _Ours]]:
    """This page's log rows paired with our finished attempts: same callee, nearest placement in time."""
    entries = [e for e in page if e.callee]
    if not entries:
        return []
    earliest = min(e.begin_time for e in entries) - MATCH_WINDOW
    latest = max(e.begin_time for e in entries) + CLOCK_SKEW
    ours = conn.execute(
        select(_A.id, _A.token, _A.phone, _A.outcome, _A.placed_at).where(
            _A.campaign_id == campaign_id,
            _A.state == "final",
            _A.phone.in_({e.callee for e in entries}),
            _A.placed_at >= earliest,
            _A.placed_at <= latest,
        )
    ).all()
    by_phone: dict[str, list[_Ours]] = defaultdict(list)
    for row in ours:
        if row.id not in taken:
            by_phone[row.phone].append(row)
    pairs = []
    used: set[int] = set()
    for entry in sorted(entries, key=lambda e: e.begin_time):
        candidates = [
            row
            for row in by_phone.get(entry.callee, [])
            if row.id not in used and -CLOCK_SKEW <= entry.begin_time - _aware(row.placed_at) <= MATCH_WINDOW
        ]
        if candidates:
            best = min(candidates, key=lambda row: abs(entry.begin_time - _aware(row.placed_at)))
            used.add(best.id)
            pairs.append((entry, best))
    return pairs


def _compare(our_outcome: str | None, centre_state: str) -> tuple[str | None, str, str]:
    """(kind or None when they agree, our side, the centre's side) for one call."""
    ours_answered = our_outcome == "answered"
    if centre_state == _ANSWERED and not ours_answered and our_outcome is not None:
        return "centre_answered", our_outcome, centre_state
    if centre_state == _FAILED and ours_answered:
        return "centre_not_answered", "answered", centre_state
    return None, "", ""
