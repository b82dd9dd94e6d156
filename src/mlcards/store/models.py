"""The SQLModel tables. Card identity is (deck id, card id); rows are never deleted, only
marked absent, so review history survives a card's removal and returns with it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import text
from sqlmodel import Field, Index, SQLModel, UniqueConstraint


class Meta(SQLModel, table=True):
    key: str = Field(primary_key=True)
    value: str


class RegisteredPath(SQLModel, table=True):
    """A user's deck file or folder, added with `mlcards add` and re-read on every sync."""

    __tablename__ = "registered_path"
    path: str = Field(primary_key=True)
    added_at: datetime


class DeckFile(SQLModel, table=True):
    """A deck file's fingerprint at its last sync: unchanged files are not even read."""

    __tablename__ = "deck_file"
    path: str = Field(primary_key=True)
    mtime_ns: int
    size: int
    digest: str


class Deck(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str
    description: str = ""
    file_path: str
    present: bool = True
    prompt_count: int = 0  # active prompts, kept by sync (the only writer of `active`) so status needs no full scan


class Card(SQLModel, table=True):
    """A card's content as last read from YAML (an Anki "note")."""

    __table_args__ = (UniqueConstraint("deck_id", "card_id"),)
    pk: int | None = Field(default=None, primary_key=True)
    deck_id: str = Field(foreign_key="deck.id")
    card_id: str
    kind: str
    front: str = ""
    back: str = ""
    text: str = ""
    extra: str = ""
    source: str
    tags: str = ""  # space-separated, as Anki stores them
    content_hash: str
    line: int
    position: int
    present: bool = True


class Schedule(SQLModel, table=True):
    """One reviewable prompt of a card (a basic card has one; a cloze one per cN) and its schedule:
    a cache of replaying its answers under the active rule."""

    __table_args__ = (
        UniqueConstraint("card_pk", "ordinal"),
        # Covering for the due queue and status counts: range on (active, suspended, due).
        Index("ix_schedule_state", "active", "suspended", "due", "deck_id", "buried_until"),
        Index("ix_schedule_redrill", "redrill_on"),
        Index("ix_schedule_deck", "deck_id", "active"),
        # A deck's new prompts in file order, covering what makes one waiting: the interleaved
        # queue reads each deck's first few from here instead of every new prompt's card.
        Index(
            "ix_schedule_new_in_file_order",
            "deck_id",
            "position",
            "ordinal",
            "active",
            "suspended",
            "buried_until",
            sqlite_where=text("due IS NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    card_pk: int = Field(foreign_key="card.pk")
    deck_id: str  # copied from the card (identity never changes) so per-deck counts need no join
    ordinal: int
    active: bool = True  # false while the card or this cloze number is gone from the YAML
    repetitions: int = 0
    interval: int = 0
    easiness: int = 250  # hundredths: SM-2 steps are multiples of 0.02, so this stays exact
    due: date | None = None  # None: never reviewed (new)
    lapses: int = 0
    last_reviewed: datetime | None = None
    suspended: bool = False
    buried_until: date | None = None
    redrill_on: date | None = None  # the study day on which it still awaits a same-day re-drill
    # The newest answer replayed into this state: a window answers only from the state it showed.
    last_log_id: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # FSRS's memory of the prompt, kept whichever rule schedules (None: never answered).
    fsrs_phase: int | None = None  # 1 learning, 2 review, 3 relearning
    fsrs_step: int | None = None
    fsrs_stability: float | None = None  # days until recall probability falls to 90%
    fsrs_difficulty: float | None = None
    fsrs_due: datetime | None = None  # when FSRS would show it next
    # The card's place in its deck file, copied (as deck_id is) and kept by sync: see the index.
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ReviewLog(SQLModel, table=True):
    """The truth: one row per answer, appended, never edited. A prompt's schedule is what
    replaying its rows in the order they were given (by moment, then id) through the active rule gives;
    `scheduler` names the rule that scheduled the answer when it was given."""

    __tablename__ = "review_log"
    __table_args__ = (
        Index("ix_review_log_schedule", "schedule_id", "reviewed_at"),
        # Covering for the stats' windows over days (retention, mastery) and the per-day counts.
        Index("ix_review_log_window", "study_day", "kind", "schedule_id", "grade", "interval_before"),
    )
    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(foreign_key="schedule.id")
    reviewed_at: datetime  # aware; stored as UTC
    study_day: date
    grade: int
    kind: str  # "new", "review", "redrill" (same-day repeat: logged, schedule unchanged)
    duration_ms: int
    repetitions_before: int
    repetitions_after: int
    interval_before: int
    interval_after: int
    easiness_before: int
    easiness_after: int
    due_before: date | None
    due_after: date | None
    lapses_before: int
    last_reviewed_before: datetime | None
    redrill_before: date | None
    utc_offset_minutes: int | None = None  # the learner's clock: reviewed_at in local time (None before schema 4)
    scheduler: str = Field(default="sm2", sa_column_kwargs={"server_default": "sm2"})
    scheduler_settings: str = Field(default="{}", sa_column_kwargs={"server_default": "{}"})  # JSON, as when it answered
    session_id: str | None = None  # the window (review session) that gave the answer


class ReviewUndone(SQLModel, table=True):
    """Answers taken back with undo: moved here whole from review_log, so nothing is lost and
    replay never sees them."""

    __tablename__ = "review_undone"
    log_id: int = Field(primary_key=True)
    schedule_id: int
    reviewed_at: datetime
    study_day: date
    grade: int
    kind: str
    duration_ms: int
    session_id: str | None = None
    undone_at: datetime


class AnkiAnswerIn(SQLModel, table=True):
    """An answer given in Anki and taken into the review log by `mlcards sync`: each Anki revlog
    id is taken in at most once, however often the same revlog comes back from the server."""

    __tablename__ = "anki_answer_in"
    revlog_id: int = Field(primary_key=True)  # Anki's revlog id: the answer's time in milliseconds
    log_id: int = Field(index=True)  # the review_log row it became; looked up to find the answers still to send


class AnkiAnswerOut(SQLModel, table=True):
    """An answer given in mlcards that went out to Anki as a revlog entry."""

    __tablename__ = "anki_answer_out"
    log_id: int = Field(primary_key=True)
    revlog_id: int


class AnkiNoteText(SQLModel, table=True):
    """The fields of each note as mlcards last sent them to Anki, by note GUID, so a later sync can
    tell a note edited in Anki (whose text the YAML replaces) and name it."""

    __tablename__ = "anki_note_text"
    guid: str = Field(primary_key=True)
    fingerprint: str
    card_pk: int | None = Field(default=None, index=True)  # the card the note holds (None: sent before schema 8)
    # What the note was rendered from: the card's content hash and identity (empty: compare it again).
    content: str = Field(default="", sa_column_kwargs={"server_default": ""})


class AnkiCardState(SQLModel, table=True):
    """Each prompt's schedule as last written into its Anki card (the schedule's own columns, so
    comparing them is a cheap scan), so a sync writes only the card states of prompts whose schedule
    changed since."""

    __tablename__ = "anki_card_state"
    schedule_id: int = Field(primary_key=True)
    due: date | None = None
    interval: int
    easiness: int
    repetitions: int
    lapses: int
    suspended: bool
    last_log_id: int
    redrill_on: date | None = None
    fsrs_phase: int | None = None
    fsrs_step: int | None = None
    fsrs_due: datetime | None = None
