"""What the interview plan reads: predicted recall per deck, unseen prompts, and the seen prompts
the workload forecast simulates. Narrow queries over the cached schedule (FSRS's memory is kept
in every schedule row under both rules), never a replay of the log."""

from __future__ import annotations

import math
import sqlite3
from datetime import date, datetime, timedelta

from mlcards.planning.forecast import ReviewedPrompt
from mlcards.store.queue import QueueFilter
from mlcards.store.values import timestamp

# Prompts the plan covers: those a review can show (in the YAML, not suspended); buried ones count.
_COVERED = "s.active = 1 AND s.suspended = 0"
# Queries that read most schedule rows scan the table: through ix_schedule_state every row costs
# a lookup of its own, three times slower at 100,000 prompts (220 ms against 70 for readiness).
_EVERY_ROW = "schedule s NOT INDEXED"


def _left_out(leave_out: tuple[str, ...]) -> tuple[str, str, dict[str, str]]:
    """(joins, " AND NOT (...)", parameters) that leave out prompts of the named decks (with their
    subdecks) and of cards carrying a tag:NAME entry; nothing when nothing is left out."""
    if not leave_out:
        return "", "", {}
    clauses, parameters = [], {}
    for number, entry in enumerate(leave_out):
        name = f"leave_out{number}"
        if entry.startswith("tag:"):
            clauses.append(f"instr(' ' || c.tags || ' ', :{name}) > 0")  # instr: '_' and '%' in a tag are not wildcards
            parameters[name] = f" {entry.removeprefix('tag:')} "
        else:
            clauses.append(f"(d.name = :{name} OR substr(d.name, 1, length(:{name}) + 2) = :{name} || '::')")
            parameters[name] = entry
    joins = " JOIN card c ON c.pk = s.card_pk JOIN deck d ON d.id = s.deck_id"
    return joins, f" AND NOT ({' OR '.join(clauses)})", parameters


def without_left_out(chosen: QueueFilter, leave_out: tuple[str, ...]) -> QueueFilter:
    """A review's selection less what the plan leaves out (for its new prompts); `chosen` itself
    when nothing is left out."""
    if not leave_out:
        return chosen
    _, clause, parameters = _left_out(leave_out)
    return QueueFilter(chosen.sql + clause, {**chosen.parameters, **parameters})


def _with_math(connection: sqlite3.Connection) -> None:
    """SQLite's pow(), or Python's where SQLite was built without its math functions."""
    try:
        connection.execute("SELECT pow(2, 0.5)")
    except sqlite3.OperationalError:
        connection.create_function("pow", 2, math.pow, deterministic=True)


def recall_by_deck(
    connection: sqlite3.Connection, at: datetime, factor: float, decay: float, leave_out: tuple[str, ...] = ()
) -> list[tuple[str, int, int, float]]:
    """(deck name, prompts, prompts seen, summed recall at `at`) per present deck with prompts,
    less those the plan leaves out.

    Recall is FSRS's forgetting curve over whole days since the last answer, as py-fsrs counts
    them (scheduling.fsrs_rule.recall_probability); a prompt never answered adds 0."""
    _with_math(connection)
    joins, left_out, parameters = _left_out(leave_out)
    rows = connection.execute(
        "SELECT s.deck_id, count(*), count(s.fsrs_stability), "
        "coalesce(sum(pow(1 + :factor * max(0, CAST(julianday(:at) - julianday(s.last_reviewed) AS INTEGER)) "
        "/ s.fsrs_stability, -:decay)), 0) "
        f"FROM {_EVERY_ROW}{joins} WHERE {_COVERED}{left_out} GROUP BY s.deck_id",
        {"at": timestamp(at), "factor": factor, "decay": decay, **parameters},
    ).fetchall()
    names = dict(connection.execute("SELECT id, name FROM deck").fetchall())
    return [(names[deck_id], int(prompts), int(seen), float(recall)) for deck_id, prompts, seen, recall in rows]


def unseen(connection: sqlite3.Connection, leave_out: tuple[str, ...] = ()) -> int:
    """Prompts never answered that a review could show (an index range), less those left out."""
    joins, left_out, parameters = _left_out(leave_out)
    query = f"SELECT count(*) FROM schedule s{joins} WHERE {_COVERED} AND s.due IS NULL{left_out}"
    return int(connection.execute(query, parameters).fetchone()[0])


