"""An opt-out key pressed in a TTS campaign puts the number on the DNC list at once: its task ends as dnc,
the audit trail says so, and a later campaign over the same contacts skips it."""

from __future__ import annotations

from sqlalchemy import Engine, select

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.audit_trail import audit_events, phone_hash
from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import CallAttempt, CallTask, DoNotCall, table_of
from batch_dialer.campaigns.opt_out import check_optout_key, opted_out
from tests.engine_support import make_campaign, run_to_completion, seed_contacts
from tests.simulator_fixtures import running_simulator


def test_the_key_matches_as_documented() -> None:
    assert opted_out({"satisfact": "9"}, "9")
    assert opted_out({"satisfact": "9"}, "satisfact=9")
    assert not opted_out({"other": "9"}, "satisfact=9")
    assert not opted_out({"satisfact": "1"}, "9")
    assert not opted_out(None, "9") and not opted_out({"satisfact": "9"}, None)
    assert check_optout_key(" 9 ") == "9" and check_optout_key("") is None


def test_bad_optout_key_is_one_clear_line() -> None:
    import pytest

    with pytest.raises(ValueError, match="--optout-key '99': expected one key"):
        check_optout_key("99")


def test_opt_out_goes_to_the_dnc_list_and_later_campaigns_skip_it(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    seed_contacts(engine, 40)
    first = make_campaign(engine, "first", optout_key="1", max_attempts=2)
    with running_simulator(channels=20, speed=300, seed=3) as sim:
        centre = connect(sim.base_url, None)
        run_to_completion(engine, centre, first)
        centre.close()
    task, attempt, dnc = table_of(CallTask), table_of(CallAttempt), table_of(DoNotCall)
    with engine.connect() as conn:
        pressed = {
            phone
            for phone, keys in conn.execute(
                select(attempt.c.phone, attempt.c["keys"]).where(attempt.c.campaign_id == first)
            )
            if keys and "1" in keys.values()
        }
        dnc_tasks = set(
            conn.scalars(select(task.c.phone).where(task.c.campaign_id == first, task.c.state == "dnc"))
        )
        listed = dict(conn.execute(select(dnc.c.phone, dnc.c.reason)).all())
    assert pressed, "the simulator pressed key 1 on none of 40 calls"
    assert dnc_tasks == pressed and set(listed) == pressed
    assert all("first" in reason for reason in listed.values())
    hashes = {e.phone_hash for e in audit_events(engine, actions=("opt_out",))}
    assert hashes == {phone_hash(p) for p in pressed}

    second = make_campaign(engine, "second")
    start(engine, second, utcnow())
    with engine.connect() as conn:
        skipped = set(
            conn.scalars(select(task.c.phone).where(task.c.campaign_id == second, task.c.state == "dnc"))
        )
    assert skipped == pressed
