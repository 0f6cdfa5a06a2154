"""Campaign work shared by the pages and the API: create from form or JSON values, preview the TTS
text on a sample contact, forecast the duration."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, get_args, get_origin

from pydantic.fields import FieldInfo
from sqlalchemy import Engine, func, select

from batch_dialer.campaigns.attempt_states import TaskState
from batch_dialer.campaigns.audience import Audience
from batch_dialer.campaigns.calling_window import CallingWindow
from batch_dialer.campaigns.campaign_options import (
    CampaignOptions,
    CampaignOptionsError,
    contact_fields,
    kind_option_fields,
    option_fields,
    render_tts,
)
from batch_dialer.campaigns.creation import build_options, create_campaign, extra_fields
from batch_dialer.campaigns.forecast import SIMULATOR_MIX, Forecast, forecast, last_campaign_mix
from batch_dialer.campaigns.kinds.registry import KINDS
from batch_dialer.campaigns.models import CallTask, Campaign, Contact, DoNotCall, Opportunity, table_of
from batch_dialer.campaigns.option_values import option_name
from batch_dialer.campaigns.retry_schedule import RetrySchedule

__all__ = [
    "CampaignOptionsError",
    "build_options",
    "campaign_forecast",
    "create_campaign",
    "extra_fields",
    "kind_form_fields",
    "options_forecast",
    "options_from_form",
    "tts_preview",
]

_campaign = table_of(Campaign)
_contact = table_of(Contact)
_task = table_of(CallTask)
_dnc = table_of(DoNotCall)
_opp = table_of(Opportunity)


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace("\r", "").split("\n") if line.strip()]


def _form_value(name: str, info: FieldInfo, raw: str, form: Mapping[str, Any]) -> Any:
    """One form field by its option's type: lists/pairs one per line, numbers checked, flags ticked."""
    shape = info.annotation
    if shape is bool:
        return raw in ("1", "on", "true")
    if name == "window":
        return [w.strip() for w in raw.replace("，", ",").split(",") if w.strip()]
    if get_origin(shape) in (list, dict):
        return _lines(raw)
    if int in (shape, *get_args(shape)):
        if not raw.lstrip("-").isdigit():
            raise CampaignOptionsError(f"{option_name(name)} {raw!r}: expected a whole number")
        return int(raw)
    return raw.replace("T", " ") if name in ("start", "end") else raw


def kind_form_fields() -> list[dict[str, Any]]:
    """The kinds' own form fields, derived from their options models: name, label, the kinds that
    show it, and the widget (select for a choice, textarea for lists and pairs, else an input)."""
    fields = []
    for name, (info, users) in kind_option_fields().items():
        shape = info.annotation
        choices = [str(c) for c in get_args(shape)] if get_origin(shape) is Literal else []
        widget = "select" if choices else "textarea" if get_origin(shape) in (list, dict) else "input"
        numeric = int in (shape, *get_args(shape))
        fields.append(
            {
                "name": name,
                "label": info.title or name,
                "kinds": " ".join(users),
                "widget": widget,
                "choices": choices,
                "numeric": numeric,
            }
        )
    return fields


def options_from_form(form: Mapping[str, Any], batches: list[str]) -> dict[str, Any]:
    """Form fields (strings, named as the options) -> CampaignOptions.build keyword values. Empty
    fields are left out, so the option's default applies; fields of another kind are ignored."""
    kind = str(form.get("kind") or "").strip()
    kind_fields = set(KINDS[kind].options.model_fields) if kind in KINDS else set()
    common = set(CampaignOptions.model_fields)
    values: dict[str, Any] = {}
    for name, info in option_fields().items():
        if name == "batch" or (name not in common and name not in kind_fields):
            continue
        raw = str(form.get(name) or "").strip()
        if raw:
            value = _form_value(name, info, raw, form)
            if value not in ([], False):
                values[name] = value
    chosen = [int(b) for b in batches if str(b).isdigit()]
    if chosen:
        values["batch"] = chosen
    return values


def _audience_count(engine: Engine, audience: Audience) -> int:
    if audience.is_empty:
        return 0
    on_dnc = select(_dnc.c.phone).where(_dnc.c.phone == _contact.c.phone).exists()
    with engine.connect() as conn:
        query = select(func.count()).select_from(_contact).where(audience.where(), ~on_dnc)
        return int(conn.scalar(query) or 0)


def tts_preview(engine: Engine, options: CampaignOptions) -> dict[str, str]:
    """Each template filled from the first contact of the audience (or an example when none)."""
    templates = options.templates()
    if not templates:
        return {}
    audience = Audience.from_json(options.to_campaign_columns()["audience"])
    with engine.connect() as conn:
        row = conn.execute(
            select(_contact.c.id, _contact.c.phone, _contact.c.name, _contact.c.company, _contact.c.extra)
            .where(audience.where())
            .order_by(_contact.c.id)
            .limit(1)
        ).first()
        product = None
        if row is not None:
            product = conn.scalar(select(_opp.c.product).where(_opp.c.contact_id == row.id).limit(1))
    if row is None:
        fields = contact_fields(phone="13800138000", name="张三", company="示例公司", product="示例产品")
    else:
        fields = contact_fields(
            phone=row.phone, name=row.name, company=row.company, product=product, extra=row.extra
        )
    return {var: render_tts(template, fields) for var, template in templates.items()}


def options_forecast(engine: Engine, options: CampaignOptions, now: datetime) -> Forecast:
    columns = options.to_campaign_columns()
    contacts = _audience_count(engine, Audience.from_json(columns["audience"]))
    return forecast(
        contacts,
        channels=options.channels,
        window=options.calling_window(),
        start=max(now, options.start) if options.start else now,
        mix=last_campaign_mix(engine) or SIMULATOR_MIX,
        max_attempts=options.max_attempts,
        rate_per_min=columns["rate_per_min"],
        retry=options.retry_schedule(),
    )


def campaign_forecast(engine: Engine, campaign_id: int, now: datetime) -> Forecast:
    """For a stored campaign: its open tasks, or its audience before the tasks exist."""
    with engine.connect() as conn:
        camp = conn.execute(select(_campaign).where(_campaign.c.id == campaign_id)).one()
        tasks = int(conn.scalar(select(func.count()).where(_task.c.campaign_id == campaign_id)) or 0)
        open_tasks = int(
            conn.scalar(
                select(func.count()).where(
                    _task.c.campaign_id == campaign_id,
                    _task.c.state.in_((TaskState.PENDING.value, TaskState.IN_FLIGHT.value)),
                )
            )
            or 0
        )
    contacts = open_tasks if tasks else _audience_count(engine, Audience.from_json(camp.audience))
    start = max(now, camp.start_at) if camp.start_at else now
    retry = RetrySchedule.parse(
        [f"{k}={','.join(f'{d}s' for d in v)}" for k, v in (camp.retry or {}).items()]
    )
    return forecast(
        contacts,
        channels=camp.channels,
        window=CallingWindow.parse(camp.windows or None, camp.days, camp.tz),
        start=start,
        mix=last_campaign_mix(engine, exclude_campaign=campaign_id) or SIMULATOR_MIX,
        max_attempts=camp.max_attempts,
        rate_per_min=camp.rate_per_min,
        retry=retry,
    )
