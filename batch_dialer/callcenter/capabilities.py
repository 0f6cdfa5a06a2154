"""What a call centre can do, one small protocol per capability.

An adapter implements (and names, by subclassing) the protocols its product has; a campaign kind names
the ones it needs. ``capabilities_of`` reads them off an adapter class, so "can this centre run this kind?"
is answered before a campaign is created, not when its first call fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from types import TracebackType
from typing import Literal, Protocol, Self, runtime_checkable

from batch_dialer.callcenter.results import (
    AgentState,
    CallLogEntry,
    CallResult,
    ContactRecord,
    MonitorReading,
    OpportunityRecord,
    TextToCall,
    ToneFile,
)

__all__ = [
    "ALL_CAPABILITIES",
    "AgentStates",
    "CallLogQuery",
    "CaptchaCalls",
    "CaptchaLine",
    "CaptchaResults",
    "CentreAdapter",
    "ContactPush",
    "LoadMonitor",
    "TimedTtsCalls",
    "ToneLibrary",
    "TtsCalls",
    "TtsResults",
    "capabilities_of",
    "capability_name",
    "missing_capabilities",
]

CaptchaLine = Literal["ip", "fixed"]


@runtime_checkable
class CentreAdapter(Protocol):
    """Every adapter: thread-safe, one pooled connection set, closed when done (or used with ``with``)."""

    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@runtime_checkable
class TtsCalls(Protocol):
    """Place an IVR/TTS call under our own token (Guoxin §18 IVR_TTS_CALL)."""

    def submit_tts_call(self, token: str, callee: str, toneid: int | str, tts: Mapping[str, str]) -> None:
        """``tts`` maps the IVR's ``tts*`` variables to texts. A centre answering "token already used"
        raises DuplicateSubmission: an earlier submission placed the call."""


@runtime_checkable
class TtsResults(Protocol):
    """Read an IVR/TTS call's state and keys by token (§18 IVR_TTS_CALL_RESULT)."""

    def tts_call_result(self, token: str) -> CallResult:
        """An unknown token gives state NOT_FOUND."""

    def tts_call_results(self, tokens: Sequence[str]) -> dict[str, CallResult]:
        """Many results in one go (an adapter may batch them; this default asks one by one)."""
        return {token: self.tts_call_result(token) for token in tokens}


@runtime_checkable
class CaptchaCalls(Protocol):
    """Place a voice-captcha call under our own id (§3 CLICK_TO_*_CAPTCHA)."""

    def submit_captcha_call(
        self,
        call_id: str,
        callee: str,
        toneid: int | str,
        code: str | None,
        line: CaptchaLine = "ip",
        playtimes: int = 1,
        precallcount: int = 0,
        extnum: str | None = None,
    ) -> None:
        """``code`` is digits or None; extnum hands the answered call to that extension/group."""


@runtime_checkable
class CaptchaResults(Protocol):
    """Read a captcha call's state by id (§3 GET_CAPTCHA_RESULT)."""

    def captcha_result(self, call_id: str) -> CallResult:
        """An unknown id gives state NOT_FOUND."""

    def captcha_results(self, call_ids: Sequence[str]) -> dict[str, CallResult]:
        return {call_id: self.captcha_result(call_id) for call_id in call_ids}


@runtime_checkable
class LoadMonitor(Protocol):
    """Channels in use and answered calls waiting for an agent (§18 IVR_TTS_CALL_MONITOR)."""

    def monitor(self) -> MonitorReading: ...


@runtime_checkable
class AgentStates(Protocol):
    """Which agents (extensions) are free (§14 EXTNUM_STATE)."""

    def agent_states(self) -> list[AgentState]: ...


@runtime_checkable
class ContactPush(Protocol):
    """Push contacts and sales opportunities into the centre's CRM (§19, §20)."""

    def push_contacts(self, records: Sequence[ContactRecord]) -> None: ...

    def push_opportunities(self, records: Sequence[OpportunityRecord]) -> None: ...

    def contacts_request_size(self, records: Sequence[ContactRecord]) -> int: ...

    def opportunities_request_size(self, records: Sequence[OpportunityRecord]) -> int: ...


@runtime_checkable
class CallLogQuery(Protocol):
    """The centre's call log (§21 CALL_LOG)."""

    def call_log_query(
        self,
        begin: date,
        end: date,
        telnum: str | None = None,
        direction: int = 0,
        first: int = 0,
        max_results: int = 1000,
    ) -> list[CallLogEntry]: ...

    def call_log_by_callid(self, callid: str) -> CallLogEntry | None: ...


@runtime_checkable
class ToneLibrary(Protocol):
    """The centre's tone (voice) files (§24 ToneFileSvlt)."""

    def tone_files(self) -> list[ToneFile]: ...

    def save_tone_file(
        self, title: str, description: str, data: bytes, tone_id: int | None = None
    ) -> int: ...

    def delete_tone_file(self, tone_id: int) -> None: ...


@runtime_checkable
class TimedTtsCalls(Protocol):
    """Timed text-to-speech calls the centre places and retries itself (§26 TextToCallService)."""

    def make_call(self, call: TextToCall) -> int: ...

    def list_with_token(
        self, first: int, max_results: int, servicetype: str, linkkey: int | None = None
    ) -> list[TextToCall]: ...


#: Every capability with the words an error message uses for it.
ALL_CAPABILITIES: Mapping[type, str] = {
    TtsCalls: "IVR/TTS calls",
    TtsResults: "IVR/TTS call results",
    CaptchaCalls: "captcha calls",
    CaptchaResults: "captcha call results",
    LoadMonitor: "a channel/queue monitor",
    AgentStates: "agent states",
    ContactPush: "contact and opportunity push",
    CallLogQuery: "a call log",
    ToneLibrary: "tone files",
    TimedTtsCalls: "timed TTS calls (SOAP TextToCallService)",
}


def capability_name(capability: type) -> str:
    return ALL_CAPABILITIES.get(capability, capability.__name__)


def capabilities_of(*adapters: type | object) -> frozenset[type]:
    """The capabilities that the given adapter classes (or instances) together implement."""
    found: set[type] = set()
    for adapter in adapters:
        cls = adapter if isinstance(adapter, type) else type(adapter)
        found.update(cap for cap in ALL_CAPABILITIES if issubclass(cls, cap))
    return frozenset(found)


def missing_capabilities(needed: Iterable[type], available: Iterable[type]) -> list[str]:
    """Names of the capabilities in ``needed`` that ``available`` lacks, in a stable order."""
    have = set(available)
    return sorted(capability_name(cap) for cap in needed if cap not in have)
