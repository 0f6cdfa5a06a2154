"""Jinja2 set-up for the pages: autoescape on, Chinese labels and display filters."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates

from batch_dialer.campaigns.campaign_figures import CAMPAIGN_STATUS_LABELS, TASK_STATE_LABELS
from batch_dialer.campaigns.kinds.registry import KINDS
from batch_dialer.reports import OUTCOME_LABELS

__all__ = ["KIND_LABELS", "STATE_LABELS", "STATUS_LABELS", "make_templates"]

TEMPLATES = Path(__file__).with_name("templates")
STATUS_LABELS = CAMPAIGN_STATUS_LABELS  # defined once, with the figures, for page, CLI and reports
STATE_LABELS = TASK_STATE_LABELS
KIND_LABELS = {kind.name: kind.label for kind in KINDS.values()}
FIELD_LABELS = {
    "name": "姓名",
    "phone": "电话",
    "company": "公司",
    "product": "产品",
    "comment": "备注",
    "qq": "QQ",
    "extra": "附加字段",
    "ignore": "忽略",
}


def _when(value: datetime | str | None, tz: str = "Asia/Shanghai") -> str:
    if value is None or value == "":
        return "–"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(tz))
    return moment.strftime("%Y-%m-%d %H:%M")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    total = round(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}天" if days else "", f"{hours}小时" if hours else "", f"{minutes}分" if minutes else ""]
    shown = "".join(parts)
    return shown or f"{secs}秒"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.filters.update(when=_when, duration=_duration, pct=_pct)
    env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        STATE_LABELS=STATE_LABELS,
        KIND_LABELS=KIND_LABELS,
        FIELD_LABELS=FIELD_LABELS,
        OUTCOME_LABELS=OUTCOME_LABELS,
    )
    return templates
