"""Sync: YAML is the source of content, the database keeps progress keyed by (deck id, card id)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from mlcards.config import Settings
from mlcards.review import Answer, ReviewSession
from mlcards.store.database import Database
from mlcards.store.sync import sync

from .dbcheck import file_fingerprint, rows, schedule_of

WriteDeck = Callable[..., Path]
NOW = datetime(2026, 3, 10, 9, 0).astimezone()

DECK = """
id: demo
name: Demo
source: Demo article
cards:
  - id: first
    front: First question?
    back: First answer.
  - id: second
    front: Second question?
    back: Second answer.
  - id: numbers
    type: cloze
    text: '{{c1::65504}} is the largest FP16 value; {{c2::$2^{-24}$}} the smallest subnormal.'
"""


def answer_all(database: Database, answer: Answer = Answer.GOOD) -> None:
    session = ReviewSession(database, Settings(), NOW)
    while session.current is not None:
        session.answer(answer, NOW)


def test_first_sync_creates_decks_cards_and_one_schedule_per_prompt(database: Database, write_deck: WriteDeck):
    report = sync(database, [write_deck(DECK).parent])
    assert report.ok and report.wrote
    assert (report.decks_synced, report.cards_added) == (1, 3)
    prompts = rows(database.path, "SELECT c.card_id, s.ordinal FROM schedule s JOIN card c ON c.pk = s.card_pk ORDER BY s.id")
    assert [(p["card_id"], p["ordinal"]) for p in prompts] == [("first", 1), ("second", 1), ("numbers", 1), ("numbers", 2)]


def test_resyncing_unchanged_files_writes_nothing(database: Database, write_deck: WriteDeck):
    folder = write_deck(DECK).parent
    sync(database, [folder])
    before = file_fingerprint(database.path)
    report = sync(database, [folder])
    assert (report.wrote, report.files_read) == (False, 0)
    assert file_fingerprint(database.path) == before


def test_editing_a_cards_text_keeps_its_progress(database: Database, write_deck: WriteDeck):
    path = write_deck(DECK)
    sync(database, [path.parent])
    answer_all(database)
    progress = schedule_of(database.path, "demo", "first")
    path.write_text(path.read_text().replace("First answer.", "First answer, reworded."))
    report = sync(database, [path.parent])
    assert report.cards_updated == 1
    assert schedule_of(database.path, "demo", "first") == progress
    assert rows(database.path, "SELECT back FROM card WHERE card_id = 'first'") == [{"back": "First answer, reworded."}]


def test_a_card_removed_from_yaml_is_hidden_and_keeps_its_history(database: Database, write_deck: WriteDeck):
    path = write_deck(DECK)
    sync(database, [path.parent])
    answer_all(database)
    path.write_text(path.read_text().replace("  - id: second\n    front: Second question?\n    back: Second answer.\n", ""))
    assert sync(database, [path.parent]).cards_removed == 1
    assert schedule_of(database.path, "demo", "second")["active"] == 0
    assert len(rows(database.path, "SELECT * FROM review_log")) == 3  # first, second, numbers c1 (c2 waits a day)
    assert "second" not in [c.card_id for c in _queue(database, cram=True)]


def test_putting_a_removed_card_back_restores_its_progress(database: Database, write_deck: WriteDeck):
    path = write_deck(DECK)
    sync(database, [path.parent])
    answer_all(database)
    progress = schedule_of(database.path, "demo", "second")
    path.write_text(DECK.replace("  - id: second\n    front: Second question?\n    back: Second answer.\n", ""))
    sync(database, [path.parent])
    path.write_text(DECK)
    report = sync(database, [path.parent])
    assert report.cards_restored == 1
    assert schedule_of(database.path, "demo", "second") == progress


def test_a_cloze_number_that_disappears_is_deactivated_and_comes_back(database: Database, write_deck: WriteDeck):
    path = write_deck(DECK)
    sync(database, [path.parent])
    path.write_text(DECK.replace("{{c2::$2^{-24}$}}", "$2^{-24}$"))
    sync(database, [path.parent])
    assert schedule_of(database.path, "demo", "numbers", 2)["active"] == 0
    path.write_text(DECK)
    sync(database, [path.parent])
    assert schedule_of(database.path, "demo", "numbers", 2)["active"] == 1


def test_a_problem_in_any_file_means_nothing_is_written(database: Database, write_deck: WriteDeck):
    path = write_deck(DECK)
    sync(database, [path.parent])
    before = file_fingerprint(database.path)
    path.write_text(DECK.replace("First answer.", "Edited."))
    write_deck("id: broken\nname: Broken\ncards:\n  - {id: a, front: q}\n", "broken.yaml")
    report = sync(database, [path.parent])
    assert not report.ok
    assert {problem.path.name for problem in report.problems} == {"broken.yaml"}
    assert file_fingerprint(database.path) == before


def test_a_deck_moved_to_another_file_keeps_its_progress(database: Database, write_deck: WriteDeck):
    path = write_deck(DECK)
    sync(database, [path.parent])
    answer_all(database)
    progress = schedule_of(database.path, "demo", "first")
    path.rename(path.with_name("renamed.yaml"))
    report = sync(database, [path.parent])
    assert report.ok and report.cards_added == 0
    assert schedule_of(database.path, "demo", "first") == progress


def test_a_deleted_deck_file_hides_its_cards(database: Database, write_deck: WriteDeck):
    path = write_deck(DECK)
    other = write_deck("id: other\nname: Other\nsource: s\ncards:\n  - {id: a, front: q, back: b}\n", "other.yaml")
    sync(database, [path.parent])
    other.unlink()
    report = sync(database, [path.parent])
    assert (report.decks_removed, report.cards_removed) == (1, 1)
    assert rows(database.path, "SELECT present FROM deck WHERE id = 'other'") == [{"present": 0}]


def test_a_new_file_cannot_take_a_deck_id_owned_by_an_unchanged_file(database: Database, write_deck: WriteDeck):
    path = write_deck(DECK)
    sync(database, [path.parent])
    write_deck(DECK.replace("name: Demo", "name: Copy"), "copy.yaml")
    report = sync(database, [path.parent])
    assert [p.message for p in report.problems] == [f"deck id 'demo' is already used by {path.resolve()}"]


def _queue(database: Database, cram: bool = False):
    session = ReviewSession(database, Settings(), NOW, cram=cram, seed=1)
    cards = []
    while session.current is not None:
        cards.append(session.current)
        session.answer(Answer.EASY, NOW)
    return cards
