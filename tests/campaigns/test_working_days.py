"""The Chinese working-day calendar on real 2026 dates (the chinese-calendar package's data)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from batch_dialer.campaigns.calling_window import CallingWindow
from batch_dialer.campaigns.campaign_options import CampaignOptions
from batch_dialer.campaigns.working_days import coverage_warning, covered_years, is_cn_workday

SH = ZoneInfo("Asia/Shanghai")
NATIONAL_DAY = date(2026, 10, 1)  # 国庆, a Thursday
MAKEUP_SATURDAY = date(2026, 10, 10)  # 调休: the Saturday after 国庆 is a working day
PLAIN_SATURDAY = date(2026, 10, 17)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def test_the_package_knows_2026() -> None:
    assert 2026 in covered_years()
    assert NATIONAL_DAY.weekday() == 3 and MAKEUP_SATURDAY.weekday() == 5


def test_national_day_is_not_called_and_the_makeup_saturday_is() -> None:
    window = CallingWindow.parse(["09:00-21:00"], "工作日", "Asia/Shanghai")
    assert window.cn_calendar and window.days_spec() == "cn-workdays"
    assert not window.contains(at(NATIONAL_DAY, 10))
    assert window.contains(at(MAKEUP_SATURDAY, 10))
    assert not window.contains(at(PLAIN_SATURDAY, 10))
    # from the eve of 国庆 the next opening is the first working day after the holiday, not Oct 1
    assert window.next_open(at(date(2026, 9, 30), 22)) == at(date(2026, 10, 8), 9).astimezone(UTC)


def test_plain_weekdays_ignore_the_holiday_calendar() -> None:
    weekdays = CallingWindow.parse(["09:00-21:00"], "mon-fri", "Asia/Shanghai")
    assert weekdays.contains(at(NATIONAL_DAY, 10))
    assert not weekdays.contains(at(MAKEUP_SATURDAY, 10))


def test_campaign_option_accepts_the_calendar() -> None:
    options = CampaignOptions.build(name="x", kind="tts", toneid=1, all_contacts=True, days="工作日")
    assert options.to_campaign_columns()["days"] == "cn-workdays"


def test_a_year_without_data_warns_and_falls_back_to_monday_to_friday() -> None:
    far = date(max(covered_years()) + 5, 1, 1)
    warning = coverage_warning(far)
    assert warning is not None and str(far.year) in warning
    assert coverage_warning(NATIONAL_DAY) is None
    assert is_cn_workday(far) == (far.weekday() < 5)


@pytest.mark.parametrize("day", [date(2026, 5, 1), date(2026, 2, 17)])  # 劳动节, 春节
def test_other_2026_holidays_are_not_working_days(day: date) -> None:
    assert not is_cn_workday(day)
