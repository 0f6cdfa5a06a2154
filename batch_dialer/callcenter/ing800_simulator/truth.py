"""Ground truth of the simulated 800ing centre: every call as it really went, pushes and limits."""

from __future__ import annotations

from typing import Any

from .center import Ing800Center, SimCall

__all__ = ["center_truth"]


def _call(center: Ing800Center, call: SimCall) -> dict[str, Any]:
    answer = call.key_answer
    return {
        "cdrId": call.cdr_id,
        "extension": call.extension,
        "phone": call.phone,
        "paramvalue": call.paramvalue,
        "attempt_no": call.attempt_no,
        "kind": center.kind_of(call).value,
        "final": call.ended,
        "keys": call.keys,
        "talk_s": center.talk_seconds(call) if call.ended else None,
        "placed_at": call.placed_at,
        "ended_at": call.end_at if call.ended else None,
        "key_answer": None
        if answer is None
        else {"ok": answer.ok, "body": answer.body, "latency_ms": round(answer.latency_ms, 2)},
    }


def center_truth(center: Ing800Center) -> dict[str, Any]:
    """Calls, the largest number of simultaneous calls (overall and per account), refusals, pushes."""
    with center._lock:
        center.tick()
        calls = [_call(center, c) for c in center.calls.values()]
        per_account: dict[str, int] = {}
        spans = sorted(
            [(c.placed_at, 1, c.extension) for c in center.calls.values()]
            + [(c.end_at, -1, c.extension) for c in center.calls.values() if c.ended]
        )
        open_now: dict[str, int] = {}
        for _when, step, ext in spans:
            open_now[ext] = open_now.get(ext, 0) + step
            per_account[ext] = max(per_account.get(ext, 0), open_now[ext])
        config = center.config
        pushes = center.pushes.snapshot()
        return {
            "config": {
                "trunks": config.trunks,
                "accounts": sorted(e for e in config.account_passwords()),
                "speed": config.speed,
                "seed": config.seed,
                "push_drop_rate": center.drop_rate,
                "push_url_set": bool(center.pushes.url),
            },
            "calls": calls,
            "peak_trunks": center.peak_trunks,
            "peak_per_account": per_account,
            "refused_busy_account": center.refused_busy_account,
            "refused_trunks": center.refused_trunks,
            "pushes": {
                "total": len(pushes),
                "dropped": sum(1 for p in pushes if p.dropped),
                "delivered": sum(1 for p in pushes if p.delivered),
                "failed": sum(1 for p in pushes if not p.delivered),
            },
            "routes": list(center.routes),
        }
