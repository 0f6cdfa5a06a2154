"""Every live figure of a campaign, defined once: the page, `dialer run`, the JSON API and the reports read
them from here, each with its label, so one page never shows two different 待拨打.

Definitions (a "task" is one contact in one campaign):

- ``due_now`` 待拨打（可拨）: pending tasks whose time has come *and* the calling window is open now;
  0 while the window is closed — those are ``waiting_window``.
- ``waiting_window`` 等待拨打时段: pending tasks that are due but the window is closed.
- ``waiting_retry`` 等待重拨: pending tasks whose retry time is still ahead.
- ``in_flight`` 已拨出、等待结果: tasks with an attempt at the centre (ringing, talking, or waiting for its
  result or keys) — not the lines in use, which the centre's monitor reports.
- ``finished`` 已结束（人）: tasks in a final state (done, invalid, exhausted, dnc, unknown, cancelled).
- ``progress`` 完成进度: finished tasks other than cancelled ones, of all tasks (a cancelled campaign does
  not show a full bar).
- ``attempts`` 实际拨打次数: placements that reached the centre.
- ``calls_per_minute`` 每分钟呼叫（最近60秒）: placements in the last 60 seconds; none after the end.
- ``eta_seconds`` 预计剩余: open tasks ÷ tasks finished in the last minute, but never before the last
  waiting retry or the next opening of the window; none when the campaign is not running.
- ``next_open`` 下次拨打: when the window opens next, when it is closed now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, func, select

from batch_dialer.campaigns.attempt_states import AttemptState, TaskState
from batch_dialer.campaigns.calling_window import CallingWindow
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, table_of

__all__ = [
    "CAMPAIGN_STATUS_LABELS",
    "FIGURE_LABELS",
    "TASK_STATE_LABELS",
    "CampaignFigures",
    "campaign_figures",
    "local_when",
]

_campaign = table_of(Campaign)
_task = table_of(CallTask)
_attempt = table_of(CallAttempt)
_PENDING, _IN_FLIGHT = TaskState.PENDING.value, TaskState.IN_FLIGHT.value
_CANCELLED = TaskState.CANCELLED.value
_PLACED_STATES = tuple(s.value for s in (AttemptState.PLACED, AttemptState.FINAL, AttemptState.UNKNOWN))

CAMPAIGN_STATUS_LABELS: dict[str, str] = {
    "draft": "草稿",
    "scheduled": "已排期",
    "running": "进行中",
    "paused": "已暂停",
    "completed": "已完成",
    "cancelled": "已取消",
}
#: A task's state; ``in_flight`` is not "talking": the call may be ringing or waiting for its result.
TASK_STATE_LABELS: dict[str, str] = {
    "pending": "待拨打",
    "in_flight": "已拨出、等待结果",
    "done": "已完成",
    "invalid": "空号",
    "exhausted": "次数用尽",
    "dnc": "免打扰",
    "cancelled": "已取消",
    "unknown": "结果未知",
}

FIGURE_LABELS: dict[str, str] = {
    "due_now": "待拨打（可拨）",
    "waiting_window": "等待拨打时段",
    "waiting_retry": "等待重拨",
    "in_flight": "已拨出、等待结果",
    "finished": "已结束（人）",
    "progress": "完成进度",
    "attempts": "实际拨打次数",
    "calls_per_minute": "每分钟呼叫（最近60秒）",
    "eta_seconds": "预计剩余",
    "next_open": "下次拨打",
    # the report files' figures (summary JSON, HTML, XLSX) take their labels from here too
    "contacts": "联系人",
    "dialled": "已拨打（人）",
    "answered": "已接通（人）",
    "keyed": "已按键（人）",
    "answer_rate": "接通率（已接通人数 ÷ 已拨打人数）",
    "placement_answer_rate": "接通率（接通次数 ÷ 拨打次数）",
}


def local_when(moment: datetime, now: datetime, window: CallingWindow) -> str:
    """``今天 09:00`` / ``明天 09:00`` / ``2026-10-08 09:00`` in the campaign's zone."""
    here, today = moment.astimezone(window.tz), now.astimezone(window.tz).date()
    days = (here.date() - today).days
    prefix = {0: "今天", 1: "明天", 2: "后天"}.get(days, here.strftime("%Y-%m-%d"))
    return f"{prefix} {here:%H:%M}"


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "不到 1 分钟"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} 小时 {minutes} 分" if hours else f"{minutes} 分钟"


