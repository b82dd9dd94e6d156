"""FSRS's memory for many prompts at once, on plain numbers: the rebuild's fast path.

`fsrs_rule.next_memory` asks py-fsrs for every answer, which costs about 10 µs of objects and
datetimes each; a rebuild (switching rule, changing retention, a schema upgrade) replays every
answer ever given. `replay_memories` is the same FSRS computation: the closed forms of
scheduling/fsrs_memory.py for memory, the (re)learning steps and fuzz here, over floats and
integer microseconds, so that every float comes out identical to py-fsrs 6.3's.

py-fsrs is the rule, though, and its releases have refined FSRS-6's formulas (6.0 to 6.3 changed
the difficulty and short-term stability updates). So `memories` first checks the fast path
against the installed py-fsrs on a fixed set of answer sequences that reach every branch, and
uses it only if every state agrees to the last bit; otherwise it asks py-fsrs for every answer.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from mlcards.scheduling.fsrs_memory import AGAIN, GOOD, HARD, MemoryModel
from mlcards.scheduling.fsrs_rule import (
    FSRSSettings,
    fuzz_unit,
    fuzzed_days,
    next_memory,
)
from mlcards.scheduling.prompt_state import FSRSMemory, rating_of

LEARNING, REVIEW, RELEARNING = 1, 2, 3
MICROSECONDS_PER_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def replay_memories(answers: Iterable[tuple[int, int, int]], settings: FSRSSettings) -> dict[int, FSRSMemory]:
    """Each prompt's FSRS memory after its answers, from (prompt, SM-2 grade, moment in µs since
    the epoch) in the order given; equal to chaining `fsrs_rule.next_memory` over each prompt's answers."""
    states: dict[int, list] = {}  # type: ignore[type-arg]
    for prompt, state in _steps(answers, settings):
        states[prompt] = state
    return {prompt: _memory(state) for prompt, state in states.items()}


def memory_after_each(answers: Iterable[tuple[int, int, int]], settings: FSRSSettings) -> Iterator[FSRSMemory]:
    """The memory of the prompt answered, after each answer in turn, exactly as py-fsrs gives it."""
    if agrees_with_py_fsrs(settings):
        for _, state in _steps(answers, settings):
            yield _memory(state)
        return
    states: dict[int, FSRSMemory] = {}
    for prompt, grade, at in answers:
        states[prompt] = memory = next_memory(states.get(prompt), rating_of(grade), _moment(at), settings)
        yield memory


def _memory(state: list) -> FSRSMemory:  # type: ignore[type-arg]
    phase, step, stability, difficulty, last, due = state
    return FSRSMemory(phase, step, stability, difficulty, _moment(due), _moment(last))


def _steps(answers: Iterable[tuple[int, int, int]], settings: FSRSSettings) -> Iterator[tuple[int, list]]:  # type: ignore[type-arg]
    """(prompt, its state as [phase, step, stability, difficulty, last answer µs, due µs]) after each answer."""
    model = MemoryModel.closed_forms(settings)
    learning_steps = [minutes * 60_000_000 for minutes in settings.learning_steps_minutes]
    relearning_steps = [minutes * 60_000_000 for minutes in settings.relearning_steps_minutes]

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
            stability, difficulty = model.first(rating)
        else:
            phase, step, stability, difficulty, last, _ = state
            stability, difficulty = model.answer(stability, difficulty, (at - last) // MICROSECONDS_PER_DAY, rating)
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
            days = model.interval(stability)
            if settings.fuzz:
                days = fuzzed_days(days, fuzz_unit(at, rating))
            wait = days * MICROSECONDS_PER_DAY
        states[prompt] = after = [phase, step, stability, difficulty, at, at + wait]
        yield prompt, after


def _moment(microseconds: int) -> datetime:
    return _EPOCH + timedelta(microseconds=microseconds)


def memories(answers: Iterable[tuple[int, int, int]], settings: FSRSSettings) -> dict[int, FSRSMemory]:
    """Each prompt's FSRS memory after its answers, exactly as py-fsrs gives it: by the fast path
    when it agrees with the installed py-fsrs, else answer by answer through py-fsrs."""
    if agrees_with_py_fsrs(settings):
        return replay_memories(answers, settings)
    states: dict[int, FSRSMemory] = {}
    for prompt, grade, at in answers:
        states[prompt] = next_memory(states.get(prompt), rating_of(grade), _moment(at), settings)
    return states


_CHECK_SEQUENCES = 300
_CHECK_LONGEST = 25


@lru_cache(maxsize=8)
def agrees_with_py_fsrs(settings: FSRSSettings) -> bool:
    """Whether `replay_memories` gives py-fsrs's very states under these settings, on answer
    sequences drawn with a fixed seed: every button, same-day and long gaps, lapses and relearning."""
    draw = random.Random(20261204)
    answers: list[tuple[int, int, int]] = []
    at = 1_773_046_800_000_000  # 2026-03-09 09:00 UTC, in µs
    for prompt in range(_CHECK_SEQUENCES):
        for _ in range(draw.randint(1, _CHECK_LONGEST)):
            seconds = draw.choice((draw.randint(0, 3_600), draw.randint(3_600, 86_400), draw.randint(86_400, 90 * 86_400)))
            at += seconds * 1_000_000
            at += draw.randint(0, 999_999)
            answers.append((prompt, draw.choice((0, 1, 2, 3, 4, 5)), at))
    expected: dict[int, FSRSMemory] = {}
    for prompt, grade, moment in answers:
        expected[prompt] = next_memory(expected.get(prompt), rating_of(grade), _moment(moment), settings)
    return replay_memories(answers, settings) == expected
