"""Our attempts against the call centre's own log (§21 CALL_LOG_QUERY), page by page.

The log is read in pages of ``PAGE_SIZE``; each page's ``clickcallid`` values (our tokens) are looked
up in one query, so memory stays bounded by a page however long the campaign. Rows whose
clickcallid is not one of this campaign's tokens belong to someone else and are skipped.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.callcenter.masking import mask_phone
from batch_dialer.campaigns.models import CallAttempt, table_of
from batch_dialer.reports.satisfaction_stats import normalise_key
from batch_dialer.reports.summary_model import CampaignInfo, CrossCheck, Disagreement
from batch_dialer.reports.task_outcome import key_value_expr

__all__ = ["MAX_EXAMPLES", "PAGE_SIZE", "cross_check"]

PAGE_SIZE = 1000
MAX_EXAMPLES = 100
_A = table_of(CallAttempt).c
_ANSWERED = "STATE_RECEIVED"
_FAILED = "STATE_FAILED"


def cross_check(
    conn: Connection, campaign: CampaignInfo, centre: CallCenter, variable: str, unmasked: bool = False
) -> CrossCheck:
    """Compare answered / not answered and the key pressed; an unreachable centre gives checked=False."""
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
    matched = centre_rows = 0
    durations: list[int] = []
    try:
        offset = 0
        while True:
            page = centre.call_log_query(begin, end, direction=0, first=offset, max_results=PAGE_SIZE)
            offset += len(page)
            entries = {e.clickcallid: e for e in page if e.clickcallid}
            if entries:
                ours = conn.execute(
                    select(
                        _A.token,
                        _A.phone,
                        _A.state,
                        _A.outcome,
                        key_value_expr(_A["keys"], variable).label("key"),
                    ).where(_A.campaign_id == campaign.id, _A.token.in_(list(entries)))
                ).all()
                for row in ours:
                    entry = entries[row.token]
                    centre_rows += 1
                    if row.state == "final":
                        matched += 1
                    if entry.state == _ANSWERED:
                        durations.append(entry.duration)
                    kind, our_text, their_text = _compare(
                        row.outcome, normalise_key(row.key), entry.state, entry.estimate
                    )
                    if kind is None:
                        continue
                    kinds[kind] += 1
                    if len(examples) < MAX_EXAMPLES:
                        phone = row.phone if unmasked else mask_phone(row.phone)
                        examples.append(Disagreement(row.token, phone, kind, our_text, their_text))
            if len(page) < PAGE_SIZE:
                break
    except CallCenterError as exc:
        return CrossCheck(checked=False, note=f"call centre not reachable, cross-check skipped: {exc}")
    except OSError as exc:
        return CrossCheck(
            checked=False, note=f"call centre not reachable, cross-check skipped: {exc.__class__.__name__}"
        )
    disagreeing = sum(kinds.values())
    missing = max(ours_final - matched, 0)
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


def _compare(
    our_outcome: str | None, our_key: str | None, centre_state: str, estimate: str | None
) -> tuple[str | None, str, str]:
    """(kind or None when they agree, our side, the centre's side) for one call."""
    ours_answered = our_outcome == "answered"
    if centre_state == _ANSWERED and not ours_answered and our_outcome is not None:
        return "centre_answered", our_outcome, centre_state
    if centre_state == _FAILED and ours_answered:
        return "centre_not_answered", "answered", centre_state
    if centre_state == _ANSWERED and ours_answered:
        theirs = normalise_key(estimate)
        if theirs != our_key:
            return "key_differs", our_key or "", theirs or ""
    return None, "", ""
