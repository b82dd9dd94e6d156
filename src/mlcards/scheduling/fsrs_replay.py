"""FSRS's memory for many prompts at once, on plain numbers: the rebuild's fast path.

`fsrs_rule.next_memory` asks py-fsrs for every answer, which costs about 10 µs of objects and
datetimes each; a rebuild (switching rule, changing retention, a schema upgrade) replays every
answer ever given. This is the same FSRS-6 computation, written over floats and integer
microseconds, in the order of the published formulas so that every float comes out identical:
`tests/test_fsrs_replay.py` holds it equal to py-fsrs on random answer sequences and settings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from mlcards.scheduling.fsrs_rule import MAXIMUM_INTERVAL_DAYS, FSRSSettings, fuzz_unit, fuzzed_days, scheduler_for
from mlcards.scheduling.prompt_state import FSRSMemory, rating_of

LEARNING, REVIEW, RELEARNING = 1, 2, 3
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
MIN_STABILITY = 0.001
MIN_DIFFICULTY, MAX_DIFFICULTY = 1.0, 10.0
MICROSECONDS_PER_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def replay_memories(answers: Iterable[tuple[int, int, int]], settings: FSRSSettings) -> dict[int, FSRSMemory]:
    """Each prompt's FSRS memory after its answers, from (prompt, SM-2 grade, moment in µs since
    the epoch) in the order given; equal to chaining `fsrs_rule.next_memory` over each prompt's answers."""
    w = scheduler_for(settings).parameters
    decay = -w[20]
    factor = 0.9 ** (1 / decay) - 1
    interval_scale = (settings.desired_retention ** (1 / decay)) - 1
    learning_steps = [minutes * 60_000_000 for minutes in settings.learning_steps_minutes]
    relearning_steps = [minutes * 60_000_000 for minutes in settings.relearning_steps_minutes]
    easy_difficulty = w[4] - (math.e ** (w[5] * (EASY - 1))) + 1  # unclamped: the mean-reversion target
    forget_short_term = math.e ** (w[17] * w[18])
    growth = math.e ** (w[8])

    def clamp_difficulty(difficulty: float) -> float:
        return min(max(difficulty, MIN_DIFFICULTY), MAX_DIFFICULTY)

    def next_difficulty(difficulty: float, rating: int) -> float:
        change = -(w[6] * (rating - 3))
        damped = difficulty + (10.0 - difficulty) * change / 9.0
        return clamp_difficulty(w[7] * easy_difficulty + (1 - w[7]) * damped)

    def short_term_stability(stability: float, rating: int) -> float:
        increase = (math.e ** (w[17] * (rating - 3 + w[18]))) * (stability ** -w[19])
        if rating != AGAIN:
            increase = max(increase, 1.0)
        return max(stability * increase, MIN_STABILITY)

    def long_term_stability(difficulty: float, stability: float, elapsed_days: int, rating: int) -> float:
        recall = (1 + factor * elapsed_days / stability) ** decay
        if rating == AGAIN:
            forgotten = w[11] * (difficulty ** -w[12]) * (((stability + 1) ** (w[13])) - 1) * (math.e ** ((1 - recall) * w[14]))
            stability = min(forgotten, stability / forget_short_term)
        else:
            hard_penalty = w[15] if rating == HARD else 1
            easy_bonus = w[16] if rating == EASY else 1
            stability = stability * (
                1
                + growth
                * (11 - difficulty)
                * (stability ** -w[9])
                * ((math.e ** ((1 - recall) * w[10])) - 1)
                * hard_penalty
                * easy_bonus
            )
        return max(stability, MIN_STABILITY)

    def interval_days(stability: float) -> int:
        return min(max(round((stability / factor) * interval_scale), 1), MAXIMUM_INTERVAL_DAYS)

    def stepped(steps: list[int], step: int, rating: int) -> tuple[int, int | None, int | None]:
        """(phase, step, wait in µs) after a (re)learning step; wait None: graduates to review."""
        if not steps or (step >= len(steps) and rating != AGAIN):
            return REVIEW, None, None
        if rating == AGAIN:
            return 0, 0, steps[0]
        if rating == HARD:
            if step == 0:
                return 0, 0, steps[0] * 3 // 2 if len(steps) == 1 else (steps[0] + steps[1]) // 2
            return 0, step, steps[step]
        if rating == GOOD and step + 1 < len(steps):
            return 0, step + 1, steps[step + 1]
        return REVIEW, None, None

    # per prompt: [phase, step or None, stability, difficulty, last answer (µs), due (µs)]
    states: dict[int, list] = {}  # type: ignore[type-arg]
    for prompt, grade, at in answers:
        rating = rating_of(grade)
        state = states.get(prompt)
        step: int | None
        if state is None:
            phase, step = LEARNING, 0
            stability = max(w[rating - 1], MIN_STABILITY)
            difficulty = clamp_difficulty(w[4] - (math.e ** (w[5] * (rating - 1))) + 1)
        else:
            phase, step, stability, difficulty, last, _ = state
            elapsed = (at - last) // MICROSECONDS_PER_DAY
            if elapsed < 1:
                stability = short_term_stability(stability, rating)
            else:
                stability = long_term_stability(difficulty, stability, max(0, elapsed), rating)
            difficulty = next_difficulty(difficulty, rating)
        wait: int | None  # until due, in µs; None: due after an interval of whole days
        if phase == REVIEW:
            if rating == AGAIN and relearning_steps:
                phase, step, wait = RELEARNING, 0, relearning_steps[0]
            else:
                wait = None
        else:
            steps = learning_steps if phase == LEARNING else relearning_steps
            new_phase, step, wait = stepped(steps, step or 0, rating)
            phase = new_phase or phase
        if wait is None:
            days = interval_days(stability)
            if settings.fuzz:
                days = fuzzed_days(days, fuzz_unit(at, rating))
            wait = days * MICROSECONDS_PER_DAY
        states[prompt] = [phase, step, stability, difficulty, at, at + wait]
    return {
        prompt: FSRSMemory(phase, step, stability, difficulty, _moment(due), _moment(last))
        for prompt, (phase, step, stability, difficulty, last, due) in states.items()
    }


def _moment(microseconds: int) -> datetime:
    return _EPOCH + timedelta(microseconds=microseconds)
