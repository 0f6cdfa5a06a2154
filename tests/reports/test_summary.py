"""Every figure of the summary against the hand-counted seed (tests/reports/seed_data.py), on SQLite
and PostgreSQL."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, update

from batch_dialer.campaigns.clock import ManualClock
from batch_dialer.campaigns.models import Campaign
from batch_dialer.reports import CampaignNotFound, build_summary
from batch_dialer.reports.confidence import t_quantile_975
from tests.reports.seed_data import NOW, Seeded

SH = ZoneInfo("Asia/Shanghai")
CLOCK = ManualClock(NOW)


def test_funnel_outcomes_and_attempts(engine: Engine, seeded: Seeded) -> None:
    s = build_summary(engine, "survey", clock=CLOCK)
    assert (s.contacts, s.dialled, s.answered, s.keyed, s.attempts) == (12, 10, 6, 5, 14)
    assert s.by_outcome == {
        "answered": 6,
        "busy": 1,
        "power_off": 0,
        "empty": 1,
        "failed": 0,
        "no_answer": 0,
        "rejected": 0,
        "unknown": 0,
        "dnc": 1,
        "not_dialled": 1,
        "in_progress": 2,
    }
    labels = {o.outcome: o.label for o in s.outcomes}
    assert (
        labels["answered"] == "接通"
        and labels["power_off"] == "关机或不在服务区"
        and labels["not_dialled"] == "未拨打"
    )
    assert next(o for o in s.outcomes if o.outcome == "answered").share == pytest.approx(0.5)
    assert sum(o.count for o in s.outcomes) == s.contacts
    assert s.attempts_per_contact == {0: 2, 1: 7, 2: 2, 3: 1}
    # The abandoned claim (task 3, attempt_no 2) is no call: attempt_no 3 is the second placement.
    assert [(r.number, r.placed, r.answered) for r in s.by_attempt_number] == [
        (1, 10, 4),
        (2, 3, 1),
        (3, 1, 1),
    ]
    assert s.retry_yield == {2: 1, 3: 1}
    assert s.answer_rate == pytest.approx(0.6)


def test_answer_rate_by_local_hour_and_day(engine: Engine, seeded: Seeded) -> None:
    s = build_summary(engine, "survey", clock=CLOCK)
    hours = {b.key: (b.placed, b.answered) for b in s.by_hour if b.placed}
    assert hours == {"09": (6, 2), "10": (3, 1), "11": (2, 1), "12": (1, 0), "20": (2, 2)}
    assert len(s.by_hour) == 24
    assert [(b.key, b.placed, b.answered) for b in s.by_day] == [("2024-05-06", 10, 4), ("2024-05-07", 4, 2)]
    assert s.by_day[0].answer_rate == pytest.approx(0.4)


def test_pending_and_when_due(engine: Engine, seeded: Seeded) -> None:
    p = build_summary(engine, "survey", clock=CLOCK).pending
    assert (p.pending, p.due_now, p.in_flight) == (2, 1, 1)
    assert p.by_hour == [(datetime(2024, 5, 8, 10, 0, tzinfo=SH), 1)]
    assert p.next_due == NOW.astimezone(SH)
    assert p.last_due == datetime(2024, 5, 8, 10, 0, tzinfo=SH)
    # A day later task 9 is due too.
    later = build_summary(engine, "survey", clock=ManualClock(datetime(2024, 5, 9, tzinfo=SH))).pending
    assert (later.due_now, later.by_hour) == (2, [])


def test_satisfaction_distribution_csat_mean_ci(engine: Engine, seeded: Seeded) -> None:
    sat = build_summary(engine, "survey", clock=CLOCK).satisfaction
    assert sat is not None
    assert sat.distribution == {"1": 2, "2": 1, "3": 0, "4": 0, "5": 1, "8": 1}
    assert list(sat.distribution)[:5] == ["1", "2", "3", "4", "5"]
    assert (sat.answered, sat.responses, sat.valid_responses) == (6, 5, 4)
    assert sat.response_rate == pytest.approx(5 / 6)
    assert sat.csat == pytest.approx(3 / 4)  # keys 1, 1, 2 of the labelled 1, 1, 2, 5; key 8 has no label
    scores = [1, 1, 2, 5]
    mean = sum(scores) / 4
    sd = math.sqrt(sum((x - mean) ** 2 for x in scores) / 3)
    half = t_quantile_975(3) * sd / 2
    assert sat.mean == pytest.approx(2.25)
    assert sat.ci95 == pytest.approx((max(mean - half, 1.0), min(mean + half, 5.0)))


def test_breakdowns_by_product_batch_and_day(engine: Engine, seeded: Seeded) -> None:
    s = build_summary(engine, "survey", clock=CLOCK)
    products = {
        r.group: (r.contacts, r.stats.answered, r.stats.responses, r.stats.csat) for r in s.by_product
    }
    assert products == {"宽带": (5, 5, 4, 0.75), "电视": (4, 2, 2, 1.0), "（无产品）": (4, 0, 0, None)}
    assert [r.group for r in s.by_product][-1] == "（无产品）"
    batches = {r.group: (r.contacts, r.stats.answered, r.stats.distribution.get("8", 0)) for r in s.by_batch}
    assert batches == {"#1 list1.xlsx": (6, 6, 1), "#2 list2.csv": (5, 0, 0), "（无导入批次）": (1, 0, 0)}
    days = {r.group: (r.contacts, r.stats.answered, r.stats.distribution) for r in s.by_day_satisfaction}
    assert days["2024-05-06"][:2] == (10, 4)
    assert days["2024-05-06"][2] == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 1}
    assert days["2024-05-07"][2]["8"] == 1
    assert s.rejected_rows == 3  # batch 3's rows belong to no contact of this campaign


def test_json_shape(engine: Engine, seeded: Seeded) -> None:
    doc = build_summary(engine, "survey", clock=CLOCK).as_json()
    assert list(doc) == [
        "campaign",
        "file",
        "contacts",
        "dialled",
        "answered",
        "keyed",
        "by_outcome",
        "attempts",
        "retry_yield",
        "satisfaction",
        "csat",
        "mean",
        "ci95",
        "answer_rate",  # issue 14: the headline rate and the figures' labels (FIGURE_LABELS)
        "labels",
    ]
    assert doc["retry_yield"] == {"2": 1, "3": 1}
    assert doc["satisfaction"]["1"] == 2 and doc["csat"] == 0.75 and doc["mean"] == 2.25
    assert len(doc["ci95"]) == 2


def test_other_campaigns_do_not_leak_and_lookup_by_id(sqlite_engine: Engine, seeded_sqlite: Seeded) -> None:
    other = build_summary(sqlite_engine, str(seeded_sqlite.other_campaign_id), clock=CLOCK)
    assert other.campaign.name == "other"
    assert (other.contacts, other.attempts, other.answered) == (1, 1, 1)
    assert other.satisfaction is not None and other.satisfaction.distribution["4"] == 1
    with pytest.raises(CampaignNotFound, match="nope"):
        build_summary(sqlite_engine, "nope")


def test_captcha_campaign_reports_delivery(sqlite_engine: Engine, seeded_sqlite: Seeded) -> None:
    s = build_summary(sqlite_engine, "codes", clock=CLOCK)
    assert s.is_delivery and s.satisfaction is None and s.by_product == []
    assert (s.dialled, s.answered, s.by_outcome["power_off"]) == (3, 2, 1)
    assert s.as_json()["satisfaction"] == {} and s.as_json()["csat"] is None


def test_campaign_labels_and_satisfaction_variable(sqlite_engine: Engine, seeded_sqlite: Seeded) -> None:
    with sqlite_engine.begin() as conn:
        conn.execute(
            update(Campaign.__table__)  # type: ignore[attr-defined]
            .where(Campaign.__table__.c.id == 1)  # type: ignore[attr-defined]
            .values(key_labels={"5": "很好", "1": "好", "8": "差"})
        )
    sat = build_summary(sqlite_engine, "survey", clock=CLOCK).satisfaction
    assert sat is not None
    assert list(sat.distribution) == ["5", "1", "8", "2"]  # the campaign's order, then unlabelled keys
    assert sat.csat == pytest.approx(3 / 4)  # "5" and "1" among the labelled 5, 1, 1, 8
    none_pressed = build_summary(sqlite_engine, "survey", satisfaction_var="rating", clock=CLOCK)
    assert none_pressed.keyed == 0 and none_pressed.satisfaction is not None
    assert none_pressed.satisfaction.csat is None and none_pressed.satisfaction.mean is None
