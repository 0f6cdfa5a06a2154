"""The one interface every call-centre adapter implements; the layers above see only this."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import date
from types import TracebackType
from typing import Literal, Self

from batch_dialer.callcenter.results import (
    AgentState,
    CallLogEntry,
    CallResult,
    ContactRecord,
    MonitorReading,
    OpportunityRecord,
    ToneFile,
)

__all__ = ["CallCenter", "CaptchaLine"]

CaptchaLine = Literal["ip", "fixed"]


class CallCenter(ABC):
    """A call centre we drive. Failures raise ``CallCenterError`` subclasses (see ``errors``).

    Implementations are thread-safe and keep one pooled connection set; close them (or use ``with``).
    """

    # --- IVR / TTS calls (§18) -------------------------------------------------------------------
    @abstractmethod
    def submit_tts_call(self, token: str, callee: str, toneid: int | str, tts: Mapping[str, str]) -> None:
        """Place an IVR call; ``tts`` maps the IVR's ``tts*`` variables to texts. 483 (token already used)
        raises DuplicateSubmission: the call was placed by an earlier submission."""

    @abstractmethod
    def tts_call_result(self, token: str) -> CallResult:
        """The call's state and collected keys; an unknown token gives state NOT_FOUND."""

    def tts_call_results(self, tokens: Sequence[str]) -> dict[str, CallResult]:
        """Results of many calls in one go (over the pooled keep-alive connection)."""
        return {token: self.tts_call_result(token) for token in tokens}

    @abstractmethod
    def monitor(self) -> MonitorReading:
        """Channels in use (``playcount``) and answered calls waiting for an agent (``queue``)."""

    # --- captcha calls (§3) ----------------------------------------------------------------------
    @abstractmethod
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
        """Place a voice-captcha call, signed with ``pwd``; ``code`` is digits or None."""

    @abstractmethod
    def captcha_result(self, call_id: str) -> CallResult:
        """The captcha call's state; an unknown id gives state NOT_FOUND."""

    def captcha_results(self, call_ids: Sequence[str]) -> dict[str, CallResult]:
        return {call_id: self.captcha_result(call_id) for call_id in call_ids}

    # --- agents (§14) ----------------------------------------------------------------------------
    @abstractmethod
    def agent_states(self) -> list[AgentState]: ...

    # --- contacts and opportunities (§19, §20) ---------------------------------------------------
    @abstractmethod
    def push_contacts(self, records: Sequence[ContactRecord]) -> None:
        """All-or-nothing; 483 (any phone already known) raises DuplicateSubmission."""

    @abstractmethod
    def push_opportunities(self, records: Sequence[OpportunityRecord]) -> None:
        """All-or-nothing; 483 (any opportunity already known) raises DuplicateSubmission."""

    @abstractmethod
    def contacts_request_size(self, records: Sequence[ContactRecord]) -> int:
        """Bytes ``push_contacts(records)`` would send, so importers can size batches."""

    @abstractmethod
    def opportunities_request_size(self, records: Sequence[OpportunityRecord]) -> int: ...

    # --- call log (§21) --------------------------------------------------------------------------
    @abstractmethod
    def call_log_query(
        self,
        begin: date,
        end: date,
        telnum: str | None = None,
        direction: int = 0,
        first: int = 0,
        max_results: int = 1000,
    ) -> list[CallLogEntry]:
        """Call-log rows between two dates; direction 0 all, 1 incoming, 2 outgoing."""

    @abstractmethod
    def call_log_by_callid(self, callid: str) -> CallLogEntry | None: ...

    # --- tone files (§24) ------------------------------------------------------------------------
    @abstractmethod
    def tone_files(self) -> list[ToneFile]: ...

    @abstractmethod
    def save_tone_file(self, title: str, description: str, data: bytes, tone_id: int | None = None) -> int:
        """Add (``tone_id`` None) or replace a tone file; returns its id."""

    @abstractmethod
    def delete_tone_file(self, tone_id: int) -> None: ...

    # --- lifetime --------------------------------------------------------------------------------
    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
