"""The review queue's reads and the set-aside writes (suspend, bury), in SQL over the prompt states."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mlcards.new_order import NewOrder, NewPromptOrder, interleave_plan, priority_tier
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

    @property
    def joins(self) -> str:
        """What a query over `schedule s` alone joins for these clauses: nothing when nothing is
        chosen, so counting everything stays in the schedule's indexes."""
        return " JOIN card c ON c.pk = s.card_pk JOIN deck d ON d.id = s.deck_id" if self.sql else ""


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


EVERYTHING = QueueFilter("", {})  # no deck or tag chosen
_NOT_OWING_A_REPEAT = f"(s.redrill_on IS NULL OR NOT {IS_LEARNING})"
_DUE_NOW = f"{IS_DUE} AND {WAITING} AND {_NOT_OWING_A_REPEAT}"
_DUE_AHEAD = (
    f"s.due > :today AND s.due <= :until AND {WAITING} AND {_NOT_OWING_A_REPEAT}"  # `ahead` shows, `count_due_ahead` counts
)


def due(connection: sqlite3.Connection, chosen: QueueFilter, today: date, room: int) -> list[QueuedPrompt]:
    """Reviews due today or overdue (not those owing a repeat), most overdue first, at most `room`."""
    return _select(
        connection, chosen, _DUE_NOW, "s.due, d.name, c.position, s.ordinal LIMIT :room", today=today.isoformat(), room=room
    )


def count_due(connection: sqlite3.Connection, chosen: QueueFilter, today: date) -> int:
    """Reviews `due` would offer, without its room."""
    return _count(connection, chosen, _DUE_NOW, today=today.isoformat())


def _until(today: date, days: int) -> str:
    return (today + timedelta(days=days)).isoformat()


def ahead(connection: sqlite3.Connection, chosen: QueueFilter, today: date, days: int, room: int) -> list[QueuedPrompt]:
    """Reviews due in the next `days` days (after today), earliest due first, at most `room`: for
    reviewing ahead once today's work is done."""
    order = "s.due, d.name, c.position, s.ordinal LIMIT :room"
    return _select(connection, chosen, _DUE_AHEAD, order, today=today.isoformat(), until=_until(today, days), room=room)


def count_unseen(connection: sqlite3.Connection, chosen: QueueFilter, today: date) -> int:
    """Prompts never answered and not set aside, whether or not today's limits would show them."""
    return _count(connection, chosen, f"{IS_NEW} AND {WAITING}", today=today.isoformat())


def count_due_ahead(connection: sqlite3.Connection, chosen: QueueFilter, today: date, days: int) -> int:
    """Reviews `ahead` would offer, without its room."""
    return _count(connection, chosen, _DUE_AHEAD, today=today.isoformat(), until=_until(today, days))


def _count(connection: sqlite3.Connection, chosen: QueueFilter, where: str, **parameters: object) -> int:
    """A count over the chosen prompts (an active prompt's deck is present: sync deactivates the
    prompts of a deck it removes)."""
    query = f"SELECT count(*) FROM schedule s{chosen.joins} WHERE {where}{chosen.sql}"
    (count,) = connection.execute(query, {**chosen.parameters, **parameters}).fetchone()
    return int(count)


# Never-answered prompts that may be introduced today: waiting, and of a card none of whose prompts
# was answered today (a cloze's c1 answer would give its c2 away, even after a restart). Written on
# s.id, which every index of schedule holds, so counting them stays in the index.
_NEW_WAITING = f"""{IS_NEW} AND {WAITING} AND s.id NOT IN (
    SELECT sibling.id FROM review_log l JOIN schedule answered ON answered.id = l.schedule_id
    JOIN schedule sibling ON sibling.card_pk = answered.card_pk WHERE l.study_day = :today)"""


