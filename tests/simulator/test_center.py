"""The simulation core, stepped with a ManualClock (speed 1: clock seconds are nominal seconds)."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime
from zoneinfo import ZoneInfo

from batch_dialer.callcenter.simulator import CallKind, ManualClock, SimCenter, SimulatorConfig, plan_call

from .plans import T0, number_with, numbers


def make(clock: ManualClock, **config: object) -> SimCenter:
    config.setdefault("speed", 1.0)
    return SimCenter(SimulatorConfig(**config), clock)  # type: ignore[arg-type]


def test_ivr_call_goes_waiting_calling_answered_then_key() -> None:
    clock = ManualClock(T0)
    center = make(clock, channels=1)
    callee = number_with(CallKind.ANSWERED_KEY)
    plan = plan_call(1, callee, 1)
    other = number_with(CallKind.BUSY)
    assert center.submit_ivr("a", other, 20, {}, None) == 200
    assert center.submit_ivr("b", callee, 20, {}, None) == 200
    assert center.ivr_result("b") == "state=0"  # the only channel is taken
    assert center.ivr_result("a") == "state=4"
    busy_end = plan_call(1, other, 1).ring_s
    clock.advance(busy_end)
    assert center.ivr_result("a") == "state=5"
    assert center.ivr_result("b") == "state=4"
    clock.advance(plan.ring_s)
    assert center.ivr_result("b") == "state=1"
    assert plan.key_at_s is not None
    clock.advance(plan.key_at_s - 0.5)
    assert center.ivr_result("b") == "state=1"
    clock.advance(0.5)
    assert center.ivr_result("b") == f"state=1;satisfact={plan.keys}"
    assert center.monitor() == (0, 1)
    clock.advance(plan.talk_s - plan.key_at_s)
    assert center.monitor() == (0, 0)
    truth = center.truth()
    call = truth["calls"]["b"]
    assert call["final"] and call["started_at"] == T0 + busy_end
    assert call["holding_s"] == plan.holding_s
    assert truth["channel_seconds_busy"] == busy_end + plan.holding_s
    assert center.ivr_result("nope") is None


def test_speed_divides_durations_but_not_log_values() -> None:
    clock = ManualClock(T0)
    center = make(clock, speed=60.0)
    callee = number_with(CallKind.ANSWERED_NO_KEY)
    plan = plan_call(1, callee, 1)
    assert center.submit_ivr("t", callee, 20, {}, None) == 200
    clock.advance(plan.holding_s / 60 + 1e-6)
    assert center.ivr_result("t") == "state=1"
    assert center.monitor() == (0, 0)
    [row] = center.call_log()
    assert row["duration"] == plan.talk_s
    assert row["beginTime"] == round(T0 * 1000)
    assert row["clickcallid"] == "" and row["state"] == "STATE_RECEIVED"


def test_pool_never_exceeded_waiting_line_and_486() -> None:
    clock = ManualClock(T0)
    center = make(clock, channels=3, waiting_line=2)
    codes = [center.submit_ivr(f"t{i}", n, 20, {}, None) for i, n in zip(range(7), numbers(), strict=False)]
    assert codes == [200] * 5 + [486, 486]
    assert center.monitor() == (0, 3)
    truth = center.truth()
    assert truth["waiting"] == 2 and truth["rejected_486"] == 2 and truth["accepted"] == 5
    for _ in range(200):
        clock.advance(1)
        assert center.monitor()[1] <= 3
    truth = center.truth()
    assert truth["peak_channels"] == 3 and truth["peak_waiting"] == 2
    assert truth["channels_in_use"] == 0 and truth["waiting"] == 0
    assert all(c["final"] for c in truth["calls"].values())
    assert truth["call_log_rows"] == 5


def test_duplicate_token_483_and_attempt_numbers_per_number() -> None:
    clock = ManualClock(T0)
    center = make(clock)
    callee = "13900001234"
    assert center.submit_ivr("x", callee, 20, {}, None) == 200
    assert center.submit_ivr("x", callee, 20, {}, None) == 483
    assert center.submit_ivr("y", callee, 20, {}, None) == 200
    truth = center.truth()
    assert truth["calls_by_number"] == {callee: 2}
    assert [truth["calls"][t]["attempt_no"] for t in ("x", "y")] == [1, 2]
    assert truth["calls"]["y"]["kind"] == plan_call(1, callee, 2).kind.value
    assert truth["duplicates_483"] == 1


def test_password_is_md5_of_password_callee_code_and_shanghai_date() -> None:
    # 2024-06-01 20:00 UTC is already 2024-06-02 in Shanghai.
    clock = ManualClock(datetime(2024, 6, 1, 20, 0, tzinfo=ZoneInfo("UTC")).timestamp())
    center = make(clock, password="s3cret")
    good = hashlib.md5(b"s3cret13900001234" + b"2024-06-02").hexdigest()
    utc_day = hashlib.md5(b"s3cret13900001234" + b"2024-06-01").hexdigest()
    assert center.submit_ivr("a", "13900001234", 20, {}, utc_day) == 401
    assert center.submit_ivr("a", "13900001234", 20, {}, "no") == 401
    assert center.submit_ivr("a", "13900001234", 20, {}, good) == 200
    code_pwd = hashlib.md5(b"s3cret13900001234" + b"4321" + b"2024-06-02").hexdigest()
    assert center.submit_captcha("c", "13900001234", 19, "4321", None, 0, good) == 401
    assert center.submit_captcha("c", "13900001234", 19, "4321", None, 0, code_pwd) == 200
    assert "s3cret" not in repr(center.config) and "s3cret" not in str(center.truth())


def test_captcha_transfer_queue_agents_and_precall_limit() -> None:
    clock = ManualClock(T0)
    center = make(clock, agents=1, channels=10)
    answered = [number_with(CallKind.ANSWERED_KEY, skip=i) for i in range(4)]
    for i, n in enumerate(answered[:3]):
        assert center.submit_captcha(f"c{i}", n, 19, "", "801", 5, None) == 200
    assert center.captcha_result("c0") == 4
    clock.advance(max(plan_call(1, n, 1).holding_s for n in answered[:3]))
    # all three were answered and played; one talks to agent 801, two wait in the queue
    assert [center.captcha_result(f"c{i}") for i in range(3)] == [1, 1, 1]
    assert center.monitor() == (2, 3)
    states = center.agent_states()
    assert states[0]["state"] == "BUSY_OUTGOING" and states[0]["remoteNum"] in answered
    # the agent is busy and the queue already holds 2 >= precallcount 2: rejected
    assert center.submit_captcha("c3", answered[3], 19, "", "801", 2, None) == 486
    assert center.submit_captcha("c3", answered[3], 19, "", "801", 3, None) == 200
    assert center.submit_captcha("c4", answered[3], 99, "", None, 0, None) == 420
    clock.advance(2000)
    truth = center.truth()
    assert truth["channels_in_use"] == 0 and truth["queue"] == 0
    assert {c["agent"] for c in truth["calls"].values() if c["agent"]} == {"801"}
    assert center.agent_states()[0]["state"] == "IDEL"
    assert center.captcha_result("missing") is None


def test_unavailable_switch_and_fault_rate_are_seeded() -> None:
    clock = ManualClock(T0)
    center = make(clock, unavailable=True)
    assert center.submit_ivr("a", "13900001234", 20, {}, None) == 480
    center.set_faults(unavailable=False, fault_rate=0.5)
    assert center.submit_ivr("a", "13900001234", 20, {}, None) == 200
    draws = [center.admit() for _ in range(400)]
    again = make(ManualClock(T0), fault_rate=0.5)
    assert [again.admit() for _ in range(400)] == draws
    assert 150 < draws.count(False) < 250
    assert center.truth()["faults_503"] == draws.count(False)
    center.reset()
    truth = center.truth()
    assert truth["calls_total"] == 0 and truth["config"]["unavailable"] is True


def test_click_call_states_and_hangup() -> None:
    clock = ManualClock(T0)
    center = make(clock, agents=2)
    callee = number_with(CallKind.ANSWERED_NO_KEY)
    plan = plan_call(1, callee, 1)
    click_id = center.click_call("801", callee)
    assert center.click_state(click_id) == 1
    clock.advance(2)
    assert center.click_state(click_id) == 2
    clock.advance(plan.ring_s)
    assert center.click_state(click_id) == 3
    assert center.agent_states()[0]["state"] == "BUSY_OUTGOING"
    center.click_hangup(click_id)
    assert center.click_state(click_id) == 0
    assert center.agent_states()[0]["state"] == "IDEL"
    assert center.monitor() == (0, 0)


def test_random_load_keeps_invariants_and_is_reproducible() -> None:
    def run() -> dict[str, object]:
        clock = ManualClock(T0)
        center = make(clock, channels=4, agents=2, waiting_line=3)
        rng = random.Random(5)
        pool = [f"1370000{i:04d}" for i in range(30)]
        for i in range(400):
            callee = rng.choice(pool)
            if rng.random() < 0.5:
                center.submit_ivr(f"i{i}", callee, 20, {}, None)
            else:
                center.submit_captcha(f"c{i}", callee, 19, "", "801" if rng.random() < 0.5 else None, 2, None)
            clock.advance(rng.uniform(0, 8))
            _queue, playcount = center.monitor()
            assert playcount <= 4 and center.truth()["waiting"] <= 3
        clock.advance(10_000)
        return center.truth()

    truth = run()
    calls = truth["calls"]
    assert isinstance(calls, dict)
    assert all(c["final"] and c["state"] in (1, 2, 3, 5, 6) for c in calls.values())
    assert truth["peak_channels"] == 4 and truth["channels_in_use"] == 0
    assert truth["call_log_rows"] == len(calls) == truth["accepted"]
    by_number: dict[str, int] = {}
    for c in calls.values():
        by_number[c["callee"]] = by_number.get(c["callee"], 0) + 1
        assert c["kind"] == plan_call(1, c["callee"], c["attempt_no"]).kind.value
    assert by_number == truth["calls_by_number"]
    assert abs(truth["channel_seconds_busy"] - sum(c["holding_s"] for c in calls.values())) < 1e-3 * len(
        calls
    )
    truth.pop("now")
    again = run()
    again.pop("now")
    assert again == truth
