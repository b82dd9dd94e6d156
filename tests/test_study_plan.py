"""The plan for one collection (study_plan.py) learning from the learner's own log."""

from __future__ import annotations

from datetime import datetime, timedelta

from mlcards.config import Settings
from mlcards.review import Answer, ReviewSession
from mlcards.store.database import Database
from mlcards.store.sync import sync
from mlcards.study_plan import FEWEST_FIRST_ANSWERS, known_at_first_sight

from .test_review import WriteDeck, deck_yaml

MONDAY = datetime(2026, 3, 9, 9, 0).astimezone()


def first_answers(database: Database, answers: list[Answer], at: datetime) -> None:
    session = ReviewSession(database, Settings(new_cards_per_day=len(answers)), at)
    for answer in answers:
        while session.current is not None and (session.current.redrill or not session.current.is_new):  # reviews, repeats
            session.answer(Answer.GOOD, at)
        assert session.current is not None
        session.answer(answer, at)


def test_the_share_known_at_first_sight_comes_from_the_learners_first_answers_once_there_are_enough(
    database: Database, write_deck: WriteDeck
):
    assert sync(database, [write_deck(deck_yaml("core", "Core", 200), "core.yaml").parent]).ok
    few = [Answer.GOOD] * (FEWEST_FIRST_ANSWERS - 1)
    first_answers(database, few, MONDAY)
    assert known_at_first_sight(database.connection) == 0.0  # too few to tell: taken as not known
    # 49 Good + 1 Easy + 30 Again + 20 Hard: 50 of 100 known, Hard not counted as known
    first_answers(database, [Answer.EASY] + [Answer.AGAIN] * 30 + [Answer.HARD] * 20, MONDAY + timedelta(days=1))
    assert known_at_first_sight(database.connection) == 0.5
