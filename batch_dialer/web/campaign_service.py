"""Campaign work shared by the pages and the API: create from form or JSON values, preview the TTS
text on a contact the manager picks (empty placeholders flagged, contacts lacking each counted),
forecast the duration."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, get_args, get_origin

from pydantic.fields import FieldInfo
from sqlalchemy import Engine, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from batch_dialer.callcenter.masking import mask_phone
from batch_dialer.campaigns.attempt_states import TaskState
from batch_dialer.campaigns.audience import Audience
from batch_dialer.campaigns.audience_size import audience_count, audience_size
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
from batch_dialer.campaigns.tts_templates import template_placeholders
from batch_dialer.web.form_error_messages import chinese_error
from batch_dialer.web.form_widgets import compose_widgets

__all__ = [
    "CampaignOptionsError",
    "audience_size",
    "build_options",
    "campaign_forecast",
    "create_campaign",
    "extra_fields",
    "field_of_error",
    "kind_form_fields",
    "options_forecast",
    "options_from_form",
    "placeholder_check",
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


#: the form's own words for an option, so an error is shown next to its field under the label the
#: manager sees ("拨打时段：--window '9-21': …")
FIELD_LABELS = {
    "name": "名称",
    "kind": "类型",
    "audience": "拨打对象",
    "batch": "拨打对象",
    "tag": "拨打对象",
    "product": "拨打对象",
    "all_contacts": "拨打对象",
    "start": "开始时间",
    "cron": "定时运行",
    "end": "结束时间",
    "window": "拨打时段",
    "days": "星期",
    "tz": "时区",
    "max_attempts": "每人最多拨打次数",
    "retry": "重拨间隔",
    "cap": "同一号码上限",
    "channels": "可用线路数",
    "max_queue": "坐席排队上限",
    "rate": "速率上限",
    "priority": "优先级",
    "ivr_max": "按键后最长等待",
    "report_cron": "定时导出报告",
    "report_dir": "报告目录",
    "key_label": "按键含义",
}


def field_of_error(error: str | None) -> dict[str, str] | None:
    """Which form field a one-line option error is about (it starts with ``--option`` or
    ``audience:``), with the field's label and the error in Chinese; None when it names none."""
    if not error:
        return None
    head = error.split(" ", 1)[0].rstrip(":")
    if head == "audience":
        return {
            "field": "audience",
            "label": FIELD_LABELS["audience"],
            "message": chinese_error("audience", error),
        }
    for name in (*option_fields(), *kind_option_fields()):
        if option_name(name) == head:
            field = "audience" if name in ("batch", "tag", "product", "all_contacts") else name
            return {
                "field": field,
                "label": FIELD_LABELS.get(name, name),
                "message": chinese_error(field, error),
            }
    return None


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
    form = compose_widgets(form)
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


def _preview_contact(engine: Engine, audience: Audience, pick: str | None) -> Any:
    """The contact the preview is read for: the first of the audience whose name contains ``pick``
    or whose number contains its digits (3 or more), else the audience's first contact."""
    stmt = select(_contact.c.id, _contact.c.phone, _contact.c.name, _contact.c.company, _contact.c.extra)
    stmt = stmt.where(audience.where()).order_by(_contact.c.id).limit(1)
    text = (pick or "").strip()
    with engine.connect() as conn:
        if text:
            digits = "".join(ch for ch in text if ch.isdigit())
            conditions = [_contact.c.name.contains(text, autoescape=True)]
            if len(digits) >= 3:
                conditions.append(_contact.c.phone.contains(digits))
            row = conn.execute(stmt.where(or_(*conditions))).first()
            if row is not None:
                return row
        return conn.execute(stmt).first()


def _fields_of(engine: Engine, row: Any) -> dict[str, object]:
    if row is None:
        return contact_fields(phone="13800138000", name="张三", company="示例公司", product="示例产品")
    with engine.connect() as conn:
        product = conn.scalar(select(_opp.c.product).where(_opp.c.contact_id == row.id).limit(1))
    return contact_fields(
        phone=row.phone, name=row.name, company=row.company, product=product, extra=row.extra
    )


def tts_preview(engine: Engine, options: CampaignOptions, pick: str | None = None) -> dict[str, str]:
    """Each template filled from a contact of the audience (``pick``: see _preview_contact), or from
    an example when the audience is empty."""
    templates = options.templates()
    if not templates:
        return {}
    audience = Audience.from_json(options.to_campaign_columns()["audience"])
    fields = _fields_of(engine, _preview_contact(engine, audience, pick))
    return {var: render_tts(template, fields) for var, template in templates.items()}


def _lacking(field: str) -> ColumnElement[bool]:
    """The condition "this contact has no value for the placeholder"."""
    if field in ("name", "company"):
        column = _contact.c[field]
        return or_(column.is_(None), column == "")
    if field == "product":
        return ~select(_opp.c.id).where(_opp.c.contact_id == _contact.c.id).exists()
    value = _contact.c.extra[field].as_string()
    return or_(_contact.c.extra.is_(None), value.is_(None), value == "")


def placeholder_check(engine: Engine, options: CampaignOptions, pick: str | None = None) -> dict[str, Any]:
    """For the preview: which contact it was read for (masked), the placeholders that came out empty
    for it, and per placeholder how many contacts of the audience lack a value (they hear nothing
    there). ``phone_masked`` is never empty and is not counted."""
    names: list[str] = []
    for template in options.templates().values():
        names.extend(n for n in template_placeholders(template) if n not in names and n != "phone_masked")
    audience = Audience.from_json(options.to_campaign_columns()["audience"])
    row = _preview_contact(engine, audience, pick)
    fields = _fields_of(engine, row)
    missing: dict[str, int] = {}
    if not audience.is_empty:
        with engine.connect() as conn:
            for name in names:
                query = select(func.count()).select_from(_contact).where(audience.where(), _lacking(name))
                missing[name] = int(conn.scalar(query) or 0)
    return {
        "contact": None if row is None else {"name": row.name or "", "phone": mask_phone(row.phone)},
        "empty": [n for n in names if fields.get(n) in (None, "")],
        "missing": missing,
    }


def options_forecast(engine: Engine, options: CampaignOptions, now: datetime) -> Forecast:
    columns = options.to_campaign_columns()
    contacts = audience_count(engine, Audience.from_json(columns["audience"]))
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
    contacts = open_tasks if tasks else audience_count(engine, Audience.from_json(camp.audience))
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
