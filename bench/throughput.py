"""`python -m bench.throughput`: how full we keep a 30–1,000-channel centre, and what one call costs us.

Each row runs one-shot TTS calls (no retries) against the in-package simulator in its own process, with
exactly `channels` lines and no waiting line (an overrun is answered 486). The simulator's clock is sped
up so the mean holding time is `--holding` real seconds (more for big trunks, so the call rate stays
what one machine can drive: see `--max-rate`); the pacer tick is holding / 45 and polls come every
holding / 9 — the ratios of the defaults (1 s, 5 s) on real 45 s calls. Due polls are handed out once
per poll interval in both modes, as `dialer run` and `dialer scheduler` do.

Modes: `embedded` (one process: scheduler, workers, fakeredis broker, SQLite) and `scaled` (one
`dialer scheduler` + N `dialer worker` processes on real Redis and PostgreSQL).

Printed per row, from the simulator's ground truth: calls/s placed, utilisation while work is pending,
makespan / minimum (= holding of all calls / channels), 486 answers, p50/p99 channel-idle gap (how long
a freed line stood idle before our next call reached it), and CPU ms per call of our processes
(getrusage in embedded mode, /proc for the scaled processes) beside a raw baseline measured in the same
run: a minimal loop keeping the same trunk full over the same HTTP with no database and no broker.

    python -m bench.throughput --rows embedded:100 scaled:300:2
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, func, insert, select, text

from batch_dialer.callcenter import connect
from batch_dialer.callcenter.simulator import SimulatorConfig, plan_call, start_in_thread
from batch_dialer.campaigns.campaign_options import CampaignOptions
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import Campaign, Contact, table_of
from batch_dialer.campaigns.oversight_models import EngineHeartbeat
from batch_dialer.scheduler.embedded import EmbeddedEngine
from bench.throughput_baseline import raw_loop
from bench.throughput_figures import run_figures

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SEED = 1
HINTS = True  # --no-hints: poll every call in flight, as before the call-log hints
LATENCY_MS = 0  # --latency-ms: how long the centre takes to answer each request
IVR_MAX_S = 2  # the campaign's ivr_max_seconds: how long an answered call may still send keys


@dataclass(frozen=True)
class Row:
    mode: str  # embedded | scaled | raw
    channels: int
    workers: int = 0

    @classmethod
    def parse(cls, text: str) -> Row:
        parts = text.split(":")
        mode, channels = parts[0], int(parts[1])
        if mode not in ("embedded", "scaled"):
            raise SystemExit(f"--rows: {text!r}: mode must be embedded or scaled")
        return cls(mode, channels, int(parts[2]) if len(parts) > 2 else (1 if mode == "scaled" else 0))


@dataclass(frozen=True)
class Plan:
    channels: int
    calls: int
    holding_s: float  # mean real holding time
    speed: float
    tick_s: float
    poll_s: float


def plan_for(channels: int, rounds: float, holding: float, max_rate: float) -> Plan:
    phones = phones_for(2000)
    nominal = sum(plan_call(SEED, p, 1).holding_s for p in phones) / len(phones)
    real = max(holding, channels / max_rate)
    return Plan(channels, int(channels * rounds), real, nominal / real, real / 45, real / 9)


def phones_for(count: int) -> list[str]:
    return [f"139{i:08d}" for i in range(count)]


# -- the simulator in its own process (its CPU is not ours) -------------------------------------------


def _serve(config: SimulatorConfig, conn: Any) -> None:
    with start_in_thread(config) as sim:
        conn.send(sim.base_url)
        conn.recv()  # until told to stop


@contextmanager
def simulator(plan: Plan) -> Iterator[str]:
    config = SimulatorConfig(
        channels=plan.channels, waiting_line=0, speed=plan.speed, seed=SEED, latency_ms=LATENCY_MS
    )
    ours, theirs = mp.get_context("spawn").Pipe()
    child = mp.get_context("spawn").Process(target=_serve, args=(config, theirs), daemon=True)
    child.start()
    try:
        yield str(ours.recv())
    finally:
        ours.send("stop")
        child.join(10)
        if child.is_alive():
            child.kill()


def truth_of(url: str) -> dict[str, Any]:
    """The ground truth once every call has ended (an answered call we are done with may still talk)."""
    deadline = time.monotonic() + 600
    while True:
        truth = dict(httpx.get(f"{url}/_sim/truth", timeout=60).json())
        if not truth["channels_in_use"] or time.monotonic() > deadline:
            return truth
        time.sleep(0.2)


# -- the campaign -------------------------------------------------------------------------------------


def seed_campaign(database_url: str, plan: Plan, *, start_now: bool = True) -> None:
    engine = open_database(database_url, auto_upgrade=True)
    with engine.begin() as conn:
        conn.execute(
            insert(table_of(Contact)), [{"phone": p, "name": "客户"} for p in phones_for(plan.calls)]
        )
    columns = CampaignOptions.build(
        name="bench", kind="tts", all_contacts=True, toneid=20, tts=["ttsabc=您好"],
        window=["00:00-24:00"], max_attempts=1, channels=plan.channels,
    ).to_campaign_columns()  # fmt: skip
    columns.update(status="draft", ivr_max_seconds=IVR_MAX_S)
    with engine.begin() as conn:
        conn.execute(insert(table_of(Campaign)).values(**columns))
    if start_now:
        start(engine, "bench", datetime.now(UTC))
    engine.dispose()


def wait_completed(database: str | Engine, deadline_s: float) -> None:
    """Until the campaign completes. The embedded row passes its open engine: this runs inside that row's
    CPU measurement, and opening a database (migrations check included) is not the engine's work."""
    engine = open_database(database) if isinstance(database, str) else database
    deadline = time.monotonic() + deadline_s
    status = select(table_of(Campaign).c.status).where(table_of(Campaign).c.id == 1)
    try:
        while _scalar(engine, status) != "completed":
            if time.monotonic() > deadline:
                raise SystemExit("the campaign did not complete in time")
            time.sleep(0.5)
    finally:
        if isinstance(database, str):
            engine.dispose()


