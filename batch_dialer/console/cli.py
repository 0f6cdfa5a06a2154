"""The `dialer` command. Each group of commands lives in its own module and registers itself here."""

from __future__ import annotations

import importlib
import json
import sys
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from batch_dialer.campaigns.database import DatabaseError, make_engine, upgrade
from batch_dialer.campaigns.settings import Settings, get_settings, mask_url
from batch_dialer.console.errors import EXIT_FAILURE, EXIT_USAGE, UserError
from batch_dialer.console.log_setup import configure_logging

__all__ = ["app", "load_settings", "main"]

app = typer.Typer(
    name="dialer",
    help="batch-dialer: import contact lists, run outbound call campaigns, report results.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

console = Console()
err_console = Console(stderr=True)


def load_settings() -> Settings:
    """The effective settings, or a one-line error naming the bad DIALER_* variable."""
    try:
        return get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first.get("loc") else "?"
        raise UserError(f"configuration: DIALER_{field.upper()}: {first['msg']}") from None


@app.command("config")
def config_command(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print the effective settings (secrets masked)."""
    shown = load_settings().masked()
    if as_json:
        typer.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    table = Table("setting", "value", title="effective settings (DIALER_*)")
    for key, value in shown.items():
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Apply the schema migrations to DIALER_DATABASE_URL."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine, revision)
    except Exception as exc:
        raise UserError(
            f"cannot upgrade {mask_url(settings.database_url)}: {str(exc).splitlines()[0]}"
        ) from None
    finally:
        engine.dispose()
    console.print(f"database {mask_url(settings.database_url)} is at revision {revision}")


#: command name -> the module that registers it. All modules now exist; the table also lets
#: one command import only its own module, so `dialer campaign show` does not load pandas or FastAPI.
COMMAND_MODULES: dict[str, str] = {
    "simulator": "simulator_cli",
    "import": "import_cli",
    "dnc": "dnc_cli",
    "centre": "centre_cli",
    "campaign": "campaign_cli",
    "run": "run_cli",
    "scheduler": "engine_cli",
    "worker": "engine_cli",
    "report": "report_cli",
    "web": "web_cli",
    "hooks": "hooks_cli",
    "user": "access_cli",
    "token": "access_cli",
    "agent": "agent_cli",
    "cti-double": "agent_cli",
    "demo": "demo_cli",
    "audit": "audit_cli",
    "retention": "audit_cli",
}


def _register_command_modules(argv: list[str]) -> None:
    """Import the command modules (only the one named on the command line when it is known)."""
    wanted = [a for a in argv[1:] if not a.startswith("-")][:1]
    names = (
        [COMMAND_MODULES[wanted[0]]] if wanted and wanted[0] in COMMAND_MODULES else COMMAND_MODULES.values()
    )
    for name in dict.fromkeys(names):
        module = importlib.import_module(f"batch_dialer.console.{name}")
        module.register(app)


_register_command_modules(sys.argv)


def main() -> None:
    """Entry point: user mistakes become one line and an exit code, never a traceback."""
    try:
        configured = get_settings().log_level
    except ValidationError:
        configured = None  # the command's load_settings() reports the bad variable in one line
    configure_logging(configured)
    try:
        app()  # standalone: click prints usage errors itself and exits 2
    except UserError as exc:
        _fail(str(exc), exc.exit_code)
    except DatabaseError as exc:
        _fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:
        from batch_dialer.callcenter.errors import CallCenterError

        if isinstance(exc, CallCenterError):
            _fail(str(exc), EXIT_FAILURE)
        raise


def _fail(message: str, code: int) -> None:
    err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)
