"""Sixty days of study to an interview date on a real database, by a simulated learner whose
answers are drawn from FSRS's own recall probability: the planner shows every prompt by its
first-seen deadline, and the learner's recall on the day lies within 5 points of the readiness
mlcards predicted for it."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mlcards.config import Settings
from mlcards.review import Answer, ReviewSession
from mlcards.scheduling import fsrs_rule
from mlcards.scheduling.prompt_state import FSRSMemory
from mlcards.store.database import open_database
from mlcards.store.sync import sync
from mlcards.study_plan import readiness, readiness_moment

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=1)))
DAYS = 60
FIRST_SEEN_DAYS_BEFORE = 7
SECONDS_PER_ANSWER = 15
LEARNER = fsrs_rule.FSRSSettings(fuzz=False)  # the learner's memory: FSRS's model, whatever rule schedules


def write_decks(folder: Path) -> int:
    """Three deck files: 100 basic cards, 80 basic cards, and 60 cloze cards of two deletions each."""
    folder.mkdir(parents=True)
    for deck, (name, count) in enumerate((("Core::Probability", 100), ("ML::Vision", 80))):
        cards = "".join(f"  - id: c{n}\n    front: Question {deck}.{n}?\n    back: Answer {n}.\n" for n in range(count))
        (folder / f"deck{deck}.yaml").write_text(f"id: d{deck}\nname: {name}\nsource: s\ncards:\n{cards}", encoding="utf-8")
    cloze = "".join(
        f"  - id: z{n}\n    type: cloze\n    text: Fact {n} is {{{{c1::this}}}} and {{{{c2::that}}}}.\n" for n in range(60)
    )
    (folder / "cloze.yaml").write_text(f"id: d2\nname: ML::Language\nsource: s\ncards:\n{cloze}", encoding="utf-8")
    return 100 + 80 + 2 * 60


@pytest.mark.parametrize("scheduler", ["sm2", "fsrs"])
def test_sixty_days_to_an_interview_meet_the_deadline_and_readiness_predicts_recall(tmp_path: Path, scheduler: str):
    prompts = write_decks(tmp_path / "decks")
    interview = START.date() + timedelta(days=DAYS)
    settings = Settings(scheduler=scheduler, interview_date=interview, first_seen_days_before=FIRST_SEEN_DAYS_BEFORE)
    database = open_database(tmp_path / "mlcards.sqlite3")
    try:
        assert sync(database, [tmp_path / "decks"]).ok
        chance = random.Random(2026)
        memory: dict[int, FSRSMemory] = {}  # the learner's own memory of each prompt, kept apart from mlcards'
        first_seen: dict[int, date] = {}
        for day in range(DAYS):
            now = START + timedelta(days=day)
            session = ReviewSession(database, settings, now, seed=day)
            assert session.planned_for == interview
            answered = 0
            while (prompt := session.current) is not None:
                at = now + timedelta(seconds=SECONDS_PER_ANSWER * answered)
                recall = fsrs_rule.retrievability(memory.get(prompt.schedule_id), at, LEARNER)
                answer = Answer.GOOD if chance.random() < recall else Answer.AGAIN
                session.answer(answer, at)
                memory[prompt.schedule_id] = fsrs_rule.next_memory(
                    memory.get(prompt.schedule_id), 3 if answer == Answer.GOOD else 1, at, LEARNER
                )
                first_seen.setdefault(prompt.schedule_id, now.date())
                answered += 1

        deadline = interview - timedelta(days=FIRST_SEEN_DAYS_BEFORE)
        assert len(first_seen) == prompts
        assert max(first_seen.values()) <= deadline
        assert max(first_seen.values()) >= deadline - timedelta(days=2)  # spread over the time there was, not crammed early

        on_the_day = START + timedelta(days=DAYS)
        predicted = readiness(database, settings, on_the_day, interview)
        assert predicted is not None and predicted.days_left == 0
        moment = readiness_moment(interview, on_the_day)
        learner_recall = [fsrs_rule.retrievability(memory[prompt], moment, LEARNER) for prompt in memory]
        assert predicted.overall == pytest.approx(sum(learner_recall) / prompts, abs=1e-9)  # mlcards' memory is the learner's
        recalled = sum(chance.random() < recall for recall in learner_recall) / prompts
        assert abs(recalled - predicted.overall) <= 0.05, (recalled, predicted.overall)
    finally:
        database.close()
