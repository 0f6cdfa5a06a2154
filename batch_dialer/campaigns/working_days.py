"""The Chinese working-day calendar: official holidays and their make-up working days (调休).

Backed by the maintained ``chinese-calendar`` package, whose data covers the years the State Council has
published. A day in a year it does not cover falls back to Monday–Friday, and :func:`coverage_warning`
says so, so a campaign started on such a day warns instead of silently guessing.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import chinese_calendar

__all__ = ["CN_WORKDAYS", "CN_WORKDAY_ALIASES", "coverage_warning", "covered_years", "is_cn_workday"]

#: The ``--days`` value (and the ``campaign.days`` column) of a campaign that follows the official calendar.
CN_WORKDAYS = "cn-workdays"
CN_WORKDAY_ALIASES: frozenset[str] = frozenset({CN_WORKDAYS, "工作日", "法定工作日", "cn_workdays"})


@cache
def covered_years() -> frozenset[int]:
    """Years for which the package has the official schedule."""
    days = set(chinese_calendar.holidays) | set(chinese_calendar.workdays)
    return frozenset(day.year for day in days)


def is_cn_workday(day: date) -> bool:
    """A working day in mainland China: Mon–Fri except holidays, plus the make-up Saturdays/Sundays."""
    if day.year not in covered_years():
        return day.weekday() < 5
    return bool(chinese_calendar.is_workday(day))


def coverage_warning(day: date) -> str | None:
    """One line when the calendar has no data for ``day``'s year (the campaign then calls Mon–Fri)."""
    if day.year in covered_years():
        return None
    return (
        f"the Chinese holiday calendar (chinese-calendar) has no data for {day.year}; "
        "工作日 falls back to Monday–Friday — upgrade the package when the schedule is published"
    )
