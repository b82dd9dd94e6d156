"""What the card browser reads: every prompt once for the in-memory search, and one prompt's
detail and answer history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from mlcards.prompts import PromptStatus, status_of
from mlcards.store.database import Database
from mlcards.store.rows import named
from mlcards.store.values import parse_day, parse_timestamp


@dataclass(frozen=True, slots=True)
class IndexedCard:
    schedule_id: int
    deck_name: str
    card_id: str
    kind: str
    ordinal: int
    question: str  # the front, or the cloze text
    tags: frozenset[str]
    due: date | None
    interval: int
    state: PromptStatus
    haystack: str  # lowercased text searched by plain words

    @property
    def label(self) -> str:
        return f"{self.card_id} c{self.ordinal}" if self.kind == "cloze" else self.card_id


_INDEX_SQL = """
SELECT s.id, d.name AS deck_name, c.card_id, c.kind, s.ordinal,
       CASE WHEN c.kind = 'cloze' THEN c.text ELSE c.front END AS question, c.back, c.extra, c.tags,
       s.due, s.interval, s.suspended, s.buried_until, s.redrill_on
FROM schedule s JOIN card c ON c.pk = s.card_pk JOIN deck d ON d.id = s.deck_id
WHERE s.active
ORDER BY d.name, c.position, s.ordinal
"""


def load_index(database: Database, today: date) -> list[IndexedCard]:
    index = []
    for row in named(database.connection, _INDEX_SQL):
        due_day = parse_day(row["due"])
        deck, card_id, question = row["deck_name"], row["card_id"], row["question"]
        index.append(
            IndexedCard(
                schedule_id=row["id"],
                deck_name=deck,
                card_id=card_id,
                kind=row["kind"],
                ordinal=row["ordinal"],
                question=question,
                tags=frozenset(row["tags"].lower().split()),
                due=due_day,
                interval=row["interval"],
                state=status_of(
                    due_day, bool(row["suspended"]), parse_day(row["buried_until"]), parse_day(row["redrill_on"]), today
                ),
                haystack=f"{deck}\n{card_id}\n{question}\n{row['back']}\n{row['extra']}".lower(),
            )
        )
    return index


@dataclass(frozen=True, slots=True)
class PromptDetail:
    front: str
    back: str
    text: str
    extra: str
    source: str
    tags: tuple[str, ...]
    file_path: str
    line: int
    repetitions: int
    interval: int
    easiness_hundredths: int
    lapses: int
    last_reviewed: datetime | None
    stability: float | None  # FSRS's memory (kept under either rule); None: never answered
    difficulty: float | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    study_day: date
    grade: int
    kind: str
    interval_after: int
    duration_ms: int


_DETAIL_SQL = """
SELECT c.front, c.back, c.text, c.extra, c.source, c.tags, d.file_path, c.line,
       s.repetitions, s.interval, s.easiness, s.lapses, s.last_reviewed, s.fsrs_stability, s.fsrs_difficulty
FROM schedule s JOIN card c ON c.pk = s.card_pk JOIN deck d ON d.id = s.deck_id WHERE s.id = :id
"""
_HISTORY_SQL = (
    "SELECT study_day, grade, kind, interval_after, duration_ms FROM review_log WHERE schedule_id = :id "
    "ORDER BY reviewed_at DESC, id DESC"
)


def prompt_detail(database: Database, schedule_id: int) -> tuple[PromptDetail, list[HistoryEntry]]:
    """One prompt's card, schedule and answers (newest first), read in one snapshot."""
    with database.snapshot() as connection:
        row = connection.execute(_DETAIL_SQL, {"id": schedule_id}).fetchone()
        history = connection.execute(_HISTORY_SQL, {"id": schedule_id}).fetchall()
    (front, back, text, extra, source, tags, file_path, line, repetitions, interval, easiness, lapses, last_reviewed,
     stability, difficulty) = row  # fmt: skip
    detail = PromptDetail(
        front, back, text, extra, source, tuple(tags.split()), file_path, line, repetitions, interval, easiness, lapses,
        parse_timestamp(last_reviewed), stability, difficulty,
    )  # fmt: skip
    entries = [
        HistoryEntry(date.fromisoformat(day), grade, kind, after, duration) for day, grade, kind, after, duration in history
    ]
    return detail, entries
