"""One GROUP BY over a campaign's placed attempts: retry yield, answer rate by hour and day, and the
keys pressed per day. Returns a few thousand rows whatever the number of attempts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from batch_dialer.campaigns.models import CallAttempt
from batch_dialer.reports.satisfaction_stats import normalise_key
from batch_dialer.reports.task_outcome import key_value_expr
from batch_dialer.reports.time_buckets import bucket_expr, local_hours

__all__ = ["PLACED_STATES", "AttemptTotals", "attempt_totals"]

_A = CallAttempt.__table__.c  # type: ignore[attr-defined]

#: Attempt states that mean the centre got the call (a real placement); queued/abandoned never left us.
PLACED_STATES = ("placed", "final", "unknown")


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
    """Placements are numbered per task in attempt_no order (row_number), because an abandoned claim
    leaves a gap in attempt_no without being a call."""
    ordinal = func.row_number().over(partition_by=_A.task_id, order_by=_A.attempt_no).label("ordinal")
    when = func.coalesce(_A.placed_at, _A.claimed_at)
    inner = (
        select(
            ordinal,
            _A.outcome.label("outcome"),
            bucket_expr(when, dialect).label("bucket"),
            key_value_expr(_A["keys"], variable).label("key"),
        )
        .where(_A.campaign_id == campaign_id, _A.state.in_(PLACED_STATES))
        .subquery()
    )
    stmt = select(
        inner.c.ordinal, inner.c.outcome, inner.c.bucket, inner.c.key, func.count().label("n")
    ).group_by(inner.c.ordinal, inner.c.outcome, inner.c.bucket, inner.c.key)
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
        for bucket, key in ((totals.by_hour, local.hour), (totals.by_day, local.date().isoformat())):
            cell = bucket[key]  # type: ignore[index]
            cell[0] += n
            cell[1] += answered
        pressed = normalise_key(row.key) if answered else None
        if pressed is not None:
            totals.day_keys[local.date().isoformat()][pressed] += n
    return totals
