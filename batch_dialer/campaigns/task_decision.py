"""Campaign rows → the pure policy objects, and the task's next state after an attempt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from batch_dialer.campaigns.calling_window import CallingWindow
from batch_dialer.campaigns.outcome_policy import CampaignPolicy, NumberCap, decide
from batch_dialer.campaigns.retry_schedule import RetrySchedule

__all__ = ["TaskDecision", "calling_window_of", "decide_task", "policy_of"]


@dataclass(frozen=True)
class TaskDecision:
    state: str
    next_attempt_at: datetime | None
    reason: str


def calling_window_of(campaign: Mapping[str, Any]) -> CallingWindow:
    return CallingWindow.parse(
        campaign.get("windows"), campaign.get("days"), campaign.get("tz") or "Asia/Shanghai"
    )


def policy_of(campaign: Mapping[str, Any]) -> CampaignPolicy:
    return CampaignPolicy(
        max_attempts=int(campaign["max_attempts"]),
        retry=RetrySchedule.from_json(campaign.get("retry")),
        window=calling_window_of(campaign),
        end_at=campaign.get("end_at"),
        cap=NumberCap.from_columns(campaign.get("cap_count"), campaign.get("cap_period_s")),
    )


def decide_task(
    campaign: Mapping[str, Any],
    task: Mapping[str, Any],
    outcome: str,
    now: datetime,
    recent_calls: Sequence[datetime] = (),
) -> TaskDecision:
    """The task's next state once an attempt ended; `task` is its row before this outcome."""
    previous = task.get("last_outcome")
    decision = decide(
        outcome,
        attempts=max(int(task["attempts"]), 1),
        policy=policy_of(campaign),
        now=now,
        seen_result=previous is not None and previous != "unknown",
        recent_calls=recent_calls,
    )
    return TaskDecision(decision.task_state.value, decision.retry_at, decision.reason)
