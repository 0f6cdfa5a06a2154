"""A manager's day-to-day campaign work over real HTTP: edit a draft or paused campaign, copy one,
cancel only after confirming, the 明细 view (filters, search, masking, export), 失败号码重呼 and the
contacts pages."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select

from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.models import Campaign, ContactTag, table_of
from tests.engine_support import make_campaign, seed_contacts
from tests.web.campaign_outcomes import campaign_with_outcomes
from tests.web.conftest import VIEWER, sign_in

_campaign = table_of(Campaign)


def _row(engine: Engine, campaign_id: int) -> object:
    with engine.connect() as conn:
        return conn.execute(select(_campaign).where(_campaign.c.id == campaign_id)).one()


def _edit_form(client: object, campaign_id: int) -> dict[str, Any]:
    """The edit page's prefilled values, as the browser would send them back."""
    page = client.get(f"/campaigns/{campaign_id}/edit").text  # type: ignore[attr-defined]
    assert f'action="/campaigns/{campaign_id}/edit"' in page
    values: dict[str, Any] = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name, value = re.search(r'name="(\w+)"', tag), re.search(r'value="([^"]*)"', tag)
        if not name or "checkbox" in tag:
            continue
        values[name[1]] = value[1] if value else ""
    values["day"] = re.findall(r'name="day" value="(\w+)" checked', page)
    values.update(re.findall(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', page))
    return values


def test_edit_a_draft_keeps_what_was_not_changed(
    serve: Callable[..., str], web_engine: Engine, clock: ManualClock
) -> None:
    seed_contacts(web_engine, 5)
    cid = make_campaign(web_engine, "回访", retry=["busy=10m,30m"], window=["09:00-12:00", "14:00-21:00"])
    client, csrf = sign_in(serve(clock=clock))
    form = _edit_form(client, cid)
    assert (form["window_from_1"], form["window_to_1"]) == ("09:00", "12:00")
    assert (form["window_from_2"], form["window_to_2"]) == ("14:00", "21:00")
    assert form["retry_busy"] == "10分钟, 30分钟" and form["retry_unreachable"] == "2小时"
    assert form["day"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    form.update(csrf_token=csrf, kind="tts", all_contacts="1", channels="7", name="回访-改")
    saved = client.post(f"/campaigns/{cid}/edit", data=form)
    assert saved.status_code == 303, saved.text
    row = _row(web_engine, cid)
    assert (row.name, row.channels, row.status) == ("回访-改", 7, "draft")  # type: ignore[attr-defined]
    assert row.windows == ["09:00-12:00", "14:00-21:00"]  # type: ignore[attr-defined]
    assert row.retry["busy"] == [600, 1800]  # type: ignore[attr-defined]
    assert row.tts == {"ttsabc": "尊敬的{name}，请为本次服务打分"}  # type: ignore[attr-defined]

    bad = client.post(f"/campaigns/{cid}/edit", data={**form, "window": "9-21"})
    assert bad.status_code == 422 and 'value="9-21"' in bad.text
    assert re.search(r'id="error-window">拨打时段：拨打时段应为 开始-结束 的时间段.*（--window', bad.text)
    assert _row(web_engine, cid).windows == ["09:00-12:00", "14:00-21:00"]  # type: ignore[attr-defined]


def test_a_running_campaign_cannot_be_edited_but_a_paused_one_can(
    serve: Callable[..., str], web_engine: Engine, clock: ManualClock
) -> None:
    seed_contacts(web_engine, 3)
    cid = make_campaign(web_engine, "回访")
    client, csrf = sign_in(serve(clock=clock))
    form = _edit_form(client, cid)
    form.update(csrf_token=csrf, kind="tts", all_contacts="1")
    assert client.post(f"/campaigns/{cid}/start", data={"csrf_token": csrf}).status_code == 303
    refused = client.post(f"/campaigns/{cid}/edit", data={**form, "channels": "3"})
    assert refused.status_code == 422 and "先暂停" in refused.text
    assert "不能修改" in client.get(f"/campaigns/{cid}/edit").text
    client.post(f"/campaigns/{cid}/pause", data={"csrf_token": csrf})
    assert client.post(f"/campaigns/{cid}/edit", data={**form, "channels": "3"}).status_code == 303
    row = _row(web_engine, cid)
    assert (row.channels, row.status) == (3, "paused")  # type: ignore[attr-defined]


def test_copy_makes_a_draft_with_the_same_settings(
    serve: Callable[..., str], web_engine: Engine, clock: ManualClock
) -> None:
    seed_contacts(web_engine, 3)
    cid = make_campaign(web_engine, "回访", channels=4, retry=["busy=5m"])
    client, csrf = sign_in(serve(clock=clock))
    copied = client.post(f"/campaigns/{cid}/copy", data={"csrf_token": csrf})
    assert copied.status_code == 303 and copied.headers["location"].endswith("/edit")
    new_id = int(copied.headers["location"].split("/")[2])
    again = int(
        client.post(f"/campaigns/{cid}/copy", data={"csrf_token": csrf}).headers["location"].split("/")[2]
    )
    first, second, original = _row(web_engine, new_id), _row(web_engine, again), _row(web_engine, cid)
    assert first.name == "回访（副本）" and second.name == "回访（副本 2）"  # type: ignore[attr-defined]
    assert first.status == "draft" and first.channels == 4  # type: ignore[attr-defined]
    assert first.retry == original.retry and first.tts == original.tts  # type: ignore[attr-defined]


def test_cancel_asks_first(serve: Callable[..., str], web_engine: Engine, clock: ManualClock) -> None:
    seed_contacts(web_engine, 3)
    cid = make_campaign(web_engine, "回访")
    client, csrf = sign_in(serve(clock=clock))
    asked = client.post(f"/campaigns/{cid}/cancel", data={"csrf_token": csrf})
    assert asked.status_code == 200 and 'id="confirm-cancel"' in asked.text
    assert _row(web_engine, cid).status == "draft"  # type: ignore[attr-defined]
    done = client.post(f"/campaigns/{cid}/cancel", data={"csrf_token": csrf, "confirm": "yes"})
    assert done.status_code == 303
    assert _row(web_engine, cid).status == "cancelled"  # type: ignore[attr-defined]


def test_detail_filters_searches_and_masks_for_viewers(
    serve: Callable[..., str], web_engine: Engine, clock: ManualClock
) -> None:
    cid, phones = campaign_with_outcomes(web_engine, clock.now())
    url = serve(clock=clock)
    manager, _ = sign_in(url)
    busy = manager.get(f"/campaigns/{cid}/detail", params={"outcome": "busy"}).text
    assert 'id="detail-total">2<' in busy and phones[2] in busy and phones[0] not in busy
    waiting = manager.get(f"/campaigns/{cid}/detail", params={"retry": "waiting"}).text
    assert 'id="detail-total">1<' in waiting and phones[6] in waiting
    found = manager.get(f"/campaigns/{cid}/detail", params={"q": phones[4][-5:]}).text
    assert 'id="detail-total">1<' in found and "第 3 次" in found
    by_name = manager.get(f"/campaigns/{cid}/detail", params={"q": "客户1"}).text
    assert 'id="detail-total">1<' in by_name and "satisfact=4" in by_name and "42 秒" in by_name
    assert manager.get(f"/campaigns/{cid}/detail", params={"outcome": "nope"}).status_code == 422

    viewer, _ = sign_in(url, VIEWER)
    masked = viewer.get(f"/campaigns/{cid}/detail").text
    assert phones[0] not in masked and f"{phones[0][:3]}****{phones[0][-4:]}" in masked

    exported = manager.get(f"/campaigns/{cid}/detail.csv", params={"outcome": "busy"})
    assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["姓名", "电话", "最终结果"] and len(rows) == 1 + 2 * 3  # one line per attempt
    assert {r[1] for r in rows[1:]} == {phones[2], phones[3]} and {r[2] for r in rows[1:]} == {"忙"}
    viewer_csv = viewer.get(f"/campaigns/{cid}/detail.csv").content.decode("utf-8-sig")
    assert phones[0] not in viewer_csv


def test_redial_failed_numbers_makes_a_campaign_of_exactly_those(
    serve: Callable[..., str], web_engine: Engine, clock: ManualClock
) -> None:
    cid, _phones = campaign_with_outcomes(web_engine, clock.now())
    client, csrf = sign_in(serve(clock=clock))
    page = client.get(f"/campaigns/{cid}/redial").text
    assert 'data-count="busy">2<' in page and 'value="busy" checked' in page
    assert 'value="answered" checked' not in page
    none = client.post(f"/campaigns/{cid}/redial", data={"csrf_token": csrf, "name": "x"})
    assert none.status_code == 422 and "至少选择" in none.text
    made = client.post(
        f"/campaigns/{cid}/redial",
        data={"csrf_token": csrf, "name": "回访-重呼", "outcome": ["busy", "power_off"]},
    )
    assert made.status_code == 303, made.text
    new_id = int(made.headers["location"].split("/")[2])
    row = _row(web_engine, new_id)
    original = _row(web_engine, cid)
    assert row.name == "回访-重呼" and row.status == "draft" and row.tts == original.tts  # type: ignore[attr-defined]
    tag = row.audience["tags"][0]  # type: ignore[attr-defined]
    with web_engine.connect() as conn:
        tagged = set(
            conn.scalars(select(table_of(ContactTag).c.contact_id).where(table_of(ContactTag).c.tag == tag))
        )
    assert len(tagged) == 3
    forecast = client.get(f"/campaigns/{new_id}").text
    assert "3 人" in forecast


def test_contacts_search_history_and_tags(
    serve: Callable[..., str], web_engine: Engine, clock: ManualClock
) -> None:
    _cid, phones = campaign_with_outcomes(web_engine, clock.now())
    url = serve(clock=clock)
    client, csrf = sign_in(url)
    found = client.get("/contacts", params={"q": phones[2]}).text
    assert 'id="contacts-total">1<' in found
    contact_id = int(found.split('href="/contacts/')[1].split('"')[0])
    card = client.get(f"/contacts/{contact_id}").text
    assert "回访" in card and "第 3 次" in card and "忙" in card
    assert (
        client.post(f"/contacts/{contact_id}/tags", data={"csrf_token": csrf, "tag": "vip"}).status_code
        == 303
    )
    assert 'data-tag="vip"' in client.get(f"/contacts/{contact_id}").text
    assert 'id="contacts-total">1<' in client.get("/contacts", params={"tag": "vip"}).text
    client.post(f"/contacts/{contact_id}/tags", data={"csrf_token": csrf, "remove": "vip"})
    assert 'data-tag="vip"' not in client.get(f"/contacts/{contact_id}").text
    viewer, _ = sign_in(url, VIEWER)
    assert phones[2] not in viewer.get(f"/contacts/{contact_id}").text
    assert viewer.post(f"/contacts/{contact_id}/tags", data={"tag": "x"}).status_code == 403


def test_preview_picks_the_contact_and_counts_missing_placeholders(
    serve: Callable[..., str], web_engine: Engine, clock: ManualClock
) -> None:
    seed_contacts(web_engine, 4)
    client, csrf = sign_in(serve(clock=clock))
    form = {
        "name": "x",
        "kind": "tts",
        "all_contacts": "1",
        "toneid": "20",
        "tts": "ttsabc=尊敬的{name}，{company}的客户",
    }
    preview = client.post("/api/campaigns/preview", data=form, headers={"X-CSRF-Token": csrf}).json()
    assert preview["placeholders"]["contact"]["name"] == "客户0"
    picked = client.post(
        "/api/campaigns/preview", data={**form, "preview_contact": "客户2"}, headers={"X-CSRF-Token": csrf}
    ).json()
    assert picked["tts"]["ttsabc"] == "尊敬的客户2，的客户"
    assert picked["placeholders"]["contact"] == {"name": "客户2", "phone": "139****0002"}
    assert picked["placeholders"]["empty"] == ["company"]
    assert picked["placeholders"]["missing"] == {"name": 0, "company": 4}


def test_creating_a_campaign_nobody_matches_warns(
    serve: Callable[..., str], web_engine: Engine, clock: ManualClock
) -> None:
    seed_contacts(web_engine, 2)
    client, csrf = sign_in(serve(clock=clock))
    form = {
        "csrf_token": csrf,
        "name": "x",
        "kind": "tts",
        "tag": "nobody",
        "toneid": "20",
        "tts": "ttsabc=您好",
    }
    created = client.post("/campaigns/new", data=form)
    assert created.status_code == 303 and created.headers["location"].endswith("?notice=no_contacts")
    assert 'id="campaign-notice"' in client.get(created.headers["location"]).text
    fine = client.post("/campaigns/new", data={**form, "name": "y", "tag": "", "all_contacts": "1"})
    assert "notice" not in fine.headers["location"]
    assert 'id="campaign-notice"' not in client.get(fine.headers["location"]).text


def test_the_form_widgets_make_the_options(
    serve: Callable[..., str], web_engine: Engine, clock: ManualClock
) -> None:
    seed_contacts(web_engine, 2)
    client, csrf = sign_in(serve(clock=clock))
    form = {
        "csrf_token": csrf,
        "name": "工作日晚上",
        "kind": "tts",
        "all_contacts": "1",
        "toneid": "20",
        "tts": "ttsabc=您好",
        "window_from_1": "09:00",
        "window_to_1": "12:00",
        "window_from_2": "19:00",
        "window_to_2": "00:00",
        "day": ["mon", "tue", "wed", "thu", "fri"],
        "retry_busy": "5分钟、1小时",
        "retry_failed": "15分钟",
        "schedule_days": "mon-fri",
        "schedule_time": "19:00",
    }
    created = client.post("/campaigns/new", data=form)
    assert created.status_code == 303, created.text
    row = _row(web_engine, int(created.headers["location"].split("/")[2]))
    assert row.windows == ["09:00-12:00", "19:00-24:00"] and row.days == "mon-fri"  # type: ignore[attr-defined]
    assert row.retry["busy"] == [300, 3600] and row.retry["failed"] == [900]  # type: ignore[attr-defined]
    assert row.cron == "0 19 * * mon-fri" and row.status == "scheduled"  # type: ignore[attr-defined]
    typed = client.post("/campaigns/new", data={**form, "name": "b", "retry": "busy=1m"})
    assert _row(web_engine, int(typed.headers["location"].split("/")[2])).retry["busy"] == [60]  # type: ignore[attr-defined]
    wrong = client.post("/campaigns/new", data={**form, "name": "c", "retry_busy": "五分钟"})
    assert wrong.status_code == 422 and 'id="error-retry">重拨间隔：' in wrong.text
