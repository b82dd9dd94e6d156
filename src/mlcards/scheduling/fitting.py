"""FSRS-6 parameters fitted to a review log, and how well parameters predict that log.

Pure: answers in, parameters and figures out; no database, no files, no clock. Fitting and
evaluating are fsrs-rs's, the Rust optimizer Anki uses, through fsrs-rs-python (no torch).

How a log becomes FSRS training items (as Anki builds them for the same optimizer):

- A prompt's answers are taken in the order they were given. Each answer's `delta_t` is the
  number of study days since the prompt's previous answer: 0 for its first answer and for a
  same-day repeat.
- Every answer given on a later study day than the one before it is one item to predict: the
  recall (anything but Again) or the lapse, from the history up to it. Same-day repeats stay in
  that history with `delta_t` 0, which is how FSRS-6 learns its short-term stability (w17-w19);
  they, and a prompt's first day, are never predicted themselves: FSRS predicts recall after
  days, not minutes.
- Items are ordered by when their answer was given: the fit and both metrics weigh recent
  answers more, by position.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS, FSRSItem, FSRSReview, filter_outlier

DEFAULT: tuple[float, ...] = tuple(round(value, 4) for value in DEFAULT_PARAMETERS)  # FSRS-6's published defaults
DECIMALS = 4  # fitted parameters are kept as FSRS publishes its defaults: four decimals

# fsrs-rs's compute_parameters fits all 21 parameters only from 64 items left after its outlier
# filter, and only if some prompt has a second review on a later day; with 8 to 63 it fits w0-w3
# alone, below 8 it returns the defaults unchanged. Neither is a fit worth calling one.
MINIMUM_ITEMS = 64


class LoggedAnswer(NamedTuple):
    prompt: int  # which prompt; one prompt's answers come together, oldest first
    day: int  # its study day as a day number (date.toordinal())
    rating: int  # 1 Again, 2 Hard, 3 Good, 4 Easy
    moment: float  # when it was given, as any increasing number (a Julian day): later answers weigh more


@dataclass(frozen=True, slots=True)
class TrainingLog:
    items: list[FSRSItem]  # one per answer to predict, in the order those answers were given
    answers: int  # answers read
    prompts: int  # prompts they belong to
    learnable: int  # items the optimizer keeps after its outlier filter
    beyond_first: int  # of those, items after a prompt's first review on a later day

    @property
    def reviews_needed(self) -> int:
        """How many more predictable reviews a full fit needs (0: enough)."""
        return max(MINIMUM_ITEMS - self.learnable, 0 if self.beyond_first else 1)


@dataclass(frozen=True, slots=True)
class Evaluation:
    log_loss: float  # mean cross-entropy of predicted recall vs what happened, recent answers weighing more
    rmse_bins: float  # the FSRS benchmark's RMSE: predicted vs actual recall rate per bin of interval, length and lapses


class NotEnoughReviews(ValueError):
    def __init__(self, needed: int) -> None:
        super().__init__(f"{needed} more review(s) needed")
        self.needed = needed


def training_log(answers: Iterable[tuple[int, int, int, float]]) -> TrainingLog:
    """FSRS items from answers given as (prompt, day, rating, moment), each prompt's together and oldest first."""
    ordered: list[tuple[float, FSRSItem, bool]] = []  # (moment, item, is a prompt's first review on a later day)
    count = prompts = 0
    current_prompt: int | None = None
    history: list[FSRSReview] = []
    previous_day = 0
    later_days = 0
    for prompt, day, rating, moment in answers:
        count += 1
        if prompt != current_prompt:
            current_prompt, history, previous_day, later_days = prompt, [], day, 0
            prompts += 1
        # A study day before the previous answer's (a phone in another time zone, say) counts as that
        # same day: FSRS's days never run backwards.
        delta_t = max(0, day - previous_day)
        previous_day += delta_t
        history.append(FSRSReview(rating, delta_t))
        if delta_t > 0:
            later_days += 1
            ordered.append((moment, FSRSItem(history), later_days == 1))
    ordered.sort(key=lambda entry: entry[0])
    items = [item for _, item, _ in ordered]
    first_reviews = [item for _, item, first in ordered if first]
    later_reviews = [item for _, item, first in ordered if not first]
    kept_first, kept_later = filter_outlier(first_reviews, later_reviews)  # what compute_parameters will learn from
    return TrainingLog(items, count, prompts, len(kept_first) + len(kept_later), len(kept_later))


def fit(log: TrainingLog) -> tuple[float, ...]:
    """FSRS-6 parameters fitted to the log, rounded as kept; NotEnoughReviews rather than a partial fit."""
    if log.reviews_needed:
        raise NotEnoughReviews(log.reviews_needed)
    fitted = FSRS(DEFAULT).compute_parameters(log.items)
    return tuple(round(value, DECIMALS) for value in fitted)


def evaluate(parameters: Iterable[float], log: TrainingLog) -> Evaluation:
    """How well `parameters` predict every predictable answer of the log (lower is better for both)."""
    if not log.items:
        raise NotEnoughReviews(MINIMUM_ITEMS)
    measured = FSRS(list(parameters)).evaluate(log.items)
    return Evaluation(log_loss=measured.log_loss, rmse_bins=measured.rmse_bins)


@dataclass(frozen=True, slots=True)
class FitReport:
    parameters: tuple[float, ...]  # the fitted parameters, as they would be kept
    fitted: Evaluation
    default: Evaluation
    in_use: Evaluation | None  # the parameters already kept, when there are some

    @property
    def improves(self) -> bool:
        """Whether the fitted parameters predict this log at least as well as those in use now."""
        return self.fitted.log_loss <= (self.in_use or self.default).log_loss


def fit_and_compare(log: TrainingLog, in_use: tuple[float, ...] | None) -> FitReport:
    """Fit the log, then measure the fitted, the default and the kept parameters on that same log."""
    parameters = fit(log)
    fitted, default = evaluate(parameters, log), evaluate(DEFAULT, log)
    known = {parameters: fitted, DEFAULT: default}  # kept parameters are often one of these: each is measured once
    return FitReport(
        parameters=parameters,
        fitted=fitted,
        default=default,
        in_use=None if in_use is None else known.get(in_use) or evaluate(in_use, log),
    )
