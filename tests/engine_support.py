"""Helpers for engine tests: seed contacts and campaigns, compute what the policy implies, wait."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.callcenter.simulator import CallKind, plan_call
from batch_dialer.campaigns.campaign_options import CampaignOptions
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, Contact, table_of
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.scheduler.embedded import EmbeddedEngine
from batch_dialer.scheduler.service import Intervals
from batch_dialer.workers.runtime import Timings

__all__ = [
    "attempts_by_phone",
    "expected_attempts",
    "make_campaign",
    "run_to_completion",
    "seed_contacts",
    "wait_for",
]


def seed_contacts(engine: Engine, count: int, prefix: str = "139") -> list[str]:
    phones = [f"{prefix}{i:08d}" for i in range(count)]
    with engine.begin() as conn:
        conn.execute(
            insert(table_of(Contact)),
            [{"phone": p, "name": f"客户{i}", "phone_kind": "mobile"} for i, p in enumerate(phones)],
        )
    return phones


def make_campaign(engine: Engine, name: str = "test", **options: Any) -> int:
    """A campaign row from CLI-style options (fast retries and an all-day window by default)."""
    values: dict[str, Any] = {
        "name": name,
        "kind": "tts",
        "all_contacts": True,
        "toneid": 20,
        "tts": ["ttsabc=尊敬的{name}，请为本次服务打分"],
        "window": ["00:00-24:00"],
        "retry": ["busy=1s", "unreachable=1s", "failed=1s", "unknown=1s"],
        "channels": 10,
    }
    extra_columns: dict[str, Any] = {
        k: options.pop(k) for k in ("ivr_max_seconds", "result_deadline_s") if k in options
    }
    values.update(options)
    columns = CampaignOptions.build(**values).to_campaign_columns()
    columns.update(status="draft", ivr_max_seconds=3, result_deadline_s=120)
    columns.update(extra_columns)
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(table_of(Campaign)).values(**columns).returning(table_of(Campaign).c.id)
            ).scalar_one()
        )


def expected_attempts(seed: int, phone: str, max_attempts: int) -> tuple[int, str]:
    """(placements, final task state) the retry policy implies for the simulator's outcomes."""
    for n in range(1, max_attempts + 1):
        kind = plan_call(seed, phone, n).kind
        if kind in (CallKind.ANSWERED_KEY, CallKind.ANSWERED_NO_KEY):
            return n, "done"
        if kind is CallKind.EMPTY:
            return n, "invalid"
    return max_attempts, "exhausted"


def attempts_by_phone(engine: Engine, campaign_id: int) -> dict[str, tuple[int, str]]:
    task = table_of(CallTask)
    with engine.connect() as conn:
        return {
            row.phone: (int(row.attempts), row.state)
            for row in conn.execute(
                select(task.c.phone, task.c.attempts, task.c.state).where(task.c.campaign_id == campaign_id)
            )
        }


def placed_tokens(engine: Engine, campaign_id: int) -> list[str]:
    attempt = table_of(CallAttempt)
    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(attempt.c.token).where(
                    attempt.c.campaign_id == campaign_id, attempt.c.state.in_(("placed", "final", "unknown"))
                )
            )
        )


def open_tasks(engine: Engine, campaign_id: int) -> int:
    task = table_of(CallTask)
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count()).where(
                    task.c.campaign_id == campaign_id, task.c.state.in_(("pending", "in_flight"))
                )
            )
            or 0
        )


def wait_for(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> None:
    """Poll `condition` until it holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


FAST_TIMINGS = Timings(poll_interval_s=0.3, claim_lease_s=10.0)
FAST_TICKS = Intervals(pace=0.1, polls=0.2, recover=1.0, lifecycle=0.3)


def run_to_completion(
    engine: Engine,
    centre: CallCenter,
    campaign_id: int,
    *,
    timeout: float = 180,
    timings: Timings = FAST_TIMINGS,
    broker: Any = None,
    soap_factory: Any = None,
) -> None:
    """Start the campaign and run the embedded engine (fast ticks) until it is completed."""
    start(engine, campaign_id, datetime.now(UTC))
    with EmbeddedEngine(
        engine, centre, timings=timings, intervals=FAST_TICKS, broker=broker, soap_factory=soap_factory
    ):
        wait_for(
            lambda: campaign_progress(engine, campaign_id)["status"] == "completed", timeout, "completion"
        )
