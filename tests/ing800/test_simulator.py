"""The 800ing simulator twin served over real HTTP, fed requests shaped like document 004's examples.

Time is a ManualClock: calls move only when the test advances it; pushes go to a real HTTP receiver.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from batch_dialer.callcenter.ing800_simulator import (
    Ing800SimConfig,
    PlanKind,
    RunningIng800Simulator,
    plan_call,
    start_in_thread,
)
from batch_dialer.callcenter.simulator.clock import ManualClock

from .receiver import Receiver, running_receiver, wait_for

PASSWORD = "02367073578"
MD5 = hashlib.md5(PASSWORD.encode()).hexdigest().upper()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as rec:
        yield rec


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_700_000_000.0)


@pytest.fixture
def sim(receiver: Receiver, clock: ManualClock) -> Iterator[RunningIng800Simulator]:
    config = Ing800SimConfig(
        accounts={"8001": PASSWORD, "8002": PASSWORD, "8003": PASSWORD},
        password=PASSWORD,
        trunks=2,
        speed=1.0,
        seed=7,
        push_url=f"{receiver.url}/hooks/cdr",
        key_url=f"{receiver.url}/hooks/key",
        route_url=f"{receiver.url}/hooks/route",
    )
    with start_in_thread(config, clock=clock) as running:
        yield running


def api(sim: RunningIng800Simulator, ext: str, method: str, **params: Any) -> dict[str, Any]:
    """§1.1's example shape: GET jsondata.html?sa_user=…&sa_password=MD5&method=…"""
    query = {"sa_user": ext, "sa_password": MD5, "method": method, **params}
    body = httpx.get(f"{sim.base_url}/voip/api/jsondata.html", params=query).json()
    assert isinstance(body, dict)
    return body


def phone_with(kind: PlanKind, seed: int = 7) -> str:
    for n in range(10_000):
        phone = f"1380000{n:04d}"
        if plan_call(seed, phone, 1).kind is kind and (
            kind is not PlanKind.ANSWERED or plan_call(seed, phone, 1).key
        ):
            return phone
    raise AssertionError(kind)


def test_get_extension_document_example_and_wrong_password(sim: RunningIng800Simulator) -> None:
    info = api(sim, "8001", "getExtension")
    assert info["code"] == 0 and info["extension"] == "8001"
    assert {"exteId", "name", "compNumber", "compName", "disablePhoneNum", "exteLoginType"} <= set(info)
    bad = httpx.get(
        f"{sim.base_url}/voip/api/jsondata.html",
        params={
            "sa_user": "8001",
            "sa_password": "92868F142BE5DD78DD0ACF4370B4EB94",
            "method": "getExtension",
        },
    ).json()
    assert bad["code"] == -2


def test_post_urlencoded_and_jsonp_callback_are_served(sim: RunningIng800Simulator) -> None:
    posted = httpx.post(
        f"{sim.base_url}/voip/api/jsondata.html",
        data={"sa_user": "8001", "sa_password": MD5, "method": "getExtension"},
    ).json()
    assert posted["code"] == 0
    wrapped = httpx.get(
        f"{sim.base_url}/voip/api/jsonpdata.jsonp",
        params={"callback": "cb", "sa_user": "8001", "sa_password": MD5, "method": "hangupExten"},
    ).text
    assert wrapped.startswith("cb(") and json.loads(wrapped[3:-1])["code"] == 0


def test_one_call_per_account_and_trunk_limit(sim: RunningIng800Simulator, clock: ManualClock) -> None:
    phone = phone_with(PlanKind.ANSWERED)
    assert api(sim, "8001", "callbackPhone", descPhone=phone, paramvalue="t1")["code"] == 0
    assert api(sim, "8001", "callbackPhone", descPhone="13900000001", paramvalue="t2")["code"] == -12
    assert api(sim, "8002", "callbackPhone", descPhone="13900000002", paramvalue="t3")["code"] == 0
    assert (
        api(sim, "8003", "callbackPhone", descPhone="13900000003", paramvalue="t4")["code"] == -12
    )  # 2 trunks
    truth = httpx.get(f"{sim.base_url}/_sim/truth").json()
    assert truth["peak_trunks"] == 2 and truth["refused_busy_account"] == 1 and truth["refused_trunks"] == 1
    clock.advance(1000)
    sim.center.tick()
    assert api(sim, "8001", "callbackPhone", descPhone="13900000001", paramvalue="t5")["code"] == 0


