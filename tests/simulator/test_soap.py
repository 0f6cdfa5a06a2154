"""The SOAP services over real HTTP: raw SOAP 1.1 envelopes, and zeep with the packaged WSDLs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
import zeep
from lxml import etree

from batch_dialer.callcenter.simulator import CallKind, ManualClock, RunningSimulator, plan_call
from batch_dialer.callcenter.simulator.text_to_call import RETRY_AFTER_S
from tests.simulator_fixtures import sim, sim_factory

from .plans import T0, number_with, numbers

__all__ = ["sim", "sim_factory"]

Factory = Callable[..., RunningSimulator]
TNS = "http://webservice.bridge.guoxin.cn"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def envelope(operation: str, inner: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<soap:Body><g:{operation} xmlns:g="{TNS}">{inner}</g:{operation}></soap:Body></soap:Envelope>'
    )


def post(client: httpx.Client, service: str, operation: str, inner: str) -> etree._Element:
    r = client.post(
        f"/bridge/services/{service}",
        content=envelope(operation, inner).encode(),
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
    )
    root = etree.fromstring(r.content)
    assert r.status_code == (500 if root.find(".//{*}Fault") is not None else 200)
    return root


def out_of(root: etree._Element) -> etree._Element:
    out = root.find(f".//{{{TNS}}}out")
    assert out is not None
    return out


def tasks(root: etree._Element) -> list[dict[str, str]]:
    return [
        {etree.QName(f).localname: f.text or "" for f in t}
        for t in out_of(root).findall(f"{{{TNS}}}Texttocal")
    ]


def texttocal(
    callee: str, calldate: str, servicetype: str = "NOTICE", linkkey: int = 1, task_id: int = -1
) -> str:
    return (
        f"<g:in0><g:id>{task_id}</g:id><g:caller>801</g:caller><g:callee>{callee}</g:callee>"
        "<g:content>您的快递已到</g:content><g:assisid>0</g:assisid>"
        f"<g:calldate>{calldate}</g:calldate><g:voipcall>false</g:voipcall>"
        f"<g:servicetype>{servicetype}</g:servicetype><g:linkkey>{linkkey}</g:linkkey></g:in0>"
    )


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, SHANGHAI).isoformat()


def always(kind: CallKind, tries: int) -> str:
    for n in numbers("1360000"):
        if all(plan_call(1, n, a).kind is kind for a in range(1, tries + 1)):
            return n
    raise AssertionError(kind)


def test_timed_call_waits_then_tries_then_confirms(sim_factory: Factory) -> None:
    clock = ManualClock(T0)
    s = sim_factory(clock=clock, speed=1.0)
    answered = number_with(CallKind.ANSWERED_NO_KEY)
    plan = plan_call(1, answered, 1)
    with httpx.Client(base_url=s.base_url) as c:
        task_id = int(
            out_of(post(c, "TextToCallService", "makeCall", texttocal(answered, iso(T0 + 60)))).text or ""
        )
        other = int(
            out_of(post(c, "TextToCallService", "makeCall", texttocal(answered, iso(T0 + 90), "X", 2))).text
            or ""
        )
        [waiting] = tasks(
            post(
                c,
                "TextToCallService",
                "listUnCalled",
                "<g:in0>0</g:in0><g:in1>10</g:in1><g:in2>NOTICE</g:in2><g:in3 xsi:nil='true'/>",
            )
        )
        assert waiting["id"] == str(task_id) and waiting["state"] == "WAITING" and waiting["calltime"] == "0"
        # modify while WAITING: same id, new time
        assert out_of(
            post(c, "TextToCallService", "makeCall", texttocal(answered, iso(T0 + 30), task_id=task_id))
        ).text == str(task_id)
        clock.advance(30)
        [trying] = tasks(
            post(
                c,
                "TextToCallService",
                "listWithToken",
                "<g:in0>0</g:in0><g:in1>10</g:in1><g:in2>NOTICE</g:in2><g:in3>1</g:in3>",
            )
        )
        assert trying["state"] == "TRYING" and trying["calltime"] == "1"
        # no longer modifiable
        fault = post(c, "TextToCallService", "makeCall", texttocal(answered, iso(T0 + 500), task_id=task_id))
        assert fault.findtext(".//faultcode") == "soap:Client"
        clock.advance(plan.holding_s)
        [done] = tasks(
            post(
                c,
                "TextToCallService",
                "listWithToken",
                "<g:in0>0</g:in0><g:in1>1</g:in1><g:in2>NOTICE</g:in2><g:in3 xsi:nil='true'/>",
            )
        )
        assert done["state"] == "CONFIRM" and done["playingtime"] == str(plan.talk_s)
        post(c, "TextToCallService", "remove", f"<g:in0>{other}</g:in0>")
        assert (
            tasks(
                post(
                    c,
                    "TextToCallService",
                    "listWithToken",
                    "<g:in0>0</g:in0><g:in1>10</g:in1><g:in2>X</g:in2><g:in3 xsi:nil='true'/>",
                )
            )
            == []
        )
        fault = post(c, "TextToCallService", "remove", f"<g:in0>{other}</g:in0>")
        assert fault.find(".//{*}Fault") is not None
        truth = c.get("/_sim/truth").json()
        assert truth["calls"][f"soap-{task_id}-1"]["kind"] == plan.kind.value


def test_timed_call_retries_three_times(sim_factory: Factory) -> None:
    clock = ManualClock(T0)
    s = sim_factory(clock=clock, speed=1.0)
    busy = always(CallKind.BUSY, 3)
    listing = "<g:in0>0</g:in0><g:in1>5</g:in1><g:in2/><g:in3 xsi:nil='true'/>"
    with httpx.Client(base_url=s.base_url) as c:
        post(c, "TextToCallService", "makeCall", texttocal(busy, iso(T0)))
        clock.advance(10)
        [task] = tasks(post(c, "TextToCallService", "listWithToken", listing))
        # between the centre's own tries: RING_TIME_OUT (振铃超时), not the end of the call
        assert task["state"] == "RING_TIME_OUT" and task["calltime"] == "1"
        clock.advance(RETRY_AFTER_S)
        clock.advance(10 + RETRY_AFTER_S)
        clock.advance(10)
        [task] = tasks(post(c, "TextToCallService", "listWithToken", listing))
        assert task["state"] == "CALL_FAILED" and task["calltime"] == "3"  # "CALL_FAILED: 尝试 3 次失败"
        assert c.get("/_sim/truth").json()["calls_by_number"][busy] == 3


def test_bad_soap_requests_fault(sim: RunningSimulator) -> None:
    with httpx.Client(base_url=sim.base_url) as c:
        r = c.post(
            "/bridge/services/TextToCallService", content=b"<not-xml", headers={"Content-Type": "text/xml"}
        )
        assert r.status_code == 500 and b"soap:Client" in r.content
        fault = post(c, "TextToCallService", "noSuchOp", "")
        assert "noSuchOp" in (fault.findtext(".//faultstring") or "")
        fault = post(c, "TextToCallService", "makeCall", texttocal("12ab", iso(T0)))
        assert fault.findtext(".//faultcode") == "soap:Client"
        assert c.get("/bridge/services/Nope?wsdl").status_code == 404


def test_wsdl_points_at_the_simulator(sim: RunningSimulator) -> None:
    for service in ("TextToCallService", "CallRecordHome", "Click2CallControl"):
        root = etree.fromstring(httpx.get(f"{sim.base_url}/bridge/services/{service}?wsdl").content)
        [address] = root.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address")
        assert address.get("location") == f"{sim.base_url}/bridge/services/{service}"


def test_zeep_round_trip(sim_factory: Factory) -> None:
    clock = ManualClock(T0)
    s = sim_factory(clock=clock, speed=1.0, agents=2)
    answered = number_with(CallKind.ANSWERED_KEY)
    plan = plan_call(1, answered, 1)
    text = zeep.Client(f"{s.base_url}/bridge/services/TextToCallService?wsdl")
    task_id = text.service.makeCall(
        {
            "id": -1,
            "caller": "801",
            "callee": answered,
            "content": "通知",
            "calldate": datetime.fromtimestamp(T0, SHANGHAI),
            "servicetype": "NOTICE",
            "linkkey": 9,
        }
    )
    assert isinstance(task_id, int) and task_id >= 1
    [task] = text.service.listWithToken(0, 10, "NOTICE", 9)
    assert task.state == "TRYING" and task.callee == answered and task.calltime == 1
    clock.advance(plan.holding_s)
    assert text.service.listWithToken(0, 10, "NOTICE", 9)[0].state == "CONFIRM"
    assert text.service.listUnCalled(0, 10, "NOTICE", None) in (None, [])

    click = zeep.Client(f"{s.base_url}/bridge/services/Click2CallControl?wsdl")
    other = number_with(CallKind.ANSWERED_NO_KEY)
    click_id = click.service.click2ipcall("802", other)
    assert click.service.state4click(click_id) == 1
    with pytest.raises(zeep.exceptions.Fault, match="busy"):
        click.service.click2call("802", other)
    click.service.click2hungup(click_id)
    assert click.service.state4click(click_id) == 0

    log = zeep.Client(f"{s.base_url}/bridge/services/CallRecordHome?wsdl")
    day = datetime.fromtimestamp(T0, SHANGHAI).strftime("%Y-%m-%d")
    rows = log.service.listCalllog(0, 100, f"{day} 00:00:00", f"{day} 23:59:59", answered, 0)
    [row] = rows
    assert not row.clickcallid and row.state == "STATE_RECEIVED"  # not a click-to-call
    assert row.estimate is None and row.duration == plan.talk_s  # no agent rating: not the IVR key
    assert row.beginTime == round(T0 * 1000)
    assert len(log.service.listCalllog(0, 100, None, None, None, 0)) == 2
