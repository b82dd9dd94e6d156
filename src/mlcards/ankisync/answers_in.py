"""Answers given in Anki, into mlcards' review log.

Each Anki revlog entry of one of our notes becomes a log row with its real time, its grade
(Anki's buttons Again/Hard/Good/Easy as grades 1/3/4/5, as mlcards' own buttons give them), its
duration and a session id naming the sync; then the prompt's schedule is replayed from the log.
A revlog id is taken in at most once, so syncing twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from mlcards.ankisync.endpoint import rows_of
from mlcards.scheduling.days import study_day
from mlcards.scheduling.prompt_state import Review
from mlcards.scheduling.rule import RuleSettings
from mlcards.store.database import Database
from mlcards.store.history import record_answer_given_elsewhere
from mlcards.store.synced import remember_answer_in

if TYPE_CHECKING:
    from anki.collection import Collection as AnkiCollection

GRADE_OF_ANKI_EASE = {1: 1, 2: 3, 3: 4, 4: 5}  # Again, Hard, Good, Easy
# Anki revlog types that are answers: learning, review, relearning. Filtered-deck previews (3),
# manual reschedules (4) and "set due date" (5) grade nothing.
ANSWER_TYPES = (0, 1, 2)


@dataclass(frozen=True, slots=True)
class AnkiAnswer:
    revlog_id: int  # milliseconds since the epoch: the answer's time
    schedule_id: int
    grade: int
    duration_ms: int

    @property
    def reviewed_at(self) -> datetime:
        return datetime.fromtimestamp(self.revlog_id / 1000, UTC).astimezone()  # the learner's wall clock, as answers here


class AnkiRevlog(NamedTuple):
    revlog_id: int
    ease: int
    duration_ms: int
    kind: int
    guid: str  # of the answered card's note
    ordinal: int  # Anki's card ordinal
    model_id: int  # the note's type


def revlog_of_notes(collection: AnkiCollection, since_usn: int | None) -> list[AnkiRevlog]:
    """Revlog entries of the collection's cards, oldest first: those the server sent since
    `since_usn` (however old the answers: a phone may sync days after answering), or all when None."""
    since = "" if since_usn is None else " WHERE r.usn >= ?"
    # CROSS JOIN keeps the revlog outermost and no ORDER BY keeps its usn index in use: the collection
    # has no statistics, and SQLite otherwise walked every card to find the few new entries (5 ms at
    # 10,000 cards), or every revlog row in id order.
    rows = rows_of(
        collection,
        "SELECT r.id, r.ease, r.time, r.type, n.guid, c.ord, n.mid FROM revlog r "
        f"CROSS JOIN cards c ON c.id = r.cid CROSS JOIN notes n ON n.id = c.nid{since}",
        *(() if since_usn is None else (since_usn,)),
    )
    return sorted((AnkiRevlog(*row) for row in rows), key=lambda entry: entry.revlog_id)


def new_answers(revlog: list[AnkiRevlog], prompts: dict[tuple[str, int], int], known: set[int]) -> list[AnkiAnswer]:
    """The answers among `revlog` to our notes not yet in the review log, oldest first.
    `prompts` maps (note GUID, Anki card ordinal) to mlcards' prompt."""
    found = []
    for revlog_id, ease, duration_ms, kind, guid, ordinal, _model in revlog:
        if revlog_id in known or kind not in ANSWER_TYPES or ease not in GRADE_OF_ANKI_EASE:
            continue
        schedule_id = prompts.get((guid, ordinal))
        if schedule_id is not None:
            found.append(AnkiAnswer(revlog_id, schedule_id, GRADE_OF_ANKI_EASE[ease], max(0, duration_ms)))
    return found


def take_in(database: Database, answers: list[AnkiAnswer], day_start_hour: int, rule: RuleSettings, session_id: str) -> int:
    """Append the answers to the review log under the active rule and replay their prompts, in one transaction."""
    if not answers:
        return 0
    with database.transaction() as connection:
        for answer in answers:
            moment = answer.reviewed_at
            # at its own moment: an answer on the phone older than one given here since the last
            # sync is replayed before it, so both count in the order they were given
            log_id = record_answer_given_elsewhere(
                connection,
                answer.schedule_id,
                Review(answer.grade, moment, study_day(moment, day_start_hour)),
                answer.duration_ms,
                session_id,
                rule,
            )
            remember_answer_in(connection, answer.revlog_id, log_id)
    return len(answers)
