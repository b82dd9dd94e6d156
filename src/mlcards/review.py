"""A review session: today's queue, answering, the same-day re-drill, undo, cram.

Every answer is committed in its own transaction before the next card is shown, so a crash
or kill loses nothing already answered. The current time is passed in by the caller.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import IntEnum

from mlcards.config import Settings
from mlcards.prompts import QueuedPrompt
from mlcards.scheduling import fsrs_rule, sm2
from mlcards.scheduling.days import current_study_day
from mlcards.scheduling.prompt_state import PromptState, Review
from mlcards.store import queue
from mlcards.store.counts import answered_by_kind, latest_answered_day
from mlcards.store.database import Database
from mlcards.store.history import AnsweredElsewhere, cached_state, record_answer, undo_answer
from mlcards.store.plan import without_left_out
from mlcards.study_plan import new_limit

__all__ = ["Answer", "AnsweredElsewhere", "MoreToStudy", "QueuedPrompt", "ReviewFilter", "ReviewSession"]

REDRILL_GAP = 3  # cards shown before a failed card comes back, so the answer is not still on screen
NEW_CANDIDATES_PER_SLOT = 4  # new prompts read per daily slot, so skipped siblings still leave the slots full
AHEAD_DAYS = 7  # the days ahead counted when today's work is done, and reviewed ahead unless asked otherwise


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
class NextStep:
    """What an answer would do to the prompt on screen, for the answer bar."""

    again_today: bool  # shown again in this study day
    days: int | None  # days until due after today's answers; None: a repeat that leaves it as today's first answer set it
    wait: timedelta | None = None  # FSRS learning steps: how long until the same-day repeat is due


@dataclass(frozen=True, slots=True)
class MoreToStudy:
    """What is left beyond today's queue, for offering more once it is done."""

    unseen: int  # prompts never answered (today's limit and held-back siblings aside)
    due_ahead: int  # reviews due in the next `ahead_days` days
    ahead_days: int
    new_limit_reached: bool  # today's new answers used up new_cards_per_day (or, with an interview date, the plan's quota)


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
        extra_new: int = 0,
        ahead_days: int = 0,
    ) -> None:
        """`extra_new`: new prompts beyond today's limit (real answers: they count as today's new
        ones). `ahead_days`: also review what comes due in that many days, earliest first."""
        self.database = database
        self.settings = settings
        self.filter = review_filter
        self.cram = cram
        self.extra_new = extra_new
        self.ahead_days = ahead_days
        self.new_limit_reached = False
        self.session_id = uuid.uuid4().hex  # names this window's answers in the log
        self.today = current_study_day(now, settings.day_start_hour, latest_answered_day(database.connection))
        self.rule = settings.rule()
        self._random = random.Random(seed)
        self.planned_for: date | None = None  # the interview date today's new prompts are planned for, if any
        self._cached_states: dict[tuple[int, int], PromptState] = {}
        self._queue: deque[QueuedPrompt] = deque(self._build_queue())
        self._undo_stack: list[_Answered | _SetAside] = []
        self.answered = 0
        self.total_planned = len(self._queue)

    # --- the queue -----------------------------------------------------------------------
    def _build_queue(self) -> list[QueuedPrompt]:
        with self.database.snapshot() as connection:
            chosen = queue.queue_filter(connection, self.filter.deck, self.filter.tags)
            if self.cram:
                prompts = queue.every_prompt(connection, chosen)
                self._random.shuffle(prompts)
                return prompts
            repeats = queue.learning(connection, chosen, self.today)
            done = answered_by_kind(self.database, self.today)
            room = max(0, self.settings.reviews_per_day - done.get("review", 0))
            reviews = queue.due(connection, chosen, self.today, room)
            # Reviewing ahead was asked for: today's review limit has no say, it only caps the session.
            ahead = (
                queue.ahead(connection, chosen, self.today, self.ahead_days, self.settings.reviews_per_day)
                if self.ahead_days
                else []
            )
            # The plan's budget is the day's, across every deck: a session of one deck counts the others' reviews too.
            everywhere = len(reviews)
            if chosen.sql and self.settings.interview_date is not None:
                everywhere = min(room, queue.count_due(connection, queue.EVERYTHING, self.today))
            planned = new_limit(connection, self.settings, self.today, done.get("review", 0) + everywhere)
            new_room = max(0, self.settings.new_cards_per_day - done.get("new", 0)) if planned is None else planned
            self.planned_for = None if planned is None else self.settings.interview_date
            self.new_limit_reached = new_room == 0
            order = self.settings.new_prompt_order()
            # The plan's new prompts leave out what it leaves out. Extra ones asked for (m, --extra-new)
            # do too, unless the learner chose decks or tags for this session: then they come from those.
            for_plan = chosen if planned is None else without_left_out(chosen, self.settings.interview_leave_out)
            for_extra = chosen if self.filter.deck or self.filter.tags else for_plan
            together = for_extra.sql == for_plan.sql  # one read serves both
            wanted = new_room + (self.extra_new if together else 0)
            candidates = queue.new(connection, for_plan, self.today, wanted * NEW_CANDIDATES_PER_SLOT, order)
            extra_candidates = (
                queue.new(connection, for_extra, self.today, (new_room + self.extra_new) * NEW_CANDIDATES_PER_SLOT, order)
                if self.extra_new and not together
                else []
            )
        reviewed = {(card.deck_id, card.card_id) for card in [*repeats, *reviews, *ahead]}
        new = _without_siblings(candidates, set(reviewed))[:wanted]
        if extra_candidates:
            shown = reviewed | {(card.deck_id, card.card_id) for card in new}
            new += _without_siblings(extra_candidates, shown)[: self.extra_new]
        late: list[QueuedPrompt] = []
        if planned is not None and len(new) < new_room:
            # Under a plan the first-seen deadline outranks holding a new prompt back for its
            # sibling's review: a lapsing sibling could hold it back for weeks. It comes after every
            # review, so the review is not spoiled; its own first showing is no test of memory.
            shown = {(card.deck_id, card.card_id) for card in new}
            held = [card for card in candidates if (card.deck_id, card.card_id) in reviewed]  # `new` has none of these
            late = _without_siblings(held, shown)[: new_room - len(new)]
        return [replace(card, redrill=True) for card in repeats] + _interleave(reviews, new) + ahead + late

    def due_and_new(self) -> tuple[int, int]:
        """(due, new): the prompts this session's queue shows; a same-day repeat of a new prompt counts as due."""
        due = sum(1 for prompt in self._queue if not prompt.is_new or prompt.redrill)
        return due, len(self._queue) - due

    def more_to_study(self, ahead_days: int = AHEAD_DAYS) -> MoreToStudy:
        """Beyond today's queue, in this session's decks and tags: prompts never answered, and reviews due soon."""
        with self.database.snapshot() as connection:
            chosen = queue.queue_filter(connection, self.filter.deck, self.filter.tags)
            unseen = queue.count_unseen(connection, chosen, self.today)
            due_ahead = queue.count_due_ahead(connection, chosen, self.today, ahead_days)
        return MoreToStudy(unseen, due_ahead, ahead_days, self.new_limit_reached)

    @property
    def queued(self) -> tuple[QueuedPrompt, ...]:
        """Every prompt still to come in this session, in order."""
        return tuple(self._queue)

    @property
    def current(self) -> QueuedPrompt | None:
        return self._queue[0] if self._queue else None

    @property
    def upcoming(self) -> QueuedPrompt | None:
        """The card after the current one, if the current one is passed: worth preparing early."""
        return self._queue[1] if len(self._queue) > 1 else None

    @property
    def remaining(self) -> int:
        return len(self._queue)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo_stack)

    # --- answering -----------------------------------------------------------------------
    def preview_interval(self, card: QueuedPrompt, answer: Answer) -> int | None:
        """Days until the card is due again with this answer; None for a repeat today that leaves
        the schedule as today's first answer set it."""
        if card.redrill:  # the schedule was set by today's first answer; this one only decides about today
            return None if sm2.needs_redrill(int(answer)) else card.state.interval
        return sm2.next_state(None if card.is_new else card.state, int(answer)).interval

    def next_step(self, card: QueuedPrompt, answer: Answer, now: datetime) -> NextStep:
        """What `answer` would do now, under the active rule."""
        if self.rule.scheduler == "sm2":
            return NextStep(sm2.needs_redrill(int(answer)), self.preview_interval(card, answer))
        key = (card.schedule_id, card.last_log_id)
        state = self._cached_states.get(key)
        if state is None:
            with self.database.snapshot() as connection:
                state, _ = cached_state(connection, card.schedule_id)
            self._cached_states = {key: state}  # only the prompt on screen is asked about
        after, _ = fsrs_rule.review(state, Review(int(answer), now, self.today), self.rule.fsrs)
        again_today = after.redrill_on == self.today
        assert after.fsrs is not None
        wait = max(timedelta(0), after.fsrs.due_at - now) if again_today else None
        return NextStep(again_today, after.interval, wait)

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

    def _answer_in_memory(self, card: QueuedPrompt, grade: int) -> AnswerResult:
        return AnswerResult(None, card.state, None, sm2.needs_redrill(grade))

    def _record(self, card: QueuedPrompt, grade: int, now: datetime, duration_ms: int) -> AnswerResult:
        """Store the answer through the pure rule; AnsweredElsewhere if another window moved the
        prompt since this one read it (nothing is written then)."""
        with self.database.transaction() as connection:
            today = current_study_day(now, self.settings.day_start_hour, latest_answered_day(connection))
            recorded = record_answer(
                connection, card.schedule_id, card.last_log_id, Review(grade, now, today), duration_ms, self.session_id, self.rule
            )
        after = recorded.row.after
        return AnswerResult(recorded.log_id, sm2.memory_of(after), after.due, after.redrill_on == today)

    def refresh_current(self) -> QueuedPrompt | None:
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
            state=sm2.memory_of(state),
            is_new=state.due is None,
            redrill=state.redrill_on == self.today,
            last_log_id=last_log_id,
        )
        self._queue.appendleft(fresh)
        return fresh

    def undo(self, now: datetime | None = None) -> QueuedPrompt:
        """Take back this window's last answer, suspend or bury: an answer moves out of the log and
        the prompt's state is replayed from the answers left (another window's included), and the
        card is the current one again."""
        if not self._undo_stack:
            raise LookupError("nothing to undo")
        step = self._undo_stack.pop()
        if isinstance(step, _SetAside):
            if step.before is not None:
                with self.database.transaction() as connection:
                    queue.put_back(connection, step.card.schedule_id, step.before)
            self._queue.appendleft(step.card)
            return step.card
        card, result, queue_length = step.card, step.result, step.queue_length
        if result.log_id is not None:
            with self.database.transaction() as connection:
                undo_answer(connection, result.log_id, self.session_id, now or datetime.now().astimezone(), self.rule)
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
        with self.database.snapshot() as connection:
            chosen = queue.queue_filter(connection, self.filter.deck, self.filter.tags)
            fresh = {
                card.schedule_id: card
                for card in queue.present_among(connection, chosen, [card.schedule_id for card in self._queue])
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
        self._set_aside(suspend=True)

    def bury(self) -> None:
        """Hide the current card until tomorrow's study day."""
        self._set_aside(bury_until=self.today + timedelta(days=1))

    def _set_aside(self, suspend: bool = False, bury_until: date | None = None) -> None:
        """In cram mode, which changes nothing stored, the card only leaves this session."""
        card = self.current
        if card is None:
            raise LookupError("no card to set aside")
        before = None
        if not self.cram:
            with self.database.transaction() as connection:
                before = queue.set_aside(connection, card.schedule_id, suspend, bury_until)
        # Any same-day copy of the card leaves too; undo puts back the one that was current.
        self._queue = deque(entry for entry in self._queue if entry.schedule_id != card.schedule_id)
        self._undo_stack.append(_SetAside(card, before))


@dataclass(frozen=True, slots=True)
class _Answered:
    card: QueuedPrompt
    result: AnswerResult
    queue_length: int  # before the answer: a re-queued copy is dropped again on undo


@dataclass(frozen=True, slots=True)
class _SetAside:
    card: QueuedPrompt
    before: queue.SetAside | None  # the stored values before the suspend or bury (None in cram)


def _without_siblings(new: list[QueuedPrompt], taken: set[tuple[str, str]]) -> list[QueuedPrompt]:
    """At most one new prompt per card a day, and none of a card already in today's queue: one
    cloze deletion's answer often gives away its sibling's (as Anki buries new siblings)."""
    kept = []
    for card in new:
        key = (card.deck_id, card.card_id)
        if key not in taken:
            taken.add(key)
            kept.append(card)
    return kept


def _interleave(reviews: list[QueuedPrompt], new: list[QueuedPrompt]) -> list[QueuedPrompt]:
    """Spread new cards evenly among reviews, as a learner expects from a daily session."""
    if not reviews or not new:
        return reviews + new
    result: list[QueuedPrompt] = []
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
