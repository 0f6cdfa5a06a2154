"""`dialer campaign create|list|show|start|pause|resume|cancel`."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from batch_dialer.campaigns.campaign_options import CampaignOptions, CampaignOptionsError
from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.lifecycle import LifecycleError, cancel, find_campaign, pause, resume, start
from batch_dialer.campaigns.models import Campaign, Contact, table_of
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.console.cli import load_settings
from batch_dialer.console.context import open_engine
from batch_dialer.console.errors import UserError

__all__ = ["register"]

campaign_app = typer.Typer(help="Create and control call campaigns.", no_args_is_help=True)
console = Console()
_campaign = table_of(Campaign)
_contact = table_of(Contact)

JsonFlag = Annotated[bool, typer.Option("--json", help="print one JSON object")]
Name = Annotated[str, typer.Argument(help="campaign name (or id)")]


def _engine() -> Engine:
    return open_engine(load_settings())


def _ref(engine: Engine, name: str) -> int:
    try:
        return find_campaign(engine, name).id
    except LifecycleError as exc:
        raise UserError(str(exc)) from None


def _extra_fields(engine: Engine) -> set[str]:
    """Extra contact columns seen in a sample, so a TTS placeholder typo is caught at creation."""
    fields: set[str] = set()
    with engine.connect() as conn:
        for extra in conn.scalars(select(_contact.c.extra).where(_contact.c.extra.is_not(None)).limit(2000)):
            fields.update((extra or {}).keys())
    return fields


@campaign_app.command("create")
def create(
    name: Name,
    kind: Annotated[str, typer.Option(help="tts | captcha | soap_tts")],
    batch: Annotated[list[int] | None, typer.Option(help="import batch id (repeatable)")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="contact tag (repeatable)")] = None,
    product: Annotated[list[str] | None, typer.Option(help="opportunity product (repeatable)")] = None,
    all_contacts: Annotated[bool, typer.Option("--all", help="every contact")] = False,
    toneid: Annotated[int | None, typer.Option(help="IVR / tone number at the centre")] = None,
    tts: Annotated[list[str] | None, typer.Option(help='ttsVAR="text with {name}" (repeatable)')] = None,
    text: Annotated[str | None, typer.Option(help="soap_tts: the text read to the callee")] = None,
    caller: Annotated[str | None, typer.Option(help="soap_tts: extension whose line is used")] = None,
    line: Annotated[str | None, typer.Option(help="captcha: ip | fixed")] = None,
    playtimes: Annotated[int | None, typer.Option(help="captcha: times the tone is played")] = None,
    precallcount: Annotated[
        int | None, typer.Option(help="captcha: calls ahead when agents are busy")
    ] = None,
    extnum: Annotated[str | None, typer.Option(help="captcha: extension/group to transfer to")] = None,
    code_field: Annotated[str | None, typer.Option(help="captcha: contact field holding the code")] = None,
    code_digits: Annotated[int | None, typer.Option(help="captcha: length of a generated code")] = None,
    start_at: Annotated[str | None, typer.Option("--start", help="YYYY-MM-DD HH:MM (campaign tz)")] = None,
    cron: Annotated[str | None, typer.Option(help='nightly runs, e.g. "0 19 * * mon-fri"')] = None,
    end_at: Annotated[str | None, typer.Option("--end", help="YYYY-MM-DD HH:MM (campaign tz)")] = None,
    window: Annotated[list[str] | None, typer.Option(help="calling window HH:MM-HH:MM (repeatable)")] = None,
    days: Annotated[str | None, typer.Option(help="e.g. mon-fri")] = None,
    tz: Annotated[str, typer.Option(help="campaign time zone")] = "Asia/Shanghai",
    max_attempts: Annotated[int, typer.Option(help="placements per contact at most")] = 3,
    retry: Annotated[list[str] | None, typer.Option(help="e.g. busy=10m,30m,60m (repeatable)")] = None,
    cap: Annotated[str | None, typer.Option(help="calls per number across campaigns, e.g. 5/24h")] = None,
    channels: Annotated[int, typer.Option(help="trunk channels this campaign may use")] = 10,
    max_queue: Annotated[int, typer.Option(help="hold back while the agent queue reaches this")] = 0,
    rate: Annotated[str | None, typer.Option(help="ceiling, e.g. 60/min")] = None,
    priority: Annotated[int, typer.Option(help="share of channels against other campaigns")] = 1,
    report_cron: Annotated[str | None, typer.Option(help="export the report on this cron")] = None,
    report_dir: Annotated[str | None, typer.Option(help="where scheduled reports go")] = None,
    key_label: Annotated[list[str] | None, typer.Option(help="key=label, e.g. 1=非常满意")] = None,
    ivr_max: Annotated[int, typer.Option(help="seconds keys may still arrive after answer")] = 180,
    as_json: JsonFlag = False,
) -> None:
    """Create a campaign (draft, or scheduled when --start/--cron is given)."""
    engine = _engine()
    try:
        options = CampaignOptions.build(
            extra_fields=_extra_fields(engine),
            name=name,
            kind=kind,
            batch=batch or [],
            tag=tag or [],
            product=product or [],
            all_contacts=all_contacts,
            toneid=toneid,
            tts=tts or [],
            text=text,
            caller=caller,
            line=line,
            playtimes=playtimes,
            precallcount=precallcount,
            extnum=extnum,
            code_field=code_field,
            code_digits=code_digits,
            tz=tz,
            start=start_at,
            cron=cron,
            end=end_at,
            window=window or [],
            days=days,
            max_attempts=max_attempts,
            retry=retry or [],
            cap=cap,
            channels=channels,
            max_queue=max_queue,
            rate=rate,
            priority=priority,
            report_cron=report_cron,
            report_dir=report_dir,
            key_label=key_label or [],
        )
    except CampaignOptionsError as exc:
        raise UserError(f"campaign {name!r}: {exc}") from None
    columns: dict[str, Any] = options.to_campaign_columns()
    columns["status"] = "scheduled" if (options.start or options.cron) else "draft"
    columns["ivr_max_seconds"] = ivr_max
    try:
        with engine.begin() as conn:
            campaign_id = conn.execute(
                insert(_campaign).values(**columns).returning(_campaign.c.id)
            ).scalar_one()
    except IntegrityError:
        raise UserError(f"a campaign named {name!r} already exists") from None
    _print(campaign_progress(engine, campaign_id), as_json)


@campaign_app.command("list")
def list_campaigns(as_json: JsonFlag = False) -> None:
    """All campaigns with their status and progress."""
    engine = _engine()
    with engine.connect() as conn:
        ids = list(conn.scalars(select(_campaign.c.id).order_by(_campaign.c.id)))
    rows = [campaign_progress(engine, cid) for cid in ids]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("campaign", "kind", "status", "tasks", "done", "pending", "in flight", "attempts")
    for r in rows:
        s = r["by_state"]
        table.add_row(
            r["campaign"], r["kind"], r["status"], str(r["tasks"]), str(s["done"]), str(s["pending"]),
            str(s["in_flight"]), str(r["attempts"]),
        )  # fmt: skip
    console.print(table)


@campaign_app.command("show")
def show(name: Name, as_json: JsonFlag = False) -> None:
    """One campaign's state: tasks by state, attempts by outcome."""
    engine = _engine()
    _print(campaign_progress(engine, _ref(engine, name)), as_json)


