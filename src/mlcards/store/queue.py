"""The review queue's reads and the set-aside writes (suspend, bury), in SQL over the prompt states."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from mlcards.prompts import QueuedPrompt
from mlcards.scheduling import sm2
from mlcards.store.database import Database
from mlcards.store.filters import filter_clauses, selected_deck_ids
from mlcards.store.rows import named_one
from mlcards.store.states import IS_DUE, IS_LEARNING, IS_NEW, WAITING


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """A deck and tag selection resolved to SQL once per queue read."""

    sql: str  # " AND ..." clauses over card c and deck d
    parameters: dict[str, str]


def queue_filter(connection: sqlite3.Connection, deck: str | None, tags: tuple[str, ...]) -> QueueFilter:
    deck_ids = None if deck is None else selected_deck_ids(connection, deck)
    return QueueFilter(*filter_clauses(deck_ids, tags))


# The queue is chosen on narrow rows (ids and sort keys only), then the chosen prompts' content is
# read by id: sorting hundreds of due or new prompts with their text attached was most of the cost.
_CHOOSE_SQL = """
SELECT s.id FROM schedule s JOIN card c ON c.pk = s.card_pk JOIN deck d ON d.id = s.deck_id
WHERE s.active AND NOT s.suspended"""
_CONTENT_SQL = """
SELECT s.id, s.ordinal, c.deck_id, d.name AS deck_name, c.card_id, c.kind, c.front, c.back, c.text, c.extra, c.source,
       c.tags, d.file_path, c.line, s.repetitions, s.interval, s.easiness, s.due IS NULL AS is_new, s.last_log_id
FROM json_each(:ids) AS chosen JOIN schedule s ON s.id = chosen.value
JOIN card c ON c.pk = s.card_pk JOIN deck d ON d.id = s.deck_id
ORDER BY chosen.key"""


def _select(
    connection: sqlite3.Connection, chosen: QueueFilter, where: str, order_by: str, **parameters: object
) -> list[QueuedPrompt]:
    query = f"{_CHOOSE_SQL}{chosen.sql} AND {where} ORDER BY {order_by}"
    ids = [row[0] for row in connection.execute(query, {**chosen.parameters, **parameters}).fetchall()]
    return _content(connection, ids)


def _content(connection: sqlite3.Connection, ids: list[int]) -> list[QueuedPrompt]:
    if not ids:
        return []
    return [_queued(row) for row in connection.execute(_CONTENT_SQL, {"ids": json.dumps(ids)}).fetchall()]


def every_prompt(connection: sqlite3.Connection, chosen: QueueFilter) -> list[QueuedPrompt]:
    """Every active, unsuspended prompt in deck order (for cram)."""
    return _select(connection, chosen, "1", "d.name, c.position, s.ordinal")


def learning(connection: sqlite3.Connection, chosen: QueueFilter, today: date) -> list[QueuedPrompt]:
    """Prompts owing a same-day repeat, oldest answer first."""
    return _select(connection, chosen, f"{IS_LEARNING} AND {WAITING}", "s.last_reviewed", today=today.isoformat())


def due(connection: sqlite3.Connection, chosen: QueueFilter, today: date, room: int) -> list[QueuedPrompt]:
    """Reviews due today or overdue (not those owing a repeat), most overdue first, at most `room`."""
    where = f"{IS_DUE} AND {WAITING} AND (s.redrill_on IS NULL OR NOT {IS_LEARNING})"
    return _select(
        connection, chosen, where, "s.due, d.name, c.position, s.ordinal LIMIT :room", today=today.isoformat(), room=room
    )


def new(connection: sqlite3.Connection, chosen: QueueFilter, today: date, room: int) -> list[QueuedPrompt]:
    """Never-answered prompts in deck and file order, at most `room`.

    Deck by deck, in name order, each an index range (new prompts of one deck) sorted by file
    position: one query over every new prompt of the collection sorted them all to keep a few.
    """
    ids: list[int] = []
    query = (
        f"{_CHOOSE_SQL}{chosen.sql} AND s.deck_id = :deck AND {IS_NEW} AND {WAITING} ORDER BY c.position, s.ordinal LIMIT :room"
    )
    for (deck_id,) in connection.execute("SELECT id FROM deck WHERE present ORDER BY name").fetchall():
        if len(ids) >= room:
            break
        parameters = {**chosen.parameters, "today": today.isoformat(), "deck": deck_id, "room": room - len(ids)}
        ids.extend(row[0] for row in connection.execute(query, parameters).fetchall())
    return _content(connection, ids)


def present_among(connection: sqlite3.Connection, chosen: QueueFilter, schedule_ids: list[int]) -> list[QueuedPrompt]:
    """The given prompts whose card is still in the YAML, read afresh."""
    where = "c.present AND s.id IN (SELECT value FROM json_each(:wanted))"
    return _select(connection, chosen, where, "s.id", wanted=json.dumps(schedule_ids))


# The one place a row is read by position, on purpose: the queue turns a few hundred rows into
# records on every start, and named rows plus keywords made that 70% slower (1.7 -> 2.8 ms at
# 10k cards, past Anki's backend). The unpacking names each column, in _CONTENT_SQL's order.
def _queued(row: tuple[Any, ...]) -> QueuedPrompt:
    (schedule_id, ordinal, deck_id, deck_name, card_id, kind, front, back, text, extra, source, tags, file_path, line,
     repetitions, interval, easiness, is_new, last_log_id) = row  # fmt: skip
    return QueuedPrompt(
        schedule_id, ordinal, deck_id, deck_name, card_id, kind, front, back, text, extra, source, tuple(tags.split()),
        file_path, line, sm2.SM2State(repetitions, interval, easiness / 100), bool(is_new), False, last_log_id,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class SetAside:
    """A prompt's set-aside columns as they were, so undo can put them back."""

    suspended: bool
    buried_until: str | None


def set_aside(writer: sqlite3.Connection, schedule_id: int, suspend: bool = False, bury_until: date | None = None) -> SetAside:
    before = named_one(writer, "SELECT suspended, buried_until FROM schedule WHERE id = ?", (schedule_id,))
    if before is None:
        raise LookupError(f"prompt {schedule_id} is not in the database")
    if suspend:
        writer.execute("UPDATE schedule SET suspended = 1 WHERE id = ?", (schedule_id,))
    if bury_until is not None:
        writer.execute("UPDATE schedule SET buried_until = ? WHERE id = ?", (bury_until.isoformat(), schedule_id))
    return SetAside(bool(before["suspended"]), before["buried_until"])


def put_back(writer: sqlite3.Connection, schedule_id: int, before: SetAside) -> None:
    writer.execute(
        "UPDATE schedule SET suspended = ?, buried_until = ? WHERE id = ?", (before.suspended, before.buried_until, schedule_id)
    )


def set_suspended(database: Database, schedule_id: int, suspended: bool) -> None:
    """Suspend or unsuspend one prompt outside a session (from the browser)."""
    with database.transaction() as writer:
        writer.execute("UPDATE schedule SET suspended = ? WHERE id = ?", (suspended, schedule_id))
