"""Retry schedules, durations, caps and rates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch_dialer.campaigns.attempt_states import Outcome
from batch_dialer.campaigns.retry_schedule import (
    DEFAULT_DELAYS,
    RetryClass,
    RetrySchedule,
    format_duration,
    parse_cap,
    parse_duration,
    parse_rate,
    retry_class_of,
)


@pytest.mark.parametrize(
    ("text", "seconds"), [("45s", 45), ("10m", 600), ("2h", 7200), ("1d", 86400), ("0m", 0)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["10", "10x", "m", "-5m", "1.5h", ""])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match=f"duration '{text}'"):
        parse_duration(text)


@given(st.integers(0, 10**7))
def test_format_duration_round_trips(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_defaults_when_nothing_given() -> None:
    schedule = RetrySchedule.parse([])
    assert schedule.to_json() == {
        "busy": [600, 1800, 3600],
        "unreachable": [7200],
        "failed": [900],
        "no_answer": [1800, 3600],
        "unknown": [900],
    }
    assert schedule == RetrySchedule.default()


def test_parse_the_issue_example_over_defaults() -> None:
    schedule = RetrySchedule.parse(["busy=10m,30m,60m", "unreachable=2h,2h", "failed=15m"])
    assert schedule.delay_for(Outcome.BUSY, 0) == timedelta(minutes=10)
    assert schedule.delay_for(Outcome.BUSY, 1) == timedelta(minutes=30)
    assert schedule.delay_for(Outcome.BUSY, 2) == timedelta(minutes=60)
    assert schedule.delay_for(Outcome.POWER_OFF, 1) == timedelta(hours=2)
    assert schedule.delay_for("failed", 0) == timedelta(minutes=15)
    assert schedule.delay_for(Outcome.NO_ANSWER, 0) == timedelta(
        seconds=DEFAULT_DELAYS[RetryClass.NO_ANSWER][0]
    )


def test_last_delay_repeats() -> None:
    schedule = RetrySchedule.parse(["busy=1m,5m"])
    assert [schedule.delay_for("busy", i).total_seconds() for i in range(5)] == [60, 300, 300, 300, 300]


def test_power_off_alias_and_specs_for_display() -> None:
    schedule = RetrySchedule.parse(["power_off=3h"])
    assert schedule.delays[RetryClass.UNREACHABLE] == (10800,)
    assert "unreachable=3h" in schedule.specs()
    assert RetrySchedule.parse(schedule.specs()) == schedule


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("busy", "retry 'busy': expected OUTCOME=DELAY"),
        ("busy=", "retry 'busy=': expected OUTCOME=DELAY"),
        ("ringing=5m", "retry 'ringing=5m': unknown outcome 'ringing'"),
        ("empty=5m", "retry 'empty=5m': outcome 'empty' is never retried"),
        ("answered=5m", "is never retried"),
        ("busy=5m,x", "retry 'busy=5m,x': duration 'x'"),
        ("busy=31d", "longer than 30d"),
    ],
)
def test_bad_retry_specs(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RetrySchedule.parse([spec])


def test_same_class_twice_is_an_error() -> None:
    with pytest.raises(ValueError, match="busy given twice"):
        RetrySchedule.parse(["busy=1m", "busy=2m"])


def test_delay_for_refuses_outcomes_that_are_never_retried() -> None:
    schedule = RetrySchedule.default()
    with pytest.raises(ValueError, match="never retried"):
        schedule.delay_for(Outcome.ANSWERED, 0)
    with pytest.raises(ValueError, match="never retried"):
        schedule.delay_for(Outcome.EMPTY, 0)
    with pytest.raises(ValueError):
        schedule.delay_for(Outcome.BUSY, -1)


def test_every_retried_outcome_has_a_class() -> None:
    retried = set(Outcome) - {Outcome.ANSWERED, Outcome.EMPTY, Outcome.REJECTED}
    assert {retry_class_of(o) for o in retried} == set(RetryClass)


def test_json_round_trip_and_partial_column() -> None:
    schedule = RetrySchedule.parse(["busy=5m,7m", "unknown=1h"])
    assert RetrySchedule.from_json(schedule.to_json()) == schedule
    partial = RetrySchedule.from_json({"busy": [60]})
    assert partial.delays[RetryClass.BUSY] == (60,)
    assert partial.delays[RetryClass.FAILED] == DEFAULT_DELAYS[RetryClass.FAILED]
    assert RetrySchedule.from_json(None) == RetrySchedule.default()
    with pytest.raises(ValueError, match="at least one delay"):
        RetrySchedule.from_json({"busy": []})


@given(st.dictionaries(st.sampled_from(list(RetryClass)), st.lists(st.integers(0, 30 * 86400), min_size=1)))
def test_json_round_trip_property(data: dict[RetryClass, list[int]]) -> None:
    schedule = RetrySchedule.from_json({k.value: v for k, v in data.items()})
    assert RetrySchedule.from_json(schedule.to_json()) == schedule
    for retry_class, delays in data.items():
        assert schedule.delay_for(retry_class, len(delays) + 3) == timedelta(seconds=delays[-1])


def test_caps() -> None:
    assert parse_cap("5/24h") == (5, 86400)
    assert parse_cap(" 2/30m ") == (2, 1800)
    for bad in ("5", "x/24h", "5/24", "0/1h", "5/0h"):
        with pytest.raises(ValueError, match=f"cap '{bad}'"):
            parse_cap(bad)


def test_rates() -> None:
    assert parse_rate("30/min") == 30
    assert parse_rate("2/s") == 120
    assert parse_rate("120/h") == 2
    for bad in ("30", "30/week", "x/min", "100/h", "0/min"):
        with pytest.raises(ValueError, match=f"rate '{bad}'"):
            parse_rate(bad)
