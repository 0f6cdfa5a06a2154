"""`dialer audit` (who did what, and every dial) and `dialer retention` (mask old campaigns' numbers)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from batch_dialer.campaigns.audit_trail import ACTION_LABELS, audit_events
from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.lifecycle import LifecycleError, find_campaign
from batch_dialer.campaigns.retention import apply_retention, due_for_retention
from batch_dialer.console.errors import UserError

__all__ = ["audit", "register", "retention"]

console = Console()


def _engine() -> Engine:
    from batch_dialer.console.cli import load_settings

    return open_database(load_settings().database_url)


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--since {text!r}: expected an ISO date or time, e.g. 2026-11-01") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def audit(
    campaign: Annotated[str | None, typer.Option(help="only this campaign (name or id)")] = None,
    action: Annotated[
        list[str] | None, typer.Option(help=f"only these actions: {', '.join(ACTION_LABELS)}")
    ] = None,
    phone: Annotated[str | None, typer.Option(help="only dials and opt-outs of this number")] = None,
    since: Annotated[str | None, typer.Option(help="from this ISO date/time (UTC unless it says)")] = None,
    limit: Annotated[int, typer.Option(min=1, help="newest N events")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON array")] = False,
) -> None:
    """The audit trail, newest first: imports, campaign changes, exports, and every dial."""
    engine = _engine()
    for name in action or []:
        if name not in ACTION_LABELS:
            raise UserError(f"--action {name!r}: unknown (known: {', '.join(ACTION_LABELS)})")
    campaign_id = None
    if campaign is not None:
        try:
            campaign_id = find_campaign(engine, campaign).id
        except LifecycleError as exc:
            raise UserError(str(exc)) from None
    rows = audit_events(
        engine,
        campaign_id=campaign_id,
        actions=tuple(action or ()),
        since=_since(since),
        phone=phone,
        limit=limit,
    )
    if as_json:
        payload = [
            {
                "at": r.at.isoformat(),
                "actor": r.actor,
                "action": r.action,
                "campaign_id": r.campaign_id,
                "subject": r.subject,
                "phone_hash": r.phone_hash,
                "detail": r.detail,
            }
            for r in rows
        ]
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    table = Table("time (UTC)", "who", "action", "campaign", "what", "number hash", "detail")
    for r in rows:
        table.add_row(
            f"{r.at:%Y-%m-%d %H:%M:%S}",
            r.actor,
            f"{r.action} {r.label}",
            str(r.campaign_id or ""),
            r.subject or "",
            (r.phone_hash or "")[:12],
            json.dumps(r.detail, ensure_ascii=False) if r.detail else "",
        )
    console.print(table)


def retention(
    days: Annotated[
        int | None,
        typer.Option(
            min=1, help="mask campaigns finished more than DAYS ago (default: DIALER_RETENTION_DAYS)"
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only list the campaigns due")] = False,
) -> None:
    """Mask the phone numbers of finished campaigns after the retention period; report figures stay."""
    from batch_dialer.console.cli import load_settings

    settings = load_settings()
    keep = days if days is not None else settings.retention_days
    engine = open_database(settings.database_url)
    if keep <= 0:
        console.print("retention is off (DIALER_RETENTION_DAYS=0); nothing masked")
        return
    if dry_run:
        due = due_for_retention(engine, utcnow(), keep)
        console.print(
            f"{len(due)} campaign(s) finished more than {keep} days ago: " + ", ".join(n for _, n in due)
        )
        return
    result = apply_retention(engine, utcnow(), keep, actor="cli")
    console.print(
        f"masked {len(result.campaigns)} campaign(s) finished more than {keep} days ago: "
        f"{result.tasks} tasks, {result.attempts} attempts"
    )


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
    app.command("retention")(retention)
