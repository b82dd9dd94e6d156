"""What an export holds: present cards of present decks with their active schedules, read
from the database so the package matches what the learner studies."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from mlcards.store.database import Database
from mlcards.store.filters import filter_clauses, selected_deck_ids


class ExportError(Exception):
    """The export cannot be made as asked; the message says why and what to do."""


# Rows are NamedTuples: an export builds some 10^4 of them, and a frozen dataclass's __init__
# costs about eight times as much.
class ReviewRow(NamedTuple):
    reviewed_at: datetime  # UTC
    grade: int
    kind: str
    duration_ms: int
    interval_before: int
    interval_after: int
    easiness_after: int
    repetitions_before: int
    lapses_before: int
    on_first_day: bool  # given on the prompt's first study day (Anki's revlog type depends on it)


class ScheduleRow(NamedTuple):
    ordinal: int
    repetitions: int
    interval: int
    easiness: int  # hundredths
    due: date | None
    lapses: int
    suspended: bool
    reviews: tuple[ReviewRow, ...] = ()
    redrill_on: date | None = None  # the study day on which a same-day repeat is owed
    fsrs_phase: int | None = None  # FSRS's 1 learning, 2 review, 3 relearning (kept under either rule)
    fsrs_step: int | None = None  # the learning or relearning step reached
    fsrs_due: datetime | None = None  # when FSRS would show it next (UTC)


class NoteRow(NamedTuple):
    card_pk: int
    deck_id: str
    deck_name: str
    deck_description: str
    card_id: str
    kind: str
    front: str
    back: str
    text: str
    extra: str
    source: str
    tags: tuple[str, ...]
    schedules: tuple[ScheduleRow, ...] = ()


# Put in deck-name and file order in Python: SQLite's sort would carry every row's text through
# a temporary B-tree, which took a third of this query's time.
_NOTES_SQL = """
    SELECT c.pk, c.deck_id, d.name, d.description, c.card_id, c.kind, c.front, c.back, c.text, c.extra, c.source, c.tags,
           c.position
    FROM card c JOIN deck d ON d.id = c.deck_id
    WHERE c.present AND d.present {filters}
"""
_SCHEDULES_SQL = """
    SELECT s.id, s.card_pk, s.ordinal, s.repetitions, s.interval, s.easiness, s.due, s.lapses, s.suspended,
           s.redrill_on, s.fsrs_phase, s.fsrs_step, s.fsrs_due
    FROM schedule s JOIN card c ON c.pk = s.card_pk JOIN deck d ON d.id = c.deck_id
    WHERE s.active AND c.present AND d.present {filters}
    ORDER BY s.card_pk, s.ordinal
"""
_REVIEWS_SQL = """
    SELECT r.schedule_id, r.reviewed_at, r.grade, r.kind, r.duration_ms, r.interval_before, r.interval_after, r.easiness_after,
           r.repetitions_before, r.lapses_before, r.study_day
    FROM review_log r JOIN schedule s ON s.id = r.schedule_id JOIN card c ON c.pk = s.card_pk JOIN deck d ON d.id = c.deck_id
    WHERE s.active AND c.present AND d.present {filters}
    ORDER BY r.schedule_id, r.reviewed_at, r.id
