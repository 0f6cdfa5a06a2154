"""The scheduler process: APScheduler runs the dispatcher's ticks while this process holds the
leader lease; stand-bys tick too but do nothing until the lease falls to them.

"Holds the lease" is proven on every tick and again right before claiming: the leader flag *and* the
lease's local deadline (see leader_lease). A leader that was frozen (SIGSTOP, a long GC pause, a hung
Redis call) wakes up past its deadline and stands by without claiming anything.

Jobs are rebuilt from the database at start and re-synced periodically (no shared job store).
"""

from __future__ import annotations

import copy
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
from batch_dialer.scheduler.leader_lease import LOCAL_SHARE, LeaderLease

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

    @classmethod
    def for_engine(cls, pace_s: float, poll_interval_s: float, **others: float) -> Intervals:
        """What `dialer run` and `dialer scheduler` use: due polls go out once per poll interval, in one
        batch. A result is then learned at most one interval after its call ended, with call-log hints as
        without them, and each tick's log read and poll messages serve a whole interval of calls (issue 13).
        """
        return cls(pace=pace_s, polls=poll_interval_s, **others)


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
        self.intervals = copy.copy(intervals) if intervals is not None else Intervals()
        # renew at least three times within the locally trusted part of the TTL
        self.intervals.lease = min(self.intervals.lease, lease.ttl_s * LOCAL_SHARE / 3)
        self.report_job = report_job
        self.leader = threading.Event()
        dispatcher.may_claim = self.holds_lease  # the fence the pacer checks right before claiming
        self._scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1}
        )
        self._cron_ids: set[str] = set()

    # -- process control -------------------------------------------------------------------------

    def start(self) -> None:
        iv = self.intervals
        add = self._scheduler.add_job
        add(self._renew_lease, "interval", seconds=iv.lease, id="lease")
        add(self._guarded(self._pace), "interval", seconds=iv.pace, id="pace")
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

    def holds_lease(self) -> bool:
        """The leader flag and a lease whose local deadline has not passed."""
        return self.leader.is_set() and self.lease.valid()

    def _pace(self) -> None:
        report = self.dispatcher.pace()
        if report.claimed:
            log.info("scheduler %s claimed %s", self.lease.holder, dict(report.claimed))

    def _guarded(self, tick: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            if not self.holds_lease():
                if self.leader.is_set():
                    log.warning(
                        "this scheduler (%s) cannot prove its lease (local deadline passed); standing by",
                        self.lease.holder,
                    )
                    self.leader.clear()
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
                created = start(
                    self.dispatcher.engine, campaign_id, self.dispatcher.clock.now(), actor="scheduler"
                )
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
