"""Deterministic call plans: the same seed, number and attempt give the same ending, keys and times."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["REASONS", "CallPlan", "PlanKind", "plan_call"]


class PlanKind(StrEnum):
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    UNREACHABLE = "unreachable"
    EMPTY = "empty"
    CANCELLED = "cancelled"  # the agent did not pick up; the contact was never dialled


#: What the simulated switch writes into cdrHangupReasonCode / Text (Q.850 cause and FreeSWITCH name).
REASONS: dict[PlanKind, tuple[str, str]] = {
    PlanKind.ANSWERED: ("16", "NORMAL_CLEARING"),
    PlanKind.BUSY: ("17", "USER_BUSY"),
    PlanKind.NO_ANSWER: ("19", "NO_ANSWER"),
    PlanKind.UNREACHABLE: ("20", "SUBSCRIBER_ABSENT"),
    PlanKind.EMPTY: ("1", "UNALLOCATED_NUMBER"),
    PlanKind.CANCELLED: ("487", "ORIGINATOR_CANCEL"),
}

_MIX: tuple[tuple[PlanKind, float], ...] = (
    (PlanKind.ANSWERED, 0.60),
    (PlanKind.BUSY, 0.12),
    (PlanKind.NO_ANSWER, 0.12),
    (PlanKind.UNREACHABLE, 0.08),
    (PlanKind.CANCELLED, 0.08),
)
_KEYS = ("1", "1", "2", "2", "3", "4", "5", "9", None)


@dataclass(frozen=True)
class CallPlan:
    kind: PlanKind
    ring_s: float  # nominal seconds the contact's phone rings (0 when never dialled)
    talk_s: int  # nominal talk seconds when answered
    key: str | None  # the IVR key the contact presses after answering


def _rng(seed: int, *parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def plan_call(seed: int, phone: str, attempt_no: int) -> CallPlan:
    """An empty number stays empty on every attempt; everything else is drawn per attempt."""
    if _rng(seed, "empty", phone).random() < 0.05:
        return CallPlan(PlanKind.EMPTY, 1.0, 0, None)
    rng = _rng(seed, phone, attempt_no)
    draw, kind = rng.random(), PlanKind.ANSWERED
    for candidate, share in _MIX:
        if draw < share:
            kind = candidate
            break
        draw -= share
    ring = {PlanKind.CANCELLED: 0.0, PlanKind.NO_ANSWER: 30.0}.get(kind, rng.uniform(3.0, 15.0))
    talk = rng.randint(15, 90) if kind is PlanKind.ANSWERED else 0
    key = rng.choice(_KEYS) if kind is PlanKind.ANSWERED else None
    return CallPlan(kind, ring, talk, key)
