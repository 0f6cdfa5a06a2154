"""Campaign work shared by the pages and the API: create from form or JSON values, preview the TTS
text on a sample contact, forecast the duration."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from batch_dialer.campaigns.audience import Audience
from batch_dialer.campaigns.calling_window import CallingWindow
from batch_dialer.campaigns.campaign_options import (
    CampaignOptions,
    CampaignOptionsError,
    contact_fields,
    render_tts,
)
from batch_dialer.campaigns.forecast import SIMULATOR_MIX, Forecast, forecast, last_campaign_mix
from batch_dialer.campaigns.models import CallTask, Campaign, Contact, DoNotCall, Opportunity, table_of
from batch_dialer.campaigns.report_folder import confined_report_dir
from batch_dialer.campaigns.retry_schedule import RetrySchedule

__all__ = [
    "CampaignOptionsError",
    "build_options",
    "campaign_forecast",
    "create_campaign",
    "extra_fields",
    "options_forecast",
    "options_from_form",
    "tts_preview",
]

_campaign = table_of(Campaign)
_contact = table_of(Contact)
_task = table_of(CallTask)
_dnc = table_of(DoNotCall)
_opp = table_of(Opportunity)

_TEXT = (
    "name",
    "kind",
    "text",
    "caller",
    "line",
    "extnum",
    "code_field",
    "tz",
    "start",
    "cron",
    "end",
    "days",
    "cap",
    "rate",
    "report_cron",
    "report_dir",
)
_INTS = (
    "toneid",
    "playtimes",
    "precallcount",
    "code_digits",
    "max_attempts",
    "channels",
    "max_queue",
    "priority",
)
_LINES = ("tts", "retry", "key_label", "tag", "product")


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace("\r", "").split("\n") if line.strip()]


def options_from_form(form: Mapping[str, Any], batches: list[str]) -> tuple[dict[str, Any], int]:
    """Form fields (strings) -> CampaignOptions.build keyword values, and the IVR key wait."""
    values: dict[str, Any] = {}
    for key in _TEXT:
        text = str(form.get(key) or "").strip()
        if text:
            values[key] = text.replace("T", " ") if key in ("start", "end") else text
    for key in _INTS:
        text = str(form.get(key) or "").strip()
        if text:
            if not text.lstrip("-").isdigit():
                raise CampaignOptionsError(f"--{key.replace('_', '-')} {text!r}: expected a whole number")
            values[key] = int(text)
    for key in _LINES:
        items = _lines(str(form.get(key) or ""))
        if items:
            values[key] = items
    windows = [w.strip() for w in str(form.get("window") or "").replace("，", ",").split(",") if w.strip()]
    if windows:
        values["window"] = windows
    chosen = [int(b) for b in batches if str(b).isdigit()]
    if chosen:
        values["batch"] = chosen
    if str(form.get("all_contacts") or "") in ("1", "on", "true"):
        values["all_contacts"] = True
    ivr_text = str(form.get("ivr_max") or "").strip()
    ivr_max = int(ivr_text) if ivr_text.isdigit() else 180
    return values, ivr_max


def extra_fields(engine: Engine) -> set[str]:
    """Extra contact fields seen in a sample, so a placeholder typo is caught (as the CLI does)."""
    fields: set[str] = set()
    with engine.connect() as conn:
        for extra in conn.scalars(select(_contact.c.extra).where(_contact.c.extra.is_not(None)).limit(2000)):
            fields.update((extra or {}).keys())
    return fields


def build_options(engine: Engine, values: Mapping[str, Any]) -> CampaignOptions:
    return CampaignOptions.build(extra_fields=extra_fields(engine), **values)


def create_campaign(engine: Engine, options: CampaignOptions, ivr_max_seconds: int = 180) -> int:
    """Insert as the CLI does: draft, or scheduled when a start time or cron is given."""
    confined_report_dir(options.report_dir)  # ReportFolderError (a CampaignOptionsError) outside the base
    columns = options.to_campaign_columns()
    columns["status"] = "scheduled" if (options.start or options.cron) else "draft"
    columns["ivr_max_seconds"] = max(1, ivr_max_seconds)
    try:
        with engine.begin() as conn:
            return int(
                conn.execute(insert(_campaign).values(**columns).returning(_campaign.c.id)).scalar_one()
            )
    except IntegrityError:
        raise CampaignOptionsError(f"a campaign named {options.name!r} already exists") from None


def _audience_count(engine: Engine, audience: Audience) -> int:
    if audience.is_empty:
        return 0
    on_dnc = select(_dnc.c.phone).where(_dnc.c.phone == _contact.c.phone).exists()
    with engine.connect() as conn:
        query = select(func.count()).select_from(_contact).where(audience.where(), ~on_dnc)
        return int(conn.scalar(query) or 0)


def tts_preview(engine: Engine, options: CampaignOptions) -> dict[str, str]:
    """Each template filled from the first contact of the audience (or an example when none)."""
    templates = dict(options.tts) if options.tts else ({"text": options.text} if options.text else {})
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
                    _task.c.campaign_id == campaign_id, _task.c.state.in_(("pending", "in_flight"))
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
