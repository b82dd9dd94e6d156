"""Shared fixtures: real files in a temporary directory, a real SQLite database."""

from __future__ import annotations

import os
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from mlcards.store.database import Database, open_database

WriteDeck = Callable[..., Path]


@pytest.fixture
def write_deck(tmp_path: Path) -> WriteDeck:
    """Write dedented YAML to a deck file under tmp_path/decks and return its path."""

    def write(text: str, name: str = "deck.yaml") -> Path:
        path = tmp_path / "decks" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = open_database(tmp_path / "data" / "mlcards.sqlite3")
    yield db
    db.close()


class Disk:
    """A real, small tmpfs mounted for one test: fills up for real, can be remounted read-only."""

    def __init__(self, mount_point: Path) -> None:
        self.path = mount_point

    def fill(self) -> None:
        """Write until the file system refuses with ENOSPC, leaving no free block."""
        descriptor = os.open(self.path / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            while os.write(descriptor, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(descriptor)

    def make_read_only(self) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Disk]:
    """A 4 MiB tmpfs. Mounting needs root (as in CI); elsewhere the test is skipped, saying why."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root: {mounted.stderr.decode().strip()}")
    try:
        yield Disk(mount_point)
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


# Property tests judge behaviour, not speed: a slow first call (imports, a cold cache, a busy CI
# machine) must not fail them, so Hypothesis' per-example deadline is off.
settings.register_profile("mlcards", deadline=None)
settings.load_profile("mlcards")
