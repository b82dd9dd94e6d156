"""The forecast's reference: the same simulation, one answer at a time through mlcards' real
rule (scheduling/rule.py, py-fsrs inside), slow and plain, to hold the fast one to."""

from __future__ import annotations

from datetime import datetime, timedelta

from mlcards.planning.forecast import ReviewedPrompt, draw
from mlcards.scheduling import fsrs_rule, rule
from mlcards.scheduling.days import study_day
from mlcards.scheduling.prompt_state import NEW_PROMPT, FSRSMemory, PromptState, Review

AGAIN, GOOD = 1, 4  # SM-2 grades of the Again and Good buttons
REPEAT_GAP = timedelta(0)  # same-day repeats at the moment of the answer: the forecast counts whole days from it


def answer(state: PromptState, grade: int, at: datetime, settings: rule.RuleSettings) -> tuple[PromptState, datetime]:
    """One answer, then Good at every same-day repeat the rule asks for; the state and the last answer's time."""
    today = study_day(at, settings.fsrs.day_start_hour)
    state, _ = rule.review(state, Review(grade, at, today), settings)
    while state.redrill_on == today:
        at += REPEAT_GAP
        state, _ = rule.review(state, Review(GOOD, at, today), settings)
    return state, at


def state_of(prompt: ReviewedPrompt, now: datetime, settings: rule.RuleSettings) -> PromptState:
    _, due_in, repetitions, interval, easiness, stability, difficulty, age = prompt
    today = study_day(now, settings.fsrs.day_start_hour)
    last = now - timedelta(days=age)
    memory = FSRSMemory(2, None, stability, difficulty, now + timedelta(days=due_in), last)
    return PromptState(repetitions, interval, easiness, today + timedelta(days=due_in), 0, last, None, memory)


def simulate(state: PromptState, key: int, now: datetime, settings: rule.RuleSettings, counts: list[int]) -> None:
    """Add the prompt's reviews in the window to `counts`: due day after due day, recalled as
    the draw for its key and review number says against py-fsrs's retrievability."""
    today = study_day(now, settings.fsrs.day_start_hour)
    assert state.due is not None
    number = 0
    day = max(0, (state.due - today).days)
    while day < len(counts):
        counts[day] += 1
        at = now + timedelta(days=day)
        recalled = draw(key, number) < fsrs_rule.retrievability(state.fsrs, at, settings.fsrs)
        state, _ = answer(state, GOOD if recalled else AGAIN, at, settings)
        assert state.due is not None
        day = (state.due - today).days
        number += 1


def reviews_of_seen(prompts: list[ReviewedPrompt], now: datetime, settings: rule.RuleSettings, horizon: int) -> list[int]:
    counts = [0] * horizon
    for prompt in prompts:
        simulate(state_of(prompt, now, settings), prompt[0], now, settings, counts)
    return counts


def new_prompt_profile(
    now: datetime, settings: rule.RuleSettings, horizon: int, samples: int, known: bool = False
) -> list[float]:
    """Reviews per day after a first sight (not known: Again, then Good at each repeat; known:
    Good, then Good at each repeat), over `samples` prompts keyed -1, -2, ..."""
    counts = [0] * horizon
    for number in range(1, samples + 1):
        simulate(answer(NEW_PROMPT, GOOD if known else AGAIN, now, settings)[0], -number, now, settings, counts)
    return [count / samples for count in counts]
