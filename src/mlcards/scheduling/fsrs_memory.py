"""FSRS-6's memory formulas on plain floats, for replaying and simulating many prompts quickly.

py-fsrs (through scheduling/fsrs_rule.py) is the rule mlcards schedules by; it builds a Card per
answer, about 8 µs each. A rebuild replays every answer ever given, and a 30-day workload forecast
of 100,000 prompts runs the formulas a few hundred thousand times, so this module writes FSRS-6's
published update rules out as closed forms over (stability, difficulty) with one settings'
parameters bound, each written in the order of operations py-fsrs 6.3 uses so that every float
comes out identical (tests/test_fsrs_replay.py compares whole answer sequences to the last bit).
Where the installed py-fsrs is a release that computes otherwise, each step asks py-fsrs instead.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from mlcards.scheduling.fsrs_rule import MAXIMUM_INTERVAL_DAYS, FSRSSettings, next_memory, scheduler_for
from mlcards.scheduling.prompt_state import FSRSMemory

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
_LEAST_STABILITY = 0.001  # py-fsrs's floor for stability
_LEAST_DIFFICULTY, _MOST_DIFFICULTY = 1.0, 10.0


@dataclass(frozen=True, slots=True)
class MemoryModel:
    """One FSRS-6 parameter set and desired retention, with the constants the formulas share."""

    weights: tuple[float, ...]
    desired_retention: float
    learning_steps: int  # how many same-day steps a new prompt goes through
    relearning_steps: int  # how many same-day steps follow a forgotten review
    decay: float  # the forgetting curve's exponent (w20)
    factor: float  # chosen so that recall is 90% after `stability` days
    interval_scale: float  # the interval is stability / factor times this (before rounding)
    easy_start: float  # the unclamped first difficulty of an Easy answer, which difficulty reverts to
    settings: FSRSSettings
    # Whether these closed forms give the installed py-fsrs's very numbers (they follow py-fsrs
    # 6.3; 6.0 computed same-day steps and difficulty otherwise). If not, each step asks py-fsrs:
    # a forecast may then be slower, never different from the rule that schedules.
    closed_forms_agree: bool = True

    @classmethod
    def of(cls, settings: FSRSSettings) -> MemoryModel:
        model = cls.closed_forms(settings)
        return model if _agrees_with_py_fsrs(model) else replace(model, closed_forms_agree=False)

    @classmethod
    def closed_forms(cls, settings: FSRSSettings) -> MemoryModel:
        """The model computing by its own formulas, unchecked (the caller checks them)."""
        weights = tuple(float(weight) for weight in scheduler_for(settings).parameters)
        decay = weights[20]
        factor = 0.9 ** (-1 / decay) - 1
        return cls(
            weights,
            settings.desired_retention,
            len(settings.learning_steps_minutes),
            len(settings.relearning_steps_minutes),
            decay,
            factor,
            (settings.desired_retention ** (-1 / decay)) - 1,
            weights[4] - (math.e ** (weights[5] * (EASY - 1))) + 1,
            settings,
        )

    def recall(self, stability: float, elapsed_days: int) -> float:
        """The probability of recall `elapsed_days` whole days after the last answer."""
        return float((1 + self.factor * max(0, elapsed_days) / stability) ** -self.decay)

    def interval(self, stability: float) -> int:
        """Days until recall falls to the desired retention (at least 1), as FSRS schedules."""
        return min(max(round((stability / self.factor) * self.interval_scale), 1), MAXIMUM_INTERVAL_DAYS)

    def first(self, rating: int) -> tuple[float, float]:
        """(stability, difficulty) after a prompt's first answer."""
        if not self.closed_forms_agree:
            memory = next_memory(None, rating, _ORIGIN, self.settings)
            return memory.stability, memory.difficulty
        return max(self.weights[rating - 1], _LEAST_STABILITY), _clamped(self._initial_difficulty(rating))

    def _initial_difficulty(self, rating: int) -> float:
        return self.weights[4] - (math.e ** (self.weights[5] * (rating - 1))) + 1

    def difficulty_after(self, difficulty: float, rating: int) -> float:
        w = self.weights
        change = -(w[6] * (rating - GOOD))
        damped = difficulty + (10.0 - difficulty) * change / 9.0
        return _clamped(w[7] * self.easy_start + (1 - w[7]) * damped)

    def same_day(self, stability: float, rating: int) -> float:
        """Stability after another answer on the day of the last one (FSRS's short-term rule)."""
        w = self.weights
        growth = (math.e ** (w[17] * (rating - GOOD + w[18]))) * (stability ** -w[19])
        if rating != AGAIN:
            growth = max(growth, 1.0)
        return max(stability * growth, _LEAST_STABILITY)

    def after_recall(self, stability: float, difficulty: float, recall: float, rating: int) -> float:
        """Stability after a successful answer a day or more after the last one."""
        w = self.weights
        penalty = w[15] if rating == HARD else 1.0
        bonus = w[16] if rating == EASY else 1.0
        return max(
            stability
            * (
                1
                + (math.e ** (w[8]))
                * (11 - difficulty)
                * (stability ** -w[9])
                * ((math.e ** ((1 - recall) * w[10])) - 1)
                * penalty
                * bonus
            ),
            _LEAST_STABILITY,
        )

    def after_lapse(self, stability: float, difficulty: float, recall: float) -> float:
        """Stability after a forgotten answer a day or more after the last one."""
        w = self.weights
        long_term = w[11] * (difficulty ** -w[12]) * (((stability + 1) ** (w[13])) - 1) * (math.e ** ((1 - recall) * w[14]))
        return max(min(long_term, stability / (math.e ** (w[17] * w[18]))), _LEAST_STABILITY)

    def answer(self, stability: float, difficulty: float, elapsed_days: int, rating: int) -> tuple[float, float]:
        """(stability, difficulty) after one answer to a prompt already seen."""
        if not self.closed_forms_agree:
            before = FSRSMemory(_REVIEW, None, stability, difficulty, _ORIGIN, _ORIGIN)
            memory = next_memory(before, rating, _ORIGIN + timedelta(days=elapsed_days), self.settings)
            return memory.stability, memory.difficulty
        if elapsed_days < 1:
            stability = self.same_day(stability, rating)
        elif rating == AGAIN:
            stability = self.after_lapse(stability, difficulty, self.recall(stability, elapsed_days))
        else:
            stability = self.after_recall(stability, difficulty, self.recall(stability, elapsed_days), rating)
        return stability, self.difficulty_after(difficulty, rating)


