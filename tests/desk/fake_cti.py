"""A fake CTI server for tests and demos: the auth endpoint (code 0 / the documented code 7), the
phone bar's websocket with a scripted callee, and the ctibar.js test double at /dist/ctibar.js.

Every callback the double fires comes from this server: onConnect once the token is accepted, the
state callbacks for login / ready / busy / rest, and for ``makecall(to)`` onRing {callId,
popScreenNo, direction}, onAnswer, then per the callee's script onCalleeAnswer and onHangup.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse
from starlette.requests import Request

__all__ = ["Callee", "FakeCti", "build_fake_cti"]

DOUBLE_JS = Path(__file__).with_name("cti_double") / "ctibar.js"
TWELVE_HOURS = 12 * 3600


@dataclass(frozen=True)
class Callee:
    """How the called number behaves: answers after ``answer_s`` (None: never), hangs up ``talk_s`` later.

    ``hang_up=False`` keeps the call up until the agent presses 挂断.
    """

    answer_s: float | None = 0.3
    talk_s: float = 1.0
    hang_up: bool = True


@dataclass
class FakeCti:
    """State and ground truth of the fake: users (name → MD5), tokens issued, calls and ops seen."""

    users: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (md5, extNo)
    callees: dict[str, Callee] = field(default_factory=dict)
    default_callee: Callee = field(default_factory=Callee)
    now: Callable[[], float] = time.time
    tokens: dict[str, str] = field(default_factory=dict)  # token -> user
    auth_requests: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    ops: list[tuple[str, str]] = field(default_factory=list)  # (user, op)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def add_user(self, name: str, password: str, ext_no: str) -> None:
        self.users[name] = (hashlib.md5(password.encode()).hexdigest(), ext_no)


def build_fake_cti(fake: FakeCti) -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/base/auth")
    async def auth(request: Request) -> JSONResponse:
        body = await request.json()
        with fake.lock:
            fake.auth_requests.append({"username": body.get("username"), "password": body.get("password")})
        user = fake.users.get(str(body.get("username")))
        if user is None or user[0] != body.get("password"):
            return JSONResponse({"code": 7, "data": {}, "msg": "用户名不存在或者密码错误"})
        token = "eyJ" + secrets.token_urlsafe(24)
        with fake.lock:
            fake.tokens[token] = str(body["username"])
        data = {
            "user": body["username"],
            "nickname": body["username"],
            "extNo": user[1],
            "token": token,
            "expiresAt": int(fake.now()) + TWELVE_HOURS,
        }
        return JSONResponse({"code": 0, "data": data, "msg": "登录成功"})

    @app.get("/dist/ctibar.js")
    async def sdk() -> FileResponse:
        return FileResponse(DOUBLE_JS, media_type="application/javascript")

    @app.websocket("/ws")
    async def phone_bar(ws: WebSocket) -> None:
        await ws.accept()
        first = await ws.receive_json()
        user = fake.tokens.get(str(first.get("token"))) if first.get("op") == "auth" else None
        if user is None:
            await ws.send_json({"error": "token 无效"})
            await ws.close()
            return
        send_lock = asyncio.Lock()
        current: dict[str, Any] = {}

        async def emit(event: str, data: dict[str, Any] | None = None) -> None:
            async with send_lock:
                await ws.send_json({"event": event, "data": data or {}})

        async def play(call: dict[str, Any], callee: Callee) -> None:
            await emit(
                "onRing", {"callId": call["callId"], "popScreenNo": call["to"], "direction": "OUTBOUND"}
            )
            await emit("onAnswer", {"callId": call["callId"], "direction": "OUTBOUND"})
            if callee.answer_s is None:
                await asyncio.sleep(0.3)
                await hang_up(call)
                return
            await asyncio.sleep(callee.answer_s)
            await emit("onCalleeAnswer", {"callId": call["callId"]})
            if callee.hang_up:
                await asyncio.sleep(callee.talk_s)
                await hang_up(call)

        async def hang_up(call: dict[str, Any]) -> None:
            if call.get("ended"):
                return
            call["ended"] = True
            await emit("onHangup", {"callId": call["callId"]})

        await emit("onConnect")
        state_events = {"login": "onLogin", "logout": "onLogout", "ready": "onReady", "busy": "onBusy"}
        state_events["rest"] = "onRest"
        try:
            while True:
                message = await ws.receive_json()
                op = str(message.get("op"))
                with fake.lock:
                    fake.ops.append((user, op))
                if op in state_events:
                    extra = {"extNo": fake.users[user][1]} if op == "login" else {}
                    await emit(state_events[op], extra)
                elif op == "makecall":
                    call = {"callId": f"call-{next(fake._ids)}", "to": str(message.get("to")), "user": user}
                    with fake.lock:
                        fake.calls.append(call)
                    current["call"] = call
                    callee = fake.callees.get(call["to"], fake.default_callee)
                    current["task"] = asyncio.create_task(play(call, callee))
                elif op == "hangup" and current.get("call"):
                    await hang_up(current["call"])
        except WebSocketDisconnect:
            pass
        finally:
            task = current.get("task")
            if task is not None:
                task.cancel()

    return app
