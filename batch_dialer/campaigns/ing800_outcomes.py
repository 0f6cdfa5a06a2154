"""An 800ing call's ending (callcenter.ing800.HangupKind) → the attempt outcome the policy decides on."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from batch_dialer.callcenter.ing800.hangup_reasons import HangupKind
from batch_dialer.campaigns.attempt_states import Outcome

__all__ = ["HANGUP_OUTCOMES", "outcome_for_hangup"]

#: ``cancelled`` has no Outcome of its own: the contact was never reached, so it is retried as
#: ``failed`` (contract reading R8); the reason text keeps the word "cancelled" for reports.
HANGUP_OUTCOMES: Mapping[HangupKind, Outcome] = MappingProxyType(
    {
        HangupKind.ANSWERED: Outcome.ANSWERED,
        HangupKind.BUSY: Outcome.BUSY,
        HangupKind.NO_ANSWER: Outcome.NO_ANSWER,
        HangupKind.UNREACHABLE: Outcome.POWER_OFF,
        HangupKind.EMPTY: Outcome.EMPTY,
        HangupKind.CANCELLED: Outcome.FAILED,
        HangupKind.FAILED: Outcome.FAILED,
    }
)


def outcome_for_hangup(kind: HangupKind) -> Outcome:
    return HANGUP_OUTCOMES[kind]
