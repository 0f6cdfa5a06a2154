"""`dialer run NAME`: run one campaign to the end with a live display.

Embedded (no DIALER_REDIS_URL): scheduler and workers run inside this process. Scaled out:
the scheduler and workers run elsewhere and this command starts the campaign and watches.
Ctrl-C pauses cleanly; running it again resumes. A campaign paused elsewhere (the web console, `dialer
campaign pause`) is waited for: calls in flight are still collected, and dialling goes on after 继续.
The engine writes a heartbeat, so the console can say whether anything is dialling.
"""

from __future__ import annotations

import json
import time
from contextlib import nullcontext
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from sqlalchemy import Engine, select

from batch_dialer.callcenter.capabilities import CentreAdapter, LoadMonitor
from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.campaigns.calling_window import CallingWindow
from batch_dialer.campaigns.campaign_figures import CAMPAIGN_STATUS_LABELS, local_when
from batch_dialer.campaigns.clock import Clock, system_clock
from batch_dialer.campaigns.engine_heartbeat import HeartbeatWriter
from batch_dialer.campaigns.lifecycle import LifecycleError, find_campaign, pause, resume, start
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.campaigns.progress import campaign_progress, live_figures
from batch_dialer.campaigns.settings import Settings
from batch_dialer.campaigns.working_days import coverage_warning
from batch_dialer.console.context import open_adapter_for, open_engine, soap_factory
from batch_dialer.console.errors import UserError
from batch_dialer.scheduler.dispatch import TickReport
from batch_dialer.scheduler.embedded import EmbeddedEngine
from batch_dialer.scheduler.service import Intervals
from batch_dialer.workers.runtime import Timings

__all__ = ["activity_of", "register", "run_campaign", "start_warnings"]

console = Console(stderr=True)
_FINISHED = ("completed", "cancelled")
_campaign = table_of(Campaign)


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
        poll_hints=settings.poll_hints,
        request_timeout_s=settings.http_timeout + settings.http_connect_timeout,
    )
    pace = overrides.pop("pacer_interval_s", settings.pacer_interval)
    intervals = Intervals.for_engine(pace, timings.poll_interval_s, recover=5.0, lifecycle=1.0)
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
    clock: Clock = system_clock,
    **engine_overrides: Any,
) -> dict[str, Any]:
    """Start or resume `name`, drive it to the end (embedded) or watch it (scaled out)."""
    try:
        ref = find_campaign(engine, name)
        if ref.status == "paused":
            resume(engine, ref.id)
        elif ref.status in ("draft", "completed") or (ref.status == "scheduled"):
            start(engine, ref.id, clock.now())
    except (LifecycleError, ValueError) as exc:
        raise UserError(str(exc)) from None
    for warning in start_warnings(engine, ref.id, clock.now()):
        console.print(f"[yellow]warning:[/yellow] {warning}")
    host = embedded_engine(settings, engine, centre, **engine_overrides) if settings.embedded else None
    heartbeat = HeartbeatWriter(engine, "run", ref.id, clock.now()) if host else None
    said_paused = False
    try:
        with host or nullcontext(), _live(show_live) as live:
            while True:
                now = clock.now()
                progress = campaign_progress(engine, ref.id)
                figures = live_figures(engine, ref.id, now)
                if heartbeat is not None:
                    heartbeat.beat(now, activity_of(progress, figures))
                if live is not None:
                    report = host.dispatcher.last_report if host else None
                    live.update(_render(progress, figures, report))
                if progress["status"] in _FINISHED:
                    return progress
                if progress["status"] == "paused" and not said_paused:
                    console.print(
                        f"campaign {ref.name!r} paused ({progress['status_reason'] or 'no reason given'}); "
                        f"waiting — 继续 in the console or `dialer campaign resume {ref.name}` goes on"
                    )
                said_paused = progress["status"] == "paused"
                time.sleep(0.5)
    except KeyboardInterrupt:
        pause(engine, ref.id, "interrupted; run again to resume")
        console.print(f"campaign {ref.name!r} paused; `dialer run {ref.name}` resumes it")
        raise typer.Exit(130) from None
    finally:
        if heartbeat is not None:
            heartbeat.stop(clock.now())


def start_warnings(engine: Engine, campaign_id: int, now: datetime) -> list[str]:
    """What a manager must know when a campaign starts: the window is closed, the calendar lacks the year."""
    with engine.connect() as conn:
        row = conn.execute(
            select(_campaign.c.windows, _campaign.c.days, _campaign.c.tz).where(_campaign.c.id == campaign_id)
        ).one()
    window = CallingWindow.parse(row.windows, row.days, row.tz or "Asia/Shanghai")
    warnings: list[str] = []
    if window.cn_calendar:
        note = coverage_warning(now.astimezone(window.tz).date())
        if note:
            warnings.append(note)
    if not window.contains(now):
        opens = window.next_open(now)
        warnings.append(
            f"outside the calling window ({'、'.join(window.window_specs())} {window.tz.key}) — "
            f"nothing is dialled now; 下次拨打 {local_when(opens, now, window)}"
        )
    return warnings


def activity_of(progress: dict[str, Any], figures: dict[str, Any]) -> str:
    """The heartbeat's one line: what this engine is doing for its campaign."""
    status = progress["status"]
    if status == "paused":
        return f"活动已暂停，等待继续（{figures['in_flight']} 个通话等待结果）"
    if status != "running":
        return f"活动{status}"
    if not figures["window_open"]:
        return f"拨打时段外，下次拨打 {figures['display']['next_open']}"
    return f"拨号中：每分钟 {figures['calls_per_minute']} 个呼叫，{figures['in_flight']} 个等待结果"


def _live(enabled: bool) -> Any:
    return Live(console=console, refresh_per_second=4, transient=False) if enabled else nullcontext()


def _render(progress: dict[str, Any], live: dict[str, Any], report: TickReport | None) -> Group:
    state, shown, labels = progress["by_state"], live["display"], live["labels"]
    status = CAMPAIGN_STATUS_LABELS.get(progress["status"], progress["status"])
    table = Table(title=f"{progress['campaign']} — {status}", show_header=False)
    for key in ("due_now", "waiting_window", "waiting_retry", "in_flight", "finished", "attempts"):
        table.add_row(labels[key], shown[key])
    finals = ("done", "invalid", "exhausted", "dnc", "cancelled", "unknown")
    table.add_row("  其中 of which", " ".join(f"{s}={state[s]}" for s in finals if state[s]) or "0")
    table.add_row(labels["calls_per_minute"], shown["calls_per_minute"])
    if report is not None and report.channels:
        used = report.reading.playcount if report.reading else "?"
        table.add_row(
            "线路占用 channels in use",
            f"{used} / {report.channels} (pacer limit {report.effective_channels})",
        )
    table.add_row(labels["eta_seconds"], shown["eta_seconds"])
    if not live["window_open"]:
        table.add_row(labels["next_open"], shown["next_open"])
    return Group(table)


def run(
    name: Annotated[str, typer.Argument(help="campaign name (or id)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the final state as JSON")] = False,
    quiet: Annotated[bool, typer.Option(help="no live display")] = False,
) -> None:
    """Run a campaign until it completes (embedded scheduler + workers when DIALER_REDIS_URL is unset)."""
    from batch_dialer.console.cli import load_settings  # cli imports this module: import it when run

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