def test_answered_call_events_pushes_key_callback_and_truth(
    sim: RunningIng800Simulator, clock: ManualClock, receiver: Receiver
) -> None:
    phone = phone_with(PlanKind.ANSWERED)
    plan = plan_call(7, phone, 1)
    start = api(sim, "8001", "getLongWaterLine", loginType="jsonpLogin", client=1)["waterline"]
    api(sim, "8001", "callbackPhone", descPhone=phone, paramvalue="c1-t1-a1")
    clock.advance(2 + plan.ring_s + 0.01)
    line = httpx.post(
        f"{sim.base_url}/voip/api/jsonpdata.json",
        data={
            "sa_user": "8001",
            "sa_password": MD5,
            "method": "getLongWaterLine",
            "loginType": "jsonpLogin",
            "client": 1,
        },
    ).json()
    assert line["waterline"] > start and line["msgs"][0]["status"] == 1
    clock.advance(6.01)
    sim.center.tick()
    wait_for(lambda: bool(receiver.seen("/hooks/key")), what="key callback")
    assert receiver.seen("/hooks/key")[0]["input"] == plan.key
    assert receiver.seen("/hooks/key")[0]["phone"] == phone.lstrip("0")
    clock.advance(plan.talk_s)
    sim.center.tick()
    wait_for(lambda: len(receiver.seen("/hooks/cdr")) == 4, what="4 pushes")
    types = [p["type"] for p in receiver.seen("/hooks/cdr")]
    assert types == ["1", "2", "3", "4"]
    memo = json.loads(receiver.seen("/hooks/cdr")[2]["memo"])
    assert memo["paramvalue"] == "c1-t1-a1" and memo["cdrIVRKey"] == plan.key
    assert memo["cdrTalktime"] == plan.talk_s and memo["cdrRecordFile"]
    msgs = api(sim, "8001", "recvMsg", client=1, waterLine=start, limit=100)["msgs"]
    statuses = [json.loads(m["content"])["status"] for m in msgs]
    assert statuses == [0, 1, 3]
    assert all(json.loads(m["content"])["paramvalue"] == "c1-t1-a1" for m in msgs)
    (call,) = httpx.get(f"{sim.base_url}/_sim/truth").json()["calls"]
    assert (call["kind"], call["keys"], call["talk_s"]) == ("answered", plan.key, plan.talk_s)
    assert call["key_answer"]["ok"] is True
    wav = httpx.get(f"{sim.base_url}/voip/record/{memo['cdrRecordFile']}")
    assert wav.status_code == 200 and wav.content.startswith(b"RIFF")
    mp3 = httpx.get(
        f"{sim.base_url}/voip/api/client/download/record.json", params={"id": memo["cdrId"], "ismp3": 1}
    )
    assert mp3.content.startswith(b"ID3")


def test_busy_number_ends_with_reason_and_no_recording(
    sim: RunningIng800Simulator, clock: ManualClock, receiver: Receiver
) -> None:
    phone = phone_with(PlanKind.BUSY)
    api(sim, "8002", "callbackPhone", descPhone=phone, paramvalue="tb")
    clock.advance(100)
    sim.center.tick()
    wait_for(lambda: len(receiver.seen("/hooks/cdr")) == 2, what="2 pushes")
    memo = json.loads(receiver.seen("/hooks/cdr")[1]["memo"])
    assert (memo["cdrHangupReasonCode"], memo["cdrHangupReasonText"], memo["cdrTalktime"]) == (
        "17",
        "USER_BUSY",
        0,
    )


def test_dropped_pushes_are_failed_in_push_list_and_push_send_delivers(
    receiver: Receiver, clock: ManualClock
) -> None:
    config = Ing800SimConfig(
        accounts={"8001": PASSWORD},
        trunks=1,
        speed=1.0,
        seed=3,
        push_url=f"{receiver.url}/hooks/cdr",
        push_drop_rate=1.0,
    )
    with start_in_thread(config, clock=clock) as sim:
        session = api(sim, "8001", "getExtension")["sessionId"]
        api(sim, "8001", "callbackPhone", descPhone="13800138000", paramvalue="tok")
        clock.advance(1000)
        sim.center.tick()
        assert receiver.seen("/hooks/cdr") == []
        listing = httpx.get(
            f"{sim.base_url}/voip/ai/report/push_list.json",
            params={
                "page": 1,
                "rows": 1,
                "_": 1600999210584,
                "startTime": "2000-01-01 00:00:00",
                "endTime": "2100-01-01 00:00:00",
                "timeType": "cdrStartTime",
                "order": "cdrStartTime",
                "sort": "desc",
                "extes": "",
                "status": "1",
                "phone": "",
                "sessionId": session,
            },
        ).json()
        assert listing["code"] == 0 and listing["total"] >= 2 and len(listing["rows"]) == 1
        row = listing["rows"][0]
        assert row["cdrs_status"] == "失败" and {"cdrsId", "cdrs_result", "cdrsPhone", "cdrsType"} <= set(row)
        sent = httpx.get(
            f"{sim.base_url}/voip/ai/report/push_send.json",
            params={"sessionId": session, "id": row["cdrsId"]},
        ).json()
        assert sent["code"] == 0 and len(receiver.seen("/hooks/cdr")) == 1
        bad = httpx.get(
            f"{sim.base_url}/voip/ai/report/push_send.json", params={"sessionId": "x", "id": 1}
        ).json()
        assert bad["code"] == -2


def test_route_callback_asks_our_url(sim: RunningIng800Simulator, receiver: Receiver) -> None:
    receiver.reply = {"code": 0, "message": "100001800"}  # §2.8 返回值 example
    answer = httpx.post(f"{sim.base_url}/_sim/inbound", params={"phone": "13688888888"}).json()
    assert answer["agent"] == "100001800" and answer["ok"] is True
    (asked,) = receiver.seen("/hooks/route")
    assert asked["phone"] == "13688888888" and asked["trunkno"] and asked["cdrId"]


def test_register_extension_needs_admin(sim: RunningIng800Simulator) -> None:
    assert api(sim, "8001", "registerExtension", showphone="02312345678")["code"] == -5


def test_plans_are_deterministic_and_empty_numbers_stay_empty() -> None:
    assert [plan_call(5, f"1390000{i:04d}", 1) for i in range(50)] == [
        plan_call(5, f"1390000{i:04d}", 1) for i in range(50)
    ]
    empty = next(
        f"1390000{i:04d}" for i in range(10_000) if plan_call(5, f"1390000{i:04d}", 1).kind is PlanKind.EMPTY
    )
    assert all(plan_call(5, empty, n).kind is PlanKind.EMPTY for n in range(1, 5))
