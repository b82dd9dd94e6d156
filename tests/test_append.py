"""A new card is written at the end of a deck file's cards, every other line kept as written."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, SequenceNode

from mlcards import cloze
from mlcards.decks.append import AppendError, CardDraft, append_card
from mlcards.decks.compose import compose
from mlcards.decks.loader import parse_deck_text
from mlcards.decks.scalars import block_value, inline_scalar
from mlcards.domain import CardKind, CardSpec, DeckSpec
from mlcards.markup import unbalanced_math_delimiter
from tests.test_fuzz_loader import VALID, mutated

PATH = Path("deck.yaml")
BASIC = CardDraft(
    "attention-scale", front="Why are logits divided by $\\sqrt{d_k}$?", back="To keep the softmax\nout of saturation.\n"
)
CLOZE = CardDraft(
    "base-heads", CardKind.CLOZE, text="The base model uses {{c1::8}} heads of {{c2::64}}.", extra="$512 = 8 \\times 64$"
)


def deck(text: str) -> DeckSpec:
    loaded, problems = parse_deck_text(text, PATH)
    assert problems == [] and loaded is not None, problems
    return loaded


def loaded_card(text: str, card_id: str) -> CardSpec:
    return next(card for card in deck(text).cards if card.card_id == card_id)


def one_block_inserted(old: str, new: str) -> bool:
    """`new` is `old` with whole lines inserted in one place and no old line changed."""
    return _one_block_inserted(old.splitlines(), new.splitlines())


def _one_block_inserted(old_lines: list[str], new_lines: list[str]) -> bool:
    if len(new_lines) <= len(old_lines):
        return False
    prefix = next((i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=False)) if a != b), len(old_lines))
    suffix = next(
        (i for i, (a, b) in enumerate(zip(reversed(old_lines), reversed(new_lines), strict=False)) if a != b), len(old_lines)
    )
    return prefix + suffix >= len(old_lines)


def only_a_header_stripped_and_lines_inserted(old: str, new: str) -> bool:
    """`new` is `old` with lines inserted, and one block header gaining '-' (block text at the very
    end of a file without a last line break)."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    first = next((i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=False)) if a != b), None)
    if first is None or re.fullmatch(r".*: [|>]\d?[-+]?", old_lines[first]) is None:
        return False
    if new_lines[first] != old_lines[first].rstrip("+-") + "-":
        return False
    return _one_block_inserted(old_lines, [*new_lines[:first], old_lines[first], *new_lines[first + 1 :]])


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# --- the layouts people write -------------------------------------------------------------------


def test_a_basic_card_goes_after_the_last_card_with_comments_and_quoting_kept():
    old = d("""
        # My transformer cards
        id: mine.transformers   # keep this id
        name: Mine::Transformers
        source: "Attention Is All You Need"
        cards:
          - id: first
            front: 'Q?'   # a comment on the front
            back: A.
        """)
    new = append_card(old, BASIC).text
    assert new == old + (
        "  - id: attention-scale\n"
        "    front: Why are logits divided by $\\sqrt{d_k}$?\n"
        "    back: |\n"
        "      To keep the softmax\n"
        "      out of saturation.\n"
    )
    card = loaded_card(new, "attention-scale")
    assert (card.front, card.back) == (BASIC.front, BASIC.back)


def test_a_cloze_card_is_written_with_its_type_and_gives_one_prompt_per_deletion():
    new = append_card(VALID, CLOZE).text
    card = loaded_card(new, "base-heads")
    assert card.kind is CardKind.CLOZE and card.ordinals == (1, 2) and card.extra == CLOZE.extra
    assert "    type: cloze\n" in new


def test_cards_that_are_not_the_last_key_get_the_card_before_the_next_key_and_trailing_comments_stay():
    old = d("""
        id: a
        name: A
        cards:
          - id: x
            front: q
            back: b
            # about x: stays with x
        # the deck's tags follow
        tags: [t]
        source: s
        """)
    new = append_card(old, BASIC).text
    assert one_block_inserted(old, new)
    assert new.index("# about x") < new.index("- id: attention-scale") < new.index("# the deck's tags follow")
    assert [card.card_id for card in deck(new).cards] == ["x", "attention-scale"]
    assert loaded_card(new, "attention-scale").tags == ("t",)


