"""The campaign form's manager-friendly widgets, turned into the option notation the checks read:
time-range pickers → ``window``, weekday checkboxes → ``days``, the retry table (outcomes in
Chinese, delays such as ``10分钟, 2小时``) → ``retry``, the schedule builder (每天 / 每个工作日 / 周末 at a
time) → ``cron``. A value typed in the plain field beside a widget wins, so every CLI notation still
works in the form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from batch_dialer.campaigns.calling_window import parse_days
from batch_dialer.campaigns.retry_schedule import DEFAULT_DELAYS, RetryClass, RetrySchedule, format_duration

__all__ = [
    "RETRY_LABELS",
    "SCHEDULE_DAYS",
    "WEEKDAYS",
    "WINDOW_ROWS",
    "compose_widgets",
    "widget_values",
]

WEEKDAYS = (
    ("mon", "一"),
    ("tue", "二"),
    ("wed", "三"),
    ("thu", "四"),
    ("fri", "五"),
    ("sat", "六"),
    ("sun", "日"),
)
RETRY_LABELS = {
    RetryClass.BUSY.value: "忙线",
    RetryClass.UNREACHABLE.value: "关机或不在服务区",
    RetryClass.FAILED.value: "呼叫失败",
    RetryClass.NO_ANSWER.value: "无人接听",
    RetryClass.UNKNOWN.value: "没有结果",
}
SCHEDULE_DAYS = {"*": "每天", "mon-fri": "每个工作日", "sat,sun": "每个周末"}
WINDOW_ROWS = 2
_UNITS = (("小时", "h"), ("分钟", "m"), ("秒钟", "s"), ("天", "d"), ("时", "h"), ("分", "m"), ("秒", "s"))
_SEPARATORS = re.compile(r"[，、；;\s]+")


def _delays(text: str) -> str:
    """``10分钟、30分钟, 2小时`` → ``10m,30m,2h`` (the --retry notation)."""
    for word, unit in _UNITS:
        text = text.replace(word, unit)
    return ",".join(part for part in _SEPARATORS.sub(",", text).split(",") if part)


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name) or "").strip()


def compose_widgets(form: Any) -> dict[str, Any]:
    """The form as a plain mapping with window / days / retry / cron filled from the widgets."""
    values: dict[str, Any] = {k: form.get(k) for k in form}
    if not _text(form, "window"):
        spans = []
        for row in range(1, WINDOW_ROWS + 1):
            start, end = _text(form, f"window_from_{row}"), _text(form, f"window_to_{row}")
            if start and end:
                spans.append(f"{start}-{'24:00' if end == '00:00' else end}")
        values["window"] = ", ".join(spans)
    picked = form.getlist("day") if hasattr(form, "getlist") else form.get("day") or []
    if not _text(form, "days") and picked and len(picked) < len(WEEKDAYS):
        values["days"] = ",".join(str(d) for d in picked)
    typed = {
        line.partition("=")[0].strip().lower() for line in _text(form, "retry").splitlines() if "=" in line
    }
    table = [
        f"{name}={_delays(_text(form, f'retry_{name}'))}"
        for name in RETRY_LABELS
        if _text(form, f"retry_{name}") and name not in typed
    ]
    values["retry"] = "\n".join([*_text(form, "retry").splitlines(), *table])
    when = _text(form, "schedule_time")
    if not _text(form, "cron") and when and re.fullmatch(r"\d{1,2}:\d{2}", when):
        hour, minute = when.split(":")
        days = _text(form, "schedule_days") or "*"
        values["cron"] = f"{int(minute)} {int(hour)} * * {days if days in SCHEDULE_DAYS else '*'}"
    return values


def widget_values(
    windows: list[str] | None, days: str | None, retry: dict[str, list[int]] | None
) -> dict[str, Any]:
    """The widgets' values for a stored campaign (or the defaults): the edit form shows them."""
    values: dict[str, Any] = {}
    for row, span in enumerate((windows or [])[:WINDOW_ROWS], start=1):
        start, _, end = span.partition("-")
        values[f"window_from_{row}"], values[f"window_to_{row}"] = start, "00:00" if end == "24:00" else end
    chosen = parse_days(days)
    values["day"] = [code for index, (code, _) in enumerate(WEEKDAYS) if index in chosen]
    schedule = RetrySchedule.from_json(retry) if retry else RetrySchedule(DEFAULT_DELAYS)
    for name in RETRY_LABELS:
        delays = schedule.delays[RetryClass(name)]
        values[f"retry_{name}"] = ", ".join(_chinese(format_duration(d)) for d in delays)
    return values


def _chinese(duration: str) -> str:
    number, unit = duration[:-1], duration[-1]
    return number + {"s": "秒", "m": "分钟", "h": "小时", "d": "天"}[unit]
