"""Our SM-2 progress as Anki scheduling, written into a package's collection after genanki.

genanki writes every card as new. Here the package's `cards` rows get Anki's review state and
`revlog` gets one row per answer. Anki stores a review card's due date as a day number
counted from the collection's creation, and its importer shifts that number by the gap
between the package's "today" and the target collection's "today". The package's collection
is therefore dated (`crt`, `creationOffset`, `rollover`) so that its day 0 is a known
calendar day; a due date then lands on the same calendar day in any collection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import NamedTuple

from mlcards.scheduling.sm2 import PASSING_GRADE
from mlcards.store.selection import ReviewRow, ScheduleRow

# Anki's card and review-log codes (its database schema, cards.type/queue and revlog.type).
CARD_NEW, CARD_REVIEW = 0, 2
QUEUE_SUSPENDED, QUEUE_NEW, QUEUE_REVIEW = -1, 0, 2
REVLOG_LEARN, REVLOG_REVIEW, REVLOG_RELEARN = 0, 1, 2
ANKI_AGAIN = 1


class ScheduledCard(NamedTuple):  # one per card: a NamedTuple builds far faster than a frozen dataclass
    """One exported prompt: its note's GUID, Anki's card ordinal (ours minus one), its state."""

    guid: str
    ord: int
    schedule: ScheduleRow


@dataclass(frozen=True, slots=True)
class PackageCalendar:
    """Day 0 of the package's collection and the `col` values that make Anki agree with it."""

    origin: date
    crt: int
    minutes_west: int
    rollover_hour: int

    def day_number(self, day: date) -> int:
        return (day - self.origin).days


def package_calendar(today: date, dues: Iterable[date], day_start_hour: int, utc_offset: timedelta) -> PackageCalendar:
    """Day 0 on or before every due date, so no day number is negative."""
    origin = min([today, *dues])
    # Anki counts days from the calendar date of `crt` in the creation offset; noon is safely
    # inside that date whatever the rollover hour.
    created = datetime.combine(origin, time(12), tzinfo=timezone(utc_offset))
    minutes_west = -int(utc_offset.total_seconds() // 60)
    return PackageCalendar(origin, int(created.timestamp()), minutes_west, day_start_hour)


def anki_ease(grade: int) -> int:
    """Our grades 0-5 as Anki's buttons: below 3 Again (1), then Hard 2, Good 3, Easy 4."""
    return ANKI_AGAIN if grade < PASSING_GRADE else grade - 1


def card_columns(schedule: ScheduleRow, calendar: PackageCalendar) -> tuple[int, int, int, int, int, int, int]:
    """(type, queue, due, ivl, factor, reps, lapses) for a card that was reviewed or suspended."""
    reps = len(schedule.reviews)
    if schedule.due is None:
        queue = QUEUE_SUSPENDED if schedule.suspended else QUEUE_NEW
        return CARD_NEW, queue, 0, 0, 0, reps, schedule.lapses
    queue = QUEUE_SUSPENDED if schedule.suspended else QUEUE_REVIEW
    factor = schedule.easiness * 10  # hundredths of SM-2 easiness -> Anki's per-mille ease factor
    return CARD_REVIEW, queue, calendar.day_number(schedule.due), max(1, schedule.interval), factor, reps, schedule.lapses


def revlog_rows(card_id: int, reviews: tuple[ReviewRow, ...], taken_ids: set[int]) -> list[tuple[int, ...]]:
    """Anki revlog rows (id, cid, usn, ease, ivl, lastIvl, factor, time, type), oldest first."""
    rows: list[tuple[int, ...]] = []
    reviewed_before = False
    for review in reviews:
        if review.kind == "new":
            kind = REVLOG_LEARN
        elif review.kind == "review":
            kind = REVLOG_REVIEW
            reviewed_before = True
        else:  # a same-day re-drill: relearning once the card has had a real review, else learning
            kind = REVLOG_RELEARN if reviewed_before else REVLOG_LEARN
        revlog_id = _unique_id(int(review.reviewed_at.astimezone(UTC).timestamp() * 1000), taken_ids)
        rows.append(
            (
                revlog_id,
                card_id,
                -1,
                anki_ease(review.grade),
                review.interval_after,
                review.interval_before,
                review.easiness_after * 10,
                review.duration_ms,
                kind,
            )
        )
    return rows


def write_progress(
    connection: sqlite3.Connection,
    cards: list[ScheduledCard],
    calendar: PackageCalendar,
    anki_ids: dict[tuple[str, int], int],
) -> int:
    """Apply every card's state and history to the package's collection, whose card ids by
    (note GUID, ord) are `anki_ids`; returns the review count."""
    updates: list[tuple[int, ...]] = []
    revlog: list[tuple[int, ...]] = []
    taken_ids: set[int] = set()
    for card in cards:
        card_id = anki_ids.get((card.guid, card.ord))
        if card_id is None:  # a prompt genanki did not generate: nothing to carry
            continue
        schedule = card.schedule
        if schedule.due is not None or schedule.suspended or schedule.reviews:
            updates.append((*card_columns(schedule, calendar), card_id))
        revlog.extend(revlog_rows(card_id, schedule.reviews, taken_ids))
    connection.executemany(
        "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = ?, lapses = ? WHERE id = ?", updates
    )
    connection.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", revlog)
    (conf_json,) = connection.execute("SELECT conf FROM col").fetchone()
    conf = json.loads(conf_json)
    # v2 scheduler timing: day numbers follow local calendar days that start at the rollover hour.
    conf.update({"schedVer": 2, "rollover": calendar.rollover_hour, "creationOffset": calendar.minutes_west})
    connection.execute("UPDATE col SET crt = ?, conf = ?", (calendar.crt, json.dumps(conf)))
    return len(revlog)


def _unique_id(candidate: int, taken: set[int]) -> int:
    while candidate in taken:
        candidate += 1
    taken.add(candidate)
    return candidate
