"""Our own measure of YAML nesting, used when the YAML library stops on deep input first."""

from __future__ import annotations

import pytest

from mlcards.decks.nesting import DeepPoint, first_point_deeper_than


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 100_000, DeepPoint(1, 3)),
        ("a: " + "{b: " * 50, DeepPoint(1, 8)),
        ("- " * 10, DeepPoint(1, 5)),
        ("a:\n  b:\n    c:\n      d: 1\n", DeepPoint(3, 5)),
        ("x: [[[\n", DeepPoint(1, 5)),
    ],
    ids=["flow-sequences", "flow-mappings", "block-sequences-on-one-line", "indented-mappings", "flow-in-block"],
)
def test_the_first_place_past_the_limit_is_found(text: str, expected: DeepPoint):
    assert first_point_deeper_than(text, 2) == expected


@pytest.mark.parametrize(
    "text",
    [
        "front: 'a [[[[[ quoted ]] bracket'\n",
        'front: "a {{{{{ \\" quoted"\n',
        "front: plain a[b[c[d[e]]]] text\n",
        "front: text  # [[[[[ a comment\n",
        "back: |\n  $\\frac{\\frac{\\frac{\\frac{1}{2}}{3}}{4}}{5}$\n  [[[[[[\n",
        "text: '{{c1::a}} and {{c2::b}}'\n",
    ],
    ids=["single-quoted", "double-quoted", "plain", "comment", "block-scalar", "cloze"],
)
def test_brackets_in_scalars_and_comments_do_not_count(text: str):
    assert first_point_deeper_than(text, 2) is None


def test_a_deck_nests_three_levels():
    deck = "id: a\nname: A\ncards:\n  - id: x\n    front: q\n    back: b\n    tags: [t]\n"
    assert first_point_deeper_than(deck, 4) is None
    assert first_point_deeper_than(deck, 3) == DeepPoint(7, 11)
