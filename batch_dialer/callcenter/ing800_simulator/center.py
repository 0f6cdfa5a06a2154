"""The simulated 800ing centre: agent accounts, trunks, calls moving through time, events and pushes.

One call per account (a second ``callbackPhone`` on a busy account answers -12 超过最大值错误, reading
R4) and at most ``trunks`` calls at once (also -12). Calls advance on the injected clock; ``tick()``
moves them and is called by a background thread and before every request.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from batch_dialer.callcenter.simulator.clock import Clock, WallClock

from .config import ADMIN_EXTENSION, Ing800SimConfig
from .outcomes import REASONS, CallPlan, PlanKind, plan_call
from .pushes import CallbackAnswer, PushLog, PushRecord, call_back

__all__ = ["Ing800Center", "SimCall", "SimError"]


class SimError(Exception):
    """A §1.2 code answer."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class SimCall:
    cdr_id: int
    extension: str
    phone: str
    paramvalue: str | None
    attempt_no: int
    plan: CallPlan
    placed_at: float
    answer_at: float | None
    key_at: float | None
    end_at: float
    stage: int = 0  # 0 placed, 1 answered, 2 key pressed, 3 ended
    keys: str | None = None
    key_answer: CallbackAnswer | None = None

    @property
    def ended(self) -> bool:
        return self.stage >= 3


@dataclass
class _Account:
    extension: str
    md5: str
    session_id: str
    call: SimCall | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    waterline: int = 0


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


