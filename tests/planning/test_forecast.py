"""The workload forecast equals a plain simulation through the real rule (py-fsrs inside), with
FSRS's fuzz off: every review on the same day, for random collections under both rules."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from mlcards.planning import forecast
from mlcards.planning.forecast import ReviewedPrompt, Stepper
from mlcards.scheduling import fsrs_rule
from mlcards.scheduling.rule import RuleSettings

from . import reference

NOW = datetime(2026, 3, 9, 10, 30, tzinfo=timezone(timedelta(hours=1)))
RULES = {
    "sm2": RuleSettings("sm2", fsrs=fsrs_rule.FSRSSettings(fuzz=False)),
    "fsrs": RuleSettings("fsrs", fsrs=fsrs_rule.FSRSSettings(fuzz=False)),
    "fsrs-no-steps": RuleSettings(
        "fsrs",
        fsrs=fsrs_rule.FSRSSettings(fuzz=False, learning_steps_minutes=(), relearning_steps_minutes=(), desired_retention=0.8),
    ),
    "fsrs-more-steps": RuleSettings(
        "fsrs", fsrs=fsrs_rule.FSRSSettings(fuzz=False, learning_steps_minutes=(1, 10, 60), relearning_steps_minutes=(5, 30))
    ),
}


def random_prompts(seed: int, count: int) -> list[ReviewedPrompt]:
    chance = random.Random(seed)
    prompts = []
    for prompt in range(1, count + 1):
        interval = chance.choice((1, 2, 4, 6, 9, 15, 25, 40, 70, 120))
        due_in = chance.randint(-5, interval)
        prompts.append(
            (
                prompt,
                due_in,
                chance.randint(0, 8),
                interval,
                chance.randrange(130, 300, 2),
                chance.uniform(0.2, 1.5) * max(1, interval),
                chance.uniform(1, 10),
                interval - due_in + chance.random() * 0.9,  # answered interval days before it is due
            )
        )
    return prompts


@pytest.mark.parametrize("name", sorted(RULES))
@pytest.mark.parametrize("seed", [1, 2])
def test_reviews_of_seen_prompts_equal_a_simulation_through_the_real_rule(name, seed):
    settings = RULES[name]
    prompts = random_prompts(seed, 300)
    fast = forecast.reviews_of_seen(prompts, Stepper.of(settings), horizon=30)
    assert fast == reference.reviews_of_seen(prompts, NOW, settings, horizon=30)
    assert sum(fast) > 300  # prompts due in the window come back within it too


@pytest.mark.parametrize("known", [False, True], ids=["not-known-at-first-sight", "known-at-first-sight"])
@pytest.mark.parametrize("name", sorted(RULES))
def test_a_new_prompts_reviews_equal_simulated_first_sights_through_the_real_rule(name, known):
    settings = RULES[name]
    fast = forecast.new_prompt_profile(Stepper.of(settings), 1.0 if known else 0.0, horizon=30, samples=300)
    slow = reference.new_prompt_profile(NOW, settings, horizon=30, samples=300, known=known)
    assert fast[0] == 0.0  # the day of the first sight has no review of it
    assert list(fast) == pytest.approx(slow, abs=1e-12)
    assert sum(fast) > 1  # it comes back within the month


@pytest.mark.parametrize("name", sorted(RULES))
def test_the_learners_share_known_at_first_sight_mixes_the_two_profiles_and_means_fewer_early_reviews(name):
    stepper = Stepper.of(RULES[name])
    unknown, known = (forecast.new_prompt_profile(stepper, share, horizon=30, samples=300) for share in (0.0, 1.0))
    mixed = forecast.new_prompt_profile(stepper, 0.25, horizon=30, samples=300)
    assert list(mixed) == pytest.approx([0.75 * a + 0.25 * b for a, b in zip(unknown, known, strict=True)], abs=1e-12)
    assert sum(known[:7]) < sum(unknown[:7])


def test_seen_prompts_first_reviews_and_follow_ups_add_up_to_all_their_reviews():
    stepper = Stepper.of(RULES["sm2"])
    prompts = random_prompts(4, 200)
    first = [0] * 30
    for prompt in prompts:
        if prompt[1] < 30:
            first[max(0, prompt[1])] += 1
    later = forecast.reviews_of_seen(prompts, stepper, count_first=False)
    assert forecast.seen_reviews(first, later, 1.0) == forecast.reviews_of_seen(prompts, stepper)


def test_the_same_collection_gives_the_same_forecast_and_one_prompt_moves_only_its_own_reviews():
    stepper = Stepper.of(RULES["fsrs"])
    prompts = random_prompts(3, 200)
    whole = forecast.reviews_of_seen(prompts, stepper)
    assert whole == forecast.reviews_of_seen(list(reversed(prompts)), stepper)
    without_first = forecast.reviews_of_seen(prompts[1:], stepper)
    alone = forecast.reviews_of_seen(prompts[:1], stepper)
    assert [a + b for a, b in zip(without_first, alone, strict=True)] == whole


def test_new_prompts_each_day_add_their_first_sight_and_expected_reviews():
    profile = [0.0, 1.0, 0.5] + [0.0] * 27
    result = forecast.forecast([10.0] * 30, profile, unseen=7, new_on=lambda day, reviews, left: 3)
    assert result.new[:4] == [3, 3, 1, 0]  # only the 7 unseen prompts
    assert result.new_reviews[1:5] == [3.0, 4.5, 2.5, 0.5]
    assert (result.reviews(3), result.total(3)) == (12, 12)  # 10 + 2.5, rounded to even when shown


def test_a_systematic_sample_of_the_seen_prompts_estimates_their_later_reviews():
    """Many prompts falling due are simulated through a sample (every k-th by id) standing for all."""
    stepper = Stepper.of(RULES["fsrs"])
    prompts = random_prompts(5, 6000)
    first = [0] * 30
    for prompt in prompts:
        if prompt[1] < 30:
            first[max(0, prompt[1])] += 1
    every = [prompt for prompt in prompts if prompt[0] % 4 == 0]
    later = forecast.reviews_of_seen(every, stepper, count_first=False)
    estimate = forecast.seen_reviews(first, later, sum(first) / sum(1 for p in every if p[1] < 30))
    exact = forecast.reviews_of_seen(prompts, stepper)
    # A quarter of 6,000 prompts of intervals from 1 to 120 days: a few percent off in all, more on
    # a single day where later reviews are most of the day's (bench_plan.py measures it at 100,000).
    assert sum(estimate) == pytest.approx(sum(exact), rel=0.06)
    assert sum(abs(e - x) for e, x in zip(estimate, exact, strict=True)) <= 0.10 * sum(exact)
    assert estimate[0] == exact[0]  # today's reviews are all first reviews: counted, not sampled
