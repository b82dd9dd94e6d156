"""What the scheduling rules read and write: one answer as given, a prompt's state, and the log
row an answer leaves. Shared by every rule (SM-2, FSRS) so storage and the UI know one shape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

INITIAL_EASINESS_HUNDREDTHS = 250

# The four buttons as Anki and FSRS number them, from the SM-2 grade stored for each answer
# (Again gives grade 1, Hard 3, Good 4, Easy 5; grades 0 and 2 come only from older logs).
_RATING_OF_GRADE = {0: 1, 1: 1, 2: 1, 3: 2, 4: 3, 5: 4}


def rating_of(grade: int) -> int:
    """The button (1 Again, 2 Hard, 3 Good, 4 Easy) an SM-2 grade stands for."""
    return _RATING_OF_GRADE[grade]


@dataclass(frozen=True, slots=True)
class FSRSMemory:
    """FSRS's model of one prompt in memory, kept whichever rule schedules it: readiness for an
    interview date is predicted from it, and switching rule needs no second history."""

    phase: int  # 1 learning, 2 review, 3 relearning (FSRS's card states)
    step: int | None  # the learning or relearning step reached; None in review
    stability: float  # days until recall probability falls to 90%
    difficulty: float  # 1 (easy) to 10 (hard)
    due_at: datetime  # when FSRS would show it next (aware, UTC)
    last_review: datetime  # aware, UTC


@dataclass(frozen=True, slots=True)
class PromptState:
    """Everything the schedule of one prompt holds, derived from its answers alone.

    `due`, `interval` and `redrill_on` are the active rule's schedule in study days; the SM-2
    fields are SM-2's memory when SM-2 schedules; `fsrs` is FSRS's memory under either rule.
    """

    repetitions: int = 0
    interval: int = 0
    easiness_hundredths: int = INITIAL_EASINESS_HUNDREDTHS
    due: date | None = None  # None: never answered (new)
    lapses: int = 0
    last_reviewed: datetime | None = None
    redrill_on: date | None = None  # the study day on which a same-day repeat is still owed
    fsrs: FSRSMemory | None = None  # None: never answered


NEW_PROMPT = PromptState()


@dataclass(frozen=True, slots=True)
class Review:
    """One answer as given: the grade, when, and the study day it counted for."""

    grade: int
    reviewed_at: datetime  # aware
    study_day: date


@dataclass(frozen=True, slots=True)
class LogRow:
    """What the log keeps of an answer: its kind and the state on either side of it."""

    kind: str  # "new", "review", or "redrill" (a same-day repeat)
    before: PromptState
    after: PromptState
