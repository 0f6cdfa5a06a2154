"""Several claimed attempts placed from one message: two commits for all of them, each still its own
compare-and-set, and a transport failure costs only its own attempt; at a slow centre, no call is sent
that could still be on its way when its claim lease runs out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import Engine, event, select

from batch_dialer.callcenter import connect
from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.callcenter.guoxin_http import GuoxinHttp
from batch_dialer.campaigns.claiming import ClaimPolicy, claim_due
from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import CallAttempt, CallTask, table_of
from batch_dialer.workers.placing import place, place_many
from batch_dialer.workers.runtime import Runtime, Timings
from tests.engine_support import make_campaign, seed_contacts
from tests.simulator_fixtures import running_simulator

_attempt = table_of(CallAttempt)
_task = table_of(CallTask)


class _DropsOneNumber(httpx.BaseTransport):
    """The real simulator over HTTP, except that submitting a call to ``phone`` loses the connection."""

    def __init__(self, phone: str) -> None:
        self.phone = phone
        self.real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.params.get("callee") == self.phone:
            raise httpx.ConnectError("connection reset by peer", request=request)
        return self.real.handle_request(request)


def test_one_message_places_several_in_two_commits_and_one_failure_stays_its_own(
    sqlite_engine: Engine,
) -> None:
    phones = seed_contacts(sqlite_engine, 4)
    cid = make_campaign(sqlite_engine, max_attempts=1, channels=4, tts=["ttsname={name}"])
    now = datetime.now(UTC)
    start(sqlite_engine, cid, now)
    policy = ClaimPolicy(campaign_id=cid, token_salt="", lease_s=30.0)
    ids = claim_due(sqlite_engine, policy, 4, now).attempt_ids
    with sqlite_engine.connect() as conn:
        phone_of = dict(conn.execute(select(_attempt.c.id, _attempt.c.phone)).all())
    lost = next(i for i in ids if phone_of[i] == phones[2])
    with running_simulator(channels=4, speed=1, seed=3) as sim:
        centre = GuoxinHttp(sim.base_url, transport=_DropsOneNumber(phones[2]))
        runtime = Runtime(sqlite_engine, centre, timings=Timings(poll_interval_s=5, claim_lease_s=30))
        assert place(runtime, ids[0]) == "placed"  # delivered alone first: the batch finds it moved on

        commits: list[object] = []

        def count(conn: object) -> None:
            commits.append(conn)

        event.listen(sqlite_engine, "commit", count)
        try:
            results = place_many(runtime, ids)
        finally:
            event.remove(sqlite_engine, "commit", count)
        truth = sim.center.truth()

    assert results[ids[0]] == "skipped"
    assert isinstance(results[lost], CallCenterError)
    assert [results[i] for i in ids if i not in (ids[0], lost)] == ["placed", "placed"]
    # one commit loads the batch, one records the placements, one expires the lost one's lease
    assert len(commits) == 3
    assert truth["calls_total"] == 3  # each number once: nothing sent twice, the lost one not at all
    with sqlite_engine.connect() as conn:
        states = dict(conn.execute(select(_attempt.c.id, _attempt.c.state)).all())
        lease = conn.scalar(select(_attempt.c.lease_until).where(_attempt.c.id == lost))
        attempts = sorted(conn.scalars(select(_task.c.attempts)))
    assert states == {i: ("submitting" if i == lost else "placed") for i in ids}
    assert lease is not None and lease <= datetime.now(UTC)  # recovery re-sends it as a resubmission
    assert attempts == [0, 1, 1, 1]  # a placement counts once on its task; the lost one not yet


def test_a_slow_centre_gets_the_submissions_that_end_within_their_lease(sqlite_engine: Engine) -> None:
    """A placement message's calls go one after another; one that could still be on its way when its
    lease runs out is not sent but handed back at once, and its re-send places it exactly once."""
    clock = ManualClock(datetime.now(UTC))
    with running_simulator(channels=10, speed=1, seed=3) as sim:
        centre = connect(sim.base_url, None)
        runtime = Runtime(
            sqlite_engine, centre, clock=clock, timings=Timings(claim_lease_s=30, request_timeout_s=13)
        )
        seed_contacts(sqlite_engine, 8)
        cid = make_campaign(sqlite_engine, max_attempts=1, channels=8)
        start(sqlite_engine, cid, clock.now())
        ids = claim_due(sqlite_engine, ClaimPolicy(cid, "", 30.0), 8, clock.now()).attempt_ids
        submit = centre.submit_tts_call  # type: ignore[attr-defined]

        def slow(*args: object, **kwargs: object) -> object:
            clock.advance(timedelta(seconds=13))  # every request waits out its whole timeout
            return submit(*args, **kwargs)

        centre.submit_tts_call = slow  # type: ignore[attr-defined]
        results = place_many(runtime, ids)
        # requests start at 0 and 13 s and end by 26 s; one starting at 26 s could end past the 30 s lease
        assert [results[i] for i in ids] == ["placed"] * 2 + ["lease-short"] * 6
        with sqlite_engine.connect() as conn:
            leases = dict(
                conn.execute(
                    select(_attempt.c.id, _attempt.c.lease_until).where(_attempt.c.id.in_(ids[2:]))
                ).all()
            )
        assert all(lease is not None and lease <= clock.now() for lease in leases.values())
        centre.submit_tts_call = submit  # type: ignore[attr-defined]
        assert set(place_many(runtime, ids[2:]).values()) == {"placed"}
        assert sim.center.truth()["operations"]["IVR_TTS_CALL"] == 8  # type: ignore[index]
