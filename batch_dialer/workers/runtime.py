"""What the actors need in this process: database, call centre, clock and timings.

Actors are plain functions registered on a broker; they find their dependencies here, which
the worker process (or the embedded runner, or a test) installs once at start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.campaigns.clock import Clock, system_clock

if TYPE_CHECKING:
    from batch_dialer.callcenter.guoxin_soap import GuoxinSoap

__all__ = ["Runtime", "Timings", "current_runtime", "install_runtime"]


@dataclass(frozen=True)
class Timings:
    poll_interval_s: float = 5.0  # the document asks for a result query every 5 s
    claim_lease_s: float = 30.0  # a claimed attempt not placed by then is sent again
    poll_batch: int = 50  # attempts polled by one message


@dataclass
class Runtime:
    engine: Engine
    centre: CallCenter
    clock: Clock = system_clock
    timings: Timings = field(default_factory=Timings)
    soap_factory: Callable[[], GuoxinSoap] | None = None  # built lazily, for soap_tts campaigns only
    _soap: GuoxinSoap | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def soap(self) -> GuoxinSoap:
        with self._lock:
            if self._soap is None:
                if self.soap_factory is None:
                    raise RuntimeError("this runtime has no SOAP client for soap_tts campaigns")
                self._soap = self.soap_factory()
            assert self._soap is not None
            return self._soap


_current: Runtime | None = None


def install_runtime(runtime: Runtime | None) -> None:
    global _current
    _current = runtime


def current_runtime() -> Runtime:
    if _current is None:
        raise RuntimeError("no worker runtime installed in this process")
    return _current
