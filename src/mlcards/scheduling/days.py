"""Local calendar days that start at a configurable hour (default 04:00).

A review at 01:30 belongs to the previous day, as a learner up late expects. The current
moment is always passed in: nothing here reads the clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

DEFAULT_DAY_START_HOUR = 4


def study_day(moment: datetime, day_start_hour: int = DEFAULT_DAY_START_HOUR) -> date:
    """The study day a moment falls on, read off the moment's own wall clock.

    Callers pass local time (e.g. `datetime.now().astimezone()`), so a learner's day follows
    their clock, not UTC.
    """
    if not 0 <= day_start_hour <= 23:
        raise ValueError(f"day_start_hour must be 0-23, got {day_start_hour}")
    return (moment - timedelta(hours=day_start_hour)).date()


def current_study_day(moment: datetime, day_start_hour: int, latest_answered_day: date | None) -> date:
    """The study day to schedule by: the clock's, but never before a day already answered on.

    A wall clock set backwards (a dead RTC battery, a manual change, a trip west) would otherwise
    hide every card due between the two dates and date new answers before old ones.
    """
    today = study_day(moment, day_start_hour)
    return today if latest_answered_day is None else max(today, latest_answered_day)


def due_day(today: date, interval_days: int) -> date:
    return today + timedelta(days=interval_days)
