"""FSRS as an answer rule, pure: py-fsrs (the `fsrs` package) computes the memory model, this
module turns it into mlcards' study-day schedule and keeps replays exact.

py-fsrs draws its interval fuzz from the global random generator, so a replay of the log would
not give back the due days the learner was shown. The fuzz here is applied by this module
instead, with py-fsrs's own fuzzing off: the same ranges Anki uses, but the random number is
derived from the answer itself (its time and rating), so the same answers always give the same
schedule. With fuzz off, states and intervals equal py-fsrs's exactly (a test compares them).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from fsrs import Card, Rating, Scheduler, State

from mlcards.scheduling.prompt_state import FSRSMemory, LogRow, PromptState, Review, rating_of

SCHEDULER_NAME = "fsrs"
AGAIN = 1
DEFAULT_DESIRED_RETENTION = 0.9
DEFAULT_LEARNING_STEPS_MINUTES = (1, 10)
DEFAULT_RELEARNING_STEPS_MINUTES = (10,)
MAXIMUM_INTERVAL_DAYS = 36_500
# Anki's fuzz: the interval may move by a share of each stretch of its length it covers
# (15% of days 2.5-7, 10% of days 7-20, 5% beyond), plus one day; none below 2.5 days.
_FUZZ_STRETCHES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.10), (20.0, math.inf, 0.05))
_FUZZ_FROM_DAYS = 2.5
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class FSRSSettings:
    """Everything besides the answers that decides an FSRS schedule (recorded with each answer)."""

    desired_retention: float = DEFAULT_DESIRED_RETENTION
    learning_steps_minutes: tuple[int, ...] = DEFAULT_LEARNING_STEPS_MINUTES
    relearning_steps_minutes: tuple[int, ...] = DEFAULT_RELEARNING_STEPS_MINUTES
    parameters: tuple[float, ...] | None = None  # None: FSRS's defaults; else fitted by `mlcards optimize`
    fuzz: bool = True
    day_start_hour: int = 4  # the due moment becomes a study day as the learner's days begin

    def as_dict(self) -> dict[str, object]:
        return {
            "desired_retention": self.desired_retention,
            "learning_steps_minutes": list(self.learning_steps_minutes),
            "relearning_steps_minutes": list(self.relearning_steps_minutes),
            "parameters": None if self.parameters is None else list(self.parameters),
            "fuzz": self.fuzz,
            "day_start_hour": self.day_start_hour,
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True)


DEFAULT_SETTINGS = FSRSSettings()


@lru_cache(maxsize=8)
def scheduler_for(settings: FSRSSettings) -> Scheduler:
    """py-fsrs's scheduler for these settings, fuzz off (this module fuzzes reproducibly)."""
    options: dict[str, object] = {
        "desired_retention": settings.desired_retention,
        "learning_steps": tuple(timedelta(minutes=minutes) for minutes in settings.learning_steps_minutes),
        "relearning_steps": tuple(timedelta(minutes=minutes) for minutes in settings.relearning_steps_minutes),
        "maximum_interval": MAXIMUM_INTERVAL_DAYS,
        "enable_fuzzing": False,
    }
    if settings.parameters is not None:
        options["parameters"] = settings.parameters
    return Scheduler(**options)  # type: ignore[arg-type]


def next_memory(memory: FSRSMemory | None, rating: int, reviewed_at: datetime, settings: FSRSSettings) -> FSRSMemory:
    """FSRS's memory after one answer (`memory` None: the first answer of the prompt)."""
    at = reviewed_at.astimezone(UTC)
    if memory is None:
        card = Card(card_id=0, state=State.Learning, step=0, due=at)
    else:
        card = Card(
            card_id=0,
            state=State(memory.phase),
            step=memory.step,
            stability=memory.stability,
            difficulty=memory.difficulty,
            due=memory.due_at,
            last_review=memory.last_review,
        )
    card, _ = scheduler_for(settings).review_card(card, Rating(rating), at)
    due_at = card.due
    if settings.fuzz and card.state == State.Review:
        days = fuzzed_days((due_at - at).days, fuzz_unit(microseconds_since_epoch(at), rating))
        due_at = at + timedelta(days=days)
    assert card.stability is not None and card.difficulty is not None and card.last_review is not None
    return FSRSMemory(int(card.state), card.step, card.stability, card.difficulty, due_at, card.last_review)


