"""The centre's outgoing HTTP: §2.7 pushes, §2.10 key callbacks and §2.8 route look-ups.

Pushes are delivered by one background thread in the order they happened; a push whose seeded draw
falls under the drop rate is never sent and is stored as failed, like one our endpoint missed. Every
push stays in the log that §2.11 push_list pages through and §2.12 push_send re-sends.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["CallbackAnswer", "PushLog", "PushRecord", "call_back"]

_TIMEOUT = httpx.Timeout(5.0, connect=1.0)


@dataclass
class PushRecord:
    """One row of the push table (§2.11 cdrsId, cdrs_status, cdrs_result, cdr_uploadTime …)."""

    cdrs_id: int
    type: int
    phone: str
    cdr_id: int
    extension: str
    paramvalue: str | None
    start_time: str
    memo: dict[str, Any] | None
    dropped: bool
    delivered: bool = False
    result: str = ""
    attempts: int = 0
    upload_time: float | None = None

    def params(self) -> dict[str, str]:
        """The fields as the §2.7 example sends them: type, phone, peer, memo (JSON), paramvalue."""
        out = {"type": str(self.type), "phone": self.phone, "peer": "1"}
        if self.memo is not None:
            out["memo"] = json.dumps(self.memo, ensure_ascii=False)
        if self.paramvalue is not None:
            out["paramvalue"] = self.paramvalue
        return out


@dataclass(frozen=True)
class CallbackAnswer:
    """What our side answered to a §2.10 / §2.8 callback, and how long it took."""

    ok: bool
    body: dict[str, Any] | None
    latency_ms: float
    error: str | None = None


def call_back(client: httpx.Client, url: str, params: dict[str, str]) -> CallbackAnswer:
    started = time.perf_counter()
    try:
        response = client.get(url, params=params)
        latency = (time.perf_counter() - started) * 1000
        body = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        return CallbackAnswer(False, None, (time.perf_counter() - started) * 1000, type(exc).__name__)
    if not isinstance(body, dict):
        return CallbackAnswer(False, None, latency, f"HTTP {response.status_code}")
    return CallbackAnswer(body.get("code") in (0, "0"), body, latency)


@dataclass
class PushLog:
    """The push table and its delivery thread; ``url`` may change at run time (faults)."""

    url: str | None
    records: list[PushRecord] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _queue: queue.Queue[PushRecord | None] = field(default_factory=queue.Queue)
    _thread: threading.Thread | None = None
    _client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=_TIMEOUT))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ing800-sim-pushes", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._client.close()

    def add(self, record: PushRecord) -> None:
        with self.lock:
            self.records.append(record)
        if not record.dropped:
            self._queue.put(record)

    def idle(self) -> bool:
        return self._queue.unfinished_tasks == 0

    def deliver(self, record: PushRecord) -> bool:
        """Send one push now (also what push_send does); the record keeps the last result."""
        url = self.url
        record.attempts += 1
        if not url:
            record.delivered, record.result = False, "no push URL configured"
            return False
        answer = call_back(self._client, url, record.params())
        with self.lock:
            record.upload_time = time.time()
            record.delivered = answer.ok or record.delivered
            record.result = (
                json.dumps(answer.body, ensure_ascii=False) if answer.body else (answer.error or "")
            )
        return answer.ok

    def _run(self) -> None:
        while True:
            record = self._queue.get()
            try:
                if record is None:
                    return
                self.deliver(record)
            finally:
                self._queue.task_done()

    def find(self, cdrs_id: int) -> PushRecord | None:
        with self.lock:
            return next((r for r in self.records if r.cdrs_id == cdrs_id), None)

    def snapshot(self) -> list[PushRecord]:
        with self.lock:
            return list(self.records)
