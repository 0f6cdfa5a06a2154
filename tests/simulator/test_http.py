"""The simulator over real HTTP (loopback, httpx), with a ManualClock where time matters."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from batch_dialer.callcenter.simulator import CallKind, ManualClock, RunningSimulator, plan_call
from tests.simulator_fixtures import sim, sim_factory

from .plans import T0, number_with

__all__ = ["sim", "sim_factory"]

Factory = Callable[..., RunningSimulator]


def ctrl(client: httpx.Client, **params: str) -> httpx.Response:
    return client.get("/bridge/callctrl", params=params)


def test_monitor_on_a_fresh_centre(sim: RunningSimulator) -> None:
    response = httpx.get(f"{sim.base_url}/bridge/callctrl?opt=IVR_TTS_CALL_MONITOR")
    assert (response.status_code, response.text) == (200, "queue=0;playcount=0")


def test_ivr_flow_over_http(sim_factory: Factory) -> None:
    clock = ManualClock(T0)
    s = sim_factory(clock=clock, channels=2, waiting_line=1, speed=1.0)
    callee = number_with(CallKind.ANSWERED_KEY)
    plan = plan_call(1, callee, 1)
    with httpx.Client(base_url=s.base_url) as c:
        r = ctrl(c, opt="IVR_TTS_CALL", token="t1", callee=callee, toneid="20", ttsabc="你好世界!", pwd="no")
        assert (r.status_code, r.text) == (200, "200")
        assert ctrl(c, opt="IVR_TTS_CALL", token="t1", callee=callee, toneid="20").status_code == 483
        assert ctrl(c, opt="IVR_TTS_CALL", token="t2", callee="13700000001", toneid="20").status_code == 200
        assert ctrl(c, opt="IVR_TTS_CALL", token="t3", callee="13700000002", toneid="20").status_code == 200
        r = ctrl(c, opt="IVR_TTS_CALL", token="t4", callee="13700000003", toneid="20")
        assert (r.status_code, r.text) == (486, "486")
        assert ctrl(c, opt="IVR_TTS_CALL_RESULT", token="t3").text == "state=0"
        assert ctrl(c, opt="IVR_TTS_CALL_RESULT", token="t1").text == "state=4"
        assert ctrl(c, opt="IVR_TTS_CALL_MONITOR").text == "queue=0;playcount=2"
        clock.advance(plan.ring_s)
        assert ctrl(c, opt="IVR_TTS_CALL_RESULT", token="t1").text == "state=1"
        assert plan.key_at_s is not None
        clock.advance(plan.key_at_s)
        assert ctrl(c, opt="IVR_TTS_CALL_RESULT", token="t1").text == f"state=1;satisfact={plan.keys}"
        r = ctrl(c, opt="IVR_TTS_CALL_RESULT", token="unknown")
        assert (r.status_code, r.text) == (404, "404")
        clock.advance(1000)
        truth = c.get("/_sim/truth").json()
        assert truth["peak_channels"] == 2 and truth["rejected_486"] == 1 and truth["duplicates_483"] == 1
        assert truth["calls"]["t1"]["keys"] == plan.keys and truth["calls"]["t1"]["kind"] == "answered_key"
        assert truth["calls_by_number"][callee] == 1 and truth["calls_total"] == 3
        assert truth["responses"]["486"] == 1


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"token": "a", "toneid": "20"}, 400),
        ({"token": "a", "callee": "1390000x123", "toneid": "20"}, 400),
        ({"callee": "13900001234", "toneid": "20"}, 400),
        ({"token": "a", "callee": "13900001234"}, 400),
        ({"token": "a", "callee": "13900001234", "toneid": "abc"}, 400),
    ],
)
def test_ivr_bad_parameters_400(sim: RunningSimulator, params: dict[str, str], status: int) -> None:
    r = httpx.get(f"{sim.base_url}/bridge/callctrl", params={"opt": "IVR_TTS_CALL", **params})
    assert (r.status_code, r.text) == (status, str(status))


def test_captcha_flow_bad_params_and_unpaid(sim_factory: Factory) -> None:
    clock = ManualClock(T0)
    s = sim_factory(clock=clock, speed=1.0, unpaid=frozenset({"CLICK_TO_FIXEDLINE_CAPTCHA"}))
    callee = number_with(CallKind.BUSY)
    base = {"precallcount": "1", "playtimes": "1", "callee": callee, "toneid": "19", "code": "112233"}
    with httpx.Client(base_url=s.base_url) as c:
        assert ctrl(c, opt="CLICK_TO_IP_CAPTCHA", id="c1", pwd="no", **base).status_code == 200
        assert ctrl(c, opt="CLICK_TO_IP_CAPTCHA", id="c1", pwd="no", **base).status_code == 483
        r = ctrl(c, opt="CLICK_TO_FIXEDLINE_CAPTCHA", id="c2", pwd="no", **base)
        assert (r.status_code, r.text) == (421, "421")
        bad = {**base, "code": "12ab"}
        assert ctrl(c, opt="CLICK_TO_IP_CAPTCHA", id="c3", pwd="no", **bad).status_code == 420
        assert (
            ctrl(c, opt="CLICK_TO_IP_CAPTCHA", id="c3", pwd="no", **{**base, "toneid": "777"}).status_code
            == 420
        )
        assert ctrl(c, opt="GET_CAPTCHA_RESULT", id="c1").text == "4"
        clock.advance(plan_call(1, callee, 1).ring_s)
        assert ctrl(c, opt="GET_CAPTCHA_RESULT", id="c1").text == "5"
        assert ctrl(c, opt="GET_CAPTCHA_RESULT", id="zz").status_code == 404
        assert ctrl(c, opt="NO_SUCH_OPT").status_code == 400


def test_password_401(sim_factory: Factory) -> None:
    clock = ManualClock(T0)
    s = sim_factory(clock=clock, password="pa55")
    day = datetime.fromtimestamp(T0, ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")
    pwd = hashlib.md5(f"pa5513900001234112233{day}".encode()).hexdigest()
    params = {
        "id": "k",
        "callee": "13900001234",
        "toneid": "19",
        "code": "112233",
        "opt": "CLICK_TO_IP_CAPTCHA",
    }
    with httpx.Client(base_url=s.base_url) as c:
        assert c.get("/bridge/callctrl", params={**params, "pwd": "no"}).status_code == 401
        assert c.get("/bridge/callctrl", params=params).status_code == 401
        assert c.get("/bridge/callctrl", params={**params, "pwd": pwd}).status_code == 200
        ivr_pwd = hashlib.md5(f"pa5513900001234{day}".encode()).hexdigest()
        ivr = {"opt": "IVR_TTS_CALL", "token": "i", "callee": "13900001234", "toneid": "20"}
        assert c.get("/bridge/callctrl", params={**ivr, "pwd": pwd}).status_code == 401
        assert c.get("/bridge/callctrl", params={**ivr, "pwd": ivr_pwd}).status_code == 200
        # §18 has no pwd parameter: a call without one is not refused
        assert c.get("/bridge/callctrl", params={**ivr, "token": "j"}).status_code == 200


def test_480_switch_503_rate_and_latency_at_run_time(sim: RunningSimulator) -> None:
    with httpx.Client(base_url=sim.base_url) as c:
        assert c.post("/_sim/faults", json={"unavailable": True}).status_code == 200
        r = ctrl(c, opt="IVR_TTS_CALL", token="a", callee="13900001234", toneid="20")
        assert (r.status_code, r.text) == (480, "480")
        c.post("/_sim/faults", json={"unavailable": False, "fault_rate": 1.0})
        r = ctrl(c, opt="IVR_TTS_CALL_MONITOR")
        assert (r.status_code, r.text) == (503, "503")
        assert c.get("/_sim/truth").json()["faults_503"] == 1  # the admin path is never faulted
        c.post("/_sim/faults", json={"fault_rate": 0.0, "latency_ms": 150})
        r = ctrl(c, opt="IVR_TTS_CALL_MONITOR")
        assert r.status_code == 200 and r.elapsed.total_seconds() >= 0.15
        assert c.post("/_sim/faults", json={"fault_rate": 2}).status_code == 400
        assert c.post("/_sim/faults", json={"bogus": 1}).status_code == 400


def test_contacts_and_preorders_all_or_nothing(sim: RunningSimulator) -> None:
    contacts = {
        "contacts": [
            {"cname": "Mr.Lee", "localuser": 46, "gid": 1, "details": [{"tid": 1, "cvalue": "13227841198"}]},
            {
                "cname": "Miss.Zhang",
                "localuser": -1,
                "gid": 1,
                "details": [{"tid": 2, "cvalue": "4006198112"}],
            },
        ]
    }
    with httpx.Client(base_url=sim.base_url) as c:
        r = c.post("/bridge/ContactsSrvlt", data={"data": json.dumps(contacts)})
        assert (r.status_code, r.text) == (200, "200")
        again = {
            "contacts": [
                {"cname": "New", "details": [{"tid": 1, "cvalue": "13900000077"}]},
                contacts["contacts"][0],
            ]
        }
        r = c.get("/bridge/ContactsSrvlt", params={"data": json.dumps(again)})
        assert (r.status_code, r.text) == (483, "483")
        assert c.get("/_sim/truth").json()["contacts"] == 2  # nothing of the rejected batch stored
        assert c.post("/bridge/ContactsSrvlt", data={"data": "{not json"}).status_code == 400
        assert (
            c.post("/bridge/ContactsSrvlt", data={"data": '{"contacts":[{"details":[]}]}'}).status_code == 400
        )
        assert c.post("/bridge/ContactsSrvlt").status_code == 400
        pre = {
            "preorder": [
                {"cname": "Mr.Wang", "telnum": "13227841198", "product": "CC", "comment": "x", "qq": "1"}
            ]
        }
        assert c.post("/bridge/PreorderSrvlt", data={"data": json.dumps(pre)}).status_code == 200
        both = {"preorder": [{**pre["preorder"][0], "product": "Other"}, pre["preorder"][0]]}
        assert c.post("/bridge/PreorderSrvlt", data={"data": json.dumps(both)}).status_code == 483
        assert (
            c.post("/bridge/PreorderSrvlt", data={"data": '{"preorder":[{"cname":"x"}]}'}).status_code == 400
        )
        truth = c.get("/_sim/truth").json()
        assert truth["preorders"] == 1 and truth["duplicates_483"] == 2


def test_call_log_after_calls(sim_factory: Factory) -> None:
    clock = ManualClock(T0)
    s = sim_factory(clock=clock, speed=1.0)
    answered, busy = number_with(CallKind.ANSWERED_KEY), number_with(CallKind.BUSY)
    day = datetime.fromtimestamp(T0, ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")
    with httpx.Client(base_url=s.base_url) as c:
        ctrl(c, opt="IVR_TTS_CALL", token="ok", callee=answered, toneid="20")
        ctrl(c, opt="IVR_TTS_CALL", token="busy", callee=busy, toneid="20")
        assert ctrl(c, opt="CALL_LOG_QUERY", beginDate=day, endDate=day).json() == []
        clock.advance(500)
        rows = ctrl(
            c, opt="CALL_LOG_QUERY", first="0", maxResults="10", beginDate=day, endDate=day, dirction="0"
        ).json()
        by_callee = {r["callee"]: r for r in rows}
        plan = plan_call(1, answered, 1)
        ok, failed = by_callee[answered], by_callee[busy]
        assert ok["state"] == "STATE_RECEIVED" and ok["duration"] == plan.talk_s
        assert ok["estimate"] == "" and ok["clickcallid"] == ""  # a rating / a click-to-call id: neither
        assert failed["state"] == "STATE_FAILED" and failed["duration"] == 0
        assert ok["beginTime"] == round(T0 * 1000)
        only = ctrl(c, opt="CALL_LOG_QUERY", telnum=busy, beginDate=day, endDate=day).json()
        assert [r["callee"] for r in only] == [busy]
        last_id = max(r["id"] for r in rows)  # first is a start id: from the last id, one row
        assert [r["id"] for r in ctrl(c, opt="CALL_LOG_QUERY", first=str(last_id)).json()] == [last_id]
        assert ctrl(c, opt="CALL_LOG_QUERY", beginDate="2000-01-01", endDate="2000-01-02").json() == []
        assert ctrl(c, opt="CALL_LOG_QUERY", beginDate="01/06/2024").status_code == 400
        one = ctrl(c, opt="CALL_LOG_GET_WITH_CALLID", callid=rows[0]["callid"]).json()
        assert one == rows[0]
        assert ctrl(c, opt="CALL_LOG_GET_WITH_CALLID", callid="nope").status_code == 404


def test_tone_files(sim: RunningSimulator) -> None:
    with httpx.Client(base_url=sim.base_url) as c:
        files = c.get("/bridge/ToneFileSvlt", params={"opt": "query"}).json()
        assert {1, 2, 3, 12, 13, 19, 20} <= {f["id"] for f in files}
        assert set(files[0]) == {"id", "titel", "path", "des"}
        r = c.post(
            "/bridge/ToneFileSvlt",
            data={"opt": "save", "title": "%E9%80%9A%E7%9F%A5", "des": "notice"},
            files={"file": ("n.wav", b"\x7f" * 800, "audio/basic")},
        )
        new_id = int(r.text)
        assert r.status_code == 200 and new_id > 20
        r = c.post(
            "/bridge/ToneFileSvlt", data={"opt": "save", "id": str(new_id), "title": "t2", "des": "d2"}
        )
        assert r.text == str(new_id)
        assert c.post("/bridge/ToneFileSvlt", data={"opt": "save", "title": "x", "des": "y"}).text == "0"
        files = {f["id"]: f for f in c.get("/bridge/ToneFileSvlt?opt=query").json()}
        assert files[new_id]["titel"] == "t2"
        assert c.get("/bridge/ToneFileSvlt", params={"opt": "delete", "id": str(new_id)}).status_code == 200
        assert c.get("/bridge/ToneFileSvlt", params={"opt": "delete", "id": str(new_id)}).status_code == 404
        assert c.get("/bridge/ToneFileSvlt", params={"opt": "delete", "id": "x"}).status_code == 400


def test_agent_states_json(sim_factory: Factory) -> None:
    s = sim_factory(agents=3)
    with httpx.Client(base_url=s.base_url) as c:
        states = c.get("/bridge/jsoncfg", params={"opt": "EXTNUM_STATE"}).json()
        assert [a["telNum"] for a in states] == ["801", "802", "803"]
        assert all(a["state"] == "IDEL" and a["telRegState"] == 1 and "remoteNum" not in a for a in states)
        assert c.get("/bridge/jsoncfg", params={"opt": "OTHER"}).status_code == 400


def test_reset_and_logs_mask_phones(sim: RunningSimulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="batch_dialer.simulator")
    with httpx.Client(base_url=sim.base_url) as c:
        ctrl(c, opt="IVR_TTS_CALL", token="a", callee="13800138000", toneid="20", pwd="secretpwd")
        assert c.get("/_sim/truth").json()["calls_total"] == 1
        assert c.post("/_sim/reset").status_code == 200
        assert c.get("/_sim/truth").json()["calls_total"] == 0
    text = caplog.text
    assert "138****8000" in text and "13800138000" not in text and "secretpwd" not in text


def test_post_form_and_real_clock_reaches_final_state(sim_factory: Factory) -> None:
    s = sim_factory(speed=2000.0)
    callee = number_with(CallKind.ANSWERED_KEY)
    plan = plan_call(1, callee, 1)
    with httpx.Client(base_url=s.base_url) as c:
        form = {"opt": "IVR_TTS_CALL", "token": "p1", "callee": callee, "toneid": "20", "ttsname": "张三"}
        assert c.post("/bridge/callctrl", data=form).status_code == 200
        deadline = time.monotonic() + 5
        while (
            result := ctrl(c, opt="IVR_TTS_CALL_RESULT", token="p1").text
        ) != f"state=1;satisfact={plan.keys}":
            assert time.monotonic() < deadline, result
            time.sleep(0.005)
        while c.get("/_sim/truth").json()["channels_in_use"]:
            assert time.monotonic() < deadline
            time.sleep(0.005)
        [row] = ctrl(c, opt="CALL_LOG_QUERY").json()
        assert row["duration"] == plan.talk_s  # nominal seconds, not the ~30 ms it really took
