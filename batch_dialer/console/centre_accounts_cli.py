"""`dialer centre account add|list|remove`: the 800ing agent accounts a callback campaign dials from.

Passwords come from stdin (``--password-stdin``) or a hidden prompt, never from the command line
(it would sit in the shell history and in ``ps``). Only the MD5 the API needs is kept, encrypted
with a key that is not in the database (campaigns/account_vault.py).
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.table import Table

from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.callcenter.ing800.accounts import AgentAccount
from batch_dialer.callcenter.ing800.client import SCHEME, Ing800Client
from batch_dialer.campaigns.account_vault import AccountVault, VaultError, load_key
from batch_dialer.campaigns.settings import Settings
from batch_dialer.console.cli import load_settings
from batch_dialer.console.context import open_engine
from batch_dialer.console.errors import EXIT_FAILURE, UserError

__all__ = ["account_app"]

account_app = typer.Typer(help="800ing agent accounts (extension + password).", no_args_is_help=True)
console = Console()


def _vault(settings: Settings, *, create: bool) -> AccountVault:
    try:
        key = load_key(settings.database_url, create=create)
    except VaultError as exc:
        raise UserError(f"agent accounts: {exc}") from None
    return AccountVault(open_engine(settings), key)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True)
    if not password:
        raise UserError("agent account: the password is empty (give it on stdin with --password-stdin)")
    return password


def _check_at_centre(settings: Settings, extension: str, password: str) -> str | None:
    """getExtension with the new credentials when the configured centre is an 800ing one."""
    if not settings.callcenter_url.startswith(SCHEME):
        return None
    timeout = httpx.Timeout(settings.http_timeout, connect=settings.http_connect_timeout)
    with Ing800Client(settings.callcenter_url, timeout=timeout) as client:
        try:
            info = client.get_extension(AgentAccount.from_password(extension, password))
        except CallCenterError as exc:
            raise UserError(f"agent account {extension}: {exc}", EXIT_FAILURE) from None
    return info.name


@account_app.command("add")
def add(
    extension: Annotated[str, typer.Argument(help="the agent's extension (sa_user)")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
    label: Annotated[str | None, typer.Option(help="a name to show in lists and reports")] = None,
    check: Annotated[bool, typer.Option(help="log in at the configured 800ing centre first")] = True,
) -> None:
    """Store an agent account (replaces the password of an existing one)."""
    if not extension.strip() or len(extension.strip()) > 32:
        raise UserError(f"agent account: extension {extension!r} must be 1–32 characters")
    settings = load_settings()
    password = _read_password(password_stdin)
    name = _check_at_centre(settings, extension, password) if check else None
    vault = _vault(settings, create=True)
    new = vault.add(extension, password, label or name)
    console.print(f"agent account {extension.strip()} {'added' if new else 'updated'}")


@account_app.command("list")
def list_accounts(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """The stored accounts (never their passwords)."""
    settings = load_settings()
    rows = AccountVault(open_engine(settings), None).listing()
    if as_json:
        shown = [
            {"extension": r.extension, "label": r.label, "added_at": r.added_at.isoformat()} for r in rows
        ]
        typer.echo(json.dumps(shown, ensure_ascii=False))
        return
    table = Table("extension", "label", "added")
    for r in rows:
        table.add_row(r.extension, r.label or "", r.added_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


@account_app.command("remove")
def remove(extension: Annotated[str, typer.Argument(help="the extension to forget")]) -> None:
    """Forget an agent account."""
    settings = load_settings()
    if not AccountVault(open_engine(settings), None).remove(extension):
        raise UserError(f"agent account {extension} is not stored", EXIT_FAILURE)
    console.print(f"agent account {extension} removed")
