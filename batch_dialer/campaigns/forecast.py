"""How long a campaign will take before it is launched: expected placements × holding time spread
over the channels, landed inside the calling windows.

The outcome mix comes from the last completed campaign that placed calls (mean holding time and the
shares of retried and empty outcomes), else from defaults matching the simulator's outcome weights.
Model: a number is empty with probability ``empty_share`` (one attempt, never again); otherwise each
attempt needs a retry with probability ``retry_share`` up to ``max_attempts``; the pacer keeps
``UTILISATION`` of the channels busy; a ``rate`` ceiling and the retry delays are lower bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select

from batch_dialer.campaigns.calling_window import CallingWindow
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, table_of
from batch_dialer.campaigns.retry_schedule import RetrySchedule

__all__ = ["SIMULATOR_MIX", "UTILISATION", "Forecast", "OutcomeMix", "forecast", "last_campaign_mix"]

UTILISATION = 0.95
_RETRIED = ("busy", "power_off", "failed", "unknown")
_HOLDING_SAMPLE = 5000

_campaign = table_of(Campaign)
_task = table_of(CallTask)
_attempt = table_of(CallAttempt)


@dataclass(frozen=True)
class OutcomeMix:
    empty_share: float  # of contacts: empty numbers (called once)
    retry_share: float  # of attempts on valid numbers: busy / power off / failed / unknown
    holding_s: float  # mean channel holding time of one attempt
    source: str  # shown to the manager: where the figures come from


#: The simulator's weights: 5 % empty numbers, 27 % of the remaining attempts retried
#: (busy 12, power off 8, failed 7), answered calls ring ~9 s and play ~40 s.
SIMULATOR_MIX = OutcomeMix(
    empty_share=0.05, retry_share=0.27 / 0.95, holding_s=36.0, source="模拟器默认结果分布"
)


@dataclass(frozen=True)
class Forecast:
    contacts: int
    expected_attempts: float
    channel_seconds: float
    open_seconds: float  # calling-window time needed
    starts_at: datetime
    ends_at: datetime
    mix: OutcomeMix

    def as_json(self) -> dict[str, object]:
        return {
            "contacts": self.contacts,
            "expected_attempts": round(self.expected_attempts, 1),
            "open_seconds": round(self.open_seconds),
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "mix": {
                "empty_share": round(self.mix.empty_share, 4),
                "retry_share": round(self.mix.retry_share, 4),
                "holding_s": round(self.mix.holding_s, 1),
                "source": self.mix.source,
            },
        }


def attempts_per_contact(mix: OutcomeMix, max_attempts: int) -> float:
    valid = sum(mix.retry_share**k for k in range(max(max_attempts, 1)))
    return mix.empty_share + (1 - mix.empty_share) * valid


def forecast(
    contacts: int,
    *,
    channels: int,
    window: CallingWindow,
    start: datetime,
    mix: OutcomeMix = SIMULATOR_MIX,
    max_attempts: int = 3,
    rate_per_min: int | None = None,
    retry: RetrySchedule | None = None,
) -> Forecast:
    """When ``contacts`` would be done if dialling began at ``start`` (or the next window opening)."""
    attempts = contacts * attempts_per_contact(mix, max_attempts)
    channel_seconds = attempts * mix.holding_s
    needed = channel_seconds / (max(channels, 1) * UTILISATION)
    if rate_per_min:
        needed = max(needed, attempts / rate_per_min * 60.0)
    if contacts and retry is not None and max_attempts > 1 and mix.retry_share > 0:
        chain = sum(retry.delay_for("busy", i).total_seconds() for i in range(max_attempts - 1))
        needed = max(needed, chain + mix.holding_s * max_attempts)
    begins = window.next_open(start)
    ends = window.advance_open(begins, needed) if contacts else begins
    return Forecast(contacts, attempts, channel_seconds, needed, begins, ends, mix)


def last_campaign_mix(engine: Engine, exclude_campaign: int | None = None) -> OutcomeMix | None:
    """The outcome mix of the most recently finished campaign that placed calls, if any."""
    with engine.connect() as conn:
        query = (
            select(_campaign.c.id, _campaign.c.name)
            .where(_campaign.c.status == "completed", _campaign.c.finished_at.is_not(None))
            .order_by(_campaign.c.finished_at.desc())
            .limit(5)
        )
        for row in conn.execute(query).all():
            if row.id == exclude_campaign:
                continue
            mix = _mix_of(conn, row.id, row.name)
            if mix is not None:
                return mix
    return None


def _mix_of(conn: Connection, campaign_id: int, name: str) -> OutcomeMix | None:
    counts: dict[str, int] = {
        outcome: int(n)
        for outcome, n in conn.execute(
            select(_attempt.c.outcome, func.count())
            .where(_attempt.c.campaign_id == campaign_id, _attempt.c.outcome.is_not(None))
            .group_by(_attempt.c.outcome)
        ).all()
    }
    total = sum(counts.values())
    if not total:
        return None
    dialled = int(
        conn.scalar(
            select(func.count(func.distinct(_attempt.c.task_id))).where(
                _attempt.c.campaign_id == campaign_id, _attempt.c.outcome.is_not(None)
            )
        )
        or 0
    )
    empty = counts.get("empty", 0)
    valid = total - empty
    retried = sum(counts.get(o, 0) for o in _RETRIED)
    spans = conn.execute(
        select(_attempt.c.placed_at, _attempt.c.finished_at)
        .where(
            _attempt.c.campaign_id == campaign_id,
            _attempt.c.placed_at.is_not(None),
            _attempt.c.finished_at.is_not(None),
        )
        .order_by(_attempt.c.id.desc())
        .limit(_HOLDING_SAMPLE)
    ).all()
    seconds = [(end - begin).total_seconds() for begin, end in spans if end >= begin]
    holding = sum(seconds) / len(seconds) if seconds else SIMULATOR_MIX.holding_s
    return OutcomeMix(
        empty_share=empty / dialled if dialled else 0.0,
        retry_share=retried / valid if valid else 0.0,
        holding_s=max(holding, 1.0),
        source=f"上次活动「{name}」的实际结果",
    )
