"""Engine-side Guoxin points, each from the document's own words (002 §3, §14, §18), against the simulator
over real HTTP: captcha placed once without 483, one 400 is one contact's bad data, precallcount paces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from batch_dialer.callcenter import connect
from batch_dialer.callcenter.results import AgentState
from batch_dialer.campaigns.claiming import ClaimPolicy, claim_due
from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.kinds.captcha import free_agents
from batch_dialer.campaigns.kinds.registry import kind_named
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, Contact, table_of
from batch_dialer.campaigns.submit_ledger import begin_submit
from batch_dialer.reports import build_summary
from batch_dialer.scheduler.dispatch import Dispatcher, Senders
from batch_dialer.workers.placing import place
from batch_dialer.workers.runtime import Runtime, Timings
from tests.engine_support import make_campaign, seed_contacts
from tests.simulator_fixtures import running_simulator

_attempt = table_of(CallAttempt)
_task = table_of(CallTask)
_campaign = table_of(Campaign)
T0 = datetime.now(UTC)


def _claim_all(engine: Engine, cid: int, now: datetime) -> list[int]:
    with engine.connect() as conn:
        salt = conn.scalar(select(_campaign.c.token_salt).where(_campaign.c.id == cid))
    return claim_due(engine, ClaimPolicy(cid, str(salt)), 100, now).attempt_ids


def test_captcha_worker_killed_after_submitting_is_not_dialled_again(sqlite_engine: Engine) -> None:
    """§3 lists no 483 for CLICK_TO_*_CAPTCHA: the resubmission asks GET_CAPTCHA_RESULT first."""
    (phone,) = seed_contacts(sqlite_engine, 1)
    cid = make_campaign(sqlite_engine, kind="captcha", tts=[], toneid=19)
    start(sqlite_engine, cid, T0)
    clock = ManualClock(T0)
    with running_simulator(speed=1, captcha_483=False) as sim:
        runtime = Runtime(sqlite_engine, connect(sim.base_url, None), clock=clock, timings=Timings())
        (attempt_id,) = _claim_all(sqlite_engine, cid, T0)
        # the worker submits, the centre dials, and the worker dies before recording it
        job = begin_submit(sqlite_engine, attempt_id, T0, runtime.timings.claim_lease_s)
        assert job is not None
        kind_named("captcha").submit(runtime, job, T0)
        assert sim.center.truth()["calls_by_number"] == {phone: 1}
        clock.advance(runtime.timings.claim_lease_s + 1)  # the lease runs out; the scheduler re-sends

        assert place(runtime, attempt_id) == "placed"

        assert sim.center.truth()["calls_by_number"] == {phone: 1}  # not dialled again
        with sqlite_engine.connect() as conn:
            assert conn.scalar(select(_attempt.c.state)) == "placed"
            assert conn.scalar(select(_task.c.attempts)) == 1
        # the knob is real: this centre dials a repeated id again, so only the lookup kept it at one
        centre = connect(sim.base_url, None)
        centre.submit_captcha_call(job.token, phone, 19, job.code or "123456")
        assert sim.center.truth()["calls_by_number"] == {phone: 2}


def test_captcha_resubmission_of_an_id_the_centre_never_got_is_sent(sqlite_engine: Engine) -> None:
    (phone,) = seed_contacts(sqlite_engine, 1)
    cid = make_campaign(sqlite_engine, kind="captcha", tts=[], toneid=19)
    start(sqlite_engine, cid, T0)
    clock = ManualClock(T0)
    with running_simulator(speed=1, captcha_483=False) as sim:
        runtime = Runtime(sqlite_engine, connect(sim.base_url, None), clock=clock)
        (attempt_id,) = _claim_all(sqlite_engine, cid, T0)
        assert begin_submit(sqlite_engine, attempt_id, T0, runtime.timings.claim_lease_s) is not None
        clock.advance(runtime.timings.claim_lease_s + 1)  # died before reaching the centre
        assert place(runtime, attempt_id) == "placed"
        assert sim.center.truth()["calls_by_number"] == {phone: 1}


def _seed_bad(engine: Engine, phones: list[str]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(table_of(Contact)), [{"phone": p, "name": "坏数据"} for p in phones])


def test_one_400_is_that_contacts_bad_data_and_a_run_pauses(sqlite_engine: Engine) -> None:
    """§18: 400 "参数错误" for one call fails that attempt (outcome rejected, task invalid) and the
    campaign goes on; `bad_data_run` of them in a row pause it with the reason."""
    good = seed_contacts(sqlite_engine, 2)
    _seed_bad(sqlite_engine, ["12", "34"])  # the centre refuses a callee of two digits with 400
    cid = make_campaign(sqlite_engine)
    start(sqlite_engine, cid, T0)
    with running_simulator(speed=1) as sim:
        runtime = Runtime(sqlite_engine, connect(sim.base_url, None), timings=Timings(bad_data_run=2))
        ids = _claim_all(sqlite_engine, cid, T0)
        with sqlite_engine.connect() as conn:
            phone_of = dict(conn.execute(select(_attempt.c.id, _attempt.c.phone)).all())
        by_phone = {phone_of[i]: i for i in ids}
        assert place(runtime, by_phone["12"]) == "rejected:400"
        assert place(runtime, by_phone[good[0]]) == "placed"
        with sqlite_engine.connect() as conn:
            assert conn.scalar(select(_campaign.c.status)) == "running"  # one bad contact: goes on
            row = conn.execute(
                select(_attempt.c.outcome, _attempt.c.state).where(_attempt.c.phone == "12")
            ).one()
            assert (row.outcome, row.state) == ("rejected", "final")
            assert conn.scalar(select(_task.c.state).where(_task.c.phone == "12")) == "invalid"
        assert place(runtime, by_phone["34"]) == "rejected:400"
        with sqlite_engine.connect() as conn:
            assert conn.scalar(select(_campaign.c.status)) == "running"  # a placement broke the run
        # a run: two refusals in a row
        _seed_bad(sqlite_engine, ["56"])
        with sqlite_engine.begin() as conn:
            contact = conn.scalar(select(table_of(Contact).c.id).where(table_of(Contact).c.phone == "56"))
            conn.execute(insert(_task).values(campaign_id=cid, contact_id=contact, phone="56"))
        (extra,) = _claim_all(sqlite_engine, cid, T0 + timedelta(seconds=1))
        assert place(runtime, extra) == "rejected:400"
        with sqlite_engine.connect() as conn:
            status, reason = conn.execute(select(_campaign.c.status, _campaign.c.status_reason)).one()
        assert status == "paused"
        assert reason.startswith("call centre refused 2 calls in a row (400): ")
        assert "callee" not in reason  # the refusal names the operation, never the number
    summary = build_summary(sqlite_engine, cid)
    assert summary.by_outcome["rejected"] == 3  # reports show the refused contacts as such


def test_free_agents_read_as_section_14_shows_them() -> None:
    """§14 example: 801 ONLINE/online is free, 802 BUSY_OUTGOING is not; "IDEL" is the documented idle."""
    example = [
        {"telNum": "801", "userName": "李阳", "telRegState": 1, "state": "ONLINE", "presence": "online"},
        {"telNum": "802", "userName": "张霞", "telRegState": 1, "remoteNum": "1322784XXXX",
         "state": "BUSY_OUTGOING", "presence": "online"},
        {"telNum": "803", "telRegState": 1, "state": "IDEL", "presence": "online"},
        {"telNum": "804", "telRegState": 0, "state": "IDEL", "presence": "online"},
        {"telNum": "805", "telRegState": 1, "state": "IDEL", "presence": "busy"},
    ]  # fmt: skip
    agents = [AgentState.from_json(a) for a in example]
    assert free_agents(agents, "801") == 1
    assert free_agents(agents, "802") == 0
    assert free_agents(agents, "8000") == 2  # a group number: any free agent


def test_captcha_to_agents_is_paced_by_free_agents_plus_precallcount(sqlite_engine: Engine) -> None:
    """§3 precallcount: "在坐席全部忙时，还可以继续预呼叫指定数量的客户" — with 2 free agents and
    precallcount 1, three calls start although 10 channels are free; without extnum, channels pace."""
    seed_contacts(sqlite_engine, 20)
    paced = make_campaign(
        sqlite_engine, name="agents", kind="captcha", tts=[], toneid=19, extnum="8000", precallcount=1
    )
    start(sqlite_engine, paced, T0)
    sent: list[int] = []
    with running_simulator(speed=1, agents=2, channels=30) as sim:
        dispatcher = Dispatcher(
            sqlite_engine,
            connect(sim.base_url, None),
            Senders(sent.append, lambda ids: None),
            ManualClock(T0),
        )
        report = dispatcher.pace()
        assert report.claimed == {paced: 3}
        report = dispatcher.pace()  # nothing placed or finished since: still three in flight
        assert report.claimed.get(paced, 0) == 0
