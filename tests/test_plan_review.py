"""A review session under an interview plan: the plan's quota of new prompts replaces
new_cards_per_day, within the day's review budget, and leaves out what the plan leaves out."""

from __future__ import annotations

from datetime import datetime, timedelta

from mlcards.config import Settings
from mlcards.review import Answer, ReviewFilter, ReviewSession
from mlcards.store.database import Database
from mlcards.store.sync import sync
from mlcards.study_plan import new_limit

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


def cloze_deck(database: Database, write_deck: WriteDeck) -> None:
    """One cloze card with three deletions: three prompts that may not all be new on one day."""
    text = "id: z\nname: ML::Cloze\nsource: s\ncards:\n  - id: one\n    type: cloze\n    text: '{{c1::a}} {{c2::b}} {{c3::c}}'\n"
    assert sync(database, [write_deck(text, "cloze.yaml").parent]).ok


def test_the_plan_spreads_new_prompts_over_days_that_end_early_enough_for_a_cards_siblings(
    database: Database, write_deck: WriteDeck
):
    cloze_deck(database, write_deck)
    planned = Settings(interview_date=MONDAY.date() + timedelta(days=10))  # first seen by day 3: days 0-3
    # Each of the card's two later prompts needs a day of its own: its three are spread over days 0-1.
    assert new_limit(database.connection, planned, MONDAY.date(), reviews_today=0) == 2
    assert [prompt.ordinal for prompt in ReviewSession(database, planned, MONDAY).queued] == [1]  # still one a day


def test_under_a_plan_a_new_prompt_held_back_by_its_siblings_review_comes_after_that_review(
    database: Database, write_deck: WriteDeck
):
    cloze_deck(database, write_deck)
    planned = Settings(interview_date=MONDAY.date() + timedelta(days=9))
    first = ReviewSession(database, planned, MONDAY)
    while first.current is not None:
        first.answer(Answer.GOOD, MONDAY)
    tomorrow = MONDAY + timedelta(days=1)  # c1 is due again; c2 is what the plan wants today
    session = ReviewSession(database, planned, tomorrow)
    assert [(prompt.ordinal, prompt.is_new) for prompt in session.queued] == [(1, False), (2, True)]
    unplanned = ReviewSession(database, Settings(), tomorrow)
    assert [prompt.ordinal for prompt in unplanned.queued] == [1]  # without a plan it waits for a day with no sibling


def test_extra_new_prompts_keep_out_of_what_the_plan_leaves_out_unless_the_session_chose_it(
    database: Database, write_deck: WriteDeck
):
    two_decks(database, write_deck)
    planned = Settings(interview_date=MONDAY.date() + timedelta(days=17), interview_leave_out=("ML::Vision",))
    everything = ReviewSession(database, planned, MONDAY, extra_new=5)
    assert everything.remaining == 4 + 5  # the quota and the extras, all from Core
    assert {prompt.deck_name for prompt in everything.queued} == {"Core::Probability"}
    vision = ReviewSession(database, planned, MONDAY, review_filter=ReviewFilter(deck="ML::Vision"), extra_new=3)
    assert [prompt.deck_name for prompt in vision.queued] == ["ML::Vision"] * 3  # chosen for this session: asked for


def test_a_session_of_one_deck_leaves_the_plan_room_only_for_what_every_decks_reviews_leave(
    database: Database, write_deck: WriteDeck
):
    two_decks(database, write_deck)
    generous = Settings(new_cards_per_day=30)
    first = ReviewSession(database, generous, MONDAY)
    while first.current is not None:
        first.answer(Answer.GOOD, MONDAY)
    tomorrow = MONDAY + timedelta(days=1)
    tight = Settings(reviews_per_day=32, interview_date=MONDAY.date() + timedelta(days=27))
    everything = ReviewSession(database, tight, tomorrow)
    vision = ReviewSession(database, tight, tomorrow, review_filter=ReviewFilter(deck="ML::Vision"))
    assert sum(1 for prompt in everything.queued if prompt.is_new) == 2  # 30 reviews due in both decks
    assert sum(1 for prompt in vision.queued if prompt.is_new) <= 2  # not the whole quota because Vision has fewer
