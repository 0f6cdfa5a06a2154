"""`dialer simulator`: the Guoxin twin (default) or, with ``--vendor 800ing``, the 800ing twin."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from batch_dialer.console.errors import UserError

__all__ = ["register"]


class Vendor(StrEnum):
    guoxin = "guoxin"
    ing800 = "800ing"


def simulator(
    vendor: Annotated[Vendor, typer.Option(help="which centre to simulate")] = Vendor.guoxin,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port (the real centre's default is 12121)")] = 12121,
    channels: Annotated[int, typer.Option(min=1, help="trunk channels")] = 30,
    agents: Annotated[int, typer.Option(min=0, help="agent extensions 801…")] = 5,
    speed: Annotated[float, typer.Option(min=0.01, help="clock speed-up: 60 = a 60 s call takes 1 s")] = 60.0,
    seed: Annotated[int, typer.Option(help="outcome seed (same seed, same outcomes)")] = 1,
    fault_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="share of requests answered 503")] = 0.0,
    latency_ms: Annotated[int, typer.Option(min=0, help="added latency per request")] = 0,
    password: Annotated[
        str | None, typer.Option(envvar="DIALER_SIMULATOR_PASSWORD", help="require this API password")
    ] = None,
    accounts: Annotated[int, typer.Option(min=0, help="800ing: agent accounts 8001…")] = 5,
    trunks: Annotated[int, typer.Option(min=1, help="800ing: trunk lines (calls at once)")] = 10,
    push_url: Annotated[str | None, typer.Option(help="800ing: where CDR pushes go (§2.7)")] = None,
    key_url: Annotated[str | None, typer.Option(help="800ing: the key callback URL (§2.10)")] = None,
    route_url: Annotated[str | None, typer.Option(help="800ing: the routing callback URL (§2.8)")] = None,
    push_drop_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="800ing: share of pushes lost (seeded)")
    ] = 0.0,
) -> None:
    """Run a call-centre simulator until Ctrl-C: Guoxin (HTTP + SOAP) or 800ing (--vendor 800ing)."""
    if vendor is Vendor.ing800:
        _serve_800ing(
            host, port, accounts, trunks, speed, seed, password, push_url, key_url, route_url, push_drop_rate
        )
        return
    from batch_dialer.callcenter.simulator import SimulatorConfig, serve

    config = SimulatorConfig(
        channels=channels,
        agents=agents,
        speed=speed,
        seed=seed,
        fault_rate=fault_rate,
        latency_ms=latency_ms,
        password=password,
    )
    try:
        serve(config, host, port)
    except OSError as exc:
        raise UserError(f"simulator: cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _serve_800ing(
    host: str,
    port: int,
    accounts: int,
    trunks: int,
    speed: float,
    seed: int,
    password: str | None,
    push_url: str | None,
    key_url: str | None,
    route_url: str | None,
    push_drop_rate: float,
) -> None:
    from batch_dialer.callcenter.ing800_simulator import Ing800SimConfig, serve

    config = Ing800SimConfig(
        account_count=accounts,
        password=password or "800ing",
        trunks=trunks,
        speed=speed,
        seed=seed,
        push_url=push_url,
        key_url=key_url,
        route_url=route_url,
        push_drop_rate=push_drop_rate,
    )
    try:
        serve(config, host, port)
    except OSError as exc:
        raise UserError(f"simulator: cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def register(app: typer.Typer) -> None:
    app.command("simulator")(simulator)
