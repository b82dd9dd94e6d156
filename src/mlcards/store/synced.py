"""What two-way sync with Anki remembers in mlcards' database.

Which Anki revlog entries were taken into the review log (each at most once), which answers of
the log went out to Anki (each at most once), each note as last sent (its text, so that an edit
made in Anki can be named; the card it holds and the content it was rendered from, so that only
changed cards are rendered again), each prompt's schedule as last written into its Anki card, and
the marks that let the next sync read only what changed since. The review log itself is written
only through history.py.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import NamedTuple

from mlcards.store.history import ON_FIRST_DAY_SQL
from mlcards.store.selection import ReviewRow, ScheduleRow, select_schedules
from mlcards.store.values import parse_timestamp


class PromptRow(NamedTuple):
    schedule_id: int
    deck_id: str
    card_id: str
    ordinal: int  # 1 for a basic card, N for cN


class OutgoingAnswer(NamedTuple):
    """An answer of the review log that Anki has not been sent yet: which prompt, and the answer
    as an export reads it (so both write the same revlog row)."""

    log_id: int
    deck_id: str
    card_id: str
    ordinal: int
    answer: ReviewRow
    in_the_yaml: bool  # its prompt is active and its card present: Anki has (or will get) its card


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


def unsent_answers(connection: sqlite3.Connection, after_log_id: int = 0) -> list[OutgoingAnswer]:
    """Answers given in mlcards that Anki does not have yet, oldest first; `after_log_id`: every
    answer up to that log id is known to be sent or to have come from Anki."""
    rows = connection.execute(
        "SELECT l.id, c.deck_id, c.card_id, s.ordinal, l.reviewed_at, l.grade, l.kind, l.duration_ms, "
        f"l.interval_before, l.interval_after, l.easiness_after, l.repetitions_before, l.lapses_before, {ON_FIRST_DAY_SQL}, "
        "s.active AND c.present AND d.present "
        "FROM review_log l JOIN schedule s ON s.id = l.schedule_id JOIN card c ON c.pk = s.card_pk JOIN deck d ON d.id = c.deck_id "
        "WHERE l.id > ? AND NOT EXISTS (SELECT 1 FROM anki_answer_out o WHERE o.log_id = l.id) "
        "AND NOT EXISTS (SELECT 1 FROM anki_answer_in i WHERE i.log_id = l.id) "
        "ORDER BY l.id",
        (after_log_id,),
    ).fetchall()
    return [
        OutgoingAnswer(
            log_id, deck_id, card_id, ordinal, ReviewRow._make((_utc(at), *rest, bool(on_first_day))), bool(in_the_yaml)
        )
        for log_id, deck_id, card_id, ordinal, at, *rest, on_first_day, in_the_yaml in rows
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


def known_among(connection: sqlite3.Connection, revlog_ids: Collection[int]) -> set[int]:
    """Which of these Anki revlog ids are already in the review log (taken in, or sent out)."""
    wanted = json.dumps(sorted(revlog_ids))
    return {
        revlog_id
        for (revlog_id,) in connection.execute(
            "SELECT revlog_id FROM anki_answer_in WHERE revlog_id IN (SELECT value FROM json_each(?)) "
            "UNION SELECT revlog_id FROM anki_answer_out WHERE revlog_id IN (SELECT value FROM json_each(?))",
            (wanted, wanted),
        )
    }


def latest_log_id(connection: sqlite3.Connection) -> int:
    (latest,) = connection.execute("SELECT coalesce(max(id), 0) FROM review_log").fetchone()
    return int(latest)


def sent_note_texts(connection: sqlite3.Connection, guids: Collection[str] | None = None) -> dict[str, str]:
    """Note GUID -> fingerprint of its fields as last sent (of every note, or of these)."""
    if guids is None:
        return dict(connection.execute("SELECT guid, fingerprint FROM anki_note_text").fetchall())
    return dict(
        connection.execute(
            "SELECT guid, fingerprint FROM anki_note_text WHERE guid IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(guids)),),
        ).fetchall()
    )


class SentNote(NamedTuple):
    """A note as the Anki copy holds it: its GUID, the fingerprint of its fields and tags there, the
    card it holds and the content key it was rendered from (see `notes_to_send`)."""

    guid: str
    fingerprint: str
    card_pk: int | None
    content: str


class NoteToSend(NamedTuple):
    card_pk: int
    content: str  # the content key to remember once the note is sent
    sent_guid: str | None  # the GUID its note was last sent under: another one means the card moved or was renamed


# A note is rendered from the card's content (its hash covers every field and the tags) and its
# identity (the GUID, the Ref field and the deck come from it), by this version of the renderer.
_CONTENT_KEY_SQL = "(:version || ' ' || c.content_hash || ' ' || c.deck_id || '/' || c.card_id)"


def notes_to_send(connection: sqlite3.Connection, version: str, *, every: bool = False) -> list[NoteToSend]:
    """Present cards whose note the Anki copy does not hold as rendered from their current content
    by renderer `version` (all present cards with `every`), in card order."""
    changed = "" if every else f" AND a.content IS NOT {_CONTENT_KEY_SQL}"
    return [
        NoteToSend(*row)
        for row in connection.execute(
            f"SELECT c.pk, {_CONTENT_KEY_SQL}, a.guid FROM card c JOIN deck d ON d.id = c.deck_id "
            "LEFT JOIN anki_note_text a ON a.card_pk = c.pk "
            "WHERE c.present AND d.present AND EXISTS (SELECT 1 FROM schedule s WHERE s.card_pk = c.pk AND s.active)"
            f"{changed} ORDER BY c.pk",
            {"version": version},
        )
    ]


def notes_of_cards(connection: sqlite3.Connection, card_pks: Collection[int], version: str) -> list[NoteToSend]:
    """These cards (present ones) as notes to send, whatever was sent before."""
    return [
        NoteToSend(*row)
        for row in connection.execute(
            f"SELECT c.pk, {_CONTENT_KEY_SQL}, a.guid FROM card c JOIN deck d ON d.id = c.deck_id "
            "LEFT JOIN anki_note_text a ON a.card_pk = c.pk "
            "WHERE c.present AND d.present AND c.pk IN (SELECT value FROM json_each(:pks)) ORDER BY c.pk",
            {"version": version, "pks": json.dumps(sorted(card_pks))},
        )
    ]


def remember_notes_sent(connection: sqlite3.Connection, notes: Iterable[SentNote], replaced: Iterable[str] = ()) -> None:
    """These notes are now in the Anki copy as given; `replaced` are the GUIDs moved cards' notes had before."""
    connection.executemany("DELETE FROM anki_note_text WHERE guid = ?", ((guid,) for guid in replaced))
    connection.executemany(
        "INSERT OR REPLACE INTO anki_note_text (guid, fingerprint, card_pk, content) VALUES (?, ?, ?, ?)", notes
    )


