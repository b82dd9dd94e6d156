"""A prompt (one thing a learner answers: a basic card, or one cloze deletion) as the review
and the browser see it, and the one definition of the states a prompt can be in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mlcards.scheduling import sm2


class PromptStatus(StrEnum):
    """Where a prompt stands on a study day; the first rule that holds decides."""

    SUSPENDED = "suspended"  # set aside by the learner until unsuspended
    BURIED = "buried"  # set aside until a later study day
    LEARNING = "learning"  # owes a same-day repeat today
    NEW = "new"  # never answered
    DUE = "due"  # due today or overdue
    REVIEW = "review"  # answered, due on a later day


def status_of(due: date | None, suspended: bool, buried_until: date | None, redrill_on: date | None, today: date) -> PromptStatus:
    """The status of a prompt on `today`. store/states.py says the same in SQL (a test holds them equal)."""
    if suspended:
        return PromptStatus.SUSPENDED
    if buried_until is not None and buried_until > today:
        return PromptStatus.BURIED
    if redrill_on == today:
        return PromptStatus.LEARNING
    if due is None:
        return PromptStatus.NEW
    return PromptStatus.DUE if due <= today else PromptStatus.REVIEW


@dataclass(frozen=True, slots=True)
class QueuedPrompt:
    """Everything a screen needs to show one prompt of today's review."""

    schedule_id: int
    ordinal: int
    deck_id: str
    deck_name: str
    card_id: str
    kind: str
    front: str
    back: str
    text: str
    extra: str
    source: str
    tags: tuple[str, ...]
    file_path: str
    line: int
    state: sm2.SM2State
    is_new: bool
    redrill: bool  # a same-day repeat: answering it does not move the schedule
    last_log_id: int = 0  # the last answer this window knows of: it answers only from that state
