"""A review session: today's queue, answering, the same-day re-drill, undo, cram.

Every answer is committed in its own transaction before the next card is shown, so a crash
or kill loses nothing already answered. The current time is passed in by the caller.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import IntEnum

from sqlalchemy import Row, Select, delete, func, select, update
from sqlmodel import col

from mlcards.config import Settings
from mlcards.domain import deck_selected
from mlcards.scheduling import sm2
from mlcards.scheduling.days import due_day, study_day
from mlcards.store.database import Database
from mlcards.store.models import Card, Deck, ReviewLog, Schedule
from mlcards.store.values import day_text, parse_day, timestamp

REDRILL_GAP = 3  # cards shown before a failed card comes back, so the answer is not still on screen


class Answer(IntEnum):
    """The four review buttons and the SM-2 grades they give."""

    AGAIN = 1
    HARD = 3
    GOOD = 4
    EASY = 5


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    deck: str | None = None  # a deck name (with its subdecks) or deck id
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QueuedCard:
    """Everything a screen needs to show one prompt."""

    schedule_id: int
    ordinal: int
    deck_id: str
    deck_name: str
    card_id: str
    kind: str
    front: str
    back: str
    text: str
    extra: str
    source: str
    tags: tuple[str, ...]
    file_path: str
    line: int
    state: sm2.SM2State
    is_new: bool
    redrill: bool  # a same-day repeat: answering it does not move the schedule


@dataclass(frozen=True, slots=True)
class AnswerResult:
    log_id: int | None  # None in cram mode, which writes nothing
    state: sm2.SM2State
    due: date | None
    again_today: bool


class ReviewSession:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        now: datetime,
        review_filter: ReviewFilter = ReviewFilter(),
        cram: bool = False,
        seed: int | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.filter = review_filter
        self.cram = cram
        self.today = study_day(now, settings.day_start_hour)
        self._random = random.Random(seed)
        self._queue: deque[QueuedCard] = deque(self._build_queue())
        self._undo_stack: list[tuple[QueuedCard, AnswerResult, int]] = []  # card, result, queue length before
        self.answered = 0
        self.total_planned = len(self._queue)

    # --- the queue -----------------------------------------------------------------------
    def _select(self) -> Select[Schedule, Card, str, str]:
        query = (
            select(Schedule, Card, col(Deck.name), col(Deck.file_path))
            .join(Card, col(Card.pk) == col(Schedule.card_pk))
            .join(Deck, col(Deck.id) == col(Schedule.deck_id))
            .where(col(Schedule.active), col(Schedule.suspended).is_(False))
        )
        if self.filter.deck is not None:
            query = query.where(col(Schedule.deck_id).in_(self._selected_deck_ids(self.filter.deck)))
        for tag in self.filter.tags:
            query = query.where((" " + col(Card.tags) + " ").contains(f" {tag} "))
        return query

    def _selected_deck_ids(self, wanted: str) -> list[str]:
        with self.database.read() as session:
            decks = session.execute(select(col(Deck.id), col(Deck.name))).all()
        return [deck_id for deck_id, name in decks if deck_selected(wanted, deck_id, name)]

    def _build_queue(self) -> list[QueuedCard]:
        today = self.today
        with self.database.read() as session:
            if self.cram:
                rows = session.execute(self._select().order_by(col(Deck.name), col(Card.position), col(Schedule.ordinal))).all()
                cards = [self._queued(row, redrill=False) for row in rows]
                self._random.shuffle(cards)
                return cards
            not_buried = col(Schedule.buried_until).is_(None) | (col(Schedule.buried_until) <= today)
            redrills = session.execute(
                self._select().where(col(Schedule.redrill_on) == today).order_by(col(Schedule.last_reviewed))
            ).all()
            done: dict[str, int] = dict(
                session.execute(
                    select(col(ReviewLog.kind), func.count())
                    .where(col(ReviewLog.study_day) == today)
                    .group_by(col(ReviewLog.kind))
                ).all()
            )
            review_room = max(0, self.settings.reviews_per_day - done.get("review", 0))
            new_room = max(0, self.settings.new_cards_per_day - done.get("new", 0))
            reviews = session.execute(
                self._select()
                .where(
                    col(Schedule.due).is_not(None),
                    col(Schedule.due) <= today,
                    not_buried,
                    col(Schedule.redrill_on).is_(None) | (col(Schedule.redrill_on) != today),
                )
                .order_by(col(Schedule.due), col(Deck.name), col(Card.position), col(Schedule.ordinal))
                .limit(review_room)
            ).all()
            new = session.execute(
                self._select()
                .where(col(Schedule.due).is_(None), not_buried)
                .order_by(col(Deck.name), col(Card.position), col(Schedule.ordinal))
                .limit(new_room)
            ).all()
        review_cards = [self._queued(row, redrill=False) for row in reviews]
        new_cards = [self._queued(row, redrill=False) for row in new]
        return [self._queued(row, redrill=True) for row in redrills] + _interleave(review_cards, new_cards)

    @staticmethod
    def _queued(row: Row[Schedule, Card, str, str], redrill: bool) -> QueuedCard:
        schedule, card, deck_name, file_path = row
        assert schedule.id is not None
        return QueuedCard(
            schedule_id=schedule.id,
            ordinal=schedule.ordinal,
            deck_id=card.deck_id,
            deck_name=deck_name,
            card_id=card.card_id,
            kind=card.kind,
            front=card.front,
            back=card.back,
            text=card.text,
            extra=card.extra,
            source=card.source,
            tags=tuple(card.tags.split()),
            file_path=file_path,
            line=card.line,
            state=sm2.SM2State.from_hundredths(schedule.repetitions, schedule.interval, schedule.easiness),
            is_new=schedule.due is None,
            redrill=redrill,
        )

    @property
    def current(self) -> QueuedCard | None:
        return self._queue[0] if self._queue else None

    @property
    def upcoming(self) -> QueuedCard | None:
        """The card after the current one, if the current one is passed: worth preparing early."""
        return self._queue[1] if len(self._queue) > 1 else None

    @property
    def remaining(self) -> int:
        return len(self._queue)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo_stack)

    # --- answering -----------------------------------------------------------------------
    def preview_interval(self, card: QueuedCard, answer: Answer) -> int | None:
        """Days until the card is due again with this answer; None for a same-day repeat."""
        if card.redrill:
            return None
        return sm2.next_state(None if card.is_new else card.state, int(answer)).interval

    def answer(self, answer: Answer | int, now: datetime, duration_ms: int = 0) -> AnswerResult:
        card = self.current
        if card is None:
            raise LookupError("no card to answer: the session is finished")
        grade = int(answer)
        queue_length = len(self._queue)
        result = self._answer_in_memory(card, grade) if self.cram else self._record(card, grade, now, duration_ms)
        self._queue.popleft()
        if result.again_today:
            self._queue.insert(min(REDRILL_GAP, len(self._queue)), replace(card, redrill=True, state=result.state))
        self.answered += 1
        self._undo_stack.append((card, result, queue_length))
        return result

    def _answer_in_memory(self, card: QueuedCard, grade: int) -> AnswerResult:
        return AnswerResult(None, card.state, None, sm2.needs_redrill(grade))

    def _record(self, card: QueuedCard, grade: int, now: datetime, duration_ms: int) -> AnswerResult:
        today = study_day(now, self.settings.day_start_hour)
        reviewed_at = timestamp(now)
        with self.database.transaction() as connection:
            found = connection.execute(_SELECT_STATE, (card.schedule_id,)).fetchone()
            if found is None:
                raise LookupError(f"schedule {card.schedule_id} vanished")
            repetitions, interval, easiness, due_text, lapses, last_reviewed, redrill_text = found
            due_before = parse_day(due_text)
            before = sm2.SM2State.from_hundredths(repetitions, interval, easiness)
            again_today = sm2.needs_redrill(grade)
            if parse_day(redrill_text) == today:
                kind, after, due, lapses_after = "redrill", before, due_before, lapses
            else:
                kind = "new" if due_before is None else "review"
                after = sm2.next_state(None if due_before is None else before, grade)
                due = due_day(today, after.interval)
                lapses_after = lapses + (1 if kind == "review" and grade < sm2.PASSING_GRADE else 0)
            cursor = connection.execute(
                _INSERT_LOG,
                (
                    card.schedule_id,
                    reviewed_at,
                    today.isoformat(),
                    grade,
                    kind,
                    max(0, duration_ms),
                    repetitions,
                    after.repetitions,
                    interval,
                    after.interval,
                    easiness,
                    after.easiness_hundredths,
                    due_text,
                    day_text(due),
                    lapses,
                    last_reviewed,
                    redrill_text,
                ),
            )
            connection.execute(
                _UPDATE_STATE,
                (
                    after.repetitions,
                    after.interval,
                    after.easiness_hundredths,
                    day_text(due),
                    lapses_after,
                    reviewed_at,
                    today.isoformat() if again_today else None,
                    card.schedule_id,
                ),
            )
        assert cursor.lastrowid is not None
        return AnswerResult(cursor.lastrowid, after, due, again_today)

    def undo(self) -> QueuedCard:
        """Take back the last answer: the schedule is restored and its log row removed exactly."""
        if not self._undo_stack:
            raise LookupError("nothing to undo")
        card, result, queue_length = self._undo_stack.pop()
        if result.log_id is not None:
            with self.database.write() as session:
                log = session.get(ReviewLog, result.log_id)
                if log is None:
                    raise LookupError(f"review {result.log_id} is no longer in the log")
                session.execute(
                    update(Schedule)
                    .where(col(Schedule.id) == log.schedule_id)
                    .values(
                        repetitions=log.repetitions_before,
                        interval=log.interval_before,
                        easiness=log.easiness_before,
                        due=log.due_before,
                        lapses=log.lapses_before,
                        last_reviewed=log.last_reviewed_before,
                        redrill_on=log.redrill_before,
                    )
                )
                session.execute(delete(ReviewLog).where(col(ReviewLog.id) == log.id))
        if result.again_today:
            self._queue = deque(entry for entry in self._queue if entry.schedule_id != card.schedule_id)
        self._queue.appendleft(card)
        while len(self._queue) > queue_length:  # a re-queued copy may sit elsewhere: drop extras
            self._queue.pop()
        self.answered -= 1
        return card

    def reload_content(self) -> None:
        """Re-read the queued cards' text after their deck files were synced (e.g. edited in
        $EDITOR); schedules are untouched and cards no longer in any deck leave the queue."""
        wanted = {card.schedule_id for card in self._queue}
        with self.database.read() as session:
            rows = session.execute(self._select().where(col(Schedule.id).in_(wanted), col(Card.present).is_(True))).all()
        fresh = {schedule.id: (card, deck_name, file_path) for schedule, card, deck_name, file_path in rows}
        self._queue = deque(
            replace(
                queued,
                deck_name=fresh[queued.schedule_id][1],
                file_path=fresh[queued.schedule_id][2],
                front=(card := fresh[queued.schedule_id][0]).front,
                back=card.back,
                text=card.text,
                extra=card.extra,
                source=card.source,
                tags=tuple(card.tags.split()),
                line=card.line,
            )
            for queued in self._queue
            if queued.schedule_id in fresh
        )

    # --- setting cards aside -------------------------------------------------------------
    def suspend(self) -> None:
        self._set_aside(suspended=True)

    def bury(self) -> None:
        """Hide the current card until tomorrow's study day."""
        self._set_aside(buried_until=self.today + timedelta(days=1))

    def _set_aside(self, **values: object) -> None:
        card = self.current
        if card is None:
            raise LookupError("no card to set aside")
        if not self.cram:
            with self.database.write() as session:
                session.execute(update(Schedule).where(col(Schedule.id) == card.schedule_id).values(**values))
        self._queue = deque(entry for entry in self._queue if entry.schedule_id != card.schedule_id)
        self._undo_stack.clear()  # undo covers answers; an answer before a set-aside card stays


