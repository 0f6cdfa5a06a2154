"""The centre's HTTP face (Starlette): the ``/bridge/...`` servlets, the SOAP services and ``/_sim/``.

Fault injection (503 rate, latency) applies to every ``/bridge`` request, never to ``/_sim``. Logs
mask phone numbers and never carry ``pwd`` or a captcha ``code``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import callctrl as servlets
from .admin_app import admin_routes
from .center import SimCenter
from .phone_mask import mask_phone
from .soap_app import soap_endpoint

__all__ = ["LOGGER_NAME", "create_app"]

LOGGER_NAME = "batch_dialer.simulator"
log = logging.getLogger(LOGGER_NAME)

Handler = Callable[[Request], Awaitable[Response]]


async def _params(request: Request) -> tuple[dict[str, str], bytes | None]:
    """Query parameters merged with form fields (url-encoded or multipart); plus an uploaded file."""
    params = dict(request.query_params)
    content: bytes | None = None
    if request.method == "POST":
        media = request.headers.get("content-type", "")
        if media.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            async with request.form() as form:
                for name, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        content = await value.read()
                    else:
                        params[name] = value
    return params, content


def _response(reply: servlets.Reply) -> Response:
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type)


def _guarded(center: SimCenter, handler: Handler) -> Handler:
    """Latency and the 503 fault rate, then the handler; every answer is counted for the truth."""

    async def endpoint(request: Request) -> Response:
        latency = center.config.latency_ms
        if latency:
            await asyncio.sleep(latency / 1000.0)
        if not center.admit():
            log.debug("fault injected: 503 for %s", request.url.path)
            response: Response = Response("503", status_code=503, media_type="text/plain")
        else:
            response = await handler(request)
        center.note_response(response.status_code)
        return response

    return endpoint


def create_app(center: SimCenter) -> Starlette:
    async def callctrl(request: Request) -> Response:
        params, _ = await _params(request)
        reply = servlets.callctrl(center, params)
        opt = params.get("opt", "")
        if opt in servlets.SUBMISSION_OPTS:
            log.debug(
                "%s %s callee=%s -> %d",
                opt,
                params.get("token") or params.get("id") or "",
                mask_phone(params.get("callee", "")),
                reply.status,
            )
        return _response(reply)

    async def jsoncfg(request: Request) -> Response:
        params, _ = await _params(request)
        return _response(servlets.jsoncfg(center, params))

    async def contacts(request: Request) -> Response:
        params, _ = await _params(request)
        status = center.add_contacts(params.get("data"))
        log.debug("ContactsSrvlt -> %d", status)
        return _response(servlets.code_reply(status))

    async def preorders(request: Request) -> Response:
        params, _ = await _params(request)
        status = center.add_preorders(params.get("data"))
        log.debug("PreorderSrvlt -> %d", status)
        return _response(servlets.code_reply(status))

    async def tone_files(request: Request) -> Response:
        params, content = await _params(request)
        return _response(servlets.tone_files(center, params, content))

    async def soap(request: Request) -> Response:
        return await soap_endpoint(center, request)

    methods = ["GET", "POST"]
    routes = [
        Route("/bridge/callctrl", _guarded(center, callctrl), methods=methods),
        Route("/bridge/jsoncfg", _guarded(center, jsoncfg), methods=methods),
        Route("/bridge/ContactsSrvlt", _guarded(center, contacts), methods=methods),
        Route("/bridge/PreorderSrvlt", _guarded(center, preorders), methods=methods),
        Route("/bridge/ToneFileSvlt", _guarded(center, tone_files), methods=methods),
        Route("/bridge/services/{service}", _guarded(center, soap), methods=methods),
        *admin_routes(center),
    ]
    app = Starlette(routes=routes)
    app.state.center = center
    return app
