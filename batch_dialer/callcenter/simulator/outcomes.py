"""Deterministic outcome planning: what happens when a given number is dialled for the n-th time.

Draws come from blake2b over (seed, callee, attempt_no), never from Python's randomised ``hash``, so
every process computes the same plan. The dialer's tests call ``plan_call`` to know what their retry
policy implies for each number.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

__all__ = [
    "EMPTY_NUMBER_RATE",
    "KIND_WEIGHTS",
    "CallKind",
    "PlannedCall",
    "is_empty_number",
    "plan_call",
]

_T = TypeVar("_T")


class CallKind(StrEnum):
    ANSWERED_KEY = "answered_key"
    ANSWERED_NO_KEY = "answered_no_key"
    BUSY = "busy"
    POWER_OFF = "power_off"
    EMPTY = "empty"
    FAILED = "failed"


#: Result state (IVR_TTS_CALL_RESULT / GET_CAPTCHA_RESULT) that each kind ends in.
_FINAL_STATE: dict[CallKind, int] = {
    CallKind.ANSWERED_KEY: 1,
    CallKind.ANSWERED_NO_KEY: 1,
    CallKind.BUSY: 5,
    CallKind.POWER_OFF: 6,
    CallKind.EMPTY: 3,
    CallKind.FAILED: 2,
}

#: Share of numbers that are empty (a property of the number: every attempt is empty).
EMPTY_NUMBER_RATE = 0.05
#: Weights of the per-attempt kinds for numbers that are not empty (they sum to 1 - EMPTY_NUMBER_RATE).
KIND_WEIGHTS: tuple[tuple[CallKind, float], ...] = (
    (CallKind.ANSWERED_KEY, 0.60),
    (CallKind.ANSWERED_NO_KEY, 0.08),
    (CallKind.BUSY, 0.12),
    (CallKind.POWER_OFF, 0.08),
    (CallKind.FAILED, 0.07),
)
#: Satisfaction keys, weighted toward satisfied (1 = very satisfied, 2 = satisfied, 3 = unsatisfied ...).
_KEY_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("1", 0.45),
    ("2", 0.30),
    ("3", 0.12),
    ("4", 0.08),
    ("5", 0.05),
)


@dataclass(frozen=True)
class PlannedCall:
    """Nominal durations in seconds (divide by the simulator's speed for real time).

    ``ring_s`` runs from seizing a channel to the answer (or to the failure signal); ``talk_s`` is the
    IVR / playback after the answer; ``key_at_s`` is when the key is pressed, counted from the answer;
    ``agent_s`` is the talk with an agent when the call is transferred (captcha with ``extnum``).
    """

    kind: CallKind
    ring_s: int
    talk_s: int
    keys: str
    key_at_s: int | None
    agent_s: int = 0

    @property
    def answered(self) -> bool:
        return self.kind in (CallKind.ANSWERED_KEY, CallKind.ANSWERED_NO_KEY)

    @property
    def final_state(self) -> int:
        """1 answered, 2 failed, 3 empty number, 5 busy, 6 power off (the document's result states)."""
        return _FINAL_STATE[self.kind]

    @property
    def holding_s(self) -> int:
        """Nominal channel holding time without any agent transfer."""
        return self.ring_s + self.talk_s


def _uniforms(*parts: object, count: int) -> list[float]:
    """``count`` independent uniforms in [0, 1) from a keyed hash of ``parts``."""
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8 * count).digest()
    return [int.from_bytes(digest[8 * i : 8 * i + 8], "big") / 2.0**64 for i in range(count)]


def _pick(weights: tuple[tuple[_T, float], ...], u: float) -> _T:
    total = sum(w for _, w in weights)
    acc = 0.0
    for value, weight in weights:
        acc += weight / total
        if u < acc:
            return value
    return weights[-1][0]


def _between(low: int, high: int, u: float) -> int:
    """An integer in [low, high], both inclusive."""
    return low + min(int(u * (high - low + 1)), high - low)


def is_empty_number(seed: int, callee: str) -> bool:
    """Whether this number does not exist (the same answer for every attempt)."""
    return _uniforms(seed, callee, "empty", count=1)[0] < EMPTY_NUMBER_RATE


def plan_call(seed: int, callee: str, attempt_no: int) -> PlannedCall:
    """The outcome of dialling ``callee`` for the ``attempt_no``-th time (1-based) with this ``seed``."""
    if attempt_no < 1:
        raise ValueError("attempt_no starts at 1")
    if is_empty_number(seed, callee):
        return PlannedCall(CallKind.EMPTY, ring_s=2, talk_s=0, keys="", key_at_s=None)
    u_kind, u_ring, u_talk, u_key, u_key_at, u_agent = _uniforms(seed, callee, attempt_no, count=6)
    kind = _pick(KIND_WEIGHTS, u_kind)
    if kind is CallKind.BUSY:
        return PlannedCall(kind, ring_s=_between(2, 5, u_ring), talk_s=0, keys="", key_at_s=None)
    if kind is CallKind.POWER_OFF:
        return PlannedCall(kind, ring_s=_between(3, 8, u_ring), talk_s=0, keys="", key_at_s=None)
    if kind is CallKind.FAILED:
        return PlannedCall(kind, ring_s=_between(1, 5, u_ring), talk_s=0, keys="", key_at_s=None)
    ring_s = _between(3, 15, u_ring)
    talk_s = _between(20, 60, u_talk)
    agent_s = _between(30, 180, u_agent)
    if kind is CallKind.ANSWERED_NO_KEY:
        return PlannedCall(kind, ring_s=ring_s, talk_s=talk_s, keys="", key_at_s=None, agent_s=agent_s)
    key_at_s = _between(talk_s // 4, talk_s - 2, u_key_at)
    keys = _pick(_KEY_WEIGHTS, u_key)
    return PlannedCall(kind, ring_s=ring_s, talk_s=talk_s, keys=keys, key_at_s=key_at_s, agent_s=agent_s)