def notes_of_removed_cards(connection: sqlite3.Connection) -> list[str]:
    """GUIDs of notes sent for cards that are no longer in the YAML (or whose deck is not)."""
    return [
        guid
        for (guid,) in connection.execute(
            "SELECT a.guid FROM anki_note_text a LEFT JOIN card c ON c.pk = a.card_pk LEFT JOIN deck d ON d.id = c.deck_id "
            "WHERE a.card_pk IS NOT NULL AND (c.pk IS NULL OR NOT c.present OR d.id IS NULL OR NOT d.present)"
        )
    ]


def notes_of_unknown_cards(connection: sqlite3.Connection) -> list[str]:
    """GUIDs of notes sent before mlcards remembered which card each holds (schema 8)."""
    return [guid for (guid,) in connection.execute("SELECT guid FROM anki_note_text WHERE card_pk IS NULL")]


def cards_of_sent_notes(connection: sqlite3.Connection) -> dict[str, int]:
    """Note GUID -> the card it holds, of every note sent since mlcards remembers that (schema 8)."""
    return dict(connection.execute("SELECT guid, card_pk FROM anki_note_text WHERE card_pk IS NOT NULL").fetchall())


def card_kinds_of_notes(connection: sqlite3.Connection, guids: Collection[str]) -> dict[str, str]:
    """Note GUID -> the kind ("basic" or "cloze") of the card it holds now, for the notes mlcards sent."""
    return dict(
        connection.execute(
            "SELECT a.guid, c.kind FROM anki_note_text a JOIN card c ON c.pk = a.card_pk "
            "WHERE a.guid IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(guids)),),
        ).fetchall()
    )


def present_card_keys(connection: sqlite3.Connection) -> list[tuple[str, str]]:
    """(deck id, card id) of every card in the YAML now."""
    return connection.execute(
        "SELECT c.deck_id, c.card_id FROM card c JOIN deck d ON d.id = c.deck_id WHERE c.present AND d.present"
    ).fetchall()