@pytest.mark.parametrize(
    ("items", "expected_first_line"),
    [
        ("cards:\n- id: x\n  front: q\n  back: b\n", "- id: attention-scale\n  front: "),
        ("cards:\n    - id: x\n      front: q\n      back: b\n", "    - id: attention-scale\n      front: "),
        ("cards:\n  -   id: x\n      front: q\n      back: b\n", "  -   id: attention-scale\n      front: "),
        ("cards:\n  - {id: x, front: q, back: b}\n", "  - id: attention-scale\n    front: "),
        ("cards:\n  -\n    id: x\n    front: q\n    back: b\n", "  - id: attention-scale\n    front: "),
    ],
    ids=["no-indent", "four-spaces", "wide-dash", "flow-items", "dash-alone"],
)
def test_the_new_card_is_indented_like_the_cards_already_there(items: str, expected_first_line: str):
    old = "id: a\nname: A\nsource: s\n" + items
    new = append_card(old, BASIC).text
    assert expected_first_line in new and one_block_inserted(old, new)
    assert loaded_card(new, "attention-scale").back == BASIC.back


def test_block_text_is_indented_by_the_files_own_step():
    old = "id: a\nname: A\nsource: s\ncards:\n    -   id: x\n        front: q\n        back: b\n"
    new = append_card(old, BASIC).text
    assert "        back: |\n            To keep the softmax\n" in new


def test_cards_separated_by_blank_lines_get_a_blank_line_before_the_new_one():
    old = "id: a\nname: A\nsource: s\ncards:\n  - id: x\n    front: q\n    back: b\n\n  - id: y\n    front: q2\n    back: b\n"
    new = append_card(old, BASIC).text
    assert "    back: b\n\n  - id: attention-scale\n" in new and one_block_inserted(old, new)


def test_a_file_without_a_final_line_break_or_with_windows_line_breaks_keeps_them():
    old = "id: a\r\nname: A\r\nsource: s\r\ncards:\r\n  - id: x\r\n    front: q\r\n    back: b"
    new = append_card(old, BASIC).text
    assert new.startswith(old + "\r\n  - id: attention-scale\r\n")
    assert "\n" not in new.replace("\r\n", "")
    assert loaded_card(new, "attention-scale").back == BASIC.back


def test_blank_lines_after_the_last_cards_block_text_stay_between_the_cards_and_what_follows():
    old = "id: a\nname: A\nsource: s\ncards:\n  - id: x\n    front: q\n    back: |\n      b\n\n\n# later\ntags: [t]\n"
    new = append_card(old, BASIC).text
    assert new.startswith(
        "id: a\nname: A\nsource: s\ncards:\n  - id: x\n    front: q\n    back: |\n      b\n  - id: attention-scale\n"
    )
    assert new.endswith("      out of saturation.\n\n\n# later\ntags: [t]\n")


def test_the_last_card_ending_in_a_kept_block_keeps_its_trailing_lines():
    old = "id: a\nname: A\nsource: s\ncards:\n  - id: x\n    front: q\n    back: |+\n      b\n\n\n"
    before = deck(old).cards[0].back
    new = append_card(old, BASIC).text
    assert loaded_card(new, "x").back == before == "b\n\n\n"


def test_block_text_ending_a_file_without_a_last_line_break_keeps_its_value():
    old = "id: a\nname: A\nsource: s\ncards:\n  - id: x\n    front: q\n    back: |\n      no final newline"
    new = append_card(old, BASIC).text
    assert "    back: |-\n      no final newline\n  - id: attention-scale\n" in new
    assert loaded_card(new, "x").back == deck(old).cards[0].back == "no final newline"


def test_an_alias_in_the_last_card_does_not_mislead_the_position():
    old = "id: a\nname: A\nsource: &s Shared source\ncards:\n  - id: x\n    front: q\n    back: b\n    source: *s\n# end\n"
    new = append_card(old, BASIC).text
    assert new.index("source: *s") < new.index("- id: attention-scale") < new.index("# end")


