"""Syncs after the first read and send only what changed, and the YAML's structure reaches the phone:
a card removed from the YAML leaves Anki (after its phone answers are in the log), a card moved to
another deck moves there, a card turned from basic into cloze gets a cloze note. A deck file with a
problem removes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from anki.scheduler.v3 import CardAnswer

from mlcards.ankisync.faults import Stage
from mlcards.ankisync.summary import describe
from mlcards.config import Settings
from mlcards.export.anki import CLOZE_MODEL_ID, note_guid
from mlcards.review import Answer, ReviewSession
from mlcards.store.sync import sync
from mlcards.store.synced import latest_log_id, sync_marks

from .conftest import DECK, SMALL_DECK, Learner, Phone, the_log

pytestmark = pytest.mark.anki_server

WriteDeck = Callable[..., Path]

FIVE_CARDS = """
id: mine.five
name: Mine::Five
source: A test
cards:
  - {id: one, front: One?, back: Uno.}
  - {id: two, front: Two?, back: Dos.}
  - {id: three, front: Three?, back: Tres.}
  - {id: four, front: Four?, back: Cuatro.}
  - {id: five, front: Five?, back: Cinco.}
"""


SCALE_BASIC = """    front: Why are attention logits divided by $\\sqrt{d_k}$?
    back: To keep the softmax out of saturation.
"""
SCALE_CLOZE = """    type: cloze
    text: Attention logits are divided by {{c1::$\\sqrt{d_k}$}} to keep the softmax out of {{c2::saturation}}.
"""


def phone_guids(phone: Phone) -> set[str]:
    return set(phone.collection.db.list("SELECT guid FROM notes"))


def deck_on_the_phone(learner: Learner, make_phone, write_deck: WriteDeck, text: str = SMALL_DECK) -> tuple[Path, Phone]:  # type: ignore[no-untyped-def]
    """A deck file with `text`, synced into mlcards, sent to the server, and downloaded by a new phone."""
    deck = write_deck(text)
    sync(learner.database, [deck])
    learner.sync()
    phone = make_phone()
    phone.sync()
    return deck, phone


def test_a_sync_after_the_first_renders_and_reads_only_what_changed(learner: Learner, make_phone, write_deck: WriteDeck) -> None:
    deck = write_deck(FIVE_CARDS)
    sync(learner.database, [deck])
    first = learner.sync()
    assert (first.notes_rendered, first.notes_added) == (5, 5)
    phone = make_phone()
    phone.sync()
    assert learner.sync().notes_rendered == 0  # nothing changed: nothing rendered, nothing read

    deck.write_text(deck.read_text().replace("Dos.", "Two in Spanish."))
    sync(learner.database, [deck])
    phone.answer("mine.five", "four")
    phone.sync()
    report = learner.sync()
    assert (report.notes_rendered, report.notes_updated) == (1, 1)
    assert (report.anki_answers_read, report.answers_in) == (1, 1)
    assert report.cards_rescheduled == 1  # the answered card gets mlcards' replayed schedule; the others are not touched

    now = datetime.now().astimezone() + timedelta(seconds=2)
    session = ReviewSession(learner.database, Settings(), now)
    session.answer(Answer.GOOD, now)
    report = learner.sync(now)
    assert (report.answers_out, report.cards_rescheduled, report.notes_rendered) == (1, 1, 0)
    assert report.anki_answers_read <= 1  # at most the phone's answer the last sync pushed back, known already
    assert report.answers_in == 0


def test_a_phone_answer_older_than_the_last_sync_is_still_taken_in(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    answered_ms = phone.answer(DECK, "scale", CardAnswer.GOOD)  # answered offline, synced only later
    later = datetime.now().astimezone() + timedelta(seconds=5)
    session = ReviewSession(learner.database, Settings(), later)
    session.answer(Answer.GOOD, later)  # the other card, here
    assert learner.sync(later).answers_out == 1
    assert learner.sync(later).answers_in == 0
    phone.sync()
    report = learner.sync(later)
    assert report.answers_in == 1
    assert answered_ms in [row["review_time_ms"] for row in the_log(learner.database)]


def test_a_phone_answer_the_server_got_during_a_sync_is_taken_in_by_the_next(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    answered: list[int] = []

    def phone_syncs_meanwhile(stage: Stage) -> None:
        if stage is Stage.ANSWERS_OUT and not answered:  # after mlcards read the server's changes, before it pushes
            answered.append(phone.answer(DECK, "scale"))
            phone.sync()

    assert learner.sync(progress=phone_syncs_meanwhile).answers_in == 0  # the push brings it into the copy, unread
    assert learner.sync().answers_in == 1
    assert [row["review_time_ms"] for row in the_log(learner.database)] == answered


def test_a_card_removed_from_the_yaml_leaves_the_phone_after_its_answers_are_taken_in(
    learner: Learner, make_phone, write_deck: WriteDeck
) -> None:
    deck, phone = deck_on_the_phone(learner, make_phone, write_deck)
    answered_ms = phone.answer(DECK, "scale")
    phone.sync()
    deck.write_text(
        SMALL_DECK.replace(
            """  - id: scale
    front: Why are attention logits divided by $\\sqrt{d_k}$?
    back: To keep the softmax out of saturation.
