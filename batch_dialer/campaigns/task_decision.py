"""Campaign rows → the pure policy objects, and the task's next state after an attempt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from batch_dialer.campaigns.attempt_states import Outcome, TaskState
from batch_dialer.campaigns.calling_window import CallingWindow
from batch_dialer.campaigns.campaign_row import CampaignRow
from batch_dialer.campaigns.outcome_policy import CampaignPolicy, decide

__all__ = ["TaskDecision", "calling_window_of", "decide_task", "policy_of"]


@dataclass(frozen=True)
class TaskDecision:
    state: TaskState
    next_attempt_at: datetime | None
    reason: str


def calling_window_of(campaign: CampaignRow) -> CallingWindow:
    return campaign.calling_window()


def policy_of(campaign: CampaignRow) -> CampaignPolicy:
    return campaign.policy()


def decide_task(
    campaign: CampaignRow,
    task: Mapping[str, Any],
    outcome: Outcome,
    now: datetime,
    recent_calls: Sequence[datetime] = (),
) -> TaskDecision:
    """The task's next state once an attempt ended; `task` is its row after the attempt was counted."""
    previous = task.get("last_outcome")
    decision = decide(
        outcome,
        attempts=max(int(task["attempts"]), 1),
        policy=campaign.policy(),
        now=now,
        seen_result=previous is not None and previous != Outcome.UNKNOWN.value,
        recent_calls=recent_calls,
    )
    return TaskDecision(decision.task_state, decision.retry_at, decision.reason)
