"""Settings entries that name decks or tags and match none: which, and how they are noted."""

from __future__ import annotations

from mlcards.unmatched import LEAVE_OUT, PRIORITY, Unmatched, leaves_out_deck, note, unmatched_entries

DECKS = [("core.prob", "Core::Probability"), ("ml.vision", "ML::Vision"), ("ml.vision.gan", "ML::Vision::GAN")]
TAGS = {"gan", "loss"}


def unmatched(leave_out: tuple[str, ...] = (), priority: tuple[str, ...] = ()) -> list[Unmatched]:
    return unmatched_entries(leave_out, priority, DECKS, TAGS.__contains__)


def test_a_left_out_deck_takes_its_full_name_with_subdecks_as_written():
    assert leaves_out_deck("ML", "ML::Vision::GAN") and leaves_out_deck("ML::Vision", "ML::Vision")
    assert not leaves_out_deck("ML::Vis", "ML::Vision") and not leaves_out_deck("ml", "ML::Vision")


def test_left_out_decks_and_tags_that_match_nothing_are_found_in_order():
    found = unmatched(("ML", "nope", "tag:gan", "tag:nothing", "ml.vision", "core"))
    assert [item.entry for item in found] == ["nope", "tag:nothing", "ml.vision", "core"]  # ids and other cases: no match
    assert [item.described() for item in found[:2]] == ["nope (matches no deck)", "tag:nothing (matches no tag)"]


def test_priority_entries_match_names_with_subdecks_or_ids_in_any_case():
    assert unmatched(priority=("ml", "CORE.PROB", "Core::Probability", "tag:gan", "Vision")) == [
        Unmatched(PRIORITY, "tag:gan"),  # the priority list takes decks only
        Unmatched(PRIORITY, "Vision"),
    ]


def test_the_note_is_one_line_a_setting_with_control_characters_spelled_out():
    lines = note([Unmatched(LEAVE_OUT, "no\x1bpe"), Unmatched(PRIORITY, "a"), Unmatched(PRIORITY, "b")])
    assert lines[0].startswith("interview_leave_out in the settings: no⟨U+001B⟩pe (matches no deck); kept as written")
    assert "brings it back" in lines[0]
    assert lines[1].startswith("new_deck_priority in the settings: a (matches no deck), b (matches no deck);")
    assert "brings them back" in lines[1]


def test_nothing_is_found_when_every_entry_matches():
    assert unmatched(("ML::Vision", "tag:loss"), ("core",)) == []
