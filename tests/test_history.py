"""The review log is the truth: every schedule equals the replay of its answers, windows never
overwrite each other, undo takes back only the window's own answer, and rebuild repairs the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlcards.collection import open_collection
from mlcards.config import Settings
from mlcards.review import Answer, AnsweredElsewhere, ReviewSession
from mlcards.scheduling import sm2
from mlcards.scheduling.rule import DEFAULT_RULE, RuleSettings
from mlcards.store.database import Database, open_database
from mlcards.store.history import answers_for_fitting, rebuild, record_answer, record_answer_given_elsewhere
from mlcards.store.sync import sync

from .dbcheck import rows, schedule_of
from .test_review import MONDAY, deck_yaml

WriteDeck = Callable[..., Path]
WINDOW = Path(__file__).with_name("window_process.py")


@pytest.fixture
def three_cards(database: Database, write_deck: WriteDeck) -> Database:
    sync(database, [write_deck(deck_yaml("demo", "Demo", 3))])
    return database


def cached_equals_replay(database: Database, rule: RuleSettings = DEFAULT_RULE) -> bool:
    with database.transaction() as connection:
        return rebuild(connection, rule).changed == 0


STEPS = st.lists(
    st.tuples(st.sampled_from(["answer", "answer", "answer", "undo", "next-day"]), st.sampled_from(list(Answer))),
    max_size=40,
)


@pytest.mark.parametrize("scheduler", ["sm2", "fsrs"])
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_after_any_answers_undos_and_days_every_schedule_equals_its_replay(tmp_path_factory, scheduler, steps) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("replay")
    (folder / "deck.yaml").write_text(deck_yaml("demo", "Demo", 3), encoding="utf-8")
    database = open_database(folder / "mlcards.sqlite3")
    chosen = Settings(new_cards_per_day=3, scheduler=scheduler)
    try:
        sync(database, [folder / "deck.yaml"])
        now = MONDAY
        session = ReviewSession(database, chosen, now)
        for action, answer in steps:
            now += timedelta(minutes=3)  # FSRS's learning steps count minutes
            if action == "answer" and session.current is not None:
                session.answer(answer, now)
            elif action == "undo" and session.can_undo:
                session.undo(now)
            elif action == "next-day":
                now += timedelta(days=1)
                session = ReviewSession(database, chosen, now)
        assert cached_equals_replay(database, chosen.rule())
    finally:
        database.close()


def test_the_answer_rule_gives_sm2_intervals_and_marks_same_day_repeats():
    day = MONDAY.date()
    state, row = sm2.review(sm2.NEW_PROMPT, sm2.Review(4, MONDAY, day))
    assert (row.kind, state.interval, state.due, state.redrill_on) == ("new", 1, day + timedelta(days=1), None)
    state, row = sm2.review(state, sm2.Review(4, MONDAY + timedelta(days=1), day + timedelta(days=1)))
    assert (row.kind, state.interval, state.repetitions) == ("review", 6, 2)
    failed, row = sm2.review(state, sm2.Review(1, MONDAY + timedelta(days=7), day + timedelta(days=7)))
    assert (row.kind, failed.interval, failed.lapses, failed.redrill_on) == ("review", 1, 1, day + timedelta(days=7))
    repeated, row = sm2.review(failed, sm2.Review(4, MONDAY + timedelta(days=7, minutes=5), day + timedelta(days=7)))
    assert row.kind == "redrill" and (repeated.interval, repeated.due, repeated.redrill_on) == (1, failed.due, None)


def test_rebuild_rewrites_a_schedule_that_differs_from_its_replay(three_cards: Database):
    session = ReviewSession(three_cards, Settings(), MONDAY)
    session.answer(Answer.GOOD, MONDAY)
    expected = schedule_of(three_cards.path, "demo", "c1")
    with three_cards.transaction() as connection:
        connection.execute(
            "UPDATE schedule SET interval = 99, due = '2030-01-01', easiness = 130 WHERE id = ?", (expected["id"],)
        )
    with three_cards.transaction() as connection:
        report = rebuild(connection)
    assert (report.prompts, report.answers, report.changed) == (1, 1, 1)
    assert schedule_of(three_cards.path, "demo", "c1") == expected


def test_each_answer_records_its_rule_settings_clock_offset_and_window(three_cards: Database):
    session = ReviewSession(three_cards, Settings(), MONDAY)
    session.answer(Answer.GOOD, MONDAY)
    (log,) = rows(three_cards.path, "SELECT scheduler, scheduler_settings, utc_offset_minutes, session_id FROM review_log")
    assert log["scheduler"] == "sm2" and json.loads(log["scheduler_settings"]) == {"redrill_below": 4}
    assert log["utc_offset_minutes"] == int(MONDAY.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    assert log["session_id"] == session.session_id


def test_a_window_that_read_a_prompt_before_another_answered_it_writes_nothing_and_reloads(three_cards: Database):
    first = ReviewSession(three_cards, Settings(new_cards_per_day=1), MONDAY)
    second = ReviewSession(three_cards, Settings(new_cards_per_day=1), MONDAY)  # both show c1
    first.answer(Answer.GOOD, MONDAY)
    with pytest.raises(AnsweredElsewhere):
        second.answer(Answer.AGAIN, MONDAY)
    assert len(rows(three_cards.path, "SELECT id FROM review_log")) == 1
    assert second.refresh_current() is None  # answered Good elsewhere: not due again today
    assert cached_equals_replay(three_cards)


def test_undo_takes_back_only_this_windows_answer_and_keeps_the_others(three_cards: Database):
    first = ReviewSession(three_cards, Settings(new_cards_per_day=1), MONDAY)
    second = ReviewSession(three_cards, Settings(new_cards_per_day=1), MONDAY)
    first.answer(Answer.AGAIN, MONDAY)  # c1 owes a same-day repeat
    with pytest.raises(AnsweredElsewhere):
        second.answer(Answer.GOOD, MONDAY)
    refreshed = second.refresh_current()
    assert refreshed is not None and refreshed.redrill
    second.answer(Answer.GOOD, MONDAY + timedelta(minutes=2))  # the repeat, answered in the second window
    first.undo(MONDAY + timedelta(minutes=3))  # the first window takes back its own Again
    (kept,) = rows(three_cards.path, "SELECT grade, session_id FROM review_log")
    assert kept == {"grade": 4, "session_id": second.session_id}
    assert rows(three_cards.path, "SELECT grade, session_id FROM review_undone") == [{"grade": 1, "session_id": first.session_id}]
    state = schedule_of(three_cards.path, "demo", "c1")
    assert (state["repetitions"], state["interval"], state["redrill_on"]) == (1, 1, None)  # as if only Good had been given
    assert cached_equals_replay(three_cards)


class Window:
    """A review window in a separate process on the same database file."""

    def __init__(self, database: Path, moment: datetime) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(WINDOW), str(database), moment.isoformat()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.read() == {"ready": True}

    def read(self) -> dict[str, object]:
        assert self.process.stdout is not None
        return json.loads(self.process.stdout.readline())

    def send(self, command: str) -> dict[str, object]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.read()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.communicate("quit\n", timeout=30)


@pytest.fixture
def windows(three_cards: Database) -> Iterator[Callable[[], Window]]:
    opened: list[Window] = []
    three_cards.close()

    def open_window() -> Window:
        opened.append(Window(three_cards.path, MONDAY))
        return opened[-1]

    yield open_window
    for window in opened:
        if window.process.poll() is None:
            window.process.kill()
        window.process.wait()


def test_two_window_processes_on_one_database_never_overwrite_each_other(windows, tmp_path: Path):  # type: ignore[no-untyped-def]
    left, right = windows(), windows()
    assert left.send("current")["card"] == right.send("current")["card"] == "c1"
    assert left.send("answer 4")["log_id"] == 1
    assert right.send("answer 1") == {"answered_elsewhere": True, "still_due": False}
    assert right.send("current")["card"] == "c2"
    right_answer = right.send("answer 1")  # c2: Again, owed again today
    assert right_answer["log_id"] == 2
    assert left.send("current")["card"] == "c2"
    assert left.send("answer 4") == {"answered_elsewhere": True, "still_due": True}  # the repeat is still owed
    assert left.send("answer 4")["log_id"] == 3  # answered from the state the right window left
    assert left.send("undo") == {"undone": "c2"}  # its own answer only
    left.close()
    right.close()
    database_path = tmp_path / "data" / "mlcards.sqlite3"
    assert [row["id"] for row in rows(database_path, "SELECT id FROM review_log ORDER BY id")] == [1, 2]
    database = open_database(database_path)
    try:
        assert cached_equals_replay(database)
    finally:
        database.close()


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(st.integers(1, 3), st.integers(0, 5), st.sampled_from([0, 0, 0, 1, 2, 6, 30])),
        max_size=30,
    )
)
def test_the_fast_replay_of_many_prompts_equals_the_answer_rule(answers: list[tuple[int, int, int]]) -> None:
    day = MONDAY.date()
    expected: dict[int, sm2.PromptState] = {}
    flat = []
    for prompt, grade, days_later in answers:
        day += timedelta(days=days_later)
        expected[prompt], _ = sm2.review(expected.get(prompt, sm2.NEW_PROMPT), sm2.Review(grade, MONDAY, day))
        flat.append((prompt, grade, day.toordinal()))
    fast = sm2.replay_all(flat)
    assert fast.keys() == expected.keys()
    for prompt, state in expected.items():
        due = state.due.toordinal() if state.due else 0
        redrill = state.redrill_on.toordinal() if state.redrill_on else 0
        assert fast[prompt] == [state.repetitions, state.interval, state.easiness_hundredths, due, state.lapses, redrill]


def test_answers_for_fitting_are_each_prompts_answers_in_order_as_ratings_on_study_day_numbers(
    database: Database, write_deck: WriteDeck
):
    sync(database, [write_deck(deck_yaml("demo", "Demo", 2)), write_deck(deck_yaml("other", "Other", 1), "other.yaml")])
    prompt = {
        (deck, card): schedule_id
        for schedule_id, deck, card in database.connection.execute(
            "SELECT s.id, c.deck_id, c.card_id FROM schedule s JOIN card c ON c.pk = s.card_pk"
        )
    }
    monday, tuesday = MONDAY.date(), MONDAY.date() + timedelta(days=1)
    given = [(("demo", "c2"), 4, monday), (("demo", "c1"), 1, monday), (("demo", "c1"), 4, monday), (("other", "c1"), 3, monday)]
    given.append((("demo", "c2"), 5, tuesday))
    seen: dict[int, int] = {}
    with database.transaction() as connection:
        for key, grade, day in given:
            moment = datetime.combine(day, MONDAY.timetz())
            seen[prompt[key]] = record_answer(
                connection, prompt[key], seen.get(prompt[key], 0), sm2.Review(grade, moment, day), 1000, "w"
            ).log_id
    c1, c2, other = prompt["demo", "c1"], prompt["demo", "c2"], prompt["other", "c1"]
    expected = [
        (c1, monday.toordinal(), 1), (c1, monday.toordinal(), 3),  # Again, then Good the same day
        (c2, monday.toordinal(), 3), (c2, tuesday.toordinal(), 4),
        (other, monday.toordinal(), 2),  # Hard
    ]  # fmt: skip
    read = list(answers_for_fitting(database.connection, None))
    assert [answer[:3] for answer in read] == sorted(expected)
    assert [answer[:3] for answer in answers_for_fitting(database.connection, ["demo"])] == sorted(expected[:4])
    c2_moments = [moment for prompt_id, _, _, moment in read if prompt_id == c2]
    assert c2_moments[1] - c2_moments[0] == pytest.approx(1.0)  # moments are Julian days: one day apart


def test_switching_to_fsrs_replays_every_prompt_and_switching_back_gives_sm2s_state_exactly(
    tmp_path: Path, write_deck: WriteDeck
):
    config = tmp_path / "config.toml"
    database_path = tmp_path / "switch.sqlite3"
    collection = open_collection(database_path, config)
    sync(collection.database, [write_deck(deck_yaml("demo", "Demo", 6))])
    now = MONDAY
    for day in range(12):  # twelve study days of answers under SM-2
        session = ReviewSession(collection.database, Settings(new_cards_per_day=3), now + timedelta(days=day))
        for turn in range(30):
            if session.current is None:
                break
            session.answer(
                [Answer.GOOD, Answer.AGAIN, Answer.EASY, Answer.HARD][turn % 4], now + timedelta(days=day, minutes=turn)
            )
    collection.close()
    under_sm2 = rows(database_path, "SELECT * FROM schedule ORDER BY id")
    log = rows(database_path, "SELECT * FROM review_log ORDER BY id")

    config.write_text('scheduler = "fsrs"\n', encoding="utf-8")
    collection = open_collection(database_path, config)
    assert collection.rule_change is not None and collection.rule_change.answers == len(log)
    collection.close()
    under_fsrs = rows(database_path, "SELECT * FROM schedule ORDER BY id")
    assert [row["due"] for row in under_fsrs] != [row["due"] for row in under_sm2]
    for row in under_fsrs:  # each due day is the study day FSRS's due moment falls on
        if row["fsrs_due"] is not None and row["redrill_on"] is None:
            local_due = datetime.fromisoformat(row["fsrs_due"]).replace(tzinfo=UTC).astimezone(MONDAY.tzinfo)
            assert row["due"] == (local_due - timedelta(hours=4)).date().isoformat()
    assert rows(database_path, "SELECT * FROM review_log ORDER BY id") == log  # the log is never touched

    config.write_text('scheduler = "sm2"\n', encoding="utf-8")
    collection = open_collection(database_path, config)
    assert collection.rule_change is not None
    collection.close()
    assert rows(database_path, "SELECT * FROM schedule ORDER BY id") == under_sm2
    collection = open_collection(database_path, config)
    assert collection.rule_change is None  # nothing to replay when the rule has not changed
    collection.close()


def test_answers_under_fsrs_record_its_name_and_settings_and_learning_steps_come_back_today(three_cards: Database):
    chosen = Settings(new_cards_per_day=3, scheduler="fsrs", desired_retention=0.85)
    session = ReviewSession(three_cards, chosen, MONDAY)
    first = session.current
    assert first is not None
    assert session.next_step(first, Answer.AGAIN, MONDAY).wait == timedelta(minutes=1)
    assert session.next_step(first, Answer.GOOD, MONDAY).wait == timedelta(minutes=10)
    easy = session.next_step(first, Answer.EASY, MONDAY)
    assert (easy.again_today, easy.wait) == (False, None) and easy.days is not None and easy.days >= 1
    result = session.answer(Answer.GOOD, MONDAY)
    assert result.again_today
    (logged,) = rows(three_cards.path, "SELECT scheduler, scheduler_settings FROM review_log")
    assert logged["scheduler"] == "fsrs" and json.loads(logged["scheduler_settings"])["desired_retention"] == 0.85
    assert [card.card_id for card in session.queued].count(first.card_id) == 1  # the learning step is owed today


def test_an_answer_given_elsewhere_earlier_than_ones_logged_here_is_replayed_in_the_order_given(three_cards: Database):
    session = ReviewSession(three_cards, Settings(new_cards_per_day=1), MONDAY + timedelta(hours=2))
    prompt = session.current
    assert prompt is not None
    session.answer(Answer.GOOD, MONDAY + timedelta(hours=2))  # here, at 11:00
    with three_cards.transaction() as connection:  # then the phone's Again of 09:30 arrives
        record_answer_given_elsewhere(
            connection, prompt.schedule_id, sm2.Review(1, MONDAY + timedelta(minutes=30), MONDAY.date()), 4000, "sync"
        )
    state = schedule_of(three_cards.path, "demo", prompt.card_id)
    # as given: Again (a new prompt failed: no lapse, a re-drill owed today), then Good settles the
    # re-drill; in the order logged, Good then Again would have been a lapse
    assert (state["repetitions"], state["lapses"], state["interval"], state["redrill_on"]) == (0, 0, 1, None)
    phone = rows(three_cards.path, "SELECT kind, repetitions_before, repetitions_after FROM review_log WHERE session_id = 'sync'")
    assert [(row["kind"], row["repetitions_before"], row["repetitions_after"]) for row in phone] == [
        ("new", 0, 0)
    ]  # its row records the states around it in time order
    assert state["last_log_id"] == max(row["id"] for row in rows(three_cards.path, "SELECT id FROM review_log"))
    assert cached_equals_replay(three_cards)


def test_a_clock_set_back_dates_an_answer_at_the_prompts_last_one_so_the_replay_order_holds(three_cards: Database):
    session = ReviewSession(three_cards, Settings(new_cards_per_day=1), MONDAY)
    session.answer(Answer.AGAIN, MONDAY)
    session.answer(Answer.GOOD, MONDAY - timedelta(hours=5))  # the clock jumped back before the re-drill
    moments = [row["reviewed_at"] for row in rows(three_cards.path, "SELECT reviewed_at FROM review_log ORDER BY id")]
    assert moments[0] == moments[1]
    assert cached_equals_replay(three_cards)