def _scalar(engine: Engine, query: Any) -> Any:
    with engine.connect() as conn:
        return conn.scalar(query)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_embedded(plan: Plan, threads: int) -> dict[str, float]:
    from batch_dialer.scheduler.service import Intervals
    from batch_dialer.workers.runtime import Timings

    with tempfile.TemporaryDirectory() as tmp, simulator(plan) as url:
        db = f"sqlite:///{Path(tmp) / 'bench.db'}"
        seed_campaign(db, plan)
        engine = open_database(db)
        centre = connect(url, None)
        cpu0, t0 = _cpu_s(), time.monotonic()
        with EmbeddedEngine(
            engine,
            centre,
            timings=Timings(poll_interval_s=plan.poll_s, claim_lease_s=30, poll_hints=HINTS),
            intervals=Intervals.for_engine(plan.tick_s, plan.poll_s, recover=2.0, lifecycle=0.5),
            threads=threads,
        ):
            wait_completed(engine, 60 + plan.calls * plan.holding_s / plan.channels * 4)
        cpu, wall = _cpu_s() - cpu0, time.monotonic() - t0
        engine.dispose()
        figures = run_figures(truth_of(url), plan.channels, wall)
    figures["cpu_ms_per_call"] = 1000 * cpu / figures["calls"]
    return figures


def _tree_cpu_s(pids: list[int]) -> float:
    """utime + stime of these processes and every live descendant (read before they exit)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = fields
            parents[int(entry.name)] = int(fields[1])
    wanted, frontier = set(pids), list(pids)
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in wanted:
                wanted.add(child)
                frontier.append(child)
    return sum((int(stats[p][11]) + int(stats[p][12])) / tick for p in wanted if p in stats)


def run_scaled(plan: Plan, workers: int, threads: int) -> dict[str, float]:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with simulator(plan) as url:
            seed_campaign(db, plan, start_now=False)
            env = {
                **os.environ,
                "DIALER_DATABASE_URL": db,
                "DIALER_REDIS_URL": REDIS_URL,
                "DIALER_REDIS_NAMESPACE": name,
                "DIALER_CALLCENTER_URL": url,
                "DIALER_POLL_INTERVAL": f"{plan.poll_s:.3f}",
                "DIALER_PACER_INTERVAL": f"{plan.tick_s:.3f}",
                "DIALER_WORKER_THREADS": str(threads),
                "DIALER_LOG_LEVEL": "ERROR",
                "DIALER_POLL_HINTS": "1" if HINTS else "0",
            }
            dialer = [str(Path(sys.executable).parent / "dialer")]
            procs.append(subprocess.Popen([*dialer, "scheduler"], env=env, stdout=subprocess.DEVNULL))
            for _ in range(workers):
                procs.append(subprocess.Popen([*dialer, "worker"], env=env, stdout=subprocess.DEVNULL))
            # the processes' start-up (imports, connections) is counted apart: the embedded row's imports
            # happen before its measurement too, and a long-running worker pays them once
            _wait_ready(db, name, workers, procs)
            startup_cpu = _tree_cpu_s([p.pid for p in procs])
            t0 = time.monotonic()
            engine = open_database(db)
            start(engine, "bench", datetime.now(UTC))
            engine.dispose()
            wait_completed(db, 120 + plan.calls * plan.holding_s / plan.channels * 4)
            wall = time.monotonic() - t0
            cpu = _tree_cpu_s([p.pid for p in procs]) - startup_cpu
            _stop(procs)  # before the simulator goes, or they would log its absence
            figures = run_figures(truth_of(url), plan.channels, wall)
    finally:
        _stop(procs)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    figures["cpu_ms_per_call"] = 1000 * cpu / figures["calls"]
    figures["startup_cpu_s"] = startup_cpu
    return figures


def _wait_ready(db: str, namespace: str, workers: int, procs: list[subprocess.Popen[bytes]]) -> None:
    """Until the scheduler has written its heartbeat and every worker listens for wakes."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    engine = open_database(db)
    beats = select(func.count()).select_from(table_of(EngineHeartbeat))
    channel = f"{namespace}:wake"
    deadline = time.monotonic() + 60
    try:
        while True:
            listening = dict(client.pubsub_numsub(channel)).get(channel.encode(), 0)
            if listening >= workers and _scalar(engine, beats):
                return
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise SystemExit("the scheduler and workers did not start")
            time.sleep(0.05)
    finally:
        engine.dispose()
        client.close()


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()


