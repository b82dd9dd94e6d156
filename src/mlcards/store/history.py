"""The review log, the truth of every schedule: answers appended, undos moved aside, states
replayed from it.

A schedule row is a cache of its prompt's replay. An answer is written with the state the rule
computed from that cache, in one transaction with the log row; undo and `rebuild` recompute the
cache by replaying the log through the pure rule, so the two can never drift apart unnoticed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone

from mlcards.scheduling import fsrs_rule, rule, sm2
from mlcards.scheduling.fsrs_replay import memories as replay_fsrs_memories
from mlcards.scheduling.fsrs_replay import memory_after_each
from mlcards.scheduling.prompt_state import NEW_PROMPT, FSRSMemory, LogRow, PromptState, Review, rating_of
from mlcards.store.rows import named_one
from mlcards.store.values import day_text, parse_day, parse_timestamp, timestamp


class AnsweredElsewhere(Exception):
    """The prompt was answered (or an answer undone) in another window since this one read it."""


@dataclass(frozen=True, slots=True)
class RecordedAnswer:
    log_id: int
    row: LogRow


@dataclass(frozen=True, slots=True)
class RebuildReport:
    prompts: int  # prompts with at least one answer
    answers: int  # log rows replayed
    changed: int  # schedule rows whose cached state differed from the replay and were rewritten


_STATE_COLUMNS = (
    "repetitions, interval, easiness, due, lapses, last_reviewed, redrill_on, last_log_id, "
    "fsrs_phase, fsrs_step, fsrs_stability, fsrs_difficulty, fsrs_due"
)
_INSERT_LOG = (
    "INSERT INTO review_log (id, schedule_id, reviewed_at, study_day, grade, kind, duration_ms, "
    "repetitions_before, repetitions_after, interval_before, interval_after, easiness_before, easiness_after, "
    "due_before, due_after, lapses_before, last_reviewed_before, redrill_before, "
    "utc_offset_minutes, scheduler, scheduler_settings, session_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# Ids are never reused, even after the newest answer is undone: a window that saw answer N must
# not mistake a later, different answer for it. (Two index lookups, not AUTOINCREMENT, which
# would mean rebuilding the table in a migration.)
_NEXT_LOG_ID = (
    "SELECT max(coalesce((SELECT max(id) FROM review_log), 0), coalesce((SELECT max(log_id) FROM review_undone), 0)) + 1"
)
_UPDATE_STATE = (
    "UPDATE schedule SET repetitions = ?, interval = ?, easiness = ?, due = ?, lapses = ?, last_reviewed = ?, "
    "redrill_on = ?, last_log_id = ?, fsrs_phase = ?, fsrs_step = ?, fsrs_stability = ?, fsrs_difficulty = ?, "
    "fsrs_due = ? WHERE id = ?"
)
_ACTIVE_RULE_KEY = "active_rule"  # meta: the fingerprint of the rule the schedule rows were replayed under


def cached_state(connection: sqlite3.Connection, schedule_id: int) -> tuple[PromptState, int]:
    """The schedule row's state and the id of the last answer it holds."""
    row = named_one(connection, f"SELECT {_STATE_COLUMNS} FROM schedule WHERE id = ?", (schedule_id,))
    if row is None:
        raise LookupError(f"prompt {schedule_id} is not in the database")
    last_reviewed = parse_timestamp(row["last_reviewed"])
    memory = None
    if row["fsrs_phase"] is not None and last_reviewed is not None:
        memory = FSRSMemory(
            phase=row["fsrs_phase"],
            step=row["fsrs_step"],
            stability=row["fsrs_stability"],
            difficulty=row["fsrs_difficulty"],
            due_at=parse_timestamp(row["fsrs_due"]) or last_reviewed,
            last_review=last_reviewed,
        )
    state = PromptState(
        repetitions=row["repetitions"],
        interval=row["interval"],
        easiness_hundredths=row["easiness"],
        due=parse_day(row["due"]),
        lapses=row["lapses"],
        last_reviewed=last_reviewed,
        redrill_on=parse_day(row["redrill_on"]),
        fsrs=memory,
    )
    return state, int(row["last_log_id"])