def new(connection: sqlite3.Connection, chosen: QueueFilter, today: date, room: int, order: NewPromptOrder) -> list[QueuedPrompt]:
    """Never-answered prompts in the learner's order (mlcards.new_order), at most `room`; within a
    deck in file order."""
    if room <= 0:
        return []
    decks = connection.execute("SELECT id, name FROM deck WHERE present").fetchall()
    parameters: dict[str, object] = {**chosen.parameters, "today": today.isoformat(), "room": room}
    if order.order is NewOrder.DECK:
        return _content(connection, _deck_by_deck(connection, chosen, decks, order.priority, room, parameters))
    plan = interleave_plan(decks, _new_left(connection, chosen, parameters), order.priority, room)
    if not plan:
        return []
    query = _interleaved_sql(chosen, len(next(iter(plan.values()))) // 2 - 1)
    return _content(connection, [row[0] for row in connection.execute(query, {**parameters, "plan": json.dumps(plan)})])


def _new_left(connection: sqlite3.Connection, chosen: QueueFilter, parameters: dict[str, object]) -> dict[str, int]:
    """New prompts that may be introduced today, per chosen deck."""
    query = f"SELECT s.deck_id, count(*) FROM schedule s{chosen.joins} WHERE {_NEW_WAITING}{chosen.sql} GROUP BY s.deck_id"
    return dict(connection.execute(query, parameters).fetchall())


def _deck_by_deck(
    connection: sqlite3.Connection,
    chosen: QueueFilter,
    decks: list[tuple[str, str]],
    priority: tuple[str, ...],
    room: int,
    parameters: dict[str, object],
) -> list[int]:
    """Deck by deck (listed decks first, then by name), each deck's first new prompts read in file
    order from ix_schedule_new_in_file_order."""
    ids: list[int] = []
    query = f"{_CHOOSE_SQL}{chosen.sql} AND s.deck_id = :deck AND {_NEW_WAITING} ORDER BY s.position, s.ordinal LIMIT :room"
    for deck_id, _ in sorted(decks, key=lambda deck: (priority_tier(priority, *deck), deck[1])):
        if len(ids) >= room:
            break
        ids.extend(row[0] for row in connection.execute(query, {**parameters, "deck": deck_id, "room": room - len(ids)}))
    return ids


def _interleaved_sql(chosen: QueueFilter, leaf: int) -> str:
    """The first :room new prompts, the deck tree merged level by level as :plan describes
    (mlcards.new_order.interleave_plan: node n0 the priority tier … n{leaf} the deck, each with its
    size z, and how many of the deck's first prompts to read).

    In each node the children's prompts are served by how far into its child each one stands,
    (k + 0.5) / z for the child's k-th of z; a tie goes to the child first by name. Only the
    planned first prompts of each deck go through the levels, so every sort there is of a few rows.
    """
    columns = [f"n{level}, z{level}" for level in range(leaf + 1)]
    extracted = ", ".join(
        f"json_extract(plan.value, '$[{2 * level}]') AS n{level}, json_extract(plan.value, '$[{2 * level + 1}]') AS z{level}"
        for level in range(leaf + 1)
    )
    ctes = [
        # Used three times below, so SQLite reads each deck's plan from the JSON once, not per prompt.
        f"""planned AS (
    SELECT plan.key AS deck_id, {extracted}, json_extract(plan.value, '$[{2 * leaf + 2}]') AS candidates
    FROM json_each(:plan) plan)""",
        # Each planned deck's first new prompts, straight from ix_schedule_new_in_file_order, with
        # the deck's plan alongside (joining the plan again later cost more than the whole read).
        f"""first_in_deck AS (
    SELECT first.id, {", ".join(f"p.n{level}, p.z{level}" for level in range(leaf + 1))}, p.candidates,
           row_number() OVER (PARTITION BY p.deck_id ORDER BY first.position, first.ordinal) - 1 AS k
    FROM planned p JOIN schedule first ON first.id IN (
        SELECT s.id FROM schedule s{chosen.joins}
        WHERE s.deck_id = p.deck_id AND {_NEW_WAITING}{chosen.sql}
        ORDER BY s.position, s.ordinal LIMIT (SELECT max(candidates) FROM planned)))""",
        f"""merged{leaf} AS (SELECT id, {", ".join(columns)}, k FROM first_in_deck WHERE k < candidates)""",
    ]
    for level in range(leaf - 1, -1, -1):
        ctes.append(
            f"""merged{level} AS (
    SELECT id, {", ".join(columns[: level + 1])},
           row_number() OVER (PARTITION BY n{level} ORDER BY (k + 0.5) / z{level + 1}, n{level + 1}) - 1 AS k
    FROM merged{level + 1})"""
        )
    joined = ",\n".join(ctes)
    return f"WITH {joined}\nSELECT id FROM merged0 ORDER BY n0, k LIMIT :room"


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
