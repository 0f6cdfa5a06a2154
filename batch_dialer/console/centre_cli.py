"""`dialer centre check|call|tones|agents`: talk to the configured call centre directly.

Operators use these to verify DIALER_CALLCENTER_URL and the password before a campaign, and
to place one test call by hand.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from batch_dialer.callcenter.masking import mask_phone
from batch_dialer.callcenter.results import CallState
from batch_dialer.console.cli import load_settings
from batch_dialer.console.context import open_centre
from batch_dialer.console.errors import EXIT_FAILURE, UserError

__all__ = ["register"]

centre_app = typer.Typer(help="Check and try the configured call centre.", no_args_is_help=True)
console = Console()


@centre_app.command("check")
def check(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Reach the centre: channel use, agents and tone files."""
    settings = load_settings()
    with open_centre(settings) as centre:
        reading = centre.monitor()
        agents = centre.agent_states()
        tones = centre.tone_files()
    shown = {
        "url": settings.callcenter_url,
        "queue": reading.queue,
        "playcount": reading.playcount,
        "agents": len(agents),
        "tone_files": len(tones),
    }
    if as_json:
        typer.echo(json.dumps(shown, ensure_ascii=False))
        return
    console.print(
        f"call centre {settings.callcenter_url}: {reading.playcount} calls playing, "
        f"{reading.queue} queued for agents, {len(agents)} agents, {len(tones)} tone files"
    )


@centre_app.command("call")
def call(
    phone: Annotated[str, typer.Argument(help="number to call")],
    toneid: Annotated[int, typer.Option(help="IVR number at the centre")] = 20,
    tts: Annotated[list[str] | None, typer.Option(help="ttsVAR=text (repeatable)")] = None,
    wait: Annotated[float, typer.Option(help="seconds to wait for the result")] = 120.0,
) -> None:
    """Place one IVR/TTS test call and wait for its result (checks the password only with
    DIALER_GUOXIN_TTS_PWD=1: §18 defines no pwd)."""
    settings = load_settings()
    texts: dict[str, str] = {}
    for item in tts or []:
        var, sep, text = item.partition("=")
        if not sep or not var.startswith("tts"):
            raise UserError(f"--tts {item!r}: expected ttsVAR=text")
        texts[var] = text
    token = f"test-{uuid.uuid4().hex[:12]}"
    with open_centre(settings) as centre:
        centre.submit_tts_call(token, phone, toneid, texts)
        console.print(f"placed test call {token} to {mask_phone(phone)}")
        deadline = time.monotonic() + wait
        result = centre.tts_call_result(token)
        while time.monotonic() < deadline and not (
            result.state.is_final and result.state is not CallState.ANSWERED
        ):
            if result.state is CallState.ANSWERED and result.keys:
                break
            time.sleep(2.0)
            result = centre.tts_call_result(token)
    keys = ";".join(f"{k}={v}" for k, v in result.keys.items())
    console.print(f"result: state={int(result.state)} ({result.state.name.lower()}) {keys}".rstrip())
    if not result.state.is_final:
        raise UserError(f"no final result within {wait:g} s", EXIT_FAILURE)


@centre_app.command("tones")
def tones() -> None:
    """List the centre's tone files (§24)."""
    with open_centre(load_settings()) as centre:
        files = centre.tone_files()
    table = Table("id", "title", "path", "description")
    for tone in files:
        table.add_row(str(tone.id), tone.title, tone.path, tone.description)
    console.print(table)


@centre_app.command("agents")
def agents() -> None:
    """Agent extensions and their states (§14)."""
    with open_centre(load_settings()) as centre:
        states = centre.agent_states()
    table = Table("extension", "name", "state", "presence", "talking to")
    for a in states:
        table.add_row(
            a.tel_num, a.user_name, a.state, a.presence, mask_phone(a.remote_num) if a.remote_num else ""
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(centre_app, name="centre")
