"""A review session: today's queue, answering, the same-day re-drill, undo, cram.

Every answer is committed in its own transaction before the next card is shown, so a crash
or kill loses nothing already answered. The current time is passed in by the caller.
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from collections import deque
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import IntEnum
from typing import Any

from mlcards.config import Settings
from mlcards.scheduling import sm2
from mlcards.scheduling.days import current_study_day
from mlcards.store.counts import latest_answered_day
from mlcards.store.database import Database
from mlcards.store.filters import filter_clauses, selected_deck_ids
from mlcards.store.history import AnsweredElsewhere, cached_state, record_answer, undo_answer

__all__ = ["Answer", "AnsweredElsewhere", "QueuedCard", "ReviewFilter", "ReviewSession"]

REDRILL_GAP = 3  # cards shown before a failed card comes back, so the answer is not still on screen
NEW_CANDIDATES_PER_SLOT = 4  # new prompts read per daily slot, so skipped siblings still leave the slots full


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
    last_log_id: int = 0  # the last answer this window knows of: it answers only from that state


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
        self.session_id = uuid.uuid4().hex  # names this window's answers in the log
        self.today = current_study_day(now, settings.day_start_hour, latest_answered_day(database.connection))
        self._random = random.Random(seed)
        self._queue: deque[QueuedCard] = deque(self._build_queue())
        self._undo_stack: list[_Answered | _SetAside] = []
        self.answered = 0
        self.total_planned = len(self._queue)

    # --- the queue -----------------------------------------------------------------------
    def _select(
        self, connection: sqlite3.Connection, filters: _Filters, where: str, order_by: str, **parameters: object
    ) -> list[QueuedCard]:
        query = f"{_QUEUE_SQL}{filters.sql} AND {where} ORDER BY {order_by}"
        return [_queued(row) for row in connection.execute(query, {**filters.parameters, **parameters}).fetchall()]

    def _filters(self, connection: sqlite3.Connection) -> _Filters:
        """The session's deck and tag filter as SQL, resolved once per queue read."""
        deck_ids = None if self.filter.deck is None else selected_deck_ids(connection, self.filter.deck)
        return _Filters(*filter_clauses(deck_ids, self.filter.tags))

    def _build_queue(self) -> list[QueuedCard]:
        today = self.today.isoformat()
        with self.database.snapshot() as connection:
            filters = self._filters(connection)
            if self.cram:
                cards = self._select(connection, filters, "1", "d.name, c.position, s.ordinal")
                self._random.shuffle(cards)
                return cards
            not_buried = "(s.buried_until IS NULL OR s.buried_until <= :today)"
            redrills = self._select(
                connection, filters, f"s.redrill_on = :today AND {not_buried}", "s.last_reviewed", today=today
            )
            done: dict[str, int] = dict(
                connection.execute("SELECT kind, count(*) FROM review_log WHERE study_day = ? GROUP BY kind", (today,)).fetchall()
            )
            reviews = self._select(
                connection,
                filters,
                f"s.due IS NOT NULL AND s.due <= :today AND {not_buried} AND (s.redrill_on IS NULL OR s.redrill_on != :today)",
                "s.due, d.name, c.position, s.ordinal LIMIT :room",
                today=today,
                room=max(0, self.settings.reviews_per_day - done.get("review", 0)),
            )
            new_room = max(0, self.settings.new_cards_per_day - done.get("new", 0))
            candidates = self._select(
                connection,
                filters,
                f"s.due IS NULL AND {not_buried}",
                "d.name, c.position, s.ordinal LIMIT :room",
                today=today,
                room=new_room * NEW_CANDIDATES_PER_SLOT,
            )
        new = _without_siblings(candidates, {(card.deck_id, card.card_id) for card in [*redrills, *reviews]})[:new_room]
        return [replace(card, redrill=True) for card in redrills] + _interleave(reviews, new)

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
        if card.redrill:  # the schedule was set by today's first answer; this one only decides about today
            return None if sm2.needs_redrill(int(answer)) else card.state.interval
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
            again = replace(card, redrill=True, state=result.state, last_log_id=result.log_id or card.last_log_id)
            self._queue.insert(min(REDRILL_GAP, len(self._queue)), again)
        self.answered += 1
        self._undo_stack.append(_Answered(card, result, queue_length))
        return result

    def _answer_in_memory(self, card: QueuedCard, grade: int) -> AnswerResult:
        return AnswerResult(None, card.state, None, sm2.needs_redrill(grade))

    def _record(self, card: QueuedCard, grade: int, now: datetime, duration_ms: int) -> AnswerResult:
        """Store the answer through the pure rule; AnsweredElsewhere if another window moved the
        prompt since this one read it (nothing is written then)."""
        with self.database.transaction() as connection:
            today = current_study_day(now, self.settings.day_start_hour, latest_answered_day(connection))
            recorded = record_answer(
                connection, card.schedule_id, card.last_log_id, sm2.Review(grade, now, today), duration_ms, self.session_id
            )
        after = recorded.row.after
        return AnswerResult(recorded.log_id, after.memory, after.due, sm2.needs_redrill(grade))

    def refresh_current(self) -> QueuedCard | None:
        """After AnsweredElsewhere: re-read the current prompt; it stays first only if it is still
        due today, with the state the other window left. Returns it, or None if it left the queue."""
        card = self.current
        if card is None:
            return None
        self._queue = deque(entry for entry in self._queue if entry.schedule_id != card.schedule_id)
        with self.database.snapshot() as connection:
            state, last_log_id = cached_state(connection, card.schedule_id)
        due_today = state.due is None or state.due <= self.today or state.redrill_on == self.today
        if not due_today:
            return None
        fresh = replace(
            card,
            state=state.memory,
            is_new=state.due is None,
            redrill=state.redrill_on == self.today,
            last_log_id=last_log_id,
        )
        self._queue.appendleft(fresh)
        return fresh

    def undo(self, now: datetime | None = None) -> QueuedCard:
        """Take back this window's last answer, suspend or bury: an answer moves out of the log and
        the prompt's state is replayed from the answers left (another window's included), and the
        card is the current one again."""
        if not self._undo_stack:
            raise LookupError("nothing to undo")
        step = self._undo_stack.pop()
        if isinstance(step, _SetAside):
            if not self.cram:
                with self.database.transaction() as connection:
                    connection.execute(
                        "UPDATE schedule SET suspended = ?, buried_until = ? WHERE id = ?",
                        (step.suspended, step.buried_until, step.card.schedule_id),
                    )
            self._queue.appendleft(step.card)
            return step.card
        card, result, queue_length = step.card, step.result, step.queue_length
        if result.log_id is not None:
            with self.database.transaction() as connection:
                undo_answer(connection, result.log_id, self.session_id, now or datetime.now().astimezone())
                _, last_log_id = cached_state(connection, card.schedule_id)
            card = replace(card, last_log_id=last_log_id)
        if result.again_today:
            self._queue = deque(entry for entry in self._queue if entry.schedule_id != card.schedule_id)
        self._queue.appendleft(card)
        while len(self._queue) > queue_length:  # a re-queued copy may sit elsewhere: drop extras
            self._queue.pop()
        self.answered -= 1
        return card

    @property
    def last_undoable_was_answer(self) -> bool:
        return bool(self._undo_stack) and isinstance(self._undo_stack[-1], _Answered)

    def reload_content(self) -> None:
        """Re-read the queued cards' text after their deck files were synced (e.g. edited in
        $EDITOR); schedules are untouched and cards no longer in any deck leave the queue."""
        wanted = json.dumps([card.schedule_id for card in self._queue])
        with self.database.snapshot() as connection:
            where = "c.present AND s.id IN (SELECT value FROM json_each(:wanted))"
            fresh = {
                card.schedule_id: card
                for card in self._select(connection, self._filters(connection), where, "s.id", wanted=wanted)
            }
        self._queue = deque(
            replace(
                queued,
                deck_name=(card := fresh[queued.schedule_id]).deck_name,
                file_path=card.file_path,
                front=card.front,
                back=card.back,
                text=card.text,
                extra=card.extra,
                source=card.source,
                tags=card.tags,
                line=card.line,
            )
            for queued in self._queue
            if queued.schedule_id in fresh
        )

    # --- setting cards aside -------------------------------------------------------------
    def suspend(self) -> None:
        """Take the current card out of every review until it is unsuspended (from the browser)."""
        self._set_aside("UPDATE schedule SET suspended = 1 WHERE id = :id")

    def bury(self) -> None:
        """Hide the current card until tomorrow's study day."""
        self._set_aside("UPDATE schedule SET buried_until = :tomorrow WHERE id = :id")

    def _set_aside(self, update: str) -> None:
        """In cram mode, which changes nothing stored, the card only leaves this session."""
        card = self.current
        if card is None:
            raise LookupError("no card to set aside")
        if self.cram:
            before: tuple[int, str | None] = (0, None)
        else:
            with self.database.transaction() as connection:
                before = connection.execute(
                    "SELECT suspended, buried_until FROM schedule WHERE id = ?", (card.schedule_id,)
                ).fetchone()
                connection.execute(update, {"id": card.schedule_id, "tomorrow": (self.today + timedelta(days=1)).isoformat()})
        # Any same-day copy of the card leaves too; undo puts back the one that was current.
        self._queue = deque(entry for entry in self._queue if entry.schedule_id != card.schedule_id)
        self._undo_stack.append(_SetAside(card, *before))


