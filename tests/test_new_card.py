"""A new card is checked exactly as `mlcards check` checks the file, and written in atomically."""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path

import pytest

from mlcards.cli import main
from mlcards.collection import Collection
from mlcards.config import Settings
from mlcards.decks.append import CardDraft
from mlcards.decks.new_card import add_card_to_file, check_new_card, read_deck_text
from mlcards.domain import CardKind
from mlcards.store.database import open_database

from .test_unlucky_paths import shared_folder, unprivileged  # noqa: F401 (a fixture)

DECK = """\
# My notes on attention.
id: mine.attention   # never change: it keys my history
name: Mine::Attention
cards:
  - id: scale
    front: 'Why divide by $\\sqrt{d_k}$?'
    back: To keep the softmax out of saturation.
    source: Attention Is All You Need
"""


@pytest.fixture
def deck_file(tmp_path: Path) -> Path:
    path = tmp_path / "decks" / "attention.yaml"
    path.parent.mkdir()
    path.write_text(DECK, encoding="utf-8")
    return path


def check_output(path: Path, tmp_path: Path) -> list[str]:
    """What `mlcards check PATH` prints about the file, as lines."""
    out, err = io.StringIO(), io.StringIO()
    main(["--db", str(tmp_path / "no-database.sqlite3"), "check", str(path)], stdout=out, stderr=err)
    return err.getvalue().splitlines()


def test_the_problems_shown_are_exactly_those_mlcards_check_prints_for_the_file_with_the_card(deck_file: Path, tmp_path: Path):
    draft = CardDraft("scale", front="Another question?", back="", tags=("two words",))
    check = check_new_card(deck_file, deck_file.read_text(encoding="utf-8"), draft)
    assert not check.ok and check.appended is not None
    candidate = tmp_path / "candidate" / deck_file.name
    candidate.parent.mkdir()
    candidate.write_text(check.appended.text, encoding="utf-8")
    printed = check_output(candidate, tmp_path)
    assert [str(problem).replace(str(deck_file), str(candidate)) for problem in check.problems] == printed[:-1]
    assert printed[-1] == f"{len(check.problems)} problem(s) in 1 file(s); nothing was written."
    assert deck_file.read_text(encoding="utf-8") == DECK


def test_each_problem_names_the_field_it_is_about(deck_file: Path):
    draft = CardDraft("scale", front="Another question?", back="")
    check = check_new_card(deck_file, DECK, draft)
    assert {check.field_of(problem): problem.message for problem in check.problems} == {
        "id": "duplicate card id 'scale' (first used on line 5)",
        "back": "missing 'back'",
        "source": "the card has no source",
    }


def test_a_cloze_problem_and_a_control_character_are_shown_on_their_field(deck_file: Path):
    check = check_new_card(deck_file, DECK, CardDraft("c", CardKind.CLOZE, text="{{c1:forgot a colon}}", source="S"))
    assert [check.field_of(problem) for problem in check.problems] == ["text"]
    check = check_new_card(deck_file, DECK, CardDraft("c", front="Bell \x07 here", back="b", source="S"))
    assert [check.field_of(problem) for problem in check.problems] == ["front"]
    assert "U+0007" in check.problems[0].message


def test_warnings_are_those_of_mlcards_check_and_name_their_field(deck_file: Path, tmp_path: Path):
    draft = CardDraft("odd-latex", front="What is $\\foo{x}$?", back="See ![diagram](missing.png)", source="S")
    check = check_new_card(deck_file, DECK, draft)
    assert check.ok
    assert [check.field_of(warning) for warning in check.warnings] == ["front", "back"]
    held = add_card_to_file(deck_file, draft, write_with_warnings=False)
    assert held.ok and not held.written and deck_file.read_text(encoding="utf-8") == DECK
    assert add_card_to_file(deck_file, draft).written
    assert [f"warning: {warning}" for warning in check.warnings] == check_output(deck_file, tmp_path)


def test_a_valid_card_is_written_at_the_end_and_every_old_line_is_kept(deck_file: Path):
    draft = CardDraft("heads", CardKind.CLOZE, text="BERT-base has {{c1::12}} heads.", tags=("bert",), source="BERT paper")
    check = add_card_to_file(deck_file, draft)
    assert check.ok and check.written and check.card is not None and check.card.ordinals == (1,)
    assert deck_file.read_text(encoding="utf-8") == DECK + (
        "  - id: heads\n    type: cloze\n    text: BERT-base has {{c1::12}} heads.\n    tags: [bert]\n    source: BERT paper\n"
    )
    assert not list(deck_file.parent.glob(".*"))  # no temporary file left behind


def test_nothing_is_written_while_there_is_a_problem(deck_file: Path):
    before = deck_file.stat()
    check = add_card_to_file(deck_file, CardDraft("new", front="Q?", back="A"))  # no source anywhere
    assert not check.ok and check.problems[0].message == "the card has no source"
    assert deck_file.read_text(encoding="utf-8") == DECK and deck_file.stat().st_mtime_ns == before.st_mtime_ns


