"""The planner, pure: quotas that meet the first-seen deadline, the budget check and its cuts,
readiness per area."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mlcards.planning.plan import (
    Cut,
    area_of,
    cuts_for,
    daily_quota,
    make_plan,
    new_allowance,
    readiness_by_area,
    sustainable_new_per_day,
    with_cuts,
)

TODAY = date(2026, 3, 9)


@given(
    unseen=st.integers(0, 20_000), days_left=st.integers(1, 400), days_before=st.integers(1, 30), late_start=st.integers(0, 40)
)
def test_daily_quotas_see_every_prompt_by_the_deadline_spread_evenly(unseen, days_left, days_before, late_start):
    interview = TODAY + timedelta(days=days_left)
    deadline = interview - timedelta(days=days_before)
    start = TODAY + timedelta(days=min(late_start, days_left - 1))  # a plan may begin after its deadline
    left, quotas, day = unseen, [], start
    while day < interview:
        quota = daily_quota(left, day, interview, days_before)
        quotas.append(quota)
        left -= min(quota, left)
        if day == deadline and start <= deadline:
            assert left == 0  # the deadline is met whenever it had not passed when the plan began
        day += timedelta(days=1)
    assert left == 0  # and every prompt is seen before the interview in any case
    taking = [quota for quota in quotas if quota]
    assert not taking or max(taking) - min(taking) <= 1 or start > deadline


def test_no_new_prompts_on_or_after_the_interview_day():
    interview = TODAY + timedelta(days=10)
    assert daily_quota(50, interview, interview, 7) == 0
    assert daily_quota(50, interview + timedelta(days=3), interview, 7) == 0


def test_the_days_reviews_leave_the_rest_of_the_budget_to_new_prompts():
    assert new_allowance(quota=20, reviews=150, budget=200) == 20
    assert new_allowance(quota=20, reviews=190, budget=200) == 10
    assert new_allowance(quota=20, reviews=230, budget=200) == 0


def test_the_sustainable_pace_keeps_every_day_of_the_window_within_the_budget():
    profile = [0.0, 1.0, 0.5] + [0.0] * 7  # a new prompt: reviewed the next day, and half of them the day after
    seen = [40.0] * 10
    most = sustainable_new_per_day(seen, profile, budget=100, new_days=10)
    assert most == 24  # from day 2 on, n new prompts a day cost n * (1 + 1 + 0.5): 40 + 2.5n <= 100


def test_a_backlog_day_brings_no_new_prompts_and_its_overflow_waits_for_the_next_day_without_setting_the_pace():
    profile = [0.0, 1.0, 0.5] + [0.0] * 7
    # Day 0: 120 due, 20 wait for day 1 (room 80 for n new costing 2n); from day 2, 2.5n within 100.
    assert sustainable_new_per_day([120.0] + [0.0] * 9, profile, budget=100, new_days=10) == 40
    assert sustainable_new_per_day([150.0] * 10, profile, budget=100, new_days=10) == 0  # no day has room


def plan_with(unseen: int, seen_per_day: float, budget: int, days_left: int = 40):
    return make_plan(
        today=TODAY,
        interview=TODAY + timedelta(days=days_left),
        first_seen_days_before=7,
        unseen=unseen,
        budget=budget,
        seen_reviews=[seen_per_day] * 30,
        profile=[0.0, 1.0, 0.5] + [0.0] * 27,
        decks=[
            ("Core::Probability::Basics", 60, 30, 24.0),
            ("Core::Probability::Tests", 40, 0, 0.0),
            ("ML::Vision", 100, 50, 45.0),
        ],
    )


def test_a_plan_within_budget_takes_its_quota_every_day_and_needs_no_cuts():
    plan = plan_with(unseen=340, seen_per_day=50, budget=200)
    assert plan.new_per_day == 10 and plan.budget_ok and plan.shortfall == 0  # 340 prompts over 34 days
    assert plan.forecast.new[:30] == [10] * 30
    assert plan.readiness == (24 + 45) / 200


def test_a_plan_over_budget_says_how_many_would_be_left_and_the_days_take_what_fits():
    plan = with_cuts(plan_with(unseen=1360, seen_per_day=100, budget=150), [("Core", 400), ("ML::Vision", 120)], [("gan", 90)])
    assert plan.new_per_day == 40 and not plan.budget_ok
    assert plan.sustainable == 20  # 100 + 2.5n <= 150
    assert plan.shortfall == 1360 - 20 * 34
    assert plan.cuts == (Cut("deck", "Core", 400), Cut("deck", "ML::Vision", 120), Cut("tag", "gan", 90))  # none alone covers 680
    assert all(plan.forecast.total(day) <= 150 for day in range(30))


def test_cuts_are_the_smallest_that_cover_the_shortfall_else_the_largest():
    areas, tags = [("Core", 700), ("ML::Vision", 120), ("ML::Face", 80)], [("gan", 100), ("formula", 300)]
    assert cuts_for(90, areas, tags) == [Cut("tag", "gan", 100), Cut("deck", "ML::Vision", 120), Cut("tag", "formula", 300)]
    assert cuts_for(900, areas, tags) == [Cut("deck", "Core", 700), Cut("tag", "formula", 300), Cut("deck", "ML::Vision", 120)]


def test_readiness_per_area_sums_its_decks():
    areas = readiness_by_area(
        [("Core::Probability::Basics", 60, 30, 24.0), ("Core::Probability::Tests", 40, 0, 0.0), ("ML", 10, 10, 9.0)]
    )
    assert [(area.area, area.prompts, area.seen, area.readiness) for area in areas] == [
        ("Core::Probability", 100, 30, 0.24),
        ("ML", 10, 10, 0.9),
    ]
    assert area_of("A::B::C") == "A::B"


def test_a_date_closer_than_first_seen_days_before_aims_every_prompt_at_the_interviews_eve():
    plan = plan_with(unseen=500, seen_per_day=0.0, budget=50, days_left=5)  # first-seen deadline 2 days ago
    assert plan.seen_by == plan.interview - timedelta(days=1)
    assert plan.days_to_deadline == 5
    assert plan.new_per_day == 100  # 500 over the 5 days left
    assert plan.shortfall == 500 - plan.sustainable * 5


def test_once_the_interview_day_comes_the_plan_is_over_and_the_forecast_brings_new_cards_per_day():
    done = plan_with(unseen=500, seen_per_day=80.0, budget=50, days_left=0)
    assert done.passed and done.budget_ok and done.shortfall == 0
    soon = make_plan(
        today=TODAY,
        interview=TODAY + timedelta(days=10),
        first_seen_days_before=7,
        unseen=1000,
        budget=50,  # 500 seen in the 10 days before the date: 500 left after it
        new_after_interview=20,
        seen_reviews=[0.0] * 30,
        profile=[0.0] * 30,
        decks=[],
    )
    assert soon.forecast.new[10:] == [20] * 20  # new_cards_per_day again from the interview day
    assert soon.forecast.new[:10] == [50] * 10  # before it, the plan's pace within the budget


def test_the_forecasts_today_holds_only_the_new_prompts_still_to_come():
    def plan(done: int):
        return make_plan(
            today=TODAY,
            interview=TODAY + timedelta(days=37),
            first_seen_days_before=7,
            unseen=300,  # as the day began: 10 a day over the 30 days to the deadline
            budget=500,
            new_done_today=done,
            seen_reviews=[0.0] * 30,
            profile=[0.0] * 30,
            decks=[],
        )

    assert plan(0).new_per_day == plan(4).new_per_day == 10  # the day's quota is the day's, whatever is done
    assert plan(4).forecast.new[:2] == [6, 10]  # 4 of today's 10 already seen
    assert plan(4).forecast.new[1:] == plan(0).forecast.new[1:]  # the days after are the same
