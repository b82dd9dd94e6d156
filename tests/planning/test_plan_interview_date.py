"""planning/plan.py's interview_date_problem: which dates a plan takes (kept apart from
test_plan.py, which covers the planner itself)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mlcards.planning.plan import interview_date_problem

TODAY = date(2026, 3, 9)


def test_exactly_ten_years_ahead_is_planned_for():
    assert interview_date_problem(date(2036, 3, 9), TODAY) is None


def test_a_day_beyond_ten_years_is_refused_naming_the_latest_date_taken():
    problem = interview_date_problem(date(2036, 3, 10), TODAY)
    assert problem is not None
    assert "2036-03-10 is more than ten years away (the latest date a plan takes is 2036-03-09)" in problem


def test_from_a_29_february_the_latest_date_is_the_28th_ten_years_on():
    leap_day = date(2028, 2, 29)
    assert interview_date_problem(date(2038, 2, 28), leap_day) is None
    assert interview_date_problem(date(2038, 3, 1), leap_day) is not None


@pytest.mark.parametrize(("days", "expected"), [(0, "is today"), (-1, "is in the past")])
def test_today_and_past_days_are_refused(days: int, expected: str):
    problem = interview_date_problem(TODAY + timedelta(days=days), TODAY)
    assert problem is not None and expected in problem and "give a later date" in problem


def test_tomorrow_is_planned_for():
    assert interview_date_problem(TODAY + timedelta(days=1), TODAY) is None
