"""mlcards log: every answer out, one row each, with what FSRS optimizers read from Anki's revlog."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from mlcards.config import Settings
from mlcards.review import Answer, ReviewFilter, ReviewSession
from mlcards.scheduling import sm2
from mlcards.store.database import open_database
from mlcards.store.history import LOG_COLUMNS, anki_review_kind, record_answer
from mlcards.store.synced import unsent_answers

from .test_cli import MY_DECK, default_db, run

REQUIRED = {
    "reviewed_at", "deck_id", "card_id", "prompt", "grade", "duration_ms",
    "interval_before_days", "interval_after_days", "due_at", "scheduler",
}  # fmt: skip
TOKYO = timezone(timedelta(hours=9))


def studied_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    deck = tmp_path / "mine.yaml"
    deck.write_text(MY_DECK, encoding="utf-8")
    assert run(home, "add", str(deck)).returncode == 0
    database = open_database(default_db(home))
    try:
        monday = datetime(2026, 3, 9, 21, 30, tzinfo=TOKYO)
        session = ReviewSession(database, Settings(), monday, ReviewFilter(deck="mine.transformers"))
        session.answer(Answer.AGAIN, monday, duration_ms=4100)
        session.answer(Answer.GOOD, monday + timedelta(seconds=20), duration_ms=2000)
        session.answer(Answer.GOOD, monday + timedelta(seconds=40), duration_ms=1500)  # the same-day repeat
        later = monday + timedelta(days=1)
        ReviewSession(database, Settings(), later, ReviewFilter(deck="mine.transformers")).answer(Answer.EASY, later)
    finally:
        database.close()
    return home


def test_the_log_as_csv_has_one_row_per_answer_with_the_required_columns(tmp_path: Path):
    home = studied_home(tmp_path)
    result = run(home, "log")
    assert result.returncode == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert set(table[0]) >= REQUIRED and list(table[0]) == list(LOG_COLUMNS)
    assert [row["kind"] for row in table] == ["new", "new", "redrill", "review"]
    first = table[0]
    assert first["reviewed_at"] == "2026-03-09T21:30:00+09:00"  # the learner's own clock, with its offset
    assert (first["deck_id"], first["card_id"], first["prompt"], first["grade"], first["rating"]) == (
        "mine.transformers",
        "attention-scale",
        "1",
        "1",
        "1",
    )
    assert (first["interval_before_days"], first["interval_after_days"], first["due_at"], first["scheduler"]) == (
        "0",
        "1",
        "2026-03-10",
        "sm2",
    )
    assert first["review_time_ms"] == str(int(datetime(2026, 3, 9, 12, 30, tzinfo=UTC).timestamp() * 1000))
    assert [row["review_kind"] for row in table] == ["0", "0", "0", "1"]


def test_the_log_as_json_lines_and_filtered_by_deck_and_day(tmp_path: Path):
    home = studied_home(tmp_path)
    lines = run(home, "log", "--json", "--since", "2026-03-10").stdout.splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["review"]
    assert run(home, "log", "--deck", "mine.transformers", "--json").stdout.count("\n") == 4
    assert run(home, "log", "--deck", "ml.fundamentals.bias", "--json").stdout == ""
    unknown = run(home, "log", "--deck", "nope")
    assert unknown.returncode == 1 and "no deck named 'nope'" in unknown.stderr
    bad_day = run(home, "log", "--since", "yesterday")
    assert bad_day.returncode == 2 and "'yesterday' is not a date" in bad_day.stderr


def test_same_day_repeats_are_learning_steps_only_on_a_prompts_first_day_so_optimizers_keep_its_history(tmp_path: Path):
    """Anki's FSRS optimizer starts a card's history at its last run of learning entries: a repeat
    after a later Hard marked as learning made it drop every answer before (half of a real log).
    The log and the answers the Anki sync sends are typed alike."""
    home = tmp_path / "home"
    deck = tmp_path / "mine.yaml"
    deck.write_text(MY_DECK, encoding="utf-8")
    assert run(home, "add", str(deck)).returncode == 0
    database = open_database(default_db(home))
    try:
        (prompt,) = database.connection.execute(
            "SELECT s.id FROM schedule s JOIN card c ON c.pk = s.card_pk WHERE c.card_id = 'attention-scale'"
        ).fetchone()
        seen = 0
        with database.transaction() as connection:
            # Hard and its repeat on the first day and on a later one; then a lapse and its repeat.
            steps = [(0, 3), (0, 4), (1, 3), (1, 4), (7, 1), (7, 4)]
            for minute, (day, grade) in enumerate(steps):
                moment = datetime(2026, 3, 9, 9, tzinfo=UTC) + timedelta(days=day, minutes=minute)
                seen = record_answer(connection, prompt, seen, sm2.Review(grade, moment, moment.date()), 1000, "w").log_id
        sent = unsent_answers(database.connection)  # what the Anki sync sends, typed by the same rule
    finally:
        database.close()
    expected_kinds = [0, 0, 1, 1, 1, 2]
    answers = [outgoing.answer for outgoing in sent]
    assert [anki_review_kind(a.kind, a.repetitions_before, a.lapses_before, a.on_first_day) for a in answers] == expected_kinds
    table = list(csv.DictReader(io.StringIO(run(home, "log").stdout)))
    assert [(row["kind"], row["review_kind"]) for row in table] == [
        ("new", "0"), ("redrill", "0"),  # learning steps
        ("review", "1"), ("redrill", "1"),  # a passed review repeated the same day: still a review
        ("review", "1"), ("redrill", "2"),  # a lapse, then relearning
    ]  # fmt: skip
