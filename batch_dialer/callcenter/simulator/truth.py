"""Ground-truth records: what the simulator reports about its calls and its configuration."""

from __future__ import annotations

from typing import Any

from .config import SimulatorConfig
from .engine import SimCall

__all__ = ["call_truth", "config_truth"]


def config_truth(config: SimulatorConfig) -> dict[str, Any]:
    """The effective configuration, with the password reduced to whether there is one."""
    return {
        "channels": config.channels,
        "agents": config.agents,
        "speed": config.speed,
        "seed": config.seed,
        "waiting_line": config.effective_waiting_line,
        "fault_rate": config.fault_rate,
        "latency_ms": config.latency_ms,
        "unavailable": config.unavailable,
        "unpaid": sorted(config.unpaid),
        "has_password": bool(config.password),
    }


def call_truth(call: SimCall, now: float, speed: float) -> dict[str, Any]:
    """One call: its planned kind, attempt number, state, keys, times and nominal holding seconds."""
    holding = 0.0
    if call.started_at is not None:
        holding = ((call.ended_at if call.ended_at is not None else now) - call.started_at) * speed
    return {
        "api": call.api,
        "callee": call.callee,
        "kind": call.plan.kind.value,
        "attempt_no": call.attempt_no,
        "state": call.state,
        "final": call.ended,
        "keys": call.keys,
        "extnum": call.extnum,
        "agent": call.agent,
        "submitted_at": call.submitted_at,
        "started_at": call.started_at,
        "answered_at": call.answered_at,
        "ended_at": call.ended_at,
        "holding_s": round(holding, 3),
    }
