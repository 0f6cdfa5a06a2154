"""Channel use over the last minutes for the live view: the centre's IVR_TTS_CALL_MONITOR and each
running campaign's calls in flight, sampled every few seconds into an in-memory ring buffer.

The web process never dials; it only reads. A centre that cannot be read leaves a gap (None).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.campaigns.clock import Clock
from batch_dialer.campaigns.models import CallTask, Campaign, table_of

__all__ = ["ChannelMonitor", "ChannelSample"]

log = logging.getLogger(__name__)
_task = table_of(CallTask)
_campaign = table_of(Campaign)


@dataclass(frozen=True)
class ChannelSample:
    at: datetime
    playcount: int | None  # channels busy at the centre (all campaigns), None = unreadable
    queue: int | None
    in_flight: dict[int, int]  # campaign id -> our calls in flight


class ChannelMonitor:
    def __init__(
        self, engine: Engine, centre: CallCenter | None, clock: Clock, interval_s: float, window_s: float
    ) -> None:
        self.engine = engine
        self.centre = centre
        self.clock = clock
        self.interval_s = interval_s
        self.window_s = window_s
        self._samples: deque[ChannelSample] = deque(maxlen=max(int(window_s / interval_s) + 2, 10))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def ensure_started(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._loop, name="web-channel-monitor", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sample()
            except Exception:  # a sampling hiccup must not end the chart
                log.warning("channel sample failed", exc_info=True)
            self._stop.wait(self.interval_s)

    def sample(self) -> ChannelSample:
        playcount = queue = None
        if self.centre is not None:
            try:
                reading = self.centre.monitor()
                playcount, queue = reading.playcount, reading.queue
            except Exception as exc:
                log.debug("monitor unreadable: %s", type(exc).__name__)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_task.c.campaign_id, func.count())
                .join(_campaign, _campaign.c.id == _task.c.campaign_id)
                .where(_campaign.c.status.in_(("running", "paused")), _task.c.state == "in_flight")
                .group_by(_task.c.campaign_id)
            ).all()
        sample = ChannelSample(self.clock.now(), playcount, queue, {int(c): int(n) for c, n in rows})
        with self._lock:
            self._samples.append(sample)
        return sample

    def history(self, campaign_id: int) -> list[dict[str, object]]:
        """Samples of the last ``window_s`` seconds, oldest first, as seconds before now."""
        now = self.clock.now()
        with self._lock:
            samples = list(self._samples)
        return [
            {
                "ago_s": round((now - s.at).total_seconds(), 1),
                "centre": s.playcount,
                "queue": s.queue,
                "ours": s.in_flight.get(campaign_id, 0),
            }
            for s in samples
            if (now - s.at).total_seconds() <= self.window_s
        ]

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