def record_answer(
    connection: sqlite3.Connection,
    schedule_id: int,
    seen_log_id: int,
    answer: Review,
    duration_ms: int,
    session_id: str,
    settings: rule.RuleSettings = rule.DEFAULT_RULE,
) -> RecordedAnswer:
    """Append one answer given now and move the prompt's state, inside the caller's write transaction.

    `seen_log_id` is the last answer the window knew of: if the prompt has moved on since (another
    window answered it), nothing is written and AnsweredElsewhere is raised. A wall clock set back
    before the prompt's last answer dates this answer at that answer's moment, so the log's time
    order (the replay order) stays the order the answers were given in.
    """
    state, last_log_id = cached_state(connection, schedule_id)
    if last_log_id != seen_log_id:
        raise AnsweredElsewhere(f"prompt {schedule_id} was answered in another window")
    if state.last_reviewed is not None and answer.reviewed_at < state.last_reviewed:
        answer = replace(answer, reviewed_at=state.last_reviewed.astimezone(answer.reviewed_at.tzinfo))
    after, row = rule.review(state, answer, settings)
    log_id = _insert_log_row(connection, schedule_id, answer, row, duration_ms, session_id, settings)
    _write_state(connection, schedule_id, after, log_id)
    return RecordedAnswer(log_id, row)


def record_answer_given_elsewhere(
    connection: sqlite3.Connection,
    schedule_id: int,
    answer: Review,
    duration_ms: int,
    session_id: str,
    settings: rule.RuleSettings = rule.DEFAULT_RULE,
) -> int:
    """Add an answer given elsewhere (on the phone, synced from Anki) at its own moment, which may
    lie before answers already logged: the row records the states around it in time order, and the
    prompt is replayed. Returns its log id."""
    state, _ = cached_state(connection, schedule_id)
    if state.last_reviewed is None or answer.reviewed_at >= state.last_reviewed:
        # The usual case (the phone answered after every answer logged here): it follows the cached state.
        after, row = rule.review(state, answer, settings)
        log_id = _insert_log_row(connection, schedule_id, answer, row, duration_ms, session_id, settings)
        _write_state(connection, schedule_id, after, log_id)
        return log_id
    earlier = connection.execute(
        f"{_ANSWERS_SQL} WHERE schedule_id = ? AND reviewed_at <= ? ORDER BY {_REPLAY_ORDER}",
        (schedule_id, timestamp(answer.reviewed_at)),
    ).fetchall()
    before = rule.replay((_answer_of(*row[1:]) for row in earlier), settings)
    _, row = rule.review(before, answer, settings)
    log_id = _insert_log_row(connection, schedule_id, answer, row, duration_ms, session_id, settings)
    replay_prompt(connection, schedule_id, settings)
    return log_id


