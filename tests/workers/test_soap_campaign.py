"""A soap_tts campaign: timed TTS calls through TextToCallService.makeCall, states collected with
listWithToken, and a resubmission after a crash finds the earlier call instead of making another."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update

from batch_dialer.callcenter import GuoxinSoap, connect
from batch_dialer.campaigns.claiming import ClaimPolicy, claim_due
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import CallAttempt, Campaign, table_of
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.workers.placing import place
from batch_dialer.workers.runtime import Runtime
from tests.engine_support import make_campaign, run_to_completion, seed_contacts
from tests.simulator_fixtures import running_simulator

SOAP = {"kind": "soap_tts", "tts": [], "toneid": None, "text": "尊敬的{name}，您的快递已到。"}


def test_soap_campaign_completes(sqlite_engine: Engine) -> None:
    seed_contacts(sqlite_engine, 30)
    cid = make_campaign(sqlite_engine, channels=10, max_attempts=2, **SOAP)
    with running_simulator(channels=20, speed=300, seed=4) as sim:
        centre = connect(sim.base_url, None)
        run_to_completion(
            sqlite_engine, centre, cid, timeout=120, soap_factory=lambda: GuoxinSoap(sim.base_url)
        )
        truth = sim.center.truth()
    progress = campaign_progress(sqlite_engine, cid)
    assert progress["by_state"]["pending"] == progress["by_state"]["in_flight"] == 0
    assert progress["attempts"] == truth["timed_calls"]  # one centre task per placement, no more
    assert progress["by_outcome"].get("answered", 0) > 0
    assert set(progress["by_outcome"]) <= {"answered", "no_answer", "failed"}


def test_soap_resubmission_finds_the_earlier_call(sqlite_engine: Engine) -> None:
    seed_contacts(sqlite_engine, 1)
    cid = make_campaign(sqlite_engine, channels=1, **SOAP)
    start(sqlite_engine, cid, datetime.now(UTC))
    attempt = table_of(CallAttempt)
    with running_simulator(channels=5, speed=1, seed=4) as sim:
        runtime = Runtime(
            sqlite_engine, connect(sim.base_url, None), soap_factory=lambda: GuoxinSoap(sim.base_url)
        )
        with sqlite_engine.connect() as conn:
            salt = conn.scalar(select(table_of(Campaign).c.token_salt))
        (attempt_id,) = claim_due(sqlite_engine, ClaimPolicy(cid, salt), 1, datetime.now(UTC)).attempt_ids
        assert place(runtime, attempt_id) == "placed"
        with sqlite_engine.connect() as conn:
            first_ref = conn.scalar(select(attempt.c.centre_ref))
        # as if the worker died after makeCall but before recording it: submitting, lease expired
        with sqlite_engine.begin() as conn:
            conn.execute(
                update(attempt).values(
                    state="submitting", placed_at=None, lease_until=datetime.now(UTC) - timedelta(seconds=1)
                )
            )
        assert place(runtime, attempt_id) == "placed"
        with sqlite_engine.connect() as conn:
            assert conn.scalar(select(attempt.c.centre_ref)) == first_ref
        assert sim.center.truth()["timed_calls"] == 1
        assert Counter(c["api"] for c in sim.center.truth()["calls"].values()).get("ivr", 0) == 0
