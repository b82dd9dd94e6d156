"""Forking a shipped deck: the user's copy replaces it, keeps its history, and gives it back when removed."""

from __future__ import annotations

from pathlib import Path

from mlcards.config import Settings
from mlcards.review import Answer, ReviewFilter, ReviewSession
from mlcards.store.database import open_database

from .dbcheck import rows
from .test_cli import default_db, run
from .test_review import MONDAY


def answer_two_bias_cards(home: Path) -> None:
    database = open_database(default_db(home))
    try:
        session = ReviewSession(database, Settings(), MONDAY, ReviewFilter(deck="ml.fundamentals.bias"))
        session.answer(Answer.GOOD, MONDAY)
        session.answer(Answer.AGAIN, MONDAY)
    finally:
        database.close()


def bias_decks(home: Path) -> list[str]:
    return [line for line in run(home, "decks").stdout.splitlines() if "[ml.fundamentals.bias]" in line]


def test_a_forked_shipped_deck_is_listed_once_from_the_copy_and_keeps_its_answers(tmp_path: Path):
    home, mine = tmp_path / "home", tmp_path / "mine"
    assert run(home, "status").returncode == 0
    answer_two_bias_cards(home)
    forked = run(home, "fork", "bias term", "--to", str(mine))
    assert forked.returncode == 0, forked.stderr
    copy = mine / "bias.yaml"
    assert copy.read_text().startswith("# Your copy of mlcards' shipped deck 'ml.fundamentals.bias'")
    assert bias_decks(home) == [line for line in bias_decks(home) if str(copy) in line] and len(bias_decks(home)) == 1
    logged = rows(
        default_db(home),
        "SELECT count(*) AS n FROM review_log l JOIN schedule s ON s.id = l.schedule_id WHERE s.deck_id = 'ml.fundamentals.bias'",
    )
    assert logged == [{"n": 2}]
    copy.write_text(
        copy.read_text().replace("The threshold becomes an ordinary parameter", "The threshold turns into a parameter")
    )
    edited = run(home, "status")
    assert edited.returncode == 0 and "note:" not in edited.stderr
    assert rows(
        default_db(home),
        "SELECT count(*) AS n FROM card WHERE deck_id = 'ml.fundamentals.bias' AND present AND back LIKE '%turns into a parameter%'",
    ) == [{"n": 1}]


def test_removing_the_fork_brings_the_shipped_deck_back_with_the_history(tmp_path: Path):
    home, mine = tmp_path / "home", tmp_path / "mine"
    assert run(home, "status").returncode == 0
    answer_two_bias_cards(home)
    assert run(home, "fork", "ml.fundamentals.bias", "--to", str(mine)).returncode == 0
    assert run(home, "remove", str(mine / "bias.yaml")).returncode == 0
    (listed,) = bias_decks(home)
    assert "shipped_decks" in listed or "/decks/fundamentals/bias.yaml" in listed
    assert rows(default_db(home), "SELECT count(*) AS n FROM card WHERE deck_id = 'ml.fundamentals.bias' AND present") != [
        {"n": 0}
    ]
    rebuilt = run(home, "rebuild")
    assert "2 answer(s)" in rebuilt.stdout and "0 schedule(s) differed" in rebuilt.stdout


def test_fork_refuses_to_overwrite_and_names_ambiguous_decks(tmp_path: Path):
    home, mine = tmp_path / "home", tmp_path / "mine"
    assert run(home, "fork", "ml.fundamentals.bias", "--to", str(mine)).returncode == 0
    again = run(home, "fork", "ml.fundamentals.bias", "--to", str(mine))
    assert again.returncode == 1 and "already exists" in again.stderr
    vague = run(home, "fork", "ml", "--to", str(tmp_path / "other"))
    assert vague.returncode == 1 and "matches" in vague.stderr and "shipped decks" in vague.stderr
