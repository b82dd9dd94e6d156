"""Paths that cannot be read or written get a message naming the path, never a traceback or a hang."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from mlcards.collection import open_collection
from mlcards.store.sync import sync

from .conftest import Disk
from .test_cli import MY_DECK, run

NOBODY = 65534


@contextmanager
def unprivileged() -> Iterator[None]:
    """Run the block as an ordinary user: as root (CI) file permissions would not apply."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder an ordinary user can enter (pytest's own temporary folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="mlcards-perm-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_an_unreadable_file_in_a_registered_folder_is_named_and_nothing_is_written(shared_folder: Path):
    decks = shared_folder / "decks"
    decks.mkdir()
    (decks / "mine.yaml").write_text(MY_DECK, encoding="utf-8")
    secret = decks / "secret.yaml"
    secret.write_text(MY_DECK.replace("mine.transformers", "mine.secret"), encoding="utf-8")
    collection = open_collection(shared_folder / "mlcards.sqlite3", shared_folder / "config.toml")
    try:
        report, problems = collection.add([decks], datetime.now().astimezone())
        assert not problems
        secret.chmod(0o000)
        os.utime(secret, ns=(0, 1))  # changed since the last sync, so it must be read again
        with unprivileged():  # the user's folder only: the installed package may sit where uid 65534 cannot look
            report = sync(collection.database, [decks], registered=[decks])
        assert [str(problem) for problem in report.problems] == [
            f"{secret}:1:1: file: cannot be read: permission denied — make it readable (chmod u+r), or move it out of the deck folder"
        ]
    finally:
        collection.close()


def test_a_named_pipe_given_as_a_deck_file_is_refused_at_once(home: Path, tmp_path: Path):
    fifo = tmp_path / "deck.yaml"
    os.mkfifo(fifo)
    for command in ("check", "add"):
        result = run(home, command, str(fifo))  # run() times out after 120 s: a hang fails the test
        assert result.returncode == 1
        assert f"{fifo}:1:1: file: is a named pipe (FIFO), not a deck file" in result.stderr


def test_a_data_home_that_is_a_file_is_named(home: Path, tmp_path: Path):
    not_a_folder = tmp_path / "data-file"
    not_a_folder.write_text("oops")
    result = run(home, "status", env={"XDG_DATA_HOME": str(not_a_folder)})
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert f"{not_a_folder} is a file, not a folder" in result.stderr


def test_a_new_database_on_a_read_only_file_system_is_named(home: Path, small_disk: Disk):
    small_disk.make_read_only()
    database = small_disk.path / "mlcards.sqlite3"
    result = run(home, "--db", str(database), "status")
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert str(database) in result.stderr and "Read-only file system" in result.stderr


def test_a_registered_folder_that_was_moved_is_called_moved_with_the_way_to_keep_its_history(home: Path, tmp_path: Path):
    folder = tmp_path / "my-decks"
    folder.mkdir()
    (folder / "mine.yaml").write_text(MY_DECK, encoding="utf-8")
    assert run(home, "add", str(folder)).returncode == 0
    folder.rename(tmp_path / "moved-decks")
    result = run(home, "status")
    assert (
        f"{folder}:1:1: file: this path, added with 'mlcards add', no longer exists (moved, renamed or deleted?)" in result.stderr
    )
    assert f"mlcards remove '{folder}' && mlcards add NEW-PATH" in result.stderr


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_a_folder_that_cannot_be_listed_is_named_not_a_traceback(shared_folder: Path):
    decks = shared_folder / "decks"
    decks.mkdir()
    (decks / "mine.yaml").write_text(MY_DECK, encoding="utf-8")
    database = open_collection(shared_folder / "mlcards.sqlite3", shared_folder / "config.toml").database
    decks.chmod(0o000)
    try:
        with unprivileged():
            report = sync(database, [decks], registered=[decks])
        assert [(problem.path, problem.message) for problem in report.problems] == [
            (decks, "cannot list this folder (Permission denied)")
        ]
        assert not report.wrote
    finally:
        decks.chmod(0o755)
        database.close()