"""


def select_notes(
    database: Database, deck: str | None, tags: tuple[str, ...], with_reviews: bool, card_pks: Collection[int] | None = None
) -> list[NoteRow]:
    """Every exported note (or those of `card_pks`) in deck-name and file order; raises ExportError when none match."""
    with database.snapshot() as connection:
        cursor = connection.cursor()
        deck_ids: list[str] | None = None
        if deck is not None:
            deck_ids = selected_deck_ids(connection, deck)
            if not deck_ids:
                raise ExportError(f"no deck is named '{deck}' or has that id; `mlcards decks` lists them")
        filters, parameters = filter_clauses(deck_ids, tags)
        if card_pks is not None:  # a sync renders only the cards that changed
            filters += " AND c.pk IN (SELECT value FROM json_each(:card_pks))"
            parameters["card_pks"] = json.dumps(sorted(card_pks))
        notes = cursor.execute(_NOTES_SQL.format(filters=filters), parameters).fetchall()
        notes.sort(key=lambda row: (row[2], row[1], row[12]))  # deck name, deck id, position
        schedule_rows = cursor.execute(_SCHEDULES_SQL.format(filters=filters), parameters).fetchall()
        review_rows = cursor.execute(_REVIEWS_SQL.format(filters=filters), parameters).fetchall() if with_reviews else []
    schedules: dict[int, list[ScheduleRow]] = defaultdict(list)
    for _schedule_id, card_pk, schedule in _schedule_rows(schedule_rows, review_rows):
        schedules[card_pk].append(schedule)
    selected = [
        NoteRow(
            pk,
            deck_id,
            name,
            description or "",
            card_id,
            kind,
            front,
            back,
            text_,
            extra,
            source,
            tuple(tags_.split()),
            tuple(schedules[pk]),
        )
        for pk, deck_id, name, description, card_id, kind, front, back, text_, extra, source, tags_, _position in notes
        if schedules.get(pk)
    ]
    if not selected:
        asked = ([f"deck '{deck}'"] if deck else []) + [f"tag '{tag}'" for tag in tags]
        scope = f" with {' and '.join(asked)}" if asked else ""
        raise ExportError(f"no cards to export{scope}; `mlcards status` shows what the collection holds")
    return selected


def select_schedules(connection: sqlite3.Connection, schedule_ids: Collection[int] | None) -> dict[int, ScheduleRow]:
    """Active prompts of present cards (all, or these) by id, with their review-log rows, read as
    an export reads them: `mlcards sync` writes Anki card states from the same rows."""
    filters, parameters = "", {}
    if schedule_ids is not None:
        filters, parameters = " AND s.id IN (SELECT value FROM json_each(:ids))", {"ids": json.dumps(sorted(schedule_ids))}
    schedule_rows = connection.execute(_SCHEDULES_SQL.format(filters=filters), parameters).fetchall()
    review_rows = connection.execute(_REVIEWS_SQL.format(filters=filters), parameters).fetchall()
    return {schedule_id: schedule for schedule_id, _card_pk, schedule in _schedule_rows(schedule_rows, review_rows)}


def _schedule_rows(schedule_rows: list[Any], review_rows: list[Any]) -> list[tuple[int, int, ScheduleRow]]:
    """(schedule id, card pk, row) for each row of _SCHEDULES_SQL, with its rows of _REVIEWS_SQL."""
    reviews: dict[int, list[ReviewRow]] = defaultdict(list)
    first_day: dict[int, str] = {}
    for schedule_id, reviewed_at, *values, study_day in review_rows:  # each prompt's answers in the order given
        on_first_day = first_day.setdefault(schedule_id, study_day) == study_day
        reviews[schedule_id].append(ReviewRow._make((_utc(reviewed_at), *values, on_first_day)))
    return [
        (
            schedule_id,
            card_pk,
            ScheduleRow(
                ordinal,
                repetitions,
                interval,
                easiness,
                date.fromisoformat(due) if due else None,
                lapses,
                bool(suspended),
                tuple(reviews.get(schedule_id, ())),
                date.fromisoformat(redrill_on) if redrill_on else None,
                fsrs_phase,
                fsrs_step,
                _utc(fsrs_due) if fsrs_due else None,
            ),
        )
        for (
            schedule_id,
            card_pk,
            ordinal,
            repetitions,
            interval,
            easiness,
            due,
            lapses,
            suspended,
            redrill_on,
            fsrs_phase,
            fsrs_step,
            fsrs_due,
        ) in schedule_rows
    ]


def _utc(value: str | datetime) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