def test_an_edit_saved_since_the_form_opened_is_kept_and_the_card_added_to_it(deck_file: Path):
    opened = deck_file.read_text(encoding="utf-8")
    edited = opened.replace("    back: To keep", "    # my edit in the editor\n    back: To keep")
    deck_file.write_text(edited, encoding="utf-8")
    check = add_card_to_file(deck_file, CardDraft("new", front="Q?", back="A", source="S"))
    assert check.ok and check.original == edited != opened
    assert deck_file.read_text(encoding="utf-8").startswith(edited)


def test_windows_line_breaks_a_byte_order_mark_and_the_file_mode_are_kept(deck_file: Path):
    deck_file.write_bytes(b"\xef\xbb\xbf" + DECK.replace("\n", "\r\n").encode())
    deck_file.chmod(0o640)
    assert add_card_to_file(deck_file, CardDraft("new", front="Q?", back="two\nlines", source="S")).ok
    written = deck_file.read_bytes()
    assert written.startswith(b"\xef\xbb\xbf" + DECK.replace("\n", "\r\n").encode())
    assert b"\n" not in written.replace(b"\r\n", b"") and deck_file.stat().st_mode & 0o777 == 0o640


def test_a_symlinked_deck_file_stays_a_link_to_the_updated_file(deck_file: Path, tmp_path: Path):
    link = tmp_path / "link.yaml"
    link.symlink_to(deck_file)
    assert add_card_to_file(link, CardDraft("new", front="Q?", back="A", source="S")).ok
    assert link.is_symlink() and "- id: new" in deck_file.read_text(encoding="utf-8")


def test_a_broken_deck_file_gets_the_loaders_own_problems_and_is_not_touched(deck_file: Path):
    broken = DECK.replace("cards:\n", "cards:\n  - id: [unclosed\n")
    deck_file.write_text(broken, encoding="utf-8")
    check = add_card_to_file(deck_file, CardDraft("new", front="Q?", back="A", source="S"))
    assert not check.ok and check.problems[0].message.startswith("YAML syntax error")
    assert check.field_of(check.problems[0]) is None
    assert deck_file.read_text(encoding="utf-8") == broken


def test_a_file_that_is_not_utf8_or_is_gone_is_named(deck_file: Path):
    deck_file.write_bytes(DECK.encode().replace(b"My notes", b"My \xff notes"))
    assert read_deck_text(deck_file)[1][0].message == "the file is not valid UTF-8"
    deck_file.unlink()
    check = add_card_to_file(deck_file, CardDraft("new", front="Q?", back="A", source="S"))
    assert [problem.message for problem in check.problems] == ["no such file"]


def test_a_folder_that_cannot_be_written_leaves_the_file_as_it_was(shared_folder: Path):  # noqa: F811
    deck_file = shared_folder / "attention.yaml"
    deck_file.write_text(DECK, encoding="utf-8")
    deck_file.chmod(0o666)
    shared_folder.chmod(0o555)
    try:
        with unprivileged():
            check = add_card_to_file(deck_file, CardDraft("new", front="Q?", back="A", source="S"))
    finally:
        shared_folder.chmod(0o755)
    assert not check.ok and "cannot write next to the deck file (Permission denied)" in check.problems[0].message
    assert deck_file.read_text(encoding="utf-8") == DECK


def test_a_full_disk_leaves_the_deck_file_as_it_was_and_no_temporary_file(small_disk):  # type: ignore[no-untyped-def]
    deck_file = small_disk.path / "attention.yaml"
    deck_file.write_text(DECK, encoding="utf-8")
    small_disk.fill()
    try:
        check = add_card_to_file(deck_file, CardDraft("new", front="Q?", back="A" * 10_000, source="S"))
    finally:
        (small_disk.path / "filler").unlink()
    assert not check.written and "No space left on device" in check.problems[0].message
    assert deck_file.read_text(encoding="utf-8") == DECK
    assert sorted(path.name for path in small_disk.path.iterdir()) == ["attention.yaml"]


def test_the_collection_adds_only_to_the_users_own_files_and_syncs_the_new_card(deck_file: Path, tmp_path: Path):
    database = open_database(tmp_path / "mlcards.sqlite3")
    collection = Collection(database, Settings())
    try:
        check, report = collection.add_card(deck_file, CardDraft("new", front="Q?", back="A", source="S"))
        assert not check.ok and check.problems[0].message == "this is not one of your deck files"
        assert collection.own_deck_files() == []
        _, problems = collection.add([deck_file.parent], datetime.now().astimezone())
        assert not problems and collection.own_deck_files() == [deck_file.resolve()]
        check, report = collection.add_card(deck_file, CardDraft("new", front="Q?", back="A", source="S"))
        assert check.ok and report.ok and report.cards_added == 1
        (count,) = database.connection.execute(
            "SELECT count(*) FROM card WHERE deck_id = 'mine.attention' AND present"
        ).fetchone()
        assert count == 2
    finally:
        database.close()


def test_the_write_is_atomic_a_reader_sees_the_old_file_or_the_new_one(deck_file: Path, monkeypatch: pytest.MonkeyPatch):
    seen: list[str] = []
    real_replace = os.replace

    def replace_and_look(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        seen.append(Path(target).read_text(encoding="utf-8"))  # just before the switch: still the old file
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace_and_look)
    assert add_card_to_file(deck_file, CardDraft("new", front="Q?", back="A", source="S")).ok
    assert seen == [DECK] and "- id: new" in deck_file.read_text(encoding="utf-8")
