"""Build a campaign's ReportSummary from a handful of GROUP BY queries (never one object per row)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.campaigns.clock import Clock, system_clock
from batch_dialer.campaigns.kinds.registry import reports_delivery
from batch_dialer.reports.agent_report import agent_report_for
from batch_dialer.reports.attempt_queries import attempt_totals
from batch_dialer.reports.campaign_lookup import find_campaign
from batch_dialer.reports.crosscheck import cross_check
from batch_dialer.reports.labels import OUTCOME_ORDER, outcome_label
from batch_dialer.reports.satisfaction_stats import satisfaction_stats
from batch_dialer.reports.summary_model import (
    AttemptNumberStats,
    BreakdownRow,
    OutcomeCount,
    PendingDue,
    RateBucket,
    ReportSummary,
)
from batch_dialer.reports.task_queries import (
    GroupKeys,
    batch_groups,
    campaign_batch_ids,
    pending_rows,
    product_groups,
    rejected_count,
    task_totals,
)
from batch_dialer.reports.time_buckets import local_hours

__all__ = ["DEFAULT_SATISFACTION_VAR", "build_summary"]

DEFAULT_SATISFACTION_VAR = "satisfact"


def build_summary(
    engine: Engine,
    campaign: str | int,
    *,
    satisfaction_var: str = DEFAULT_SATISFACTION_VAR,
    clock: Clock = system_clock,
    centre: CallCenter | None = None,
    unmasked: bool = False,
    centre_url: str | None = None,
) -> ReportSummary:
    """Everything the report shows. ``centre`` adds the call-log cross-check (skipped with a note when
    unreachable); ``clock`` decides what is "due now" among pending tasks."""
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as conn:
        summary = _summarise(conn, campaign, satisfaction_var, clock.now(), engine.dialect.name)
        summary.centre_url = centre_url
        summary.agents = agent_report_for(conn, summary.campaign.id, summary.campaign.kind, centre_url)
        if centre is not None:
            summary.crosscheck = cross_check(conn, summary.campaign, centre, satisfaction_var, unmasked)
    return summary


def _summarise(conn: Connection, campaign: str | int, var: str, now: datetime, dialect: str) -> ReportSummary:
    info = find_campaign(conn, campaign)
    tz = ZoneInfo(info.tz)
    tasks = task_totals(conn, info.id, var)
    attempts = attempt_totals(conn, info.id, var, tz, dialect)
    delivery = reports_delivery(info.kind)
    labels = info.key_labels
    outcomes = [
        OutcomeCount(
            o,
            outcome_label(o),
            tasks.by_outcome.get(o, 0),
            _share(tasks.by_outcome.get(o, 0), tasks.contacts),
        )
        for o in OUTCOME_ORDER
    ]
    outcomes += [
        OutcomeCount(o, outcome_label(o), n, _share(n, tasks.contacts))
        for o, n in sorted(tasks.by_outcome.items())
        if o not in OUTCOME_ORDER
    ]
    by_day_sat = [
        BreakdownRow(day, placed, satisfaction_stats(answered, attempts.day_keys.get(day, {}), labels))
        for day, (placed, answered) in sorted(attempts.by_day.items())
    ]
    batch_ids = campaign_batch_ids(conn, info.id)
    return ReportSummary(
        campaign=info,
        generated_at=now.astimezone(tz),
        satisfaction_var=var,
        contacts=tasks.contacts,
        dialled=tasks.dialled,
        answered=tasks.answered,
        keyed=tasks.keyed,
        attempts=attempts.placed,
        outcomes=outcomes,
        attempts_per_contact=dict(sorted(tasks.attempts_per_contact.items())),
        by_attempt_number=[
            AttemptNumberStats(number, placed, answered)
            for number, (placed, answered) in sorted(attempts.by_number.items())
        ],
        by_hour=[RateBucket(f"{hour:02d}", *attempts.by_hour.get(hour, [0, 0])) for hour in range(24)],
        by_day=[
            RateBucket(day, placed, answered) for day, (placed, answered) in sorted(attempts.by_day.items())
        ],
        pending=_pending(conn, info.id, now, tz, dialect),
        satisfaction=None if delivery else satisfaction_stats(tasks.answered, tasks.answered_keys, labels),
        by_product=[] if delivery else _breakdown(product_groups(conn, info.id, var), labels, "（无产品）"),
        by_batch=[] if delivery else _breakdown(batch_groups(conn, info.id, var), labels, "（无导入批次）"),
        by_day_satisfaction=[] if delivery else by_day_sat,
        rejected_rows=rejected_count(conn, batch_ids),
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _breakdown(groups: GroupKeys, labels: Mapping[str, str], blank: str) -> list[BreakdownRow]:
    return [
        BreakdownRow(group or blank, contacts, satisfaction_stats(answered, keys, labels))
        for group, (contacts, answered, keys) in sorted(
            groups.items(), key=lambda item: (item[0] == "", item[0])
        )
    ]


def _pending(conn: Connection, campaign_id: int, now: datetime, tz: ZoneInfo, dialect: str) -> PendingDue:
    rows = pending_rows(conn, campaign_id, now, dialect)
    hours = local_hours((r.bucket for r in rows if r.bucket is not None and not r.due_now), tz)
    by_hour: dict[datetime, int] = {}
    pending = due_now = in_flight = 0
    for row in rows:
        if row.state == "in_flight":
            in_flight += row.count
            continue
        pending += row.count
        if row.due_now or row.bucket is None:
            due_now += row.count
        else:
            hour = hours[row.bucket]
            by_hour[hour] = by_hour.get(hour, 0) + row.count
    future = sorted(by_hour.items())
    local_now = now.astimezone(tz)
    return PendingDue(
        pending=pending,
        due_now=due_now,
        in_flight=in_flight,
        next_due=(local_now if due_now else future[0][0]) if pending else None,
        last_due=(future[-1][0] if future else local_now) if pending else None,
        by_hour=future,
    )
