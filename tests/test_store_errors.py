"""Database failures are named by their real cause; only real damage suggests a restore.

Each case is produced for real: a second process holding the write lock, a tmpfs remounted
read-only, a tmpfs filled to the last block, a file whose pages were overwritten.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mlcards.store.errors import DatabaseDamaged, DatabaseLocked, explain, integrity_problems

from .conftest import Disk
from .dbcheck import rows
from .test_cli import MY_DECK, run

WriteDeck = Callable[..., Path]

_HOLD_WRITE_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(60)
"""


@pytest.fixture
def write_lock_holder(tmp_path: Path) -> Iterator[Callable[[Path], subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def hold(database: Path) -> subprocess.Popen[str]:
        process = subprocess.Popen([sys.executable, "-c", _HOLD_WRITE_LOCK, str(database)], stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None and process.stdout.readline().strip() == "locked"
        started.append(process)
        return process

    yield hold
    for process in started:
        process.kill()
        process.wait()


def _study_deck(home: Path, db: Path, write_deck: WriteDeck) -> Path:
    deck = write_deck(MY_DECK, "mine.yaml")
    assert run(home, "--db", str(db), "add", str(deck)).returncode == 0
    return deck


def test_a_database_locked_by_another_process_is_called_locked_and_names_the_process(
    tmp_path: Path, write_deck: WriteDeck, write_lock_holder: Callable[[Path], subprocess.Popen[str]]
):
    home, db = tmp_path / "home", tmp_path / "mlcards.sqlite3"
    _study_deck(home, db, write_deck)
    holder = write_lock_holder(db)
    connection = sqlite3.connect(db, isolation_level=None, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as raised:
        connection.execute("BEGIN IMMEDIATE")
    connection.close()
    error = explain(raised.value, db, "saving to")
    assert isinstance(error, DatabaseLocked)
    assert f"pid {holder.pid}" in str(error) and "try again" in str(error)
    assert "damaged" not in str(error) and "restore" not in str(error)


def test_a_command_that_waits_out_the_lock_says_locked_and_writes_nothing(
    tmp_path: Path, write_deck: WriteDeck, write_lock_holder: Callable[[Path], subprocess.Popen[str]]
):
    home, db = tmp_path / "home", tmp_path / "mlcards.sqlite3"
    _study_deck(home, db, write_deck)
    before = rows(db, "SELECT count(*) AS n FROM card")
    write_lock_holder(db)
    other = write_deck(MY_DECK.replace("mine.transformers", "mine.other"), "other.yaml")
    result = run(home, "--db", str(db), "add", str(other))
    assert result.returncode == 3
    assert "is locked by pid" in result.stderr and "try again" in result.stderr
    assert "damaged" not in result.stderr and "restore" not in result.stderr
    assert rows(db, "SELECT count(*) AS n FROM card") == before


def test_a_read_only_file_system_is_called_read_only_not_damaged(tmp_path: Path, write_deck: WriteDeck, small_disk: Disk):
    home, db = tmp_path / "home", small_disk.path / "mlcards.sqlite3"
    _study_deck(home, db, write_deck)
    small_disk.make_read_only()
    result = run(home, "--db", str(db), "add", str(write_deck(MY_DECK.replace("mine.transformers", "mine.b"), "b.yaml")))
    assert result.returncode == 3
    assert "read-only" in result.stderr and str(small_disk.path) in result.stderr
    assert "damaged" not in result.stderr and "restore" not in result.stderr


def test_a_full_disk_is_called_full_and_loses_nothing_already_saved(tmp_path: Path, write_deck: WriteDeck, small_disk: Disk):
    home, db = tmp_path / "home", small_disk.path / "mlcards.sqlite3"
    _study_deck(home, db, write_deck)
    cards_before = rows(db, "SELECT deck_id, card_id FROM card ORDER BY pk")
    small_disk.fill()
    big = "\n".join(f"  - {{id: c{i}, front: '{'q' * 2000}', back: b}}" for i in range(400))
    result = run(home, "--db", str(db), "add", str(write_deck(f"id: big\nname: Big\nsource: s\ncards:\n{big}\n", "big.yaml")))
    assert result.returncode == 3
    assert "is full" in result.stderr and "not saved" in result.stderr
    assert "damaged" not in result.stderr and "restore" not in result.stderr
    (small_disk.path / "filler").unlink()
    assert integrity_problems(db) == []
    assert rows(db, "SELECT deck_id, card_id FROM card ORDER BY pk") == cards_before


def test_only_a_file_that_fails_the_integrity_check_is_called_damaged_and_offered_a_restore(
    tmp_path: Path, write_deck: WriteDeck
):
    home, db = tmp_path / "home", tmp_path / "mlcards.sqlite3"
    _study_deck(home, db, write_deck)
    assert run(home, "--db", str(db), "backup").returncode == 0
    data = bytearray(db.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size:] = b"\xa5" * (len(data) - page_size)  # every page but the header page overwritten
    db.write_bytes(bytes(data))
    assert integrity_problems(db)
    result = run(home, "--db", str(db), "status")
    assert result.returncode == 3
    assert "is damaged" in result.stderr and "restore it with" in result.stderr and "kept aside" in result.stderr


def test_a_corruption_error_on_a_sound_file_is_not_called_damage(tmp_path: Path, write_deck: WriteDeck):
    home, db = tmp_path / "home", tmp_path / "mlcards.sqlite3"
    _study_deck(home, db, write_deck)
    error = sqlite3.DatabaseError("database disk image is malformed")
    error.sqlite_errorcode = 11  # type: ignore[attr-defined]  # SQLITE_CORRUPT, as a flaky network drive may report
    explained = explain(error, db)
    assert not isinstance(explained, DatabaseDamaged) and "passes its integrity check" in str(explained)