@dataclass(frozen=True)
class CampaignFigures:
    values: dict[str, Any]  # machine-readable (ints, seconds, ISO times)
    display: dict[str, str]  # what the console shows, in Chinese, times in the campaign's zone
    window_open: bool

    def as_json(self) -> dict[str, Any]:
        return {
            **self.values,
            "window_open": self.window_open,
            "display": self.display,
            "labels": FIGURE_LABELS,
        }


def campaign_figures(engine: Engine, campaign_id: int, now: datetime) -> CampaignFigures:
    with engine.connect() as conn:
        camp = conn.execute(
            select(_campaign.c.status, _campaign.c.windows, _campaign.c.days, _campaign.c.tz).where(
                _campaign.c.id == campaign_id
            )
        ).one()
        due = (_task.c.next_attempt_at.is_(None)) | (_task.c.next_attempt_at <= now)
        row = conn.execute(
            select(
                func.count(),
                func.sum(case(((_task.c.state == _PENDING) & due, 1), else_=0)),
                func.sum(case(((_task.c.state == _PENDING) & ~due, 1), else_=0)),
                func.sum(case((_task.c.state == _IN_FLIGHT, 1), else_=0)),
                func.sum(case((_task.c.state == _CANCELLED, 1), else_=0)),
                func.max(case((_task.c.state == _PENDING, _task.c.next_attempt_at), else_=None)),
                func.sum(case((_task.c.final_at >= now - timedelta(seconds=60), 1), else_=0)),
            ).where(_task.c.campaign_id == campaign_id)
        ).one()
        attempts = conn.scalar(
            select(func.count()).where(
                _attempt.c.campaign_id == campaign_id, _attempt.c.state.in_(_PLACED_STATES)
            )
        )
        per_minute = conn.scalar(
            select(func.count()).where(
                _attempt.c.campaign_id == campaign_id, _attempt.c.placed_at >= now - timedelta(seconds=60)
            )
        )
    tasks, due_n, retry_n, in_flight, cancelled = (int(v or 0) for v in row[:5])
    last_retry: datetime | None = row[5]
    recent_done = int(row[6] or 0)
    window = CallingWindow.parse(camp.windows, camp.days, camp.tz or "Asia/Shanghai")
    window_open = window.contains(now)
    running = camp.status == "running"
    finished = tasks - due_n - retry_n - in_flight
    next_open = None if window_open else window.next_open(now)
    eta: float | None = None
    open_tasks = due_n + retry_n + in_flight
    if running and open_tasks and recent_done:
        eta = open_tasks / recent_done * 60.0
    if running and open_tasks:
        floor = max((t for t in (last_retry, next_open) if t is not None), default=None)
        if floor is not None and floor > now:
            eta = max(eta or 0.0, (floor - now).total_seconds())
    values: dict[str, Any] = {
        "tasks": tasks,
        "due_now": due_n if window_open else 0,
        "waiting_window": 0 if window_open else due_n,
        "waiting_retry": retry_n,
        "in_flight": in_flight,
        "finished": finished,
        "progress_done": finished - cancelled,
        "progress_total": tasks,
        "attempts": int(attempts or 0),
        "calls_per_minute": int(per_minute or 0) if running else 0,
        "eta_seconds": eta,
        "next_open": next_open.isoformat() if next_open else None,
        "now": now.isoformat(),
    }
    display = {key: str(values[key]) for key in ("due_now", "waiting_window", "waiting_retry", "in_flight")}
    display.update(
        finished=str(finished),
        progress=f"{finished - cancelled} / {tasks}",
        attempts=str(values["attempts"]),
        calls_per_minute=str(values["calls_per_minute"]) if running else "–",
        eta_seconds=_duration(eta) if eta is not None else "–",
        next_open=local_when(next_open, now, window) if next_open else "拨打时段内",
        updated=f"更新于 {now.astimezone(window.tz):%H:%M:%S}（{window.tz.key}）",
    )
    return CampaignFigures(values, display, window_open)
