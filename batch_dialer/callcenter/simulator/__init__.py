"""A faithful in-memory twin of the Guoxin call centre (HTTP + SOAP) for demos, dry runs, tests and
benchmarks. Its clock runs ``speed`` times faster than real time for durations only; outcomes are
deterministic per (seed, number, attempt); ``/_sim/truth`` tells what really happened.
"""

from __future__ import annotations

from .center import ClickCallError, SimCenter
from .clock import Clock, ManualClock, WallClock
from .config import SimulatorConfig
from .http_app import LOGGER_NAME, create_app
from .outcomes import CallKind, PlannedCall, is_empty_number, plan_call
from .server import RunningSimulator, serve, start_in_thread
from .text_to_call import TimedCallError

__all__ = [
    "LOGGER_NAME",
    "CallKind",
    "ClickCallError",
    "Clock",
    "ManualClock",
    "PlannedCall",
    "RunningSimulator",
    "SimCenter",
    "SimulatorConfig",
    "TimedCallError",
    "WallClock",
    "create_app",
    "is_empty_number",
    "plan_call",
    "serve",
    "start_in_thread",
]
