"""Jobs rebuilt from the database: nightly cron runs start the campaign, `--report-cron` exports it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.lifecycle import finish_if_done
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.scheduler.dispatch import Dispatcher, Senders
from batch_dialer.scheduler.leader_lease import DatabaseLease
from batch_dialer.scheduler.report_job import report_exporter
from batch_dialer.scheduler.service import SchedulerService
from tests.engine_support import make_campaign, seed_contacts


def _service(engine: Engine, clock: ManualClock) -> SchedulerService:
    centre = connect("http://127.0.0.1:9", None)  # never called by these jobs
    dispatcher = Dispatcher(engine, centre, Senders(place=print, poll=print), clock)
    lease = DatabaseLease(engine, "scheduler", clock=clock)
    return SchedulerService(dispatcher, lease, report_job=report_exporter(engine))


def test_cron_campaign_runs_nightly_and_waits_between_runs(sqlite_engine: Engine) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 11, 0, tzinfo=UTC))
    seed_contacts(sqlite_engine, 3)
    cid = make_campaign(sqlite_engine, cron="0 19 * * mon-fri")
    service = _service(sqlite_engine, clock)
    service.sync_jobs()
    job = service._scheduler.get_job(f"run-{cid}")
    assert job is not None
    assert str(job.trigger.fields[4]) == "mon-fri"  # weekday names, in the campaign's zone
    assert str(job.trigger.timezone) == "Asia/Shanghai"
    service._renew_lease()  # takes the (database) lease: this scheduler is active
    job.func()  # 19:00 arrives
    progress = campaign_progress(sqlite_engine, cid)
    assert progress["status"] == "running" and progress["tasks"] == 3
    # nothing to dial any more (pretend every task ended): it waits for the next night, not "completed"
    from sqlalchemy import update

    from batch_dialer.campaigns.models import CallTask, table_of

    with sqlite_engine.begin() as conn:
        conn.execute(update(table_of(CallTask)).values(state="done", final_at=clock.now()))
    finish_if_done(sqlite_engine, clock.now())
    assert campaign_progress(sqlite_engine, cid)["status"] == "scheduled"
    seed_contacts(sqlite_engine, 2, prefix="135")  # tonight's new contacts join the next run
    job.func()
    assert campaign_progress(sqlite_engine, cid)["tasks"] == 5


def test_report_cron_exports_into_report_dir(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIALER_REPORT_BASE_DIR", str(tmp_path))  # report folders are confined to it
    clock = ManualClock(datetime(2026, 11, 23, 11, 0, tzinfo=UTC))
    seed_contacts(sqlite_engine, 2)
    out = tmp_path / "reports"
    cid = make_campaign(sqlite_engine, report_cron="30 7 * * *", report_dir=str(out))
    service = _service(sqlite_engine, clock)
    service.sync_jobs()
    job = service._scheduler.get_job(f"report-{cid}")
    assert job is not None
    service._renew_lease()  # takes the (database) lease: this scheduler is active
    job.func()
    written = sorted(p.suffix for p in out.iterdir())
    assert written == [".html", ".xlsx"]
    service.leader.clear()  # a stand-by scheduler never writes reports
    for p in out.iterdir():
        p.unlink()
    job.func()
    assert list(out.iterdir()) == []
