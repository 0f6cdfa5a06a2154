"""The Guoxin HTTP adapter against the simulator over real HTTP: every status-code path and body shape.

The simulator runs on a ManualClock where time matters, so call progress is stepped, never slept for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from batch_dialer.callcenter import (
    BadParameters,
    BadPassword,
    CallCenterError,
    CallState,
    CenterBusy,
    CenterUnavailable,
    ContactRecord,
    DuplicateSubmission,
    GuoxinHttp,
    NotFound,
    OpportunityRecord,
    PaymentRequired,
)
from batch_dialer.callcenter.guoxin_options import GuoxinOptions
from batch_dialer.callcenter.simulator import CallKind, ManualClock, RunningSimulator
from tests.callcenter.sim_numbers import number_with
from tests.simulator_fixtures import sim_factory

__all__ = ["sim_factory"]  # the fixture, re-exported for pytest

# 2024-06-01 16:30 UTC is 2024-06-02 00:30 in Shanghai: a signature dated in UTC would be refused.
T0 = datetime(2024, 6, 1, 16, 30, tzinfo=UTC).timestamp()
CENTRE_DAY = date(2024, 6, 2)
PASSWORD = "Gx-pass-77"
TONE = 20
CAPTCHA_TONE = 19

Factory = Callable[..., RunningSimulator]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


def adapter(
    sim: RunningSimulator, clock: ManualClock | None = None, password: str | None = None, tts_pwd: bool = True
) -> GuoxinHttp:
    """Signs IVR_TTS_CALL too (DIALER_GUOXIN_TTS_PWD=1), so the simulator's pwd check is exercised."""
    now: Callable[[], datetime] | None = None
    if clock is not None:
        manual = clock
        now = lambda: datetime.fromtimestamp(manual.now(), UTC)  # noqa: E731
    options = GuoxinOptions(tts_pwd=tts_pwd)
    return GuoxinHttp(sim.base_url, password=password, timeout=5.0, clock=now, options=options)


@pytest.fixture
def stepped(sim_factory: Factory, clock: ManualClock) -> Iterator[tuple[RunningSimulator, GuoxinHttp]]:
    sim = sim_factory(clock=clock, channels=1, waiting_line=5, speed=1.0, password=PASSWORD)
    with adapter(sim, clock, PASSWORD) as cc:
        yield sim, cc


def test_monitor_idle(sim_factory: Factory) -> None:
    with adapter(sim_factory()) as cc:
        reading = cc.monitor()
    assert (reading.queue, reading.playcount) == (0, 0)


def test_tts_call_progress_queued_calling_answered_then_keys(
    stepped: tuple[RunningSimulator, GuoxinHttp], clock: ManualClock
) -> None:
    sim, cc = stepped
    answered, plan = number_with(CallKind.ANSWERED_KEY)
    busy, busy_plan = number_with(CallKind.BUSY)
    assert plan.key_at_s is not None
    cc.submit_tts_call("t-answer", answered, TONE, {"ttsname": "王先生"})
    cc.submit_tts_call("t-busy", busy, TONE, {})
    assert cc.tts_call_result("t-answer").state is CallState.CALLING
    assert cc.tts_call_result("t-busy").state is CallState.QUEUED  # the one channel is taken
    assert cc.monitor().playcount == 1

    clock.advance(plan.ring_s + 0.5)
    result = cc.tts_call_result("t-answer")
    assert (result.state, result.keys) == (CallState.ANSWERED, {})  # answered, key not pressed yet

    clock.advance(plan.key_at_s)
    result = cc.tts_call_result("t-answer")
    assert (result.state, result.keys) == (CallState.ANSWERED, {"satisfact": plan.keys})
    assert result.raw == f"state=1;satisfact={plan.keys}"

    clock.advance(plan.talk_s - plan.key_at_s + 0.5)  # the IVR ends; the busy call gets the channel
    assert cc.tts_call_result("t-busy").state is CallState.CALLING
    clock.advance(busy_plan.ring_s + 0.5)
    results = cc.tts_call_results(["t-answer", "t-busy", "t-unknown"])
    assert {token: r.state for token, r in results.items()} == {
        "t-answer": CallState.ANSWERED,
        "t-busy": CallState.BUSY,
        "t-unknown": CallState.NOT_FOUND,
    }
    assert sim.center.truth()["peak_channels"] == 1


