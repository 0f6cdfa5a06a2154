"""``/_sim/``: the simulator's ground truth and run-time fault switches (never fault-injected)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .center import SimCenter

__all__ = ["admin_routes"]


def admin_routes(center: SimCenter) -> list[Route]:
    async def truth(request: Request) -> Response:
        return JSONResponse(center.truth())

    async def faults(request: Request) -> Response:
        try:
            body: Any = json.loads(await request.body() or b"{}")
            if not isinstance(body, dict) or set(body) - {"fault_rate", "latency_ms", "unavailable"}:
                raise ValueError("expected {fault_rate?, latency_ms?, unavailable?}")
            config = center.set_faults(
                fault_rate=body.get("fault_rate"),
                latency_ms=body.get("latency_ms"),
                unavailable=body.get("unavailable"),
            )
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(
            {
                "fault_rate": config.fault_rate,
                "latency_ms": config.latency_ms,
                "unavailable": config.unavailable,
            }
        )

    async def reset(request: Request) -> Response:
        center.reset()
        return JSONResponse({"reset": True})

    return [
        Route("/_sim/truth", truth, methods=["GET"]),
        Route("/_sim/faults", faults, methods=["POST"]),
        Route("/_sim/reset", reset, methods=["POST"]),
    ]
