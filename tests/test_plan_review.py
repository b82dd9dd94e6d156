"""A review session under an interview plan: the plan's quota of new prompts replaces
new_cards_per_day, within the day's review budget, and leaves out what the plan leaves out."""

from __future__ import annotations

from datetime import datetime, timedelta

from mlcards.config import Settings
from mlcards.review import Answer, ReviewSession
from mlcards.store.database import Database
from mlcards.store.sync import sync

from .test_review import WriteDeck, deck_yaml

MONDAY = datetime(2026, 3, 9, 9, 0).astimezone()


def two_decks(database: Database, write_deck: WriteDeck) -> None:
    """Core::Probability (tag core) and ML::Vision (tag vision), 40 basic cards each."""
    write_deck(deck_yaml("core", "Core::Probability", 40, tags="[core]"), "core.yaml")
    folder = write_deck(deck_yaml("ml", "ML::Vision", 40, tags="[vision]"), "ml.yaml").parent
    assert sync(database, [folder]).ok


def test_the_plan_replaces_new_cards_per_day_with_its_quota(database: Database, write_deck: WriteDeck):
    two_decks(database, write_deck)
    planned = Settings(new_cards_per_day=50, interview_date=MONDAY.date() + timedelta(days=27))
    session = ReviewSession(database, planned, MONDAY)
    assert session.planned_for == planned.interview_date
    assert session.remaining == 4  # 80 prompts over the 20 days up to 7 days before the date
    assert ReviewSession(database, Settings(new_cards_per_day=50), MONDAY).remaining == 50


def test_a_new_session_the_same_day_brings_only_what_is_left_of_the_quota(database: Database, write_deck: WriteDeck):
    two_decks(database, write_deck)
    planned = Settings(interview_date=MONDAY.date() + timedelta(days=27))
    session = ReviewSession(database, planned, MONDAY)
    session.answer(Answer.GOOD, MONDAY)
    session.answer(Answer.GOOD, MONDAY)
    assert ReviewSession(database, planned, MONDAY + timedelta(minutes=5)).remaining == 2


def test_new_prompts_wait_while_the_days_reviews_fill_the_budget(database: Database, write_deck: WriteDeck):
    two_decks(database, write_deck)
    generous = Settings(new_cards_per_day=30)
    first = ReviewSession(database, generous, MONDAY)
    while first.current is not None:
        first.answer(Answer.GOOD, MONDAY)
    tomorrow = MONDAY + timedelta(days=1)
    tight = Settings(reviews_per_day=32, interview_date=MONDAY.date() + timedelta(days=27))
    session = ReviewSession(database, tight, tomorrow)  # 30 reviews due: 2 of the budget left for new prompts
    assert sum(1 for prompt in session.queued if prompt.is_new) == 2


def test_what_the_plan_leaves_out_brings_no_new_prompts(database: Database, write_deck: WriteDeck):
    two_decks(database, write_deck)
    planned = Settings(interview_date=MONDAY.date() + timedelta(days=17), interview_leave_out=("ML::Vision",))
    session = ReviewSession(database, planned, MONDAY)
    assert session.remaining == 4  # Core's 40 prompts over the 10 days up to the deadline
    assert {prompt.deck_name for prompt in session.queued} == {"Core::Probability"}
    tagged = Settings(interview_date=MONDAY.date() + timedelta(days=17), interview_leave_out=("tag:core",))
    assert {prompt.deck_name for prompt in ReviewSession(database, tagged, MONDAY).queued} == {"ML::Vision"}
