"""The hang-up reason of a CDR (``cdrHangupReasonCode`` / ``cdrHangupReasonText``) → our outcome.

Document 004 names the two fields but lists no values (contract reading R7). 800ing runs on a
SIP/FreeSWITCH switch, so the code is read as an ITU-T Q.850 cause (1–127), a SIP status (400–699),
or a FreeSWITCH cause name such as ``USER_BUSY``. Talk time decides first: a call with
``cdrTalktime > 0`` was answered whatever the code says.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["HangupKind", "HangupVerdict", "verdict_for_hangup"]


class HangupKind(StrEnum):
    """How a call ended, in the issue's words; campaigns/ing800_outcomes.py maps it to an Outcome."""

    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    UNREACHABLE = "unreachable"
    EMPTY = "empty"  # the number does not exist
    CANCELLED = "cancelled"  # our side (the agent leg) ended it before the contact answered
    FAILED = "failed"  # any other reason


@dataclass(frozen=True)
class HangupVerdict:
    """The kind of ending and the centre's reason as given (code and text)."""

    kind: HangupKind
    reason: str


_BUSY = HangupKind.BUSY
_NO_ANSWER = HangupKind.NO_ANSWER
_EMPTY = HangupKind.EMPTY
_UNREACHABLE = HangupKind.UNREACHABLE
_CANCELLED = HangupKind.CANCELLED

_BY_NUMBER: dict[int, HangupKind] = {
    # Q.850 causes
    1: _EMPTY,  # UNALLOCATED_NUMBER
    3: _UNREACHABLE,  # NO_ROUTE_DESTINATION
    17: _BUSY,  # USER_BUSY
    18: _NO_ANSWER,  # NO_USER_RESPONSE
    19: _NO_ANSWER,  # NO_ANSWER
    20: _UNREACHABLE,  # SUBSCRIBER_ABSENT (power off, out of the service area)
    21: _BUSY,  # CALL_REJECTED
    22: _EMPTY,  # NUMBER_CHANGED
    27: _UNREACHABLE,  # DESTINATION_OUT_OF_ORDER
    28: _EMPTY,  # INVALID_NUMBER_FORMAT
    # SIP statuses
    404: _EMPTY,
    408: _NO_ANSWER,
    410: _EMPTY,
    480: _UNREACHABLE,
    484: _EMPTY,
    486: _BUSY,
    487: _CANCELLED,  # Request Terminated: the caller side cancelled
    600: _BUSY,
    603: _BUSY,  # Decline
    604: _EMPTY,
}

_BY_NAME: dict[str, HangupKind] = {
    "UNALLOCATED_NUMBER": _EMPTY,
    "NUMBER_CHANGED": _EMPTY,
    "INVALID_NUMBER_FORMAT": _EMPTY,
    "NO_ROUTE_DESTINATION": _UNREACHABLE,
    "SUBSCRIBER_ABSENT": _UNREACHABLE,
    "DESTINATION_OUT_OF_ORDER": _UNREACHABLE,
    "USER_BUSY": _BUSY,
    "CALL_REJECTED": _BUSY,
    "NO_USER_RESPONSE": _NO_ANSWER,
    "NO_ANSWER": _NO_ANSWER,
    "ALLOTTED_TIMEOUT": _NO_ANSWER,
    "ORIGINATOR_CANCEL": _CANCELLED,
    "LOSE_RACE": _CANCELLED,
}


def _kind_of(code: str | int | None, text: str | None) -> HangupKind | None:
    raw = "" if code is None else str(code).strip()
    if raw.lstrip("-").isdigit():
        found = _BY_NUMBER.get(int(raw))
        if found:
            return found
    for candidate in (raw, (text or "").strip()):
        found = _BY_NAME.get(candidate.upper())
        if found:
            return found
    return None


def verdict_for_hangup(code: str | int | None, text: str | None, talk_seconds: int) -> HangupVerdict:
    """Answered when there was talk time; otherwise the reason's kind; unknown reasons → ``failed``."""
    reason = " ".join(str(p) for p in (code, text) if p not in (None, "")) or "no reason given"
    if talk_seconds > 0:
        return HangupVerdict(HangupKind.ANSWERED, reason)
    return HangupVerdict(_kind_of(code, text) or HangupKind.FAILED, reason)
