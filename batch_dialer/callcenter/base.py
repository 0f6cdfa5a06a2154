"""The whole Guoxin HTTP surface (§3–§24) as one name, composed of the capability protocols.

The engine asks for single capabilities (see ``capabilities``); importers and reports that use the
Guoxin CRM and call log keep taking a ``CallCenter``. ``GuoxinHttp`` subclasses it, so it declares every
capability below; a new product's adapter subclasses only the protocols it has.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from batch_dialer.callcenter.capabilities import (
    AgentStates,
    CallLogQuery,
    CaptchaCalls,
    CaptchaLine,
    CaptchaResults,
    CentreAdapter,
    ContactPush,
    LoadMonitor,
    ToneLibrary,
    TtsCalls,
    TtsResults,
)

__all__ = ["CallCenter", "CaptchaLine", "CentreAdapter"]


@runtime_checkable
class CallCenter(
    TtsCalls,
    TtsResults,
    CaptchaCalls,
    CaptchaResults,
    LoadMonitor,
    AgentStates,
    ContactPush,
    CallLogQuery,
    ToneLibrary,
    CentreAdapter,
    Protocol,
):
    """A Guoxin-style centre over HTTP. Failures raise ``CallCenterError`` subclasses (see ``errors``)."""
