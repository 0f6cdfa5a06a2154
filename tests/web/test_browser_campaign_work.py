"""The manager's campaign work in a real headless Chromium: a campaign runs against the simulator,
then the 明细 view with a filter and a search, a 失败号码重呼 campaign from its failed numbers, editing
and copying, and the 系统管理 pages. Screenshots go to tests/artifacts/web/ (the README's come from
here: docs/img/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.scheduler.embedded import EmbeddedEngine
from batch_dialer.scheduler.service import Intervals
from batch_dialer.workers.runtime import Timings
from tests.engine_support import make_campaign, seed_contacts, wait_for
from tests.simulator_fixtures import running_simulator
from tests.web.conftest import MANAGER
from tests.web.test_browser_e2e import _shot, browser  # noqa: F401  (the module's Chromium fixture)

_campaign = table_of(Campaign)


def _status(engine: Engine, campaign_id: int) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(select(_campaign.c.status).where(_campaign.c.id == campaign_id)))


def test_detail_redial_edit_copy_and_admin_in_the_browser(
    browser: Any,  # noqa: F811
    serve: Callable[..., str],
    web_engine: Engine,
) -> None:
    seed_contacts(web_engine, 24)
    cid = make_campaign(web_engine, "满意度回访", channels=5, max_attempts=2)
    with running_simulator(channels=10, speed=300, seed=7) as sim:
        centre = connect(sim.base_url, None)
        url = serve(centre=centre)
        context = browser.new_context(base_url=url, viewport={"width": 1200, "height": 900}, bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto("/login")
        page.fill("input[name=username]", MANAGER[0])
        page.fill("input[name=password]", MANAGER[1])
        page.click("button[type=submit]")
        page.wait_for_url("**/campaigns")

        page.goto(f"/campaigns/{cid}")
        engine_run = EmbeddedEngine(
            web_engine,
            centre,
            timings=Timings(poll_interval_s=0.3),
            intervals=Intervals(pace=0.1, polls=0.2, recover=1, lifecycle=0.3),
        )
        with engine_run:
            page.click("#action-start")
            page.wait_for_selector("#action-pause")
            wait_for(lambda: _status(web_engine, cid) == "completed", timeout=120, what="the campaign to end")

        # 明细: a filter, then a search
        page.goto(f"/campaigns/{cid}")
        page.click("#link-detail")
        page.wait_for_selector("#detail")
        everyone = int(page.inner_text("#detail-total"))
        assert everyone == 24
        page.select_option("#filter-outcome", "answered")
        page.click("#filter-apply")
        page.wait_for_url("**outcome=answered**")
        answered = int(page.inner_text("#detail-total"))
        assert 0 < answered < everyone
        outcomes = page.eval_on_selector_all("[data-outcome]", "cells => cells.map(c => c.dataset.outcome)")
        assert set(outcomes) == {"answered"}
        _shot(page, "21-detail-filtered")
        page.select_option("#filter-outcome", "")
        page.fill("#filter-q", "客户7")
        page.click("#filter-apply")
        page.wait_for_url("**q=**")
        assert page.inner_text("#detail-total") == "1" and "客户7" in page.inner_text("#detail")

        # 失败号码重呼
        page.goto(f"/campaigns/{cid}")
        page.click("#link-redial")
        page.wait_for_selector("#redial-form")
        _shot(page, "22-redial")
        counts = page.eval_on_selector_all(
            "#redial-form input[name=outcome]:checked",
            "boxes => boxes.map(b => Number(b.parentElement.querySelector('[data-count]').textContent))",
        )
        assert sum(counts) > 0
        page.fill("input[name=name]", "满意度回访-重呼")
        page.click("#create-redial")
        page.wait_for_selector("#campaign-form")  # the new draft opens in the edit form
        assert page.input_value("input[name=name]") == "满意度回访-重呼"
        page.fill("input[name=channels]", "3")
        _shot(page, "23-edit")
        page.click("#create-campaign")
        page.wait_for_selector("#forecast")
        assert "线路 3" in page.inner_text(".note")
        assert f"{sum(counts)} 人" in page.inner_text("#forecast")
        redial_url = page.url

        # copy, then cancel asks first
        page.click("#action-copy")
        page.wait_for_selector("#campaign-form")
        assert page.input_value("input[name=name]") == "满意度回访-重呼（副本）"
        page.goto(redial_url)
        page.click("#action-cancel")
        page.wait_for_selector("#confirm-cancel")
        _shot(page, "24-cancel-confirm")
        page.click("#confirm-cancel-yes")
        page.wait_for_selector("#live-status")
        assert page.inner_text("#live-status") == "已取消"

        # 系统管理
        page.click("text=系统管理")
        page.wait_for_selector("#admin-sections")
        _shot(page, "25-admin")
        page.click("#admin-tokens")
        page.fill("#token-form input[name=name]", "crm")
        page.click("#create-token")
        assert page.inner_text("#new-token").startswith("dlr_")
        _shot(page, "26-admin-tokens")
        page.goto("/admin/dnc")
        page.fill("#dnc-add-form textarea[name=phones]", "13800138000\n13912345678")
        page.fill("#dnc-add-form input[name=reason]", "客户要求")
        page.click("#dnc-add")
        page.wait_for_selector("#dnc-message")
        assert "新增 2" in page.inner_text("#dnc-message")
        page.fill("#dnc-q", "12345")
        page.click("#dnc-search")
        page.wait_for_url("**q=12345**")
        assert page.inner_text("#dnc-total") == "1"
        _shot(page, "27-admin-dnc")
        page.goto("/admin/centre")
        page.click("#centre-check")
        page.wait_for_selector("#centre-ok")
        _shot(page, "28-admin-centre")
        page.goto("/users")
        page.fill("#user-add-form input[name=name]", "amy")
        page.fill("#user-add-form input[name=password]", "long-enough-9")
        page.click("#add-user")
        page.wait_for_selector("tr[data-user=amy]")
        context.close()
        centre.close()
