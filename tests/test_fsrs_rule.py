"""FSRS as mlcards' rule: py-fsrs's own states and intervals with fuzz off, a reproducible fuzz
within Anki's ranges with it on, and study days that follow the learner's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import fsrs
from hypothesis import given, settings
from hypothesis import strategies as st

from mlcards.scheduling import fsrs_rule
from mlcards.scheduling.prompt_state import NEW_PROMPT, Review

from .fsrs_settings import fsrs_settings

START = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
NO_FUZZ = fsrs_rule.FSRSSettings(fuzz=False)

# An answer: the button (1-4) and the time since the previous answer (seconds to months).
ANSWERS = st.lists(st.tuples(st.integers(1, 4), st.integers(0, 90 * 86_400)), min_size=1, max_size=30)
RULES = fsrs_settings(fuzz=st.just(False))
GRADE_OF_RATING = {1: 1, 2: 3, 3: 4, 4: 5}  # the buttons' SM-2 grades, as stored


def py_fsrs_scheduler(rule: fsrs_rule.FSRSSettings) -> fsrs.Scheduler:
    options: dict[str, object] = {
        "desired_retention": rule.desired_retention,
        "learning_steps": [timedelta(minutes=m) for m in rule.learning_steps_minutes],
        "relearning_steps": [timedelta(minutes=m) for m in rule.relearning_steps_minutes],
        "enable_fuzzing": False,
    }
    if rule.parameters is not None:
        options["parameters"] = rule.parameters
    return fsrs.Scheduler(**options)  # type: ignore[arg-type]


@settings(max_examples=2_000)
@given(answers=ANSWERS, rule=RULES)
def test_with_fuzz_off_states_and_due_moments_equal_py_fsrs_for_any_answers(answers, rule) -> None:  # type: ignore[no-untyped-def]
    reference = py_fsrs_scheduler(rule)
    card = fsrs.Card(card_id=1, due=START)
    memory = None
    at = START
    for rating, gap in answers:
        at += timedelta(seconds=gap)
        card, _ = reference.review_card(card, fsrs.Rating(rating), at)
        memory = fsrs_rule.next_memory(memory, rating, at, rule)
        assert (memory.phase, memory.step, memory.due_at, memory.last_review) == (
            int(card.state),
            card.step,
            card.due,
            card.last_review,
        )
        assert (memory.stability, memory.difficulty) == (card.stability, card.difficulty)


def _memories(answers: list[tuple[int, int]], rule: fsrs_rule.FSRSSettings) -> list[fsrs_rule.FSRSMemory]:
    memories: list[fsrs_rule.FSRSMemory] = []
    at = START
    for rating, gap in answers:
        at += timedelta(seconds=gap)
        memories.append(fsrs_rule.next_memory(memories[-1] if memories else None, rating, at, rule))
    return memories


@given(answers=ANSWERS)
def test_fuzz_is_reproducible_and_stays_within_ankis_range_of_the_unfuzzed_interval(answers) -> None:  # type: ignore[no-untyped-def]
    fuzzed = fsrs_rule.FSRSSettings(fuzz=True)
    memories = _memories(answers, fuzzed)
    assert memories == _memories(answers, fuzzed)  # a replay of the log shows the due days that were shown
    previous = None
    for memory, (rating, _) in zip(memories, answers, strict=True):
        unfuzzed = fsrs_rule.next_memory(previous, rating, memory.last_review, NO_FUZZ)
        assert (unfuzzed.stability, unfuzzed.difficulty, unfuzzed.phase) == (memory.stability, memory.difficulty, memory.phase)
        days, plain_days = (memory.due_at - memory.last_review).days, (unfuzzed.due_at - unfuzzed.last_review).days
        if memory.phase == 2 and plain_days >= 3:
            assert days >= 2 and abs(days - plain_days) <= 1.5 + 0.15 * plain_days
        else:
            assert memory.due_at == unfuzzed.due_at
        previous = memory


def test_fuzzed_intervals_spread_over_ankis_range_and_never_below_two_and_a_half_days() -> None:
    assert fsrs_rule.fuzzed_days(2, 0.99) == 2  # too short to fuzz
    # 10 days: ± (1 + 0.15 × 4.5 + 0.10 × 3) = ± 1.975, rounded at each end: 8-12
    assert {fsrs_rule.fuzzed_days(10, unit / 100) for unit in range(100)} == set(range(8, 13))
    # 100 days: ± (1 + 0.675 + 0.10 × 13 + 0.05 × 80) = ± 6.975: 93-107
    assert {fsrs_rule.fuzzed_days(100, unit / 100) for unit in range(100)} == set(range(93, 108))
    assert all(fsrs_rule.fuzzed_days(days, unit / 10) >= 2 for days in range(3, 30) for unit in range(10))


def test_retrievability_equals_py_fsrs_and_is_zero_for_an_unseen_prompt() -> None:
    reference = py_fsrs_scheduler(NO_FUZZ)
    card, _ = reference.review_card(fsrs.Card(card_id=1, due=START), fsrs.Rating.Good, START)
    memory = fsrs_rule.next_memory(None, 3, START, NO_FUZZ)
    for days in (0, 1, 3, 30, 400):
        later = START + timedelta(days=days, hours=5)
        assert abs(fsrs_rule.retrievability(memory, later, NO_FUZZ) - reference.get_card_retrievability(card, later)) < 1e-12
    assert fsrs_rule.retrievability(None, START) == 0.0


def test_a_learning_step_is_a_repeat_owed_today_and_a_graduated_prompt_is_due_on_its_study_day() -> None:
    clock = timezone(timedelta(hours=-5))  # the learner's clock: 23:30 there is already the next UTC day
    late_evening = datetime(2026, 3, 9, 23, 30, tzinfo=clock)
    today = date(2026, 3, 9)
    state, row = fsrs_rule.review(NEW_PROMPT, Review(1, late_evening, today), NO_FUZZ)  # Again: 1 minute
    assert (row.kind, state.redrill_on, state.due, state.interval) == ("new", today, today + timedelta(days=1), 1)
    state, row = fsrs_rule.review(state, Review(5, late_evening + timedelta(minutes=2), today), NO_FUZZ)  # Easy: graduates
    assert row.kind == "redrill" and state.redrill_on is None
    assert state.fsrs is not None and state.fsrs.phase == 2
    due_local = state.fsrs.due_at.astimezone(clock)
    assert state.due == (due_local - timedelta(hours=4)).date() and state.interval == (state.due - today).days


def test_a_forgotten_review_is_a_lapse_and_comes_back_today() -> None:
    state, _ = fsrs_rule.review(NEW_PROMPT, Review(5, START, START.date()), NO_FUZZ)
    assert state.due is not None
    later = datetime.combine(state.due, START.timetz())
    state, row = fsrs_rule.review(state, Review(1, later, state.due), NO_FUZZ)
    assert (row.kind, state.lapses, state.repetitions, state.redrill_on) == ("review", 1, 0, later.date())
