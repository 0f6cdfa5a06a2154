"""Calling windows: parsing, Asia/Shanghai, a DST zone across both switches, wrap past midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch_dialer.campaigns.calling_window import CallingWindow, parse_days, parse_window

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz, fold=fold).astimezone(UTC)


# -- parsing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25:00-26:00", "window '25:00-26:00': hour out of range"),
        ("9-21", "window '9-21': expected HH:MM-HH:MM"),
        ("09:60-21:00", "window '09:60-21:00': minute out of range"),
        ("24:00-02:00", "window '24:00-02:00': hour out of range"),
        ("09:00-09:00", "window '09:00-09:00': empty"),
        ("24:30", "window '24:30': expected HH:MM-HH:MM"),
    ],
)
def test_bad_window_names_the_part(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        parse_window(text)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("sat-sun", {5, 6}),
        ("fri-mon", {4, 5, 6, 0}),
        ("Mon-Wed, Sat", {0, 1, 2, 5}),
        ("daily", set(range(7))),
        (None, set(range(7))),
        ("weekends", {5, 6}),
    ],
)
def test_days_spec(text: str | None, days: set[int]) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["mon-xyz", "mon,,fri", "funday"])
def test_bad_days_name_the_part(text: str) -> None:
    with pytest.raises(ValueError, match=f"^days '{text}'"):
        parse_days(text)


def test_unknown_zone_is_rejected() -> None:
    with pytest.raises(ValueError, match="time zone 'Mars/Base'"):
        CallingWindow.parse(tz="Mars/Base")


def test_default_is_daily_0800_to_2100_shanghai() -> None:
    window = CallingWindow.parse()
    assert window.window_specs() == ["08:00-21:00"]
    assert window.days_spec() is None
    assert window.tz.key == "Asia/Shanghai"
    assert not window.contains(local(SH, 2024, 5, 4, 7, 59))
    assert window.contains(local(SH, 2024, 5, 4, 8, 0))  # a Saturday: every day by default
    assert not window.contains(local(SH, 2024, 5, 4, 21, 0))  # end is exclusive


def test_canonical_specs_round_trip() -> None:
    window = CallingWindow.parse(["14:00-21:00", "9:00-12:00"], "mon-fri,sun", "Asia/Shanghai")
    assert window.window_specs() == ["09:00-12:00", "14:00-21:00"]
    assert window.days_spec() == "mon-fri,sun"
    again = CallingWindow.parse(window.window_specs(), window.days_spec(), window.tz)
    assert again == window


# -- Asia/Shanghai ------------------------------------------------------------------------------------

WEEKDAYS_9_21 = CallingWindow.parse(["09:00-21:00"], "mon-fri", "Asia/Shanghai")


def test_friday_evening_next_open_is_monday_morning() -> None:
    friday_2105 = local(SH, 2024, 5, 3, 21, 5)  # 2024-05-03 is a Friday
    assert not WEEKDAYS_9_21.contains(friday_2105)
    assert WEEKDAYS_9_21.next_open(friday_2105) == local(SH, 2024, 5, 6, 9, 0)
    assert WEEKDAYS_9_21.closes_at(friday_2105) is None


def test_open_moment_is_its_own_next_open_and_closes_at_window_end() -> None:
    friday_2055 = local(SH, 2024, 5, 3, 20, 55)
    assert WEEKDAYS_9_21.contains(friday_2055)
    assert WEEKDAYS_9_21.next_open(friday_2055) == friday_2055
    assert WEEKDAYS_9_21.closes_at(friday_2055) == local(SH, 2024, 5, 3, 21, 0)


def test_next_open_takes_any_aware_zone_and_answers_utc() -> None:
    moment = datetime(2024, 5, 6, 7, 0, tzinfo=SH)
    opened = WEEKDAYS_9_21.next_open(moment)
    assert opened.tzinfo == UTC
    assert opened == local(SH, 2024, 5, 6, 9, 0)


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        WEEKDAYS_9_21.contains(datetime(2024, 5, 6, 9, 0))


def test_several_windows_gap_at_lunch() -> None:
    window = CallingWindow.parse(["09:00-12:00", "14:00-18:00"], "daily")
    noon = local(SH, 2024, 5, 6, 12, 30)
    assert not window.contains(noon)
    assert window.next_open(noon) == local(SH, 2024, 5, 6, 14, 0)
    day = local(SH, 2024, 5, 6, 0, 0)
    assert window.open_seconds_between(day, day + timedelta(days=1)) == 7 * 3600


def test_overlapping_and_touching_windows_merge() -> None:
    window = CallingWindow.parse(["09:00-12:00", "11:00-13:00", "13:00-14:00"], "daily")
    assert window.closes_at(local(SH, 2024, 5, 6, 9, 30)) == local(SH, 2024, 5, 6, 14, 0)


def test_open_seconds_over_a_week() -> None:
    monday = local(SH, 2024, 5, 6, 0, 0)
    assert WEEKDAYS_9_21.open_seconds_between(monday, monday + timedelta(days=7)) == 5 * 12 * 3600
    assert WEEKDAYS_9_21.open_seconds_between(monday + timedelta(days=7), monday) == 0


def test_advance_open_skips_the_weekend() -> None:
    friday_2000 = local(SH, 2024, 5, 3, 20, 0)
    assert WEEKDAYS_9_21.advance_open(friday_2000, 2 * 3600) == local(SH, 2024, 5, 6, 10, 0)


# -- wrap past midnight ---------------------------------------------------------------------------------

NIGHT = CallingWindow.parse(["21:00-02:00"], "mon-fri", "Asia/Shanghai")


def test_wrapping_window_belongs_to_its_start_day() -> None:
    assert NIGHT.window_specs() == ["21:00-02:00"]
    assert NIGHT.contains(local(SH, 2024, 5, 3, 23, 0))  # Friday night
    assert NIGHT.contains(local(SH, 2024, 5, 4, 1, 59))  # Saturday early: still Friday's window
    assert NIGHT.closes_at(local(SH, 2024, 5, 4, 1, 0)) == local(SH, 2024, 5, 4, 2, 0)
    assert not NIGHT.contains(local(SH, 2024, 5, 4, 23, 0))  # Saturday night: no window starts
    assert not NIGHT.contains(local(SH, 2024, 5, 6, 1, 0))  # Monday early: Sunday had none
    assert NIGHT.next_open(local(SH, 2024, 5, 4, 3, 0)) == local(SH, 2024, 5, 6, 21, 0)


def test_full_days_merge_across_midnight() -> None:
    always = CallingWindow.parse(["00:00-24:00"], "daily", "Asia/Shanghai")
    assert always.window_specs() == ["00:00-24:00"]
    start = local(SH, 2024, 5, 6, 12, 0)
    closes = always.closes_at(start)
    assert closes is not None
    assert closes >= start + timedelta(days=6)  # open for good: the answer is a week-ish ahead
    assert always.contains(closes)


# -- a DST zone: Europe/Berlin, 2024-03-31 02:00 -> 03:00 and 2024-10-27 03:00 -> 02:00 ------------------


def test_berlin_window_follows_local_time_across_spring_forward() -> None:
    window = CallingWindow.parse(["08:00-21:00"], "daily", "Europe/Berlin")
    # Saturday before: CET (+1) → 08:00 local is 07:00 UTC; Sunday after the switch: CEST (+2) → 06:00 UTC
    assert window.next_open(datetime(2024, 3, 30, 0, 0, tzinfo=UTC)) == datetime(
        2024, 3, 30, 7, 0, tzinfo=UTC
    )
    assert window.next_open(datetime(2024, 3, 31, 0, 0, tzinfo=UTC)) == datetime(
        2024, 3, 31, 6, 0, tzinfo=UTC
    )
    assert window.contains(datetime(2024, 3, 31, 6, 30, tzinfo=UTC))
    assert not window.contains(datetime(2024, 3, 30, 6, 30, tzinfo=UTC))
    assert window.closes_at(datetime(2024, 3, 31, 12, 0, tzinfo=UTC)) == datetime(
        2024, 3, 31, 19, 0, tzinfo=UTC
    )


def test_berlin_window_over_the_missing_hour_is_two_hours_long() -> None:
    window = CallingWindow.parse(["01:00-04:00"], "daily", "Europe/Berlin")
    day = (datetime(2024, 3, 30, 23, 0, tzinfo=UTC), datetime(2024, 3, 31, 23, 0, tzinfo=UTC))
    assert window.open_seconds_between(*day) == 2 * 3600


def test_berlin_window_starting_in_the_missing_hour_opens_at_the_jump() -> None:
    window = CallingWindow.parse(["02:30-05:00"], "daily", "Europe/Berlin")
    jump = datetime(2024, 3, 31, 1, 0, tzinfo=UTC)  # 02:00 CET becomes 03:00 CEST
    assert window.next_open(datetime(2024, 3, 30, 23, 0, tzinfo=UTC)) == jump
    assert window.closes_at(jump) == local(BERLIN, 2024, 3, 31, 5, 0)


def test_berlin_window_over_the_repeated_hour_is_four_hours_long() -> None:
    window = CallingWindow.parse(["01:00-04:00"], "daily", "Europe/Berlin")
    day = (datetime(2024, 10, 26, 22, 0, tzinfo=UTC), datetime(2024, 10, 27, 22, 0, tzinfo=UTC))
    assert window.open_seconds_between(*day) == 4 * 3600
    # both 02:30s are inside
    assert window.contains(local(BERLIN, 2024, 10, 27, 2, 30, fold=0))
    assert window.contains(local(BERLIN, 2024, 10, 27, 2, 30, fold=1))


def test_berlin_window_ending_in_the_repeated_hour_closes_at_its_second_occurrence() -> None:
    window = CallingWindow.parse(["01:00-02:30"], "daily", "Europe/Berlin")
    inside = local(BERLIN, 2024, 10, 27, 1, 30)
    assert window.closes_at(inside) == local(BERLIN, 2024, 10, 27, 2, 30, fold=1)


# -- properties -----------------------------------------------------------------------------------------

ZONES = st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"])
WINDOW_TEXT = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45]), st.integers(1, 23 * 4)).map(
    lambda t: (
        f"{t[0]:02d}:{t[1]:02d}-{((t[0] * 60 + t[1] + t[2] * 15) % 1440) // 60:02d}:"
        f"{((t[0] * 60 + t[1] + t[2] * 15) % 1440) % 60:02d}"
    )
)
DAYS = st.sampled_from([None, "mon-fri", "sat-sun", "mon,wed,fri", "sun", "fri-mon"])
MOMENTS = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2026, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@st.composite
def calling_windows(draw: st.DrawFn) -> CallingWindow:
    texts = draw(st.lists(WINDOW_TEXT, min_size=1, max_size=3))
    return CallingWindow.parse(texts, draw(DAYS), draw(ZONES))


@settings(max_examples=150, deadline=None)
@given(calling_windows(), MOMENTS)
def test_next_open_is_open_and_nothing_earlier_is(window: CallingWindow, moment: datetime) -> None:
    opened = window.next_open(moment)
    assert opened >= moment
    assert window.contains(opened)
    if opened > moment:
        assert not window.contains(moment)
        assert not window.contains(opened - timedelta(seconds=1))
        assert window.open_seconds_between(moment, opened) == 0


@settings(max_examples=150, deadline=None)
@given(calling_windows(), MOMENTS)
def test_closes_at_agrees_with_contains(window: CallingWindow, moment: datetime) -> None:
    closes = window.closes_at(moment)
    if closes is None:
        assert not window.contains(moment)
        return
    assert closes > moment
    assert window.contains(closes - timedelta(seconds=1))
    if closes - moment < timedelta(days=6):
        assert not window.contains(closes)
    assert window.open_seconds_between(moment, closes) == (closes - moment).total_seconds()


@settings(max_examples=100, deadline=None)
@given(calling_windows(), MOMENTS, st.integers(0, 10 * 86400))
def test_open_seconds_and_advance_open_are_inverse(
    window: CallingWindow, moment: datetime, secs: int
) -> None:
    end = window.advance_open(moment, secs)
    assert window.open_seconds_between(moment, end) == pytest.approx(secs, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(calling_windows(), MOMENTS)
def test_contains_matches_local_wall_clock_for_simple_windows(
    window: CallingWindow, moment: datetime
) -> None:
    # for an hour-aligned non-wrapping single window outside DST hours, contains == wall-clock check
    span = window.spans[0]
    if len(window.spans) > 1 or span.end > 1440 or span.start < 4 * 60:
        return
    wall = moment.astimezone(window.tz)
    minute = wall.hour * 60 + wall.minute
    expected = wall.weekday() in window.weekdays and span.start <= minute < span.end
    assert window.contains(moment) == expected