def _insert_log_row(
    connection: sqlite3.Connection,
    schedule_id: int,
    answer: Review,
    row: LogRow,
    duration_ms: int,
    session_id: str,
    settings: rule.RuleSettings,
) -> int:
    state, after = row.before, row.after
    offset = answer.reviewed_at.utcoffset()
    (log_id,) = connection.execute(_NEXT_LOG_ID).fetchone()
    connection.execute(
        _INSERT_LOG,
        (
            log_id,
            schedule_id,
            timestamp(answer.reviewed_at),
            answer.study_day.isoformat(),
            answer.grade,
            row.kind,
            max(0, duration_ms),
            state.repetitions,
            after.repetitions,
            state.interval,
            after.interval,
            state.easiness_hundredths,
            after.easiness_hundredths,
            day_text(state.due),
            day_text(after.due),
            state.lapses,
            timestamp(state.last_reviewed) if state.last_reviewed else None,
            day_text(state.redrill_on),
            None if offset is None else int(offset.total_seconds() // 60),
            settings.scheduler,
            settings.scheduler_settings_json(),
            session_id,
        ),
    )
    return int(log_id)


def undo_answer(
    connection: sqlite3.Connection, log_id: int, session_id: str, now: datetime, settings: rule.RuleSettings = rule.DEFAULT_RULE
) -> PromptState:
    """Take back one answer of this window: the row moves to review_undone and the prompt's state
    is replayed from the answers that remain (another window's later answers included)."""
    found = named_one(
        connection,
        "SELECT schedule_id, reviewed_at, study_day, grade, kind, duration_ms, session_id FROM review_log WHERE id = ?",
        (log_id,),
    )
    if found is None:
        raise LookupError(f"answer {log_id} is no longer in the log")
    if found["session_id"] != session_id:
        raise PermissionError(f"answer {log_id} was given in another window; only that window can undo it")
    connection.execute(
        "INSERT INTO review_undone (log_id, schedule_id, reviewed_at, study_day, grade, kind, duration_ms, session_id, undone_at) "
        "VALUES (:log_id, :schedule_id, :reviewed_at, :study_day, :grade, :kind, :duration_ms, :session_id, :undone_at)",
        {**dict(found), "log_id": log_id, "undone_at": timestamp(now)},
    )
    connection.execute("DELETE FROM review_log WHERE id = ?", (log_id,))
    return replay_prompt(connection, found["schedule_id"], settings)


def _answer_of(grade: int, reviewed_at: str, offset_minutes: int | None, study_day: str) -> Review:
    """A logged answer as the rule saw it: on the learner's clock (FSRS's due moment becomes a
    study day on that clock), UTC for answers logged before offsets were kept."""
    moment = parse_timestamp(reviewed_at) or datetime.min.replace(tzinfo=UTC)
    if offset_minutes is not None:
        moment = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
    return Review(grade, moment, date.fromisoformat(study_day))


_ANSWERS_SQL = "SELECT id, grade, reviewed_at, utc_offset_minutes, study_day FROM review_log"
# A prompt's answers are replayed in the order they were given: by moment (answers given here are
# never dated before the prompt's last one, see record_answer; answers synced from a phone keep
# their own), ties by log id. Rebuilds group by prompt first, along ix_review_log_schedule.
_REPLAY_ORDER = "reviewed_at, id"


def replay_prompt(
    connection: sqlite3.Connection, schedule_id: int, settings: rule.RuleSettings = rule.DEFAULT_RULE
) -> PromptState:
    """Recompute one prompt's cached state from its answers and store it."""
    rows = connection.execute(f"{_ANSWERS_SQL} WHERE schedule_id = ? ORDER BY {_REPLAY_ORDER}", (schedule_id,)).fetchall()
    state = rule.replay((_answer_of(*row[1:]) for row in rows), settings)
    _write_state(connection, schedule_id, state, max((row[0] for row in rows), default=0))
    return state


def active_rule_fingerprint(connection: sqlite3.Connection) -> str | None:
    """The rule the cached schedules were last replayed under (None: not recorded yet)."""
    row = connection.execute("SELECT value FROM meta WHERE key = ?", (_ACTIVE_RULE_KEY,)).fetchone()
    return None if row is None else str(row[0])


_NAIVE_EPOCH = datetime(1970, 1, 1)  # stored moments are UTC text without an offset
_ONE_MICROSECOND = timedelta(microseconds=1)
# julianday('0001-01-01') is 1721425.5 and Python's date.toordinal() of that day is 1.
_ORDINAL_OF_DAY = "CAST(julianday(study_day) - 1721424.5 AS INTEGER)"


def rebuild(connection: sqlite3.Connection, settings: rule.RuleSettings = rule.DEFAULT_RULE) -> RebuildReport:
    """Replay every answer in the log under `settings` and rewrite each schedule whose cached
    state differs; the database then records that its schedules follow these settings.

    Under SM-2, SQLite hands the rule (prompt, grade, day number) rows straight from its cursor
    and a million answers make no Python object each; FSRS's memory, kept under both rules, is
    computed by py-fsrs answer by answer. Rows are compared as stored (text dates).
    """
    replayed = _replay_sm2(connection, settings) if settings.scheduler == "sm2" else _replay_fsrs(connection, settings)
    never_answered = (0, 0, sm2.INITIAL_EASINESS_HUNDREDTHS, None, 0, None, None, 0, None, None, None, None, None)
    changed = []
    for schedule_id, *cached in connection.execute(f"SELECT id, {_STATE_COLUMNS} FROM schedule").fetchall():
        state = replayed.get(schedule_id, never_answered)
        if tuple(cached) != state:
            changed.append((*state, schedule_id))
    connection.executemany(_UPDATE_STATE, changed)
    connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (_ACTIVE_RULE_KEY, settings.fingerprint()))
    answered = int(connection.execute("SELECT count(*) FROM review_log").fetchone()[0])
    return RebuildReport(prompts=len(replayed), answers=answered, changed=len(changed))


