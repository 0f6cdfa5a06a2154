"""`dialer report NAME`: write a campaign's report (xlsx / csv / html) and optionally print --json."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from batch_dialer.console.errors import UserError

__all__ = ["register"]


def report(
    name: Annotated[str, typer.Argument(help="campaign name (or id)")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="xlsx, csv or html")] = "xlsx",
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="file, or directory for a dated name (default: .); DIR/ with a trailing / is created",
        ),
    ] = None,
    unmasked: Annotated[bool, typer.Option("--unmasked", help="show full phone numbers")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    satisfaction_var: Annotated[
        str, typer.Option("--satisfaction-var", help="IVR variable holding the satisfaction key")
    ] = "satisfact",
    crosscheck: Annotated[
        bool,
        typer.Option(
            "--crosscheck/--no-crosscheck", help="compare with the centre's call log when reachable"
        ),
    ] = True,
) -> None:
    """Write a campaign's outcome and satisfaction report."""
    from batch_dialer.campaigns.database import open_database
    from batch_dialer.console.cli import load_settings
    from batch_dialer.reports import FORMATS, ReportError, export_report
    from batch_dialer.reports.agent_report import agent_section

    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    target = _output_path(output)
    settings = load_settings()
    engine = open_database(settings.database_url)
    centre = None
    try:
        if crosscheck:
            import httpx

            from batch_dialer.callcenter import connect

            centre = connect(
                settings.callcenter_url,
                settings.password(),
                tz=settings.callcenter_tz,
                timeout=httpx.Timeout(settings.http_timeout, connect=settings.http_connect_timeout),
            )
        summary = export_report(
            engine,
            name,
            fmt,
            target,
            unmasked=unmasked,
            centre=centre,
            satisfaction_var=satisfaction_var,
            centre_url=settings.callcenter_url,
        )
        document = summary.as_json()
        document.update(agent_section(summary.campaign.kind, summary.agents))
        from batch_dialer.campaigns.audit_trail import record

        detail = {"format": fmt, "unmasked": unmasked}
        record(engine, "cli", "export", subject=str(summary.file), detail=detail)
    except ReportError as exc:
        raise UserError(f"report: {exc}") from None
    finally:
        if centre is not None:
            centre.close()
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False))
    else:
        typer.echo(f"wrote {summary.file}")


def _output_path(output: str | None) -> Path | None:
    """``-o reports/`` (a trailing separator says "a folder") creates the folder when missing, so the
    report gets its dated name inside; without the separator a missing folder is still an error."""
    if output is None:
        return None
    path = Path(output)
    if output.endswith(("/", os.sep)) and not path.is_dir():
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"--output {output}: cannot create the folder ({exc.strerror})") from None
    return path


def register(app: typer.Typer) -> None:
    app.command("report")(report)