def test_every_final_state(sim_factory: Factory, clock: ManualClock) -> None:
    sim = sim_factory(clock=clock, channels=10, speed=1.0)
    expected = {
        CallKind.ANSWERED_NO_KEY: CallState.ANSWERED,
        CallKind.FAILED: CallState.FAILED,
        CallKind.EMPTY: CallState.EMPTY_NUMBER,
        CallKind.BUSY: CallState.BUSY,
        CallKind.POWER_OFF: CallState.POWER_OFF,
    }
    with adapter(sim, clock) as cc:
        for kind in expected:
            cc.submit_tts_call(f"t-{kind}", number_with(kind)[0], TONE, {})
            cc.submit_captcha_call(f"c-{kind}", number_with(kind, skip=1)[0], CAPTCHA_TONE, "4821")
        clock.advance(600)
        tts = cc.tts_call_results([f"t-{kind}" for kind in expected])
        captcha = cc.captcha_results([f"c-{kind}" for kind in expected])
    for kind, state in expected.items():
        assert tts[f"t-{kind}"].state is state and tts[f"t-{kind}"].keys == {}
        assert captcha[f"c-{kind}"].state is state
        assert captcha[f"c-{kind}"].raw == str(int(state))  # GET_CAPTCHA_RESULT answers the bare digit
        assert state.is_final


def test_signature_uses_the_centres_date(
    stepped: tuple[RunningSimulator, GuoxinHttp], clock: ManualClock
) -> None:
    _, cc = stepped
    number, _ = number_with(CallKind.ANSWERED_KEY)
    cc.submit_captcha_call("c-1", number, CAPTCHA_TONE, "112233", extnum="801", precallcount=1)
    assert cc.captcha_result("c-1").state is CallState.CALLING
    assert datetime.fromtimestamp(clock.now(), UTC).date() != CENTRE_DAY  # UTC is still the day before


def test_password_refused_and_secrets_kept_out(sim_factory: Factory, clock: ManualClock) -> None:
    sim = sim_factory(clock=clock, password=PASSWORD)
    number, _ = number_with(CallKind.ANSWERED_KEY)
    for wrong in (adapter(sim, clock, "wrong-password"), adapter(sim, clock, None)):
        with wrong as cc:
            with pytest.raises(BadPassword) as info:
                cc.submit_tts_call("t-1", number, TONE, {})
            assert info.value.code == 401 and not info.value.retryable
            with pytest.raises(BadPassword):
                cc.submit_captcha_call("c-1", number, CAPTCHA_TONE, "998877")
        text = str(info.value)
        assert (
            text == f"call centre at {sim.base_url} answered 401 to IVR_TTS_CALL: wrong or missing password"
        )
        for secret in ("wrong-password", PASSWORD, number, "pwd"):
            assert secret not in text
    assert sim.center.truth()["accepted"] == 0
    with adapter(sim, clock, None, tts_pwd=False) as unsigned:  # the default: §18 has no pwd
        unsigned.submit_tts_call("t-2", number, TONE, {})
    assert sim.center.truth()["accepted"] == 1


def test_password_with_the_real_clock(sim_factory: Factory) -> None:
    sim = sim_factory(password=PASSWORD)
    with adapter(sim, password=PASSWORD) as cc:
        cc.submit_tts_call("t-real", number_with(CallKind.BUSY)[0], TONE, {})
        assert cc.tts_call_result("t-real").state in (CallState.QUEUED, CallState.CALLING, CallState.BUSY)


