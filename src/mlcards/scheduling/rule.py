"""The active answer rule: SM-2 or FSRS schedules, and FSRS's memory model is kept under both.

Pure: (state, answer, settings) -> (state, log row). Which rule schedules is a setting, and the
schedule is always a replay of the log under it, so switching rule and back recomputes exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from mlcards.scheduling import fsrs_rule, sm2
from mlcards.scheduling.prompt_state import NEW_PROMPT, LogRow, PromptState, Review, rating_of

SchedulerName = Literal["sm2", "fsrs"]
SCHEDULERS: tuple[SchedulerName, ...] = ("sm2", "fsrs")


# Raised whenever mlcards computes a replay differently (version 2: answers replayed in the order
# given, FSRS fuzz drawn from each answer's own moment and button): the schedules a database holds
# were computed the old way, so the next start replays the log once.
REPLAY_VERSION = 2


@dataclass(frozen=True, slots=True)
class RuleSettings:
    scheduler: SchedulerName = "sm2"
    sm2: sm2.SM2Settings = sm2.DEFAULT_SETTINGS
    fsrs: fsrs_rule.FSRSSettings = fsrs_rule.DEFAULT_SETTINGS

    def scheduler_settings_json(self) -> str:
        """What a log row records about the rule that scheduled it."""
        return self.sm2.as_json() if self.scheduler == "sm2" else self.fsrs.as_json()

    def fingerprint(self) -> str:
        """Everything a replay depends on: two settings with one fingerprint give the same schedules."""
        return json.dumps(
            {
                "replay": REPLAY_VERSION,
                "scheduler": self.scheduler,
                "sm2": json.loads(self.sm2.as_json()),
                "fsrs": self.fsrs.as_dict(),
            }
        )


DEFAULT_RULE = RuleSettings()


def review(state: PromptState, answer: Review, settings: RuleSettings = DEFAULT_RULE) -> tuple[PromptState, LogRow]:
    """One answer under the active rule; FSRS's memory moves whichever rule schedules."""
    if settings.scheduler == "fsrs":
        return fsrs_rule.review(state, answer, settings.fsrs)
    after, row = sm2.review(state, answer, settings.sm2)
    memory = fsrs_rule.next_memory(state.fsrs, rating_of(answer.grade), answer.reviewed_at, settings.fsrs)
    after = replace(after, fsrs=memory)
    return after, replace(row, after=after)


def replay(answers: Iterable[Review], settings: RuleSettings = DEFAULT_RULE) -> PromptState:
    """A prompt's state from its answers in the order they were given."""
    state = NEW_PROMPT
    for answer in answers:
        state, _ = review(state, answer, settings)
    return state


def again_today(state: PromptState, answer: Review) -> bool:
    """Whether the answer left the prompt owing another answer today."""
    return state.redrill_on == answer.study_day
