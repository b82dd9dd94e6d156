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

from mlcards.scheduling.rule import RuleSettings
from mlcards.scheduling.sm2 import PASSING_GRADE
from mlcards.store.history import anki_review_kind
from mlcards.store.selection import ReviewRow, ScheduleRow

# Anki's card and review-log codes (its database schema, cards.type/queue and revlog.type).
CARD_NEW, CARD_REVIEW = 0, 2
QUEUE_SUSPENDED, QUEUE_NEW, QUEUE_REVIEW = -1, 0, 2
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


# --- learning cards -------------------------------------------------------------------------
# A prompt's schedule in mlcards as its Anki card's scheduling columns, pure.
#
# Anki's `cards` columns (its database schema): `type` 0 new, 1 learning, 2 review, 3 relearning;
# `queue` -1 suspended, 0 new, 1 learning due within the day (`due` is then a Unix time in
# seconds), 2 review, 3 learning due on a later day (`due` a day number); `ivl` the interval in
# days (the one a relearning card returns to); `factor` the ease in per mille; `left` the learning
# steps still to go.
#
# A prompt owing a same-day repeat is a learning card in Anki too (in a package or the sync's copy), due when mlcards would show
# it again: under SM-2 at once (from the moment of the failed answer), under FSRS at the moment of
# its step. Under FSRS a prompt stays a (re)learning card, step by step, until FSRS graduates it.

CARD_LEARNING, CARD_RELEARNING = 1, 3
QUEUE_LEARNING, QUEUE_DAY_LEARNING = 1, 3
FSRS_LEARNING, FSRS_RELEARNING = 1, 3  # FSRS's card states, as mlcards stores them


class AnkiCardState(NamedTuple):
    type: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int


def anki_card_state(schedule: ScheduleRow, today: date, calendar: PackageCalendar, rule: RuleSettings) -> AnkiCardState:
    """The Anki state of a prompt that has been answered (`schedule.due` is set); `today` is the
    study day of the sync."""
    review = AnkiCardState(*card_columns(schedule, calendar), left=0)
    if rule.scheduler == "fsrs" and schedule.fsrs_phase in (FSRS_LEARNING, FSRS_RELEARNING):
        return _fsrs_learning(schedule, today, calendar, rule, review)
    if schedule.redrill_on == today and schedule.reviews:
        # SM-2 has no steps: one repeat is owed, at once. Once the prompt has had a real review it
        # is a relearning card, which returns to its interval after the repeat as SM-2's prompt
        # does, even after a passed Hard; a learning card would start again from nothing. (The
        # revlog type of that Hard's repeat stays 1, review: see history.anki_review_kind.)
        relearning = any(answer.kind == "review" for answer in schedule.reviews)
        failed_at = int(schedule.reviews[-1].reviewed_at.timestamp())
        return _learning(review, relearning, QUEUE_LEARNING, failed_at, steps_left=1)
    return review


def _fsrs_learning(
    schedule: ScheduleRow, today: date, calendar: PackageCalendar, rule: RuleSettings, review: AnkiCardState
) -> AnkiCardState:
    relearning = schedule.fsrs_phase == FSRS_RELEARNING
    steps = rule.fsrs.relearning_steps_minutes if relearning else rule.fsrs.learning_steps_minutes
    steps_left = max(1, len(steps) - (schedule.fsrs_step or 0))
    if schedule.redrill_on == today and schedule.fsrs_due is not None:
        return _learning(review, relearning, QUEUE_LEARNING, int(schedule.fsrs_due.timestamp()), steps_left)
    # a step that ends on a later study day (or one left unfinished on an earlier one): due that day
    return _learning(review, relearning, QUEUE_DAY_LEARNING, review.due, steps_left)


def _learning(review: AnkiCardState, relearning: bool, queue: int, due: int, steps_left: int) -> AnkiCardState:
    return review._replace(
        type=CARD_RELEARNING if relearning else CARD_LEARNING,
        queue=QUEUE_SUSPENDED if review.queue == QUEUE_SUSPENDED else queue,
        due=due,
        ivl=review.ivl if relearning else 0,  # the interval a relearning card returns to; none yet while learning
        left=steps_left,
    )


def revlog_id_of(review: ReviewRow) -> int:
    """Anki's revlog id for an answer: its time in milliseconds (bumped by the caller on a clash)."""
    return int(review.reviewed_at.astimezone(UTC).timestamp() * 1000)


def revlog_row(revlog_id: int, card_id: int, review: ReviewRow) -> tuple[int, ...]:
    """One answer as Anki's revlog row (id, cid, usn, ease, ivl, lastIvl, factor, time, type); usn -1:
    not yet on a server. Its type is the one `mlcards log` prints (store/history.py)."""
    kind = anki_review_kind(review.kind, review.repetitions_before, review.lapses_before, review.on_first_day)
    ease, factor = anki_ease(review.grade), review.easiness_after * 10
    return (revlog_id, card_id, -1, ease, review.interval_after, review.interval_before, factor, review.duration_ms, kind)


def revlog_rows(card_id: int, reviews: tuple[ReviewRow, ...], taken_ids: set[int]) -> list[tuple[int, ...]]:
    """A card's answers as Anki revlog rows, oldest first."""
    return [revlog_row(_unique_id(revlog_id_of(review), taken_ids), card_id, review) for review in reviews]


def write_progress(
    connection: sqlite3.Connection,
    cards: list[ScheduledCard],
    calendar: PackageCalendar,
    anki_ids: dict[tuple[str, int], int],
    today: date,
    rule: RuleSettings,
) -> int:
    """Apply every card's state and history to the package's collection, whose card ids by
    (note GUID, ord) are `anki_ids`, as a sync writes them into its Anki copy (anki_card_state:
    a same-day repeat owed `today` is a learning card); returns the review count."""

    updates: list[tuple[int, ...]] = []
    revlog: list[tuple[int, ...]] = []
    taken_ids: set[int] = set()
    for card in cards:
        card_id = anki_ids.get((card.guid, card.ord))
        if card_id is None:  # a prompt genanki did not generate: nothing to carry
            continue
        schedule = card.schedule
        if schedule.due is not None or schedule.suspended or schedule.reviews:
            updates.append((*anki_card_state(schedule, today, calendar, rule), card_id))
        revlog.extend(revlog_rows(card_id, schedule.reviews, taken_ids))
    connection.executemany(
        "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = ?, lapses = ?, left = ? WHERE id = ?", updates
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