def test_duplicate_token_483(stepped: tuple[RunningSimulator, GuoxinHttp]) -> None:
    sim, cc = stepped
    number, _ = number_with(CallKind.BUSY)
    cc.submit_tts_call("t-dup", number, TONE, {})
    with pytest.raises(DuplicateSubmission) as info:
        cc.submit_tts_call("t-dup", number, TONE, {})
    assert info.value.code == 483
    cc.submit_captcha_call("c-dup", number, CAPTCHA_TONE, None)
    with pytest.raises(DuplicateSubmission):
        cc.submit_captcha_call("c-dup", number, CAPTCHA_TONE, None)
    assert sim.center.truth()["calls_total"] == 2


def test_busy_486_with_a_retry_hint(sim_factory: Factory, clock: ManualClock) -> None:
    sim = sim_factory(clock=clock, channels=1, waiting_line=0)
    with adapter(sim, clock) as cc:
        cc.submit_tts_call("t-1", number_with(CallKind.ANSWERED_KEY)[0], TONE, {})
        with pytest.raises(CenterBusy) as info:
            cc.submit_tts_call("t-2", number_with(CallKind.BUSY)[0], TONE, {})
    assert info.value.code == 486 and info.value.retryable and info.value.retry_after
    assert sim.center.truth()["rejected_486"] == 1


def test_unavailable_480_and_faults_503(sim_factory: Factory) -> None:
    number = number_with(CallKind.BUSY)[0]
    with adapter(sim_factory(unavailable=True)) as cc, pytest.raises(CenterUnavailable) as info:
        cc.submit_tts_call("t-1", number, TONE, {})
    assert info.value.code == 480 and info.value.retryable and info.value.retry_after
    with adapter(sim_factory(fault_rate=1.0)) as cc:
        for call in (cc.monitor, lambda: cc.submit_tts_call("t-1", number, TONE, {}), cc.tone_files):
            with pytest.raises(CenterUnavailable) as info:
                call()
            assert info.value.code == 503 and info.value.retryable


def test_bad_parameters_400_and_420(sim_factory: Factory) -> None:
    with adapter(sim_factory()) as cc:
        with pytest.raises(BadParameters) as info:
            cc.submit_tts_call("t-1", "12ab", TONE, {})
        assert info.value.code == 400
        with pytest.raises(BadParameters) as info:
            cc.submit_captcha_call("c-1", "13800000000", 9999, "1234")  # no such voice file
        assert info.value.code == 420
        with pytest.raises(BadParameters) as info:
            cc.delete_tone_file(0)
        assert info.value.code == 400


def test_payment_required_421(sim_factory: Factory) -> None:
    with adapter(sim_factory(unpaid=frozenset({"CLICK_TO_IP_CAPTCHA"}))) as cc:
        with pytest.raises(PaymentRequired) as info:
            cc.submit_captcha_call("c-1", "13800000000", CAPTCHA_TONE, "1234")
        assert info.value.code == 421 and not info.value.retryable
        cc.submit_captcha_call("c-2", "13800000000", CAPTCHA_TONE, "1234", line="fixed")  # a paid line


def test_not_found_404(sim_factory: Factory) -> None:
    with adapter(sim_factory()) as cc:
        assert cc.tts_call_result("never-sent").state is CallState.NOT_FOUND
        assert cc.captcha_result("never-sent").state is CallState.NOT_FOUND
        assert cc.call_log_by_callid("sim-99999999@127.0.0.1") is None
        with pytest.raises(NotFound) as info:
            cc.delete_tone_file(424242)
        assert info.value.code == 404


def test_contacts_and_opportunities_all_or_nothing(sim_factory: Factory) -> None:
    sim = sim_factory()
    first = [
        ContactRecord("李先生", ["13227841198", "075588886666"], extra={14: "1234567"}),
        ContactRecord("Miss.Zhang", ["13800138000"]),
    ]
    with adapter(sim) as cc:
        assert cc.contacts_request_size(first) > 0
        cc.push_contacts(first)
        with pytest.raises(DuplicateSubmission):
            cc.push_contacts(
                [ContactRecord("新客户", ["13912345678"]), ContactRecord("重复", ["13800138000"])]
            )
        assert sim.center.truth()["contacts"] == 2  # nothing of the refused batch was stored
        cc.push_contacts([ContactRecord("新客户", ["13912345678"])])
        cc.push_contacts([])  # nothing to send: no request

        deals = [OpportunityRecord("王先生", "13227841198", "呼叫中心", "想要报价", "7654321")]
        cc.push_opportunities(deals)
        with pytest.raises(DuplicateSubmission):
            cc.push_opportunities(deals)
        cc.push_opportunities([OpportunityRecord("王先生", "13227841198", "CRM")])
    truth = sim.center.truth()
    assert (truth["contacts"], truth["preorders"]) == (3, 2)


