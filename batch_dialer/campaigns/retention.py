"""Retention: the phone numbers of campaigns that finished more than N days ago are masked (138****8000).

What is kept: every task and attempt with its outcome, keys, times and durations, so reports keep their
aggregates (funnel, outcomes, satisfaction, retry yield); the audit trail keeps only number hashes anyway.
What goes: the whole numbers in ``call_task`` and ``call_attempt``, and attempt error texts (which may quote
the centre's answer). Readings where the issue is silent: contacts themselves are the manager's imported
lists, shared by campaigns, and stay until removed; recordings are held by the centre, and what we keep of
them — the 800ing pushes' recording paths and memos (which quote the numbers) — is purged, their numbers
masked; talk times, keys and outcomes stay. A masked campaign is marked (``campaign.masked_at``) and never
touched again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, bindparam, select, update

from batch_dialer.callcenter.masking import mask_phone
from batch_dialer.campaigns.audit_trail import record_in
from batch_dialer.campaigns.claiming import token_prefix
from batch_dialer.campaigns.ing800_models import Ing800Push
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, table_of

__all__ = ["RetentionResult", "apply_retention", "due_for_retention"]

_campaign = table_of(Campaign)
_task = table_of(CallTask)
_attempt = table_of(CallAttempt)
_push = table_of(Ing800Push)
_FINISHED = ("completed", "cancelled")


@dataclass
class RetentionResult:
    campaigns: list[str] = field(default_factory=list)
    tasks: int = 0
    attempts: int = 0


def due_for_retention(engine: Engine, now: datetime, days: int) -> list[tuple[int, str]]:
    """(id, name) of finished, not yet masked campaigns whose end is more than ``days`` ago."""
    if days <= 0:
        return []
    with engine.connect() as conn:
        rows = conn.execute(
            select(_campaign.c.id, _campaign.c.name)
            .where(
                _campaign.c.status.in_(_FINISHED),
                _campaign.c.masked_at.is_(None),
                _campaign.c.finished_at.is_not(None),
                _campaign.c.finished_at <= now - timedelta(days=days),
            )
            .order_by(_campaign.c.id)
        )
        return [(r.id, r.name) for r in rows]


def apply_retention(engine: Engine, now: datetime, days: int, *, actor: str = "retention") -> RetentionResult:
    """Mask the numbers of every campaign due; one transaction per campaign (none is left half done)."""
    result = RetentionResult()
    for campaign_id, name in due_for_retention(engine, now, days):
        with engine.begin() as conn:
            tasks = conn.execute(
                select(_task.c.id, _task.c.phone).where(_task.c.campaign_id == campaign_id)
            ).all()
            if tasks:
                conn.execute(
                    update(_task).where(_task.c.id == bindparam("tid")).values(phone=bindparam("masked")),
                    [{"tid": tid, "masked": mask_phone(phone)} for tid, phone in tasks],
                )
            attempts = conn.execute(
                select(_attempt.c.id, _attempt.c.phone).where(_attempt.c.campaign_id == campaign_id)
            ).all()
            if attempts:
                conn.execute(
                    update(_attempt)
                    .where(_attempt.c.id == bindparam("aid"))
                    .values(phone=bindparam("masked"), error=None, code=None),
                    [{"aid": aid, "masked": mask_phone(phone)} for aid, phone in attempts],
                )
            salt = conn.scalar(select(_campaign.c.token_salt).where(_campaign.c.id == campaign_id))
            pushes = conn.execute(
                select(_push.c.id, _push.c.phone).where(
                    _push.c.paramvalue.startswith(token_prefix(campaign_id, salt or ""), autoescape=True)
                )
            ).all()
            if pushes:
                conn.execute(
                    update(_push)
                    .where(_push.c.id == bindparam("pid"))
                    .values(phone=bindparam("masked"), record_file=None, payload=None),
                    [{"pid": pid, "masked": mask_phone(phone) if phone else None} for pid, phone in pushes],
                )
            conn.execute(update(_campaign).where(_campaign.c.id == campaign_id).values(masked_at=now))
            detail = {"days": days, "tasks": len(tasks), "attempts": len(attempts), "pushes": len(pushes)}
            record_in(conn, actor, "retention", campaign_id=campaign_id, subject=name, detail=detail, at=now)
        result.campaigns.append(name)
        result.tasks += len(tasks)
        result.attempts += len(attempts)
    return result
