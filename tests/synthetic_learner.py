"""A synthetic learner whose memory is a known FSRS-6 model, for the optimizer's tests and benchmark.

Every day it studies what mlcards' SM-2 schedule shows (due prompts, then a few new ones) and
answers each as its memory allows: a review is recalled with the probability the model gives
after the days since the last answer (py-fsrs), a same-day repeat is recalled, a new prompt is
seen for the first time. Its answers go into a real database through `record_answer`, the path
every answer of the review app takes, so the log holds exactly what a learner's would.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from fsrs import Card, Rating, Scheduler

from mlcards.scheduling import sm2
from mlcards.store.history import record_answer

# A learner who forgets faster than FSRS's default one: smaller first stabilities (w0-w3), slower
# growth on success (w8), and a steeper forgetting curve (w20). Within py-fsrs's bounds.
FORGETFUL = (
    0.1, 0.5, 1.0, 3.0, 6.4133, 0.8334, 3.0194, 0.001, 1.2, 0.1666, 0.796,
    1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.4,
)  # fmt: skip
_GRADE = {Rating.Again: 1, Rating.Hard: 3, Rating.Good: 4, Rating.Easy: 5}  # the answer bar's buttons as SM-2 grades
FIRST_DAY = date(2025, 1, 6)


@dataclass(frozen=True, slots=True)
class Studied:
    prompt: int  # the schedule id
    answer: sm2.Review


def study(
    prompts: Sequence[int], days: int, new_per_day: int, seed: int, parameters: Sequence[float] = FORGETFUL
) -> Iterator[Studied]:
    """The learner's answers, in the order given, over `days` study days from FIRST_DAY."""
    rng = random.Random(seed)
    memory_model = Scheduler(parameters, learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    schedule = {prompt: sm2.NEW_PROMPT for prompt in prompts}
    memory: dict[int, Card] = {}
    unseen = list(prompts)
    for day_number in range(days):
        day = FIRST_DAY + timedelta(days=day_number)
        moment = datetime.combine(day, time(9), tzinfo=UTC)
        # The model counts whole days between answers (py-fsrs floors a timedelta): every answer of a
        # study day is given to it at that day's midnight, so one day later is always one day.
        memory_clock = datetime.combine(day, time(0), tzinfo=UTC)
        due = [prompt for prompt, state in schedule.items() if state.due is not None and state.due <= day]
        introduced, unseen = unseen[:new_per_day], unseen[new_per_day:]
        for prompt in due + introduced:
            while True:  # until SM-2 stops asking for a same-day repeat
                card = memory.get(prompt)
                rating = _rating(rng, memory_model, card, memory_clock)
                memory[prompt], _ = memory_model.review_card(card or Card(), rating, memory_clock)
                answer = sm2.Review(_GRADE[rating], moment, day)
                schedule[prompt], _ = sm2.review(schedule[prompt], answer)
                yield Studied(prompt, answer)
                moment += timedelta(minutes=3)
                if schedule[prompt].redrill_on != day:
                    break


def _rating(rng: random.Random, model: Scheduler, card: Card | None, moment: datetime) -> Rating:
    if card is None:  # first sight: how well it was grasped
        return rng.choices((Rating.Again, Rating.Hard, Rating.Good, Rating.Easy), (25, 10, 55, 10))[0]
    if rng.random() >= model.get_card_retrievability(card, moment):
        return Rating.Again
    return rng.choices((Rating.Hard, Rating.Good, Rating.Easy), (15, 75, 10))[0]


def record(connection: sqlite3.Connection, studied: Iterator[Studied]) -> int:
    """Write the answers through the review app's own answer path; returns how many."""
    last_answer: dict[int, int] = {}
    count = 0
    for item in studied:
        recorded = record_answer(
            connection, item.prompt, last_answer.get(item.prompt, 0), item.answer, duration_ms=4000, session_id="learner"
        )
        last_answer[item.prompt] = recorded.log_id
        count += 1
    return count
