"""Hypothesis strategies for FSRS settings, shared by the tests that compare mlcards' FSRS with py-fsrs."""

from __future__ import annotations

from hypothesis import strategies as st

from mlcards.scheduling import fsrs_rule

# A fitted-looking parameter set, unlike FSRS-6's defaults in every position.
FITTED = (0.4, 0.9, 2.3, 10.9, 4.93, 0.94, 0.86, 0.01, 1.49, 0.14, 0.94, 2.18, 0.05, 0.34, 1.26, 0.29, 2.61, 0.6, 0.1, 0.1, 0.3)


def fsrs_settings(fuzz: st.SearchStrategy[bool]) -> st.SearchStrategy[fsrs_rule.FSRSSettings]:
    """Retentions, (re)learning steps (none included) and parameters a learner may set."""
    return st.builds(
        fsrs_rule.FSRSSettings,
        desired_retention=st.sampled_from([0.75, 0.8, 0.9, 0.95, 0.97]),
        learning_steps_minutes=st.sampled_from([(1, 10), (10,), (), (1, 10, 60)]),
        relearning_steps_minutes=st.sampled_from([(10,), (), (5, 30)]),
        parameters=st.sampled_from([None, FITTED]),
        fuzz=fuzz,
    )
