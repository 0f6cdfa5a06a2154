"""`dialer agent link|assign|list`: agents of the desk (web users of role agent linked to a CTI
user), and `dialer cti-double`: the fake CTI with the ctibar.js test double, for demos from a checkout."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.desk_agents import AgentError, assign_agents, campaign_agents, link_agent
from batch_dialer.campaigns.lifecycle import CampaignNotFound, find_campaign
from batch_dialer.console.cli import load_settings
from batch_dialer.console.context import open_engine
from batch_dialer.console.errors import UserError

__all__ = ["register"]

agent_app = typer.Typer(help="Agents of the desk (坐席) on the CTI phone bar.", no_args_is_help=True)
console = Console()


@agent_app.command("link")
def link(
    user: Annotated[str, typer.Argument(help="web user of role agent (`dialer user add NAME --role agent`)")],
    cti_user: Annotated[str, typer.Option("--cti-user", help="the agent's CTI user name")],
    ext: Annotated[str | None, typer.Option(help="extension (the CTI also reports it at sign-in)")] = None,
) -> None:
    """Link a web user of role agent to its CTI user name (no CTI password is ever stored)."""
    engine = open_engine(load_settings())
    try:
        done = link_agent(engine, user, cti_user, ext)
    except AgentError as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    typer.echo(f"agent {done.name!r} linked to CTI user {done.cti_username!r}")


@agent_app.command("assign")
def assign(
    campaign: Annotated[str, typer.Argument(help="campaign name or id")],
    agents: Annotated[list[str], typer.Argument(help="the agents who work it (replaces the earlier list)")],
) -> None:
    """Choose the agents whose desks get this campaign's contacts."""
    engine = open_engine(load_settings())
    try:
        ref = find_campaign(engine, campaign)
        names = assign_agents(engine, ref.id, agents, utcnow())
    except (AgentError, CampaignNotFound) as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    typer.echo(f"campaign {ref.name!r}: agents {', '.join(names) or '(none)'}")


@agent_app.command("list")
def list_agents(campaign: Annotated[str, typer.Argument(help="campaign name or id")]) -> None:
    """The campaign's agents with their desk state."""
    engine = open_engine(load_settings())
    try:
        ref = find_campaign(engine, campaign)
        rows = campaign_agents(engine, ref.id)
    except CampaignNotFound as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    table = Table("agent", "CTI user", "ext", "state", "last seen")
    for row in rows:
        seen = row["last_seen_at"].isoformat(timespec="seconds") if row["last_seen_at"] else "–"
        table.add_row(row["name"], row["cti_username"], row["ext_no"] or "–", row["desk_state"], seen)
    console.print(table)


def cti_double(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port (the document's examples use 9999)")] = 9999,
    user: Annotated[
        list[str] | None, typer.Option(help="CTI user as NAME:PASSWORD:EXTENSION (repeatable)")
    ] = None,
) -> None:
    """Serve the fake CTI (auth, websocket, the ctibar.js test double) from a source checkout."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "tests" / "desk" / "fake_cti.py").is_file() and str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    try:
        fake_cti = importlib.import_module("tests.desk.fake_cti")
    except ImportError:
        raise UserError("cti-double: run it from a source checkout (it lives in tests/desk/)") from None
    import uvicorn

    fake = fake_cti.FakeCti()
    for spec in user or ["agent1:agent1-pass:1001"]:
        parts = spec.split(":")
        if len(parts) != 3 or not all(parts):
            raise UserError(f"--user {spec.split(':')[0]!r}: expected NAME:PASSWORD:EXTENSION")
        fake.add_user(*parts)
    typer.echo(f"fake CTI on http://{host}:{port} (ws://{host}:{port}/ws, /dist/ctibar.js)")
    try:
        uvicorn.run(fake_cti.build_fake_cti(fake), host=host, port=port, log_level="warning")
    except OSError as exc:
        raise UserError(f"cti-double: cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def register(app: typer.Typer) -> None:
    app.add_typer(agent_app, name="agent")
    app.command("cti-double")(cti_double)
