"""`dialer run NAME`: run one campaign to the end with a live display.

Embedded (no DIALER_REDIS_URL): scheduler and workers run inside this process. Scaled out:
the scheduler and workers run elsewhere and this command starts the campaign and watches.
Ctrl-C pauses cleanly; running it again resumes.
"""

from __future__ import annotations

import json
import time
from contextlib import nullcontext
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from sqlalchemy import Engine

from batch_dialer.callcenter.capabilities import CentreAdapter, LoadMonitor
from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.lifecycle import LifecycleError, find_campaign, pause, resume, start
from batch_dialer.campaigns.progress import campaign_progress, live_figures
from batch_dialer.campaigns.settings import Settings
from batch_dialer.console.cli import load_settings
from batch_dialer.console.context import open_adapter_for, open_engine, soap_factory
from batch_dialer.console.errors import EXIT_FAILURE, UserError
from batch_dialer.scheduler.dispatch import TickReport
from batch_dialer.scheduler.embedded import EmbeddedEngine
from batch_dialer.scheduler.service import Intervals
from batch_dialer.workers.runtime import Timings

__all__ = ["register", "run_campaign"]

console = Console(stderr=True)
_FINISHED = ("completed", "cancelled")


def check_centre(centre: CentreAdapter, url: str) -> None:
    """Fail early, in one line, when the centre is unreachable or the URL is wrong."""
    if not isinstance(centre, LoadMonitor):
        return  # a product without a monitor: its first call will say whether it is usable
    try:
        centre.monitor()
    except CallCenterError as exc:
        raise UserError(f"call centre at {url} is not usable: {exc}") from None


def embedded_engine(
    settings: Settings, engine: Engine, centre: CentreAdapter, **overrides: Any
) -> EmbeddedEngine:
    timings = Timings(
        poll_interval_s=overrides.pop("poll_interval_s", settings.poll_interval),
        claim_lease_s=settings.claim_lease,
    )
    pace = overrides.pop("pacer_interval_s", settings.pacer_interval)
    intervals = Intervals(pace=pace, polls=min(1.0, timings.poll_interval_s), recover=5.0, lifecycle=1.0)
    return EmbeddedEngine(
        engine,
        centre,
        timings=timings,
        intervals=intervals,
        threads=settings.worker_threads,
        soap_factory=soap_factory(settings),
        **overrides,
    )


def run_campaign(
    settings: Settings,
    engine: Engine,
    centre: CentreAdapter,
    name: str,
    *,
    show_live: bool = True,
    **engine_overrides: Any,
) -> dict[str, Any]:
    """Start or resume `name`, drive it to the end (embedded) or watch it (scaled out)."""
    try:
        ref = find_campaign(engine, name)
        if ref.status == "paused":
            resume(engine, ref.id)
        elif ref.status in ("draft", "completed") or (ref.status == "scheduled"):
            start(engine, ref.id, utcnow())
    except (LifecycleError, ValueError) as exc:
        raise UserError(str(exc)) from None
    host = embedded_engine(settings, engine, centre, **engine_overrides) if settings.embedded else None
    try:
        with host or nullcontext(), _live(show_live) as live:
            while True:
                progress = campaign_progress(engine, ref.id)
                if live is not None:
                    report = host.dispatcher.last_report if host else None
                    live.update(_render(progress, live_figures(engine, ref.id, utcnow()), report))
                if progress["status"] in _FINISHED:
                    return progress
                if progress["status"] == "paused":
                    raise UserError(
                        f"campaign {ref.name!r} paused: {progress['status_reason']}", EXIT_FAILURE
                    )
                time.sleep(0.5)
    except KeyboardInterrupt:
        pause(engine, ref.id, "interrupted; run again to resume")
        console.print(f"campaign {ref.name!r} paused; `dialer run {ref.name}` resumes it")
        raise typer.Exit(130) from None


def _live(enabled: bool) -> Any:
    return Live(console=console, refresh_per_second=4, transient=False) if enabled else nullcontext()


def _render(progress: dict[str, Any], live: dict[str, Any], report: TickReport | None) -> Group:
    state = progress["by_state"]
    table = Table(title=f"{progress['campaign']} — {progress['status']}", show_header=False)
    table.add_row("pending (due)", str(live["pending_due"]))
    table.add_row("waiting to retry", str(live["waiting_retry"]))
    table.add_row("in flight", str(state["in_flight"]))
    finals = ("done", "invalid", "exhausted", "dnc", "cancelled", "unknown")
    table.add_row("finished", " ".join(f"{s}={state[s]}" for s in finals if state[s]) or "0")
    table.add_row("attempts", str(progress["attempts"]))
    table.add_row("calls / minute", str(live["calls_per_minute"]))
    if report is not None and report.channels:
        used = report.reading.playcount if report.reading else "?"
        table.add_row(
            "channels in use", f"{used} / {report.channels} (pacer limit {report.effective_channels})"
        )
    eta = live["eta_seconds"]
    table.add_row("ETA", f"{eta:,.0f} s" if eta is not None else "—")
    return Group(table)


def run(
    name: Annotated[str, typer.Argument(help="campaign name (or id)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the final state as JSON")] = False,
    quiet: Annotated[bool, typer.Option(help="no live display")] = False,
) -> None:
    """Run a campaign until it completes (embedded scheduler + workers when DIALER_REDIS_URL is unset)."""
    settings = load_settings()
    engine = open_engine(settings)
    centre = open_adapter_for(settings)
    if settings.embedded:
        check_centre(centre, settings.callcenter_url)
    progress = run_campaign(settings, engine, centre, name, show_live=not quiet and not as_json)
    if as_json:
        typer.echo(json.dumps(progress, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.command("run")(run)
