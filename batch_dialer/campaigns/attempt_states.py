"""The task and attempt state machines as data, and the vocabulary of attempt outcomes.

The database layer moves states only by compare-and-set (``UPDATE … WHERE id=? AND state=?``); it must
call :func:`check_transition` (or :func:`check_attempt_transition`) first, so no code path can make a move
that is not in these tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

__all__ = [
    "ATTEMPT_FINAL_STATES",
    "ATTEMPT_TRANSITIONS",
    "TASK_FINAL_STATES",
    "TASK_TRANSITIONS",
    "AttemptState",
    "IllegalTransition",
    "Outcome",
    "TaskState",
    "check_attempt_transition",
    "check_transition",
    "is_allowed",
]


class Outcome(StrEnum):
    """What one placed attempt ended in (the ``call_attempt.outcome`` column)."""

    ANSWERED = "answered"  # with or without keys; the keys travel separately
    BUSY = "busy"
    POWER_OFF = "power_off"  # power off / not reachable / out of service area
    EMPTY = "empty"  # the number does not exist
    FAILED = "failed"
    NO_ANSWER = "no_answer"  # rang out (SOAP RING_TIME_OUT)
    UNKNOWN = "unknown"  # no result ever came before the poll deadline
    REJECTED = "rejected"  # the centre refused this contact's data (400/420): never placed, not retried


class TaskState(StrEnum):
    """``call_task.state``: one contact in one campaign."""

    PENDING = "pending"  # waiting until next_attempt_at (due when it has passed)
    IN_FLIGHT = "in_flight"  # claimed by the pacer: an attempt is queued, placed or being decided
    DONE = "done"
    INVALID = "invalid"
    EXHAUSTED = "exhausted"
    DNC = "dnc"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        return self in TASK_FINAL_STATES


class AttemptState(StrEnum):
    """``call_attempt.state``: one placement of one task."""

    QUEUED = "queued"  # claimed and enqueued, not yet accepted by the centre
    SUBMITTING = "submitting"  # a worker is submitting it; a resubmission reuses the token
    PLACED = "placed"  # the centre accepted the token (200, or 483 on a resubmission)
    FINAL = "final"  # a final result came back (outcome set)
    UNKNOWN = "unknown"  # placed (or maybe placed) but no result before the deadline; counts as a placement
    ABANDONED = "abandoned"  # never reached the centre (lease expired, cancelled, window closed, DNC)

    @property
    def is_final(self) -> bool:
        return self in ATTEMPT_FINAL_STATES


TASK_FINAL_STATES: frozenset[TaskState] = frozenset(
    {
        TaskState.DONE,
        TaskState.INVALID,
        TaskState.EXHAUSTED,
        TaskState.DNC,
        TaskState.CANCELLED,
        TaskState.UNKNOWN,
    }
)

ATTEMPT_FINAL_STATES: frozenset[AttemptState] = frozenset(
    {AttemptState.FINAL, AttemptState.UNKNOWN, AttemptState.ABANDONED}
)

#: Allowed task moves. Final states have no way out; a same-state write is not a transition.
TASK_TRANSITIONS: Mapping[TaskState, frozenset[TaskState]] = {
    TaskState.PENDING: frozenset(
        {
            TaskState.IN_FLIGHT,  # claimed by the pacer
            TaskState.DNC,  # found on the do-not-call list at dial time
            TaskState.CANCELLED,  # campaign cancelled
            TaskState.EXHAUSTED,  # campaign end passed before the retry was due
            TaskState.UNKNOWN,  # end passed while only unknown results were seen
        }
    ),
    TaskState.IN_FLIGHT: frozenset(
        {
            TaskState.PENDING,  # retry scheduled, or the attempt was abandoned before placement
            TaskState.DONE,
            TaskState.INVALID,
            TaskState.EXHAUSTED,
            TaskState.UNKNOWN,
            TaskState.DNC,  # DNC check at dial time after the claim
            TaskState.CANCELLED,
        }
    ),
    **{state: frozenset() for state in TASK_FINAL_STATES},
}

#: Allowed attempt moves.
ATTEMPT_TRANSITIONS: Mapping[AttemptState, frozenset[AttemptState]] = {
    AttemptState.QUEUED: frozenset(
        {
            AttemptState.SUBMITTING,
            AttemptState.ABANDONED,  # released before any submission (window closed, paused)
        }
    ),
    AttemptState.SUBMITTING: frozenset(
        {
            AttemptState.PLACED,  # 200, or 483 for a resubmission of the same token
            AttemptState.FINAL,  # refused for this contact's data (400/420): outcome rejected
            AttemptState.ABANDONED,  # refused (486/480/503) or never reached the centre
        }
    ),
    AttemptState.PLACED: frozenset({AttemptState.FINAL, AttemptState.UNKNOWN}),
    **{state: frozenset() for state in ATTEMPT_FINAL_STATES},
}


class IllegalTransition(ValueError):
    """A state move that the tables forbid; a bug in the caller, never retried."""


def is_allowed(from_state: TaskState | str, to_state: TaskState | str) -> bool:
    """True when the task may move from ``from_state`` to ``to_state``."""
    return TaskState(to_state) in TASK_TRANSITIONS[TaskState(from_state)]


def check_transition(from_state: TaskState | str, to_state: TaskState | str) -> tuple[TaskState, TaskState]:
    """Return both states as enums, or raise IllegalTransition (ValueError for unknown names)."""
    source, target = TaskState(from_state), TaskState(to_state)
    if target not in TASK_TRANSITIONS[source]:
        raise IllegalTransition(f"task state {source.value} -> {target.value} is not allowed")
    return source, target


def check_attempt_transition(
    from_state: AttemptState | str, to_state: AttemptState | str
) -> tuple[AttemptState, AttemptState]:
    """Return both states as enums, or raise IllegalTransition (ValueError for unknown names)."""
    source, target = AttemptState(from_state), AttemptState(to_state)
    if target not in ATTEMPT_TRANSITIONS[source]:
        raise IllegalTransition(f"attempt state {source.value} -> {target.value} is not allowed")
    return source, target
