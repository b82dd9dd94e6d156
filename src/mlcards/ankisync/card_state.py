"""A prompt's schedule in mlcards as its Anki card's scheduling columns, pure.

Anki's `cards` columns (its database schema): `type` 0 new, 1 learning, 2 review, 3 relearning;
`queue` -1 suspended, 0 new, 1 learning due within the day (`due` is then a Unix time in
seconds), 2 review, 3 learning due on a later day (`due` a day number); `ivl` the interval in
days (the one a relearning card returns to); `factor` the ease in per mille; `left` the learning
steps still to go.

A prompt owing a same-day repeat is a learning card on the phone too, due when mlcards would show
it again: under SM-2 at once (from the moment of the failed answer), under FSRS at the moment of
its step. Under FSRS a prompt stays a (re)learning card, step by step, until FSRS graduates it.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from mlcards.export.progress import QUEUE_SUSPENDED, PackageCalendar, card_columns
from mlcards.scheduling.rule import RuleSettings
from mlcards.store.selection import ScheduleRow

CARD_LEARNING, CARD_RELEARNING = 1, 3
QUEUE_LEARNING, QUEUE_DAY_LEARNING = 1, 3
FSRS_LEARNING, FSRS_RELEARNING = 1, 3  # FSRS's card states, as mlcards stores them


class AnkiCardState(NamedTuple):
    type: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int


def anki_card_state(schedule: ScheduleRow, today: date, calendar: PackageCalendar, rule: RuleSettings) -> AnkiCardState:
    """The Anki state of a prompt that has been answered (`schedule.due` is set); `today` is the
    study day of the sync."""
    review = AnkiCardState(*card_columns(schedule, calendar), left=0)
    if rule.scheduler == "fsrs" and schedule.fsrs_phase in (FSRS_LEARNING, FSRS_RELEARNING):
        return _fsrs_learning(schedule, today, calendar, rule, review)
    if schedule.redrill_on == today and schedule.reviews:
        # SM-2 has no steps: one repeat is owed, at once. It relearns once the prompt has had a
        # real review (as the revlog types of the export say), else it is still being learnt.
        relearning = any(answer.kind == "review" for answer in schedule.reviews)
        failed_at = int(schedule.reviews[-1].reviewed_at.timestamp())
        return _learning(review, relearning, QUEUE_LEARNING, failed_at, steps_left=1)
    return review


def _fsrs_learning(
    schedule: ScheduleRow, today: date, calendar: PackageCalendar, rule: RuleSettings, review: AnkiCardState
) -> AnkiCardState:
    relearning = schedule.fsrs_phase == FSRS_RELEARNING
    steps = rule.fsrs.relearning_steps_minutes if relearning else rule.fsrs.learning_steps_minutes
    steps_left = max(1, len(steps) - (schedule.fsrs_step or 0))
    if schedule.redrill_on == today and schedule.fsrs_due is not None:
        return _learning(review, relearning, QUEUE_LEARNING, int(schedule.fsrs_due.timestamp()), steps_left)
    # a step that ends on a later study day (or one left unfinished on an earlier one): due that day
    return _learning(review, relearning, QUEUE_DAY_LEARNING, review.due, steps_left)


def _learning(review: AnkiCardState, relearning: bool, queue: int, due: int, steps_left: int) -> AnkiCardState:
    return review._replace(
        type=CARD_RELEARNING if relearning else CARD_LEARNING,
        queue=QUEUE_SUSPENDED if review.queue == QUEUE_SUSPENDED else queue,
        due=due,
        ivl=review.ivl if relearning else 0,  # the interval a relearning card returns to; none yet while learning
        left=steps_left,
    )