_ORIGIN = datetime(2026, 1, 5, 12, tzinfo=UTC)
_REVIEW = 2
_CHECKS = 200


@lru_cache(maxsize=8)
def _agrees_with_py_fsrs(model: MemoryModel) -> bool:
    """Whether the closed forms give py-fsrs's numbers on fixed states drawn to reach every branch
    (first answers, same-day steps, recalls and lapses after short and long gaps)."""
    draw = random.Random(20261204)
    for rating in (AGAIN, HARD, GOOD, EASY):
        memory = next_memory(None, rating, _ORIGIN, model.settings)
        if not _same((memory.stability, memory.difficulty), model.first(rating)):
            return False
    for _ in range(_CHECKS):
        stability, difficulty = draw.uniform(0.05, 3000), draw.uniform(1, 10)
        elapsed, rating = draw.choice((0, 1, draw.randint(2, 30), draw.randint(30, 3000))), draw.randint(AGAIN, EASY)
        before = FSRSMemory(_REVIEW, None, stability, difficulty, _ORIGIN, _ORIGIN)
        memory = next_memory(before, rating, _ORIGIN + timedelta(days=elapsed), model.settings)
        if not _same((memory.stability, memory.difficulty), model.answer(stability, difficulty, elapsed, rating)):
            return False
    return True


def _same(theirs: tuple[float, float], mine: tuple[float, float]) -> bool:
    return all(abs(a - b) <= 1e-9 * max(1.0, abs(a)) for a, b in zip(theirs, mine, strict=True))


def _clamped(difficulty: float) -> float:
    return min(max(difficulty, _LEAST_DIFFICULTY), _MOST_DIFFICULTY)
