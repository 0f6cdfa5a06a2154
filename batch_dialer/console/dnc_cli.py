"""`dialer dnc …`: fill and inspect the do-not-call list the import checks every number against."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from batch_dialer.campaigns.database import open_database
from batch_dialer.console.errors import UserError
from batch_dialer.importers import ImportRefused
from batch_dialer.importers.do_not_call import (
    DncChange,
    add_to_dnc,
    import_dnc_file,
    list_dnc,
    remove_from_dnc,
)
from batch_dialer.importers.header_mapping import parse_map_options
from batch_dialer.importers.phone_numbers import mask_phone

__all__ = ["dnc_app", "register"]

dnc_app = typer.Typer(
    help="The do-not-call list (numbers the import rejects with reason dnc).", no_args_is_help=True
)
console = Console()

PhonesArg = Annotated[list[str], typer.Argument(help="phone numbers, any common format")]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="why (e.g. 客户要求勿扰)")]


def _engine() -> Engine:
    from batch_dialer.console.cli import load_settings

    return open_database(load_settings().database_url)


def _report(change: DncChange, as_json: bool) -> None:
    if as_json:
        payload = {
            "added": change.added,
            "already": change.already,
            "removed": change.removed,
            "invalid": [{"value": v, "reason": r} for v, r in change.invalid],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    if change.added or (change.already and not change.removed):
        console.print(f"added {change.added}, already listed {change.already}", highlight=False)
    if change.removed:
        console.print(f"removed {change.removed}, not listed {change.already}", highlight=False)
    for value, reason in change.invalid:
        console.print(f"skipped {value!r}: {reason}", highlight=False, markup=False)


@dnc_app.command("add")
def dnc_add(
    phones: PhonesArg,
    reason: ReasonOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add numbers to the do-not-call list."""
    engine = _engine()
    try:
        change = add_to_dnc(engine, phones, reason)
    finally:
        engine.dispose()
    _report(change, as_json)
    if change.invalid and not (change.added or change.already):
        raise UserError(f"no valid phone number among {len(change.invalid)} given")


@dnc_app.command("import")
def dnc_import(
    file: Annotated[Path, typer.Argument(help="a spreadsheet with a phone column")],
    reason: ReasonOpt = None,
    sheet: Annotated[str | None, typer.Option("--sheet")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="列名=phone")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add every number of a file's phone column (same formats as `dialer import`)."""
    try:
        overrides = parse_map_options(map_ or [])
    except ValueError as exc:
        raise UserError(str(exc)) from None
    engine = _engine()
    try:
        change = import_dnc_file(file, engine, reason=reason, sheet=sheet, mapping=overrides)
    except ImportRefused as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    _report(change, as_json)


@dnc_app.command("list")
def dnc_list(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    full: Annotated[bool, typer.Option("--full", help="show whole numbers (default masked)")] = False,
) -> None:
    """Show the do-not-call list."""
    engine = _engine()
    try:
        entries = list_dnc(engine)
    finally:
        engine.dispose()
    if as_json:
        rows = [{"phone": e.phone, "reason": e.reason, "added_at": e.added_at.isoformat()} for e in entries]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("phone", "reason", "added (UTC)", title=f"do-not-call list: {len(entries)} numbers")
    for entry in entries:
        shown = entry.phone if full else mask_phone(entry.phone)
        table.add_row(shown, entry.reason or "", entry.added_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


@dnc_app.command("remove")
def dnc_remove(phones: PhonesArg, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Take numbers off the do-not-call list."""
    engine = _engine()
    try:
        change = remove_from_dnc(engine, phones)
    finally:
        engine.dispose()
    _report(change, as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(dnc_app, name="dnc")
