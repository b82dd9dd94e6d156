"""SM-2 as published by Piotr Wozniak (1990), as a pure function of (state, grade).

Easiness is kept as an integer number of hundredths internally: every SM-2 step is a
multiple of 0.02, so integer arithmetic gives exact results and a ceil() is never shifted
by binary rounding: in floats 25 * 2.2 is 55.00000000000001, and ceil() would schedule
56 days instead of 55.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

from mlcards.scheduling.prompt_state import INITIAL_EASINESS_HUNDREDTHS, NEW_PROMPT, LogRow, PromptState, Review

MIN_GRADE = 0
MAX_GRADE = 5
PASSING_GRADE = 3  # below this the item is forgotten and its repetitions restart
REDRILL_BELOW = 4  # items graded below this are repeated the same day until graded >= 4

MIN_EASINESS_HUNDREDTHS = 130
FIRST_INTERVAL = 1
SECOND_INTERVAL = 6


@dataclass(frozen=True, slots=True)
class SM2State:
    """An item's SM-2 memory: successful repetitions in a row, interval in days, easiness."""

    repetitions: int
    interval: int
    easiness: float

    @property
    def easiness_hundredths(self) -> int:
        return round(self.easiness * 100)

    @classmethod
    def from_hundredths(cls, repetitions: int, interval: int, easiness_hundredths: int) -> SM2State:
        return cls(repetitions, interval, easiness_hundredths / 100)


INITIAL_STATE = SM2State(repetitions=0, interval=0, easiness=INITIAL_EASINESS_HUNDREDTHS / 100)


def easiness_change_hundredths(grade: int) -> int:
    """EF' - EF = 0.1 - (5-q)(0.08 + (5-q)0.02), in hundredths: +10, 0, -14, -32, -54, -80."""
    shortfall = MAX_GRADE - grade
    return 10 - shortfall * (8 + shortfall * 2)


def next_state(state: SM2State | None, grade: int) -> SM2State:
    """The state after answering with `grade` (0-5); `None` means the item was never reviewed."""
    if not isinstance(grade, int) or isinstance(grade, bool) or not MIN_GRADE <= grade <= MAX_GRADE:
        raise ValueError(f"SM-2 grades are integers 0-5, got {grade!r}")
    current = INITIAL_STATE if state is None else state
    easiness = current.easiness_hundredths
    if grade < PASSING_GRADE:
        return SM2State.from_hundredths(0, FIRST_INTERVAL, easiness)

    easiness = max(MIN_EASINESS_HUNDREDTHS, easiness + easiness_change_hundredths(grade))
    repetitions = current.repetitions + 1
    if repetitions == 1:
        interval = FIRST_INTERVAL
    elif repetitions == 2:
        interval = SECOND_INTERVAL
    else:
        interval = -(-current.interval * easiness // 100)  # exact integer ceil(I * EF)
    return SM2State.from_hundredths(repetitions, interval, easiness)


def needs_redrill(grade: int) -> bool:
    """SM-2's last rule: repeat items graded below 4 in the same session."""
    return grade < REDRILL_BELOW


# --- the answer rule: (state, answer, time) -> (new state, log row) --------------------------
SCHEDULER_NAME = "sm2"


@dataclass(frozen=True, slots=True)
class SM2Settings:
    """What a log row records about the rule that produced it (SM-2 has no free parameters:
    the same-day re-drill threshold is the one setting a variant could change)."""

    redrill_below: int = REDRILL_BELOW

    def as_json(self) -> str:
        return f'{{"redrill_below": {self.redrill_below}}}'


DEFAULT_SETTINGS = SM2Settings()


def memory_of(state: PromptState) -> SM2State:
    """SM-2's part of a prompt's state."""
    return SM2State.from_hundredths(state.repetitions, state.interval, state.easiness_hundredths)


def review(state: PromptState, answer: Review, settings: SM2Settings = DEFAULT_SETTINGS) -> tuple[PromptState, LogRow]:
    """The SM-2 answer rule, pure: no clock, no storage.

    A prompt owing a same-day repeat keeps its schedule (the first answer of the day set it);
    otherwise SM-2 moves it and the due day is the study day plus the new interval.
    """
    again_today = answer.grade < settings.redrill_below
    if state.redrill_on == answer.study_day:
        kind = "redrill"
        after = replace(state, last_reviewed=answer.reviewed_at, redrill_on=answer.study_day if again_today else None)
    else:
        kind = "new" if state.due is None else "review"
        memory = next_state(None if state.due is None else memory_of(state), answer.grade)
        after = replace(
            state,
            repetitions=memory.repetitions,
            interval=memory.interval,
            easiness_hundredths=memory.easiness_hundredths,
            due=answer.study_day + timedelta(days=memory.interval),
            lapses=state.lapses + (1 if kind == "review" and answer.grade < PASSING_GRADE else 0),
            last_reviewed=answer.reviewed_at,
            redrill_on=answer.study_day if again_today else None,
        )
    return after, LogRow(kind, state, after)


def replay(answers: Iterable[Review], settings: SM2Settings = DEFAULT_SETTINGS) -> PromptState:
    """A prompt's state from its answers in the order they were given."""
    state = NEW_PROMPT
    for answer in answers:
        state, _ = review(state, answer, settings)
    return state


def replay_all(answers: Iterable[tuple[int, int, int]], settings: SM2Settings = DEFAULT_SETTINGS) -> dict[int, list[int]]:
    """Replay many prompts at once from (prompt, grade, study day as a date ordinal) in the order
    given: the state of each as [repetitions, interval, easiness in hundredths, due ordinal or 0,
    lapses, owed-repeat day ordinal or 0].

    The same rule as `review`, on plain integers: rebuilding a million answers must take seconds,
    and a dataclass per answer costs more than the rule itself. A test holds the two equal.
    """
    states: dict[int, list[int]] = {}
    redrill_below = settings.redrill_below
    for prompt, grade, day in answers:
        state = states.get(prompt)
        if state is None:
            state = states[prompt] = [0, 0, INITIAL_EASINESS_HUNDREDTHS, 0, 0, 0]
        if state[5] == day:  # a same-day repeat: only the owed repeat may be settled
            state[5] = day if grade < redrill_below else 0
            continue
        easiness = state[2]
        if grade < PASSING_GRADE:
            if state[3]:
                state[4] += 1  # a lapse: a review failed (a new prompt failed is no lapse)
            repetitions, interval = 0, FIRST_INTERVAL
        else:
            easiness = max(MIN_EASINESS_HUNDREDTHS, easiness + easiness_change_hundredths(grade))
            repetitions = (state[0] if state[3] else 0) + 1
            if repetitions == 1:
                interval = FIRST_INTERVAL
            elif repetitions == 2:
                interval = SECOND_INTERVAL
            else:
                interval = -(-state[1] * easiness // 100)
        state[0], state[1], state[2], state[3] = repetitions, interval, easiness, day + interval
        state[5] = day if grade < redrill_below else 0
    return states
