"""Engine heartbeats: a running engine says every few seconds what it is doing, so every campaign page can
say whether anything is dialling at all ("拨号引擎未运行，最后心跳 …") instead of showing calls "in progress"
that nothing collects."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, or_, select, update

from batch_dialer.campaigns.models import table_of
from batch_dialer.campaigns.oversight_models import EngineHeartbeat

__all__ = ["STALE_AFTER", "STOPPED", "EngineStatus", "HeartbeatWriter", "engine_status"]

_beat = table_of(EngineHeartbeat)

#: An engine that has not beaten for this long is taken as gone (it beats every second or two).
STALE_AFTER = timedelta(seconds=15)
STOPPED = "已停止"
EVERY = timedelta(seconds=2)


class HeartbeatWriter:
    """One engine's heartbeat row: ``beat`` upserts it, ``stop`` removes it on a clean exit."""

    def __init__(self, engine: Engine, role: str, campaign_id: int | None, now: datetime) -> None:
        self.engine = engine
        self.engine_id = f"{role}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.role = role
        self.campaign_id = campaign_id
        self.started_at = now
        self._last: tuple[datetime, str] | None = None

    def beat(self, now: datetime, activity: str) -> None:
        """Write the row; an unchanged activity is written at most every ``EVERY`` (one write, not four,
        per second of `dialer run`'s display loop, so the engine's own writers are not crowded out)."""
        if self._last is not None and self._last[1] == activity and now - self._last[0] < EVERY:
            return
        self._last = (now, activity)
        with self.engine.begin() as conn:
            values = {"activity": activity[:500], "beat_at": now, "campaign_id": self.campaign_id}
            moved = conn.execute(update(_beat).where(_beat.c.engine_id == self.engine_id).values(**values))
            if not moved.rowcount:
                conn.execute(
                    _beat.insert().values(
                        engine_id=self.engine_id,
                        role=self.role,
                        host=socket.gethostname()[:200],
                        pid=os.getpid(),
                        started_at=self.started_at,
                        **values,
                    )
                )

    def stop(self, now: datetime) -> None:
        """A clean exit: the row stays (pages say when the engine last ran) but says it stopped."""
        self.beat(now, STOPPED)
        with self.engine.begin() as conn:  # older rows of this campaign say nothing new
            conn.execute(
                delete(_beat).where(
                    _beat.c.engine_id != self.engine_id,
                    _beat.c.campaign_id == self.campaign_id,
                    _beat.c.beat_at < now - STALE_AFTER,
                )
            )


@dataclass(frozen=True)
class EngineStatus:
    """Whether an engine serves a campaign now; ``label`` is the sentence the console shows."""

    running: bool
    last_beat: datetime | None
    activity: str | None
    label: str


def engine_status(engine: Engine, campaign_id: int, now: datetime, tz: ZoneInfo) -> EngineStatus:
    """The freshest engine serving ``campaign_id`` (its `dialer run`, or any scheduler); times in ``tz``."""
    with engine.connect() as conn:
        row = conn.execute(
            select(_beat.c.beat_at, _beat.c.activity, _beat.c.role)
            .where(or_(_beat.c.campaign_id == campaign_id, _beat.c.campaign_id.is_(None)))
            .order_by(_beat.c.beat_at.desc())
            .limit(1)
        ).first()
    if row is None:
        return EngineStatus(False, None, None, "拨号引擎未运行（从未连接）")
    if now - row.beat_at <= STALE_AFTER and row.activity != STOPPED:
        return EngineStatus(True, row.beat_at, row.activity, f"拨号引擎运行中：{row.activity or '—'}")
    when = row.beat_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    return EngineStatus(False, row.beat_at, row.activity, f"拨号引擎未运行，最后心跳 {when}")
