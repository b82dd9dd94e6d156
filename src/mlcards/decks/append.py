"""A new card written into a deck file's text, every other byte of the file kept as it was.

The card goes at the end of the file's `cards:` sequence, found from the YAML parser's marks,
so comments, blank lines, key order, quoting and the other keys (before or after `cards:`) stay
exactly as written. It is indented like the cards already there; multi-line text is written as
a literal block (`|`), so LaTeX and code need no escaping. Pure: text in, text out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from mlcards.decks.compose import MAX_DEPTH
from mlcards.decks.scalars import block_value, flow_value, inline_scalar
from mlcards.domain import CardKind

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CARD_KEYS_IN_ORDER = ("id", "type", "front", "back", "text", "extra", "tags", "source")
DEFAULT_STEP = 2  # indentation of a new `cards:` list, and of block text past its key
_NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
_BLOCK_HEADER = re.compile(r"[|>]([-+1-9]{0,2})")
_HELD = {"": "nothing", "null": "nothing", "sequence": "a list", "a mapping": "a mapping", "text": "text", "an alias": "an alias"}


@dataclass(frozen=True, slots=True)
class CardDraft:
    """A card as a person fills it in: empty fields are left out of the file (the deck's default
    source and tags apply; a missing required field is reported by the loader like any other)."""

    card_id: str
    kind: CardKind = CardKind.BASIC
    front: str = ""
    back: str = ""
    text: str = ""
    extra: str = ""
    tags: tuple[str, ...] = ()
    source: str = ""

    def written_fields(self) -> list[tuple[str, str | tuple[str, ...]]]:
        """(key, value) in the order they are written, without the empty ones."""
        values: dict[str, str | tuple[str, ...]] = {
            "id": self.card_id,
            "type": "cloze" if self.kind is CardKind.CLOZE else "",
            "front": self.front if self.kind is CardKind.BASIC else "",
            "back": self.back if self.kind is CardKind.BASIC else "",
            "text": self.text if self.kind is CardKind.CLOZE else "",
            "extra": self.extra,
            "tags": self.tags,
            "source": self.source,
        }
        return [(key, values[key]) for key in CARD_KEYS_IN_ORDER if _filled(values[key])]


def _filled(value: str | tuple[str, ...]) -> bool:
    return bool(value) if isinstance(value, tuple) else bool(value.strip())


@dataclass(frozen=True, slots=True)
class Appended:
    text: str  # the whole new file
    start: int  # offset of the new card's text in it
    end: int
    field_spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # each written value's offsets

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1


class AppendError(ValueError):
    """The file's text has no place a card can go (not YAML, or `cards` is not a list)."""

    def __init__(self, message: str, fix: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.line = line
        self.column = column


@dataclass
class _Frame:
    is_mapping: bool
    flow: bool
    expecting_key: bool = True


@dataclass
class _Layout:
    """Where things are in the file, as offsets into its text."""

    root_flow: bool = False
    root_column: int = 0
    root_has_keys: bool = False
    root_end: int = 0  # where the root mapping ends: a missing `cards:` goes here
    key_end: int | None = None  # just past the first `cards` key
    key_line: int = 0
    key_column: int = 0
    value: str = ""  # "sequence", "null", or what else `cards` holds
    value_start: int = 0
    value_end: int = 0
    value_flow: bool = False
    value_line: int = 0
    item_starts: list[int] = field(default_factory=list)
    content_end: int | None = None  # just past the last thing written inside the sequence
    close: int = 0  # a flow sequence's closing bracket
    last_block_scalar: tuple[int, int] | None = None  # where the file's last `|` or `>` text starts and ends
    last_content_literal: tuple[int, str] | None = None  # the list's last content, if `|` text: its start and value


def append_card(text: str, draft: CardDraft) -> Appended:
    """`text` with `draft` written as the last item of its `cards:` list."""
    layout = _read_layout(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    if layout.root_flow or (layout.value == "sequence" and layout.value_flow and layout.item_starts):
        return _append_in_flow(text, layout, draft, newline)
    if layout.key_end is None:
        return _add_cards_key(text, layout, draft, newline)
    if layout.value == "sequence" and layout.item_starts:
        return _append_to_block_list(text, layout, draft, newline)
    if layout.value in ("null", "sequence"):  # `cards:` with nothing, `cards: ~` or `cards: []`: start a block list
        return _start_block_list(text, layout, draft, newline)
    raise AppendError(
        f"'cards' holds {_HELD[layout.value]}, not a list of cards",
        "write the cards as a list: 'cards:' then '  - id: ...'",
        layout.value_line,
    )


# --- reading the file's layout ----------------------------------------------------------------


def _read_layout(text: str) -> _Layout:
    loader: Any = _Loader(text)
    try:
        return _walk(loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise AppendError(
            "the deck file is not valid YAML", "fix the file first (mlcards check shows how)", line, column
        ) from None
    except yaml.YAMLError:
        raise AppendError("the deck file is not valid YAML", "fix the file first (mlcards check shows how)") from None
    finally:
        loader.dispose()


def _walk(loader: Any) -> _Layout:
    reader = _LayoutReader()
    while (event := loader.get_event()) is not None and not reader.done:
        reader.read(event)
    return reader.layout


class _LayoutReader:
    """Follows the parser's events through the root mapping, noting where `cards` and its items are."""

    def __init__(self) -> None:
        self.layout = _Layout()
        self.stack: list[_Frame] = []
        self.cards_depth: int | None = None  # how deep the stack is inside the `cards` list; -1 once it ended
        self.key: str | None = None  # the root key whose value comes next
        self.done = False

    def read(self, event: Any) -> None:
        start, end = event.start_mark, event.end_mark
        if not self.stack:
            self.read_root(event, start.column)
            return
        if self.cards_depth == len(self.stack) and not isinstance(event, (SequenceEndEvent, MappingEndEvent)):
            self.layout.item_starts.append(start.index)
        if isinstance(event, CollectionStartEvent):
            self.open(event)
        elif isinstance(event, (SequenceEndEvent, MappingEndEvent)):
            self.close(start.index, end.index)
        else:
            self.read_node(event, start, end)

    def read_root(self, event: Any, column: int) -> None:
        if isinstance(event, (ScalarEvent, AliasEvent, SequenceStartEvent)):
            raise AppendError("a deck file must be a mapping", "start with 'id:', 'name:' and 'cards:'")
        if isinstance(event, MappingStartEvent):
            self.layout.root_flow = bool(event.flow_style)
            self.layout.root_column = column
            self.stack.append(_Frame(is_mapping=True, flow=self.layout.root_flow))
        # stream and document events around the root say nothing about it

    @property
    def inside_cards(self) -> bool:
        return self.cards_depth is not None and self.cards_depth > 0 and len(self.stack) >= self.cards_depth

    def is_cards_value(self) -> bool:
        return len(self.stack) == 1 and not self.stack[0].expecting_key and self.key == "cards" and not self.layout.value

    def open(self, event: Any) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise AppendError("the deck file is nested too deeply", "fix the file first (mlcards check shows how)")
        if self.is_cards_value():
            layout = self.layout
            layout.value = "sequence" if isinstance(event, SequenceStartEvent) else "a mapping"
            layout.value_start, layout.value_line = event.start_mark.index, event.start_mark.line + 1
            layout.value_flow = bool(event.flow_style)
            if isinstance(event, SequenceStartEvent):
                self.cards_depth = len(self.stack) + 1
        self.stack.append(_Frame(is_mapping=isinstance(event, MappingStartEvent), flow=bool(event.flow_style)))

    def close(self, start: int, end: int) -> None:
        closed = self.stack.pop()
        if self.cards_depth == len(self.stack) + 1:
            self.layout.close, self.layout.value_end = start, end
            self.cards_depth = -1
        elif self.inside_cards and closed.flow:
            self.layout.content_end = end  # just past a ']' or '}' inside a card
        if not self.stack:
            self.layout.root_end = start
            self.done = True
            return
        self.node_done()

    def read_node(self, event: Any, start: Any, end: Any) -> None:
        """A scalar or an alias: a whole node, from mark `start` to mark `end`."""
        layout = self.layout
        if isinstance(event, ScalarEvent) and event.style in ("|", ">"):
            layout.last_block_scalar = (start.index, end.index)
        if self.inside_cards:
            layout.content_end = end.index
            literal = isinstance(event, ScalarEvent) and event.style == "|"
            layout.last_content_literal = (start.index, event.value) if literal else None
        if len(self.stack) == 1 and self.stack[0].expecting_key:
            self.key = event.value if isinstance(event, ScalarEvent) else None
            layout.root_has_keys = True
            if self.key == "cards" and layout.key_end is None:
                layout.key_end = end.index
                layout.key_line, layout.key_column = start.line + 1, start.column
            elif self.key == "cards":
                self.key = None  # a second `cards`: the loader reports it; the first one is the list
            self.stack[0].expecting_key = False
            return
        if self.is_cards_value():
            layout.value_line = start.line + 1
            if isinstance(event, AliasEvent):
                layout.value = "an alias"
            elif event.tag is None and event.implicit[0] and not event.style and event.value in _NULL_WORDS:
                layout.value = "null"
                layout.value_start, layout.value_end = start.index, end.index
            else:
                layout.value = "text"
        self.node_done()

    def node_done(self) -> None:
        """A node inside the innermost collection is complete: in a mapping, keys and values alternate."""
        parent = self.stack[-1]
        if parent.is_mapping:
            parent.expecting_key = not parent.expecting_key
        if len(self.stack) == 1 and parent.expecting_key:
            self.key = None


# --- writing ------------------------------------------------------------------------------------


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _after_line(text: str, offset: int) -> int:
    """The offset just past the line break that ends the line holding `offset` (or the end)."""
    found = text.find("\n", offset)
    return len(text) if found == -1 else found + 1


def _block_item(
    draft: CardDraft, dash_column: int, key_offset: int, step: int, newline: str
) -> tuple[str, dict[str, tuple[int, int]]]:
    """The card as a block sequence item, ending with a line break; and each value's offsets in it."""
    key_column = dash_column + key_offset
    pieces: list[str] = []
    spans: dict[str, tuple[int, int]] = {}
    length = 0
    fields = draft.written_fields()
    if not fields:
        fields = [("id", "")]
    for number, (key, value) in enumerate(fields):
        lead = " " * dash_column + "-" + " " * (key_offset - 1) if number == 0 else " " * key_column
        if isinstance(value, tuple):
            written = "[" + ", ".join(inline_scalar(tag, flow=True) for tag in value) + "]"
        elif key == "id" and not value:
            written = "''"
        else:
            written = block_value(value, key_column, step, newline)
        line = f"{lead}{key}: "
        spans[key] = (length + len(line), length + len(line) + len(written))
        pieces.append(line + written + newline)
        length += len(pieces[-1])
    return "".join(pieces), spans


def _flow_item(draft: CardDraft, indent: str, newline: str) -> tuple[str, dict[str, tuple[int, int]]]:
    """The card as a flow mapping `{id: ..., front: ...}`; and each value's offsets in it. Text of
    several lines continues on lines indented by `indent`."""
    text = "{"
    spans: dict[str, tuple[int, int]] = {}
    for number, (key, value) in enumerate(draft.written_fields()):
        text += (", " if number else "") + f"{key}: "
        if isinstance(value, tuple):
            written = "[" + ", ".join(inline_scalar(tag, flow=True) for tag in value) + "]"
        else:
            written = flow_value(value, indent, newline)
        spans[key] = (len(text), len(text) + len(written))
        text += written
    return text + "}", spans


def _edited(text: str, edits: list[tuple[int, int, str]]) -> tuple[str, list[int]]:
    """`text` with each (start, end, replacement) applied; where each replacement now starts."""
    pieces: list[str] = []
    starts: list[int] = []
    position = length = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        pieces.append(text[position:start])
        length += start - position
        starts.append(length)
        pieces.append(replacement)
        length += len(replacement)
        position = end
    pieces.append(text[position:])
    return "".join(pieces), starts


def _shifted(spans: dict[str, tuple[int, int]], by: int) -> dict[str, tuple[int, int]]:
    return {key: (start + by, end + by) for key, (start, end) in spans.items()}


def _appended(
    text: str,
    layout: _Layout,
    edits: list[tuple[int, int, str]],
    card_edit: int,
    lead: int,
    card: tuple[str, dict[str, tuple[int, int]]],
) -> Appended:
    """Apply `edits`; the card's text is edit number `card_edit`, after `lead` characters of it."""
    body, spans = card
    final = layout.last_block_scalar
    if (
        final is not None
        and final[1] == len(text)
        and not text.endswith("\n")
        and any(start == len(text) for start, _, _ in edits)
    ):
        # Block text running to the end of a file without a last line break has no final newline;
        # the line break the card needs would give it one, unless its header says to strip it.
        edits = [*edits, _stripping_header(text, final[0])]
    new_text, starts = _edited(text, edits)
    start = starts[card_edit] + lead
    return Appended(new_text, start, start + len(body), _shifted(spans, start))


def _stripping_header(text: str, start: int) -> tuple[int, int, str]:
    """An edit turning the block scalar header at `start` (`|`, `>2+`, ...) into its strip (`-`) form."""
    header = _BLOCK_HEADER.search(text, start)
    assert header is not None  # the parser read a block scalar here
    indicator = header.group(1).replace("+", "").replace("-", "")
    return header.start(), header.end(), header.group(0)[0] + indicator + "-"


def _append_to_block_list(text: str, layout: _Layout, draft: CardDraft, newline: str) -> Appended:
    last = layout.item_starts[-1]
    dash_column, key_offset = _item_indentation(text, last)
    assert layout.content_end is not None  # a block list with an item has content
    end = layout.content_end
    at = end if end > 0 and text[end - 1] == "\n" else _after_line(text, end)
    if layout.last_content_literal is not None:
        at = _after_literal_text(text, *layout.last_content_literal, end)
    card = _block_item(draft, dash_column, key_offset, max(DEFAULT_STEP, key_offset), newline)
    at = _settled(text, at, dash_column, card[0].endswith(newline * 2))
    lead = ""
    if at > 0 and text[at - 1] != "\n":  # the file ends without a line break
        lead = newline
    elif len(layout.item_starts) > 1 and _blank_line_before(text, last) and not text[:at].endswith(("\n\n", "\n\r\n")):
        lead = newline  # the cards are separated by blank lines: so is the new one
    return _appended(text, layout, [(at, at, lead + card[0])], 0, len(lead), card)


def _after_literal_text(text: str, start: int, value: str, end: int) -> int:
    """Just past the last line of `|` text (from `start` to `end`), before the blank lines YAML
    read after it: a new card there leaves them between the cards and what follows. With `|+`
    those lines are part of the text, and the card goes after them, at `end`."""
    header = _BLOCK_HEADER.search(text, start)
    if header is None or "+" in header.group(1):
        return end
    content = value.rstrip("\n")
    at = _after_line(text, start)  # past the header line
    for _ in range(content.count("\n") + 1 if content else 0):
        at = _after_line(text, at)
    return at if at <= end and not text[at:end].strip() else end  # only blank lines may be passed over


def _item_indentation(text: str, item_start: int) -> tuple[int, int]:
    """The column of an item's '-' and how far past it its keys start."""
    line_start = _line_start(text, item_start)
    before = text[line_start:item_start]
    stripped = before.rstrip(" ")
    if stripped.endswith("-") and not stripped[:-1].strip(" "):
        dash_column = len(stripped) - 1
        return dash_column, max(2, len(before) - dash_column)
    # `-` alone on its line and the card below it: find the dash on the lines above.
    search = line_start - 1
    while search > 0:
        above_start = _line_start(text, search)
        above = text[above_start:search].rstrip("\r")
        content = above.split(" #", 1)[0].rstrip(" ") if not above.lstrip(" ").startswith("#") else ""
        if content.strip(" ") == "-":
            return len(content) - 1, DEFAULT_STEP
        if content.strip(" "):
            break
        search = above_start - 1
    return max(0, item_start - line_start - DEFAULT_STEP), DEFAULT_STEP


def _settled(text: str, at: int, dash_column: int, keeps_trailing_lines: bool) -> int:
    """Where the card goes, from the line start `at`: past comment lines indented beyond its dash
    (they belong to the card above, and the new card's block text would swallow them), and past
    blank lines too when its last text keeps trailing empty lines (`|+` would swallow those)."""
    settled = position = at
    while position < len(text):
        line_end = _after_line(text, position)
        line = text[position:line_end]
        content = line.lstrip(" \t")
        indentation = len(line) - len(line.lstrip(" "))
        if not content.strip():
            position = line_end
            settled = position if keeps_trailing_lines else settled
        elif content.startswith("#") and (indentation > dash_column or line[indentation : indentation + 1] == "\t"):
            position = settled = line_end
        else:
            break
    return settled


def _blank_line_before(text: str, item_start: int) -> bool:
    line_start = _line_start(text, item_start)
    if line_start == 0:
        return False
    previous = text[_line_start(text, line_start - 1) : line_start]
    return not previous.strip()


def _start_block_list(text: str, layout: _Layout, draft: CardDraft, newline: str) -> Appended:
    """`cards:` with no list, `cards: ~` or `cards: []`: the value goes, a block list starts below."""
    assert layout.key_end is not None
    edits: list[tuple[int, int, str]] = []
    if layout.value_end > layout.value_start:
        start = layout.value_start
        while start > layout.key_end and text[start - 1] in " \t":  # 'cards: []' becomes 'cards:'
            start -= 1
        edits.append((start, layout.value_end, ""))
    line_end = text.find("\n", layout.key_end)
    at = len(text) if line_end == -1 else line_end + 1
    if edits and edits[0][1] > at:  # the value sat on the lines below: drop it and start the list there
        at = edits[0][1]
    card = _block_item(draft, layout.key_column + DEFAULT_STEP, DEFAULT_STEP, DEFAULT_STEP, newline)
    if at == 0 or text[at - 1] == "\n":
        at = _settled(text, at, layout.key_column + DEFAULT_STEP, card[0].endswith(newline * 2))
    lead = newline if at > 0 and text[at - 1] != "\n" else ""
    edits.append((at, at, lead + card[0]))
    return _appended(text, layout, edits, len(edits) - 1, len(lead), card)


def _add_cards_key(text: str, layout: _Layout, draft: CardDraft, newline: str) -> Appended:
    """No `cards:` at all: add it at the end of the deck's mapping."""
    at = layout.root_end
    lead = newline if at > 0 and text[at - 1] != "\n" else ""
    header = " " * layout.root_column + "cards:" + newline
    card = _block_item(draft, layout.root_column + DEFAULT_STEP, DEFAULT_STEP, DEFAULT_STEP, newline)
    return _appended(text, layout, [(at, at, lead + header + card[0])], 0, len(lead) + len(header), card)


def _append_in_flow(text: str, layout: _Layout, draft: CardDraft, newline: str) -> Appended:
    """The list is in flow style (`[...]`), or the whole deck is: add a `{...}` item before the ']'."""
    anchor = layout.item_starts[-1] if layout.item_starts else layout.close
    card = _flow_item(draft, " " * (anchor - _line_start(text, anchor) + DEFAULT_STEP), newline)
    if layout.key_end is None:
        if not layout.root_flow:
            raise AppendError("the deck has no 'cards' list", "add 'cards:' to the deck")
        lead = (", " if layout.root_has_keys else "") + "cards: ["
        return _appended(text, layout, [(layout.root_end, layout.root_end, lead + card[0] + "]")], 0, len(lead), card)
    if layout.value != "sequence" or not layout.value_flow:
        raise AppendError(
            f"'cards' holds {_HELD[layout.value]}, not a list of cards",
            "write the cards as a list: cards: [{id: ...}]",
            layout.value_line or layout.key_line,
        )
    if not layout.item_starts:
        return _appended(text, layout, [(layout.close, layout.close, card[0])], 0, 0, card)
    assert layout.content_end is not None
    end = layout.content_end
    gap = text[end : layout.close]
    comma = _comma_in_gap(gap)
    if comma is None:
        return _appended(text, layout, [(end, end, ", " + card[0])], 0, 2, card)
    after_comma = end + comma + 1
    rest_of_line = text[after_comma : _after_line(text, after_comma)]
    if "\n" in text[after_comma : layout.close] and not rest_of_line.split("#", 1)[0].strip():
        # One card per line with a comma after each: the new card gets its own line.
        at = _after_line(text, after_comma)
        indent = " " * (layout.item_starts[-1] - _line_start(text, layout.item_starts[-1]))
        return _appended(text, layout, [(at, at, indent + card[0] + "," + newline)], 0, len(indent), card)
    return _appended(text, layout, [(after_comma, after_comma, " " + card[0] + ",")], 0, 1, card)


def _comma_in_gap(gap: str) -> int | None:
    """Where the ',' after the last item is, skipping comments; None if there is none."""
    position = 0
    while position < len(gap):
        character = gap[position]
        if character == ",":
            return position
        if character == "#":
            position = gap.find("\n", position)
            if position == -1:
                return None
            continue
        position += 1
    return None
