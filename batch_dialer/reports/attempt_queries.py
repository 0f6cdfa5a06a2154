"""One GROUP BY over a campaign's placed attempts: retry yield, answer rate by hour and day, and the
keys pressed per day. Returns a few thousand rows whatever the number of attempts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from batch_dialer.campaigns.models import CallAttempt, table_of
from batch_dialer.reports.satisfaction_stats import normalise_key
from batch_dialer.reports.task_outcome import key_value_expr
from batch_dialer.reports.time_buckets import bucket_expr, local_hours

__all__ = ["PLACED_STATES", "UNPLACED_STATES", "AttemptTotals", "attempt_totals"]

_A = table_of(CallAttempt).c

#: Attempt states that mean the centre got the call (a real placement); queued/abandoned never left us.
PLACED_STATES = ("placed", "final", "unknown")
UNPLACED_STATES = ("queued", "abandoned")


@dataclass(slots=True)
class AttemptTotals:
    placed: int = 0
    by_number: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_hour: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_day: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    day_keys: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))


def attempt_totals(
    conn: Connection, campaign_id: int, variable: str, tz: ZoneInfo, dialect: str
) -> AttemptTotals:
    """Placements are counted by ordinal per task, not by attempt_no: an abandoned claim leaves a gap in
    attempt_no without being a call. The main scan groups by attempt_no (a window function over every
    attempt would cost a third more); the few tasks with an unplaced claim are renumbered afterwards."""
    when = func.coalesce(_A.placed_at, _A.claimed_at)
    bucket = bucket_expr(when, dialect).label("bucket")
    key = key_value_expr(_A["keys"], variable).label("key")
    stmt = (
        select(_A.attempt_no.label("ordinal"), _A.outcome, bucket, key, func.count().label("n"))
        .where(_A.campaign_id == campaign_id, _A.state.in_(PLACED_STATES))
        .group_by(_A.attempt_no, _A.outcome, bucket, key)
    )
    rows = conn.execute(stmt).all()
    hours = local_hours((int(r.bucket) for r in rows if r.bucket is not None), tz)
    totals = AttemptTotals()
    for row in rows:
        n = int(row.n)
        answered = n if row.outcome == "answered" else 0
        totals.placed += n
        number = totals.by_number[int(row.ordinal)]
        number[0] += n
        number[1] += answered
        if row.bucket is None:
            continue
        local = hours[int(row.bucket)]
        for cell in (totals.by_hour[local.hour], totals.by_day[local.date().isoformat()]):
            cell[0] += n
            cell[1] += answered
        pressed = normalise_key(row.key) if answered else None
        if pressed is not None:
            totals.day_keys[local.date().isoformat()][pressed] += n
    _renumber(conn, campaign_id, totals)
    return totals


def _renumber(conn: Connection, campaign_id: int, totals: AttemptTotals) -> None:
    """Move the placements of tasks with an unplaced claim from their attempt_no to their ordinal."""
    gappy = select(_A.task_id).where(_A.campaign_id == campaign_id, _A.state.in_(UNPLACED_STATES))
    ordinal = func.row_number().over(partition_by=_A.task_id, order_by=_A.attempt_no).label("ordinal")
    inner = (
        select(_A.attempt_no, ordinal, _A.outcome)
        .where(_A.campaign_id == campaign_id, _A.task_id.in_(gappy), _A.state.in_(PLACED_STATES))
        .subquery()
    )
    moved = select(inner.c.attempt_no, inner.c.ordinal, inner.c.outcome, func.count().label("n")).group_by(
        inner.c.attempt_no, inner.c.ordinal, inner.c.outcome
    )
    for row in conn.execute(moved):
        if row.attempt_no == row.ordinal:
            continue
        n, answered = int(row.n), int(row.n) if row.outcome == "answered" else 0
        source, target = totals.by_number[int(row.attempt_no)], totals.by_number[int(row.ordinal)]
        source[0] -= n
        source[1] -= answered
        target[0] += n
        target[1] += answered
        if source[0] == 0:
            del totals.by_number[int(row.attempt_no)]
