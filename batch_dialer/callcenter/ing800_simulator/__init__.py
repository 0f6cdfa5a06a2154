"""The 800ing simulator twin: agent accounts, trunks, deterministic outcomes, events, pushes, truth."""

from __future__ import annotations

from .center import Ing800Center, SimCall, SimError
from .config import ADMIN_EXTENSION, Ing800SimConfig
from .outcomes import CallPlan, PlanKind, plan_call
from .server import RunningIng800Simulator, serve, start_in_thread

__all__ = [
    "ADMIN_EXTENSION",
    "CallPlan",
    "Ing800Center",
    "Ing800SimConfig",
    "PlanKind",
    "RunningIng800Simulator",
    "SimCall",
    "SimError",
    "plan_call",
    "serve",
    "start_in_thread",
]
