"""`dialer campaign create|list|show|start|pause|resume|cancel`."""

from __future__ import annotations

import inspect
import json
from typing import Annotated, Any, cast, get_args, get_origin

import typer
from pydantic.fields import FieldInfo
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, select

from batch_dialer.campaigns.audience_size import audience_size
from batch_dialer.campaigns.campaign_options import CampaignOptionsError, option_fields
from batch_dialer.campaigns.clock import SystemClock, utcnow
from batch_dialer.campaigns.creation import build_options, create_campaign
from batch_dialer.campaigns.lifecycle import LifecycleError, cancel, find_campaign, pause, resume, start
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.campaigns.option_values import option_name
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.console.cli import load_settings
from batch_dialer.console.context import open_engine
from batch_dialer.console.errors import UserError

__all__ = ["register"]

campaign_app = typer.Typer(help="Create and control call campaigns.", no_args_is_help=True)
console = Console()
_campaign = table_of(Campaign)

JsonFlag = Annotated[bool, typer.Option("--json", help="print one JSON object")]
Name = Annotated[str, typer.Argument(help="campaign name (or id)")]


def _engine() -> Engine:
    return open_engine(load_settings())


def _ref(engine: Engine, name: str) -> int:
    try:
        return find_campaign(engine, name).id
    except LifecycleError as exc:
        raise UserError(str(exc)) from None


def _cli_type(info: FieldInfo) -> Any:
    """The CLI value type of an option: lists and KEY=VALUE pairs repeat, flags are flags."""
    shape = info.annotation
    if shape is bool:
        return bool
    if get_origin(shape) is dict:
        return list[str] | None
    if get_origin(shape) is list:
        return cast(Any, shape) | None
    if int in (shape, *get_args(shape)):
        return int | None
    return str | None


def _create_parameters() -> list[inspect.Parameter]:
    """The `create` options, derived from the campaign options and every kind's options."""
    params = [
        inspect.Parameter(
            "name",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=Annotated[str, typer.Argument(help="campaign name")],
        )
    ]
    for field, info in option_fields().items():
        if field == "name":
            continue
        shape = _cli_type(info)
        option = typer.Option(option_name(field), help=info.description or "")
        default: Any = False if shape is bool else None
        params.append(
            inspect.Parameter(
                field, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[shape, option], default=default
            )
        )
    params.append(
        inspect.Parameter("as_json", inspect.Parameter.KEYWORD_ONLY, annotation=JsonFlag, default=False)
    )
    return params


def create(name: str, *, as_json: bool = False, **values: Any) -> None:
    """Create a campaign (draft, or scheduled when --start/--cron is given)."""
    settings = load_settings()
    engine = open_engine(settings)
    given = {k: v for k, v in values.items() if v is not None and v != [] and v is not False}
    try:
        options = build_options(engine, {"name": name, **given})
        campaign_id = create_campaign(engine, options, settings.callcenter_url)
    except CampaignOptionsError as exc:
        raise UserError(f"campaign {name!r}: {exc}") from None
    matching = audience_size(engine, options)
    if matching:
        typer.echo(f"campaign {name!r}: {matching} contact(s) match (do-not-call numbers left out)", err=True)
    else:
        typer.echo(
            f"warning: campaign {name!r}: no contact matches its audience (or all are on the do-not-call "
            "list): starting it would call nobody",
            err=True,
        )
    _print(campaign_progress(engine, campaign_id), as_json)


create.__signature__ = inspect.Signature(_create_parameters())  # type: ignore[attr-defined]
campaign_app.command("create")(create)


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
    """One campaign's state: tasks by state, attempts by outcome; --json adds the labelled figures."""
    engine = _engine()
    _print(campaign_progress(engine, _ref(engine, name), SystemClock().now()), as_json)


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
