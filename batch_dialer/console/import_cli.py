"""`dialer import FILE`: a spreadsheet into contacts and opportunities, with a row-by-row account."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from batch_dialer.campaigns.audit_trail import record
from batch_dialer.campaigns.database import busy_error, open_database
from batch_dialer.campaigns.settings import Settings
from batch_dialer.console.errors import EXIT_FAILURE, UserError
from batch_dialer.importers import REASONS, ImportRefused, ImportResult, PreparedImport, prepare_import
from batch_dialer.importers.header_mapping import parse_map_options
from batch_dialer.importers.read_limits import ReadLimitsError

__all__ = ["import_command", "register"]

_PROGRESS_BYTES = 2_000_000  # show a progress bar for files above this size

console = Console()
err_console = Console(stderr=True)


SheetOpt = Annotated[
    str | None, typer.Option("--sheet", help="sheet name or number (default: first with a phone column)")
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option("--map", help="列名=field: name phone company product comment qq extra ignore; repeatable"),
]
TagOpt = Annotated[str | None, typer.Option("--tag", help="tag every imported or updated contact")]
PushOpt = Annotated[bool, typer.Option("--push", help="push the batch to the call centre (§19/§20)")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="report what would happen; write nothing")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON object")]
RejectsOpt = Annotated[
    Path | None, typer.Option("--rejects", help="where to write the rejected rows (.xlsx)")
]


def import_command(
    file: Annotated[Path, typer.Argument(help="CSV/TXT, XLSX/XLSM/XLS/ODS or an HTML-table .xls")],
    sheet: SheetOpt = None,
    map_: MapOpt = None,
    tag: TagOpt = None,
    push: PushOpt = False,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
    rejects: RejectsOpt = None,
) -> None:
    """Import contacts (and opportunities) from a spreadsheet; every row is accounted for."""
    from batch_dialer.console.cli import load_settings

    try:
        overrides = parse_map_options(map_ or [])
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if push and dry_run:
        raise UserError("--push and --dry-run exclude each other")
    settings = load_settings()
    try:
        prepared = prepare_import(file, sheet=sheet, mapping=overrides)
    except (ImportRefused, ReadLimitsError) as exc:
        raise UserError(str(exc)) from None
    engine = open_database(settings.database_url)
    try:
        result = _run_import(prepared, engine, tag, dry_run, rejects, show_progress=not as_json)
        if not dry_run:
            detail = {"batch_id": result.batch_id, "imported": result.imported, "rejected": result.rejected}
            record(engine, "cli", "import", subject=file.name, detail=detail)
        push_error = None
        if push:
            push_error = _push(engine, result, settings)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(result.summary(), ensure_ascii=False))
    else:
        _print_result(result)
    if push_error:
        raise UserError(push_error, EXIT_FAILURE)


def _run_import(
    prepared: PreparedImport,
    engine: Engine,
    tag: str | None,
    dry_run: bool,
    rejects: Path | None,
    *,
    show_progress: bool,
) -> ImportResult:
    file = prepared.source
    large = file.stat().st_size > _PROGRESS_BYTES
    bar = Progress(
        TextColumn("importing {task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not (show_progress and large and err_console.is_terminal),
    )
    with bar:
        task = bar.add_task(file.name, total=1.0)
        try:
            return prepared.run(
                engine,
                tag=tag,
                dry_run=dry_run,
                rejects_path=rejects,
                progress=lambda done: bar.update(task, completed=done),
            )
        except ImportRefused as exc:
            raise UserError(str(exc)) from None
        except OperationalError as exc:
            busy = busy_error(exc, engine)
            if busy is None:
                raise
            raise busy from None


def _push(engine: Engine, result: ImportResult, settings: Settings) -> str | None:
    """Push the batch; returns an error line when the centre could not take it all."""
    import httpx

    from batch_dialer.callcenter import connect
    from batch_dialer.importers.push import PushAborted, push_pending

    if result.batch_id is None:
        return None
    timeout = httpx.Timeout(settings.http_timeout, connect=settings.http_connect_timeout)
    try:
        center = connect(settings.callcenter_url, settings.password(), settings.callcenter_tz, timeout)
    except ValueError as exc:
        raise UserError(f"configuration: DIALER_CALLCENTER_URL: {exc}") from None
    with center:
        try:
            report = push_pending(engine, center, batch_id=result.batch_id)
        except PushAborted as exc:
            result.pushed = exc.report.summary()
            return f"{result.file}: {exc} (run the import with --push again to push the rest)"
    result.pushed = report.summary()
    return None


def _print_result(result: ImportResult) -> None:
    title = f"{'dry run — nothing written: ' if result.dry_run else ''}{result.file}"
    table = Table("", "rows", title=title, show_header=False)
    table.add_row("rows (non-blank)", str(result.rows))
    table.add_row("  imported (new contacts)", str(result.imported))
    table.add_row("  updated (already known)", str(result.updated))
    table.add_row("  duplicates (repeat an earlier row)", str(result.duplicates))
    table.add_row("  rejected", str(result.rejected))
    for reason, count in result.rejected_by_reason.items():
        table.add_row(f"    {reason}", f"{count}  {REASONS.get(reason, '')}")
    table.add_row("blank rows (not counted)", str(result.blank_rows))
    table.add_row("opportunities created", str(result.opportunities))
    console.print(table)
    where = f" sheet {result.sheet!r}," if result.sheet else ""
    console.print(
        f"format {result.file_format},{where} header on row {result.header_row}; "
        f"batch {result.batch_id if result.batch_id is not None else '-'}",
        highlight=False,
    )
    console.print(f"rows = imported + updated + duplicates + rejected: {result.balanced}", highlight=False)
    if result.rejects_file:
        console.print(f"rejected rows written to {result.rejects_file}", highlight=False)
    if result.pushed is not None:
        contacts, opportunities = result.pushed["contacts"], result.pushed["opportunities"]
        console.print(
            f"pushed to the centre: contacts {contacts['pushed']} new, {contacts['present']} already there, "
            f"{contacts['failed']} refused; opportunities {opportunities['pushed']} new, "
            f"{opportunities['present']} already there, {opportunities['failed']} refused",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