""",
            "",
        )
    )
    assert sync(learner.database, [deck]).cards_removed == 1
    report = learner.sync()
    assert (report.answers_in, report.notes_removed) == (1, 1)
    assert "1 removed (their cards are gone from the YAML)" in describe(report, learner.server.url)
    assert [row["review_time_ms"] for row in the_log(learner.database)] == [answered_ms]  # kept in mlcards' log
    phone.sync()
    assert phone_guids(phone) == {note_guid(DECK, "heads")}
    assert learner.sync().notes_removed == 0  # removed once


def test_a_removed_card_put_back_in_the_yaml_returns_to_the_phone_with_its_schedule(both_synced, write_deck: WriteDeck) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    phone.answer(DECK, "scale")
    phone.sync()
    learner.sync()
    sync(learner.database, [write_deck(SMALL_DECK.replace("  - id: scale\n" + SCALE_BASIC, ""))])
    assert learner.sync().notes_removed == 1
    phone.sync()
    sync(learner.database, [write_deck(SMALL_DECK)])
    report = learner.sync()
    assert (report.notes_added, report.cards_rescheduled) == (1, 1)
    phone.sync()
    assert phone.days_until_due(DECK, "scale") == 1  # mlcards' schedule from the answer it kept


def test_a_deck_file_with_a_problem_removes_nothing_from_the_phone(both_synced, write_deck: WriteDeck) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    broken = write_deck("id: mine.attention\nname: Mine::Attention\ncards: [\n")  # the same file, now unreadable YAML
    assert not sync(learner.database, [broken]).ok  # nothing written: the last good version stays
    report = learner.sync()
    assert report.notes_removed == 0
    phone.sync()
    assert phone_guids(phone) == {note_guid(DECK, "scale"), note_guid(DECK, "heads")}


def test_a_card_moved_to_another_deck_moves_on_the_phone_with_its_history(
    learner: Learner, make_phone, write_deck: WriteDeck
) -> None:
    deck, phone = deck_on_the_phone(learner, make_phone, write_deck)
    answered_ms = phone.answer(DECK, "scale")
    phone.sync()
    learner.sync()
    scale = """  - id: scale
    front: Why are attention logits divided by $\\sqrt{d_k}$?
    back: To keep the softmax out of saturation.
