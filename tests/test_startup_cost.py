"""The daily commands start fast: the ORM stack (~0.5 s to import) is loaded only by what needs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import sys
from mlcards.cli import main
code = main(sys.argv[1:])
heavy = sorted(name for name in ("sqlalchemy", "sqlmodel") if name in sys.modules)
print("imported:", ",".join(heavy) or "none")
sys.exit(code)
"""


def run_probe(tmp_path: Path, *arguments: str) -> str:
    database, config = tmp_path / "mlcards.sqlite3", tmp_path / "config.toml"
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
    run_probe(tmp_path, "status")  # creates the schema and syncs the shipped decks
    return tmp_path


@pytest.mark.parametrize("command", [["status"], ["decks"], ["status", "--json"]])
def test_reading_commands_on_an_existing_collection_do_not_import_the_orm(existing_collection: Path, command: list[str]):
    assert run_probe(existing_collection, *command) == "imported: none"


def test_adding_a_deck_file_does_not_import_the_orm(existing_collection: Path, write_deck):
    deck = write_deck("id: mine\nname: Mine\ncards:\n  - {id: one, front: Q?, back: A, source: notes}\n")
    assert run_probe(existing_collection, "add", str(deck)) == "imported: none"
