"""YAML deck files -> DeckSpecs, or every problem in every file with its line and column.

The YAML is parsed (with libyaml's C parser where available) into nodes and walked here,
so every value keeps its position, duplicate keys are caught (plain YAML loading silently
keeps the last one), and scalars keep the text the user wrote (`yes` stays "yes").
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mlcards import cloze
from mlcards.decks.compose import MAX_DEPTH, NULL_TAG, NestedTooDeep, collector_paused, compose
from mlcards.decks.files import listed_deck_files, read_deck_bytes
from mlcards.decks.nesting import first_point_deeper_than
from mlcards.decks.problems import Problem
from mlcards.decks.schema import (
    BASIC_FIELDS,
    CARD_FIELDS,
    CARD_KINDS,
    CLOZE_FIELDS,
    DECK_FIELDS,
    ID_PATTERN,
    PREVIOUS_ID_PATTERN,
    TAG_PATTERN,
    FieldRule,
)
from mlcards.domain import CardKind, CardSpec, DeckSpec
from mlcards.markup import unbalanced_math_delimiter
from mlcards.visible import UNSAFE_IN_A_LINE

# Unicode category Cc except tab and newline: U+0000-U+001F and U+007F-U+009F.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What double-quote escapes like \b, \L, \_ produce: in a double-quoted scalar, a sign of mangled LaTeX.
_ESCAPE_PRODUCT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\xa0]")
_KIND_BY_NAME = {name: CardKind(name) for name in CARD_KINDS}
_WORD_COMMENT = re.compile(r"[ \t]+(#[^\s#][^\n]{0,20})")
_CONTROL_NAMES = {
    "\b": "BACKSPACE",
    "\f": "FORM FEED",
    "\a": "BELL",
    "\v": "VERTICAL TAB",
    "\r": "CARRIAGE RETURN",
    "\n": "LINE FEED",
    "\t": "TAB",
    "\x00": "NULL",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
    "\x85": "NEXT LINE",
    "\x9b": "CONTROL SEQUENCE INTRODUCER",
    "\x9d": "OPERATING SYSTEM COMMAND",
}


@dataclass
class LoadResult:
    decks: list[DeckSpec] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def card_count(self) -> int:
        return sum(len(deck.cards) for deck in self.decks)


def load_paths(paths: Iterable[Path]) -> LoadResult:
    """Load every deck file under `paths`, checking deck ids are unique across files."""
    result = LoadResult()
    first_seen: dict[str, DeckSpec] = {}
    files, unlisted = listed_deck_files(paths)
    result.problems.extend(unlisted)
    for path in files:
        deck, problems = load_deck_file(path)
        result.problems.extend(problems)
        if deck is None:
            continue
        if (earlier := first_seen.get(deck.deck_id)) is not None:
            result.problems.append(
                Problem(
                    path,
                    deck.line,
                    1,
                    f"deck {deck.deck_id}",
                    f"deck id '{deck.deck_id}' is already used by {earlier.path}:{earlier.line}",
                    "give this deck its own id (deck ids are unique across all files)",
                )
            )
            continue
        first_seen[deck.deck_id] = deck
        result.decks.append(deck)
    return result


def load_deck_file(path: Path) -> tuple[DeckSpec | None, list[Problem]]:
    raw, problems = read_deck_bytes(path)
    if raw is None:
        return None, problems
    return parse_deck_bytes(raw, path)


def parse_deck_bytes(raw: bytes, path: Path) -> tuple[DeckSpec | None, list[Problem]]:
    text, problems = decode_deck_bytes(raw, path)
    if text is None:
        return None, problems
    return parse_deck_text(text, path)


def decode_deck_bytes(raw: bytes, path: Path) -> tuple[str | None, list[Problem]]:
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(path, line, 1, "file", "the file is not valid UTF-8", "save it with UTF-8 encoding")]


def parse_deck_text(text: str, path: Path) -> tuple[DeckSpec | None, list[Problem]]:
    with collector_paused():  # the node tree is freed when _parse_deck_text returns
        return _parse_deck_text(text, path)


def _parse_deck_text(text: str, path: Path) -> tuple[DeckSpec | None, list[Problem]]:
    try:
        root = compose(text)
    except NestedTooDeep as error:
        mark = error.problem_mark
        return None, [_nesting_problem(path, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1)]
    except yaml.MarkedYAMLError as error:
        # The YAML library may give up on deep nesting before our composer sees it, with its own
        # error and limit: measure the nesting ourselves before blaming the syntax.
        deep = first_point_deeper_than(_text_until(text, error), MAX_DEPTH)
        if deep is not None:
            return None, [_nesting_problem(path, deep.line, deep.column)]
        return None, [_syntax_problem(path, error, text)]
    except yaml.reader.ReaderError as error:  # a character YAML forbids anywhere, e.g. a typed control character
        before = text[: error.position]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        character = chr(error.character) if isinstance(error.character, int) else str(error.character)
        name = unicodedata.name(character, "") or _CONTROL_NAMES.get(character, "control character")
        return None, [
            Problem(
                path,
                line,
                column,
                "file",
                f"the file contains U+{ord(character):04X} ({name.lower()}), which YAML does not allow",
                "delete it (most editors do not show it)",
            )
        ]
    except yaml.YAMLError as error:
        return None, [Problem(path, 1, 1, "file", f"YAML error: {error}", "fix the YAML syntax")]
    except UnicodeEncodeError as error:  # lone surrogates: only possible in text not read from a UTF-8 file
        line = text[: error.start].count("\n") + 1
        return None, [
            Problem(path, line, 1, "file", "the text holds characters that are not valid Unicode", "save the file as UTF-8")
        ]
    return _DeckReader(path, text).read(root)


def _describe(character: str) -> str:
    name = unicodedata.name(character, "") or _CONTROL_NAMES.get(character, "control character")
    return f"U+{ord(character):04X} ({name.lower()})"


def _text_until(text: str, error: yaml.MarkedYAMLError) -> str:
    """The text up to the end of the line where parsing failed: nesting that broke it lies before."""
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return text
    lines = text.split("\n", mark.line + 1)
    return "\n".join(lines[: mark.line + 1])


def _nesting_problem(path: Path, line: int, column: int) -> Problem:
    return Problem(
        path,
        line,
        column,
        "file",
        f"the YAML is nested more than {MAX_DEPTH} levels deep",
        "a deck needs three levels (deck, cards, card); look for unclosed [ or { or runaway '- ' here",
    )


def _syntax_problem(path: Path, error: yaml.MarkedYAMLError, text: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    source_line = text.split("\n")[line - 1] if line - 1 < text.count("\n") + 1 else ""
    indentation = source_line[: len(source_line) - len(source_line.lstrip(" \t"))]
    what = " ".join(part for part in (error.context, error.problem) if part)
    fix = "check the indentation and quoting here"
    if "mapping values are not allowed" in what:
        fix = "a value containing ': ' must be quoted or written as a block scalar (|)"
    elif "found character '\\t'" in what or "\t" in indentation:
        fix = "indent with spaces; YAML does not allow tabs for indentation"
    elif "expected a single document" in what:
        fix = "keep one deck per file (remove the '---' separator)"
    elif "unknown escape" in what or "found unknown escape character" in what:
        fix = "inside double quotes a backslash starts an escape; write LaTeX in single quotes or a block scalar (|)"
    return Problem(path, line, column, "file", f"YAML syntax error: {what}", fix)


def _peek_id(node: Node) -> str | None:
    """The mapping's `id` value, if any, so problems found before it is read can name it."""
    if not isinstance(node, MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == "id" and isinstance(value, ScalarNode) and value.value:
            return str(value.value)
    return None


class _DeckReader:
    """Walks one composed YAML document, collecting every problem rather than stopping."""

    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, node: Node, subject: str, message: str, fix: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.path, mark.line + 1, mark.column + 1, subject, message, fix))

    def read(self, root: Node | None) -> tuple[DeckSpec | None, list[Problem]]:
        if root is None:
            self.problems.append(Problem(self.path, 1, 1, "file", "the file is empty", "write a deck: id, name and cards"))
            return None, self.problems
        if not isinstance(root, MappingNode):
            self.problem(root, "file", "a deck file must be a mapping", "start with 'id:', 'name:' and 'cards:' at the top level")
            return None, self.problems
        peeked = _peek_id(root)
        fields = self.mapping(root, DECK_FIELDS, f"deck {peeked}" if peeked else "deck", "deck")
        deck_id = self.identifier(fields, "id", root, "deck", "deck")
        subject = f"deck {deck_id}" if deck_id else "deck"
        name = self.text(fields, "name", root, subject, required=True)
        if name is not None and not _CONTROL_CHARACTER.search(name) and (unsafe := UNSAFE_IN_A_LINE.search(name)) is not None:
            self.problem(
                fields["name"],
                subject,
                f"deck name '{name}' contains the invisible character {_describe(unsafe.group(0))}",
                "a deck name is one line of visible text: delete it",
            )
            name = None
        elif name is not None and any(not part.strip() for part in name.split("::")):
            self.problem(
                fields["name"],
                subject,
                f"deck name '{name}' has an empty level",
                "write levels as 'Area::Topic' with no empty part",
            )
        deck_source = self.text(fields, "source", root, subject)
        deck_tags = self.tags(fields, subject)
        description = self.text(fields, "description", root, subject) or ""
        cards = self.cards(fields, root, subject, deck_id or "", deck_source, deck_tags)
        if self.problems or deck_id is None or name is None:
            return None, sorted(self.problems, key=lambda problem: (problem.line, problem.column))
        return DeckSpec(deck_id, name, description, self.path, root.start_mark.line + 1, tuple(cards)), []

    def mapping(self, node: MappingNode, rules: dict[str, FieldRule], subject: str, what: str) -> dict[str, Node]:
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.problem(key_node, subject, f"a {what} key must be a plain name", f"use one of: {', '.join(rules)}")
                continue
            key = key_node.value
            if key in found:
                self.problem(
                    key_node,
                    subject,
                    f"key '{key}' appears twice in this {what}",
                    "keep one of them; YAML would silently drop the first",
                )
                continue
            if key == "<<":
                self.problem(
                    key_node,
                    subject,
                    f"'<<' (a YAML merge key) is not supported in a {what}: each key must be written out",
                    "copy the keys in; for values every card shares, use the deck's 'source:' and 'tags:', which each card inherits",
                )
                continue
            if key not in rules:
                close = difflib.get_close_matches(key, list(rules), n=1, cutoff=0.6)
                fix = f"did you mean '{close[0]}'?" if close else f"allowed keys are: {', '.join(rules)}"
                self.problem(key_node, subject, f"unknown {what} key '{key}'", fix)
                continue
            found[key] = value_node
        return found

    def text(self, fields: dict[str, Node], key: str, parent: Node, subject: str, required: bool = False) -> str | None:
        node = fields.get(key)
        if node is None:
            if required:
                example = (DECK_FIELDS.get(key) or CARD_FIELDS[key]).example
                self.problem(parent, subject, f"missing '{key}'", f"add it, e.g. {example}" if example else f"add '{key}:'")
            return None
        if not isinstance(node, ScalarNode):
            kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
            self.problem(
                node,
                subject,
                f"'{key}' must be text, not {kind}",
                "write it as a string; use a block scalar (|) for several lines",
            )
            return None
        value: str = node.value
        if node.tag == NULL_TAG or not value.strip():
            self.problem(node, subject, f"'{key}' is empty", f"write the {key}, or remove the key if it is optional")
            return None
        if node.style == '"' or _CONTROL_CHARACTER.search(value) is not None:  # the rare case that needs a closer look
            self.control_characters(node, key, subject)
        elif not node.style and (cut := self._cut_by_comment(node)) is not None:
            self.problem(
                node,
                subject,
                f"'{key}' stops before '{cut}': in unquoted text, ' #' starts a YAML comment, so the rest is dropped",
                "put the text in quotes (single quotes keep LaTeX as written), or write '#' without a space before it",
            )
        return value

    def _cut_by_comment(self, node: ScalarNode) -> str | None:
        """A '#word' right after an unquoted value on its line: text the user meant, read as a comment
        ('Rule #10'). A comment with a space after '#' is taken as meant."""
        end = node.end_mark.index
        line_end = self.source.find("\n", end)
        rest = self.source[end : line_end if line_end != -1 else len(self.source)]
        found = _WORD_COMMENT.match(rest)
        return found.group(1) if found else None

    def control_characters(self, node: ScalarNode, key: str, subject: str) -> None:
        found = _CONTROL_CHARACTER.search(node.value)  # one regex pass: a per-character loop dominated loading
        escape = self._latex_escape(node) if node.style == '"' else None
        if escape is not None and (found is None or "$" in node.value or len(escape[1]) > 2):  # '\beta', not '\e['
            sequence, word = escape
            self.problem(
                node,
                subject,
                f"'{key}' is in double quotes, where YAML reads '{sequence}' in '{word}' as an escape, so the LaTeX is silently changed",
                "write LaTeX in single quotes or a block scalar (|), or double each backslash",
            )
            return
        if found is None:
            return
        made_by = (
            " (in double quotes, YAML turns escapes such as '\\e', '\\a' or '\\x9b' into such characters)"
            if node.style == '"'
            else ""
        )
        self.problem(
            node,
            subject,
            f"'{key}' contains the control character {_describe(found.group(0))}, which would reach the terminal raw{made_by}",
            "delete it; to write a backslash (as in LaTeX), use single quotes or a block scalar (|)",
        )

    def _latex_escape(self, node: ScalarNode) -> tuple[str, str] | None:
        """In a double-quoted scalar with math, the first backslash escape that was meant as LaTeX."""
        if "$" not in node.value and not _ESCAPE_PRODUCT.search(node.value):
            return None
        raw = self.source[node.start_mark.index : node.end_mark.index]
        index = 0
        while (index := raw.find("\\", index)) != -1:
            following = raw[index + 1 : index + 2]
            if following and following not in '\\"/':
                word = re.match(r"\\.[A-Za-z]*", raw[index:])
                return "\\" + following, word.group(0) if word else "\\" + following
            index += 2  # an escaped backslash, quote or slash: the value keeps it as written
        return None

    def identifier(self, fields: dict[str, Node], key: str, parent: Node, subject: str, what: str) -> str | None:
        value = self.text(fields, key, parent, subject, required=True)
        if value is None:
            return None
        if not ID_PATTERN.fullmatch(value):
            self.problem(
                fields[key],
                subject,
                f"{what} id '{value}' has characters ids cannot use",
                "use letters, digits, '.', '-' and '_' (at most 100), starting with a letter or digit",
            )
            return None
        return value

    def tags(self, fields: dict[str, Node], subject: str) -> tuple[str, ...]:
        node = fields.get("tags")
        if node is None:
            return ()
        if not isinstance(node, SequenceNode):
            self.problem(node, subject, "'tags' must be a list", "write tags: [first-tag, second-tag]")
            return ()
        tags: list[str] = []
        for item in node.value:
            if not isinstance(item, ScalarNode) or item.tag == NULL_TAG or not item.value.strip():
                self.problem(item, subject, "each tag must be a non-empty word", "write tags: [first-tag, second-tag]")
            elif (unsafe := UNSAFE_IN_A_LINE.search(item.value)) is not None:
                self.problem(
                    item,
                    subject,
                    f"tag '{item.value}' contains the invisible character {_describe(unsafe.group(0))}",
                    "delete it (a tag is one word of visible characters); in double quotes, '\\e' or '\\n' make such characters",
                )
            elif not TAG_PATTERN.fullmatch(item.value):
                self.problem(
                    item, subject, f"tag '{item.value}' contains a space", "join words with '-' (Anki splits tags at spaces)"
                )
            elif item.value not in tags:
                tags.append(item.value)
        return tuple(tags)

    def cards(
        self,
        fields: dict[str, Node],
        root: Node,
        subject: str,
        deck_id: str,
        deck_source: str | None,
        deck_tags: tuple[str, ...],
    ) -> list[CardSpec]:
        node = fields.get("cards")
        if node is None:
            self.problem(root, subject, "missing 'cards'", "add a list of cards: 'cards:' then '  - id: ...'")
            return []
        if not isinstance(node, SequenceNode) or not node.value:
            self.problem(node, subject, "'cards' must be a non-empty list", "write each card as an item: '  - id: ...'")
            return []
        cards: list[CardSpec] = []
        seen: dict[str, int] = {}
        for position, card_node in enumerate(node.value):
            card = self.card(card_node, position, deck_id, deck_source, deck_tags, seen)
            if card is not None:
                cards.append(card)
        return cards

    def card(
        self,
        node: Node,
        position: int,
        deck_id: str,
        deck_source: str | None,
        deck_tags: tuple[str, ...],
        seen: dict[str, int],
    ) -> CardSpec | None:
        fallback = _peek_id(node) or f"card #{position + 1}"
        if not isinstance(node, MappingNode):
            self.problem(
                node,
                fallback,
                "a card must be a mapping of fields",
                "write 'id:', then 'front:'/'back:' or 'type: cloze'/'text:'",
            )
            return None
        errors_before = len(self.problems)
        fields = self.mapping(node, CARD_FIELDS, fallback, "card")
        card_id = self.identifier(fields, "id", node, fallback, "card")
        subject = card_id or fallback
        if card_id is not None:
            if card_id in seen:
                self.problem(
                    fields["id"],
                    subject,
                    f"duplicate card id '{card_id}' (first used on line {seen[card_id]})",
                    "give each card in a deck its own id",
                )
            else:
                seen[card_id] = fields["id"].start_mark.line + 1
        kind = self.kind(fields, subject)
        front = back = text = ""
        ordinals: tuple[int, ...] = (1,)
        if kind is CardKind.CLOZE:
            self.forbid(
                fields,
                BASIC_FIELDS,
                subject,
                "a cloze card has 'text' only; move the content into text with {{c1::...}} deletions, or remove 'type: cloze'",
            )
            text = self.text(fields, "text", node, subject, required=True) or ""
            ordinals = self.cloze_ordinals(fields.get("text"), text, subject)
        elif (
            kind is CardKind.BASIC
            and "text" in fields
            and not any(key in fields for key in BASIC_FIELDS)
            and "type" not in fields
        ):
            self.problem(
                fields["text"],
                subject,
                "'text' is a cloze field, but the card has no 'type: cloze'",
                "add 'type: cloze' to this card",
            )
        elif kind is CardKind.BASIC:
            self.forbid(
                fields,
                CLOZE_FIELDS,
                subject,
                "a basic card uses front and back; for a cloze card add 'type: cloze' and use 'text' only",
            )
            front = self.text(fields, "front", node, subject, required=True) or ""
            back = self.text(fields, "back", node, subject, required=True) or ""
            if cloze.parse_deletions_safe(front):
                self.problem(
                    fields["front"],
                    subject,
                    "this basic card's front contains a cloze deletion",
                    "add 'type: cloze' and write the card as 'text'",
                )
        else:  # unknown type: still check the content fields that are there
            for key in (*BASIC_FIELDS, *CLOZE_FIELDS):
                self.text(fields, key, node, subject)
        extra = self.text(fields, "extra", node, subject) or ""
        source = self.text(fields, "source", node, subject) or deck_source
        if source is None:
            self.problem(node, subject, "the card has no source", "add 'source:' to the card or a default 'source:' to the deck")
        own_tags = self.tags(fields, subject)
        for key, value in (("front", front), ("back", back), ("text", text), ("extra", extra)):
            if "$" in value and (delimiter := unbalanced_math_delimiter(value)) is not None:
                self.problem(
                    fields[key],
                    subject,
                    f"'{key}' has an unclosed math delimiter '{delimiter}'",
                    "close it, or write a literal dollar sign as \\$",
                )
        if len(self.problems) > errors_before or card_id is None or kind is None or source is None:
            return None
        previous_ids = self.previous_ids(fields, subject, deck_id, card_id)
        if len(self.problems) > errors_before:
            return None
        tags = deck_tags + tuple(tag for tag in own_tags if tag not in deck_tags)
        return CardSpec(
            deck_id,
            card_id,
            kind,
            front,
            back,
            text,
            extra,
            source,
            tags,
            ordinals,
            node.start_mark.line + 1,
            position,
            previous_ids,
        )

    def previous_ids(self, fields: dict[str, Node], subject: str, deck_id: str, card_id: str) -> tuple[str, ...]:
        """`previous_ids` as full "deck-id/card-id" keys."""
        node = fields.get("previous_ids")
        if node is None:
            return ()
        items = node.value if isinstance(node, SequenceNode) else None
        if items is None:
            self.problem(node, subject, "'previous_ids' must be a list", "write previous_ids: [old-id] or [other.deck/old-id]")
            return ()
        found: list[str] = []
        for item in items:
            match = PREVIOUS_ID_PATTERN.fullmatch(item.value) if isinstance(item, ScalarNode) else None
            if match is None:
                shown = item.value if isinstance(item, ScalarNode) else "a collection"
                self.problem(
                    item,
                    subject,
                    f"previous id '{shown}' is not a card id",
                    "write the card's old id, or 'deck-id/card-id' for a card that was in another deck",
                )
                continue
            full = f"{match.group(1) or deck_id}/{match.group(2)}"
            if full == f"{deck_id}/{card_id}":
                self.problem(item, subject, "a card cannot name its own id as a previous id", "remove it from previous_ids")
            elif full not in found:
                found.append(full)
        return tuple(found)

    def kind(self, fields: dict[str, Node], subject: str) -> CardKind | None:
        node = fields.get("type")
        if node is None:
            return CardKind.BASIC
        kind = _KIND_BY_NAME.get(node.value) if isinstance(node, ScalarNode) else None
        if kind is None:
            shown = node.value if isinstance(node, ScalarNode) else "a collection"
            self.problem(
                node, subject, f"unknown card type '{shown}'", "use 'type: basic' (front and back) or 'type: cloze' (text)"
            )
        return kind

    def forbid(self, fields: dict[str, Node], keys: tuple[str, ...], subject: str, fix: str) -> None:
        for key in keys:
            if key in fields:
                self.problem(fields[key], subject, f"'{key}' mixes basic and cloze fields", fix)

    def cloze_ordinals(self, node: Node | None, text: str, subject: str) -> tuple[int, ...]:
        if node is None or not text:
            return (1,)
        try:
            deletions = cloze.parse_deletions(text)
        except cloze.ClozeSyntaxError as error:
            self.problem(
                node,
                subject,
                f"malformed cloze deletion: {error} (at character {error.offset + 1} of the text)",
                "write deletions as {{c1::answer}} or {{c1::answer::hint}}",
            )
            return (1,)
        if not deletions:
            miss = cloze.near_miss(text)
            found = f"; '{text[miss : miss + 12]}' looks like a mistyped one" if miss is not None else ""
            self.problem(
                node, subject, f"a cloze card needs at least one deletion{found}", "wrap the hidden part as {{c1::answer}}"
            )
            return (1,)
        return tuple(sorted({deletion.ordinal for deletion in deletions}))
