"""Answers both ways through a real sync server: the phone's into mlcards' log (replayed), mlcards'
into the phone's revlog and due dates; each carried once, however often one syncs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from anki.scheduler.v3 import CardAnswer

from mlcards.config import Settings
from mlcards.review import Answer, ReviewSession
from mlcards.scheduling.days import study_day

from ..dbcheck import schedule_of
from .conftest import DECK, the_log

pytestmark = pytest.mark.anki_server


def test_an_answer_on_the_phone_lands_in_the_log_and_moves_the_due_date(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    answered_ms = phone.answer(DECK, "scale", CardAnswer.GOOD)
    phone.sync()
    report = learner.sync()
    assert report.answers_in == 1
    (row,) = the_log(learner.database)
    assert (row["card_id"], row["prompt"], row["grade"], row["rating"]) == ("scale", 1, 4, 3)
    assert row["review_time_ms"] == answered_ms
    assert str(row["session_id"]).startswith("anki-sync")
    answered_at = datetime.fromtimestamp(answered_ms / 1000, UTC).astimezone()
    assert schedule_of(learner.database.path, DECK, "scale")["due"] == (study_day(answered_at) + timedelta(days=1)).isoformat()


def test_each_button_on_the_phone_is_the_same_grade_as_mlcards_button(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    phone.answer(DECK, "scale", CardAnswer.AGAIN)
    phone.answer(DECK, "heads", CardAnswer.HARD, ordinal=1)
    phone.answer(DECK, "heads", CardAnswer.EASY, ordinal=2)
    phone.sync()
    learner.sync()
    grades = {(row["card_id"], row["prompt"]): row["grade"] for row in the_log(learner.database)}
    assert grades == {("scale", 1): Answer.AGAIN, ("heads", 1): Answer.HARD, ("heads", 2): Answer.EASY}


def test_syncing_twice_takes_each_phone_answer_in_once(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    phone.answer(DECK, "scale")
    phone.sync()
    assert learner.sync().answers_in == 1
    assert learner.sync().answers_in == 0
    phone.sync()
    assert learner.sync().answers_in == 0
    assert len(the_log(learner.database)) == 1


def test_an_answer_in_mlcards_reaches_the_phone_with_its_due_date(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    now = datetime.now().astimezone()
    session = ReviewSession(learner.database, Settings(), now)
    assert session.current is not None and session.current.card_id == "scale"
    session.answer(Answer.GOOD, now, duration_ms=4200)
    report = learner.sync(now)
    assert report.answers_out == 1
    phone.sync()
    ((revlog_id, ease, ivl, last_ivl, duration, kind),) = phone.revlog(DECK, "scale")
    assert (ease, ivl, last_ivl, duration, kind) == (3, 1, 0, 4200, 0)  # Good, 1 day, a learning answer
    assert revlog_id == int(now.timestamp() * 1000)
    assert phone.days_until_due(DECK, "scale") == 1
    assert learner.sync(now).answers_out == 0  # sent once
    assert learner.sync(now).answers_in == 0  # and never taken back in as the phone's


def test_answers_on_both_sides_between_two_syncs_are_all_kept(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    phone_ms = phone.answer(DECK, "scale", CardAnswer.AGAIN)
    phone.sync()
    later = datetime.now().astimezone() + timedelta(seconds=5)
    session = ReviewSession(learner.database, Settings(), later)
    session.answer(Answer.GOOD, later)  # the same card, in mlcards, before it heard of the phone's answer
    report = learner.sync(later)
    assert (report.answers_in, report.answers_out) == (1, 1)
    log = the_log(learner.database)
    assert sorted(row["review_time_ms"] for row in log) == [phone_ms, int(later.timestamp() * 1000)]
    # replayed in the order given: the phone's Again (a new prompt failed: no lapse), then Good
    # settles its same-day repeat; in the order synced, Good then Again would have been a lapse
    state = schedule_of(learner.database.path, DECK, "scale")
    assert (state["lapses"], state["redrill_on"]) == (0, None)
    phone.sync()
    assert [row[0] for row in phone.revlog(DECK, "scale")] == [phone_ms, int(later.timestamp() * 1000)]


def test_a_phone_answer_is_logged_under_the_active_rule(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    phone.answer(DECK, "scale", CardAnswer.GOOD)
    phone.sync()
    learner.settings = Settings(scheduler="fsrs")
    learner.sync()
    (row,) = the_log(learner.database)
    assert row["scheduler"] == "fsrs"
    assert schedule_of(learner.database.path, DECK, "scale")["due"] is not None
