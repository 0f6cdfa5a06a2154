"""The audit trail records who moved a campaign; retention masks the numbers of old finished campaigns
and keeps every outcome, so report figures do not change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update

from batch_dialer.campaigns.audit_trail import audit_events, phone_hash, record
from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.lifecycle import cancel, pause, resume, start
from batch_dialer.campaigns.models import CallTask, Campaign, table_of
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.campaigns.retention import apply_retention, due_for_retention
from tests.engine_support import make_campaign, seed_contacts

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def test_moves_are_audited_with_their_actor(engine: Engine) -> None:
    seed_contacts(engine, 3)
    cid = make_campaign(engine, "audited")
    start(engine, cid, utcnow(), actor="lily")  # pause and resume stamp the system time
    pause(engine, cid, "lunch", actor="lily")
    resume(engine, cid, actor="victor")
    cancel(engine, cid, utcnow(), actor="cli")
    events = audit_events(engine, campaign_id=cid)
    assert [(e.action, e.actor) for e in reversed(events)] == [
        ("start", "lily"),
        ("pause", "lily"),
        ("resume", "victor"),
        ("cancel", "cli"),
    ]
    assert events[-1].detail is not None and "tasks_created" in events[-1].detail
    record(engine, "engine", "dial", campaign_id=cid, phone="13900000001", detail={"outcome": "busy"})
    dials = audit_events(engine, phone="13900000001")
    assert len(dials) == 1 and dials[0].phone_hash == phone_hash("13900000001")
    assert "13900000001" not in repr(dials[0])


def test_retention_masks_old_finished_campaigns_only(engine: Engine) -> None:
    phones = seed_contacts(engine, 3)
    old = make_campaign(engine, "old")
    recent = make_campaign(engine, "recent")
    for cid in (old, recent):
        start(engine, cid, NOW)
        cancel(engine, cid, NOW)
    campaign, task = table_of(Campaign), table_of(CallTask)
    with engine.begin() as conn:
        conn.execute(
            update(campaign).where(campaign.c.id == old).values(finished_at=NOW - timedelta(days=200))
        )
    before = campaign_progress(engine, old)
    assert [cid for cid, _ in due_for_retention(engine, NOW, 180)] == [old]
    result = apply_retention(engine, NOW, 180)
    assert result.campaigns == ["old"] and result.tasks == 3
    with engine.connect() as conn:
        masked = set(conn.scalars(select(task.c.phone).where(task.c.campaign_id == old)))
        kept = set(conn.scalars(select(task.c.phone).where(task.c.campaign_id == recent)))
    assert masked == {f"{p[:3]}****{p[-4:]}" for p in phones}
    assert kept == set(phones)
    assert campaign_progress(engine, old) == before  # the figures survive
    assert apply_retention(engine, NOW, 180).campaigns == []  # done once
    assert audit_events(engine, actions=("retention",))[0].subject == "old"


def test_retention_purges_the_centres_records_of_old_calls(engine: Engine) -> None:
    """The 800ing pushes of an old campaign lose their recording path and memo, their number is masked;
    another campaign's pushes are untouched."""
    from batch_dialer.campaigns.claiming import make_token
    from batch_dialer.campaigns.ing800_models import Ing800Push

    seed_contacts(engine, 1)
    old, recent = make_campaign(engine, "old-800"), make_campaign(engine, "recent-800")
    campaign, push = table_of(Campaign), table_of(Ing800Push)
    with engine.begin() as conn:
        salts = dict(conn.execute(select(campaign.c.id, campaign.c.token_salt)).all())
        for cid in (old, recent):
            conn.execute(
                push.insert().values(
                    dedup_key=f"k{cid}",
                    source="push",
                    paramvalue=make_token(cid, salts[cid], 1, 1),
                    phone="13800138000",
                    talk_seconds=42,
                    record_file="2026/11/01/rec.wav",
                    payload={"memo": "13800138000"},
                )
            )
    for cid in (old, recent):
        start(engine, cid, NOW)
        cancel(engine, cid, NOW)
    with engine.begin() as conn:
        conn.execute(
            update(campaign).where(campaign.c.id == old).values(finished_at=NOW - timedelta(days=200))
        )
    apply_retention(engine, NOW, 180)
    with engine.connect() as conn:
        rows = {r.dedup_key: r for r in conn.execute(select(push))}
    purged, kept = rows[f"k{old}"], rows[f"k{recent}"]
    assert (purged.phone, purged.record_file, purged.payload, purged.talk_seconds) == (
        "138****8000",
        None,
        None,
        42,
    )
    assert (kept.phone, kept.record_file) == ("13800138000", "2026/11/01/rec.wav")
