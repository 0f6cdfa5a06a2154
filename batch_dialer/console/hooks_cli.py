"""`dialer hooks`: serve only the 800ing webhook endpoints (for sites that expose nothing else)."""

from __future__ import annotations

from typing import Annotated

import typer

from batch_dialer.console.errors import UserError

__all__ = ["register"]


def hooks(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8081,
) -> None:
    """Serve /hooks/800ing/{secret}/cdr, /key and /route (needs DIALER_HOOK_SECRET)."""
    import uvicorn
    from pydantic import ValidationError

    from batch_dialer.console.cli import load_settings
    from batch_dialer.console.context import open_engine
    from batch_dialer.web.hook_settings import HookSettings
    from batch_dialer.web.hooks_800ing import HookState
    from batch_dialer.web.hooks_app import create_hooks_app

    settings = load_settings()
    try:
        hook_settings = HookSettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first.get("loc") else "?"
        raise UserError(f"configuration: DIALER_{field.upper()}: {first['msg']}") from None
    if hook_settings.secret() is None:
        raise UserError("configuration: DIALER_HOOK_SECRET is not set; the endpoints would answer nothing")
    engine = open_engine(settings)
    app = create_hooks_app(HookState.from_settings(engine, hook_settings))
    typer.echo(f"800ing webhooks on http://{host}:{port}/hooks/800ing/<DIALER_HOOK_SECRET>/{{cdr,key,route}}")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=True)
    except OSError as exc:
        raise UserError(f"hooks: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.command("hooks")(hooks)
