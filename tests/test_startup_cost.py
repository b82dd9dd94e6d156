"""The daily commands start fast: heavy modules are loaded only by what needs them.

SQLAlchemy and SQLModel (~0.5 s to import) are needed only to create a new database file;
the YAML loader only when a deck file changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "sqlmodel", "yaml")
PROBE = f"""
import sys
from mlcards.cli import main
code = main(sys.argv[1:])
print("imported:", ",".join(sorted(name for name in {HEAVY!r} if name in sys.modules)) or "none")
sys.exit(code)
"""


def imported_by(folder: Path, *arguments: str) -> str:
    """Which heavy modules a whole `mlcards ...` process imported."""
    database, config = folder / "mlcards.sqlite3", folder / "config.toml"
    finished = subprocess.run(
        [sys.executable, "-c", PROBE, "--db", str(database), "--config", str(config), *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout.splitlines()[-1]


@pytest.fixture
def existing_collection(tmp_path: Path) -> Path:
    assert imported_by(tmp_path, "status") == "imported: sqlalchemy,sqlmodel,yaml"  # creates the file, reads the decks
    return tmp_path


@pytest.mark.parametrize("command", [["status"], ["decks"], ["status", "--json"]])
def test_reading_commands_with_no_deck_file_changed_import_none_of_them(existing_collection: Path, command: list[str]):
    assert imported_by(existing_collection, *command) == "imported: none"


def test_adding_a_deck_file_needs_only_the_yaml_loader(existing_collection: Path, write_deck):
    deck = write_deck("id: mine\nname: Mine\ncards:\n  - {id: one, front: Q?, back: A, source: notes}\n")
    assert imported_by(existing_collection, "add", str(deck)) == "imported: yaml"
