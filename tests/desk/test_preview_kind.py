"""The ``preview`` kind on the seam: created like any kind, never claimed by the engine's pacer while
a robot campaign on the same centre is dialled, worked on the desk, and completed by the lifecycle once
the agents' dispositions have closed every contact."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.campaign_options import CampaignOptionsError
from batch_dialer.campaigns.creation import build_options, create_campaign
from batch_dialer.campaigns.desk_agents import assign_agents, link_agent
from batch_dialer.campaigns.desk_calls import dial, dispose, record_event
from batch_dialer.campaigns.desk_cards import contact_card
from batch_dialer.campaigns.desk_offers import offer_next
from batch_dialer.campaigns.kinds.base import Pacing
from batch_dialer.campaigns.kinds.registry import kind_named
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import CallAttempt, table_of
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.scheduler.embedded import EmbeddedEngine
from batch_dialer.web.access_store import create_user
from tests.engine_support import FAST_TICKS, FAST_TIMINGS, make_campaign, seed_contacts, wait_for
from tests.simulator_fixtures import running_simulator


def _attempts(engine: Engine, campaign_id: int) -> int:
    attempt = table_of(CallAttempt)
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).where(attempt.c.campaign_id == campaign_id)) or 0)


def test_preview_options_and_pacing(sqlite_engine: Engine) -> None:
    seed_contacts(sqlite_engine, 2)
    options = build_options(
        sqlite_engine,
        {"name": "回访", "kind": "preview", "all_contacts": True, "script": "您好{name}，我是客服小王"},
    )
    campaign_id = create_campaign(sqlite_engine, options, "http://127.0.0.1:12121")
    assert options.to_campaign_columns()["captcha"] == {"script": "您好{name}，我是客服小王"}
    assert kind_named("preview").pacing(None) is Pacing.PEOPLE  # type: ignore[arg-type]
    with pytest.raises(CampaignOptionsError, match="unknown placeholder"):
        build_options(
            sqlite_engine, {"name": "x", "kind": "preview", "all_contacts": True, "script": "{nme}"}
        )
    assert campaign_progress(sqlite_engine, campaign_id)["status"] == "draft"


def test_the_engine_never_dials_a_preview_campaign_and_completes_it_after_the_desk(
    sqlite_engine: Engine,
) -> None:
    engine = sqlite_engine
    phones = seed_contacts(engine, 3)
    robots = make_campaign(engine, "robots", channels=3)
    options = build_options(
        engine,
        {
            "name": "坐席回访",
            "kind": "preview",
            "all_contacts": True,
            "window": ["00:00-24:00"],
            "script": "您好{name}",
        },
    )
    people = create_campaign(engine, options, "http://127.0.0.1:12121")
    agent_id = create_user(engine, "amy", "agent", "amy-pass-123")
    link_agent(engine, "amy", "amy.cti")
    assign_agents(engine, people, ["amy"], datetime.now(UTC))
    with running_simulator(channels=5, speed=300, seed=3) as sim:
        centre = connect(sim.base_url, None)
        with EmbeddedEngine(engine, centre, timings=FAST_TIMINGS, intervals=FAST_TICKS):
            start(engine, robots, datetime.now(UTC))
            start(engine, people, datetime.now(UTC))
            wait_for(lambda: _attempts(engine, robots) >= 3, 60, "the robot campaign to dial")
            assert _attempts(engine, people) == 0  # the pacer claims nothing for people

            for _ in phones:
                now = datetime.now(UTC)
                offer = offer_next(engine, agent_id, now, lease_s=30)
                assert offer is not None and offer.campaign_id == people
                assert contact_card(engine, offer.attempt_id)["script"].startswith("您好客户")
                dial(engine, agent_id, offer.attempt_id, now)
                record_event(engine, agent_id, offer.attempt_id, "callee_answer", now)
                record_event(engine, agent_id, offer.attempt_id, "hangup", datetime.now(UTC))
                dispose(engine, agent_id, offer.attempt_id, "csat", datetime.now(UTC), csat=2)
            assert offer_next(engine, agent_id, datetime.now(UTC), lease_s=30) is None
            wait_for(
                lambda: campaign_progress(engine, people)["status"] == "completed",
                30,
                "the lifecycle to finish it",
            )
        centre.close()
    progress = campaign_progress(engine, people)
    assert progress["by_state"]["done"] == 3 and progress["attempts"] == 3