@pytest.mark.parametrize(
    "cards",
    ["cards: []  # none yet", "cards:", "cards: ~", "cards: [ ]"],
    ids=["empty-flow", "nothing", "tilde", "spaced-flow"],
)
def test_an_empty_cards_list_becomes_a_block_list_and_the_rest_of_its_line_is_kept(cards: str):
    old = f"id: a\nname: A\nsource: s\n{cards}\ntags: [t]\n"
    new = append_card(old, BASIC).text
    assert new.startswith("id: a\nname: A\nsource: s\ncards:")
    assert ("# none yet" in new) == ("# none yet" in old)
    assert "\n  - id: attention-scale\n" in new and new.endswith("tags: [t]\n")
    assert [card.card_id for card in deck(new).cards] == ["attention-scale"]


def test_a_deck_without_cards_gets_a_cards_list():
    new = append_card("id: a\nname: A\nsource: s\n# no cards yet\n", CLOZE).text
    assert new.endswith(
        "# no cards yet\ncards:\n  - id: base-heads\n    type: cloze\n    text: The base model uses {{c1::8}} heads of {{c2::64}}.\n    extra: $512 = 8 \\times 64$\n"
    )
    assert loaded_card(new, "base-heads").ordinals == (1, 2)


def test_a_flow_list_on_one_line_gets_a_flow_item_with_escaped_line_breaks():
    old = "id: a\nname: A\nsource: s\ncards: [{id: x, front: q, back: b}]  # short\n"
    new = append_card(old, BASIC).text
    assert new.startswith("id: a\nname: A\nsource: s\ncards: [{id: x, front: q, back: b}, {id: attention-scale, ")
    assert new.endswith("]  # short\n")
    assert loaded_card(new, "attention-scale").back == BASIC.back


def test_a_flow_list_with_one_card_per_line_gets_a_new_line():
    old = "id: a\nname: A\nsource: s\ncards: [\n    {id: x, front: q, back: b},  # first\n]\n"
    new = append_card(old, BASIC).text
    assert one_block_inserted(old, new)
    assert "  # first\n    {id: attention-scale, " in new and new.endswith("},\n]\n")


def test_a_flow_list_writes_several_lines_as_folded_text_so_latex_needs_no_escapes():
    old = "id: a\nname: A\nsource: s\ncards: [{id: x, front: q, back: b}]\n"
    draft = CardDraft("new", front="Why $\\sqrt{d}$?", back='First "line"\n\nthen $\\beta$\n')
    new = append_card(old, draft).text
    assert 'back: "First \\"line\\"\n\n\n' in new
    card = loaded_card(new, "new")
    assert (card.front, card.back) == (draft.front, draft.back)


def test_a_flow_list_refuses_indented_lines_beside_math_through_the_loader():
    old = "id: a\nname: A\nsource: s\ncards: [{id: x, front: q, back: b}]\n"
    new = append_card(old, CardDraft("new", front="q", back="$x$\n    indented code")).text
    _, problems = parse_deck_text(new, PATH)
    assert [problem.subject for problem in problems] == ["new"] and "double quotes" in problems[0].message


def test_a_whole_deck_in_flow_style_gets_a_flow_item():
    old = "{id: a, name: A, source: s, cards: [{id: x, front: q, back: b}]}"
    new = append_card(old, CLOZE).text
    assert [card.card_id for card in deck(new).cards] == ["x", "base-heads"]


def test_each_written_value_is_located_so_problems_can_be_shown_on_their_field():
    appended = append_card(VALID, CardDraft("new", front="Q?", back="A", tags=("x",), source="S"))
    assert {key: appended.text[start:end] for key, (start, end) in appended.field_spans.items()} == {
        "id": "new",
        "front": "Q?",
        "back": "A",
        "tags": "[x]",
        "source": "S",
    }
    assert (
        appended.text[appended.start : appended.end] == "  - id: new\n    front: Q?\n    back: A\n    tags: [x]\n    source: S\n"
    )


def test_empty_fields_are_left_out_so_the_deck_defaults_apply():
    new = append_card(VALID, CardDraft("new", front="Q?", back="A", extra="  ", source=""))
    assert "extra" not in new.text[new.start :] and "source" not in new.text[new.start :]
    assert loaded_card(new.text, "new").source == "Some article"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: a\ncards:\n  first: {}\n", "'cards' holds a mapping"),
        ("id: a\ncards: some text\n", "'cards' holds text"),
        ("- id: a\n", "a deck file must be a mapping"),
        ("id: a\ncards: [\n", "not valid YAML"),
    ],
)
def test_a_file_with_no_place_for_a_card_says_why(text: str, message: str):
    with pytest.raises(AppendError) as raised:
        append_card(text, BASIC)
    assert message in raised.value.message and raised.value.fix


