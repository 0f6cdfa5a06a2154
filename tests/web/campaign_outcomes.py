"""A started campaign whose contacts end in chosen outcomes, written as the engine writes them (task
state + last outcome + one attempt row per placement), for the detail, redial and contact pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update

from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import CallAttempt, CallTask, table_of
from tests.engine_support import make_campaign, seed_contacts

__all__ = ["OUTCOMES", "campaign_with_outcomes"]

_task = table_of(CallTask)
_attempt = table_of(CallAttempt)
#: per contact: (task state, last outcome, placements, keys of the last one)
OUTCOMES: list[tuple[str, str | None, int, dict[str, str] | None]] = [
    ("done", "answered", 1, {"satisfact": "1"}),
    ("done", "answered", 2, {"satisfact": "4"}),
    ("exhausted", "busy", 3, None),
    ("exhausted", "busy", 3, None),
    ("exhausted", "power_off", 3, None),
    ("invalid", "empty", 1, None),
    ("pending", "busy", 1, None),  # waiting for its retry
    ("pending", None, 0, None),  # not dialled yet
]


def campaign_with_outcomes(engine: Engine, now: datetime, name: str = "回访") -> tuple[int, list[str]]:
    phones = seed_contacts(engine, len(OUTCOMES), prefix="138")
    campaign_id = make_campaign(engine, name)
    start(engine, campaign_id, now)
    with engine.begin() as conn:
        tasks = {row.phone: row.id for row in conn.execute(select(_task.c.id, _task.c.phone))}
        for phone, (state, outcome, placements, keys) in zip(phones, OUTCOMES, strict=True):
            task_id = tasks[phone]
            values: dict[str, Any] = {"state": state, "attempts": placements, "claims": placements}
            values.update(last_outcome=outcome, keys=keys)
            if state == "pending" and placements:
                values["next_attempt_at"] = now + timedelta(hours=2)
            conn.execute(update(_task).where(_task.c.id == task_id).values(**values))
            for n in range(1, placements + 1):
                last = n == placements
                placed = now - timedelta(minutes=10 * (placements - n + 1))
                answered = outcome == "answered" and last
                conn.execute(
                    insert(_attempt).values(
                        task_id=task_id,
                        campaign_id=campaign_id,
                        attempt_no=n,
                        phone=phone,
                        token=f"t{task_id}-{n}",
                        state="final",
                        outcome=outcome if last else "busy",
                        keys=keys if last else None,
                        placed_at=placed,
                        answered_at=placed + timedelta(seconds=5) if answered else None,
                        finished_at=placed + timedelta(seconds=47),
                    )
                )
    return campaign_id, phones
