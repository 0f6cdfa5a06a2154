"""Clocks for the simulator: wall time in production, a hand-driven clock in tests."""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "WallClock"]


class Clock(Protocol):
    """Source of the current time in epoch seconds (the simulator never reads time elsewhere)."""

    def now(self) -> float: ...


class WallClock:
    """Real time; the simulator's ``speed`` only shortens durations, never shifts timestamps."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told, so tests can step a simulation without sleeping."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move forward (never backward) and return the new time."""
        if seconds < 0:
            raise ValueError("a clock cannot go backward")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, when: float) -> None:
        """Jump to an absolute time that is not earlier than the current one."""
        with self._lock:
            if when < self._now:
                raise ValueError("a clock cannot go backward")
            self._now = float(when)