def run_raw(plan: Plan) -> dict[str, float]:
    with simulator(plan) as url:
        cpu0, t0 = _cpu_s(), time.monotonic()
        raw_loop(url, phones_for(plan.calls), plan.channels, plan.tick_s, plan.poll_s, IVR_MAX_S)
        cpu, wall = _cpu_s() - cpu0, time.monotonic() - t0
        figures = run_figures(truth_of(url), plan.channels, wall)
    figures["cpu_ms_per_call"] = 1000 * cpu / figures["calls"]
    return figures


COLUMNS = (
    ("calls/s", "calls_per_s", "{:.1f}"),
    ("util", "utilisation", "{:.1%}"),
    ("span/min", "ratio", "{:.3f}"),
    ("486", "rejected_486", "{:.0f}"),
    ("gap p50", "gap_p50_ms", "{:.0f} ms"),
    ("gap p99", "gap_p99_ms", "{:.0f} ms"),
    ("polls/call", "polls_per_call", "{:.1f}"),
    ("CPU/call", "cpu_ms_per_call", "{:.1f} ms"),
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rows",
        nargs="+",
        default=["embedded:30", "embedded:100", "embedded:300", "embedded:1000", "scaled:100:1",
                 "scaled:300:1", "scaled:300:2", "scaled:300:4", "scaled:1000:4"],
        help="mode:channels[:workers]",
    )  # fmt: skip
    parser.add_argument("--no-hints", action="store_true", help="no call-log hints: poll every call")
    parser.add_argument("--rounds", type=float, default=20.0, help="calls = channels × rounds")
    parser.add_argument("--holding", type=float, default=4.5, help="mean real holding time (s), at least")
    parser.add_argument("--max-rate", type=float, default=30.0, help="calls/s a row may need, at most")
    parser.add_argument("--threads", type=int, default=8, help="worker threads per process")
    parser.add_argument(
        "--latency-ms", type=int, default=0, help="the centre's delay per request (a real centre's network)"
    )
    parser.add_argument("--no-raw", action="store_true", help="skip the raw baseline rows")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON lines too")
    args = parser.parse_args(argv)
    global HINTS, LATENCY_MS
    HINTS, LATENCY_MS = not args.no_hints, args.latency_ms
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    print(f"{'row':18}{'holding':>9}" + "".join(f"{h:>11}" for h, _, _ in COLUMNS) + f"{'÷ raw':>8}")
    raws: dict[int, dict[str, float]] = {}
    for spec in args.rows:
        row = Row.parse(spec)
        plan = plan_for(row.channels, args.rounds, args.holding, args.max_rate)
        if row.channels not in raws and not args.no_raw:
            raws[row.channels] = run_raw(plan)
            _print(f"raw:{row.channels}", plan, raws[row.channels], None, args.json)
        if row.mode == "embedded":
            ours = run_embedded(plan, args.threads)
        else:
            ours = run_scaled(plan, row.workers, args.threads)
        _print(spec, plan, ours, raws.get(row.channels), args.json)


def _print(label: str, plan: Plan, f: dict[str, float], raw: dict[str, float] | None, as_json: bool) -> None:
    cells = "".join(f"{fmt.format(f[key]):>11}" for _, key, fmt in COLUMNS)
    ratio = f"{f['cpu_ms_per_call'] / raw['cpu_ms_per_call']:>7.1f}×" if raw else f"{'':>8}"
    print(f"{label:18}{plan.holding_s:>8.1f}s{cells}{ratio}", flush=True)
    if "startup_cpu_s" in f:  # scaled: the processes' start-up, not in CPU/call
        with_startup = f["cpu_ms_per_call"] + 1000 * f["startup_cpu_s"] / f["calls"]
        print(
            f"{'':18}  start-up {f['startup_cpu_s']:.1f} s CPU; with it {with_startup:.1f} ms/call",
            flush=True,
        )
    if as_json:
        print(json.dumps({"row": label, "holding_s": plan.holding_s, **f}), flush=True)


if __name__ == "__main__":
    main()