@campaign_app.command("start")
def start_command(name: Name, as_json: JsonFlag = False) -> None:
    """Create the tasks and set the campaign running (the scheduler or `dialer run` dials)."""
    engine = _engine()
    try:
        start(engine, name, utcnow())
    except (LifecycleError, ValueError) as exc:
        raise UserError(str(exc)) from None
    _print(campaign_progress(engine, _ref(engine, name)), as_json)


@campaign_app.command("pause")
def pause_command(name: Name, as_json: JsonFlag = False) -> None:
    """Stop placing new calls; calls in flight finish and are collected."""
    engine = _engine()
    _lifecycle(lambda: pause(engine, name, "paused by the operator"))
    _print(campaign_progress(engine, _ref(engine, name)), as_json)


@campaign_app.command("resume")
def resume_command(name: Name, as_json: JsonFlag = False) -> None:
    """Continue a paused campaign."""
    engine = _engine()
    _lifecycle(lambda: resume(engine, name))
    _print(campaign_progress(engine, _ref(engine, name)), as_json)


@campaign_app.command("cancel")
def cancel_command(name: Name, as_json: JsonFlag = False) -> None:
    """Cancel: pending tasks are never dialled; calls in flight finish."""
    engine = _engine()
    _lifecycle(lambda: cancel(engine, name, utcnow()))
    _print(campaign_progress(engine, _ref(engine, name)), as_json)


def _lifecycle(action: Any) -> None:
    try:
        action()
    except LifecycleError as exc:
        raise UserError(str(exc)) from None


def _print(progress: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(progress, ensure_ascii=False))
        return
    console.print(render_progress(progress))


def render_progress(progress: dict[str, Any]) -> Table:
    title = f"{progress['campaign']} — {progress['kind']} — {progress['status']}"
    if progress.get("status_reason"):
        title += f" ({progress['status_reason']})"
    table = Table("", "count", title=title)
    table.add_row("tasks", str(progress["tasks"]))
    for state, n in progress["by_state"].items():
        table.add_row(f"  {state}", str(n))
    table.add_row("attempts", str(progress["attempts"]))
    for outcome, n in sorted(progress["by_outcome"].items()):
        table.add_row(f"  {outcome}", str(n))
    return table


def register(app: typer.Typer) -> None:
    app.add_typer(campaign_app, name="campaign")
