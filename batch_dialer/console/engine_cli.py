"""`dialer scheduler` and `dialer worker`: the scaled-out engine processes (Redis + a shared database)."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.campaigns.clock import system_clock
from batch_dialer.campaigns.engine_heartbeat import HeartbeatWriter
from batch_dialer.campaigns.retention import apply_retention
from batch_dialer.campaigns.settings import Settings
from batch_dialer.console.cli import load_settings
from batch_dialer.console.context import open_adapter_for, open_engine, soap_factory
from batch_dialer.console.errors import UserError
from batch_dialer.console.log_setup import configure_logging
from batch_dialer.scheduler.dispatch import Dispatcher
from batch_dialer.scheduler.embedded import senders_for
from batch_dialer.scheduler.leader_lease import RedisLease
from batch_dialer.scheduler.report_job import report_exporter
from batch_dialer.scheduler.service import Intervals, SchedulerService
from batch_dialer.workers.actors import declare_actors
from batch_dialer.workers.broker import broker_from_url
from batch_dialer.workers.pools import WorkerPools
from batch_dialer.workers.runtime import Runtime, Timings, install_runtime

__all__ = ["register", "run_worker_process"]

log = logging.getLogger("batch_dialer.engine")

#: how long an idle worker consumer waits before it looks at Redis again: the safety net only, since the
#: scheduler's enqueue wakes it at once over pub/sub (see waking_broker)
WORKER_WAIT_MS = 500


def _scaled_settings(command: str) -> Settings:
    settings = load_settings()
    if settings.embedded:
        raise UserError(
            f"dialer {command} needs DIALER_REDIS_URL; without Redis use `dialer run NAME` (embedded)"
        )
    return settings


def _wait_for_signal(beat: Callable[[], None] | None = None) -> None:
    """Until SIGINT/SIGTERM; ``beat`` (the scheduler's heartbeat) runs every two seconds meanwhile."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(2.0):
        if beat is not None:
            beat()


def _timings(settings: Settings, centre: object) -> Timings:
    return Timings(
        poll_interval_s=settings.poll_interval,
        claim_lease_s=settings.claim_lease,
        poll_hints=settings.poll_hints,
        request_timeout_s=settings.http_timeout + settings.http_connect_timeout,
    ).for_centre(centre)


def scheduler(
    lease_ttl: Annotated[float, typer.Option(help="seconds a dead leader keeps the lease")] = 10.0,
) -> None:
    """Run the scheduler (pacer, polls, recovery, campaign start/stop). Start more for stand-by."""
    settings = _scaled_settings("scheduler")
    configure_logging(settings.log_level, default="INFO")
    engine = open_engine(settings)
    centre = open_adapter_for(settings)
    broker = broker_from_url(settings.redis_url, settings.redis_namespace)
    actors = declare_actors(broker)
    timings = _timings(settings, centre)
    dispatcher = Dispatcher(
        engine,
        centre,
        senders_for(actors),
        system_clock,
        claim_lease_s=timings.claim_lease_s,
        poll_interval_s=timings.poll_interval_s,
        poll_batch=timings.poll_batch,
        poll_hints=timings.poll_hints,
    )
    lease = RedisLease(broker.client, f"{settings.redis_namespace}:scheduler-lease", ttl_s=lease_ttl)
    service = SchedulerService(
        dispatcher,
        lease,
        Intervals.for_engine(settings.pacer_interval, settings.poll_interval),
        report_job=report_exporter(engine, centre if isinstance(centre, CallCenter) else None),
    )
    service.start()
    typer.echo(f"scheduler {lease.holder} running (stand-by until it holds the lease)")
    heartbeat = HeartbeatWriter(engine, "scheduler", None, system_clock.now())
    try:
        _wait_for_signal(_Chores(heartbeat, service, settings.retention_days))
    finally:
        service.stop()
        heartbeat.stop(system_clock.now())
        broker.close()


class _Chores:
    """What the scheduler does besides dialling: its heartbeat every beat, retention once a day (leader)."""

    def __init__(self, heartbeat: HeartbeatWriter, service: SchedulerService, retention_days: int) -> None:
        self.heartbeat, self.service, self.retention_days = heartbeat, service, retention_days
        self.retention_due = system_clock.now()

    def __call__(self) -> None:
        now = system_clock.now()
        leading = self.service.leader.is_set()
        try:  # a database hiccup must not stop the scheduler: the next beat tries again
            self.heartbeat.beat(now, "调度中（主）" if leading else "备用调度器（等待接管）")
            if leading and self.retention_days > 0 and now >= self.retention_due:
                self.retention_due = now + timedelta(days=1)
                done = apply_retention(self.heartbeat.engine, now, self.retention_days, actor="scheduler")
                if done.campaigns:
                    log.info("retention masked %d campaign(s)", len(done.campaigns))
        except SQLAlchemyError:
            log.warning("heartbeat or retention not written; next try in 2 s", exc_info=True)


def run_worker_process(threads: int) -> None:
    """One worker process: the runtime, the actors, a dramatiq Worker until SIGTERM/SIGINT."""
    settings = load_settings()
    configure_logging(settings.log_level, default="INFO")  # also in spawned worker processes
    engine = open_engine(settings)
    centre = open_adapter_for(settings)
    install_runtime(
        Runtime(
            engine=engine,
            centre=centre,
            timings=_timings(settings, centre),
            soap_factory=soap_factory(settings),
        )
    )
    broker = broker_from_url(settings.redis_url, settings.redis_namespace)
    declare_actors(broker)
    # placements come from the scheduler's process, so only the wait bounds how long one sits in Redis
    pools = WorkerPools.start(broker, threads, wait_ms=WORKER_WAIT_MS)
    log.info("worker started with %d threads", threads)
    try:
        _wait_for_signal()
    finally:
        pools.stop()
        broker.close()


def worker(
    processes: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
    threads: Annotated[int | None, typer.Option(min=1, help="threads per process")] = None,
) -> None:
    """Run workers that place calls and collect results (needs DIALER_REDIS_URL)."""
    settings = _scaled_settings("worker")
    threads = threads or settings.worker_threads
    typer.echo(f"worker: {processes} process(es) × {threads} threads on {settings.redis_namespace}")
    if processes == 1:
        run_worker_process(threads)
        return
    ctx = multiprocessing.get_context("spawn")
    children = [
        ctx.Process(target=run_worker_process, args=(threads,), daemon=False) for _ in range(processes)
    ]
    for child in children:
        child.start()
    try:
        _wait_for_signal()
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.join(15)


def register(app: typer.Typer) -> None:
    app.command("scheduler")(scheduler)
    app.command("worker")(worker)
