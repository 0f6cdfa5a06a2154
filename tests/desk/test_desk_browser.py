"""The desk in a real headless Chromium (Debian's package, through Playwright) against the fake CTI
and the ctibar.js test double, under the page's own Content-Security-Policy: an agent signs in to
the CTI, goes ready, previews a contact, calls, the callee answers, the call is hung up, the
disposition is saved and the next contact comes; a second agent never gets the same contact; a
closed tab gives its contact back after the lease; a 约定回拨 comes back to the same agent at its time.
Screenshots go to tests/artifacts/desk/ (the README's come from there)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from batch_dialer.campaigns.desk_models import DeskCall, DeskReservation
from batch_dialer.campaigns.models import CallAttempt, table_of
from tests.desk.conftest import AGENTS, MANAGER, Desk
from tests.desk.fake_cti import Callee
from tests.web.test_browser_e2e import browser

__all__ = ["browser"]  # the module-scoped Chromium fixture, shared with the web end-to-end tests

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "desk"
LEASE_S = 20.0


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _desk_page(browser: Any, desk: Desk, name: str, problems: list[str]) -> tuple[Any, Any]:
    context = browser.new_context(base_url=desk.url, viewport={"width": 1100, "height": 860}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    # script errors and CSP violations are problems; the wrong CTI password's 401 is expected
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith(("/api/desk/cti/signin", "/favicon.ico"))
            else None
        ),
    )
    page.goto("/login?next=/desk")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", AGENTS[name][0])
    page.click("button[type=submit]")
    page.wait_for_url("**/desk")
    return context, page


def _bar(page: Any, label: str) -> None:
    page.wait_for_selector(f"#bar-state:text-is('{label}')")


def _sign_in_and_ready(page: Any, name: str) -> None:
    page.fill("#cti-password", AGENTS[name][2])
    page.click("#cti-signin")
    _bar(page, "已连接")
    page.click("#btn-login")
    _bar(page, "已签入")
    page.click("#btn-ready")


def _contact(page: Any, name: str) -> None:
    page.wait_for_selector(f"#contact:not([hidden]) #c-name:text-is('{name}')")


def test_agents_work_the_desk_in_the_browser(browser: Any, desk_factory: Callable[..., Desk]) -> None:
    desk = desk_factory(contacts=3, lease_s=LEASE_S)
    desk.fake.callees[desk.phones[0]] = Callee(answer_s=0.3, hang_up=False)  # stays on until 挂断
    problems: list[str] = []
    amy_context, amy = _desk_page(browser, desk, "amy", problems)
    _shot(amy, "01-desk-sign-in")

    amy.fill("#cti-password", "not-the-password")
    amy.click("#cti-signin")
    amy.wait_for_selector("#cti-error:has-text('code 7')")
    assert amy.input_value("#cti-password") == ""
    _sign_in_and_ready(amy, "amy")
    _contact(amy, "客户1")
    assert amy.inner_text("#c-phone") == "138****8000"
    assert desk.phones[0] not in amy.content()
    assert "金卡" in amy.inner_text("#c-extra") and "网速慢" in amy.inner_text("#c-note")
    assert amy.inner_text("#c-script") == "话术：您好客户1，我是宽带客服，回访一下您上次反馈的问题"
    _shot(amy, "02-desk-contact")

    amy.click("#btn-dial")
    amy.wait_for_selector("#call-state:text-is('通话中')")
    assert desk.fake.calls[-1]["to"] == desk.phones[0]  # makecall got the full number
    assert ("amy.cti", "busy") in desk.fake.ops  # 示忙 before the outbound call, as the document advises
    _shot(amy, "03-desk-on-call")
    desk.clock.advance(95)  # a minute and a half of talk on the server's clock
    amy.click("#btn-hangup")
    amy.wait_for_selector("#disposition:not([hidden])")
    amy.fill("#disp-note", "客户很满意新套餐")
    _shot(amy, "04-desk-disposition")
    amy.click("#disposition [data-csat='1']")
    _contact(amy, "客户2")  # the next contact comes by itself
    _bar(amy, "示闲")
    first = _call_row(desk, 1)
    assert first.disposition == "csat" and first.csat == 1 and first.note == "客户很满意新套餐"
    assert first.call_id and first.callee_answered_at and first.hung_up_at and first.talk_s == 95

    bob_context, bob = _desk_page(browser, desk, "bob", problems)
    _sign_in_and_ready(bob, "bob")
    _contact(bob, "客户3")  # never amy's 客户2
    bob.click("#btn-dial")  # the default callee answers and hangs up by itself
    bob.wait_for_selector("#disposition:not([hidden])")
    bob.fill("#callback-at", "2026-11-23T13:30")  # Shanghai time, the campaign's zone
    bob.click("#disposition [data-disp='callback']")
    bob.wait_for_selector("#no-contact:not([hidden])")

    amy_context.close()  # amy closes the tab while 客户2 is on her desk
    desk.clock.advance(LEASE_S + 1)
    _contact(bob, "客户2")  # released after the lease, offered to bob
    bob.click("#btn-dial")
    bob.wait_for_selector("#disposition:not([hidden])")
    bob.click("#disposition [data-disp='empty']")
    bob.wait_for_selector("#no-contact:not([hidden])")
    _shot(bob, "05-desk-waiting")

    with desk.engine.connect() as conn:
        (reservation,) = conn.execute(select(table_of(DeskReservation))).all()
    desk.clock.set(reservation.due_at + timedelta(seconds=1))
    _contact(bob, "客户3")  # the 约定回拨 comes back to bob at its time
    bob.wait_for_selector("#c-callback:not([hidden])")
    assert "约定回拨" in bob.inner_text("#c-history")
    _shot(bob, "06-desk-callback")

    manager_context = browser.new_context(base_url=desk.url, viewport={"width": 1100, "height": 700})
    manager = manager_context.new_page()
    manager.goto("/login")
    manager.fill("input[name=username]", MANAGER[0])
    manager.fill("input[name=password]", MANAGER[1])
    manager.click("button[type=submit]")
    manager.wait_for_url("**/campaigns")
    manager.goto(f"/desk/campaigns/{desk.campaign_id}")
    assert manager.inner_text("#desk-by-agent tr[data-agent=amy] .calls") == "1"
    assert manager.inner_text("#desk-by-agent tr[data-agent=bob] .calls") == "2"
    _shot(manager, "07-desk-manager")
    for context in (bob_context, manager_context):
        context.close()
    assert not problems, problems


def _call_row(desk: Desk, attempt_id: int) -> Any:
    desk_call, attempt = table_of(DeskCall), table_of(CallAttempt)
    with desk.engine.connect() as conn:
        return conn.execute(
            select(desk_call)
            .join(attempt, attempt.c.id == desk_call.c.attempt_id)
            .where(attempt.c.id == attempt_id)
        ).one()
