"""Schema upgrades, one step per version, applied in place in a single transaction.

Each step takes a database at version N to N+1 and keeps every row. A backup is made before
the first step, so an upgrade can always be undone with `mlcards restore`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

SCHEMA_VERSION = 8  # each step up has a migration below, and store/models.py declares the result


def _v1_to_v2(connection: sqlite3.Connection) -> None:
    """Per-deck prompt totals and covering indexes, so status counts need no full scan."""
    connection.execute("ALTER TABLE deck ADD COLUMN prompt_count INTEGER NOT NULL DEFAULT 0")
    connection.execute("UPDATE deck SET prompt_count = (SELECT count(*) FROM schedule s WHERE s.deck_id = deck.id AND s.active)")
    connection.execute("DROP INDEX IF EXISTS ix_schedule_queue")
    connection.execute("CREATE INDEX ix_schedule_state ON schedule (active, suspended, due, deck_id, buried_until)")
    connection.execute("CREATE INDEX ix_schedule_redrill ON schedule (redrill_on)")


def _v2_to_v3(connection: sqlite3.Connection) -> None:
    """A covering index for the stats' day windows; it starts with study_day, so it replaces
    the single-column day index."""
    connection.execute("DROP INDEX IF EXISTS ix_review_log_day")
    connection.execute("CREATE INDEX ix_review_log_window ON review_log (study_day, kind, schedule_id, grade, interval_before)")


def _v3_to_v4(connection: sqlite3.Connection) -> None:
    """The log becomes the truth: each answer names its rule, settings, clock offset and window;
    undone answers move to their own table; each schedule remembers the last answer it holds."""
    for column in (
        "utc_offset_minutes INTEGER",
        "scheduler VARCHAR NOT NULL DEFAULT 'sm2'",
        "scheduler_settings VARCHAR NOT NULL DEFAULT '{}'",
        "session_id VARCHAR",
    ):
        connection.execute(f"ALTER TABLE review_log ADD COLUMN {column}")
    connection.execute("""UPDATE review_log SET scheduler_settings = '{"redrill_below": 4}'""")
    connection.execute("ALTER TABLE schedule ADD COLUMN last_log_id INTEGER NOT NULL DEFAULT 0")
    connection.execute(
        "UPDATE schedule SET last_log_id = coalesce((SELECT max(l.id) FROM review_log l WHERE l.schedule_id = schedule.id), 0)"
    )
    connection.execute(
        "CREATE TABLE review_undone (log_id INTEGER NOT NULL PRIMARY KEY, schedule_id INTEGER NOT NULL, "
        "reviewed_at DATETIME NOT NULL, study_day DATE NOT NULL, grade INTEGER NOT NULL, kind VARCHAR NOT NULL, "
        "duration_ms INTEGER NOT NULL, session_id VARCHAR, undone_at DATETIME NOT NULL)"
    )


def _v4_to_v5(connection: sqlite3.Connection) -> None:
    """FSRS's memory of each prompt is kept beside the schedule (filled by the replay that follows
    every upgrade), so readiness can be predicted and FSRS can schedule."""
    for column in (
        "fsrs_phase INTEGER",
        "fsrs_step INTEGER",
        "fsrs_stability FLOAT",
        "fsrs_difficulty FLOAT",
        "fsrs_due DATETIME",
    ):
        connection.execute(f"ALTER TABLE schedule ADD COLUMN {column}")


def _v5_to_v6(connection: sqlite3.Connection) -> None:
    """What two-way sync with Anki remembers: answers taken in from Anki and sent out to it (so
    neither is carried twice), and each note's text as last sent (so edits made in Anki are named)."""
    connection.execute("CREATE TABLE anki_answer_in (revlog_id INTEGER NOT NULL PRIMARY KEY, log_id INTEGER NOT NULL)")
    connection.execute("CREATE TABLE anki_answer_out (log_id INTEGER NOT NULL PRIMARY KEY, revlog_id INTEGER NOT NULL)")
    connection.execute("CREATE TABLE anki_note_text (guid VARCHAR NOT NULL PRIMARY KEY, fingerprint VARCHAR NOT NULL)")


def _v6_to_v7(connection: sqlite3.Connection) -> None:
    """Each prompt carries its card's file position, indexed with its deck for the new ones, so the
    interleaved queue reads a deck's first new prompts without reading every new prompt's card."""
    connection.execute("ALTER TABLE schedule ADD COLUMN position INTEGER NOT NULL DEFAULT 0")
    connection.execute("UPDATE schedule SET position = (SELECT c.position FROM card c WHERE c.pk = schedule.card_pk)")
    connection.execute(
        "CREATE INDEX ix_schedule_new_in_file_order ON schedule (deck_id, position, ordinal, active, suspended, buried_until) "
        "WHERE due IS NULL"
    )


def _v7_to_v8(connection: sqlite3.Connection) -> None:
    """What makes a sync with Anki incremental: which card each sent note holds and the content it was
    rendered from (so only changed cards are rendered, and a card gone from the YAML loses its note),
    and each prompt's schedule as last sent (so only changed prompts get a card state). Notes sent
    before carry no content yet: the next sync compares them all once, as every sync did."""
    connection.execute("ALTER TABLE anki_note_text ADD COLUMN card_pk INTEGER")
    connection.execute("ALTER TABLE anki_note_text ADD COLUMN content VARCHAR NOT NULL DEFAULT ''")
    connection.execute("CREATE INDEX ix_anki_note_text_card_pk ON anki_note_text (card_pk)")
    connection.execute(
        "CREATE TABLE anki_card_state (schedule_id INTEGER NOT NULL PRIMARY KEY, due DATE, interval INTEGER NOT NULL, "
        "easiness INTEGER NOT NULL, repetitions INTEGER NOT NULL, lapses INTEGER NOT NULL, suspended BOOLEAN NOT NULL, "
        "last_log_id INTEGER NOT NULL, redrill_on DATE, fsrs_phase INTEGER, fsrs_step INTEGER, fsrs_due DATETIME)"
    )
    connection.execute("CREATE INDEX ix_anki_answer_in_log_id ON anki_answer_in (log_id)")


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
    5: _v5_to_v6,
    6: _v6_to_v7,
    7: _v7_to_v8,
}


def upgrade(connection: sqlite3.Connection, from_version: int) -> None:
    """Run inside the caller's transaction, so a failed step leaves the file as it was."""
    for version in range(from_version, SCHEMA_VERSION):
        MIGRATIONS[version](connection)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    connection.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
        (f"upgraded_from_{from_version}", datetime.now().astimezone().isoformat(timespec="seconds")),
    )
