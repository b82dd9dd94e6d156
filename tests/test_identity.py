"""A card's answers follow it across renames, moves and cloze renumbering; what cannot follow is
kept aside and reported with the exact way to carry it over."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlcards.config import Settings
from mlcards.review import Answer, ReviewFilter, ReviewSession
from mlcards.store.database import Database
from mlcards.store.sync import SyncReport, sync

from .dbcheck import rows
from .test_cli import run
from .test_review import MONDAY

WriteDeck = Callable[..., Path]

DECK = """\
id: demo
name: Demo
source: s
cards:
  - {id: alpha, front: What is alpha?, back: A learning rate.}
  - {id: beta, front: What is beta?, back: A momentum term.}
  - id: gamma
    type: cloze
    text: '{{c1::Gamma}} scales and {{c2::beta}} shifts.'
"""


def answered(database: Database) -> list[tuple[str, str, int, int]]:
    """(deck, card, ordinal, answers) for every prompt with answers."""
    return [
        (row["deck_id"], row["card_id"], row["ordinal"], row["n"])
        for row in rows(
            database.path,
            "SELECT c.deck_id, c.card_id, s.ordinal, count(l.id) AS n FROM schedule s JOIN card c ON c.pk = s.card_pk "
            "JOIN review_log l ON l.schedule_id = s.id GROUP BY s.id ORDER BY c.deck_id, c.card_id, s.ordinal",
        )
    ]


@pytest.fixture
def studied(database: Database, write_deck: WriteDeck) -> tuple[Database, Path]:
    deck = write_deck(DECK, "demo.yaml")
    sync(database, [deck.parent])
    session = ReviewSession(database, Settings(new_cards_per_day=10), MONDAY)
    while session.current is not None:
        session.answer(Answer.GOOD, MONDAY)
    return database, deck


def resync(database: Database, deck: Path, text: str) -> SyncReport:
    deck.write_text(text, encoding="utf-8")
    report = sync(database, [deck.parent])
    assert report.ok, report.problems
    return report


def test_a_card_renamed_with_its_question_unchanged_keeps_its_answers(studied):  # type: ignore[no-untyped-def]
    database, deck = studied
    before = answered(database)
    report = resync(database, deck, DECK.replace("id: alpha,", "id: learning-rate,"))
    assert [(c.old, c.new, c.how) for c in report.carried_over] == [("demo/alpha", "demo/learning-rate", "same question")]
    assert sorted(answered(database)) == sorted(
        ("demo", "learning-rate" if key == "alpha" else key, o, n) for _, key, o, n in before
    )
    assert report.notices == []


def test_a_renamed_and_reworded_card_keeps_its_answers_through_previous_ids(studied):  # type: ignore[no-untyped-def]
    database, deck = studied
    edited = DECK.replace(
        "  - {id: alpha, front: What is alpha?, back: A learning rate.}",
        "  - {id: step-size, front: What does alpha set?, back: The step size., previous_ids: [alpha]}",
    )
    report = resync(database, deck, edited)
    assert [(c.old, c.new, c.how) for c in report.carried_over] == [("demo/alpha", "demo/step-size", "previous_ids")]
    assert ("demo", "step-size", 1, 1) in answered(database)


def test_a_renamed_and_reworded_card_without_previous_ids_is_reported_with_the_fix(studied):  # type: ignore[no-untyped-def]
    database, deck = studied
    edited = DECK.replace("{id: alpha, front: What is alpha?,", "{id: step-size, front: What does alpha set?,")
    report = resync(database, deck, edited)
    assert report.carried_over == []
    (notice,) = report.notices
    assert notice.subject == "demo/alpha" and "gone from its deck with 1 answer(s); they are kept" in notice.message
    assert "previous_ids: [demo/alpha]" in notice.fix and "mlcards rename demo/alpha NEW-ID" in notice.fix
    assert ("demo", "alpha", 1, 1) in answered(database)  # kept, on the absent card


def test_a_card_moved_to_another_deck_file_keeps_its_answers(studied, write_deck: WriteDeck):  # type: ignore[no-untyped-def]
    database, deck = studied
    deck.write_text(DECK.replace("  - {id: beta, front: What is beta?, back: A momentum term.}\n", ""), encoding="utf-8")
    write_deck(
        "id: other\nname: Other\nsource: s\ncards:\n  - {id: beta, front: What is beta?, back: A momentum term.}\n", "other.yaml"
    )
    report = sync(database, [deck.parent])
    assert [(c.old, c.new) for c in report.carried_over] == [("demo/beta", "other/beta")]
    assert ("other", "beta", 1, 1) in answered(database)


def test_renumbered_cloze_deletions_keep_each_deletions_answers(studied):  # type: ignore[no-untyped-def]
    database, deck = studied
    rows_before = {(o, n) for _, card, o, n in answered(database) if card == "gamma"}
    assert rows_before == {(1, 1)}  # one new prompt of a card a day: c1 answered, c2 not yet
    resync(database, deck, DECK.replace("{{c1::Gamma}} scales and {{c2::beta}}", "{{c2::Gamma}} scales and {{c1::beta}}"))
    assert [(o, n) for _, card, o, n in answered(database) if card == "gamma"] == [(2, 1)]  # Gamma's answer moved with it
    resync(
        database,
        deck,
        DECK.replace("'{{c1::Gamma}} scales", "'{{c1::BatchNorm}}: {{c2::Gamma}} scales").replace("{{c2::beta}}", "{{c3::beta}}"),
    )
    assert [(o, n) for _, card, o, n in answered(database) if card == "gamma"] == [(2, 1)]


def test_an_edited_deletion_keeps_its_number_and_its_answers(studied):  # type: ignore[no-untyped-def]
    database, deck = studied
    resync(database, deck, DECK.replace("{{c1::Gamma}}", "{{c1::γ (gamma)}}"))
    assert [(o, n) for _, card, o, n in answered(database) if card == "gamma"] == [(1, 1)]


def test_a_basic_card_turned_cloze_sets_its_answers_aside_instead_of_giving_them_to_c1(studied):  # type: ignore[no-untyped-def]
    database, deck = studied
    report = resync(
        database,
        deck,
        DECK.replace(
            "  - {id: alpha, front: What is alpha?, back: A learning rate.}",
            "  - {id: alpha, type: cloze, text: 'alpha is {{c1::a learning rate}}'}",
        ),
    )
    (notice,) = report.notices
    assert notice.subject == "alpha" and "changed from basic to cloze" in notice.message
    prompts = rows(
        database.path,
        "SELECT s.ordinal, s.active, s.last_log_id > 0 AS answered FROM schedule s JOIN card c ON c.pk = s.card_pk WHERE c.card_id = 'alpha' ORDER BY s.ordinal",
    )
    assert prompts == [{"ordinal": -1, "active": 0, "answered": 1}, {"ordinal": 1, "active": 1, "answered": 0}]


def test_check_reports_what_a_rename_would_do_before_anything_is_written(tmp_path: Path):
    home = tmp_path / "home"
    folder = tmp_path / "mine"
    folder.mkdir()
    deck = folder / "demo.yaml"
    deck.write_text(DECK, encoding="utf-8")
    assert run(home, "add", str(folder)).returncode == 0
    db = home / "data" / "mlcards" / "mlcards.sqlite3"
    with Database_session(db) as database:
        session = ReviewSession(database, Settings(new_cards_per_day=10), MONDAY, ReviewFilter(deck="demo"))
        session.answer(Answer.GOOD, MONDAY)
    deck.write_text(
        DECK.replace("{id: alpha, front: What is alpha?,", "{id: step-size, front: What does alpha set?,"), encoding="utf-8"
    )
    checked = run(home, "check", str(folder))
    assert checked.returncode == 0
    assert "note: " in checked.stderr and "demo/alpha: this card is gone from its deck with 1 answer(s)" in checked.stderr
    assert rows(db, "SELECT card_id FROM card WHERE deck_id = 'demo' AND present ORDER BY card_id") == [
        {"card_id": "alpha"},
        {"card_id": "beta"},
        {"card_id": "gamma"},
    ]  # check wrote nothing
    synced = run(home, "status")
    assert "mlcards: note: " in synced.stderr and "previous_ids: [demo/alpha]" in synced.stderr


class Database_session:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Database:
        from mlcards.store.database import open_database

        self.database = open_database(self.path)
        return self.database

    def __exit__(self, *exc: object) -> None:
        self.database.close()


def test_rename_changes_the_id_in_the_yaml_and_keeps_the_answers(tmp_path: Path):
    home, folder = tmp_path / "home", tmp_path / "mine"
    folder.mkdir()
    deck = folder / "demo.yaml"
    deck.write_text("# my notes\n" + DECK, encoding="utf-8")
    assert run(home, "add", str(folder)).returncode == 0
    db = home / "data" / "mlcards" / "mlcards.sqlite3"
    with Database_session(db) as database:
        ReviewSession(database, Settings(), MONDAY, ReviewFilter(deck="demo")).answer(Answer.GOOD, MONDAY)
    renamed = run(home, "rename", "demo/alpha", "learning-rate")
    assert renamed.returncode == 0, renamed.stderr
    assert deck.read_text(encoding="utf-8") == "# my notes\n" + DECK.replace("{id: alpha,", "{id: learning-rate,")
    status = run(home, "status")
    assert status.returncode == 0 and "note:" not in status.stderr
    assert rows(
        db,
        "SELECT c.card_id, count(l.id) AS n FROM card c JOIN schedule s ON s.card_pk = c.pk JOIN review_log l ON l.schedule_id = s.id GROUP BY c.pk",
    ) == [{"card_id": "learning-rate", "n": 1}]


def test_rename_refuses_a_shipped_card_and_an_unknown_one(tmp_path: Path):
    home = tmp_path / "home"
    shipped = run(home, "rename", "ml.fundamentals.bias/bias-as-extra-weight", "x")
    assert shipped.returncode == 1 and "fork the deck first (mlcards fork ml.fundamentals.bias)" in shipped.stderr
    unknown = run(home, "rename", "nope/nothing", "x")
    assert unknown.returncode == 1 and "no card 'nope/nothing'" in unknown.stderr


def test_a_renamed_deck_id_carries_every_cards_answers(studied):  # type: ignore[no-untyped-def]
    database, deck = studied
    before = sorted((card, o, n) for _, card, o, n in answered(database))
    report = resync(database, deck, DECK.replace("id: demo\n", "id: demo.renamed\n"))
    assert len(report.carried_over) == 3
    assert sorted((card, o, n) for deck_id, card, o, n in answered(database) if deck_id == "demo.renamed") == before