"""
    deck.write_text(SMALL_DECK.replace(scale, ""))
    other = write_deck("id: mine.moved\nname: Mine::Moved\nsource: A test\ncards:\n" + scale, name="moved.yaml")
    assert sync(learner.database, [deck, other]).carried_over  # the same question: the same card, its answers with it
    report = learner.sync()
    assert (report.notes_moved, report.notes_added, report.notes_removed) == (1, 0, 0)
    phone.sync()
    assert phone_guids(phone) == {note_guid("mine.moved", "scale"), note_guid(DECK, "heads")}
    card = phone.collection.get_card(phone.card_id("mine.moved", "scale"))  # type: ignore[arg-type]
    assert phone.collection.decks.name(card.did) == "Mine::Moved"
    assert [row[0] for row in phone.revlog("mine.moved", "scale")] == [answered_ms]


def test_a_card_turned_from_basic_into_cloze_gets_a_cloze_note_on_the_phone(
    learner: Learner, make_phone, write_deck: WriteDeck
) -> None:
    deck, phone = deck_on_the_phone(learner, make_phone, write_deck)
    deck.write_text(SMALL_DECK.replace(SCALE_BASIC, SCALE_CLOZE))
    sync(learner.database, [deck])
    report = learner.sync()
    assert (report.notes_retyped, report.notes_added) == (1, 0)
    phone.sync()
    (model_id,) = phone.collection.db.list("SELECT mid FROM notes WHERE guid = ?", note_guid(DECK, "scale"))
    assert model_id == CLOZE_MODEL_ID
    assert phone.collection.card_count() == 4  # c1 and c2 of both cloze cards
    assert learner.sync().notes_retyped == 0


def test_a_phone_answer_to_the_old_basic_card_does_not_count_for_the_new_cloze_prompt(both_synced, write_deck: WriteDeck) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    phone.answer(DECK, "scale")  # the basic question, answered before the phone hears of the change
    phone.sync()
    sync(learner.database, [write_deck(SMALL_DECK.replace(SCALE_BASIC, SCALE_CLOZE))])
    report = learner.sync()
    assert (report.answers_in, report.notes_retyped) == (0, 1)
    assert the_log(learner.database) == []  # c1 of the new cloze card is still new


def test_a_note_deleted_on_the_phone_comes_back_from_the_yaml(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    phone.collection.remove_notes([phone.collection.get_card(phone.card_id(DECK, "scale")).nid])  # type: ignore[arg-type]
    phone.sync()
    report = learner.sync()
    assert (report.notes_added, report.notes_rendered) == (1, 1)
    phone.sync()
    assert phone_guids(phone) == {note_guid(DECK, "scale"), note_guid(DECK, "heads")}


def test_a_deck_renamed_in_the_yaml_is_renamed_on_the_phone_with_its_cards_history_and_new_cards(
    learner: Learner, make_phone, write_deck: WriteDeck
) -> None:
    deck, phone = deck_on_the_phone(learner, make_phone, write_deck)
    answered_ms = phone.answer(DECK, "scale")
    phone.sync()
    learner.sync()
    renamed = SMALL_DECK.replace("name: Mine::Attention", "name: Mine::Transformers::Attention")
    deck.write_text(renamed + "  - id: new-one\n    front: What does a query score against?\n    back: Every key.\n")
    assert sync(learner.database, [deck]).ok
    report = learner.sync()
    assert (report.decks_renamed, report.notes_added) == (1, 1)
    phone.sync()
    deck_names = {entry.name for entry in phone.collection.decks.all_names_and_ids()}
    assert "Mine::Transformers::Attention" in deck_names and "Mine::Attention" not in deck_names
    for card_id in ("scale", "heads", "new-one"):
        card = phone.collection.get_card(phone.card_id(DECK, card_id))  # type: ignore[arg-type]
        assert phone.collection.decks.name(card.did) == "Mine::Transformers::Attention"
    assert [row[0] for row in phone.revlog(DECK, "scale")] == [answered_ms]
    assert learner.sync().decks_renamed == 0  # once


def test_a_renamed_deck_with_a_subdeck_moves_only_its_own_cards(learner: Learner, make_phone, write_deck: WriteDeck) -> None:
    deck = write_deck(SMALL_DECK)
    child = write_deck(
        "id: mine.child\nname: Mine::Attention::Heads\nsource: A test\ncards:\n"
        "  - id: count\n    front: How many heads has the base Transformer?\n    back: Eight.\n",
        name="child.yaml",
    )
    sync(learner.database, [deck, child])
    learner.sync()
    phone = make_phone()
    phone.sync()
    deck.write_text(SMALL_DECK.replace("name: Mine::Attention", "name: Mine::Focus"))
    assert sync(learner.database, [deck, child]).ok
    assert learner.sync().decks_renamed == 1
    phone.sync()

    def deck_of(deck_id: str, card_id: str) -> str:
        card = phone.collection.get_card(phone.card_id(deck_id, card_id))  # type: ignore[arg-type]
        return phone.collection.decks.name(card.did)

    assert (deck_of(DECK, "scale"), deck_of(DECK, "heads")) == ("Mine::Focus", "Mine::Focus")
    assert deck_of("mine.child", "count") == "Mine::Attention::Heads"  # its own name, unchanged


def test_a_cloze_deletion_removed_from_the_yaml_removes_its_card_on_the_phone(
    learner: Learner, make_phone, write_deck: WriteDeck
) -> None:
    two_deletions = SMALL_DECK.replace(SCALE_BASIC, SCALE_CLOZE)
    deck, phone = deck_on_the_phone(learner, make_phone, write_deck, two_deletions)
    guid = note_guid(DECK, "scale")
    cards = "SELECT c.ord FROM cards c JOIN notes n ON n.id = c.nid WHERE n.guid = ? ORDER BY c.ord"
    assert phone.collection.db.list(cards, guid) == [0, 1]
    deck.write_text(two_deletions.replace(" out of {{c2::saturation}}", " out of saturation"))
    assert sync(learner.database, [deck]).ok
    report = learner.sync()
    assert (report.notes_updated, report.deletions_removed) == (1, 1)
    phone.sync()
    assert phone.collection.db.list(cards, guid) == [0]  # c1 stays, c2's card is gone


def test_two_decks_of_one_name_keep_their_own_anki_decks_when_only_one_of_them_changes(
    learner: Learner, make_phone, write_deck: WriteDeck
) -> None:
    twin = "id: mine.twin\nname: Mine::Attention\nsource: A test\ncards:\n  - id: q1\n    front: One?\n    back: One.\n"
    deck, phone = deck_on_the_phone(learner, make_phone, write_deck)
    other = write_deck(twin, name="twin.yaml")
    assert sync(learner.database, [deck, other]).ok
    learner.sync()
    other.write_text(twin + "  - id: q2\n    front: Two?\n    back: Two.\n")
    assert sync(learner.database, [deck, other]).ok
    assert learner.sync().notes_added == 1
    phone.sync()

    def deck_of(deck_id: str, card_id: str) -> str:
        card = phone.collection.get_card(phone.card_id(deck_id, card_id))  # type: ignore[arg-type]
        return phone.collection.decks.name(card.did)

    assert deck_of(DECK, "scale") == "Mine::Attention"  # the smaller id keeps the name, as in an export
    assert deck_of("mine.twin", "q1") == deck_of("mine.twin", "q2") == "Mine::Attention (mine.twin)"


def test_an_answer_to_a_card_removed_before_it_went_out_does_not_hold_later_syncs_back(
    learner: Learner, make_phone, write_deck: WriteDeck
) -> None:
    deck, _phone = deck_on_the_phone(learner, make_phone, write_deck)
    now = datetime.now().astimezone()
    session = ReviewSession(learner.database, learner.settings, now)
    assert session.current is not None and session.current.card_id == "scale"
    session.answer(Answer.GOOD, now)
    deck.write_text(SMALL_DECK.replace("  - id: scale\n" + SCALE_BASIC, ""))
    assert sync(learner.database, [deck]).ok
    assert learner.sync(now).answers_out == 0  # no card to go to
    marks = sync_marks(learner.database.connection)
    assert marks is not None and marks.log_id == latest_log_id(learner.database.connection)
