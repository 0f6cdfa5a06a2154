"""The 800ing webhook endpoints over real HTTP (uvicorn), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import statistics
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from batch_dialer.campaigns.ing800_models import Ing800Push
from batch_dialer.campaigns.models import table_of
from batch_dialer.importers.do_not_call import list_dnc
from batch_dialer.web.hook_settings import HookSettings
from batch_dialer.web.hooks_800ing import HookState, KeyReplyPolicy, install_hook_log_redaction
from batch_dialer.web.hooks_app import create_hooks_app
from tests.ing800.serving import serve_app

SECRET = "s3cr3t-hook-path"
PUSHES = table_of(Ing800Push)
MEMO = {
    "cdrId": 2323,
    "cdrExtension": "8002",
    "cdrTalktime": 42,
    "cdrHangupReasonCode": "16",
    "cdrHangupReasonText": "NORMAL_CLEARING",
    "cdrIVRKey": "1",
    "cdrRecordFile": "2020/09/25/2323.wav",
    "paramvalue": "c1ab-t2-a1",
    "cdrPhoneNum": "13688888888",
}


def hook_state(engine: Engine, secret: str | None = SECRET, opt_out: str | None = "9") -> HookState:
    settings = HookSettings(
        hook_secret=secret, key_reply="感谢您的评价", opt_out_key=opt_out, opt_out_reply="已退订"
    )
    return HookState.from_settings(engine, settings)


@pytest.fixture
def base(engine: Engine) -> Iterator[str]:
    with serve_app(create_hooks_app(hook_state(engine))) as url:
        yield f"{url}/hooks/800ing/{SECRET}"


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(PUSHES)).scalar_one())


def push_params(kind: int = 3) -> dict[str, str]:
    return {"type": str(kind), "phone": "13688888888", "peer": "1", "memo": json.dumps(MEMO)}


def timed_get(url: str, params: dict[str, str]) -> tuple[httpx.Response, float]:
    """The answer and the median of five round trips on one warm keep-alive connection, in ms."""
    with httpx.Client() as client:
        client.get(url, params=params)  # warm-up: the server's first request starts its thread pool
        times = []
        for _ in range(5):
            started = time.perf_counter()
            response = client.get(url, params=params)
            times.append((time.perf_counter() - started) * 1000)
    return response, statistics.median(times)


def test_document_example_push_is_stored_and_answered_ok(base: str, engine: Engine) -> None:
    # §2.7 例: ?type=3&phone=13688888888&peer=1&memo={"cdrId":2323,"cdrExtension":"2323232"....}
    response = httpx.get(
        f"{base}/cdr",
        params={
            "type": "3",
            "phone": "13688888888",
            "peer": "1",
            "memo": '{"cdrId":2323,"cdrExtension":"2323232"}',
        },
    )
    assert response.json() == {"code": 0, "message": "OK"}  # §2.7 (1) 返回值说明
    assert count(engine) == 1


def test_push_sent_twice_is_counted_once(base: str, engine: Engine) -> None:
    for _ in range(2):
        assert httpx.get(f"{base}/cdr", params=push_params()).json()["code"] == 0
    assert httpx.post(f"{base}/cdr", data=push_params()).json()["code"] == 0  # push_send may POST a form
    with engine.connect() as conn:
        rows = conn.execute(
            select(PUSHES.c.times_seen, PUSHES.c.outcome, PUSHES.c.ivr_keys, PUSHES.c.talk_seconds)
        )
        assert [tuple(r) for r in rows] == [(3, "answered", "1", 42)]


def test_bad_push_is_refused_and_nothing_stored(base: str, engine: Engine) -> None:
    response = httpx.get(f"{base}/cdr", params={"type": "7", "phone": "1"})
    assert response.json()["code"] != 0 and "type" in response.json()["message"]
    assert count(engine) == 0


def test_without_secret_or_with_a_wrong_one_nothing_changes(engine: Engine) -> None:
    with serve_app(create_hooks_app(hook_state(engine, secret=None))) as url:
        for path in ("cdr", "key", "route"):
            assert httpx.get(f"{url}/hooks/800ing/anything/{path}", params=push_params()).status_code == 404
    with serve_app(create_hooks_app(hook_state(engine))) as url:
        for path in ("cdr", "key", "route"):
            got = httpx.get(f"{url}/hooks/800ing/{SECRET}x/{path}", params={**push_params(), "input": "9"})
            assert got.status_code == 401
    assert count(engine) == 0 and list_dnc(engine) == []


def test_key_callback_answers_within_200ms_with_the_campaign_text(base: str, engine: Engine) -> None:
    httpx.get(f"{base}/cdr", params=push_params(2) | {"paramvalue": "c1ab-t2-a1"})
    response, ms = timed_get(f"{base}/key", {"phone": "13688888888", "input": "1", "cdrId": "2323"})
    assert response.json() == {"code": 0, "message": "感谢您的评价", "type": 9}  # §2.10 {code, message, type}
    assert ms < 200, f"key callback took {ms:.0f} ms"
    with engine.connect() as conn:
        row = conn.execute(
            select(PUSHES.c.paramvalue, PUSHES.c.ivr_keys).where(PUSHES.c.source == "key")
        ).one()
    assert tuple(row) == ("c1ab-t2-a1", "1")
    assert list_dnc(engine) == []


def test_opt_out_key_puts_the_number_on_the_dnc_list(base: str, engine: Engine) -> None:
    response = httpx.get(f"{base}/key", params={"phone": "13688888888", "input": "9", "cdrId": "55"})
    assert response.json() == {"code": 0, "message": "已退订", "type": 9}
    assert [e.phone for e in list_dnc(engine)] == ["13688888888"]


def test_route_callback_names_the_agent_who_last_spoke_with_the_caller(base: str) -> None:
    missing = httpx.get(
        f"{base}/route", params={"phone": "13688888888", "trunkno": "100068001", "cdrId": "9"}
    )
    assert missing.json()["code"] != 0
    httpx.get(f"{base}/cdr", params=push_params())
    response, ms = timed_get(f"{base}/route", {"phone": "13688888888", "trunkno": "100068001", "cdrId": "9"})
    assert response.json() == {"code": 0, "message": "8002"}  # §2.8: message = 座席号
    assert ms < 200, f"route callback took {ms:.0f} ms"


def test_push_is_not_acknowledged_when_it_cannot_be_stored(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE ing800_push"))
    with serve_app(create_hooks_app(hook_state(engine))) as url:
        response = httpx.get(f"{url}/hooks/800ing/{SECRET}/cdr", params=push_params())
    assert response.status_code == 503 and response.json()["code"] != 0


def test_secret_is_masked_in_access_logs() -> None:
    install_hook_log_redaction()
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s"',
        ("1.2.3.4", "GET", f"/hooks/800ing/{SECRET}/cdr"),
        None,
    )
    for flt in logging.getLogger("uvicorn.access").filters:
        flt.filter(record)
    assert SECRET not in record.getMessage() and "/hooks/800ing/***/cdr" in record.getMessage()


def test_each_campaign_answers_with_its_own_text(engine: Engine) -> None:
    """The policy is looked up by our attempt token (found via the call's cdrId)."""
    texts = {"c1ab-t2-a1": KeyReplyPolicy("谢谢，回访一", None), None: KeyReplyPolicy("默认", None)}
    state = HookState(engine, SECRET, lambda token: texts.get(token, texts[None]))
    with serve_app(create_hooks_app(state)) as url:
        base = f"{url}/hooks/800ing/{SECRET}"
        httpx.get(
            f"{base}/cdr", params=push_params(2) | {"paramvalue": "c1ab-t2-a1", "memo": json.dumps(MEMO)}
        )
        ours = httpx.get(f"{base}/key", params={"phone": "13688888888", "input": "2", "cdrId": "2323"}).json()
        other = httpx.get(f"{base}/key", params={"phone": "13900000000", "input": "2", "cdrId": "1"}).json()
    assert ours["message"] == "谢谢，回访一" and other["message"] == "默认"


def test_key_reply_comes_from_the_calls_campaign_settings(engine: Engine) -> None:
    from sqlmodel import Session

    from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, Contact

    with Session(engine) as s:
        contact = Contact(phone="13688888888")
        camp = Campaign(
            name="回访",
            kind="callback",
            captcha={"key_reply": "谢谢您的评分", "opt_out_key": "8", "opt_out_reply": "好的"},
        )
        s.add_all([contact, camp])
        s.flush()
        task = CallTask(campaign_id=camp.id, contact_id=contact.id, phone=contact.phone)
        s.add(task)
        s.flush()
        s.add(
            CallAttempt(
                task_id=task.id, campaign_id=camp.id, attempt_no=1, phone=contact.phone, token="c1-t1-a1"
            )
        )
        s.commit()
    with serve_app(create_hooks_app(hook_state(engine, opt_out="9"))) as url:
        base = f"{url}/hooks/800ing/{SECRET}"
        httpx.get(
            f"{base}/cdr", params={"type": "1", "phone": "13688888888", "paramvalue": "c1-t1-a1", "peer": "1"}
        )
        httpx.get(
            f"{base}/cdr", params=push_params(3) | {"memo": json.dumps(MEMO | {"paramvalue": "c1-t1-a1"})}
        )
        thanks = httpx.get(
            f"{base}/key", params={"phone": "13688888888", "input": "9", "cdrId": "2323"}
        ).json()
        assert thanks == {"code": 0, "message": "谢谢您的评分", "type": 9}  # 9 is not this campaign's opt-out
        assert list_dnc(engine) == []
        out = httpx.get(f"{base}/key", params={"phone": "13688888888", "input": "8", "cdrId": "2323"}).json()
        assert out == {"code": 0, "message": "好的", "type": 9}
    assert [e.phone for e in list_dnc(engine)] == ["13688888888"]