def most_unseen_on_one_card(connection: sqlite3.Connection, leave_out: tuple[str, ...] = ()) -> int:
    """The most unseen prompts any one card still has (a cloze card's deletions), less those left out."""
    joins, left_out, parameters = _left_out(leave_out)
    query = (
        f"SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM schedule s{joins} "
        f"WHERE {_COVERED} AND s.due IS NULL{left_out} GROUP BY s.card_pk)"
    )
    return int(connection.execute(query, parameters).fetchone()[0])


def _unseen_from(leave_out: tuple[str, ...], needs: str) -> tuple[str, dict[str, str]]:
    """FROM and WHERE over the unseen prompts with `needs` ("card" or "deck") joined, and card and
    deck both when something is left out (the clauses need them)."""
    joins, left_out, parameters = _left_out(leave_out)
    if not joins:
        joins = " JOIN card c ON c.pk = s.card_pk" if needs == "card" else " JOIN deck d ON d.id = s.deck_id"
    return f"FROM schedule s{joins} WHERE {_COVERED} AND s.due IS NULL{left_out}", parameters


def unseen_by_deck(connection: sqlite3.Connection, leave_out: tuple[str, ...] = ()) -> list[tuple[str, int]]:
    """(deck name, unseen prompts) per present deck, less those left out."""
    source, parameters = _unseen_from(leave_out, "deck")
    return [
        (str(name), int(count))
        for name, count in connection.execute(f"SELECT d.name, count(*) {source} GROUP BY d.id", parameters).fetchall()
    ]


def unseen_by_tag(connection: sqlite3.Connection, leave_out: tuple[str, ...] = ()) -> list[tuple[str, int]]:
    """(tag, unseen prompts carrying it), most first, less those left out."""
    source, parameters = _unseen_from(leave_out, "card")
    counted: dict[str, int] = {}
    for tags, count in connection.execute(f"SELECT c.tags, count(*) {source} AND c.tags != '' GROUP BY c.tags", parameters):
        for tag in str(tags).split():
            counted[tag] = counted.get(tag, 0) + int(count)
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))


def first_reviews(connection: sqlite3.Connection, today: date, horizon: int) -> list[int]:
    """Seen prompts falling due on each of the next `horizon` days (today with the overdue ones)."""
    counts = [0] * horizon
    for due, count in connection.execute(  # grouped by the stored day: a range of the index, no date arithmetic a row
        f"SELECT s.due, count(*) FROM schedule s WHERE {_COVERED} AND s.due IS NOT NULL AND s.due < :end GROUP BY s.due",
        {"end": (today + timedelta(days=horizon)).isoformat()},
    ):
        counts[max(0, (date.fromisoformat(due) - today).days)] += int(count)
    return counts


def prompts_falling_due(
    connection: sqlite3.Connection, today: date, now: datetime, horizon: int, every: int = 1
) -> list[ReviewedPrompt]:
    """The seen prompts due within `horizon` days, as the forecast simulates them; with `every`
    above 1, only every such prompt whose id is a multiple of it (a systematic sample)."""
    return connection.execute(
        "SELECT s.id, CAST(julianday(s.due) - julianday(:today) AS INTEGER), s.repetitions, s.interval, s.easiness, "
        "s.fsrs_stability, s.fsrs_difficulty, max(0.0, julianday(:now) - julianday(s.last_reviewed)) "
        f"FROM {_EVERY_ROW} WHERE {_COVERED} AND s.due IS NOT NULL AND s.due < :end AND s.fsrs_stability IS NOT NULL "
        "AND s.id % :every = 0",
        {"today": today.isoformat(), "now": timestamp(now), "end": (today + timedelta(days=horizon)).isoformat(), "every": every},
    ).fetchall()


def new_seen_on(connection: sqlite3.Connection, day: date, leave_out: tuple[str, ...] = ()) -> int:
    """Prompts answered for the first time on a study day, less those left out."""
    joins, left_out, parameters = _left_out(leave_out)
    query = (
        f"SELECT count(*) FROM review_log l JOIN schedule s ON s.id = l.schedule_id{joins} "
        f"WHERE l.study_day = :day AND l.kind = 'new'{left_out}"
    )
    return int(connection.execute(query, {"day": day.isoformat(), **parameters}).fetchone()[0])
