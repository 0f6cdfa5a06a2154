"""The scheduler process: APScheduler runs the dispatcher's ticks while this process holds the
leader lease; stand-bys tick too but do nothing until the lease falls to them.

Jobs are rebuilt from the database at start and re-synced periodically (no shared job store).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from batch_dialer.campaigns.lifecycle import LifecycleError, start
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.scheduler.dispatch import Dispatcher
from batch_dialer.scheduler.leader_lease import LeaderLease

__all__ = ["Intervals", "SchedulerService"]

log = logging.getLogger("batch_dialer.scheduler")
_campaign = table_of(Campaign)


class Intervals:
    def __init__(
        self,
        pace: float = 1.0,
        polls: float = 1.0,
        recover: float = 5.0,
        lifecycle: float = 2.0,
        lease: float = 1.0,
        sync: float = 30.0,
    ) -> None:
        self.pace, self.polls, self.recover = pace, polls, recover
        self.lifecycle, self.lease, self.sync = lifecycle, lease, sync


class SchedulerService:
    def __init__(
        self,
        dispatcher: Dispatcher,
        lease: LeaderLease,
        intervals: Intervals | None = None,
        report_job: Callable[[int], None] | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.lease = lease
        self.intervals = intervals or Intervals()
        self.report_job = report_job
        self.leader = threading.Event()
        self._scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1}
        )
        self._cron_ids: set[str] = set()

    # -- process control -------------------------------------------------------------------------

    def start(self) -> None:
        iv = self.intervals
        add = self._scheduler.add_job
        add(self._renew_lease, "interval", seconds=iv.lease, id="lease")
        add(self._guarded(self.dispatcher.pace), "interval", seconds=iv.pace, id="pace")
        add(self._guarded(self.dispatcher.dispatch_polls), "interval", seconds=iv.polls, id="polls")
        add(self._guarded(self.dispatcher.recover), "interval", seconds=iv.recover, id="recover")
        add(self._guarded(self.dispatcher.lifecycle), "interval", seconds=iv.lifecycle, id="lifecycle")
        add(self.sync_jobs, "interval", seconds=iv.sync, id="sync")
        self._renew_lease()
        self.sync_jobs()
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        if self.leader.is_set():
            self.lease.release()
            self.leader.clear()

    def _renew_lease(self) -> None:
        try:
            held = self.lease.acquire()
        except Exception as exc:  # Redis/DB hiccup: stop leading rather than risk two leaders
            log.warning("lease renewal failed: %s", exc)
            held = False
        if held and not self.leader.is_set():
            log.info("this scheduler (%s) is now active", self.lease.holder)
            self.leader.set()
        elif not held and self.leader.is_set():
            log.warning("this scheduler (%s) lost the lease; standing by", self.lease.holder)
            self.leader.clear()

    def _guarded(self, tick: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            if not self.leader.is_set():
                return
            try:
                tick()
            except Exception:  # one failed tick must not kill the job; the next one retries
                log.exception("scheduler tick %s failed", getattr(tick, "__name__", tick))

        return run

    # -- jobs from the database ------------------------------------------------------------------

    def sync_jobs(self) -> None:
        """(Re)build the cron jobs: nightly campaign runs and scheduled report exports."""
        wanted: dict[str, tuple[CronTrigger, Callable[[], None]]] = {}
        with self.dispatcher.engine.connect() as conn:
            rows = conn.execute(
                select(_campaign.c.id, _campaign.c.cron, _campaign.c.report_cron, _campaign.c.tz).where(
                    _campaign.c.status.not_in(("cancelled",))
                )
            ).all()
        for row in rows:
            if row.cron:
                trigger = CronTrigger.from_crontab(row.cron, timezone=row.tz)
                wanted[f"run-{row.id}"] = (trigger, self._guarded(self._run_starter(row.id)))
            if row.report_cron and self.report_job is not None:
                trigger = CronTrigger.from_crontab(row.report_cron, timezone=row.tz)
                wanted[f"report-{row.id}"] = (trigger, self._guarded(self._reporter(row.id)))
        for job_id in self._cron_ids - wanted.keys():
            self._scheduler.remove_job(job_id)
        for job_id, (trigger, func) in wanted.items():
            self._scheduler.add_job(func, trigger, id=job_id, replace_existing=True)
        self._cron_ids = set(wanted)

    def _run_starter(self, campaign_id: int) -> Callable[[], None]:
        def run() -> None:
            try:
                created = start(self.dispatcher.engine, campaign_id, self.dispatcher.clock.now())
                log.info("scheduled run of campaign %s started (%d new tasks)", campaign_id, created)
            except LifecycleError as exc:
                log.info("scheduled run of campaign %s skipped: %s", campaign_id, exc)

        run.__name__ = f"run_campaign_{campaign_id}"
        return run

    def _reporter(self, campaign_id: int) -> Callable[[], None]:
        def run() -> None:
            assert self.report_job is not None
            self.report_job(campaign_id)

        run.__name__ = f"report_campaign_{campaign_id}"
        return run
