"""`dialer demo` (what `make demo` runs): a whole satisfaction-survey campaign on embedded defaults.

Starts the simulator, imports `sample_lists/`, creates a TTS campaign, runs it to completion with
the live display, and prints the outcome summary. Everything goes into a fresh demo folder, so
the demo never touches the operator's own database. The printout: numbered steps in order, outcomes in
Chinese, and no scheduler chatter (missed ticks and lease hand-overs of the one in-process scheduler on a
busy machine mean nothing to a demo watcher; errors still show).
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

from batch_dialer.callcenter import connect
from batch_dialer.callcenter.simulator import SimulatorConfig, start_in_thread
from batch_dialer.campaigns.campaign_figures import CAMPAIGN_STATUS_LABELS, TASK_STATE_LABELS
from batch_dialer.campaigns.campaign_options import CampaignOptions
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.campaigns.settings import Settings
from batch_dialer.console.run_cli import run_campaign
from batch_dialer.reports.labels import OUTCOME_LABELS

__all__ = ["register"]

console = Console()
SAMPLES = Path(__file__).resolve().parents[2] / "sample_lists"
SURVEY = (
    "尊敬的{name}，您好！感谢您选购{product}。请对我们的服务打分："
    "非常满意请按1，满意请按2，一般请按3，不满意请按4，非常不满意请按5。"
)


def demo(
    out: Annotated[Path, typer.Option(help="folder for the demo database and reports")] = Path("demo-output"),
    channels: Annotated[int, typer.Option(help="simulated trunk channels")] = 30,
    speed: Annotated[float, typer.Option(help="simulator clock speed-up")] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="print the final state as JSON")] = False,
) -> None:
    """Run a whole campaign against the built-in simulator (about a minute)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    db_url = f"sqlite:///{out / 'demo.db'}"
    engine = open_database(db_url)
    for chatter in ("apscheduler", "batch_dialer.scheduler"):  # missed ticks, lease hand-overs on a busy CPU
        logging.getLogger(chatter).setLevel(logging.ERROR)
    with start_in_thread(SimulatorConfig(channels=channels, agents=5, speed=speed, seed=1)) as sim:
        console.print(
            f"[bold]1.[/bold] simulator of the Guoxin call centre at {sim.base_url} (speed ×{speed:g})"
        )
        batches = _import_samples(engine, out)
        campaign = _create_campaign(engine, batches, channels)
        console.print(
            f"[bold]3.[/bold] campaign {campaign!r}: TTS satisfaction survey, toneid 20, ≤3 attempts"
        )
        console.print("[bold]4.[/bold] dialling (live view below)")
        settings = Settings(
            database_url=db_url, callcenter_url=sim.base_url, poll_interval=1.0, pacer_interval=0.25
        )
        centre = connect(sim.base_url, None, settings.callcenter_tz, 5.0)
        progress = run_campaign(settings, engine, centre, campaign, show_live=not as_json)
        truth = sim.center.truth()
    if as_json:
        typer.echo(json.dumps(progress, ensure_ascii=False))
        return
    _print_summary(progress, truth, channels)
    _export_reports(engine, campaign, out)


def _import_samples(engine: Any, out: Path) -> list[int]:
    from batch_dialer.importers.batch_import import import_file

    files = sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in (".xlsx", ".csv"))
    if not files:
        raise typer.BadParameter(f"no sample lists in {SAMPLES}")
    batches: list[int] = []
    console.print("[bold]2.[/bold] importing the sample lists")
    for path in files:
        result = import_file(path, engine, rejects_path=out / f"{path.stem}.rejects.xlsx")
        console.print(
            f"   {path.name}: rows={result.rows} imported={result.imported} "
            f"updated={result.updated} duplicates={result.duplicates} rejected={result.rejected}"
        )
        if result.batch_id is not None:
            batches.append(result.batch_id)
    return batches


def _create_campaign(engine: Any, batches: list[int], channels: int) -> str:
    name = "满意度回访-演示"
    options = CampaignOptions.build(
        name=name,
        kind="tts",
        batch=batches,
        toneid=20,
        tts=[f"ttsabc={SURVEY}"],
        window=["00:00-24:00"],  # the demo must run at any hour
        max_attempts=3,
        retry=["busy=5s", "unreachable=5s", "failed=5s", "unknown=5s"],
        channels=channels,
    )
    columns = options.to_campaign_columns()
    columns.update(status="draft", ivr_max_seconds=5, result_deadline_s=120)
    with engine.begin() as conn:
        conn.execute(insert(table_of(Campaign)).values(**columns))
    return name


def _print_summary(progress: dict[str, Any], truth: dict[str, Any], channels: int) -> None:
    status = CAMPAIGN_STATUS_LABELS.get(progress["status"], progress["status"])
    console.print("\n[bold]5.[/bold] result")
    table = Table("结果 outcome", "数量 count", title=f"{progress['campaign']} — {status}")
    for state, n in progress["by_state"].items():
        if n:
            table.add_row(f"{TASK_STATE_LABELS.get(state, state)} ({state})", f"{n} 人")
    table.add_row("实际拨打次数 attempts placed", str(progress["attempts"]))
    for outcome, n in sorted(progress["by_outcome"].items(), key=lambda item: -item[1]):
        table.add_row(f"  {OUTCOME_LABELS.get(outcome, outcome)} ({outcome})", f"{n} 次")
    console.print(table)
    console.print(
        f"simulator ground truth: {truth['calls_total']} calls, peak {truth['peak_channels']}/{channels} "
        f"channels, {truth['rejected_486']} × 486"
    )


def _export_reports(engine: Any, campaign: str, out: Path) -> None:
    from batch_dialer.reports.export import export_report

    console.print("[bold]6.[/bold] reports")
    for fmt in ("xlsx", "html"):
        path = out / f"report.{fmt}"
        export_report(engine, campaign, fmt, path)
        console.print(f"   {path}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
