"""The forecast's closed-form FSRS-6 steps equal py-fsrs's, through mlcards' own FSRS rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mlcards.scheduling import fsrs_rule
from mlcards.scheduling.fsrs_memory import MemoryModel
from mlcards.scheduling.prompt_state import FSRSMemory

START = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
FITTED = (0.4, 0.9, 2.3, 10.9, 4.93, 0.94, 0.86, 0.01, 1.49, 0.14, 0.94, 2.18, 0.05, 0.34, 1.26, 0.29, 2.61, 0.6, 0.1, 0.1, 0.3)
SETTINGS = st.builds(
    fsrs_rule.FSRSSettings,
    desired_retention=st.sampled_from([0.8, 0.9, 0.95]),
    parameters=st.sampled_from([None, FITTED]),
    fuzz=st.just(False),
)
TOLERANCE = 1e-9  # relative: the same formulas, evaluated in another order


def close(mine: float, theirs: float) -> bool:
    return abs(mine - theirs) <= TOLERANCE * max(1.0, abs(theirs))


@given(
    settings=SETTINGS,
    stability=st.floats(0.01, 5000),
    difficulty=st.floats(1, 10),
    elapsed_days=st.integers(0, 2000),
    rating=st.integers(1, 4),
)
def test_an_answer_in_review_moves_memory_and_interval_as_py_fsrs_does(settings, stability, difficulty, elapsed_days, rating):
    model = MemoryModel.of(settings)
    at = START + timedelta(days=elapsed_days, hours=2)
    memory = FSRSMemory(2, None, stability, difficulty, START, START)
    theirs = fsrs_rule.next_memory(memory, rating, at, settings)
    mine = model.answer(stability, difficulty, elapsed_days, rating)
    assert close(mine[0], theirs.stability) and close(mine[1], theirs.difficulty)
    if rating != 1:  # recalled: back in review, due after FSRS's interval
        assert (theirs.due_at - at).days == model.interval(mine[0])


@given(settings=SETTINGS, rating=st.integers(1, 4))
def test_a_first_answer_gives_py_fsrs_initial_memory(settings, rating):
    theirs = fsrs_rule.next_memory(None, rating, START, settings)
    mine = MemoryModel.of(settings).first(rating)
    assert close(mine[0], theirs.stability) and close(mine[1], theirs.difficulty)


@given(settings=SETTINGS, stability=st.floats(0.01, 5000), elapsed_days=st.integers(0, 2000))
def test_recall_is_py_fsrs_retrievability(settings, stability, elapsed_days):
    memory = FSRSMemory(2, None, stability, 5.0, START, START)
    at = START + timedelta(days=elapsed_days, hours=3)
    assert close(MemoryModel.of(settings).recall(stability, elapsed_days), fsrs_rule.retrievability(memory, at, settings))


def test_the_closed_forms_are_used_with_the_py_fsrs_they_follow():
    """py-fsrs 6.3.2: another release that computes FSRS-6 otherwise makes forecasts slower
    (each step asks py-fsrs), never different."""
    from importlib.metadata import version

    model = MemoryModel.of(fsrs_rule.FSRSSettings())
    assert model.closed_forms_agree or version("fsrs") != "6.3.2"
