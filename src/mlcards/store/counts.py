"""Per-deck counts and daily activity, computed in SQL over indexed columns."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from mlcards.store.database import Database
from mlcards.store.rows import named
from mlcards.store.states import IS_DUE, IS_LEARNING, IS_NEW, WAITING
from mlcards.store.values import parse_day


@dataclass(frozen=True, slots=True)
class DeckCounts:
    deck_id: str
    name: str
    new: int
    learning: int  # answered below Good today and waiting for the same-day re-drill
    due: int  # reviews due today or overdue (not counting new cards)
    total: int
    suspended: int


# Buried prompts count nowhere until their day comes (as in the review queue).
# Each count is a range over ix_schedule_state (or ix_schedule_redrill); "+deck_id" keeps the
# planner from scanning the whole deck index instead of the range.
_COUNT_QUERIES = {
    # Equality on due (IS NULL) leaves deck_id in index order: grouping needs no temp b-tree.
    "new": f"SELECT s.deck_id, count(*) FROM schedule s INDEXED BY ix_schedule_state WHERE {WAITING} AND {IS_NEW} GROUP BY s.deck_id",
    "learning": f"SELECT s.deck_id, count(*) FROM schedule s INDEXED BY ix_schedule_redrill WHERE {IS_LEARNING} AND {WAITING} "
    "GROUP BY +s.deck_id",
    "due": f"SELECT s.deck_id, count(*) FROM schedule s WHERE {WAITING} AND {IS_DUE} GROUP BY +s.deck_id",
    "suspended": "SELECT s.deck_id, count(*) FROM schedule s WHERE s.active = 1 AND s.suspended = 1 GROUP BY +s.deck_id",
}


def deck_counts(database: Database, today: date) -> list[DeckCounts]:
    parameters = {"today": today.isoformat()}
    connection = database.connection
    decks = connection.execute("SELECT id, name, prompt_count FROM deck WHERE present ORDER BY name").fetchall()
    counts: dict[str, dict[str, int]] = {
        name: dict(connection.execute(query, parameters).fetchall()) for name, query in _COUNT_QUERIES.items()
    }
    return [
        DeckCounts(
            deck_id,
            name,
            counts["new"].get(deck_id, 0),
            counts["learning"].get(deck_id, 0),
            counts["due"].get(deck_id, 0),
            total,
            counts["suspended"].get(deck_id, 0),
        )
        for deck_id, name, total in decks
    ]


def answered_on(database: Database, day: date) -> int:
    return sum(answered_by_kind(database, day).values())


def answered_by_kind(database: Database, day: date) -> dict[str, int]:
    """Answers on a study day per kind: 'new', 'review', 'redrill'."""
    query = "SELECT kind, count(*) FROM review_log WHERE study_day = ? GROUP BY kind"
    return dict(database.connection.execute(query, (day.isoformat(),)).fetchall())


def streak(database: Database, today: date) -> int:
    """Consecutive study days with at least one answer, ending today (or yesterday, so a
    streak is not shown as broken before today's reviews are done).

    One index seek per day of the streak: a year-long streak costs 365 tiny queries."""
    cursor = database.connection.cursor()

    def studied(day: date) -> bool:
        query = "SELECT 1 FROM review_log WHERE study_day = ? LIMIT 1"
        return cursor.execute(query, (day.isoformat(),)).fetchone() is not None

    day = today if studied(today) else today - timedelta(days=1)
    length = 0
    while studied(day):
        length += 1
        day -= timedelta(days=1)
    return length


@dataclass(frozen=True, slots=True)
class DeckListing:
    deck_id: str
    name: str
    file_path: str
    cards: int


def deck_list(database: Database) -> list[DeckListing]:
    rows = named(
        database.connection,
        "SELECT d.id, d.name, d.file_path, count(c.pk) AS cards FROM deck d "
        "LEFT JOIN card c ON c.deck_id = d.id AND c.present WHERE d.present GROUP BY d.id ORDER BY d.name",
    )
    return [DeckListing(deck_id=row["id"], name=row["name"], file_path=row["file_path"], cards=row["cards"]) for row in rows]


def latest_answered_day(connection: sqlite3.Connection) -> date | None:
    """The latest study day with an answer in the log (an index lookup)."""
    (day,) = connection.execute("SELECT max(study_day) FROM review_log").fetchone()
    return parse_day(day)


def tag_counts(database: Database) -> list[tuple[str, int]]:
    """Every tag on a present card with how many cards carry it, most used first."""
    counted: dict[str, int] = {}
    for (tags,) in database.connection.execute("SELECT tags FROM card WHERE present AND tags != ''"):
        for tag in tags.split():
            counted[tag] = counted.get(tag, 0) + 1
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))