@dataclass(frozen=True, slots=True)
class _Filters:
    sql: str  # " AND ..." clauses over card c and deck d
    parameters: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Answered:
    card: QueuedCard
    result: AnswerResult
    queue_length: int  # before the answer: a re-queued copy is dropped again on undo


@dataclass(frozen=True, slots=True)
class _SetAside:
    card: QueuedCard
    suspended: int  # the stored values before the suspend or bury
    buried_until: str | None


_QUEUE_SQL = """
SELECT s.id, s.ordinal, c.deck_id, d.name, c.card_id, c.kind, c.front, c.back, c.text, c.extra, c.source, c.tags,
       d.file_path, c.line, s.repetitions, s.interval, s.easiness, s.due IS NULL, s.last_log_id
FROM schedule s JOIN card c ON c.pk = s.card_pk JOIN deck d ON d.id = s.deck_id
WHERE s.active AND NOT s.suspended"""


def _queued(row: tuple[Any, ...]) -> QueuedCard:
    (schedule_id, ordinal, deck_id, deck_name, card_id, kind, front, back, text, extra, source, tags, file_path, line) = row[:14]
    repetitions, interval, easiness, is_new, last_log_id = row[14:]
    return QueuedCard(
        schedule_id=schedule_id,
        ordinal=ordinal,
        deck_id=deck_id,
        deck_name=deck_name,
        card_id=card_id,
        kind=kind,
        front=front,
        back=back,
        text=text,
        extra=extra,
        source=source,
        tags=tuple(tags.split()),
        file_path=file_path,
        line=line,
        state=sm2.SM2State.from_hundredths(repetitions, interval, easiness),
        is_new=bool(is_new),
        redrill=False,
        last_log_id=last_log_id,
    )


def set_suspended(database: Database, schedule_id: int, suspended: bool) -> None:
    """Suspend or unsuspend one prompt outside a session (from the browser)."""
    with database.transaction() as connection:
        connection.execute("UPDATE schedule SET suspended = ? WHERE id = ?", (suspended, schedule_id))


def _without_siblings(new: list[QueuedCard], taken: set[tuple[str, str]]) -> list[QueuedCard]:
    """At most one new prompt per card a day, and none of a card already in today's queue: one
    cloze deletion's answer often gives away its sibling's (as Anki buries new siblings)."""
    kept = []
    for card in new:
        key = (card.deck_id, card.card_id)
        if key not in taken:
            taken.add(key)
            kept.append(card)
    return kept


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
