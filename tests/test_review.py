"""A review session: the daily queue, answers committed at once, same-day re-drill, undo, cram."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from mlcards.config import Settings
from mlcards.review import Answer, ReviewFilter, ReviewSession
from mlcards.store.counts import deck_counts
from mlcards.store.database import Database, open_database
from mlcards.store.sync import sync

from .dbcheck import rows, schedule_of

WriteDeck = Callable[..., Path]
MONDAY = datetime(2026, 3, 9, 9, 0).astimezone()


def deck_yaml(deck_id: str, name: str, count: int, tags: str = "[t]") -> str:
    cards = "".join(f"  - id: c{i}\n    front: Question {i}?\n    back: Answer {i}.\n" for i in range(1, count + 1))
    return f"id: {deck_id}\nname: {name}\nsource: s\ntags: {tags}\ncards:\n{cards}"


@pytest.fixture
def five_cards(database: Database, write_deck: WriteDeck) -> Database:
    sync(database, [write_deck(deck_yaml("demo", "Demo", 5))])
    return database


def test_new_cards_come_in_file_order_up_to_the_daily_limit(five_cards: Database):
    session = ReviewSession(five_cards, Settings(new_cards_per_day=3), MONDAY)
    assert session.remaining == 3
    assert session.current is not None and session.current.card_id == "c1"


def test_an_answer_is_committed_before_the_next_card_is_shown(five_cards: Database):
    session = ReviewSession(five_cards, Settings(), MONDAY)
    session.answer(Answer.GOOD, MONDAY, duration_ms=1500)
    # A fresh connection, as another process would open, already sees the answer and its log row.
    state = schedule_of(five_cards.path, "demo", "c1")
    assert (state["repetitions"], state["interval"], state["easiness"], state["due"]) == (1, 1, 250, "2026-03-10")
    (log,) = rows(five_cards.path, "SELECT * FROM review_log")
    assert (log["grade"], log["kind"], log["duration_ms"]) == (4, "new", 1500)
    assert (log["interval_before"], log["interval_after"], log["easiness_before"], log["easiness_after"]) == (0, 1, 250, 250)


def test_a_card_answered_below_good_comes_back_the_same_day_without_moving_its_schedule(five_cards: Database):
    session = ReviewSession(five_cards, Settings(new_cards_per_day=2), MONDAY)
    session.answer(Answer.HARD, MONDAY)  # c1: passes (grade 3) but is re-drilled
    after_first = schedule_of(five_cards.path, "demo", "c1")
    assert [c.card_id for c in [session.current]] == ["c2"]
    session.answer(Answer.GOOD, MONDAY)
    redrill = session.current
    assert redrill is not None and (redrill.card_id, redrill.redrill) == ("c1", True)
    session.answer(Answer.AGAIN, MONDAY)  # still below Good: once more
    session.answer(Answer.GOOD, MONDAY)  # now it is learned for today
    assert session.current is None
    # SM-2's schedule stands as the first answer set it: only the re-drill mark, the last answer
    # held and FSRS's memory (which every answer moves, whichever rule schedules) change.
    fsrs_memory = {"fsrs_phase", "fsrs_step", "fsrs_stability", "fsrs_difficulty", "fsrs_due", "last_reviewed"}
    unmoved = {"redrill_on": None, "last_log_id": 0} | dict.fromkeys(fsrs_memory)
    assert schedule_of(five_cards.path, "demo", "c1") | unmoved == after_first | unmoved
    assert schedule_of(five_cards.path, "demo", "c1")["redrill_on"] is None
    kinds = [r["kind"] for r in rows(five_cards.path, "SELECT kind FROM review_log ORDER BY id")]
    assert kinds == ["new", "new", "redrill", "redrill"]


def test_a_redrill_previews_the_schedule_set_by_the_days_first_answer(five_cards: Database):
    session = ReviewSession(five_cards, Settings(), MONDAY)
    failed = session.current
    session.answer(Answer.AGAIN, MONDAY)
    while session.current is not None and not session.current.redrill:
        session.answer(Answer.GOOD, MONDAY)
    assert failed is not None and session.current is not None and session.current.schedule_id == failed.schedule_id
    assert session.preview_interval(session.current, Answer.GOOD) == 1  # due tomorrow, as the first answer set
    assert session.preview_interval(session.current, Answer.AGAIN) is None  # once more today


def test_a_pending_redrill_survives_a_restart_the_same_day(five_cards: Database):
    session = ReviewSession(five_cards, Settings(new_cards_per_day=1), MONDAY)
    session.answer(Answer.AGAIN, MONDAY)
    reopened = ReviewSession(five_cards, Settings(new_cards_per_day=1), MONDAY + timedelta(hours=1))
    assert reopened.current is not None and (reopened.current.card_id, reopened.current.redrill) == ("c1", True)


def test_undo_restores_the_schedule_and_removes_the_log_row_exactly(five_cards: Database):
    session = ReviewSession(five_cards, Settings(), MONDAY)
    session.answer(Answer.GOOD, MONDAY)
    tuesday = MONDAY + timedelta(days=1)
    session = ReviewSession(five_cards, Settings(new_cards_per_day=0), tuesday)
    before = schedule_of(five_cards.path, "demo", "c1")
    log_before = rows(five_cards.path, "SELECT * FROM review_log")
    session.answer(Answer.AGAIN, tuesday)
    assert schedule_of(five_cards.path, "demo", "c1")["lapses"] == 1
    card = session.undo()
    assert card.card_id == "c1" and session.current == card
    assert schedule_of(five_cards.path, "demo", "c1") == before
    assert rows(five_cards.path, "SELECT * FROM review_log") == log_before
    assert session.remaining == 1


def test_due_reviews_follow_the_sm2_intervals(five_cards: Database):
    ReviewSession(five_cards, Settings(new_cards_per_day=1), MONDAY).answer(Answer.GOOD, MONDAY)
    assert ReviewSession(five_cards, Settings(new_cards_per_day=0), MONDAY).remaining == 0
    tuesday = MONDAY + timedelta(days=1)
    session = ReviewSession(five_cards, Settings(new_cards_per_day=0), tuesday)
    assert [session.current.card_id] == ["c1"] and not session.current.is_new  # type: ignore[union-attr]
    assert session.preview_interval(session.current, Answer.GOOD) == 6  # type: ignore[arg-type]
    result = session.answer(Answer.GOOD, tuesday)
    assert result.due == date(2026, 3, 16)


def test_the_daily_review_limit_counts_reviews_already_done_today(database: Database, write_deck: WriteDeck):
    sync(database, [write_deck(deck_yaml("demo", "Demo", 6))])
    first = ReviewSession(database, Settings(new_cards_per_day=6), MONDAY)
    while first.current:
        first.answer(Answer.GOOD, MONDAY)
    tuesday = MONDAY + timedelta(days=1)
    session = ReviewSession(database, Settings(reviews_per_day=4, new_cards_per_day=0), tuesday)
    session.answer(Answer.GOOD, tuesday)
    assert ReviewSession(database, Settings(reviews_per_day=4, new_cards_per_day=0), tuesday).remaining == 3


def test_a_study_day_starts_at_the_configured_hour(five_cards: Database):
    late_night = datetime(2026, 3, 10, 2, 30).astimezone()  # before 04:00: still Monday's study day
    ReviewSession(five_cards, Settings(), late_night).answer(Answer.GOOD, late_night)
    assert rows(five_cards.path, "SELECT study_day FROM review_log") == [{"study_day": "2026-03-09"}]
    assert schedule_of(five_cards.path, "demo", "c1")["due"] == "2026-03-10"


def test_cram_reviews_everything_and_touches_nothing(five_cards: Database):
    before = rows(five_cards.path, "SELECT * FROM schedule")
    session = ReviewSession(five_cards, Settings(new_cards_per_day=1), MONDAY, cram=True, seed=3)
    assert session.remaining == 5
    while session.current:
        session.answer(Answer.AGAIN if session.answered == 0 else Answer.EASY, MONDAY)
    assert session.answered == 6  # the failed card came back once
    assert rows(five_cards.path, "SELECT * FROM schedule") == before
    assert rows(five_cards.path, "SELECT * FROM review_log") == []


def test_in_cram_suspend_and_bury_only_skip_the_card_for_the_session(five_cards: Database):
    before = rows(five_cards.path, "SELECT * FROM schedule")
    session = ReviewSession(five_cards, Settings(), MONDAY, cram=True, seed=3)
    session.suspend()
    session.bury()
    assert session.remaining == 3
    assert rows(five_cards.path, "SELECT * FROM schedule") == before


def test_filters_limit_the_queue_to_a_deck_with_its_subdecks_and_to_tags(database: Database, write_deck: WriteDeck):
    write_deck(deck_yaml("a", "ML::Vision", 2, "[cv]"), "a.yaml")
    write_deck(deck_yaml("b", "ML::Vision::Detection", 2, "[cv, detection]"), "b.yaml")
    sync(database, [write_deck(deck_yaml("c", "Algorithms", 2, "[algo]"), "c.yaml").parent])
    assert ReviewSession(database, Settings(), MONDAY, ReviewFilter(deck="ML::Vision")).remaining == 4
    assert ReviewSession(database, Settings(), MONDAY, ReviewFilter(deck="b")).remaining == 2
    assert ReviewSession(database, Settings(), MONDAY, ReviewFilter(tags=("detection",))).remaining == 2
    assert ReviewSession(database, Settings(), MONDAY, ReviewFilter(deck="ML", tags=("algo",))).remaining == 0


def test_suspended_and_buried_cards_are_left_out(five_cards: Database):
    session = ReviewSession(five_cards, Settings(), MONDAY)
    session.suspend()
    session.bury()
    assert session.remaining == 3
    assert schedule_of(five_cards.path, "demo", "c1")["suspended"] == 1
    assert schedule_of(five_cards.path, "demo", "c2")["buried_until"] == "2026-03-10"
    assert ReviewSession(five_cards, Settings(), MONDAY).remaining == 3
    assert ReviewSession(five_cards, Settings(), MONDAY + timedelta(days=1)).remaining == 4


def test_undo_takes_back_a_suspend_or_a_bury_exactly(five_cards: Database):
    before = rows(five_cards.path, "SELECT * FROM schedule")
    session = ReviewSession(five_cards, Settings(), MONDAY)
    first = session.current
    session.suspend()
    second = session.current
    session.bury()
    assert session.remaining == 3
    assert session.undo() == second and session.current == second
    assert session.undo() == first and session.current == first
    assert session.remaining == 5
    assert rows(five_cards.path, "SELECT * FROM schedule") == before


def test_a_buried_card_counts_nowhere_and_leaves_the_queue_even_while_awaiting_its_redrill(five_cards: Database):
    session = ReviewSession(five_cards, Settings(), MONDAY)
    failed = session.current
    session.answer(Answer.AGAIN, MONDAY)  # waits for its same-day repeat
    session.bury()  # buries the next new card
    while session.current is not None and session.current.schedule_id != failed.schedule_id:  # type: ignore[union-attr]
        session.answer(Answer.GOOD, MONDAY)
    session.bury()  # the failed card, now up for its repeat
    today = MONDAY.date()
    (counts,) = deck_counts(five_cards, today)
    assert (counts.new, counts.learning) == (1, 0)  # the fifth card; the buried new one does not count
    assert ReviewSession(five_cards, Settings(), MONDAY).remaining == 1


def test_each_cloze_deletion_number_is_its_own_prompt(database: Database, write_deck: WriteDeck):
    sync(
        database,
        [
            write_deck(
                "id: z\nname: Z\nsource: s\ncards:\n  - id: fp16\n    type: cloze\n    text: '{{c1::a}} {{c2::b}} {{c1::c}}'\n"
            )
        ],
    )
    assert rows(database.path, "SELECT ordinal FROM schedule ORDER BY ordinal") == [{"ordinal": 1}, {"ordinal": 2}]
    monday = ReviewSession(database, Settings(), MONDAY)
    assert [(card.card_id, card.ordinal) for card in [monday.current] if card] == [("fp16", 1)]
    assert monday.remaining == 1  # its sibling c2 waits: c1's answer would give it away
    monday.answer(Answer.GOOD, MONDAY)
    tuesday = ReviewSession(database, Settings(), MONDAY + timedelta(days=1))
    assert [(card.ordinal, card.is_new) for card in [tuesday.current] if card] == [(1, False)] and tuesday.remaining == 1
    tuesday.answer(Answer.GOOD, MONDAY + timedelta(days=1))
    wednesday = ReviewSession(database, Settings(), MONDAY + timedelta(days=2))
    assert [(card.ordinal, card.is_new) for card in [wednesday.current] if card] == [(2, True)]


def test_answering_after_the_session_ends_is_an_error(five_cards: Database):
    session = ReviewSession(five_cards, Settings(new_cards_per_day=0), MONDAY)
    with pytest.raises(LookupError):
        session.answer(Answer.GOOD, MONDAY)


def test_progress_survives_reopening_the_database_file(five_cards: Database):
    ReviewSession(five_cards, Settings(), MONDAY).answer(Answer.EASY, MONDAY)
    five_cards.close()
    reopened = open_database(five_cards.path)
    assert ReviewSession(reopened, Settings(), MONDAY).remaining == 4
    reopened.close()


def test_the_streak_counts_consecutive_study_days_up_to_today_or_yesterday(five_cards: Database):
    from mlcards.store.counts import streak

    for offset in (0, 1, 2, 4):  # Monday, Tuesday, Wednesday, then a gap, then Friday
        day = MONDAY + timedelta(days=offset)
        session = ReviewSession(five_cards, Settings(new_cards_per_day=1), day)
        if session.current is None:
            session = ReviewSession(five_cards, Settings(new_cards_per_day=1), day, cram=False)
        session.answer(Answer.GOOD, day) if session.current else None
    wednesday = (MONDAY + timedelta(days=2)).date()
    assert streak(five_cards, wednesday) == 3
    assert streak(five_cards, wednesday + timedelta(days=1)) == 3  # Thursday, before studying: still alive
    assert streak(five_cards, wednesday + timedelta(days=2)) == 1  # Friday
    assert streak(five_cards, wednesday + timedelta(days=4)) == 0  # Sunday: broken


@pytest.mark.parametrize(
    ("wanted", "deck_id", "name", "selected"),
    [
        ("ML::Vision", "a", "ML::Vision", True),
        ("ML::Vision", "b", "ML::Vision::Detection", True),
        ("ML::Vis", "c", "ML::Vision", False),  # a name prefix is not a parent deck
        ("b", "b", "ML::Vision::Detection", True),  # by id
        ("ML", "x", "MLOps", False),
    ],
)
def test_a_deck_filter_means_the_deck_by_id_or_by_name_with_its_subdecks(wanted, deck_id, name, selected):
    from mlcards.domain import deck_selected

    assert deck_selected(wanted, deck_id, name) is selected


def test_rows_written_in_plain_sql_read_back_through_the_sqlmodel_models(five_cards: Database):
    """The models in store/models.py declare the schema; what the SQL writes must fit their types."""
    from sqlmodel import Session, create_engine, select

    from mlcards.store.models import ReviewLog, Schedule

    session = ReviewSession(five_cards, Settings(), MONDAY)
    session.answer(Answer.GOOD, MONDAY, duration_ms=1500)
    session.answer(Answer.AGAIN, MONDAY)
    engine = create_engine(f"sqlite:///{five_cards.path}")
    with Session(engine) as orm:
        logs = orm.exec(select(ReviewLog).order_by(ReviewLog.id)).all()
        good = orm.get(Schedule, logs[0].schedule_id)
        again = orm.get(Schedule, logs[1].schedule_id)
    engine.dispose()
    assert good is not None and again is not None
    assert (good.due, good.interval, good.redrill_on) == (date(2026, 3, 10), 1, None)
    assert (again.due, again.redrill_on) == (date(2026, 3, 10), date(2026, 3, 9))
    # Older SQLModel releases read SQLite datetimes back naive; the stored instant is UTC either way.
    reviewed_at = logs[0].reviewed_at
    assert (reviewed_at if reviewed_at.tzinfo else reviewed_at.replace(tzinfo=UTC)) == MONDAY
    assert (logs[0].study_day, logs[0].due_before, logs[0].duration_ms) == (date(2026, 3, 9), None, 1500)


def test_a_clock_set_back_neither_hides_due_cards_nor_dates_answers_before_earlier_ones(five_cards: Database):
    monday = ReviewSession(five_cards, Settings(new_cards_per_day=2), MONDAY)
    monday.answer(Answer.GOOD, MONDAY)
    monday.answer(Answer.GOOD, MONDAY)  # c1 and c2 are due on Tuesday
    tuesday = MONDAY + timedelta(days=1)
    ReviewSession(five_cards, Settings(new_cards_per_day=0), tuesday).answer(Answer.GOOD, tuesday)  # c1 only
    clock_set_back = tuesday - timedelta(days=30)  # then the wall clock jumps a month back
    session = ReviewSession(five_cards, Settings(new_cards_per_day=0), clock_set_back)
    assert session.current is not None and session.current.card_id == "c2"  # still due, not hidden for a month
    session.answer(Answer.GOOD, clock_set_back)
    logs = rows(five_cards.path, "SELECT study_day, interval_after, due_after FROM review_log ORDER BY id")
    assert [log["study_day"] for log in logs] == ["2026-03-09", "2026-03-09", "2026-03-10", "2026-03-10"]
    assert all(log["interval_after"] > 0 and log["due_after"] > log["study_day"] for log in logs)


def test_extra_new_prompts_are_real_answers_that_count_as_todays_new_ones(five_cards: Database):
    from mlcards.store.counts import answered_by_kind

    limit = Settings(new_cards_per_day=2)
    first = ReviewSession(five_cards, limit, MONDAY)
    while first.current:
        first.answer(Answer.GOOD, MONDAY)
    done = ReviewSession(five_cards, limit, MONDAY)
    assert done.remaining == 0 and done.new_limit_reached
    assert (done.more_to_study().unseen, done.more_to_study().due_ahead) == (3, 2)
    extra = ReviewSession(five_cards, limit, MONDAY, extra_new=2)
    assert [(prompt.card_id, prompt.is_new) for prompt in extra.queued] == [("c3", True), ("c4", True)]
    while extra.current:
        extra.answer(Answer.GOOD, MONDAY)
    assert answered_by_kind(five_cards, MONDAY.date()) == {"new": 4}
    assert ReviewSession(five_cards, limit, MONDAY).remaining == 0  # today's limit stays used up
    tuesday = ReviewSession(five_cards, limit, MONDAY + timedelta(days=1))
    assert sum(prompt.is_new for prompt in tuesday.queued) == 1  # tomorrow's limit is whole: c5, the last one


def test_reviewing_ahead_shows_what_comes_due_in_the_next_days_earliest_first(five_cards: Database):
    monday = ReviewSession(five_cards, Settings(new_cards_per_day=2), MONDAY)
    monday.answer(Answer.GOOD, MONDAY)
    monday.answer(Answer.GOOD, MONDAY)  # c1 and c2 are due on Tuesday
    ahead = ReviewSession(five_cards, Settings(new_cards_per_day=2), MONDAY, ahead_days=1)
    assert [(prompt.card_id, prompt.is_new) for prompt in ahead.queued] == [("c1", False), ("c2", False)]
    result = ahead.answer(Answer.GOOD, MONDAY)  # c1, a day early: a real review
    assert result.due == date(2026, 3, 15)
    assert rows(five_cards.path, "SELECT kind, study_day, due_before FROM review_log ORDER BY id DESC LIMIT 1") == [
        {"kind": "review", "study_day": "2026-03-09", "due_before": "2026-03-10"}
    ]
    week = ReviewSession(five_cards, Settings(new_cards_per_day=2), MONDAY, ahead_days=7)
    assert [prompt.card_id for prompt in week.queued] == ["c2", "c1"]  # due Tuesday, then Sunday
    assert [prompt.card_id for prompt in ReviewSession(five_cards, Settings(), MONDAY, ahead_days=1).queued][-1:] == ["c2"]
    assert week.more_to_study(ahead_days=7).due_ahead == 2


def test_what_is_left_is_counted_in_the_sessions_decks_and_tags(database: Database, write_deck: WriteDeck):
    write_deck(deck_yaml("a", "ML::Vision", 3, "[cv]"), "a.yaml")
    sync(database, [write_deck(deck_yaml("c", "Algorithms", 4, "[algo]"), "c.yaml").parent])
    assert ReviewSession(database, Settings(), MONDAY).more_to_study().unseen == 7
    assert ReviewSession(database, Settings(), MONDAY, ReviewFilter(deck="ML")).more_to_study().unseen == 3
    assert ReviewSession(database, Settings(), MONDAY, ReviewFilter(tags=("algo",))).more_to_study().unseen == 4
