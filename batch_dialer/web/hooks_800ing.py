"""The endpoints the 800ing centre calls: §2.7 CDR push, §2.10 key callback, §2.8 route callback.

They need no session but the secret in the path (``/hooks/800ing/{secret}/…``): with
``DIALER_HOOK_SECRET`` unset every path answers 404; a wrong secret answers 401 and changes nothing.
A push is answered ``{"code":0,"message":"OK"}`` only after its row is committed, so a push we
could not store stays "failed" at the centre and reconciliation (push_list → push_send) brings it
back. The handlers are plain ``def``: FastAPI runs them in its thread pool, next to the database.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from batch_dialer.callcenter.errors import UnexpectedResponse
from batch_dialer.callcenter.ing800.events import parse_cdr_push
from batch_dialer.callcenter.masking import mask_phone
from batch_dialer.campaigns.ing800_push_store import (
    agent_who_last_spoke_with,
    record_key,
    record_push,
    token_for_call,
)
from batch_dialer.campaigns.models import CallAttempt, Campaign, table_of
from batch_dialer.importers.do_not_call import add_to_dnc
from batch_dialer.web.hook_settings import HookSettings

__all__ = [
    "KEY_HANG_UP",
    "KEY_PLAY",
    "HookState",
    "KeyReplyPolicy",
    "build_hooks_router",
    "campaign_policy_lookup",
    "install_hook_log_redaction",
]

log = logging.getLogger(__name__)

#: §2.10 ``type``: 0 播语音, 1 转座席, 2 转当前设置的队列, 9 播放完语音后挂机.
KEY_PLAY = 0
KEY_TO_AGENT = 1
KEY_TO_QUEUE = 2
KEY_HANG_UP = 9


@dataclass(frozen=True)
class KeyReplyPolicy:
    """What a campaign answers to a key: the text, and which key (if any) means "never call me again"."""

    reply: str
    opt_out_key: str | None = None
    opt_out_reply: str = ""
    reply_type: int = KEY_HANG_UP


#: Given our attempt token (None when the call is not ours), the policy of its campaign.
PolicyLookup = Callable[[str | None], KeyReplyPolicy]


@dataclass
class HookState:
    engine: Engine
    secret: str | None
    policy_for: PolicyLookup

    @classmethod
    def from_settings(cls, engine: Engine, settings: HookSettings | None = None) -> HookState:
        """Each campaign's own key reply (its kind settings), else the DIALER_* defaults."""
        settings = settings or HookSettings()
        default = KeyReplyPolicy(settings.key_reply, settings.opt_out_key, settings.opt_out_reply)
        return cls(engine, settings.secret(), campaign_policy_lookup(engine, default))


def campaign_policy_lookup(engine: Engine, default: KeyReplyPolicy) -> PolicyLookup:
    """Token → its campaign's ``key_reply`` / ``opt_out_key`` / ``opt_out_reply`` settings (stored in the
    campaign's kind-settings JSON column), each falling back to ``default``."""
    attempts, campaigns = table_of(CallAttempt), table_of(Campaign)

    def lookup(token: str | None) -> KeyReplyPolicy:
        if token is None:
            return default
        with engine.connect() as conn:
            found = conn.execute(
                select(campaigns.c.captcha)
                .select_from(attempts.join(campaigns, campaigns.c.id == attempts.c.campaign_id))
                .where(attempts.c.token == token)
            ).scalar_one_or_none()
        settings = found if isinstance(found, dict) else {}
        return KeyReplyPolicy(
            reply=str(settings.get("key_reply") or default.reply),
            opt_out_key=str(settings["opt_out_key"]) if settings.get("opt_out_key") else default.opt_out_key,
            opt_out_reply=str(settings.get("opt_out_reply") or default.opt_out_reply),
        )

    return lookup


_SECRET_IN_PATH = re.compile(r"(/hooks/800ing/)[^/\s?]+")


class _HookPathFilter(logging.Filter):
    """uvicorn's access log prints the path; the secret in it becomes ***."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                _SECRET_IN_PATH.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _SECRET_IN_PATH.sub(r"\1***", record.msg)
        return True


_filter_installed = False


def install_hook_log_redaction() -> None:
    global _filter_installed
    if not _filter_installed:
        for name in ("uvicorn.access", "uvicorn.error", "fastapi"):
            logging.getLogger(name).addFilter(_HookPathFilter())
        _filter_installed = True


def _check(state: HookState, secret: str) -> None:
    if state.secret is None:
        raise HTTPException(status_code=404, detail="Not Found")
    if not hmac.compare_digest(secret.encode("utf-8"), state.secret.encode("utf-8")):
        raise HTTPException(status_code=401, detail="wrong hook secret")


async def _fields(request: Request) -> dict[str, str]:
    """Query string and urlencoded/multipart form together; the §2.7 example sends a GET query."""
    fields = dict(request.query_params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            fields.update({k: str(v) for k, v in form.items()})
    return fields


def _failure(message: str, status: int = 200) -> JSONResponse:
    return JSONResponse({"code": -1, "message": message}, status_code=status)


def build_hooks_router(state: HookState) -> APIRouter:
    install_hook_log_redaction()
    router = APIRouter(prefix="/hooks/800ing/{secret}", tags=["800ing webhooks"], include_in_schema=False)

    @router.api_route("/cdr", methods=["GET", "POST"])
    async def cdr(secret: str, request: Request) -> JSONResponse:
        _check(state, secret)
        fields = await _fields(request)
        try:
            push = parse_cdr_push(fields)
        except UnexpectedResponse as exc:
            return _failure(str(exc), 400)
        try:
            await run_in_threadpool(record_push, state.engine, push, "push", fields)
        except SQLAlchemyError as exc:
            log.error("800ing push not stored (%s); the centre will list it as failed", type(exc).__name__)
            return _failure("not stored, send again later", 503)
        return JSONResponse({"code": 0, "message": "OK"})

    @router.get("/key")
    def key(secret: str, phone: str = "", input: str = "", cdrId: str = "") -> JSONResponse:
        _check(state, secret)
        if not phone:
            return _failure("phone is required")
        pressed = input.strip() or None
        try:
            token = token_for_call(state.engine, cdrId or None, phone)
            record_key(state.engine, phone, pressed, cdrId or None, token)
            policy = state.policy_for(token)
            if policy.opt_out_key is not None and pressed == policy.opt_out_key:
                add_to_dnc(state.engine, [phone], reason=f"800ing opt-out key {pressed}")
                log.info("800ing opt-out key from %s: on the do-not-call list", mask_phone(phone))
                return JSONResponse(
                    {"code": 0, "message": policy.opt_out_reply or policy.reply, "type": KEY_HANG_UP}
                )
        except SQLAlchemyError as exc:
            log.error("800ing key callback not stored (%s)", type(exc).__name__)
            return _failure("not stored")
        return JSONResponse({"code": 0, "message": policy.reply, "type": policy.reply_type})

    @router.get("/route")
    def route(secret: str, phone: str = "", trunkno: str = "", cdrId: str = "") -> dict[str, Any]:
        _check(state, secret)
        if not phone:
            return {"code": -1, "message": "phone is required"}
        agent = agent_who_last_spoke_with(state.engine, phone)
        if agent is None:
            return {"code": -11, "message": "数据不存在: no agent has spoken with this number"}
        return {"code": 0, "message": agent}

    return router
