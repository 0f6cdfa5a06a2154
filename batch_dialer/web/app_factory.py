"""``create_app``: the web console and its JSON API as one FastAPI app.

Tests pass their own engine, simulator-backed centre and clock; ``dialer web`` builds them from the
settings. The web process never dials: start/pause/resume/cancel change the database, and
``dialer run`` or ``dialer scheduler`` + ``dialer worker`` do the calling.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.campaigns.clock import Clock, system_clock
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.settings import Settings
from batch_dialer.web import (
    api_campaigns,
    api_imports,
    api_reports,
    desk_routes,
    pages_admin,
    pages_audit,
    pages_auth,
    pages_campaigns,
    pages_contacts,
    pages_detail,
    pages_imports,
    pages_redial,
    pages_reports,
    pages_users,
)
from batch_dialer.web.app_state import WebState
from batch_dialer.web.auth import SignInRequired, identify
from batch_dialer.web.channel_monitor import ChannelMonitor
from batch_dialer.web.hooks_800ing import HookState, build_hooks_router
from batch_dialer.web.import_jobs import ImportJobs
from batch_dialer.web.sign_in_throttle import SignInThrottle
from batch_dialer.web.templating import make_templates
from batch_dialer.web.web_settings import WebSettings

__all__ = ["create_app"]

STATIC = Path(__file__).with_name("static")


def create_app(
    settings: Settings,
    engine: Engine | None = None,
    centre: CallCenter | None = None,
    clock: Clock | None = None,
    web_settings: WebSettings | None = None,
) -> FastAPI:
    web = web_settings or WebSettings()
    engine = engine if engine is not None else open_database(settings.database_url)
    clock = clock or system_clock
    web.work_dir.mkdir(parents=True, exist_ok=True)
    state = WebState(
        settings=settings,
        web=web,
        engine=engine,
        centre=centre,
        clock=clock,
        jobs=ImportJobs(
            engine, clock, web.work_dir, timedelta(hours=web.preview_ttl_hours), web.preview_cell_chars
        ),
        monitor=ChannelMonitor(engine, centre, clock, web.monitor_interval_s, web.monitor_window_s),
        templates=make_templates(),
        throttle=SignInThrottle(
            ip_failures=web.login_ip_failures,
            ip_window=timedelta(minutes=web.login_ip_window_minutes),
            name_failures=web.lockout_failures,
            lock_for=timedelta(minutes=web.lockout_minutes),
        ),
        password_pool=ThreadPoolExecutor(web.password_check_threads, thread_name_prefix="web-password"),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(state.jobs.recover)  # expire and clean up what a restart left behind
        state.jobs.start_sweeping(min(300.0, web.preview_ttl_hours * 360))
        state.monitor.ensure_started()
        yield
        state.close()

    app = FastAPI(
        title="batch-dialer console API",
        description="Imports, campaigns and reports for CRMs and scripts. "
        "Authenticate with `Authorization: Bearer <token>` (`dialer token create NAME`).",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.state.web = state
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        pages_auth,
        pages_imports,
        pages_redial,  # before pages_campaigns: its POST /campaigns/{id}/{action} would take /redial
        pages_detail,
        pages_campaigns,
        pages_admin,
        pages_contacts,
        pages_reports,
        pages_users,
        pages_audit,
        api_imports,
        api_campaigns,
        api_reports,
    ):
        app.include_router(module.router)
    app.include_router(build_hooks_router(HookState.from_settings(engine)))  # 800ing: secret in the path
    app.include_router(desk_routes.router)  # the agent desk (坐席工作台), issue 11

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, _: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}" if target != "/" else "/login", status_code=303)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        user = await run_in_threadpool(identify, request)
        context = {"user": user, "status": exc.status_code, "message": exc.detail}
        return state.templates.TemplateResponse(request, "error.html", context, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"detail": f"{where}: {first.get('msg', 'invalid request')}"}, status_code=422)

    @app.middleware("http")
    async def _headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/api/docs"):
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "frame-ancestors 'none'",
            )
        return response

    return app
