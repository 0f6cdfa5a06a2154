"""In a real headless Chromium: the console says what is really happening (issue 14).

- pause in the web → `dialer run` waits (its heartbeat says so) → 继续 → the calls go on to completion;
- a start outside the calling window shows 下次拨打 明天 09:00 and counts nothing as due;
- an opt-out key pressed in a TTS campaign ends on the DNC list, and the audit page shows it.

Screenshots go to tests/artifacts/web/ (the README's copies are in docs/img/).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.models import DoNotCall, table_of
from batch_dialer.campaigns.settings import Settings
from batch_dialer.console.run_cli import run_campaign, start_warnings
from batch_dialer.scheduler.embedded import EmbeddedEngine
from batch_dialer.scheduler.service import Intervals
from batch_dialer.workers.runtime import Timings
from tests.engine_support import make_campaign, seed_contacts
from tests.simulator_fixtures import running_simulator
from tests.web.conftest import MANAGER
from tests.web.test_browser_e2e import _shot, browser

__all__ = ["browser"]  # the module-scoped Chromium fixture, shared with the first end-to-end test


def _signed_in(browser: Any, url: str) -> tuple[Any, Any]:
    context = browser.new_context(base_url=url, viewport={"width": 1200, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto("/login")
    page.fill("input[name=username]", MANAGER[0])
    page.fill("input[name=password]", MANAGER[1])
    page.click("button[type=submit]")
    page.wait_for_url("**/campaigns")
    return context, page


def test_pause_in_the_web_makes_dialer_run_wait_and_resume_goes_on(
    browser: Any, serve: Callable[..., str], web_engine: Engine
) -> None:
    seed_contacts(web_engine, 150)
    cid = make_campaign(web_engine, "暂停继续", channels=5, max_attempts=2)
    outcome: dict[str, Any] = {}
    with running_simulator(channels=10, speed=200, seed=4) as sim:
        centre = connect(sim.base_url, None)
        url = serve(centre=centre)
        settings = Settings(
            database_url="sqlite://", callcenter_url=sim.base_url, poll_interval=0.3, pacer_interval=0.1
        )

        def run() -> None:  # what `dialer run 暂停继续` does, in this process
            try:
                outcome["progress"] = run_campaign(settings, web_engine, centre, str(cid), show_live=False)
            except BaseException as exc:
                outcome["error"] = exc

        runner = threading.Thread(target=run, daemon=True)
        runner.start()
        context, page = _signed_in(browser, url)
        page.goto(f"/campaigns/{cid}")
        page.wait_for_function(
            "document.getElementById('engine-status')?.textContent.includes('拨号引擎运行中')"
        )
        page.wait_for_function("Number(document.querySelector('[data-live=attempts]')?.textContent) > 5")
        page.click("#action-pause")
        page.wait_for_selector("#action-resume")
        page.wait_for_function(
            "document.getElementById('engine-status')?.textContent.includes('活动已暂停，等待继续')",
            timeout=30_000,
        )
        _shot(page, "20-campaign-paused-engine-waits")
        assert runner.is_alive(), f"dialer run stopped on pause: {outcome.get('error')!r}"
        held = int(page.inner_text("[data-live=attempts]"))
        page.click("#action-resume")
        page.wait_for_function(
            f"Number(document.querySelector('[data-live=attempts]')?.textContent) > {held}", timeout=60_000
        )
        runner.join(timeout=180)
        assert "error" not in outcome and outcome["progress"]["status"] == "completed", outcome
        page.reload()
        page.wait_for_function("document.getElementById('engine-status')?.textContent.includes('最后心跳')")
        assert page.inner_text("#live-status") == "已完成"
        _shot(page, "21-campaign-done-engine-gone")
        context.close()
        centre.close()


def test_a_start_outside_the_window_shows_the_next_opening(
    browser: Any, serve: Callable[..., str], web_engine: Engine
) -> None:
    evening = ManualClock(datetime(2026, 11, 23, 13, 13, tzinfo=UTC))  # Monday 21:13 in Shanghai
    seed_contacts(web_engine, 12)
    cid = make_campaign(web_engine, "晚间开始", window=["09:00-21:00"])
    url = serve(clock=evening)
    context, page = _signed_in(browser, url)
    page.goto(f"/campaigns/{cid}")
    page.click("#action-start")
    page.wait_for_selector("#action-pause")
    assert page.is_visible("#next-open")
    assert "下次拨打 明天 09:00" in page.inner_text("#next-open")
    assert page.inner_text("[data-live=due_now]") == "0"
    assert page.inner_text("[data-live=waiting_window]") == "12"
    assert page.is_visible("#forecast")  # the forecast stays after the start
    assert "拨号引擎未运行" in page.inner_text("#engine-status")
    _shot(page, "22-campaign-started-outside-window")
    warnings = start_warnings(web_engine, cid, evening.now())
    assert any("下次拨打 明天 09:00" in w for w in warnings)
    context.close()


def test_an_opt_out_key_ends_on_the_dnc_list_and_the_audit_page(
    browser: Any, serve: Callable[..., str], web_engine: Engine
) -> None:
    seed_contacts(web_engine, 30)
    cid = make_campaign(web_engine, "拒绝来电", optout_key="1", max_attempts=2)
    with running_simulator(channels=20, speed=300, seed=3) as sim:
        centre = connect(sim.base_url, None)
        url = serve(centre=centre)
        context, page = _signed_in(browser, url)
        page.goto(f"/campaigns/{cid}")
        with EmbeddedEngine(
            web_engine,
            centre,
            timings=Timings(poll_interval_s=0.3),
            intervals=Intervals(pace=0.1, polls=0.2, recover=1, lifecycle=0.3),
        ):
            page.click("#action-start")
            page.wait_for_function(
                "document.getElementById('live-status')?.textContent === '已完成'", timeout=120_000
            )
        with web_engine.connect() as conn:
            listed = list(conn.scalars(select(table_of(DoNotCall).c.phone)))
        assert listed, "no callee pressed the opt-out key"
        page.goto("/audit?action=opt_out")
        rows = page.locator("#audit tr[data-action=opt_out]")
        assert rows.count() == len(listed)
        assert "拒绝来电（加入免打扰）" in rows.first.inner_text()
        page.goto(f"/audit?campaign={cid}")
        assert page.locator("#audit tr[data-action=start]").count() == 1
        assert page.locator("#audit tr[data-action=dial]").count() > 0
        _shot(page, "23-audit")
        context.close()
        centre.close()
