"""The workload forecast: reviews per day over the coming weeks under the active rule, pure.

Every reviewed prompt is simulated forward from its cached state: it is reviewed on its due day,
recalled or not as FSRS's memory model predicts, and scheduled again by the active rule (SM-2's
integer intervals, or FSRS's interval from the new stability), until it falls due beyond the
window. A prompt's outcomes are drawn from a pseudo-random number fixed by the prompt and the
review's number, so the same collection always gives the same forecast and one answer moves
only that prompt's part of it. Prompts seen for the first time all start alike, so one profile
(reviews per day after the first sight, averaged over a thousand simulated prompts) serves for
every new prompt of every day.

Assumptions, each a simplification a test pins: a review on a later day happens at the time of
day of `now`; a recalled prompt is answered Good, a forgotten one Again and then Good at each
same-day step the rule asks for; a prompt seen for the first time is known (Good, then Good at
its steps left) as often as the learner's own recent first answers were Good or Easy, else not
known (Again, then Good at its steps), and never known until there are enough of them to tell
(study_plan.known_at_first_sight); FSRS's interval fuzz, which spreads a due day by a few percent
either way, is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from mlcards.scheduling import sm2
from mlcards.scheduling.fsrs_memory import AGAIN, GOOD, MemoryModel
from mlcards.scheduling.rule import RuleSettings

HORIZON_DAYS = 30

# One reviewed prompt as the forecast reads it (store/plan.py selects these columns, in this order):
# (prompt id, days until due (0 or less: due now), SM-2 repetitions, SM-2 interval, SM-2 easiness in
#  hundredths, FSRS stability, FSRS difficulty, days since its last answer as of now (a fraction)).
ReviewedPrompt = tuple[int, int, int, int, int, float, float, float]


@dataclass(frozen=True, slots=True)
class Stepper:
    """How the active rule moves one prompt after a simulated answer on a later day."""

    model: MemoryModel
    sm2_schedules: bool
    repeats_after_lapse: int  # same-day Good answers a forgotten prompt gets before it waits a day or more
    repeats_when_new: int  # same-day Good answers after the first (forgotten) sight of a prompt

    @classmethod
    def of(cls, rule: RuleSettings) -> Stepper:
        model = MemoryModel.of(rule.fsrs)
        if rule.scheduler == "sm2":  # SM-2 repeats a prompt graded below Good once more the same day
            return cls(model, True, 1, 1)
        return cls(model, False, model.relearning_steps, model.learning_steps)

    def first_sight(self, known: bool = False) -> tuple[float, float, int, int]:
        """(stability, difficulty, SM-2 repetitions, days to the next review) of a prompt just seen
        for the first time: not known (Again, then Good at each same-day step), or known (Good,
        then Good at each step left: one fewer)."""
        stability, difficulty = self.model.first(GOOD if known else AGAIN)
        for _ in range(self.repeats_when_new - 1 if known else self.repeats_when_new):
            stability, difficulty = self.model.answer(stability, difficulty, 0, GOOD)
        interval = sm2.FIRST_INTERVAL if self.sm2_schedules else self.model.interval(stability)
        return stability, difficulty, 1 if known else 0, interval

    def review(
        self, stability: float, difficulty: float, elapsed: int, recalled: bool, repetitions: int, interval: int, easiness: int
    ) -> tuple[float, float, int, int]:
        """(stability, difficulty, SM-2 repetitions, days to the next review) after a review."""
        model = self.model
        if recalled:
            stability, difficulty = model.answer(stability, difficulty, elapsed, GOOD)
            if not self.sm2_schedules:
                return stability, difficulty, repetitions + 1, model.interval(stability)
            repetitions += 1  # Good leaves SM-2's easiness as it is
            if repetitions == 1:
                return stability, difficulty, repetitions, sm2.FIRST_INTERVAL
            if repetitions == 2:
                return stability, difficulty, repetitions, sm2.SECOND_INTERVAL
            return stability, difficulty, repetitions, -(-interval * easiness // 100)
        stability, difficulty = model.answer(stability, difficulty, elapsed, AGAIN)
        for _ in range(self.repeats_after_lapse):
            stability, difficulty = model.answer(stability, difficulty, 0, GOOD)
        return stability, difficulty, 0, sm2.FIRST_INTERVAL if self.sm2_schedules else model.interval(stability)


def draw(prompt: int, review_number: int) -> float:
    """A number in [0, 1) fixed by the prompt and the review's number. A prompt's first simulated
    review, which most prompts in a window get and no other, takes the Fibonacci hash of its id
    (one multiplication: consecutive ids spread evenly over [0, 1)); later ones a 32-bit mix."""
    if review_number == 0:
        return ((prompt * 0x9E3779B1) & 0xFFFFFFFF) / 4294967296.0
    mixed = (prompt * 0x9E3779B1 + review_number * 0x85EBCA77) & 0xFFFFFFFF
    mixed = ((mixed ^ (mixed >> 15)) * 0x2C1B3C6D) & 0xFFFFFFFF
    mixed = ((mixed ^ (mixed >> 12)) * 0x297A2D39) & 0xFFFFFFFF
    return (mixed ^ (mixed >> 15)) / 4294967296.0


def reviews_of_seen(
    prompts: Iterable[ReviewedPrompt], stepper: Stepper, horizon: int = HORIZON_DAYS, count_first: bool = True
) -> list[int]:
    """Reviews per day (index 0: today, overdue prompts included) of the prompts already seen;
    without `count_first`, only the reviews after each prompt's first one in the window (the
    first is on its due day, which storage counts exactly without simulating anything).

    The loop is the forecast's cost (100,000 prompts in well under 200 ms), so it skips work a
    recalled prompt cannot need: a success never shortens FSRS's interval (stability only grows)
    and SM-2's next interval is known before its memory moves, so a prompt whose next review falls
    beyond the window is left there without updating its memory.
    """
    counts = [0] * horizon
    model, review, sm2_schedules = stepper.model, stepper.review, stepper.sm2_schedules
    factor, decay, interval_scale = model.factor, model.decay, model.interval_scale
    for prompt, due_in, repetitions, interval, easiness, stability, difficulty, age in prompts:
        day = due_in if due_in > 0 else 0
        number = 0
        while day < horizon:
            if number or count_first:
                counts[day] += 1
            elapsed = int(age + day)  # age + day >= 0: int() is floor
            recall = (1 + factor * elapsed / stability) ** -decay
            # draw(prompt, 0) inlined: most prompts get one review in the window, and the call costs more
            first = number == 0
            recalled = ((prompt * 0x9E3779B1) & 0xFFFFFFFF) < recall * 4294967296.0 if first else draw(prompt, number) < recall
            if recalled:
                if sm2_schedules:
                    least = 1 if repetitions == 0 else 6 if repetitions == 1 else -(-interval * easiness // 100)
                else:
                    least = round((stability / factor) * interval_scale) or 1
                if day + least >= horizon:
                    break
            stability, difficulty, repetitions, interval = review(
                stability, difficulty, elapsed, recalled, repetitions, interval, easiness
            )
            age = -day
            day += interval
            number += 1
    return counts


@lru_cache(maxsize=8)
def new_prompt_profile(
    stepper: Stepper, known_share: float = 0.0, horizon: int = HORIZON_DAYS, samples: int = 1000
) -> tuple[float, ...]:
    """Reviews of one prompt on each day after the day it is first seen (index 0 is that day,
    always 0: its same-day repeats are not reviews), averaged over `samples` simulated prompts
    that start alike and draw their outcomes as seen prompts do (keys -1, -2, ...): a share
    `known_share` of them known at first sight (the learner's own rate), the rest not."""
    mixed = [0.0] * horizon
    for known, share in ((False, 1.0 - known_share), (True, known_share)):
        if share <= 0:
            continue
        stability, difficulty, repetitions, interval = stepper.first_sight(known)
        starts = [(-number, interval, repetitions, interval, sm2.INITIAL_EASINESS_HUNDREDTHS, stability, difficulty, 0.0)
                  for number in range(1, samples + 1)]  # fmt: skip
        for day, count in enumerate(reviews_of_seen(starts, stepper, horizon)):
            mixed[day] += share * count / samples
    return tuple(mixed)


@dataclass(frozen=True, slots=True)
class Forecast:
    """The coming days' work: reviews of prompts already seen, reviews of prompts first seen in
    the window, and first sights (new prompts), each per day from today."""

    seen_reviews: list[float]  # estimated when only a sample of the seen prompts is simulated
    new_reviews: list[float]  # expected
    new: list[int]

    def reviews(self, day: int) -> int:
        return round(self.seen_reviews[day] + self.new_reviews[day])

    def total(self, day: int) -> int:
        return self.reviews(day) + self.new[day]


NewToday = Callable[[int, int, int], int]  # (day, reviews that day, prompts still unseen) -> new prompts that day


def forecast(seen_reviews: Sequence[float], profile: Sequence[float], unseen: int, new_on: NewToday) -> Forecast:
    """Add the new prompts each day brings (as `new_on` decides, knowing that day's reviews) and
    their expected reviews to the reviews of the prompts already seen."""
    horizon = len(seen_reviews)
    new_reviews = [0.0] * horizon
    new = [0] * horizon
    left = unseen
    for day in range(horizon):
        count = max(0, min(left, new_on(day, round(seen_reviews[day] + new_reviews[day]), left)))
        new[day] = count
        left -= count
        if count:
            for later in range(day + 1, horizon):
                new_reviews[later] += count * profile[later - day]
    return Forecast(list(seen_reviews), new_reviews, new)


def seen_reviews(first: Sequence[int], follow_ups: Sequence[int], sample_weight: float) -> list[float]:
    """Reviews per day of the seen prompts: every first review in the window (counted exactly)
    plus the later ones of a simulated sample, each standing for `sample_weight` prompts."""
    return [count + sample_weight * later for count, later in zip(first, follow_ups, strict=True)]
