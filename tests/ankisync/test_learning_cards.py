"""Learning cards both ways: a prompt owing a same-day repeat is a learning card on the phone, due
when mlcards would show it again; under FSRS a prompt keeps its (re)learning step and its due
moment. After the repeat is done, both sides show the same review day."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from anki.cards import Card
from anki.scheduler.v3 import CardAnswer

from mlcards.config import Settings
from mlcards.review import Answer, ReviewSession
from mlcards.scheduling.days import current_study_day
from mlcards.store.counts import latest_answered_day
from mlcards.store.values import parse_timestamp

from ..dbcheck import schedule_of
from .conftest import DECK, Learner, Phone

pytestmark = pytest.mark.anki_server

LEARNING, REVIEW, RELEARNING = 1, 2, 3  # Anki's card types
QUEUE_LEARNING = 1  # due within the day, at a moment in seconds


def phone_card(phone: Phone, card_id: str, ordinal: int = 1) -> Card:
    return phone.collection.get_card(phone.card_id(DECK, card_id, ordinal))  # type: ignore[arg-type]


def days_until_due_in_mlcards(learner: Learner, card_id: str, now: datetime) -> int:
    today = current_study_day(now, learner.settings.day_start_hour, latest_answered_day(learner.database.connection))
    return (datetime.fromisoformat(schedule_of(learner.database.path, DECK, card_id)["due"]).date() - today).days


def test_sm2_a_phone_again_stays_a_learning_card_due_now_and_both_sides_agree_after_the_repeat(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    again_ms = phone.answer(DECK, "scale", CardAnswer.AGAIN)
    phone.sync()
    learner.sync()
    phone.sync()
    card = phone_card(phone, "scale")
    assert (card.type, card.queue, card.left) == (LEARNING, QUEUE_LEARNING, 1)
    assert card.due == again_ms // 1000  # due at once, as mlcards shows a same-day repeat
    assert learner.sync().cards_rescheduled == 0  # the same state is not written again
    now = datetime.now().astimezone()
    session = ReviewSession(learner.database, learner.settings, now)
    assert session.current is not None and session.current.card_id == "scale"  # mlcards shows it today too

    phone.answer(DECK, "scale", CardAnswer.GOOD)  # the repeat, on the phone
    phone.sync()
    learner.sync()
    phone.sync()
    assert phone_card(phone, "scale").type == REVIEW
    assert phone.days_until_due(DECK, "scale") == days_until_due_in_mlcards(learner, "scale", now) == 1


def test_sm2_a_review_failed_in_mlcards_is_a_relearning_card_on_the_phone(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    yesterday = datetime.now().astimezone() - timedelta(days=1)
    ReviewSession(learner.database, learner.settings, yesterday).answer(Answer.GOOD, yesterday)
    now = datetime.now().astimezone()
    session = ReviewSession(learner.database, learner.settings, now)
    assert session.current is not None and session.current.card_id == "scale"  # due again today
    session.answer(Answer.AGAIN, now)
    learner.sync(now)
    phone.sync()
    card = phone_card(phone, "scale")
    assert (card.type, card.queue, card.left, card.ivl, card.lapses) == (RELEARNING, QUEUE_LEARNING, 1, 1, 1)
    assert card.due == int(now.timestamp())


def test_fsrs_learning_steps_and_their_due_moments_reach_the_phone(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    learner.settings = Settings(scheduler="fsrs")  # steps 1m, 10m
    phone.answer(DECK, "scale", CardAnswer.AGAIN)
    phone.sync()
    learner.sync()
    phone.sync()

    def fsrs_due_seconds() -> int:
        moment = parse_timestamp(schedule_of(learner.database.path, DECK, "scale")["fsrs_due"])
        assert moment is not None
        return int(moment.timestamp())

    card = phone_card(phone, "scale")
    assert (card.type, card.queue, card.left) == (LEARNING, QUEUE_LEARNING, 2)  # both steps still to go
    assert card.due == fsrs_due_seconds()

    now = datetime.now().astimezone() + timedelta(minutes=2)  # the first step done, in mlcards
    ReviewSession(learner.database, learner.settings, now).answer(Answer.GOOD, now)
    learner.sync(now)
    phone.sync()
    card = phone_card(phone, "scale")
    assert (card.type, card.queue, card.left) == (LEARNING, QUEUE_LEARNING, 1)  # on the 10-minute step
    assert card.due == fsrs_due_seconds() == int(now.timestamp()) + 600


def test_fsrs_a_lapse_in_mlcards_is_a_relearning_card_on_the_phone_with_its_interval(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    learner.settings = Settings(scheduler="fsrs")  # relearning step 10m
    first = datetime.now().astimezone() - timedelta(days=60)
    ReviewSession(learner.database, learner.settings, first).answer(Answer.EASY, first)  # straight to review
    now = datetime.now().astimezone()
    session = ReviewSession(learner.database, learner.settings, now)
    assert session.current is not None and session.current.card_id == "scale"
    session.answer(Answer.AGAIN, now)
    learner.sync(now)
    phone.sync()
    state = schedule_of(learner.database.path, DECK, "scale")
    assert (state["fsrs_phase"], state["fsrs_step"]) == (3, 0)
    card = phone_card(phone, "scale")
    assert (card.type, card.queue, card.left, card.lapses) == (RELEARNING, QUEUE_LEARNING, 1, 1)
    fsrs_due = parse_timestamp(state["fsrs_due"])
    assert fsrs_due is not None and card.due == int(fsrs_due.timestamp()) == int(now.timestamp()) + 600
    assert card.ivl >= 1


def test_sm2_a_repeat_left_owed_on_an_earlier_day_is_written_again_as_the_review_mlcards_counts(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    yesterday = datetime.now().astimezone() - timedelta(days=1)
    ReviewSession(learner.database, learner.settings, yesterday).answer(Answer.AGAIN, yesterday)  # repeat never given
    learner.sync(yesterday)
    phone.sync()
    assert phone_card(phone, "scale").type == LEARNING
    assert learner.sync(yesterday).cards_rescheduled == 0  # nothing new that day: the card is left as it is
    now = datetime.now().astimezone()
    first = learner.sync(now)
    phone.sync()
    card = phone_card(phone, "scale")
    assert (card.type, card.left) == (REVIEW, 0)
    assert phone.days_until_due(DECK, "scale") == days_until_due_in_mlcards(learner, "scale", now)
    assert first.cards_rescheduled >= 1 and learner.sync(now).cards_rescheduled == 0  # written once, not every sync
