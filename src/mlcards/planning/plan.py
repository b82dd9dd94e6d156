"""The interview plan, pure: how many new prompts a day, whether the review budget allows it,
what could be cut if not, and readiness (predicted recall on the date) overall and per area.

Time is passed in; nothing here reads the clock or the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from mlcards.planning.forecast import Forecast, forecast

MOST_CUTS_SHOWN = 3
FARTHEST_INTERVIEW_YEARS = 10


def interview_date_problem(interview: date, today: date) -> str | None:
    """Why a date cannot be planned for (None: it can): it must lie after today and at most ten
    years ahead, the same day ten years on included (from a 29 February: the 28th)."""
    if interview <= today:
        when = "is today" if interview == today else "is in the past"
        return f"{interview.isoformat()} {when} (today is {today.isoformat()}); give a later date, YYYY-MM-DD"
    farthest = date(today.year + FARTHEST_INTERVIEW_YEARS, today.month, min(today.day, 28) if today.month == 2 else today.day)
    if interview > farthest:
        return (
            f"{interview.isoformat()} is more than ten years away (the latest date a plan takes is {farthest.isoformat()}); "
            "give the interview's date, YYYY-MM-DD"
        )
    return None


def first_seen_by(interview: date, days_before: int) -> date:
    """The last study day on which a prompt may be seen for the first time."""
    return interview - timedelta(days=days_before)


# A card gives at most one new prompt a day (one cloze deletion's answer gives away its sibling's):
# each unseen prompt after a card's first needs a day of its own.
SIBLING_SPACING_DAYS = 1


def sibling_days(most_unseen_on_one_card: int) -> int:
    """Days before the first-seen deadline by which the plan aims to have started every card, so the
    card with the most unseen prompts can still show its last one in time."""
    return SIBLING_SPACING_DAYS * max(0, most_unseen_on_one_card - 1)


def daily_quota(unseen: int, day: date, interview: date, days_before: int, spacing_days: int = 0) -> int:
    """New prompts to see on `day` so the `unseen` ones (as the day began) are all seen by the
    deadline, spread evenly over the days left (ending `spacing_days` early, which cloze siblings
    need: see sibling_days); once the deadline has passed, the rest are spread over the days before
    the interview; none on or after the interview day."""
    deadline = first_seen_by(interview, days_before)
    if day <= deadline:
        days = (max(day, deadline - timedelta(days=spacing_days)) - day).days + 1
    elif day < interview:
        days = (interview - day).days
    else:
        return 0
    return math.ceil(unseen / days)


def new_allowance(quota: int, reviews: int, budget: int) -> int:
    """New prompts a day may bring: the quota, within what the day's reviews leave of the budget
    (first answers of a study day, reviews and new prompts together; same-day repeats are free)."""
    return max(0, min(quota, budget - reviews))


@dataclass(frozen=True, slots=True)
class AreaReadiness:
    area: str  # the top two levels of a deck name ("Core::Probability")
    prompts: int
    seen: int
    recall: float  # the sum of predicted recall on the date over the area's prompts

    @property
    def readiness(self) -> float:
        return self.recall / self.prompts if self.prompts else 0.0


def area_of(deck_name: str) -> str:
    """A syllabus area: the top two levels of a deck name."""
    return "::".join(deck_name.split("::")[:2])


def readiness_by_area(decks: Iterable[tuple[str, int, int, float]]) -> list[AreaReadiness]:
    """(deck name, prompts, prompts seen, summed recall) per deck, as areas in name order."""
    totals: dict[str, list[float]] = {}
    for name, prompts, seen, recall in decks:
        entry = totals.setdefault(area_of(name), [0, 0, 0.0])
        entry[0] += prompts
        entry[1] += seen
        entry[2] += recall
    return [
        AreaReadiness(area, int(p), int(s), r) for area, (p, s, r) in sorted(totals.items(), key=lambda item: item[0].lower())
    ]


@dataclass(frozen=True, slots=True)
class Cut:
    """Something the plan could leave out: an area (deck) or a tag, and its unseen prompts."""

    kind: str  # "deck" or "tag"
    name: str
    unseen: int


def cuts_for(shortfall: int, unseen_by_area: Sequence[tuple[str, int]], unseen_by_tag: Sequence[tuple[str, int]]) -> list[Cut]:
    """The smallest decks and tags that alone cover the shortfall; failing any, the largest."""
    candidates = [Cut("deck", name, count) for name, count in unseen_by_area if count] + [
        Cut("tag", name, count) for name, count in unseen_by_tag if count
    ]
    enough = sorted((cut for cut in candidates if cut.unseen >= shortfall), key=lambda cut: (cut.unseen, cut.kind, cut.name))
    if enough:
        return enough[:MOST_CUTS_SHOWN]
    return sorted(candidates, key=lambda cut: (-cut.unseen, cut.kind, cut.name))[:MOST_CUTS_SHOWN]


def sustainable_new_per_day(seen_reviews: Sequence[float], profile: Sequence[float], budget: int, new_days: int) -> int:
    """The most new prompts a day, every day for `new_days` days from today, that keep every day
    of the window within the budget: day t carries its seen prompts' reviews plus, per new prompt
    a day, one first sight and the expected reviews of the earlier days' new prompts.

    Reviews beyond the budget wait for the next day, as a review session leaves them: a backlog
    day (a missed day or two) brings no new prompts and does not set the pace; the days after it
    do. 0 only when no day of the window has room."""
    most = None
    backlog = 0.0
    for day in range(len(seen_reviews)):
        demand = seen_reviews[day] + backlog
        backlog = max(0.0, demand - budget)
        room = budget - demand
        if room <= 0:
            continue
        per_new = (1.0 if day < new_days else 0.0) + sum(profile[day - start] for start in range(min(day, new_days)))
        if per_new > 0:
            fits = math.floor(room / per_new)
            most = fits if most is None else min(most, fits)
    if most is not None:
        return most
    return 0 if backlog > 0 or any(reviews >= budget for reviews in seen_reviews) else budget


@dataclass(frozen=True, slots=True)
class InterviewPlan:
    interview: date
    today: date
    first_seen_days_before: int
    unseen: int  # prompts never answered, as today began
    new_per_day: int  # today's quota: the even pace to the deadline
    budget: int  # first answers a day (reviews_per_day)
    sustainable: int  # new prompts a day the budget leaves room for over the forecast's window
    readiness: float  # 0-1: predicted recall on the date, over every prompt (unseen ones count 0)
    areas: list[AreaReadiness]
    forecast: Forecast
    cuts: tuple[Cut, ...] = field(default=())  # set by with_cuts when the budget falls short

    @property
    def days_left(self) -> int:
        return (self.interview - self.today).days

    @property
    def first_seen_by(self) -> date:
        return first_seen_by(self.interview, self.first_seen_days_before)

    @property
    def passed(self) -> bool:
        return self.today >= self.interview

    @property
    def seen_by(self) -> date:
        """The day by which the plan shows every unseen prompt: the first-seen deadline or, once
        that has passed (a date set closer than first_seen_days_before), the interview's eve."""
        deadline = self.first_seen_by
        return deadline if self.today <= deadline else self.interview - timedelta(days=1)

    @property
    def days_to_deadline(self) -> int:
        """Study days left on which a prompt can still be seen in time (today included)."""
        return max(0, (self.seen_by - self.today).days + 1)

    @property
    def budget_ok(self) -> bool:
        return self.passed or self.new_per_day <= self.sustainable

    @property
    def shortfall(self) -> int:
        """Unseen prompts the budget leaves unseen at the deadline, at the sustainable pace (none
        once the date has come: the plan is over)."""
        if self.passed:
            return 0
        return max(0, self.unseen - self.sustainable * self.days_to_deadline)


