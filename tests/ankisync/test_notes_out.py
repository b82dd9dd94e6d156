"""Cards and decks out to a real sync server: the phone gets every deck, once, and the YAML's text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

from mlcards.ankisync.run import FullSync
from mlcards.export import export_anki_package
from mlcards.export.anki import BASIC_MODEL_ID, CLOZE_MODEL_ID, note_guid
from mlcards.paths import shipped_decks_dir
from mlcards.store.database import Database
from mlcards.store.sync import sync

from .conftest import SMALL_DECK, Learner

pytestmark = pytest.mark.anki_server

WriteDeck = Callable[..., Path]


def present_cards(database: Database) -> list[tuple[str, str]]:
    return [
        (deck_id, card_id)
        for deck_id, card_id in database.connection.execute(
            "SELECT c.deck_id, c.card_id FROM card c JOIN deck d ON d.id = c.deck_id WHERE c.present AND d.present"
        )
    ]


def test_the_first_sync_carries_every_shipped_deck_to_the_phone(learner: Learner, make_phone) -> None:
    sync(learner.database, [shipped_decks_dir()])
    report = learner.sync()
    assert report.full_sync is FullSync.UPLOAD  # an empty server takes the whole collection
    phone = make_phone()
    phone.sync()
    cards = present_cards(learner.database)
    assert report.notes_added == len(cards) > 1000
    phone_guids = set(phone.collection.db.list("SELECT guid FROM notes"))
    assert phone_guids == {note_guid(deck_id, card_id) for deck_id, card_id in cards}
    prompts = learner.database.connection.execute(
        "SELECT count(*) FROM schedule s JOIN card c ON c.pk = s.card_pk JOIN deck d ON d.id = c.deck_id "
        "WHERE s.active AND c.present AND d.present"
    ).fetchone()[0]
    assert phone.collection.card_count() == prompts
    deck_names = {name for (name,) in learner.database.connection.execute("SELECT name FROM deck WHERE present")}
    assert deck_names <= {deck.name for deck in phone.collection.decks.all_names_and_ids()}  # Anki matches decks by name
    assert set(phone.collection.db.list("SELECT DISTINCT mid FROM notes")) == {BASIC_MODEL_ID, CLOZE_MODEL_ID}


def test_a_phone_that_imported_an_export_before_gets_no_duplicates(
    learner: Learner, make_phone, write_deck: WriteDeck, tmp_path: Path
) -> None:
    sync(learner.database, [write_deck(SMALL_DECK)])
    package = export_anki_package(learner.database, tmp_path / "before.apkg", datetime.now().astimezone()).path
    phone = make_phone()
    phone.collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions()))
    phone.sync()  # the phone's collection, with the imported notes, goes up first
    report = learner.sync()
    assert report.full_sync is FullSync.DOWNLOAD  # mlcards' empty copy takes the server's collection
    assert (report.notes_added, report.notes_updated) == (0, 0)
    phone.sync()
    assert (phone.collection.note_count(), phone.collection.card_count()) == (2, 3)


def test_a_yaml_edit_reaches_the_phone_without_losing_the_cards_history(
    learner: Learner, make_phone, write_deck: WriteDeck
) -> None:
    deck = write_deck(SMALL_DECK)
    sync(learner.database, [deck])
    learner.sync()
    phone = make_phone()
    phone.sync()
    answered = phone.answer("mine.attention", "scale")
    phone.sync()
    learner.sync()
    deck.write_text(deck.read_text().replace("To keep the softmax out of saturation.", "Dot products grow like d_k."))
    sync(learner.database, [deck])
    report = learner.sync()
    assert report.notes_updated == 1 and report.edited_in_anki == ()
    phone.sync()
    note = phone.collection.get_card(phone.card_id("mine.attention", "scale")).note()  # type: ignore[arg-type]
    assert "Dot products grow like d_k." in note["Back"]
    assert [row[0] for row in phone.revlog("mine.attention", "scale")] == [answered]
    assert phone.days_until_due("mine.attention", "scale") == 1


def test_a_note_edited_on_the_phone_is_named_and_the_yaml_text_wins(learner: Learner, make_phone, write_deck: WriteDeck) -> None:
    sync(learner.database, [write_deck(SMALL_DECK)])
    learner.sync()
    phone = make_phone()
    phone.sync()
    note = phone.collection.get_card(phone.card_id("mine.attention", "scale")).note()  # type: ignore[arg-type]
    note["Back"] = "edited on the phone"
    phone.collection.update_note(note)
    phone.sync()
    report = learner.sync()
    assert report.edited_in_anki == ("mine.attention/scale",)
    phone.sync()
    assert "out of saturation" in phone.collection.get_note(note.id)["Back"]
    assert learner.sync().edited_in_anki == ()  # named once


def test_syncing_again_with_nothing_new_changes_nothing(learner: Learner, make_phone, write_deck: WriteDeck) -> None:
    sync(learner.database, [write_deck(SMALL_DECK)])
    learner.sync()
    report = learner.sync()
    assert (report.notes_added, report.notes_updated, report.answers_in, report.answers_out, report.cards_rescheduled) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert report.full_sync is None