def test_call_log(sim_factory: Factory, clock: ManualClock) -> None:
    sim = sim_factory(clock=clock, speed=1.0)
    answered, plan = number_with(CallKind.ANSWERED_KEY)
    busy, _ = number_with(CallKind.BUSY)
    with adapter(sim, clock) as cc:
        cc.submit_tts_call("t-answer", answered, TONE, {})
        cc.submit_tts_call("t-busy", busy, TONE, {})
        clock.advance(600)
        rows = cc.call_log_query(CENTRE_DAY, CENTRE_DAY)
        by_callee = {row.callee: row for row in rows}  # §21: our calls are found by callee and time
        assert set(by_callee) == {answered, busy} and {r.clickcallid for r in rows} == {""}
        row = by_callee[answered]
        assert (row.estimate, row.duration, row.state) == (None, plan.talk_s, "STATE_RECEIVED")
        assert abs(row.begin_time - datetime.fromtimestamp(T0, UTC)) < timedelta(seconds=60)
        assert by_callee[busy].state == "STATE_FAILED"
        assert cc.call_log_by_callid(row.callid) == row
        assert [r.callee for r in cc.call_log_query(CENTRE_DAY, CENTRE_DAY, telnum=busy)] == [busy]
        # §21 first is a start id ("查询起始 id"): the page from the second row's id starts there
        second = sorted(r.id for r in rows)[1]
        assert [r.id for r in cc.call_log_query(CENTRE_DAY, CENTRE_DAY, max_results=5, first=second)] == [
            second
        ]
        assert cc.call_log_query(CENTRE_DAY + timedelta(days=1), CENTRE_DAY + timedelta(days=1)) == []


def test_tone_files_round_trip(sim_factory: Factory) -> None:
    with adapter(sim_factory()) as cc:
        before = {tone.id: tone for tone in cc.tone_files()}
        assert before[TONE].title == "满意度调查"
        new_id = cc.save_tone_file("满意度 回访+1", "请按 1 到 5 评分", b"\xff" * 800)
        assert new_id not in before
        saved = {tone.id: tone for tone in cc.tone_files()}[new_id]
        assert (saved.title, saved.description) == ("满意度 回访+1", "请按 1 到 5 评分")
        assert cc.save_tone_file("改名", "新的说明", b"\x7f" * 800, tone_id=new_id) == new_id
        assert {tone.id: tone for tone in cc.tone_files()}[new_id].title == "改名"
        cc.delete_tone_file(new_id)
        assert new_id not in {tone.id for tone in cc.tone_files()}
        with pytest.raises(CallCenterError):
            cc.save_tone_file("无此文件", "x", b"\x7f", tone_id=new_id)


def test_agent_states(sim_factory: Factory, clock: ManualClock) -> None:
    sim = sim_factory(clock=clock, agents=3, speed=1.0)
    with adapter(sim, clock) as cc:
        agents = cc.agent_states()
        assert [a.tel_num for a in agents] == ["801", "802", "803"]
        assert all(a.registered and a.state == "IDEL" and a.remote_num is None for a in agents)
        number, plan = number_with(CallKind.ANSWERED_KEY)
        cc.submit_captcha_call("c-agent", number, CAPTCHA_TONE, "1234", extnum="802")
        clock.advance(plan.ring_s + plan.talk_s + 1)
        serving = {a.tel_num: a for a in cc.agent_states()}["802"]
    assert (serving.state, serving.remote_num) == ("BUSY_OUTGOING", number)
