"""Everything in one process: scheduler ticks, dramatiq workers on an in-process broker, one runtime.

`dialer run` and `dialer demo` use it with fakeredis; tests use it with real Redis too, since
the broker is just a parameter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self

import dramatiq
from sqlalchemy import Engine

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.callcenter.capabilities import CentreAdapter
from batch_dialer.callcenter.guoxin_soap import GuoxinSoap
from batch_dialer.campaigns.clock import Clock, system_clock
from batch_dialer.scheduler.dispatch import Dispatcher, Senders
from batch_dialer.scheduler.leader_lease import DatabaseLease, LeaderLease
from batch_dialer.scheduler.report_job import report_exporter
from batch_dialer.scheduler.service import Intervals, SchedulerService
from batch_dialer.workers.actors import Actors, declare_actors
from batch_dialer.workers.broker import broker_from_url
from batch_dialer.workers.pools import WorkerPools
from batch_dialer.workers.runtime import Runtime, Timings, install_runtime

__all__ = ["EmbeddedEngine", "senders_for"]

log = logging.getLogger("batch_dialer.embedded")


def senders_for(actors: Actors) -> Senders:
    return Senders(
        place=lambda attempt_id: actors.place_attempt.send(attempt_id),
        poll=lambda attempt_ids: actors.poll_attempts.send(attempt_ids),
        place_many=lambda attempt_ids: actors.place_attempts.send(attempt_ids),
    )


class EmbeddedEngine:
    """A context manager that runs the whole engine in this process until closed."""

    def __init__(
        self,
        engine: Engine,
        centre: CentreAdapter,
        *,
        clock: Clock = system_clock,
        timings: Timings | None = None,
        intervals: Intervals | None = None,
        threads: int = 8,
        broker: dramatiq.Broker | None = None,
        lease: LeaderLease | None = None,
        soap_factory: Callable[[], GuoxinSoap] | None = None,
        run_workers: bool = True,
        run_scheduler: bool = True,
        worker_timeout_ms: int = 500,
    ) -> None:
        self.timings = (timings or Timings()).for_centre(centre)
        self.runtime = Runtime(
            engine=engine, centre=centre, clock=clock, timings=self.timings, soap_factory=soap_factory
        )
        self.broker = broker if broker is not None else broker_from_url(None, namespace="dialer-embedded")
        self.actors = declare_actors(self.broker)
        self.dispatcher = Dispatcher(
            engine,
            centre,
            senders_for(self.actors),
            clock,
            claim_lease_s=self.timings.claim_lease_s,
            poll_interval_s=self.timings.poll_interval_s,
            poll_batch=self.timings.poll_batch,
            poll_hints=self.timings.poll_hints,
        )
        self.service = SchedulerService(
            self.dispatcher,
            lease or DatabaseLease(engine, "scheduler", clock=clock),
            intervals,
            report_job=report_exporter(engine, centre if isinstance(centre, CallCenter) else None),
        )
        self.threads = threads
        # the longest an idle consumer waits before it looks again (enqueues in this process wake it at once)
        self.worker_timeout_ms = worker_timeout_ms
        self.run_workers = run_workers
        self.run_scheduler = run_scheduler
        self.pools: WorkerPools | None = None

    def __enter__(self) -> Self:
        install_runtime(self.runtime)
        if self.run_workers:
            self.pools = WorkerPools.start(self.broker, self.threads, wait_ms=self.worker_timeout_ms)
        if self.run_scheduler:
            self.service.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self.run_scheduler:
            self.service.stop()
        if self.pools is not None:
            self.pools.stop()
            self.pools = None
        self.broker.close()
        install_runtime(None)
