"""What the actors need in this process: database, call centre, clock and timings.

Actors are plain functions registered on a broker; they find their dependencies here, which
the worker process (or the embedded runner, or a test) installs once at start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import Engine

from batch_dialer.callcenter.capabilities import CallLogQuery, CentreAdapter, TimedTtsCalls, capability_name
from batch_dialer.campaigns.clock import Clock, system_clock

__all__ = [
    "HINTED_POLL_FACTOR",
    "POLL_BUDGET_S",
    "POLL_TIME_LIMIT_S",
    "MissingCapability",
    "Runtime",
    "Timings",
    "current_runtime",
    "install_runtime",
]


#: With hints that calls ended (the centre's call log), a call nobody hinted at is still polled, this
#: many poll intervals apart: the safety net for a log row that never came.
HINTED_POLL_FACTOR = 6.0

#: the poll_attempts actor's dramatiq time limit (seconds)
POLL_TIME_LIMIT_S = 120.0
#: how long one poll message may spend on requests (¾ of that limit): it sends no request that could still
#: be waiting for its full timeout past this, so a batch of 50 on a centre that answers in milliseconds
#: polls them all, and one on a centre that hangs stops in time (see collecting)
POLL_BUDGET_S = POLL_TIME_LIMIT_S * 0.75


@dataclass(frozen=True)
class Timings:
    poll_interval_s: float = 5.0  # the document asks for a result query every 5 s
    claim_lease_s: float = 30.0  # a claimed attempt not placed by then is sent again
    poll_batch: int = 50  # attempts polled by one message
    bad_data_run: int = 5  # this many 400/420 answers in a row pause a campaign (one is one contact's)
    poll_hints: bool = False  # the scheduler tails the centre's call log and polls ended calls at once
    request_timeout_s: float = 13.0  # one request's worst case (DIALER_HTTP_TIMEOUT + connect timeout)

    @property
    def next_poll_in_s(self) -> float:
        """How far ahead a poll handed out schedules the next one."""
        return self.poll_interval_s * (HINTED_POLL_FACTOR if self.poll_hints else 1.0)

    def for_centre(self, centre: object) -> Timings:
        """Hints only from a centre that has a call log to read them from."""
        return replace(self, poll_hints=self.poll_hints and isinstance(centre, CallLogQuery))


class MissingCapability(RuntimeError):
    """The centre this process drives cannot do what a campaign asks (refused at creation normally)."""


@dataclass
class Runtime:
    engine: Engine
    centre: CentreAdapter
    clock: Clock = system_clock
    timings: Timings = field(default_factory=Timings)
    # a companion client for what the centre offers over another protocol (Guoxin's SOAP services),
    # built lazily on first use
    soap_factory: Callable[[], TimedTtsCalls] | None = None
    _soap: TimedTtsCalls | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def soap(self) -> TimedTtsCalls:
        with self._lock:
            if self._soap is None:
                if self.soap_factory is None:
                    raise MissingCapability("this runtime has no SOAP client for soap_tts campaigns")
                self._soap = self.soap_factory()
            return self._soap

    def provider(self, capability: type) -> object:
        """The centre's adapter if it implements ``capability``, else the companion client if that does."""
        if isinstance(self.centre, capability):
            return self.centre
        if capability is TimedTtsCalls and self.soap_factory is not None:
            return self.soap()
        raise MissingCapability(f"the call centre offers no {capability_name(capability)}")


_current: Runtime | None = None


def install_runtime(runtime: Runtime | None) -> None:
    global _current
    _current = runtime


def current_runtime() -> Runtime:
    if _current is None:
        raise RuntimeError("no worker runtime installed in this process")
    return _current
