"""Studying to an interview date, for one collection: storage's reads (store/plan.py) turned into
the plan, readiness and forecast by the pure planner (planning/). The CLI, the home and stats
screens and the review session ask here."""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time

from mlcards.config import Settings
from mlcards.planning.forecast import HORIZON_DAYS, Forecast, Stepper, forecast, new_prompt_profile, reviews_of_seen, seen_reviews
from mlcards.planning.plan import (
    InterviewPlan,
    area_of,
    daily_quota,
    make_plan,
    new_allowance,
    readiness_by_area,
    sibling_days,
    with_cuts,
)
from mlcards.store import plan as reads
from mlcards.store.database import Database

# The forecast simulates every seen prompt falling due in its window up to this many; beyond it,
# a systematic sample of about this many stands for all (first reviews are still counted exactly).
SIMULATED_PROMPTS_AT_MOST = 10_000
READINESS_HOUR = 12  # readiness is the recall predicted at noon of the interview day, on the learner's clock


def readiness_moment(interview: date, now: datetime) -> datetime:
    return datetime.combine(interview, time(READINESS_HOUR), tzinfo=now.tzinfo)


@dataclass(frozen=True, slots=True)
class Readiness:
    """What the home screen shows: the date, days left and predicted recall, per deck too."""

    interview: date
    days_left: int
    overall: float
    decks: list[tuple[str, int, int, float]]  # (deck name, prompts, seen, summed recall)

    def of(self, deck_path: str) -> float | None:
        """Readiness of a deck with its subdecks (None: no prompts)."""
        chosen = [deck for deck in self.decks if deck[0] == deck_path or deck[0].startswith(deck_path + "::")]
        prompts = sum(deck[1] for deck in chosen)
        return sum(deck[3] for deck in chosen) / prompts if prompts else None


def readiness(database: Database, settings: Settings, now: datetime, today: date) -> Readiness | None:
    """Readiness for the interview date (None without one): one grouped query."""
    if settings.interview_date is None:
        return None
    model = Stepper.of(settings.rule()).model
    with database.snapshot() as connection:
        decks = reads.recall_by_deck(
            connection, readiness_moment(settings.interview_date, now), model.factor, model.decay, settings.interview_leave_out
        )
    areas = readiness_by_area(decks)
    prompts = sum(area.prompts for area in areas)
    overall = sum(area.recall for area in areas) / prompts if prompts else 0.0
    return Readiness(settings.interview_date, (settings.interview_date - today).days, overall, decks)


RECENT_FIRST_ANSWERS = 500  # the learner's first answers the forecast learns from, newest first
FEWEST_FIRST_ANSWERS = 50  # below this many, new prompts are taken as not known at first sight
GOOD_GRADE = 4  # SM-2's grade for Good (Easy is 5)


def known_at_first_sight(connection: sqlite3.Connection) -> float:
    """The share of new prompts the learner knew at first sight (answered Good or Easy), from their
    recent first answers, to the nearest 5% (so the forecast's cached profile serves day after
    day); 0 until there are enough of them to tell."""
    grades = reads.recent_first_grades(connection, RECENT_FIRST_ANSWERS)
    if len(grades) < FEWEST_FIRST_ANSWERS:
        return 0.0
    return round(20 * sum(grade >= GOOD_GRADE for grade in grades) / len(grades)) / 20


def interview_plan(database: Database, settings: Settings, now: datetime, today: date) -> InterviewPlan | None:
    """The whole plan for today (None without an interview date): readiness, quota, forecast,
    budget check and, when the budget falls short, what could be cut."""
    if settings.interview_date is None:
        return None
    stepper = Stepper.of(settings.rule())
    with database.snapshot() as connection:
        leave_out = settings.interview_leave_out
        decks = reads.recall_by_deck(
            connection, readiness_moment(settings.interview_date, now), stepper.model.factor, stepper.model.decay, leave_out
        )
        new_done = reads.new_seen_on(connection, today, leave_out)
        unseen = reads.unseen(connection, leave_out) + new_done
        seen = _seen_reviews(connection, stepper, today, now)
        plan = make_plan(
            today=today,
            interview=settings.interview_date,
            first_seen_days_before=settings.first_seen_days_before,
            unseen=unseen,
            spacing_days=sibling_days(reads.most_unseen_on_one_card(connection, leave_out)),
            budget=settings.reviews_per_day,
            new_after_interview=settings.new_cards_per_day,
            new_done_today=new_done,
            seen_reviews=seen,
            profile=list(new_prompt_profile(stepper, known_at_first_sight(connection))),
            decks=decks,
        )
        if plan.budget_ok or not plan.shortfall:
            return plan
        return with_cuts(plan, _by_area(reads.unseen_by_deck(connection, leave_out)), reads.unseen_by_tag(connection, leave_out))


def workload(database: Database, settings: Settings, now: datetime, today: date) -> Forecast:
    """Reviews and new prompts a day for the next 30 days without an interview plan: new_cards_per_day
    new prompts a day while unseen ones last (with a date, the plan's forecast is interview_plan's)."""
    stepper = Stepper.of(settings.rule())
    with database.snapshot() as connection:
        seen = _seen_reviews(connection, stepper, today, now)
        unseen = reads.unseen(connection)
        done = reads.new_seen_on(connection, today)
        known = known_at_first_sight(connection)
    limit = settings.new_cards_per_day
    return forecast(
        seen, new_prompt_profile(stepper, known), unseen, lambda day, reviews, left: limit - done if day == 0 else limit
    )


def new_limit(connection: sqlite3.Connection, settings: Settings, today: date, reviews_today: int) -> int | None:
    """How many more new prompts today's review may bring under the plan: today's quota within what
    the day's reviews (`reviews_today`, answered and queued) leave of reviews_per_day, less those
    already seen today. None when no plan applies (new_cards_per_day does)."""
    interview = settings.interview_date
    if interview is None or today >= interview:
        return None
    leave_out = settings.interview_leave_out
    new_done = reads.new_seen_on(connection, today, leave_out)
    unseen = reads.unseen(connection, leave_out) + new_done
    spacing = sibling_days(reads.most_unseen_on_one_card(connection, leave_out))
    quota = daily_quota(unseen, today, interview, settings.first_seen_days_before, spacing)
    return max(0, new_allowance(quota, reviews_today, settings.reviews_per_day) - new_done)


def _seen_reviews(connection: sqlite3.Connection, stepper: Stepper, today: date, now: datetime) -> list[float]:
    """Seen prompts' reviews a day: first reviews counted, later ones simulated (from a sample of
    the prompts falling due when there are many, each standing for its share of them all)."""
    first = reads.first_reviews(connection, today, HORIZON_DAYS)
    every = max(1, math.ceil(sum(first) / SIMULATED_PROMPTS_AT_MOST))
    simulated = reads.prompts_falling_due(connection, today, now, HORIZON_DAYS, every)
    later = reviews_of_seen(simulated, stepper, count_first=False)
    return seen_reviews(first, later, sum(first) / len(simulated) if simulated else 0.0)


def _by_area(decks: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Unseen prompts per top-level deck ("Core") and per area ("Core::Probability")."""
    totals: dict[str, int] = {}
    for name, count in decks:
        for level in {name.split("::")[0], area_of(name)}:
            totals[level] = totals.get(level, 0) + count
    return sorted(totals.items())