def prompts_of_cards(connection: sqlite3.Connection, card_pks: Collection[int]) -> list[int]:
    """The active prompts of these cards."""
    return [
        schedule_id
        for (schedule_id,) in connection.execute(
            "SELECT id FROM schedule WHERE active AND card_pk IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(card_pks)),),
        )
    ]


def forget_notes(connection: sqlite3.Connection, guids: Iterable[str]) -> None:
    connection.executemany("DELETE FROM anki_note_text WHERE guid = ?", ((guid,) for guid in guids))


def sent_note_count(connection: sqlite3.Connection) -> int:
    (count,) = connection.execute("SELECT count(*) FROM anki_note_text").fetchone()
    return int(count)


def prompts_of_notes(connection: sqlite3.Connection, guids: Collection[str]) -> dict[tuple[str, int], int]:
    """(note GUID, Anki card ordinal) -> prompt, for the notes of these GUIDs that mlcards sent;
    prompts of cards since removed from the YAML included, as their answers still count."""
    return {
        (guid, ordinal - 1): schedule_id
        for guid, ordinal, schedule_id in connection.execute(
            "SELECT a.guid, s.ordinal, s.id FROM anki_note_text a JOIN schedule s ON s.card_pk = a.card_pk "
            "WHERE s.ordinal > 0 AND a.guid IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(guids)),),
        )
    }


# Everything of a schedule that its Anki card's state is made from (and then some: an answer
# always moves last_log_id), as remembered in anki_card_state once written.
_STATE_COLUMNS = (
    "due",
    "interval",
    "easiness",
    "repetitions",
    "lapses",
    "suspended",
    "last_log_id",
    "redrill_on",
    "fsrs_phase",
    "fsrs_step",
    "fsrs_due",
)
# A same-day repeat makes a learning card only on its own day (export.progress.anki_card_state): a repeat
# owed on an earlier day is no part of the state, so the day after, the card is written again as
# the review mlcards now counts it, once.
_STATE_VALUES = {column: f"s.{column}" for column in _STATE_COLUMNS} | {
    "redrill_on": "CASE WHEN s.redrill_on >= :today THEN s.redrill_on END"
}
_STATE_SQL = ", ".join(_STATE_VALUES.values())
_STATE_CHANGED_SQL = " OR ".join(f"a.{column} IS NOT {value}" for column, value in _STATE_VALUES.items())
# A prompt never answered nor suspended is new in Anki too: no row stands for this state, so a
# first sync of 10,000 new prompts remembers nothing.
_NEW_STATE: tuple[object, ...] = (None, 0, 250, 0, 0, 0, 0, None, None, None, None)
_NOT_NEW_SQL = " OR ".join(
    f"{value} IS NOT {'NULL' if new is None else new}" for value, new in zip(_STATE_VALUES.values(), _NEW_STATE, strict=True)
)


class PromptToSchedule(NamedTuple):
    schedule_id: int
    deck_id: str
    card_id: str
    schedule: ScheduleRow  # with its review-log rows (Anki counts them as the card's reps)
    state: tuple[object, ...]  # the schedule's _STATE_COLUMNS, to remember once the card state is written


def prompts_with_changed_state(connection: sqlite3.Connection, today: date) -> list[int]:
    """Active prompts whose state for `today` (the sync's study day) differs from the one last
    written to Anki (or none was); `prompts_to_schedule` keeps those of present cards."""
    return [
        schedule_id
        for (schedule_id,) in connection.execute(
            "SELECT s.id FROM schedule s LEFT JOIN anki_card_state a ON a.schedule_id = s.id "
            f"WHERE s.active AND (CASE WHEN a.schedule_id IS NULL THEN {_NOT_NEW_SQL} ELSE {_STATE_CHANGED_SQL} END)",
            {"today": today.isoformat()},
        )
    ]


def prompts_to_schedule(
    connection: sqlite3.Connection, schedule_ids: Collection[int] | None, today: date
) -> list[PromptToSchedule]:
    """Active prompts of present cards (all, or these) with their states for `today` and review-log rows."""
    only = "" if schedule_ids is None else " AND s.id IN (SELECT value FROM json_each(:ids))"
    rows = connection.execute(
        f"SELECT s.id, c.deck_id, c.card_id, {_STATE_SQL} "
        "FROM schedule s JOIN card c ON c.pk = s.card_pk JOIN deck d ON d.id = c.deck_id "
        f"WHERE s.active AND c.present AND d.present{only}",
        {"ids": json.dumps(sorted(schedule_ids or ())), "today": today.isoformat()},
    ).fetchall()
    schedules = select_schedules(connection, schedule_ids)
    return [
        PromptToSchedule(schedule_id, deck_id, card_id, schedules[schedule_id], tuple(state))
        for schedule_id, deck_id, card_id, *state in rows
        if schedule_id in schedules
    ]