# --- properties ---------------------------------------------------------------------------------

# Characters a card may hold (the loader refuses control characters and the other line breaks).
_TEXT_CHARACTERS = st.one_of(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="$\ufeff\ufffe\uffff"),
    st.sampled_from(
        [*list("\n\t #:'\"\\{}[]|>-?&*!%@`,.~="), "\n\n", "  ", ": ", " #", "$x$", "$$\\frac{a}{b}$$", "```\ncode\n```"]
    ),
)
_TEXT = (
    st.lists(_TEXT_CHARACTERS, min_size=1, max_size=24)
    .map("".join)
    .filter(lambda value: bool(value.strip()) and unbalanced_math_delimiter(value) is None)
)
_TAG = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Zs"), blacklist_characters="\ufeff\ufffe\uffff\x85"),
    min_size=1,
    max_size=10,
).filter(lambda tag: not any(character.isspace() for character in tag))
_CARD_ID = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)


@st.composite
def drafts(draw: st.DrawFn, taken: frozenset[str] = frozenset()) -> CardDraft:
    card_id = draw(_CARD_ID.filter(lambda value: value not in taken))
    extra = draw(st.one_of(st.just(""), _TEXT))
    tags = tuple(draw(st.lists(_TAG, max_size=3)))
    source = draw(st.one_of(st.just(""), _TEXT))
    if draw(st.booleans()):
        front = draw(_TEXT.filter(lambda value: not cloze.parse_deletions_safe(value) and "{{c" not in value))
        return CardDraft(card_id, CardKind.BASIC, front=front, back=draw(_TEXT), extra=extra, tags=tags, source=source)
    plain = _TEXT.filter(lambda value: "{" not in value and "}" not in value)
    answer = draw(plain.filter(lambda value: ":" not in value and "\\" not in value))
    text = draw(st.one_of(st.just(""), plain)) + "{{c1::" + answer + "}}" + draw(st.one_of(st.just(""), plain))
    assume(unbalanced_math_delimiter(text) is None and cloze.parse_deletions_safe(text))
    return CardDraft(card_id, CardKind.CLOZE, text=text, extra=extra, tags=tags, source=source)


_SIMPLE_VALUES = ["q", "'quoted: yes'", '"double \\\\alpha"', "plain words, with a comma", "'$\\beta$ # not a comment'"]
_BLOCK_VALUES = [
    "|\n{i}line one\n{i}  line two\n",
    "|-\n{i}stripped\n",
    "|+\n{i}kept\n\n",
    ">\n{i}folded\n{i}text\n",
    "|\n{i}ends\n\n\n",
]


@st.composite
def deck_files(draw: st.DrawFn) -> str:
    """Valid deck files in the layouts people write: any indentation, comments, blank lines,
    flow or block cards, `cards:` anywhere among the keys, CRLF, with or without a last line break."""
    dash = draw(st.sampled_from([0, 2, 4]))
    offset = draw(st.sampled_from([2, 3, 4]))
    key_indent = " " * (dash + offset)
    comment = st.sampled_from(["", "# a comment\n", "\n", "   # indented comment\n", "\n# before\n\n"])
    cards: list[str] = []
    for number in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 4)) == 0:
            cards.append(" " * dash + f"- {{id: c{number}, front: q{number}, back: 'b: {number}'}}\n")
            continue
        lines = [" " * dash + "-" + " " * (offset - 1) + f"id: c{number}" + draw(st.sampled_from(["", "  # id"])) + "\n"]
        lines.append(f"{key_indent}front: {draw(st.sampled_from(_SIMPLE_VALUES))}\n")
        back = draw(st.sampled_from(_SIMPLE_VALUES + _BLOCK_VALUES))
        body = back.format(i=key_indent + "  ") if "{i}" in back else back + "\n"
        lines.append(f"{key_indent}back: {body}")
        if draw(st.booleans()):
            lines.append(f"{key_indent}tags: {draw(st.sampled_from(['[a, b]', '[]', '[x]']))}\n")
        if draw(st.booleans()):
            lines.append(f"{key_indent}# a comment inside the card\n")
        cards.append("".join(lines) + draw(comment))
    flow = draw(st.integers(0, 5)) == 0
    if flow:
        items = [f"{{id: f{number}, front: q, back: 'b'}}" for number in range(len(cards))]
        cards_text = (
            "cards: [" + ", ".join(items) + "]\n"
            if draw(st.booleans())
            else "cards: [\n" + "".join(f"  {item},\n" for item in items) + "]\n"
        )
    else:
        cards_text = "cards:" + draw(st.sampled_from(["", "  # the cards"])) + "\n" + "".join(cards)
    others = ["id: gen.deck\n", "name: Gen::Deck\n", "source: Generated\n", "tags: [gen]\n", "description: |\n  A deck.\n"]
    order = draw(st.permutations([*others, cards_text]))
    text = draw(st.sampled_from(["", "# header\n\n"])) + "".join(part + draw(comment) for part in order)
    if draw(st.booleans()):
        text = text.rstrip("\n")
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