def fuzzed_days(days: int, unit: float) -> int:
    """`days` moved within Anki's fuzz range by `unit` (0 <= unit < 1: 0 the shortest, near 1 the longest)."""
    if days < _FUZZ_FROM_DAYS:
        return days
    spread = 1.0
    for start, end, share in _FUZZ_STRETCHES:
        if days > start:
            spread += share * (min(float(days), end) - start)
    shortest = max(2, round(days - spread))
    longest = min(round(days + spread), MAXIMUM_INTERVAL_DAYS)
    shortest = min(shortest, longest)
    return min(int(shortest + unit * (longest - shortest + 1)), longest)


_MASK_64 = (1 << 64) - 1


def fuzz_unit(microseconds: int, rating: int) -> float:
    """A number in [0, 1) that only this answer (its moment in µs since the epoch, and its button)
    gives: SplitMix64's finalizer, a cheap, well-mixed hash, as a rebuild calls it per answer."""
    value = (microseconds * 4 + rating) & _MASK_64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK_64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK_64
    return (value ^ (value >> 31)) / 2**64


def microseconds_since_epoch(moment: datetime) -> int:
    return (moment - _EPOCH) // _ONE_MICROSECOND


def retrievability(memory: FSRSMemory | None, at: datetime, settings: FSRSSettings = DEFAULT_SETTINGS) -> float:
    """The probability FSRS gives of recalling the prompt at `at`; 0 for a prompt never seen."""
    if memory is None:
        return 0.0
    return recall_probability(memory.stability, (at - memory.last_review).total_seconds() / 86_400, decay_of(settings))


def decay_of(settings: FSRSSettings) -> float:
    """FSRS-6's forgetting-curve decay (its last parameter)."""
    return float(scheduler_for(settings).parameters[20])


def recall_probability(stability: float, elapsed_days: float, decay: float) -> float:
    """FSRS-6's forgetting curve: R(t) = (1 + factor * t / S) ** -decay, with factor chosen so that
    R(S) = 0.9. Whole days elapsed, as py-fsrs counts them."""
    factor = 0.9 ** (-1 / decay) - 1
    return float((1 + factor * max(0, math.floor(elapsed_days)) / stability) ** -decay)


def study_day_of(moment: datetime, offset_of: datetime, day_start_hour: int) -> date:
    """The study day a moment falls on, on the clock of `offset_of` (the learner's, at answering)."""
    local = moment.astimezone(offset_of.tzinfo)
    return (local - timedelta(hours=day_start_hour)).date()


def review(state: PromptState, answer: Review, settings: FSRSSettings = DEFAULT_SETTINGS) -> tuple[PromptState, LogRow]:
    """The FSRS answer rule on mlcards' study days, pure.

    A step due later in the same study day (a learning step of minutes) becomes a same-day repeat
    owed today, with the prompt due tomorrow if the session ends first; otherwise the prompt is
    due on the study day its FSRS due moment falls on.
    """
    return schedule(state, answer, next_memory(state.fsrs, rating_of(answer.grade), answer.reviewed_at, settings), settings)


def schedule(state: PromptState, answer: Review, memory: FSRSMemory, settings: FSRSSettings) -> tuple[PromptState, LogRow]:
    """The study-day schedule `review` gives, from the memory FSRS computed for this answer."""
    rating = rating_of(answer.grade)
    due_day = study_day_of(memory.due_at, answer.reviewed_at, settings.day_start_hour)
    again_today = due_day <= answer.study_day
    due = answer.study_day + timedelta(days=1) if again_today else due_day
    kind = "redrill" if state.redrill_on == answer.study_day else "new" if state.due is None else "review"
    passed = rating != AGAIN
    after = replace(
        state,
        repetitions=state.repetitions + 1 if passed else 0,
        interval=(due - answer.study_day).days,
        due=due,
        lapses=state.lapses + (1 if kind == "review" and not passed else 0),
        last_reviewed=answer.reviewed_at,
        redrill_on=answer.study_day if again_today else None,
        fsrs=memory,
    )
    return after, LogRow(kind, state, after)
