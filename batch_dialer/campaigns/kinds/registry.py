"""Kind name → kind. Adding a kind is one module and one line here."""

from __future__ import annotations

from collections.abc import Mapping

from batch_dialer.campaigns.kinds.base import CampaignKind
from batch_dialer.campaigns.kinds.callback import CallbackKind
from batch_dialer.campaigns.kinds.captcha import CaptchaKind
from batch_dialer.campaigns.kinds.preview import PreviewKind
from batch_dialer.campaigns.kinds.soap_tts import SoapTtsKind
from batch_dialer.campaigns.kinds.tts import TtsKind

__all__ = ["KINDS", "UnknownKind", "kind_named", "reports_delivery"]

KINDS: Mapping[str, CampaignKind] = {
    kind.name: kind
    for kind in (
        TtsKind(),
        CaptchaKind(),
        SoapTtsKind(),
        CallbackKind(),
        PreviewKind(),
    )
}


class UnknownKind(ValueError):
    """A kind name no module registers; the message names the known ones."""


def kind_named(name: str) -> CampaignKind:
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(f"--kind {name!r}: unknown kind (known: {', '.join(KINDS)})") from None


def reports_delivery(name: str) -> bool:
    """Whether reports of a campaign of this kind show delivery rather than satisfaction keys."""
    kind = KINDS.get(name)
    return kind is not None and kind.reports_delivery