def remember_card_states(
    connection: sqlite3.Connection, states: Iterable[tuple[int, tuple[object, ...]]], *, every: bool = False
) -> None:
    """(prompt, its schedule's state columns) pairs now written into the prompts' Anki cards; with
    `every`, these are all the prompts the copy holds (what is remembered of others is dropped)."""
    written = list(states)
    if every:
        connection.execute("DELETE FROM anki_card_state")
    else:
        connection.executemany(
            "DELETE FROM anki_card_state WHERE schedule_id = ?",
            ((schedule_id,) for schedule_id, state in written if state == _NEW_STATE),
        )
    connection.executemany(
        f"INSERT OR REPLACE INTO anki_card_state (schedule_id, {', '.join(_STATE_COLUMNS)}) "
        f"VALUES (?, {', '.join('?' * len(_STATE_COLUMNS))})",
        ((schedule_id, *state) for schedule_id, state in written if state != _NEW_STATE),
    )


@dataclass(frozen=True, slots=True)
class SyncMarks:
    """Where the last sync left off. Valid only for the Anki copy it was made with: `copy` names
    that copy's state after the sync (its usn and last-sync time), so a copy replaced, deleted or
    restored since is noticed and everything is compared again."""

    copy: str  # "usn/last-sync time" of the Anki copy after the last sync
    since_usn: int  # the copy's usn after the last sync's pull: what the server sent later has this usn or higher
    calendar_origin: str  # the day the copy numbers due dates from (card states are written in its numbers)
    log_id: int  # every answer up to this log id was sent to Anki or came from it
    version: str  # the note renderer the sent notes were made by
    yaml: str  # the deck files as last synced into the database (`yaml_mark`)


_MARKS_KEY = "anki_sync_marks"


def yaml_mark(connection: sqlite3.Connection) -> str:
    """The deck files as the database last took them in (each file's path and digest). Cards change
    only when a deck sync takes in a changed file (which changes this mark): while it is unchanged,
    no card's content, identity or presence changed, and the notes need no comparing."""
    digest = hashlib.sha1()
    for path, file_digest in connection.execute("SELECT path, digest FROM deck_file ORDER BY path"):
        digest.update(f"{path}\0{file_digest}\n".encode())
    return digest.hexdigest()


def sync_marks(connection: sqlite3.Connection) -> SyncMarks | None:
    row = connection.execute("SELECT value FROM meta WHERE key = ?", (_MARKS_KEY,)).fetchone()
    if row is None:
        return None
    try:
        return SyncMarks(**json.loads(row[0]))
    except (TypeError, ValueError):
        return None  # written by another version: compare everything once


def save_sync_marks(connection: sqlite3.Connection, marks: SyncMarks) -> None:
    connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (_MARKS_KEY, json.dumps(asdict(marks))))


def forget_sync_marks(connection: sqlite3.Connection) -> None:
    connection.execute("DELETE FROM meta WHERE key = ?", (_MARKS_KEY,))


def present_decks_in_export_order(connection: sqlite3.Connection) -> list[tuple[str, str]]:
    """(deck id, name) of every present deck with present cards, in the order an export meets them
    (by name, then id: selection.select_notes), which decides which of two same-named decks keeps
    the name."""
    return [
        (str(deck_id), str(name))
        for deck_id, name in connection.execute(
            "SELECT d.id, d.name FROM deck d WHERE d.present "
            "AND EXISTS (SELECT 1 FROM card c WHERE c.deck_id = d.id AND c.present) ORDER BY d.name, d.id"
        )
    ]


_DECK_NAMES_KEY = "anki_deck_names"


def sent_deck_names(connection: sqlite3.Connection) -> dict[str, str]:
    """Each deck's name in Anki as the last sync left it (by mlcards deck id)."""
    row = connection.execute("SELECT value FROM meta WHERE key = ?", (_DECK_NAMES_KEY,)).fetchone()
    if row is None:
        return {}
    try:
        names = json.loads(row[0])
    except ValueError:
        return {}  # unreadable: no rename is made, and the next sync writes it afresh
    return {str(key): str(value) for key, value in names.items()} if isinstance(names, dict) else {}


def remember_deck_names(connection: sqlite3.Connection, names: dict[str, str]) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (_DECK_NAMES_KEY, json.dumps(names, sort_keys=True))
    )
