"""The rebuild's fast path for FSRS's memory gives exactly what py-fsrs gives, answer by answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from mlcards.scheduling import fsrs_rule
from mlcards.scheduling.fsrs_replay import replay_memories

START = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
GRADES = st.sampled_from([0, 1, 2, 3, 4, 5])  # every SM-2 grade the log may hold
# (prompt, grade, seconds since the previous answer of any prompt): prompts interleaved as in a real log
LOGS = st.lists(st.tuples(st.integers(1, 4), GRADES, st.integers(0, 40 * 86_400)), min_size=1, max_size=60)
RULES = st.builds(
    fsrs_rule.FSRSSettings,
    desired_retention=st.sampled_from([0.75, 0.9, 0.97]),
    learning_steps_minutes=st.sampled_from([(1, 10), (10,), (), (1, 10, 60)]),
    relearning_steps_minutes=st.sampled_from([(10,), (), (5, 30)]),
    parameters=st.sampled_from(
        [
            None,
            (
                0.4,
                0.9,
                2.3,
                10.9,
                4.93,
                0.94,
                0.86,
                0.01,
                1.49,
                0.14,
                0.94,
                2.18,
                0.05,
                0.34,
                1.26,
                0.29,
                2.61,
                0.6,
                0.1,
                0.1,
                0.3,
            ),
        ]
    ),
    fuzz=st.booleans(),
)


@settings(max_examples=1_000)
@given(log=LOGS, rule=RULES)
def test_the_fast_replay_equals_py_fsrs_answer_by_answer_to_the_last_bit(log, rule) -> None:  # type: ignore[no-untyped-def]
    at = START
    answers = []
    for prompt, grade, gap in log:
        at += timedelta(seconds=gap, microseconds=gap % 7)
        answers.append((prompt, grade, at))
    expected: dict[int, fsrs_rule.FSRSMemory] = {}
    for prompt, grade, moment in answers:
        expected[prompt] = fsrs_rule.next_memory(expected.get(prompt), fsrs_rule.rating_of(grade), moment, rule)
    in_microseconds = [(prompt, grade, fsrs_rule.microseconds_since_epoch(moment)) for prompt, grade, moment in answers]
    assert replay_memories(in_microseconds, rule) == expected
