"""A rebuild's FSRS memories are exactly what py-fsrs gives, answer by answer; the fast path is
used only when its check against the installed py-fsrs passes, and that check is sufficient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from mlcards.scheduling import fsrs_rule
from mlcards.scheduling.fsrs_replay import agrees_with_py_fsrs, memories, replay_memories

from .fsrs_settings import fsrs_settings

START = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
GRADES = st.sampled_from([0, 1, 2, 3, 4, 5])  # every SM-2 grade the log may hold
# (prompt, grade, seconds since the previous answer of any prompt): prompts interleaved as in a real log
LOGS = st.lists(st.tuples(st.integers(1, 4), GRADES, st.integers(0, 40 * 86_400)), min_size=1, max_size=60)
RULES = fsrs_settings(fuzz=st.booleans())


@settings(max_examples=400)
@given(log=LOGS, rule=RULES)
def test_replayed_memories_equal_py_fsrs_answer_by_answer_to_the_last_bit(log, rule) -> None:  # type: ignore[no-untyped-def]
    at = START
    answers = []
    for prompt, grade, gap in log:
        at += timedelta(seconds=gap, microseconds=gap % 7)
        answers.append((prompt, grade, at))
    expected: dict[int, fsrs_rule.FSRSMemory] = {}
    for prompt, grade, moment in answers:
        expected[prompt] = fsrs_rule.next_memory(expected.get(prompt), fsrs_rule.rating_of(grade), moment, rule)
    in_microseconds = [(prompt, grade, fsrs_rule.microseconds_since_epoch(moment)) for prompt, grade, moment in answers]
    assert memories(in_microseconds, rule) == expected
    # whenever the check against the installed py-fsrs passes, the fast path agrees on any answers
    assert not agrees_with_py_fsrs(rule) or replay_memories(in_microseconds, rule) == expected


def test_the_fast_path_is_taken_with_the_py_fsrs_it_was_written_against() -> None:
    """py-fsrs 6.3.2 (the release the fast path follows): a newer one that changed FSRS-6's
    formulas would only make rebuilds slower, never different."""
    from importlib.metadata import version

    if version("fsrs") != "6.3.2":
        return
    assert agrees_with_py_fsrs(fsrs_rule.FSRSSettings())
