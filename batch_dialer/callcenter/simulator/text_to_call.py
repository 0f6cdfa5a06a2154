"""§26 TextToCallService: timed TTS calls that the centre places itself, retrying up to three times.

A task waits (WAITING) until its ``calldate``, then tries (TRYING) through the same channel pool as
every other call; between two tries it shows RING_TIME_OUT (振铃超时: not the end of the call); it ends
CONFIRM when answered, CALL_FAILED for an empty number or when the third try failed too ("CALL_FAILED:
尝试 3 次失败", table 6-1). ``calltime`` counts the tries.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .engine import CallEngine, SimCall
from .outcomes import CallKind

__all__ = ["MAX_TRIES", "RETRY_AFTER_S", "TextToCall", "TimedCall", "TimedCallError"]

MAX_TRIES = 3
#: Nominal pause between two tries of one task.
RETRY_AFTER_S = 60
_DIGITS = re.compile(r"^[0-9]{3,20}$")


class TimedCallError(Exception):
    """A request the service refuses; becomes a SOAP Client fault."""


@dataclass
class TimedCall:
    id: int
    caller: str | None
    callee: str
    content: str
    assisid: int | None
    calldate: float
    voipcall: bool | None
    servicetype: str | None
    linkkey: int | None
    create_time: float
    state: str = "WAITING"
    calltime: int = 0
    playingtime: int | None = None

    def as_soap(self, tz: ZoneInfo) -> dict[str, Any]:
        return {
            "id": self.id,
            "caller": self.caller,
            "callee": self.callee,
            "content": self.content,
            "assisid": self.assisid,
            "calldate": datetime.fromtimestamp(self.calldate, tz),
            "voipcall": self.voipcall,
            "servicetype": self.servicetype,
            "linkkey": self.linkkey,
            "createTime": datetime.fromtimestamp(self.create_time, tz),
            "state": self.state,
            "ttsfile": f"D:/tts/{self.id}.wav",
            "calltime": self.calltime,
            "playingtime": self.playingtime,
        }


class TextToCall:
    def __init__(self, engine: CallEngine) -> None:
        self._engine = engine
        self.tasks: dict[int, TimedCall] = {}
        self._ids = itertools.count(1)
        self._by_serial: dict[int, int] = {}
        engine.register("tts_due", self._due)
        engine.register("tts_retry", self._retry)

    def make_call(self, info: dict[str, Any], now: float) -> int:
        """Create (id missing or -1) or modify a WAITING task; returns its id."""
        callee = str(info.get("callee") or "")
        if not _DIGITS.match(callee):
            raise TimedCallError("callee must be 3 to 20 digits")
        content = str(info.get("content") or "")
        if not content:
            raise TimedCallError("content is required")
        calldate = info.get("calldate")
        when = calldate.timestamp() if isinstance(calldate, datetime) else now
        task_id = info.get("id")
        if task_id is None or task_id == -1:
            task = TimedCall(
                next(self._ids),
                info.get("caller"),
                callee,
                content,
                info.get("assisid"),
                when,
                info.get("voipcall"),
                info.get("servicetype"),
                info.get("linkkey"),
                now,
            )
            self.tasks[task.id] = task
        else:
            existing = self.tasks.get(int(task_id))
            if existing is None:
                raise TimedCallError(f"no task with id {task_id}")
            if existing.state != "WAITING":
                raise TimedCallError(f"task {task_id} is {existing.state}; only WAITING tasks can change")
            task = existing
            task.caller, task.callee, task.content = info.get("caller"), callee, content
            task.assisid, task.voipcall = info.get("assisid"), info.get("voipcall")
            task.servicetype, task.linkkey, task.calldate = info.get("servicetype"), info.get("linkkey"), when
        if task.calldate <= now:
            self._due(task.id, now)
        else:
            self._engine.schedule(task.calldate, "tts_due", task.id)
        return task.id

    def remove(self, task_id: int) -> None:
        if self.tasks.pop(task_id, None) is None:
            raise TimedCallError(f"no task with id {task_id}")

    def list(
        self, first: int, max_results: int, servicetype: str | None, linkkey: int | None, *, uncalled: bool
    ) -> list[TimedCall]:
        selected = [
            t
            for t in sorted(self.tasks.values(), key=lambda t: t.id)
            if (not servicetype or t.servicetype == servicetype)
            and (linkkey is None or t.linkkey == linkkey)
            and (not uncalled or t.state == "WAITING")
        ]
        return selected[max(first, 0) : max(first, 0) + max(max_results, 0)]

    def on_call_end(self, call: SimCall) -> None:
        task_id = self._by_serial.pop(call.serial, None)
        task = self.tasks.get(task_id) if task_id is not None else None
        if task is None or call.ended_at is None:
            return
        if call.answered_at is not None:
            task.state = "CONFIRM"
            task.playingtime = round((call.ended_at - call.answered_at) * self._engine.speed)
        elif call.plan.kind is CallKind.EMPTY or task.calltime >= MAX_TRIES:
            task.state = "CALL_FAILED"
        else:
            task.state = "RING_TIME_OUT"  # until the centre's next try
            self._engine.schedule(self._engine.after(call.ended_at, RETRY_AFTER_S), "tts_retry", task.id)

    def _due(self, task_id: int, at: float) -> None:
        task = self.tasks.get(task_id)
        if task is None or task.state != "WAITING" or task.calldate > at:
            return
        task.state = "TRYING"
        self._try(task, at)

    def _retry(self, task_id: int, at: float) -> None:
        task = self.tasks.get(task_id)
        if task is not None and task.state == "RING_TIME_OUT":
            self._try(task, at)

    def _try(self, task: TimedCall, at: float) -> None:
        task.state = "TRYING"
        task.calltime += 1
        call = self._engine.new_call(f"soap-{task.id}-{task.calltime}", "soap", task.callee, at)
        self._by_serial[call.serial] = task.id
        self._engine.place(call, at)
