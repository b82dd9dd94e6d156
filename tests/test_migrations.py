"""A database written by an earlier schema is upgraded in place with all its data kept."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from mlcards.config import Settings
from mlcards.review import Answer, ReviewSession
from mlcards.store.backup import list_backups
from mlcards.store.counts import deck_counts
from mlcards.store.database import DatabaseError, open_database
from mlcards.store.migrations import SCHEMA_VERSION

from .dbcheck import rows

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def v1_database(tmp_path: Path) -> Path:
    """A copy of the collection schema version 1 wrote (tests/fixtures/make_schema_fixture.py)."""
    target = tmp_path / "mlcards.sqlite3"
    shutil.copyfile(FIXTURES / "schema-v1.sqlite3", target)
    return target


@pytest.fixture(params=[1, 2, 3, 4, 5, 6])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, int]:
    """A copy of a collection as each earlier schema version wrote it (tests/fixtures/make_schema_fixture.py)."""
    target = tmp_path / "mlcards.sqlite3"
    shutil.copyfile(FIXTURES / f"schema-v{request.param}.sqlite3", target)
    return target, request.param


def table(db_path: Path, name: str) -> list[dict]:
    return rows(db_path, f"SELECT * FROM {name} ORDER BY 1")


def test_the_fixtures_really_are_the_old_schemas(old_database: tuple[Path, int]):
    path, version = old_database
    assert rows(path, "PRAGMA user_version") == [{"user_version": version}]
    assert len(table(path, "review_log")) == (6 if version < 3 else 5)  # schema 3's queue held back a cloze sibling


def test_opening_an_old_database_upgrades_it_and_keeps_every_row(old_database: tuple[Path, int]):
    path, _ = old_database
    before = {name: table(path, name) for name in ("card", "schedule", "review_log", "deck_file", "registered_path")}
    decks_before = table(path, "deck")
    open_database(path).close()
    assert rows(path, "PRAGMA user_version") == [{"user_version": SCHEMA_VERSION}]
    # FSRS's memory is a cache the upgrade replays with the installed py-fsrs, not data to keep
    replayed = {"fsrs_phase", "fsrs_step", "fsrs_stability", "fsrs_difficulty", "fsrs_due"}
    for name, content in before.items():  # every old column of every row, unchanged (new columns are added)
        kept = [key for key in content[0] if key not in replayed] if content else []
        assert [{key: row[key] for key in kept} for row in table(path, name)] == [
            {key: row[key] for key in kept} for row in content
        ], name
    assert [{k: v for k, v in deck.items() if k != "prompt_count"} for deck in table(path, "deck")] == [
        {k: v for k, v in deck.items() if k != "prompt_count"} for deck in decks_before
    ]
    assert rows(path, "SELECT value FROM meta WHERE key = 'schema_version'") == [{"value": str(SCHEMA_VERSION)}]


def test_the_upgrade_fills_the_new_columns_and_indexes(v1_database: Path):
    database = open_database(v1_database)
    assert rows(v1_database, "SELECT id, prompt_count FROM deck") == [{"id": "legacy.deck", "prompt_count": 5}]
    indexes = {row["name"] for row in rows(v1_database, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"ix_schedule_state", "ix_schedule_redrill"} <= indexes and "ix_schedule_queue" not in indexes
    (counts,) = deck_counts(database, date(2026, 1, 6))
    assert (counts.total, counts.suspended, counts.new) == (5, 1, 0)
    database.close()


def test_a_backup_of_the_old_file_is_made_before_upgrading(old_database: tuple[Path, int]):
    path, version = old_database
    open_database(path).close()
    (backup,) = list_backups(path)
    assert backup.name.endswith(f"-before-schema-{SCHEMA_VERSION}.sqlite3")
    assert rows(backup, "PRAGMA user_version") == [{"user_version": version}]


def test_the_stats_window_index_replaces_the_day_index(old_database: tuple[Path, int]):
    path, _ = old_database
    open_database(path).close()
    indexes = {row["name"] for row in rows(path, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "ix_review_log_window" in indexes and "ix_review_log_day" not in indexes


def test_reviewing_continues_where_the_old_version_left_off(old_database: tuple[Path, int]):
    path, _ = old_database
    database = open_database(path)
    tuesday = datetime(2026, 1, 6, 9, 0).astimezone()
    session = ReviewSession(database, Settings(), tuesday)
    due = {card.card_id for card in [session.current] if card}
    assert due  # the cards answered on Monday with a 1-day interval are due on Tuesday
    logged = len(table(path, "review_log"))
    session.answer(Answer.GOOD, tuesday)
    assert len(table(path, "review_log")) == logged + 1
    database.close()


def test_a_database_from_a_newer_mlcards_is_refused_untouched(v1_database: Path):
    connection = sqlite3.connect(v1_database)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    content = v1_database.read_bytes()
    with pytest.raises(DatabaseError, match="written by a newer mlcards"):
        open_database(v1_database)
    assert v1_database.read_bytes() == content


def schema_shape(db_path: Path) -> dict[str, object]:
    """Every table's columns (name, type, not-null, key) and every index's columns."""
    with sqlite3.connect(db_path) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        shape: dict[str, object] = {}
        for name in tables:
            shape[name] = [row[1:4] + row[5:] for row in connection.execute(f"PRAGMA table_info({name})")]
            for index in connection.execute(f"PRAGMA index_list({name})").fetchall():
                shape[index[1]] = [column[2] for column in connection.execute(f"PRAGMA index_info({index[1]})")]
    return shape


def test_an_upgraded_database_has_the_same_shape_as_a_new_one(old_database: tuple[Path, int], tmp_path: Path):
    path, _ = old_database
    open_database(path).close()
    fresh = tmp_path / "fresh" / "mlcards.sqlite3"
    open_database(fresh).close()
    assert schema_shape(path) == schema_shape(fresh)


def test_the_upgrade_gives_every_prompt_its_cards_file_position(old_database: tuple[Path, int]):
    path, _ = old_database
    open_database(path).close()
    mismatched = "SELECT count(*) AS n FROM schedule s JOIN card c ON c.pk = s.card_pk WHERE s.position != c.position"
    assert rows(path, mismatched) == [{"n": 0}]
    assert rows(path, "SELECT count(DISTINCT position) AS n FROM schedule") == [{"n": 4}]  # the legacy deck's four cards
