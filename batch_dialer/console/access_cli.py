"""`dialer user add|list|disable|enable|remove|password|role|logout` and `dialer token
create|list|revoke`: who may use the web console and API."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from batch_dialer.campaigns.clock import utcnow
from batch_dialer.console.cli import load_settings
from batch_dialer.console.context import open_engine
from batch_dialer.console.errors import UserError
from batch_dialer.web.access_store import (
    AccessError,
    create_token,
    create_user,
    list_tokens,
    list_users,
    revoke_token,
)
from batch_dialer.web.user_accounts import (
    change_role,
    end_sessions,
    remove_user,
    reset_password,
    set_disabled,
)

__all__ = ["register"]

user_app = typer.Typer(help="Web console users.", no_args_is_help=True)
token_app = typer.Typer(help="API bearer tokens for CRMs and scripts.", no_args_is_help=True)
console = Console()
Role = Annotated[
    str,
    typer.Option(help="manager (everything), viewer (read-only) or agent (the desk; see `dialer agent`)"),
]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise UserError("no password given")
    return str(password)


@user_app.command("add")
def add_user(
    name: Annotated[str, typer.Argument(help="sign-in name")],
    role: Role = "manager",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from the first line of stdin")
    ] = False,
) -> None:
    """Create a user; the password is prompted (or read from stdin) and stored as a scrypt hash."""
    password = _read_password(password_stdin)
    engine = open_engine(load_settings())
    try:
        create_user(engine, name, role, password)
    except AccessError as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    typer.echo(f"user {name!r} created with role {role}")


@user_app.command("list")
def users() -> None:
    """Users with their role and last sign-in."""
    engine = open_engine(load_settings())
    table = Table("user", "role", "last sign-in", "locked until", "disabled")
    for row in list_users(engine):
        table.add_row(
            str(row["name"]),
            str(row["role"]),
            str(row["last_login_at"] or ""),
            str(row["locked_until"] or ""),
            str(row["disabled_at"] or ""),
        )
    engine.dispose()
    console.print(table)


def _change(done: str, change: Callable[[Engine], object]) -> None:
    engine = open_engine(load_settings())
    try:
        change(engine)
    except AccessError as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    typer.echo(done)


UserName = Annotated[str, typer.Argument(help="sign-in name")]


@user_app.command("disable")
def disable(name: UserName) -> None:
    """Refuse the user's sign-ins and end its sessions (the user stays, to be enabled again)."""
    _change(f"user {name!r} disabled", lambda engine: set_disabled(engine, name, True, utcnow()))


@user_app.command("enable")
def enable(name: UserName) -> None:
    """Allow a disabled user to sign in again (also lifts a lock-out)."""
    _change(f"user {name!r} enabled", lambda engine: set_disabled(engine, name, False, utcnow()))


@user_app.command("remove")
def remove(
    name: UserName,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Delete the user and its sessions."""
    if not yes and not typer.confirm(f"remove user {name!r}?"):
        raise UserError("nothing removed")
    _change(f"user {name!r} removed", lambda engine: remove_user(engine, name))


@user_app.command("password")
def password(
    name: UserName,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from the first line of stdin")
    ] = False,
) -> None:
    """Set a new password; the user's sessions end and a lock-out is lifted."""
    new = _read_password(password_stdin)
    _change(f"password of {name!r} reset", lambda engine: reset_password(engine, name, new))


@user_app.command("role")
def role(
    name: UserName, new_role: Annotated[str, typer.Argument(help="manager or viewer", metavar="ROLE")]
) -> None:
    """Change the user's role; its sessions end so the new role applies at the next sign-in."""
    _change(f"user {name!r} is now {new_role}", lambda engine: change_role(engine, name, new_role))


@user_app.command("logout")
def logout(name: UserName) -> None:
    """End every session of the user (signed out everywhere)."""
    ended: list[int] = []
    _change(f"sessions of {name!r} ended", lambda engine: ended.append(end_sessions(engine, name)))
    typer.echo(f"{ended[0] if ended else 0} session(s) ended", err=True)


@token_app.command("create")
def new_token(
    name: Annotated[str, typer.Argument(help="what the token is for, e.g. crm")],
    role: Role = "manager",
) -> None:
    """Create a bearer token and print it once (only its hash is stored)."""
    engine = open_engine(load_settings())
    try:
        token = create_token(engine, name, role)
    except AccessError as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    typer.echo(token)
    typer.echo(f"token {name!r} ({role}) created: keep it now, it is not shown again", err=True)


@token_app.command("list")
def tokens() -> None:
    """Tokens (never their values)."""
    engine = open_engine(load_settings())
    table = Table("token", "role", "created", "last used", "revoked")
    for row in list_tokens(engine):
        table.add_row(
            *(str(row[k] or "") for k in ("name", "role", "created_at", "last_used_at", "revoked_at"))
        )
    engine.dispose()
    console.print(table)


@token_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="token name")]) -> None:
    """Revoke a token: requests carrying it get 401 from now on."""
    engine = open_engine(load_settings())
    try:
        revoke_token(engine, name, utcnow())
    except AccessError as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    typer.echo(f"token {name!r} revoked")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