def _replay_sm2(connection: sqlite3.Connection, settings: rule.RuleSettings) -> dict[int, tuple[object, ...]]:
    """Every answered prompt's row as stored, SM-2 scheduling (the integer fast path) and FSRS's memory."""
    answers = connection.execute(
        f"SELECT schedule_id, grade, {_ORDINAL_OF_DAY} FROM review_log ORDER BY schedule_id, {_REPLAY_ORDER}"
    )
    states = sm2.replay_all(answers, settings.sm2)
    last_answers: dict[int, tuple[int, str]] = {}

    def answers_in_order() -> Iterator[tuple[int, int, int]]:
        for log_id, schedule_id, grade, reviewed_at in connection.execute(
            f"SELECT id, schedule_id, grade, reviewed_at FROM review_log ORDER BY schedule_id, {_REPLAY_ORDER}"
        ):
            # the newest answer held is the highest id; the last replayed, the latest moment
            held = last_answers.get(schedule_id)
            last_answers[schedule_id] = (max(log_id, held[0]) if held else log_id, reviewed_at)
            yield schedule_id, grade, (datetime.fromisoformat(reviewed_at) - _NAIVE_EPOCH) // _ONE_MICROSECOND

    memories = replay_fsrs_memories(answers_in_order(), settings.fsrs)
    day_texts: dict[int, str] = {}

    def day_text_of(ordinal: int) -> str | None:
        if not ordinal:
            return None
        text = day_texts.get(ordinal)
        if text is None:
            text = day_texts[ordinal] = date.fromordinal(ordinal).isoformat()
        return text

    rows: dict[int, tuple[object, ...]] = {}
    for schedule_id, (repetitions, interval, easiness, due, lapses, redrill) in states.items():
        log_id, reviewed_at = last_answers[schedule_id]
        rows[schedule_id] = (
            repetitions, interval, easiness, day_text_of(due), lapses, reviewed_at, day_text_of(redrill), log_id,
            *_memory_columns(memories[schedule_id]),
        )  # fmt: skip
    return rows


