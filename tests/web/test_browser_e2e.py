"""End to end in a real headless Chromium (Debian's package, driven by Playwright): sign in, upload
the sample list, confirm, create a campaign, start it against the simulator with the engine running
in-process, watch the live view move, download the report. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from batch_dialer.callcenter import connect
from batch_dialer.scheduler.embedded import EmbeddedEngine
from batch_dialer.scheduler.service import Intervals
from batch_dialer.workers.runtime import Timings
from tests.simulator_fixtures import running_simulator
from tests.web.conftest import MANAGER, SAMPLES

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        _unavailable(f"no browser at {CHROMIUM} (make browser installs Debian's chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield launched
        launched.close()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_manager_runs_a_campaign_in_the_browser(
    browser: Any, serve: Callable[..., str], web_engine: Engine, tmp_path: Path
) -> None:
    with running_simulator(channels=10, speed=300, seed=5) as sim:
        centre = connect(sim.base_url, None)
        url = serve(centre=centre)
        context = browser.new_context(
            base_url=url, viewport={"width": 1200, "height": 900}, accept_downloads=True, bypass_csp=True
        )  # the test waits with page functions; the app itself stays under its CSP
        page = context.new_page()
        page.set_default_timeout(30_000)

        page.goto("/campaigns")
        assert "/login" in page.url
        _shot(page, "01-login")
        page.fill("input[name=username]", MANAGER[0])
        page.fill("input[name=password]", MANAGER[1])
        page.click("button[type=submit]")
        page.wait_for_url("**/campaigns")
        _shot(page, "02-campaigns-empty")

        page.click("text=导入名单")
        page.set_input_files("input[type=file]", str(SAMPLES / "客户名单.xlsx"))
        _shot(page, "03-imports")
        page.click("text=上传并预览")
        page.wait_for_selector("#confirm-import")
        assert page.inner_text("#preview-rejected") != "0"
        _shot(page, "04-import-preview")
        page.fill("input[name=tag]", "演示")
        page.click("#confirm-import")
        page.wait_for_selector("#import-result")
        imported = int(page.inner_text("#result-imported"))
        assert imported > 200
        with page.expect_download() as rejects:
            page.click("#rejects-link")
        assert rejects.value.suggested_filename.endswith(".rejects.xlsx")
        _shot(page, "05-import-done")

        page.click("text=用这个批次创建活动")
        page.wait_for_selector("#campaign-form")
        assert page.is_checked("input[name=batch]")
        page.fill("input[name=name]", "满意度回访-网页")
        page.fill("input[name=window]", "00:00-24:00")
        page.fill("input[name=days]", "")
        page.fill("textarea[name=retry]", "busy=2s\nunreachable=2s\nfailed=2s\nunknown=2s")
        page.fill("input[name=channels]", "5")
        page.fill("input[name=ivr_max]", "3")
        page.click("#preview-button")
        page.wait_for_function(
            "document.getElementById('preview-forecast')?.textContent.includes('预计完成于')"
        )
        assert "尊敬的" in page.inner_text("#preview-tts")
        _shot(page, "06-campaign-form")
        page.click("#create-campaign")
        page.wait_for_selector("#forecast")
        _shot(page, "07-campaign-draft")

        engine_run = EmbeddedEngine(
            web_engine,
            centre,
            timings=Timings(poll_interval_s=0.3),
            intervals=Intervals(pace=0.1, polls=0.2, recover=1, lifecycle=0.3),
        )
        with engine_run:
            page.click("#action-start")
            page.wait_for_selector("#action-pause")
            page.wait_for_function(
                "Number(document.querySelector('[data-live=attempts]')?.textContent) > 20"
                " && document.querySelectorAll('#channel-chart path').length > 0",
                timeout=60_000,
            )
            first = int(page.inner_text("[data-live=attempts]"))
            page.wait_for_function(
                f"Number(document.querySelector('[data-live=attempts]')?.textContent) > {first}",
                timeout=60_000,
            )
            _shot(page, "08-campaign-live")
            phone = browser.new_context(
                base_url=url, viewport=PHONE, storage_state=context.storage_state(), bypass_csp=True
            )
            phone_page = phone.new_page()
            phone_page.goto(page.url)
            phone_page.wait_for_function("document.querySelectorAll('#channel-chart path').length > 0")
            _shot(phone_page, "09-campaign-live-phone")
            page.click("#action-pause")
            page.wait_for_selector("#action-resume")

        page.click("text=报告")
        page.wait_for_selector("#downloads")
        assert int(page.inner_text("#answered")) > 0
        _shot(page, "10-report")
        with page.expect_download() as report:
            page.click("#download-xlsx")
        saved = tmp_path / report.value.suggested_filename
        report.value.save_as(saved)
        assert saved.suffix == ".xlsx" and saved.read_bytes()[:2] == b"PK"
        phone_page.goto(page.url)
        _shot(phone_page, "11-report-phone")
        phone_page.goto("/imports")
        _shot(phone_page, "12-imports-phone")
        phone.close()
        context.close()
        centre.close()