# The answer path in plain SQL, in the formats SQLAlchemy uses for these columns in SQLite.
_SELECT_STATE = "SELECT repetitions, interval, easiness, due, lapses, last_reviewed, redrill_on FROM schedule WHERE id = ?"
_INSERT_LOG = (
    "INSERT INTO review_log (schedule_id, reviewed_at, study_day, grade, kind, duration_ms, "
    "repetitions_before, repetitions_after, interval_before, interval_after, easiness_before, easiness_after, "
    "due_before, due_after, lapses_before, last_reviewed_before, redrill_before) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_STATE = (
    "UPDATE schedule SET repetitions = ?, interval = ?, easiness = ?, due = ?, lapses = ?, last_reviewed = ?, "
    "redrill_on = ? WHERE id = ?"
)


def set_suspended(database: Database, schedule_id: int, suspended: bool) -> None:
    """Suspend or unsuspend one prompt outside a session (from the browser)."""
    with database.transaction() as connection:
        connection.execute("UPDATE schedule SET suspended = ? WHERE id = ?", (suspended, schedule_id))


def _interleave(reviews: list[QueuedCard], new: list[QueuedCard]) -> list[QueuedCard]:
    """Spread new cards evenly among reviews, as a learner expects from a daily session."""
    if not reviews or not new:
        return reviews + new
    result: list[QueuedCard] = []
    step = (len(reviews) + len(new)) / len(new)
    new_iter = iter(new)
    next_new_at = step / 2
    review_iter = iter(reviews)
    for index in range(len(reviews) + len(new)):
        if index >= next_new_at and (card := next(new_iter, None)) is not None:
            result.append(card)
            next_new_at += step
        else:
            result.append(next(review_iter, None) or next(new_iter))
    return result
