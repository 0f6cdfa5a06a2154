"""One definition per figure: the window closed means nothing is due, cancelled tasks do not fill the
progress bar, the ETA is never before the last waiting retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, update

from batch_dialer.campaigns.campaign_figures import campaign_figures
from batch_dialer.campaigns.lifecycle import cancel, start
from batch_dialer.campaigns.models import CallTask, table_of
from batch_dialer.campaigns.progress import live_figures
from tests.engine_support import make_campaign, seed_contacts

# Monday 2026-11-23 21:13 in Shanghai: after a 09:00-21:00 window
EVENING = datetime(2026, 11, 23, 13, 13, tzinfo=UTC)
MORNING = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai


def test_closed_window_counts_nothing_as_due_and_says_when_it_opens(sqlite_engine: Engine) -> None:
    seed_contacts(sqlite_engine, 5)
    cid = make_campaign(sqlite_engine, "evening", window=["09:00-21:00"])
    start(sqlite_engine, cid, EVENING)
    closed = campaign_figures(sqlite_engine, cid, EVENING)
    assert not closed.window_open
    assert closed.values["due_now"] == 0 and closed.values["waiting_window"] == 5
    assert closed.display["next_open"] == "明天 09:00"
    assert closed.values["next_open"] == "2026-11-24T01:00:00+00:00"
    # the ETA cannot be sooner than the opening: 11 h 47 min away
    assert closed.values["eta_seconds"] >= (timedelta(hours=11, minutes=47)).total_seconds()
    opened = campaign_figures(sqlite_engine, cid, MORNING)
    assert opened.window_open and opened.values["due_now"] == 5 and opened.values["waiting_window"] == 0
    assert live_figures(sqlite_engine, cid, MORNING)["pending_due"] == 5


def test_waiting_retries_hold_the_eta_and_cancelled_tasks_do_not_fill_the_bar(sqlite_engine: Engine) -> None:
    seed_contacts(sqlite_engine, 4)
    cid = make_campaign(sqlite_engine, "retries")
    start(sqlite_engine, cid, MORNING)
    task = table_of(CallTask)
    with sqlite_engine.begin() as conn:  # one task waits two hours for its retry
        first = conn.execute(task.select().where(task.c.campaign_id == cid).limit(1)).one()
        conn.execute(
            update(task).where(task.c.id == first.id).values(next_attempt_at=MORNING + timedelta(hours=2))
        )
    figures = campaign_figures(sqlite_engine, cid, MORNING)
    assert figures.values["waiting_retry"] == 1 and figures.values["due_now"] == 3
    assert figures.values["eta_seconds"] >= 7200
    cancel(sqlite_engine, cid, MORNING)
    after = campaign_figures(sqlite_engine, cid, MORNING)
    assert after.values["progress_done"] == 0 and after.values["progress_total"] == 4
    assert after.values["finished"] == 4
    assert after.values["eta_seconds"] is None and after.display["calls_per_minute"] == "–"
