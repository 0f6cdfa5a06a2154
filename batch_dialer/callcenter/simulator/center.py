"""The simulated Guoxin centre: one lock around the call engine and the centre's stores.

Every public method takes the lock, replays the simulation up to ``clock.now()`` and then acts, so the
centre needs no thread of its own and is exact however often (or rarely) it is polled. Methods take
already-parsed arguments and answer the document's status codes; parsing lives in ``callctrl``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import itertools
import random
import threading
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .call_log import CallLog
from .clock import Clock, WallClock
from .config import SimulatorConfig
from .directory import Directory, DirectoryError
from .engine import CallEngine, SimCall
from .text_to_call import TextToCall
from .tone_files import ToneFiles
from .truth import call_truth, config_truth

__all__ = ["ClickCallError", "SimCenter"]

#: Nominal seconds the agent's phone rings before a click-to-call dials the customer.
CLICK_AGENT_RING_S = 2


class ClickCallError(Exception):
    """A click-to-call the centre refuses; becomes a SOAP fault."""


class SimCenter:
    """A faithful in-memory twin of the Guoxin centre (see the package docstring)."""

    def __init__(self, config: SimulatorConfig | None = None, clock: Clock | None = None) -> None:
        self._initial = config or SimulatorConfig()
        self.clock: Clock = clock or WallClock()
        self._lock = threading.RLock()
        self._build(self._initial)

    def _build(self, config: SimulatorConfig) -> None:
        self._config = config
        self.tz = ZoneInfo(config.timezone)
        self._engine = CallEngine(
            channels=config.channels,
            agents=config.agents,
            speed=config.speed,
            seed=config.seed,
            on_call_end=self._on_call_end,
        )
        self._call_log = CallLog(config.speed, self.tz)
        self._directory = Directory()
        self._tones = ToneFiles()
        self._timed = TextToCall(self._engine)
        self._fault_rng = random.Random(config.seed * 7919 + 17)
        self._ivr: dict[str, int] = {}
        self._captcha: dict[str, int] = {}
        self._clicks: dict[str, int] = {}
        self._click_ids = itertools.count(1)
        self.counters: dict[str, int] = dict.fromkeys(
            ("submissions", "accepted", "rejected_486", "duplicates_483", "faults_503", "denied_401"), 0
        )
        self.responses: dict[int, int] = {}
        self.operations: Counter[str] = Counter()  # requests by `opt`: how many polls a dialer made

    # -- configuration and faults -------------------------------------------------------------------
    @property
    def config(self) -> SimulatorConfig:
        return self._config

    def set_faults(
        self,
        *,
        fault_rate: float | None = None,
        latency_ms: int | None = None,
        unavailable: bool | None = None,
    ) -> SimulatorConfig:
        """Change the injected faults at run time (validated like the configuration)."""
        with self._lock:
            changes: dict[str, Any] = {}
            if fault_rate is not None:
                changes["fault_rate"] = float(fault_rate)
            if latency_ms is not None:
                changes["latency_ms"] = int(latency_ms)
            if unavailable is not None:
                changes["unavailable"] = bool(unavailable)
            self._config = dataclasses.replace(self._config, **changes)
            return self._config

    def reset(self) -> None:
        """Back to the state of a freshly started centre with the original configuration."""
        with self._lock:
            self._build(self._initial)

    def admit(self) -> bool:
        """Draw whether this request fails with 503 (seeded, so a run is reproducible)."""
        with self._lock:
            rate = self._config.fault_rate
            if rate > 0 and self._fault_rng.random() < rate:
                self.counters["faults_503"] += 1
                return False
            return True

    def note_response(self, status: int) -> None:
        with self._lock:
            self.responses[status] = self.responses.get(status, 0) + 1

    def now(self) -> float:
        return self.clock.now()

    def today(self) -> str:
        return datetime.fromtimestamp(self.clock.now(), self.tz).strftime("%Y-%m-%d")

    def _advance(self) -> float:
        now = self.clock.now()
        self._engine.advance(now)
        return now

    def _pwd_ok(self, callee: str, code: str, pwd: str | None) -> bool:
        password = self._config.password
        if not password:
            return True
        if not pwd:
            return False
        text = f"{password}{callee}{code}{self.today()}"
        expected = hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()
        return hmac.compare_digest(pwd.lower().encode(), expected.encode())

    def _line_has_room(self) -> bool:
        engine = self._engine
        return engine.in_use < engine.channels or engine.waiting < self._config.effective_waiting_line

    # -- §18 IVR_TTS_CALL ---------------------------------------------------------------------------
    def submit_ivr(self, token: str, callee: str, toneid: int, tts: dict[str, str], pwd: str | None) -> int:
        """200, 401, 480, 483 or 486 (parameters were checked by the caller)."""
        with self._lock:
            now = self._advance()
            self.counters["submissions"] += 1
            # §18 lists no pwd: a call without one is accepted; one that carries a pwd is checked
            # with the §3 formula (code "") and a wrong one is answered 401 (docs/guoxin-contract.md).
            if pwd is not None and not self._pwd_ok(callee, "", pwd):
                self.counters["denied_401"] += 1
                return 401
            if self._config.unavailable:
                return 480
            if token in self._ivr:
                self.counters["duplicates_483"] += 1
                return 483
            if not self._line_has_room():
                self.counters["rejected_486"] += 1
                return 486
            call = self._engine.new_call(token, "ivr", callee, now)
            self._ivr[token] = call.serial
            self._engine.place(call, now)
            self.counters["accepted"] += 1
            return 200

    def ivr_result(self, token: str) -> str | None:
        """``state=N`` plus ``;satisfact=K`` once the key is pressed; None for an unknown token."""
        with self._lock:
            self._advance()
            serial = self._ivr.get(token)
            if serial is None:
                return None
            call = self._engine.calls[serial]
            return f"state={call.state};satisfact={call.keys}" if call.keys else f"state={call.state}"

    def monitor(self) -> tuple[int, int]:
        """(queue, playcount): answered calls waiting for an agent, calls holding a channel."""
        with self._lock:
            self._advance()
            return self._engine.queue, self._engine.in_use

    # -- §3 captcha calls ---------------------------------------------------------------------------
    def submit_captcha(
        self,
        call_id: str,
        callee: str,
        toneid: int,
        code: str,
        extnum: str | None,
        precallcount: int,
        pwd: str | None,
    ) -> int:
        """200, 401, 420 (unknown voice file), 483 or 486 (line full or pre-call limit reached)."""
        with self._lock:
            now = self._advance()
            self.counters["submissions"] += 1
            if toneid not in self._tones:
                return 420
            if not self._pwd_ok(callee, code, pwd):
                self.counters["denied_401"] += 1
                return 401
            if call_id in self._captcha and self._config.captcha_483:
                self.counters["duplicates_483"] += 1
                return 483
            engine = self._engine
            precall_full = extnum and engine.free_agent_for(extnum) is None and engine.queue >= precallcount
            if precall_full or not self._line_has_room():
                self.counters["rejected_486"] += 1
                return 486
            call = engine.new_call(call_id, "captcha", callee, now, extnum=extnum or None)
            self._captcha[call_id] = call.serial
            engine.place(call, now)
            self.counters["accepted"] += 1
            return 200

    def captcha_result(self, call_id: str) -> int | None:
        with self._lock:
            self._advance()
            serial = self._captcha.get(call_id)
            return None if serial is None else self._engine.calls[serial].state

    # -- §14 agents ---------------------------------------------------------------------------------
    def agent_states(self) -> list[dict[str, Any]]:
        with self._lock:
            self._advance()
            states: list[dict[str, Any]] = []
            for agent in self._engine.agents.values():
                entry: dict[str, Any] = {
                    "telNum": agent.telnum,
                    "userName": agent.name,
                    "telRegState": 1,
                    "phoneType": "NewRockTech-MX8-v1.9.82.333/UA",
                    "state": "IDEL" if agent.serving is None else "BUSY_OUTGOING",
                    "presence": "online",
                    "missingCallCount": 0,
                }
                if agent.serving is not None:
                    entry["remoteNum"] = self._engine.calls[agent.serving].callee
                states.append(entry)
            return states

    # -- §21 / §28 call log -------------------------------------------------------------------------
    def call_log(
        self,
        *,
        first: int = 0,
        max_results: int = 1000,
        begin: float | None = None,
        end: float | None = None,
        end_inclusive: bool = False,
        telnum: str | None = None,
        direction: int = 0,
        soap: bool = False,
    ) -> list[dict[str, Any]]:
        """Log rows begun within [begin, end), as §21 JSON objects or §28 Calllog fields."""
        with self._lock:
            self._advance()
            rows = self._call_log.query(
                first=first,
                max_results=max_results,
                begin=begin,
                end=end,
                end_inclusive=end_inclusive,
                telnum=telnum,
                direction=direction,
                first_is_id=not soap,
            )
            return [r.as_soap() if soap else r.as_json(self.tz) for r in rows]

    def call_log_by_callid(self, callid: str) -> dict[str, Any] | None:
        with self._lock:
            self._advance()
            row = self._call_log.by_callid(callid)
            return None if row is None else row.as_json(self.tz)

    # -- §19 / §20 contacts and opportunities, §24 voice files --------------------------------------
    def add_contacts(self, data: str | None) -> int:
        return self._directory_call(self._directory.add_contacts, data)

    def add_preorders(self, data: str | None) -> int:
        return self._directory_call(self._directory.add_preorders, data)

    def _directory_call(self, operation: Any, data: str | None) -> int:
        with self._lock:
            try:
                operation(data)
            except DirectoryError as exc:
                if exc.status == 483:
                    self.counters["duplicates_483"] += 1
                return exc.status
            return 200

    def tone_files(self) -> list[dict[str, Any]]:
        with self._lock:
            return self._tones.query()

    def save_tone_file(self, tone_id: int | None, title: str, des: str, content: bytes | None) -> int:
        with self._lock:
            return self._tones.save(tone_id, title, des, content, round(self.clock.now() * 1000))

    def delete_tone_file(self, tone_id: int) -> bool:
        with self._lock:
            return self._tones.delete(tone_id)

    # -- §26 TextToCallService ----------------------------------------------------------------------
    def make_timed_call(self, info: dict[str, Any]) -> int:
        """Raises TimedCallError for a request the service refuses."""
        with self._lock:
            now = self._advance()
            return self._timed.make_call(info, now)

    def remove_timed_call(self, task_id: int) -> None:
        with self._lock:
            self._advance()
            self._timed.remove(task_id)

    def timed_calls(
        self, first: int, max_results: int, servicetype: str | None, linkkey: int | None, *, uncalled: bool
    ) -> list[dict[str, Any]]:
        with self._lock:
            self._advance()
            tasks = self._timed.list(first, max_results, servicetype, linkkey, uncalled=uncalled)
            return [t.as_soap(self.tz) for t in tasks]

    # -- §25 Click2CallControl ----------------------------------------------------------------------
    def click_call(self, extnum: str, callee: str) -> str:
        """The agent's phone rings first, then the customer's; raises ClickCallError when impossible."""
        with self._lock:
            now = self._advance()
            engine = self._engine
            agent = engine.agents.get(extnum)
            if agent is None:
                raise ClickCallError(f"404 unknown extension {extnum}")
            if not callee.isascii() or not callee.isdigit():
                raise ClickCallError("400 callee must be digits")
            if agent.serving is not None:
                raise ClickCallError(f"486 extension {extnum} is busy")
            if engine.in_use >= engine.channels:
                self.counters["rejected_486"] += 1
                raise ClickCallError("486 no free channel")
            click_id = f"click-{next(self._click_ids)}"
            call = engine.new_call(click_id, "click", callee, now)
            self._clicks[click_id] = call.serial
            engine.place_with_agent(call, agent, now, CLICK_AGENT_RING_S)
            return click_id

    def click_hangup(self, click_id: str) -> None:
        with self._lock:
            now = self._advance()
            serial = self._clicks.get(click_id)
            if serial is not None:
                self._engine.hang_up(serial, now)

    def click_state(self, click_id: str) -> int:
        """0 idle, 1 agent ringing, 2 customer ringing, 3 talking."""
        with self._lock:
            now = self._advance()
            serial = self._clicks.get(click_id)
            if serial is None:
                return 0
            call = self._engine.calls[serial]
            if call.ended or call.started_at is None:
                return 0
            if call.answered_at is not None:
                return 3
            return 1 if now < self._engine.after(call.started_at, call.pre_s) else 2

    # -- ground truth -------------------------------------------------------------------------------
    def _on_call_end(self, call: SimCall) -> None:
        self._call_log.record(call, self._directory.cname_for(call.callee))
        self._timed.on_call_end(call)

    def truth(self) -> dict[str, Any]:
        """What really happened, for tests and benchmarks that check a dialer from outside."""
        with self._lock:
            now = self._advance()
            engine, config = self._engine, self._config
            calls: dict[str, dict[str, Any]] = {}
            for call in engine.calls.values():
                key = call.key if call.key not in calls else f"{call.api}:{call.key}"
                calls[key] = call_truth(call, now, engine.speed)
            return {
                "now": now,
                "config": config_truth(config),
                "peak_channels": engine.peak_in_use,
                "channels_in_use": engine.in_use,
                "waiting": engine.waiting,
                "peak_waiting": engine.peak_waiting,
                "queue": engine.queue,
                "peak_queue": engine.peak_queue,
                **self.counters,
                "responses": {str(k): v for k, v in sorted(self.responses.items())},
                "operations": dict(sorted(self.operations.items())),
                "calls_total": len(engine.calls),
                "calls_by_number": dict(engine.calls_by_number),
                "calls": calls,
                "channel_seconds_busy": round(engine.busy_seconds(now), 3),
                "call_log_rows": len(self._call_log.rows),
                "contacts": len(self._directory.contacts),
                "preorders": len(self._directory.preorders),
                "timed_calls": len(self._timed.tasks),
                "tone_files": len(self._tones),
            }