class Ing800Center:
    """State behind the HTTP app; every method is thread-safe."""

    def __init__(self, config: Ing800SimConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or WallClock()
        self.tz = ZoneInfo(config.timezone)
        self.drop_rate = config.push_drop_rate
        self.key_url = config.key_url
        self.route_url = config.route_url
        self._lock = threading.RLock()
        self._accounts = {
            ext: _Account(ext, _md5(pw), f"voip_{secrets.token_hex(8)}")
            for ext, pw in config.account_passwords().items()
        }
        self.calls: dict[int, SimCall] = {}
        self._attempts: dict[str, int] = {}
        self._next_cdr = 282982852097000
        self._next_push = 1
        self.pushes = PushLog(config.push_url)
        self._callbacks = httpx.Client(timeout=httpx.Timeout(5.0, connect=1.0))
        self.peak_trunks = 0
        self.refused_busy_account = 0
        self.refused_trunks = 0
        self.routes: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self.pushes.start()
        self._ticker = threading.Thread(target=self._tick_loop, name="ing800-sim-ticker", daemon=True)
        self._ticker.start()

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
        self.pushes.stop()
        self._callbacks.close()

    def _tick_loop(self) -> None:
        while not self._stop.wait(0.01):
            self.tick()

    # --- authentication ----------------------------------------------------------------------------
    def authenticate(self, user: str | None, md5: str | None) -> str:
        account = self._accounts.get(user or "")
        if account is None or (md5 or "").upper() != account.md5:
            raise SimError(-2, "验证错误")
        return account.extension

    def session_ok(self, session_id: str | None) -> bool:
        return any(a.session_id == session_id for a in self._accounts.values()) and bool(session_id)

    def extension_info(self, ext: str) -> dict[str, Any]:
        account = self._accounts[ext]
        return {
            "code": 0,
            "message": "",
            "exteId": int(ext) * 1000 + 7 if ext.isdigit() else 1,
            "name": f"坐席{ext}",
            "extension": ext,
            "compNumber": "10000",
            "compName": "模拟企业",
            "disablePhoneNum": 0,
            "exteLoginType": 0,
            "sessionId": account.session_id,
        }

    def register_extension(self, ext: str, showphone: str) -> dict[str, Any]:
        if ext != ADMIN_EXTENSION:
            raise SimError(-5, "没有权限")
        if not showphone:
            raise SimError(-14, "验证组错误: showphone")
        with self._lock:
            new_ext = str(max(int(e) for e in self._accounts if e.isdigit() and e != ADMIN_EXTENSION) + 1)
            password = secrets.token_hex(4)
            self._accounts[new_ext] = _Account(new_ext, _md5(password), f"voip_{secrets.token_hex(8)}")
        return {"code": 0, "message": "", "extension": new_ext, "password": password}

    # --- calls -------------------------------------------------------------------------------------
    def callback_phone(self, ext: str, phone: str, paramvalue: str | None) -> None:
        if not phone.strip():
            raise SimError(-14, "验证组错误: descPhone")
        with self._lock:
            self.tick()
            account = self._accounts[ext]
            if account.call is not None:
                self.refused_busy_account += 1
                raise SimError(-12, "超过最大值错误: 坐席正在通话")
            active = sum(1 for a in self._accounts.values() if a.call is not None)
            if active >= self.config.trunks:
                self.refused_trunks += 1
                raise SimError(-12, "超过最大值错误: 外线已满")
            attempt_no = self._attempts.get(phone, 0) + 1
            self._attempts[phone] = attempt_no
            plan = plan_call(self.config.seed, phone, attempt_no)
            now, speed = self.clock.now(), self.config.speed
            dial_at = now + self.config.agent_ring_s / speed
            answer_at = key_at = None
            if plan.kind is PlanKind.CANCELLED:
                end_at = now + 3 * self.config.agent_ring_s / speed
            elif plan.kind is PlanKind.ANSWERED:
                answer_at = dial_at + plan.ring_s / speed
                key_at = answer_at + self.config.key_after_s / speed if plan.key else None
                end_at = answer_at + plan.talk_s / speed
            else:
                end_at = dial_at + plan.ring_s / speed
            self._next_cdr += 1
            call = SimCall(
                self._next_cdr, ext, phone, paramvalue, attempt_no, plan, now, answer_at, key_at, end_at
            )
            self.calls[call.cdr_id] = call
            account.call = call
            self.peak_trunks = max(self.peak_trunks, active + 1)
            self._event(account, call, 0)
            self._push(call, 1, None)

    def hangup(self, ext: str) -> None:
        """§2.5: ends the account's call now (an answered call keeps the talk time so far)."""
        with self._lock:
            call = self._accounts[ext].call
            if call is None:
                return
            now = self.clock.now()
            call.end_at = min(call.end_at, now)
            if call.answer_at is not None and call.answer_at > now:
                call.answer_at = None
            if call.key_at is not None and call.key_at > now:
                call.key_at = None
            self.tick()

    def tick(self) -> None:
        """Move every open call through the stages whose time has come."""
        with self._lock:
            now = self.clock.now()
            for account in self._accounts.values():
                call = account.call
                if call is None:
                    continue
                if call.stage < 1 and call.answer_at is not None and now >= call.answer_at:
                    call.stage = 1
                    self._event(account, call, 1)
                    self._push(call, 2, None)
                if call.stage < 2 and call.key_at is not None and now >= call.key_at:
                    call.stage, call.keys = 2, call.plan.key
                    self._key_callback(call)
                if now >= call.end_at:
                    self._finish(account, call)

    def _finish(self, account: _Account, call: SimCall) -> None:
        if call.answer_at is not None and call.stage < 1:
            call.answer_at = None  # hung up before the answer
        call.stage = 3
        account.call = None
        self._event(account, call, 3)
        memo = self.memo(call)
        self._push(call, 3, memo)
        if memo["cdrRecordFile"]:
            self._push(call, 4, memo)

    def talk_seconds(self, call: SimCall) -> int:
        if call.answer_at is None:
            return 0
        return round((call.end_at - call.answer_at) * self.config.speed)

    def kind_of(self, call: SimCall) -> PlanKind:
        """What actually happened: the plan, unless a hang-up cut it short before the answer."""
        if call.plan.kind is PlanKind.ANSWERED and call.answer_at is None:
            return PlanKind.CANCELLED
        return call.plan.kind

    def memo(self, call: SimCall) -> dict[str, Any]:
        kind = self.kind_of(call)
        code, text = REASONS[kind]
        talk = self.talk_seconds(call)
        record = f"{self._day(call.placed_at)}/{call.cdr_id}.wav" if talk > 0 else ""
        return {
            "cdrId": call.cdr_id,
            "cdrExtension": call.extension,
            "exteName": f"坐席{call.extension}",
            "cdrPhoneNum": call.phone,
            "cdrLastPhoneNumber": call.phone.lstrip("0"),
            "cdrStartTime": self._stamp(call.placed_at),
            "cdrHangupTime": self._stamp(call.end_at),
            "cdrTalktime": talk,
            "cdrChargingTimes": (talk + 59) // 60,
            "cdrPeer": 1,
            "cdrIVR": "满意度回访",
            "cdrHangupReasonCode": code,
            "cdrHangupReasonText": text,
            "cdrIVRKey": call.keys or "",
            "woOther11": call.keys or "",
            "cdrRecordFile": record,
            "paramvalue": call.paramvalue or "",
        }

    def _stamp(self, when: float) -> str:
        return datetime.fromtimestamp(when, self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def _day(self, when: float) -> str:
        return datetime.fromtimestamp(when, self.tz).strftime("%Y/%m/%d")

    # --- events, pushes, callbacks ------------------------------------------------------------------
    def _event(self, account: _Account, call: SimCall, status: int) -> None:
        now_ms = int(self.clock.now() * 1000)
        account.waterline = max(account.waterline + 1, now_ms)
        content = {"status": status, "cdrId": call.cdr_id, "paramvalue": call.paramvalue or ""}
        account.messages.append(
            {
                "kind": "1",
                "phone": call.phone,
                "content": json.dumps(content),
                "time": now_ms,
                "waterLine": account.waterline,
            }
        )

    def _dropped(self, cdrs_id: int) -> bool:
        digest = hashlib.sha256(f"{self.config.seed}:drop:{cdrs_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.drop_rate

    def _push(self, call: SimCall, kind: int, memo: dict[str, Any] | None) -> None:
        cdrs_id, self._next_push = self._next_push, self._next_push + 1
        record = PushRecord(
            cdrs_id=cdrs_id,
            type=kind,
            phone=call.phone,
            cdr_id=call.cdr_id,
            extension=call.extension,
            paramvalue=call.paramvalue,
            start_time=self._stamp(call.placed_at),
            memo=memo,
            dropped=self._dropped(cdrs_id),
        )
        if record.dropped:
            record.result = "dropped by the simulator"
        self.pushes.add(record)

    def _key_callback(self, call: SimCall) -> None:
        url = self.key_url
        if not url or call.keys is None:
            return
        params = {"phone": call.phone.lstrip("0"), "input": call.keys, "cdrId": str(call.cdr_id)}
        threading.Thread(target=self._record_key_answer, args=(call, url, params), daemon=True).start()

    def _record_key_answer(self, call: SimCall, url: str, params: dict[str, str]) -> None:
        call.key_answer = call_back(self._callbacks, url, params)

    def inbound(self, phone: str, trunkno: str = "100068001") -> dict[str, Any]:
        """A customer calls in: §2.8 asks our route URL which agent should take them."""
        with self._lock:
            self._next_cdr += 1
            cdr_id = self._next_cdr
        answer = (
            call_back(
                self._callbacks, self.route_url, {"phone": phone, "trunkno": trunkno, "cdrId": str(cdr_id)}
            )
            if self.route_url
            else CallbackAnswer(False, None, 0.0, "no route URL configured")
        )
        agent = str(answer.body.get("message")) if answer.ok and answer.body else None
        entry = {
            "phone": phone,
            "cdrId": cdr_id,
            "agent": agent,
            "ok": answer.ok,
            "latency_ms": answer.latency_ms,
        }
        with self._lock:
            self.routes.append(entry)
        return entry

    # --- reading ------------------------------------------------------------------------------------
    def waterline(self, ext: str) -> dict[str, Any]:
        """§2.3: the account's waterline, the keys of its current call and its current state."""
        with self._lock:
            self.tick()
            account = self._accounts[ext]
            call = account.call
            msgs = []
            if call is not None:
                status = 1 if call.stage >= 1 else 0
                msgs.append({"status": status, "phone": call.phone, "kind": 1, "cdrId": call.cdr_id})
            return {
                "code": 0,
                "waterline": account.waterline,
                "keylist": (call.keys or "") if call else "",
                "msgs": msgs,
            }

    def recv_msg(self, ext: str, waterline: int, limit: int) -> dict[str, Any]:
        with self._lock:
            self.tick()
            newer = [m for m in self._accounts[ext].messages if m["waterLine"] > waterline]
            return {"code": 0, "message": "", "msgs": newer[: max(1, min(limit, 1000))]}

    def push_rows(self, start: str, end: str, status: str, phone: str, extes: str) -> list[PushRecord]:
        rows = [r for r in self.pushes.snapshot() if start <= r.start_time <= end]
        if status in ("0", "1"):
            rows = [r for r in rows if r.delivered == (status == "0")]
        if phone:
            rows = [r for r in rows if r.phone == phone]
        if extes:
            wanted = set(extes.split(","))
            rows = [r for r in rows if r.extension in wanted]
        return sorted(rows, key=lambda r: (r.start_time, r.cdrs_id), reverse=True)

    def call_by_record(self, record_file: str) -> SimCall | None:
        with self._lock:
            return next(
                (c for c in self.calls.values() if c.ended and self.memo(c)["cdrRecordFile"] == record_file),
                None,
            )

    def settled(self) -> bool:
        """No open call and every push handed to the delivery thread has been tried."""
        with self._lock:
            self.tick()
            return all(a.call is None for a in self._accounts.values()) and self.pushes.idle()
