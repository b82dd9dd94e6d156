"""What two-way sync with Anki remembers in mlcards' database.

Which Anki revlog entries were taken into the review log (each at most once), which answers of
the log went out to Anki (each at most once), and the text of each note as last sent, so that
an edit made in Anki can be named. The review log itself is written only through history.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from mlcards.store.history import ON_FIRST_DAY_SQL
from mlcards.store.values import parse_timestamp


class PromptRow(NamedTuple):
    schedule_id: int
    deck_id: str
    card_id: str
    ordinal: int  # 1 for a basic card, N for cN


class OutgoingAnswer(NamedTuple):
    """An answer of the review log that Anki has not been sent yet."""

    log_id: int
    deck_id: str
    card_id: str
    ordinal: int
    reviewed_at: datetime  # UTC
    grade: int
    kind: str
    duration_ms: int
    interval_before: int
    interval_after: int
    easiness_after: int  # hundredths
    repetitions_before: int
    lapses_before: int
    on_first_day: bool  # given on the prompt's first study day (Anki's revlog type depends on it)


def all_prompts(connection: sqlite3.Connection) -> list[PromptRow]:
    """Every prompt ever stored, present or not: an answer given in Anki to a card since removed
    from the YAML still belongs to that card's history."""
    return [
        PromptRow(*row)
        for row in connection.execute(
            "SELECT s.id, c.deck_id, c.card_id, s.ordinal FROM schedule s JOIN card c ON c.pk = s.card_pk"
        )
    ]


def known_revlog_ids(connection: sqlite3.Connection) -> set[int]:
    """Anki revlog ids already in the review log: taken in from Anki, or sent out from it."""
    return {
        revlog_id
        for (revlog_id,) in connection.execute(
            "SELECT revlog_id FROM anki_answer_in UNION ALL SELECT revlog_id FROM anki_answer_out"
        )
    }


def remember_answer_in(connection: sqlite3.Connection, revlog_id: int, log_id: int) -> None:
    connection.execute("INSERT INTO anki_answer_in (revlog_id, log_id) VALUES (?, ?)", (revlog_id, log_id))


def unsent_answers(connection: sqlite3.Connection) -> list[OutgoingAnswer]:
    """Answers given in mlcards that Anki does not have yet, oldest first."""
    rows = connection.execute(
        "SELECT l.id, c.deck_id, c.card_id, s.ordinal, l.reviewed_at, l.grade, l.kind, l.duration_ms, "
        f"l.interval_before, l.interval_after, l.easiness_after, l.repetitions_before, l.lapses_before, {ON_FIRST_DAY_SQL} "
        "FROM review_log l JOIN schedule s ON s.id = l.schedule_id JOIN card c ON c.pk = s.card_pk "
        "WHERE NOT EXISTS (SELECT 1 FROM anki_answer_out o WHERE o.log_id = l.id) "
        "AND NOT EXISTS (SELECT 1 FROM anki_answer_in i WHERE i.log_id = l.id) "
        "ORDER BY l.id"
    ).fetchall()
    return [
        OutgoingAnswer._make((log_id, deck_id, card_id, ordinal, _utc(at), *rest, bool(on_first_day)))
        for log_id, deck_id, card_id, ordinal, at, *rest, on_first_day in rows
    ]


def _utc(text: str) -> datetime:
    moment = parse_timestamp(text)
    assert moment is not None  # reviewed_at is NOT NULL
    return moment


def remember_answers_out(connection: sqlite3.Connection, sent: Iterable[tuple[int, int]]) -> None:
    """(log id, revlog id) pairs now held by the Anki copy."""
    connection.executemany("INSERT OR REPLACE INTO anki_answer_out (log_id, revlog_id) VALUES (?, ?)", sent)


def sent_revlog_ids(connection: sqlite3.Connection) -> dict[int, int]:
    """Revlog id -> log id of every answer sent out."""
    return {revlog_id: log_id for log_id, revlog_id in connection.execute("SELECT log_id, revlog_id FROM anki_answer_out")}


def forget_answers_out(connection: sqlite3.Connection, log_ids: Iterable[int]) -> None:
    """These answers are not in the Anki copy after all (it was replaced by the server's): send them again."""
    connection.executemany("DELETE FROM anki_answer_out WHERE log_id = ?", ((log_id,) for log_id in log_ids))


def sent_note_texts(connection: sqlite3.Connection) -> dict[str, str]:
    """Note GUID -> fingerprint of its fields as last sent."""
    return dict(connection.execute("SELECT guid, fingerprint FROM anki_note_text").fetchall())


def remember_note_texts(connection: sqlite3.Connection, fingerprints: dict[str, str]) -> None:
    connection.executemany("INSERT OR REPLACE INTO anki_note_text (guid, fingerprint) VALUES (?, ?)", fingerprints.items())
