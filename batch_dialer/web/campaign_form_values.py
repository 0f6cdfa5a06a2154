"""A stored campaign back into the creation form's fields, so the edit page shows what is stored
and saving goes through the same checks as creating."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from batch_dialer.campaigns.retry_schedule import RetrySchedule, format_duration
from batch_dialer.web.form_widgets import WINDOW_ROWS, widget_values

__all__ = ["form_from_campaign"]


def _local(moment: datetime | None, tz: str) -> str:
    """A ``datetime-local`` input value in the campaign's zone."""
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _pairs(mapping: dict[str, Any] | None) -> str:
    return "\n".join(f"{k}={v}" for k, v in (mapping or {}).items())


def form_from_campaign(row: Any) -> dict[str, Any]:
    """Form field values (strings, named as the options) from a ``campaign`` row."""
    audience = row.audience or {}
    form: dict[str, Any] = {
        "name": row.name,
        "kind": row.kind,
        "batch": [str(b) for b in audience.get("batches", [])],
        "tag": "\n".join(audience.get("tags", [])),
        "product": "\n".join(audience.get("products", [])),
        "all_contacts": "1" if audience.get("all") else "",
        "start": _local(row.start_at, row.tz),
        "cron": row.cron or "",
        "end": _local(row.end_at, row.tz),
        "window": ", ".join(row.windows or []),
        "days": row.days or "",
        "tz": row.tz,
        "max_attempts": str(row.max_attempts),
        "retry": "\n".join(RetrySchedule.from_json(row.retry).specs()),
        "cap": f"{row.cap_count}/{format_duration(row.cap_period_s)}" if row.cap_count else "",
        "channels": str(row.channels),
        "max_queue": str(row.max_queue),
        "rate": f"{row.rate_per_min}/min" if row.rate_per_min else "",
        "priority": str(row.priority),
        "ivr_max": str(row.ivr_max_seconds),
        "key_label": _pairs(row.key_labels),
        "report_cron": row.report_cron or "",
        "report_dir": row.report_dir or "",
        "toneid": "" if row.toneid is None else str(row.toneid),
        "tts": _pairs(row.tts),
    }
    form.update(widget_values(row.windows, row.days, row.retry))
    if len(row.windows or []) <= WINDOW_ROWS:
        form["window"] = ""  # the pickers show them
    form["days"] = ""
    form["retry"] = ""  # the retry table shows every class
    for name, value in (row.captcha or {}).items():  # a kind's own settings are named as its options
        form.setdefault(name, "" if value is None else str(value))
    return form