def make_plan(
    *,
    today: date,
    interview: date,
    first_seen_days_before: int,
    unseen: int,
    spacing_days: int = 0,
    budget: int,
    new_after_interview: int = 0,
    new_done_today: int = 0,
    seen_reviews: Sequence[float],
    profile: Sequence[float],
    decks: Iterable[tuple[str, int, int, float]],
) -> InterviewPlan:
    """The plan for today: the quota, the forecast of the days it schedules (each day's new
    prompts within what its reviews leave of the budget, as a review session takes them) and the
    budget check. `decks`: (deck name, prompts, prompts seen, summed recall on the date).
    `unseen` counts the prompts first seen today (`new_done_today`) as unseen, as the day began;
    the forecast's today holds only the new prompts still to come, as its reviews are those still due."""

    def new_on(day: int, reviews: int, left: int) -> int:
        done = new_done_today if day == 0 else 0
        if today + timedelta(days=day) >= interview:  # the plan is over: new_cards_per_day again
            return max(0, new_after_interview - done)
        quota = daily_quota(left + done, today + timedelta(days=day), interview, first_seen_days_before, spacing_days)
        return max(0, new_allowance(quota, reviews, budget) - done)

    quota = daily_quota(unseen, today, interview, first_seen_days_before, spacing_days)
    days_of_new = sum(1 for day in range(len(seen_reviews)) if today + timedelta(days=day) < interview)
    new_days = min(days_of_new, math.ceil(unseen / quota) if quota else 0)
    sustainable = sustainable_new_per_day(seen_reviews, profile, budget, new_days)
    areas = readiness_by_area(decks)
    prompts = sum(area.prompts for area in areas)
    return InterviewPlan(
        interview=interview,
        today=today,
        first_seen_days_before=first_seen_days_before,
        unseen=unseen,
        new_per_day=quota,
        budget=budget,
        sustainable=sustainable,
        readiness=sum(area.recall for area in areas) / prompts if prompts else 0.0,
        areas=areas,
        forecast=forecast(seen_reviews, profile, max(0, unseen - new_done_today), new_on),
    )


def with_cuts(
    plan: InterviewPlan, unseen_by_area: Sequence[tuple[str, int]], unseen_by_tag: Sequence[tuple[str, int]]
) -> InterviewPlan:
    """The plan with what could be left out to keep the deadline within the budget."""
    return replace(plan, cuts=tuple(cuts_for(plan.shortfall, unseen_by_area, unseen_by_tag)))
