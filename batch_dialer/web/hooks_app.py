"""A web app with only the 800ing webhook endpoints, for sites that expose nothing else (`dialer hooks`)."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from batch_dialer.web.hooks_800ing import HookState, build_hooks_router

__all__ = ["create_hooks_app", "hooks_app_for"]


def create_hooks_app(state: HookState) -> FastAPI:
    app = FastAPI(title="batch-dialer webhooks", openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(build_hooks_router(state))

    @app.get("/healthz")
    def healthz() -> dict[str, bool]:
        return {"ok": True, "hooks_enabled": state.secret is not None}

    return app


def hooks_app_for(engine: Engine) -> FastAPI:
    """The app with settings from the environment (DIALER_HOOK_SECRET …)."""
    return create_hooks_app(HookState.from_settings(engine))