def needs_escapes_beside_latex(value: str) -> bool:
    """Text a flow list can hold only with escapes like \\n, which the loader refuses next to math
    (see test_a_flow_list_refuses_indented_lines_beside_math_through_the_loader)."""
    return "\n" in value and bool(re.search(r"[ \t]\n|\n[ \t]", value)) and bool(re.search("[$\xa0]", value))


def assert_card_added(old: str, draft: CardDraft) -> str:
    before = deck(old)
    new = append_card(old, draft).text
    after = deck(new)
    assert after.cards[:-1] == before.cards  # every old card exactly as it was, line numbers included
    card = after.cards[-1]
    assert (card.card_id, card.kind, card.front, card.back, card.text, card.extra) == (
        draft.card_id,
        draft.kind,
        draft.front,
        draft.back,
        draft.text,
        draft.extra,
    )
    deck_source = next(c.source for c in before.cards)  # generated decks all give their cards a source
    assert card.source == (draft.source or deck_source) or draft.source == ""
    assert set(draft.tags) <= set(card.tags)
    return new


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_any_valid_deck_plus_any_valid_card_loads_as_the_old_cards_plus_the_new_one(data: st.DataObject):
    old = data.draw(deck_files())
    taken = frozenset(card.card_id for card in deck(old).cards)
    draft = data.draw(drafts(taken))
    if "cards: [" in old:
        assume(not any(needs_escapes_beside_latex(value) for value in (draft.front, draft.back, draft.text, draft.extra)))
    new = assert_card_added(old, draft)
    if "cards: [" not in old and "cards: []" not in old:
        assert one_block_inserted(old, new) or (not old.endswith("\n") and only_a_header_stripped_and_lines_inserted(old, new))
    else:  # a flow list: the line holding its end takes the new card; every other line is kept
        old_lines, new_lines = old.splitlines(), new.splitlines()
        prefix = next((i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=False)) if a != b), len(old_lines))
        suffix = next(
            (i for i, (a, b) in enumerate(zip(reversed(old_lines), reversed(new_lines), strict=False)) if a != b), len(old_lines)
        )
        assert prefix + suffix >= len(old_lines) - 1


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(mutated(), st.data())
def test_any_edit_of_a_deck_that_still_loads_takes_a_new_card_the_same_way(text: str, data: st.DataObject):
    loaded, problems = parse_deck_text(text, PATH)
    assume(loaded is not None and not problems)
    assert loaded is not None
    draft = data.draw(drafts(frozenset(card.card_id for card in loaded.cards)))
    assert_card_added(text, draft)


@settings(max_examples=500)
@given(st.text(), st.sampled_from([0, 2, 4]), st.sampled_from([1, 2, 4]))
def test_any_text_reads_back_exactly_from_what_is_written(value: str, key_column: int, step: int):
    written = block_value(value, key_column, step, "\n")
    document = compose(" " * key_column + "key: " + written + "\n" + " " * key_column + "next: x\n")
    assert isinstance(document, MappingNode)
    assert [(key.value, item.value) for key, item in document.value] == [("key", value), ("next", "x")]
    flow = compose("[" + inline_scalar(value, flow=True) + "]")
    assert isinstance(flow, SequenceNode) and [item.value for item in flow.value] == [value]
