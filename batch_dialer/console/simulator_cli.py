"""`dialer simulator`: the Guoxin twin for demos, dry runs and tests."""

from __future__ import annotations

from typing import Annotated

import typer

from batch_dialer.console.errors import UserError

__all__ = ["register"]


def simulator(
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
) -> None:
    """Run the Guoxin call-centre simulator (HTTP + SOAP) until Ctrl-C."""
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


def register(app: typer.Typer) -> None:
    app.command("simulator")(simulator)