def _replay_fsrs(connection: sqlite3.Connection, settings: rule.RuleSettings) -> dict[int, tuple[object, ...]]:
    """Every answered prompt's row as stored, FSRS scheduling: the memories by the fast replay
    (exactly py-fsrs's), each turned into study days by the rule."""
    answers = connection.execute(
        f"SELECT id, schedule_id, grade, reviewed_at, utc_offset_minutes, study_day FROM review_log "
        f"ORDER BY schedule_id, {_REPLAY_ORDER}"
    ).fetchall()
    in_microseconds = (
        (schedule_id, grade, (datetime.fromisoformat(reviewed_at) - _NAIVE_EPOCH) // _ONE_MICROSECOND)
        for _, schedule_id, grade, reviewed_at, _, _ in answers
    )
    states: dict[int, tuple[PromptState, int]] = {}
    for (log_id, schedule_id, *answer), memory in zip(answers, memory_after_each(in_microseconds, settings.fsrs), strict=True):
        previous = states.get(schedule_id)
        state, _ = fsrs_rule.schedule(previous[0] if previous else NEW_PROMPT, _answer_of(*answer), memory, settings.fsrs)
        states[schedule_id] = (state, max(log_id, previous[1]) if previous else log_id)
    return {schedule_id: _state_columns(state, log_id) for schedule_id, (state, log_id) in states.items()}


def _memory_columns(memory: FSRSMemory | None) -> tuple[object, ...]:
    if memory is None:
        return (None, None, None, None, None)
    return (memory.phase, memory.step, memory.stability, memory.difficulty, timestamp(memory.due_at))


def _state_columns(state: PromptState, last_log_id: int) -> tuple[object, ...]:
    """A state as the schedule row stores it, in _STATE_COLUMNS order."""
    return (
        state.repetitions,
        state.interval,
        state.easiness_hundredths,
        day_text(state.due),
        state.lapses,
        timestamp(state.last_reviewed) if state.last_reviewed else None,
        day_text(state.redrill_on),
        last_log_id,
        *_memory_columns(state.fsrs),
    )


def _write_state(connection: sqlite3.Connection, schedule_id: int, state: PromptState, last_log_id: int) -> None:
    connection.execute(_UPDATE_STATE, (*_state_columns(state, last_log_id), schedule_id))


# --- the log, out ------------------------------------------------------------------------
LOG_COLUMNS = (
    "reviewed_at",  # ISO 8601 with the learner's UTC offset
    "deck_id",
    "card_id",
    "prompt",  # 1 for a basic card, N for the cloze deletion cN
    "grade",  # SM-2 grade 0-5 as stored
    "rating",  # the button, as Anki and FSRS number them: 1 Again, 2 Hard, 3 Good, 4 Easy
    "duration_ms",
    "interval_before_days",
    "interval_after_days",
    "due_at",  # the study day the answer scheduled the prompt for
    "scheduler",
    "scheduler_settings",
    "kind",  # new, review, redrill (a same-day repeat)
    "review_kind",  # Anki revlog type: 0 learning, 1 review, 2 relearning (what FSRS optimizers read)
    "review_time_ms",  # milliseconds since the epoch, as Anki's revlog id
    "prompt_key",  # deck-id/card-id#prompt: one stable key per prompt, as FSRS optimizers group by card
    "study_day",
    "session_id",
    "log_id",
)
# Whether the answer `l` was given on its prompt's first study day (the day of its first answer, in
# the replay's order): one seek along ix_review_log_schedule per answer.
ON_FIRST_DAY_SQL = "(l.study_day = (SELECT f.study_day FROM review_log f WHERE f.schedule_id = l.schedule_id ORDER BY f.reviewed_at, f.id LIMIT 1))"
_LOG_SQL = f"""
SELECT l.id, l.reviewed_at, l.utc_offset_minutes, c.deck_id, c.card_id, s.ordinal, l.grade, l.duration_ms,
       l.interval_before, l.interval_after, l.due_after, l.scheduler, l.scheduler_settings, l.kind,
       l.repetitions_before, l.lapses_before, l.study_day, l.session_id, {ON_FIRST_DAY_SQL} AS on_first_day
FROM review_log l JOIN schedule s ON s.id = l.schedule_id JOIN card c ON c.pk = s.card_pk
WHERE (:all_decks OR c.deck_id IN (SELECT value FROM json_each(:deck_ids))) AND (:since IS NULL OR l.study_day >= :since)
ORDER BY l.id"""


def log_rows(connection: sqlite3.Connection, deck_ids: list[str] | None, since: date | None) -> Iterator[dict[str, object]]:
    """Every answer (of the given decks, from a study day on) as a row of LOG_COLUMNS, in order given."""
    parameters = {
        "all_decks": deck_ids is None,
        "deck_ids": json.dumps(deck_ids or []),
        "since": since.isoformat() if since else None,
    }
    cursor = connection.cursor()
    cursor.row_factory = sqlite3.Row
    cursor.execute(_LOG_SQL, parameters)
    while batch := cursor.fetchmany(5_000):
        for row in batch:
            yield _log_row(row)


def answers_for_fitting(connection: sqlite3.Connection, deck_ids: list[str] | None) -> Iterator[tuple[int, int, int, float]]:
    """Every answer (of the given decks) as (prompt, study day number, rating 1-4, moment as a
    Julian day), each prompt's answers together and in the order given (the replay's): what an
    FSRS optimizer reads of the log."""
    cursor = connection.execute(
        f"SELECT l.schedule_id, {_ORDINAL_OF_DAY}, l.grade, julianday(l.reviewed_at) FROM review_log l "
        + (
            ""
            if deck_ids is None
            else "JOIN schedule s ON s.id = l.schedule_id WHERE s.deck_id IN (SELECT value FROM json_each(?)) "
        )
        + "ORDER BY l.schedule_id, l.reviewed_at, l.id",  # the replay's order (_REPLAY_ORDER)
        () if deck_ids is None else (json.dumps(deck_ids),),
    )
    while batch := cursor.fetchmany(5_000):
        for prompt, day, grade, moment in batch:
            yield prompt, day, rating_of(grade), moment


def anki_review_kind(kind: str, repetitions_before: int, lapses_before: int, on_first_day: bool) -> int:
    """An answer's kind as Anki's revlog type: 0 learning, 1 review, 2 relearning.

    Anki's FSRS optimizer starts a card's history at its last run of learning entries, so only the
    same-day repeats of a prompt's first study day are learning: a repeat after a later Hard marked
    so made it drop every answer before (half the items of the optimize benchmark's log)."""
    if kind == "new" or (kind == "redrill" and on_first_day):
        return 0
    if kind == "redrill" and repetitions_before == 0 and lapses_before > 0:
        return 2  # repeats after a lapse: relearning
    return 1  # a review, and a passed review repeated the same day (Anki would not repeat it)


def _log_row(row: sqlite3.Row) -> dict[str, object]:
    reviewed_at, offset, kind, grade = row["reviewed_at"], row["utc_offset_minutes"], row["kind"], row["grade"]
    deck_id, card_id, ordinal = row["deck_id"], row["card_id"], row["ordinal"]
    moment = parse_timestamp(reviewed_at) or datetime.min
    local = moment.astimezone(timezone(timedelta(minutes=offset))) if offset is not None else moment
    review_kind = anki_review_kind(kind, row["repetitions_before"], row["lapses_before"], bool(row["on_first_day"]))
    return {
        "reviewed_at": local.isoformat(timespec="seconds"),
        "deck_id": deck_id,
        "card_id": card_id,
        "prompt": ordinal,
        "grade": grade,
        "rating": rating_of(grade),
        "duration_ms": row["duration_ms"],
        "interval_before_days": row["interval_before"],
        "interval_after_days": row["interval_after"],
        "due_at": row["due_after"],
        "scheduler": row["scheduler"],
        "scheduler_settings": row["scheduler_settings"],
        "kind": kind,
        "review_kind": review_kind,
        "review_time_ms": int(moment.timestamp() * 1000),
        "prompt_key": f"{deck_id}/{card_id}#{ordinal}",
        "study_day": row["study_day"],
        "session_id": row["session_id"],
        "log_id": row["id"],
    }
