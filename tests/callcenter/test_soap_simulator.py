"""The zeep adapter against the simulator's SOAP endpoints over real HTTP (§25, §26, §28)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import zeep

from batch_dialer.callcenter import (
    BadParameters,
    CenterServerError,
    CenterUnavailable,
    CenterUnreachable,
    Click2CallState,
    GuoxinSoap,
    TextToCall,
    TextToCallState,
)
from batch_dialer.callcenter.simulator import CallKind, ManualClock, RunningSimulator, plan_call
from batch_dialer.callcenter.soap_clients import soap_endpoint
from batch_dialer.campaigns.kinds.base import ReadingStatus
from batch_dialer.campaigns.kinds.soap_tts import reading_of_timed_call
from tests.callcenter.sim_numbers import number_with
from tests.simulator_fixtures import sim_factory

__all__ = ["sim_factory"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 6, 2, 9, 0, tzinfo=SHANGHAI).timestamp()
Factory = Callable[..., RunningSimulator]


def never_answers(seed: int = 1) -> str:
    """A number whose three tries (the service's limit) are all busy or powered off."""
    for i in range(20_000):
        number = f"1370000{i:04d}"
        kinds = {plan_call(seed, number, n).kind for n in (1, 2, 3)}
        if kinds <= {CallKind.BUSY, CallKind.POWER_OFF}:
            return number
    raise AssertionError("no such number")


@pytest.fixture
def stepped(sim_factory: Factory) -> tuple[ManualClock, GuoxinSoap]:
    clock = ManualClock(T0)
    sim = sim_factory(clock=clock, speed=1.0, agents=2)
    return clock, GuoxinSoap(sim.base_url, timeout=5.0, operation_timeout=5.0)


def timed(callee: str, at: datetime, linkkey: int | None = None, servicetype: str = "SURVEY") -> TextToCall:
    return TextToCall(
        callee=callee, content="您好，这是回访。", calldate=at, servicetype=servicetype, linkkey=linkkey
    )


def test_timed_calls_wait_then_end_in_their_states(stepped: tuple[ManualClock, GuoxinSoap]) -> None:
    clock, soap = stepped
    start = datetime.fromtimestamp(T0, SHANGHAI)
    answered, plan = number_with(CallKind.ANSWERED_KEY)
    empty, _ = number_with(CallKind.EMPTY)
    lost = never_answers()
    at = start + timedelta(minutes=5)
    ids = {
        "answered": soap.make_call(timed(answered, at, linkkey=1)),
        "empty": soap.make_call(timed(empty, at.astimezone(UTC), linkkey=2)),  # any zone: an instant
        "lost": soap.make_call(timed(lost, at.replace(tzinfo=None), linkkey=3)),  # naive: centre's time
        "other": soap.make_call(timed(answered, at, servicetype="OTHER")),
    }
    assert len(set(ids.values())) == 4 and all(i > 0 for i in ids.values())

    waiting = soap.list_uncalled(0, 100, "SURVEY")
    assert [t.id for t in waiting] == [ids["answered"], ids["empty"], ids["lost"]]
    assert {t.state for t in waiting} == {TextToCallState.WAITING}
    assert {t.calldate for t in waiting} == {at}  # the same instant, whatever zone it was sent in
    assert (
        waiting[0].callee == answered and waiting[0].content == "您好，这是回访。" and waiting[0].linkkey == 1
    )
    assert waiting[0].create_time == start
    assert [t.id for t in soap.list_uncalled(0, 100, "SURVEY", linkkey=2)] == [ids["empty"]]
    assert [t.id for t in soap.list_uncalled(1, 1, "SURVEY")] == [ids["empty"]]

    clock.advance(300 + plan.ring_s + 1)
    states = {t.id: t.state for t in soap.list_with_token(0, 100, "SURVEY")}
    assert states[ids["answered"]] is TextToCallState.TRYING
    assert soap.list_uncalled(0, 100, "SURVEY") == []

    clock.advance(3600)
    final = {t.id: t for t in soap.list_with_token(0, 100, "SURVEY")}
    assert final[ids["answered"]].state is TextToCallState.CONFIRM
    assert final[ids["answered"]].playingtime == plan.talk_s
    assert final[ids["empty"]].state is TextToCallState.CALL_FAILED
    assert final[ids["lost"]].state is TextToCallState.CALL_FAILED  # "CALL_FAILED: 尝试 3 次失败"
    assert final[ids["lost"]].calltime == 3
    assert all(reading_of_timed_call(t).status is ReadingStatus.FINAL for t in final.values())


def test_remove_and_modify_a_waiting_call(stepped: tuple[ManualClock, GuoxinSoap]) -> None:
    _, soap = stepped
    at = datetime.fromtimestamp(T0, SHANGHAI) + timedelta(hours=1)
    keep = soap.make_call(timed("13800000001", at))
    drop = soap.make_call(timed("13800000002", at))
    later = at + timedelta(hours=2)
    assert soap.make_call(TextToCall("13800000009", "改期", later, "SURVEY", id=keep)) == keep
    soap.remove(drop)
    [task] = soap.list_with_token(0, 100, "SURVEY")
    assert (task.id, task.callee, task.content, task.calldate) == (keep, "13800000009", "改期", later)
    with pytest.raises(BadParameters) as info:
        soap.remove(drop)  # already gone: a Client fault
    assert "TextToCallService.remove" in str(info.value)


def test_bad_timed_call_is_a_client_fault_without_the_number(stepped: tuple[ManualClock, GuoxinSoap]) -> None:
    _, soap = stepped
    at = datetime.fromtimestamp(T0, SHANGHAI)
    with pytest.raises(BadParameters) as info:
        soap.make_call(TextToCall(callee="13800138000", content="", calldate=at, servicetype="S"))
    assert not info.value.retryable and "13800138000" not in str(info.value)


def test_call_log_over_soap(stepped: tuple[ManualClock, GuoxinSoap]) -> None:
    clock, soap = stepped
    start = datetime.fromtimestamp(T0, SHANGHAI)
    answered, plan = number_with(CallKind.ANSWERED_KEY)
    soap.make_call(timed(answered, start))
    clock.advance(600)
    rows = soap.list_calllog(0, 100, start - timedelta(minutes=1), start + timedelta(hours=1))
    assert len(rows) == 1
    row = rows[0]
    assert (row.callee, row.estimate, row.duration) == (answered, None, plan.talk_s)  # no agent rating
    assert row.begin_time.tzinfo is UTC and abs(row.begin_time - start) < timedelta(seconds=5)
    assert row.clickcallid == ""  # §21: only a click-to-call has a clickcallid
    assert (
        soap.list_calllog(0, 100, start - timedelta(minutes=1), start + timedelta(hours=1), telnum="1") == []
    )
    assert soap.list_calllog(0, 100, start + timedelta(hours=1), start + timedelta(hours=2)) == []
    with pytest.raises(ValueError):
        soap.list_calllog(0, 100, start, start, direction=5)


def test_click_to_call_states_and_hangup(stepped: tuple[ManualClock, GuoxinSoap]) -> None:
    clock, soap = stepped
    answered, plan = number_with(CallKind.ANSWERED_KEY)
    click_id = soap.click2call("801", answered)
    assert click_id and soap.state4click(click_id) is Click2CallState.CALLER_RINGING
    clock.advance(2.5)
    assert soap.state4click(click_id) is Click2CallState.CALLEE_RINGING
    clock.advance(plan.ring_s + 0.5)
    assert soap.state4click(click_id) is Click2CallState.TALKING
    soap.click2hungup(click_id)
    assert soap.state4click(click_id) is Click2CallState.IDLE

    ip_id = soap.click2ipcall("802", answered)
    assert ip_id != click_id and soap.state4click(ip_id) is Click2CallState.CALLER_RINGING
    with pytest.raises(CenterServerError) as info:
        soap.click2call("802", answered)  # that agent is on the phone: a Server fault
    assert "Click2CallControl.click2call" in str(info.value) and answered not in str(info.value)


def test_fault_injection_and_unreachable_centre(sim_factory: Factory) -> None:
    soap = GuoxinSoap(sim_factory(fault_rate=1.0).base_url, operation_timeout=5.0)
    with pytest.raises(CenterUnavailable) as info:
        soap.state4click("click-1")
    assert info.value.code == 503 and info.value.retryable

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = GuoxinSoap(f"http://127.0.0.1:{port}", timeout=2.0, operation_timeout=2.0)
    with pytest.raises(CenterUnreachable) as unreachable:
        closed.click2call("801", "13800138000")
    assert unreachable.value.retryable and "13800138000" not in str(unreachable.value)
    assert str(unreachable.value).startswith(f"call centre at http://127.0.0.1:{port} is unreachable")


def test_each_zeep_client_is_built_once_per_thread(sim_factory: Factory) -> None:
    url = sim_factory().base_url
    first = soap_endpoint("Click2CallControl", url, 5.0, 5.0)
    assert soap_endpoint("Click2CallControl", url + "/", 5.0, 5.0) is first
    assert soap_endpoint("CallRecordHome", url, 5.0, 5.0) is not first
    assert first.wsdl_source == f"{url}/bridge/services/Click2CallControl?wsdl"
    assert first.service._binding_options["address"] == f"{url}/bridge/services/Click2CallControl"
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(soap_endpoint("Click2CallControl", url, 5.0, 5.0)))
    thread.start()
    thread.join(timeout=30)
    assert other and other[0] is not first  # zeep's requests session is not thread-safe
    transport = first.service._client.transport
    assert (transport.operation_timeout, transport.load_timeout) == (5.0, 5.0)


@pytest.mark.parametrize(
    ("service", "operations"),
    [
        ("TextToCallService", {"makeCall", "remove", "listWithToken", "listUnCalled"}),
        ("CallRecordHome", {"listCalllog"}),
        ("Click2CallControl", {"click2call", "click2ipcall", "click2hungup", "state4click"}),
    ],
)
def test_packaged_wsdl_and_the_served_one_agree(
    sim_factory: Factory, service: str, operations: set[str]
) -> None:
    url = sim_factory().base_url
    ours = soap_endpoint(service, url, 5.0, 5.0)
    served = zeep.Client(f"{url}/bridge/services/{service}?wsdl")  # what any other client would do
    [port] = served.wsdl.services[service].ports.values()
    assert set(port.binding._operations) == operations == set(ours.binding._operations)
    assert port.binding_options["address"] == f"{url}/bridge/services/{service}"
