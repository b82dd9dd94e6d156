"""Deck validation: every problem, in every file, with its location and a fix."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mlcards.decks.loader import load_paths
from mlcards.domain import CardKind

WriteDeck = Callable[..., Path]

GOOD = """
id: demo.basics
name: Demo::Basics
source: Demo article
tags: [demo]
cards:
  - id: plain
    front: What is 2 + 2?
    back: '4'
    tags: [arithmetic]
  - id: with-math
    front: 'Target logit of CosFace?'
    back: |
      $$s(\\cos\\theta_y - m)$$
  - id: numbers
    type: cloze
    text: FP16's largest finite value is {{c1::65504}}; its smallest normal is {{c2::$2^{-14}$}}.
    source: FP16 article
"""


def problems_of(*paths: Path) -> list[str]:
    return [str(problem) for problem in load_paths(paths).problems]


def only_problem(path: Path) -> str:
    found = problems_of(path)
    assert len(found) == 1, found
    return found[0]


def test_a_valid_deck_loads_every_card_with_its_fields(write_deck: WriteDeck):
    result = load_paths([write_deck(GOOD)])
    assert result.problems == []
    (deck,) = result.decks
    assert (deck.deck_id, deck.name) == ("demo.basics", "Demo::Basics")
    plain, math, numbers = deck.cards
    assert plain.tags == ("demo", "arithmetic")
    assert plain.source == "Demo article"
    assert plain.line == 6
    assert "\\cos\\theta_y" in math.back
    assert numbers.kind is CardKind.CLOZE
    assert numbers.ordinals == (1, 2)
    assert numbers.source == "FP16 article"


def test_yaml_syntax_errors_are_located_with_a_hint(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\ncards:\n  - id: a\n    front: Why: because\n    back: b\n")
    message = only_problem(path)
    assert message.startswith(f"{path}:5:")
    assert "YAML syntax error" in message
    assert "quoted or written as a block scalar" in message


def test_unknown_keys_get_a_did_you_mean_suggestion(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards:\n  - id: a\n    front: q\n    bak: b\n")
    found = problems_of(path)
    assert f"{path}:7:5: a: unknown card key 'bak' — did you mean 'back'?" in found
    assert any("missing 'back'" in problem for problem in found)


def test_unknown_deck_key_is_reported_too(write_deck: WriteDeck):
    path = write_deck("id: d\nnmae: D\nsource: s\ncards:\n  - {id: a, front: q, back: b}\n")
    found = problems_of(path)
    assert f"{path}:2:1: deck d: unknown deck key 'nmae' — did you mean 'name'?" in found


def test_missing_and_empty_fields_are_named(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards:\n  - id: a\n    front: ''\n    back:\n")
    found = problems_of(path)
    assert f"{path}:6:12: a: 'front' is empty — write the front, or remove the key if it is optional" in found
    assert any(":7:" in problem and "'back' is empty" in problem for problem in found)


def test_a_deck_without_id_name_or_cards_is_reported_once_per_missing_key(write_deck: WriteDeck):
    path = write_deck("source: s\n")
    found = problems_of(path)
    assert [problem.split(": ", 2)[-1].split(" —")[0] for problem in found] == [
        "missing 'id'",
        "missing 'name'",
        "missing 'cards'",
    ]


def test_duplicate_card_ids_point_at_the_first_use(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards:\n  - {id: a, front: q, back: b}\n  - {id: a, front: q2, back: b2}\n")
    assert (
        only_problem(path)
        == f"{path}:6:10: a: duplicate card id 'a' (first used on line 5) — give each card in a deck its own id"
    )


def test_duplicate_deck_ids_across_files_are_reported(write_deck: WriteDeck):
    first = write_deck("id: same\nname: A\nsource: s\ncards:\n  - {id: a, front: q, back: b}\n", "a.yaml")
    second = write_deck("id: same\nname: B\nsource: s\ncards:\n  - {id: a, front: q, back: b}\n", "b.yaml")
    assert problems_of(first.parent) == [
        f"{second}:1:1: deck same: deck id 'same' is already used by {first}:1 — give this deck its own id (deck ids are unique across all files)"
    ]


def test_duplicate_yaml_keys_are_not_silently_dropped(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards:\n  - id: a\n    front: q\n    front: q2\n    back: b\n")
    assert "key 'front' appears twice" in only_problem(path)


def test_a_cloze_without_deletions_says_how_to_write_one(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards:\n  - id: c\n    type: cloze\n    text: nothing hidden here\n")
    assert (
        only_problem(path)
        == f"{path}:7:11: c: a cloze card needs at least one deletion — wrap the hidden part as {{{{c1::answer}}}}"
    )


def test_a_mistyped_deletion_is_pointed_out(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards:\n  - id: c\n    type: cloze\n    text: max is {{c1:65504}}\n")
    assert "'{{c1:65504}}' looks like a mistyped one" in only_problem(path)


def test_an_unclosed_deletion_is_malformed(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards:\n  - id: c\n    type: cloze\n    text: max is {{c1::65504\n")
    assert "malformed cloze deletion: {{c1:: is never closed" in only_problem(path)


def test_mixing_basic_and_cloze_fields_is_an_error(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards:\n  - id: c\n    type: cloze\n    text: '{{c1::x}}'\n    back: y\n")
    assert "'back' mixes basic and cloze fields" in only_problem(path)


def test_text_without_type_cloze_asks_for_the_type(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards:\n  - id: c\n    text: '{{c1::x}}'\n")
    assert "'text' is a cloze field, but the card has no 'type: cloze' — add 'type: cloze' to this card" in only_problem(path)


def test_wrong_types_are_explained(write_deck: WriteDeck):
    path = write_deck(
        "id: d\nname: D\nsource: s\ntags: demo\ncards:\n  - id: a\n    front: [q]\n    back: b\n    type: flashcard\n"
    )
    found = problems_of(path)
    assert any("'tags' must be a list — write tags: [first-tag, second-tag]" in problem for problem in found)
    assert any("'front' must be text, not a list" in problem for problem in found)
    assert any("unknown card type 'flashcard'" in problem for problem in found)


def test_cards_must_be_a_non_empty_list(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards: []\n")
    assert "'cards' must be a non-empty list" in only_problem(path)


def test_double_quoted_latex_backslashes_are_caught_as_control_characters(write_deck: WriteDeck):
    path = write_deck('id: d\nname: D\nsource: s\ncards:\n  - id: beta\n    front: "What does \\beta control?"\n    back: b\n')
    message = only_problem(path)
    assert message.startswith(f"{path}:6:12: beta: 'front' is in double quotes, where YAML reads '\\b' in '\\beta' as an escape")
    assert "write LaTeX in single quotes or a block scalar (|)" in message


def test_a_control_character_typed_into_the_file_is_reported(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards:\n  - id: bell\n    front: ring \x07 ring\n    back: b\n")
    assert (
        only_problem(path)
        == f"{path}:6:17: file: the file contains U+0007 (bell), which YAML does not allow — delete it (most editors do not show it)"
    )


@pytest.mark.parametrize(
    ("quoted", "sequence", "word"),
    [
        ("What does $\\nabla_\\theta L$ point to?", "\\n", "\\nabla"),
        ("Why $\\tau$?", "\\t", "\\tau"),
        ("What is $\\Lambda$?", "\\L", "\\Lambda"),
        ("What is $x\\_1$?", "\\_", "\\_"),
        ("What is \\Lambda?", "\\L", "\\Lambda"),
    ],
)
def test_latex_mangled_by_double_quote_escapes_is_caught_even_without_control_characters(
    write_deck: WriteDeck, quoted, sequence, word
):
    path = write_deck(f'id: d\nname: D\nsource: s\ncards:\n  - id: q\n    front: "{quoted}"\n    back: b\n')
    message = only_problem(path)
    assert f"'front' is in double quotes, where YAML reads '{sequence}' in '{word}'" in message
    assert "write LaTeX in single quotes or a block scalar (|)" in message


def test_a_newline_escape_in_double_quotes_without_math_is_fine(write_deck: WriteDeck):
    path = write_deck('id: d\nname: D\nsource: s\ncards:\n  - id: q\n    front: "First line\\nsecond line"\n    back: b\n')
    assert problems_of(path) == []


def test_tab_indentation_gets_a_specific_hint(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards:\n\t- {id: a, front: q, back: b}\n")
    assert "indent with spaces; YAML does not allow tabs for indentation" in only_problem(path)


def test_every_card_needs_a_source(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\ncards:\n  - {id: a, front: q, back: b}\n")
    assert "the card has no source — add 'source:' to the card or a default 'source:' to the deck" in only_problem(path)


def test_ids_and_tags_use_a_safe_alphabet(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards:\n  - id: has space\n    front: q\n    back: b\n    tags: [two words]\n")
    found = problems_of(path)
    assert any("card id 'has space' has characters ids cannot use" in problem for problem in found)
    assert any("tag 'two words' contains a space" in problem for problem in found)


def test_an_unclosed_dollar_is_caught_but_escaped_dollars_and_code_are_fine(write_deck: WriteDeck):
    path = write_deck(
        "id: d\nname: D\nsource: s\ncards:\n"
        "  - id: a\n    front: costs $5\n    back: b\n"
        "  - id: b\n    front: 'costs \\$5'\n    back: '`echo $HOME`'\n"
    )
    assert "'front' has an unclosed math delimiter '$' — close it, or write a literal dollar sign as \\$" in only_problem(path)


def test_every_problem_in_every_file_is_reported_at_once(write_deck: WriteDeck):
    write_deck("id: a\nname: A\nsource: s\ncards:\n  - {id: x, front: q}\n  - {id: y, back: b}\n", "a.yaml")
    write_deck("id: b\nname: B\ncards:\n  - {id: x, front: q, back: b}\n", "b.yaml")
    write_deck("id: [\n", "c.yaml")
    found = problems_of(write_deck("id: ok\nname: Ok\nsource: s\ncards:\n  - {id: x, front: q, back: b}\n", "ok.yaml").parent)
    assert len(found) == 4
    assert {Path(problem.split(":")[0]).name for problem in found} == {"a.yaml", "b.yaml", "c.yaml"}


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("id: d\nname: Café\n".encode("latin-1"))
    assert only_problem(path) == f"{path}:2:1: file: the file is not valid UTF-8 — save it with UTF-8 encoding"


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "plain string\n"])
def test_a_file_that_is_not_a_deck_mapping_is_reported(write_deck: WriteDeck, text: str):
    assert only_problem(write_deck(text)).split(": ", 2)[1] == "file"


def test_latex_with_nested_braces_inside_a_deletion_is_one_deletion(write_deck: WriteDeck):
    path = write_deck(
        "id: d\nname: D\nsource: s\ncards:\n  - id: c\n    type: cloze\n    text: 'It is {{c1::$\\frac{a}{b_{i}}$}}.'\n"
    )
    (deck,) = load_paths([path]).decks
    assert deck.cards[0].ordinals == (1,)


def test_folders_are_searched_recursively_for_yaml_files_only(write_deck: WriteDeck):
    write_deck("id: a\nname: A\nsource: s\ncards:\n  - {id: x, front: q, back: b}\n", "nested/deep/a.yml")
    write_deck("not a deck", "notes.txt")
    result = load_paths([write_deck(GOOD).parent])
    assert sorted(deck.deck_id for deck in result.decks) == ["a", "demo.basics"]


@pytest.mark.parametrize("text", ["[" * 100_000, "- " * 50_000, "a: " + "{b: " * 5_000])
def test_absurdly_deep_nesting_is_an_error_not_a_crash(write_deck: WriteDeck, text: str):
    assert "nested more than 64 levels deep" in only_problem(write_deck(text))


def test_a_second_yaml_document_in_one_file_is_an_error(write_deck: WriteDeck):
    path = write_deck("id: a\nname: A\nsource: s\ncards:\n  - {id: x, front: q, back: b}\n---\nid: b\n")
    assert "keep one deck per file" in only_problem(path)


@pytest.mark.parametrize(
    ("deck", "expected"),
    [
        (
            'id: "demo\\n"\nname: D\nsource: s\ncards:\n  - {id: x, front: q, back: b}\n',
            "deck id 'demo⟨U+000A⟩' has characters ids cannot use",
        ),
        (
            'id: d\nname: D\nsource: s\ncards:\n  - {id: "x\\n", front: q, back: b}\n',
            "card id 'x⟨U+000A⟩' has characters ids cannot use",
        ),
        (
            'id: d\nname: D\nsource: s\ntags: ["t\\n"]\ncards:\n  - {id: x, front: q, back: b}\n',
            "contains the invisible character U+000A (line feed)",
        ),
    ],
    ids=["deck-id", "card-id", "tag"],
)
def test_ids_and_tags_ending_in_a_newline_are_rejected_with_their_line(write_deck: WriteDeck, deck: str, expected: str):
    message = only_problem(write_deck(deck))
    assert expected in message


@pytest.mark.parametrize(
    ("field", "value", "character"),
    [
        ("tags", '["\\e]52;c;aGFja2Vk\\a"]', "U+001B (escape)"),
        ("tags", '["a\\u202Eb"]', "U+202E (right-to-left override)"),
        ("name", '"Deck\\e[2J"', "U+001B (escape)"),
        ("name", '"Deck\\x9b31m"', "U+009B (control sequence introducer)"),
        ("name", '"Left\\u202Eright"', "U+202E (right-to-left override)"),
        ("name", '"two\\nlines"', "U+000A (line feed)"),
        ("source", '"s\\a"', "U+0007 (bell)"),
    ],
    ids=["osc52-tag", "bidi-tag", "csi-name", "c1-name", "bidi-name", "newline-name", "bell-source"],
)
def test_terminal_control_characters_in_names_tags_and_sources_are_rejected(
    write_deck: WriteDeck, field: str, value: str, character: str
):
    fields = {"name": "D", "source": "s", "tags": "[t]"} | {field: value}
    deck = f"id: d\nname: {fields['name']}\nsource: {fields['source']}\ntags: {fields['tags']}\ncards:\n  - {{id: x, front: q, back: b}}\n"
    message = only_problem(write_deck(deck))
    assert character in message
    assert "\x1b" not in message and "\x9b" not in message and "\u202e" not in message and "\n" not in message


def test_check_never_prints_a_raw_control_character(write_deck: WriteDeck, tmp_path: Path):
    path = write_deck(
        'id: d\nname: "D\\e]52;c;aGk=\\a"\nsource: s\ntags: ["\\e[31m"]\ncards:\n  - {id: x, front: "\\e[2J", back: b}\n'
    )
    result = subprocess.run([sys.executable, "-m", "mlcards", "check", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stderr.count("U+001B") >= 3
    assert not any(character in result.stderr for character in "\x1b\x07\x9b")


def test_unquoted_text_cut_short_by_a_hash_is_reported(write_deck: WriteDeck):
    path = write_deck("id: d\nname: D\nsource: s\ncards:\n  - id: x\n    front: What does Rule #10 say?\n    back: b  # a note\n")
    message = only_problem(path)
    assert message.startswith(f"{path}:6:12: x: 'front' stops before '#10 say?': in unquoted text, ' #' starts a YAML comment")
