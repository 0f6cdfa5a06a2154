"""Figures of one throughput run, all from the simulator's ground truth (what really happened)."""

from __future__ import annotations

from typing import Any

__all__ = ["idle_gaps", "percentile", "run_figures"]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def idle_gaps(starts: list[float], ends: list[float], channels: int) -> list[float]:
    """How long each freed channel stood idle while calls were still to be started.

    With ``channels`` lines, the k-th call to start after the first ``channels`` takes the line the k-th
    call to end freed (whichever line it was, the pool is what matters), so the k-th gap is
    ``start[channels + k] - end[k]``; a negative value means the call waited for the line (0 idle)."""
    s, e = sorted(starts), sorted(ends)
    return [max(0.0, s[channels + k] - e[k]) for k in range(max(0, len(s) - channels))]


def run_figures(truth: dict[str, Any], channels: int, wall_s: float) -> dict[str, float]:
    calls = [c for c in truth["calls"].values() if c["started_at"] is not None and c["ended_at"] is not None]
    starts = [c["started_at"] for c in calls]
    ends = [c["ended_at"] for c in calls]
    first, last_start, last_end = min(starts), max(starts), max(ends)
    busy_while_pending = sum(max(0.0, min(c["ended_at"], last_start) - c["started_at"]) for c in calls)
    total_holding = sum(c["ended_at"] - c["started_at"] for c in calls)
    gaps = idle_gaps(starts, ends, channels)
    return {
        "calls": float(len(calls)),
        "calls_per_s": len(calls) / (last_start - first) if last_start > first else 0.0,
        "utilisation": busy_while_pending / (channels * (last_start - first)) if last_start > first else 0.0,
        "ratio": (last_end - first) / (total_holding / channels),
        "rejected_486": float(truth.get("rejected_486", 0)),
        "peak": float(truth["peak_channels"]),
        "gap_p50_ms": 1000 * percentile(gaps, 0.50),
        "gap_p99_ms": 1000 * percentile(gaps, 0.99),
        "mean_holding_s": total_holding / len(calls),
        "polls_per_call": truth.get("operations", {}).get("IVR_TTS_CALL_RESULT", 0) / len(calls),
        "wall_s": wall_s,
    }
