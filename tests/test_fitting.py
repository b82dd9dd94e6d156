"""FSRS training items from a review log, fitting, and the figures that compare parameters."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating, Scheduler

from mlcards.scheduling import fitting
from mlcards.scheduling.fitting import LoggedAnswer

from .synthetic_learner import FORGETFUL

DAY_ZERO = datetime(2025, 1, 6, tzinfo=UTC)


def one_prompt(*answers: tuple[int, int], prompt: int = 1, first_order: int = 1) -> list[LoggedAnswer]:
    """(study day, rating) pairs of one prompt, in the order given; their moments count up from `first_order`."""
    return [LoggedAnswer(prompt, 739_000 + day, rating, first_order + index) for index, (day, rating) in enumerate(answers)]


def test_each_answer_given_on_a_later_day_is_one_item_same_day_repeats_and_the_first_day_are_not():
    log = fitting.training_log(one_prompt((0, 1), (0, 3), (1, 3), (1, 2), (1, 3), (5, 1), (9, 3)))
    assert (log.answers, log.prompts, len(log.items)) == (7, 1, 3)
    assert [item.long_term_review_cnt() for item in log.items] == [1, 2, 3]
    assert [len(item.reviews) for item in log.items] == [3, 6, 7]  # each with its whole history, same-day repeats included


def test_an_answer_dated_on_an_earlier_study_day_than_the_one_before_counts_as_that_same_day():
    log = fitting.training_log(one_prompt((0, 3), (5, 3), (4, 1), (9, 3)))  # the third: a phone's clock a day behind
    assert [len(item.reviews) for item in log.items] == [2, 4]  # predicted: day 5, then day 9 (4 days after day 5)
    assert fitting.evaluate(fitting.DEFAULT, log).log_loss > 0


def test_items_are_ordered_by_when_their_answer_was_given_across_prompts():
    early = one_prompt((0, 3), (1, 3), (1, 3), (30, 3), prompt=1, first_order=1)  # answers 1, 2, 3 and 9 of the log
    early[3] = early[3]._replace(moment=9)
    late = one_prompt((0, 3), (2, 3), (4, 3), prompt=2, first_order=4)  # answers 4, 5 and 6
    log = fitting.training_log(early + late)
    assert [len(item.reviews) for item in log.items] == [2, 2, 3, 4]  # answers 2, 5, 6, 9; prompt by prompt would be 2, 4, 2, 3


def test_a_log_too_small_for_a_full_fit_says_how_many_more_reviews_it_needs_and_is_not_fitted():
    answers = [answer for prompt in range(30) for answer in one_prompt((0, 3), (1, 3), prompt=prompt, first_order=2 * prompt)]
    log = fitting.training_log(answers)
    assert log.learnable == 30 and log.reviews_needed == fitting.MINIMUM_ITEMS - 30
    with pytest.raises(fitting.NotEnoughReviews) as refused:
        fitting.fit(log)
    assert refused.value.needed == fitting.MINIMUM_ITEMS - 30


def test_enough_first_reviews_alone_still_need_a_second_review_on_a_later_day():
    answers = [answer for prompt in range(80) for answer in one_prompt((0, 3), (1, 3), prompt=prompt, first_order=2 * prompt)]
    log = fitting.training_log(answers)
    assert log.learnable >= fitting.MINIMUM_ITEMS and log.beyond_first == 0 and log.reviews_needed == 1


def fsrs_predicted_recall(parameters: tuple[float, ...], answers: list[tuple[int, int]]) -> float:
    """py-fsrs's recall probability for the last answer, after the ones before it (days at midnight UTC)."""
    scheduler = Scheduler(parameters, learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    card: Card | None = None
    for day, rating in answers[:-1]:
        card, _ = scheduler.review_card(card or Card(), Rating(rating), DAY_ZERO + timedelta(days=day))
    assert card is not None
    return scheduler.get_card_retrievability(card, DAY_ZERO + timedelta(days=answers[-1][0]))


HISTORIES = [
    [(0, 3), (2, 3)],
    [(0, 1), (0, 3), (1, 3), (4, 1)],  # a failed first answer, its same-day repeat, a lapse
    [(0, 4), (5, 2), (20, 3)],
    [(0, 2), (3, 1), (3, 3), (10, 3)],  # a lapse repeated the same day
    [(0, 3), (1, 3), (7, 1), (7, 2), (7, 3), (9, 4)],
]


@pytest.mark.parametrize("parameters", [fitting.DEFAULT, FORGETFUL], ids=["defaults", "forgetful"])
@pytest.mark.parametrize("history", HISTORIES, ids=[f"history{n}" for n in range(len(HISTORIES))])
def test_the_log_loss_of_one_review_is_minus_the_log_of_py_fsrs_predicted_recall(parameters, history):
    log = fitting.training_log(one_prompt(*history))
    last_only = replace(log, items=log.items[-1:])
    recall = fsrs_predicted_recall(parameters, history)
    recalled = history[-1][1] > 1
    expected = -math.log(recall if recalled else 1 - recall)
    assert fitting.evaluate(parameters, last_only).log_loss == pytest.approx(expected, rel=1e-4)
