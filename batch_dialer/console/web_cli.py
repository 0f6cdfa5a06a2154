"""`dialer web`: the web console and JSON API (uvicorn). It never dials; run `dialer run NAME` or
`dialer scheduler` + `dialer worker` for that."""

from __future__ import annotations

from typing import Annotated

import typer

from batch_dialer.console.errors import UserError

__all__ = ["register"]


def web(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8080,
) -> None:
    """Serve the web console for campaign managers (sign in with a `dialer user add` account)."""
    import uvicorn
    from pydantic import ValidationError

    from batch_dialer.console.cli import load_settings
    from batch_dialer.console.context import open_centre, open_engine
    from batch_dialer.console.log_setup import configure_logging
    from batch_dialer.web import create_app
    from batch_dialer.web.web_settings import WebSettings

    settings = load_settings()
    level = configure_logging(settings.log_level, default="INFO")
    try:
        web_settings = WebSettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first.get("loc") else "?"
        raise UserError(f"configuration: DIALER_WEB_{field.upper()}: {first['msg']}") from None
    engine = open_engine(settings)
    centre = open_centre(settings)
    app = create_app(settings, engine=engine, centre=centre, web_settings=web_settings)
    typer.echo(f"web console on http://{host}:{port}/ (API docs at /api/docs)")
    try:
        # uvicorn's own loggers (and its access log) follow DIALER_LOG_LEVEL only when it is set
        uvicorn_level = level.lower() if settings.log_level else "warning"
        uvicorn.run(app, host=host, port=port, log_level=uvicorn_level, proxy_headers=True)
    finally:
        centre.close()
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.command("web")(web)
