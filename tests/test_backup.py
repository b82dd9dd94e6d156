"""Backups: one per study day before the first change, pruned to the newest N, restorable."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mlcards.config import Settings
from mlcards.review import Answer, ReviewSession
from mlcards.scratch import writing
from mlcards.store.backup import BackupMismatch, _verify, backup_dir, create_backup, daily_backup, list_backups, restore_backup
from mlcards.store.database import Database, DatabaseError, open_database
from mlcards.store.sync import sync

from .dbcheck import rows
from .test_cli import default_db, run

WriteDeck = Callable[..., Path]
DAY = datetime(2026, 5, 1, 10, 0).astimezone()


@pytest.fixture
def studied(database: Database, write_deck: WriteDeck) -> Database:
    sync(
        database,
        [write_deck("id: d\nname: D\nsource: s\ncards:\n  - {id: a, front: q, back: b}\n  - {id: b, front: q, back: b}\n")],
    )
    ReviewSession(database, Settings(), DAY).answer(Answer.GOOD, DAY)
    return database


def test_the_daily_backup_is_made_once_per_study_day(studied: Database):
    first = daily_backup(studied.path, DAY.date(), DAY, keep=14)
    assert first is not None and first.name.startswith("2026-05-01") and first.name.endswith("-daily.sqlite3")
    assert daily_backup(studied.path, DAY.date(), DAY + timedelta(hours=3), keep=14) is None
    assert daily_backup(studied.path, DAY.date() + timedelta(days=1), DAY + timedelta(days=1), keep=14) is not None
    assert len(list_backups(studied.path)) == 2


def test_only_the_newest_backups_are_kept(studied: Database):
    for offset in range(5):
        day = DAY + timedelta(days=offset)
        daily_backup(studied.path, day.date(), day, keep=3)
    assert [p.name[:10] for p in list_backups(studied.path)] == ["2026-05-05", "2026-05-04", "2026-05-03"]


def test_manual_backups_are_never_pruned_and_two_databases_never_share_backups(studied: Database, tmp_path: Path):
    from mlcards.store.backup import create_backup

    manual = create_backup(studied.path, DAY - timedelta(days=30))
    from mlcards.store.registry import register_paths

    other = tmp_path / "data" / "mlcards-work.sqlite3"
    other_database = open_database(other)
    register_paths(other_database, [tmp_path / "work-decks"], DAY)  # something worth backing up
    other_database.close()
    daily_backup(other, DAY.date(), DAY, keep=1)
    for offset in range(3):
        day = DAY + timedelta(days=offset)
        daily_backup(studied.path, day.date(), day, keep=1)
    assert manual in list_backups(studied.path)
    assert len(list_backups(studied.path)) == 2
    assert all("mlcards-work" in str(p) for p in list_backups(other)) and len(list_backups(other)) == 1


def test_a_backup_is_a_complete_single_file_database(studied: Database):
    backup = daily_backup(studied.path, DAY.date(), DAY, keep=14)
    assert backup is not None
    assert len(rows(backup, "SELECT * FROM review_log")) == 1
    assert sorted(p.name for p in backup.parent.iterdir()) == [backup.name]  # no -wal, -shm or partial files


def test_restore_brings_back_the_backed_up_state_and_keeps_the_current_file(studied: Database):
    backup = daily_backup(studied.path, DAY.date(), DAY, keep=14)
    assert backup is not None
    ReviewSession(studied, Settings(), DAY).answer(Answer.GOOD, DAY)
    assert len(rows(studied.path, "SELECT * FROM review_log")) == 2
    studied.close()
    kept = restore_backup(studied.path, backup, DAY + timedelta(minutes=5))
    assert len(rows(studied.path, "SELECT * FROM review_log")) == 1
    assert kept is not None and len(rows(kept, "SELECT * FROM review_log")) == 2
    reopened = open_database(studied.path)
    assert ReviewSession(reopened, Settings(), DAY).remaining == 1
    reopened.close()


def test_restoring_something_that_is_not_a_backup_changes_nothing(studied: Database, tmp_path: Path):
    impostor = tmp_path / "impostor.sqlite3"
    impostor.write_text("not a database")
    with pytest.raises(DatabaseError, match="cannot be read as a database"):
        restore_backup(studied.path, impostor, DAY)
    assert len(rows(studied.path, "SELECT * FROM review_log")) == 1


def test_a_damaged_database_gets_a_message_naming_the_newest_backup(tmp_path: Path):
    home = tmp_path / "home"
    assert run(home, "backup").returncode == 0
    newest = list_backups(default_db(home))[0]
    default_db(home).write_bytes(b"\x00" * 4096)
    result = run(home, "status")
    assert result.returncode == 3
    assert f"The newest backup is {newest}; restore it with: mlcards --db {default_db(home)} restore {newest}" in result.stderr
    restored = run(home, "restore", "latest")
    assert restored.returncode == 0 and "-damaged.bin" in restored.stdout
    assert run(home, "status").returncode == 0


def test_backup_and_restore_commands(tmp_path: Path):
    home = tmp_path / "home"
    made = run(home, "backup")
    assert made.returncode == 0 and made.stdout.startswith("Backed up to ")
    listed = run(home, "restore")
    assert made.stdout.split()[-1] in listed.stdout


def test_a_database_with_nothing_to_lose_is_not_backed_up(database: Database, write_deck: WriteDeck):
    sync(database, [write_deck("id: d\nname: D\nsource: s\ncards:\n  - {id: a, front: q, back: b}\n")])
    assert daily_backup(database.path, DAY.date(), DAY, keep=14) is None  # YAML alone can recreate it


def test_restore_is_refused_while_another_process_has_the_database_open(studied: Database):
    backup = daily_backup(studied.path, DAY.date(), DAY, keep=14)
    assert backup is not None
    studied.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(studied.path)], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(DatabaseError, match="is open in another mlcards"):
            restore_backup(studied.path, backup, DAY + timedelta(minutes=5))
        assert len(list_backups(studied.path)) == 1  # nothing was kept aside: nothing happened
    finally:
        holder.communicate("")  # the review app closes
    assert restore_backup(studied.path, backup, DAY + timedelta(minutes=6)) is not None


HOLD_OPEN = """
import sys
from pathlib import Path
from mlcards.store.database import open_database
database = open_database(Path(sys.argv[1]))
print("open", flush=True)
sys.stdin.read()
database.close()
"""


def test_two_backups_in_the_same_second_are_both_kept_and_listed_newest_first(studied: Database):
    first = create_backup(studied.path, DAY, "before-restore")
    second = create_backup(studied.path, DAY, "before-restore")
    assert first != second and first.exists() and second.exists()
    assert list_backups(studied.path)[0] == second


def test_restore_takes_a_backup_by_the_name_it_is_listed_under(tmp_path: Path):
    home = tmp_path / "home"
    made = Path(run(home, "backup").stdout.split()[-1])
    restored = run(home, "restore", made.name)
    assert restored.returncode == 0, restored.stderr
    assert f"from {made}" in restored.stdout


@pytest.mark.parametrize("folder", ["notes#1", "what?", "100%", "a b"], ids=["hash", "question-mark", "percent", "space"])
def test_backups_of_a_database_whose_path_has_uri_characters_hold_every_row(tmp_path: Path, write_deck: WriteDeck, folder: str):
    home, db = tmp_path / "home", tmp_path / folder / "mlcards.sqlite3"
    deck = write_deck("id: d\nname: D\nsource: s\ncards:\n  - {id: a, front: q, back: b}\n")
    assert run(home, "--db", str(db), "add", str(deck)).returncode == 0
    made = Path(run(home, "--db", str(db), "backup").stdout.strip().removeprefix("Backed up to "))
    assert rows(made, "SELECT count(*) AS n FROM card WHERE deck_id = 'd'") == [{"n": 1}]
    assert rows(made, "SELECT count(*) AS n FROM registered_path") == [{"n": 1}]
    restored = run(home, "--db", str(db), "restore", "latest")
    assert restored.returncode == 0, restored.stderr
    assert rows(db, "SELECT card_id FROM card WHERE deck_id = 'd'") == [{"card_id": "a"}]


def test_restore_refuses_an_empty_backup_and_changes_nothing(studied: Database, tmp_path: Path):
    empty_file, empty_database = tmp_path / "zero.sqlite3", tmp_path / "empty.sqlite3"
    empty_file.write_bytes(b"")
    sqlite3.connect(empty_database).close()
    for backup in (empty_file, empty_database):
        with pytest.raises(DatabaseError, match="empty"):
            restore_backup(studied.path, backup, DAY)
    assert list_backups(studied.path) == []


def test_a_copy_that_does_not_hold_the_sources_rows_is_not_kept(studied: Database, tmp_path: Path):
    """The check behind every backup: a copy is compared with what the source held."""
    copy = tmp_path / "copy.sqlite3"
    with sqlite3.connect(copy) as connection:
        connection.execute("CREATE TABLE card (x)")
    with sqlite3.connect(copy) as connection, pytest.raises(BackupMismatch, match="does not hold the same rows"):
        _verify(connection, {"card": 2}, studied.path, copy)


def test_restore_latest_twice_does_not_undo_the_first_restore(tmp_path: Path):
    home = tmp_path / "home"
    assert run(home, "backup").returncode == 0
    first = run(home, "restore", "latest")
    second = run(home, "restore", "latest")
    assert first.returncode == second.returncode == 0
    chosen = [line.split(" from ")[1].split(".sqlite3")[0] for line in (first.stdout, second.stdout)]
    assert chosen[0] == chosen[1] and "before-restore" not in chosen[0]


def test_restore_is_refused_while_the_app_is_open_even_if_every_side_file_was_deleted(studied: Database):
    backup = create_backup(studied.path, DAY)
    studied.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(studied.path)], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        for side_file in studied.path.parent.glob(f"{studied.path.name}?*"):  # -wal, -shm, a .lock of older releases
            side_file.unlink()
        with pytest.raises(DatabaseError, match="is open in another mlcards"):
            restore_backup(studied.path, backup, DAY + timedelta(minutes=5))
    finally:
        holder.communicate("")


def test_a_killed_process_does_not_keep_the_database_in_use(studied: Database):
    backup = create_backup(studied.path, DAY)
    studied.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(studied.path)], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
    holder.kill()
    holder.wait()
    assert restore_backup(studied.path, backup, DAY + timedelta(minutes=5)) is not None


def test_half_written_copies_left_by_a_kill_are_removed_on_the_next_run(tmp_path: Path):
    home = tmp_path / "home"
    assert run(home, "backup").returncode == 0
    folder = backup_dir(default_db(home))
    orphan = folder / "2026-01-01-000000-daily.sqlite3.partial"
    orphan.write_bytes(b"half a copy")
    restoring = default_db(home).with_name("mlcards.sqlite3.restoring")
    restoring.write_bytes(b"half a restore")
    assert run(home, "status").returncode == 0
    assert not orphan.exists() and not restoring.exists()


def test_a_copy_being_written_by_a_live_process_is_not_removed(tmp_path: Path):
    database = tmp_path / "mlcards.sqlite3"
    in_progress = backup_dir(database) / "x.sqlite3.partial"
    in_progress.parent.mkdir(parents=True)
    with writing(in_progress):
        holder = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from mlcards.store.backup import remove_leftovers; print(remove_leftovers(Path(sys.argv[1])))",
                str(database),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert holder.stdout.strip() == "[]" and in_progress.exists()
