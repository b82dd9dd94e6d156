"""Cloze deletions `{{cN::answer}}` / `{{cN::answer::hint}}`, parsed with brace balancing.

A deletion ends at the first `}}` outside any `{...}` group, so LaTeX such as
`{{c1::$\\frac{a}{b}$}}` parses as one deletion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = re.compile(r"\{\{c(\d+)::")
# Anki numbers a note's cards 0-499 and folds every higher cloze number onto the last one
# (measured with Anki's backend: c501 and c70000 both became card 500), so c500 is the limit.
MAX_CLOZE_NUMBER = 500
_BODY_SYNTAX = re.compile(r"[\\{}:]")  # inside a deletion only escapes, braces and "::" matter
_NEAR_MISS = re.compile(r"\{\{\s*[cC]?\s*\d+\s*:(?!:)|\{\{\s*[cC]\s*\d+\s+::|\{\{\s*\d+\s*::")


@dataclass(frozen=True, slots=True)
class Deletion:
    ordinal: int
    answer: str
    hint: str
    start: int  # offset of "{{" in the text
    end: int  # offset just past "}}"


class ClozeSyntaxError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def parse_deletions(text: str) -> list[Deletion]:
    """Every deletion in order; raises ClozeSyntaxError with an offset when one is malformed."""
    deletions: list[Deletion] = []
    position = 0
    while (match := _OPEN.search(text, position)) is not None:
        digits = match.group(1)
        ordinal = int(digits) if len(digits) <= 4 else MAX_CLOZE_NUMBER + 1  # never parse a number of absurd length
        if ordinal < 1:
            raise ClozeSyntaxError("cloze numbers start at c1", match.start())
        if ordinal > MAX_CLOZE_NUMBER:
            shown = digits if len(digits) <= 12 else digits[:12] + "…"
            raise ClozeSyntaxError(
                f"c{shown} is past c{MAX_CLOZE_NUMBER}, the highest cloze number Anki keeps apart (renumber from c1)",
                match.start(),
            )
        end, hint_at = _deletion_end(text, match.end())
        if end is None:
            raise ClozeSyntaxError(f"{{{{c{ordinal}:: is never closed with }}}}", match.start())
        body_start = match.end()
        answer = text[body_start : hint_at if hint_at is not None else end]
        hint = text[hint_at + 2 : end] if hint_at is not None else ""
        if not answer.strip():
            raise ClozeSyntaxError(f"{{{{c{ordinal}::}}}} hides nothing", match.start())
        deletions.append(Deletion(ordinal, answer, hint, match.start(), end + 2))
        position = end + 2
    return deletions


def _deletion_end(text: str, index: int) -> tuple[int | None, int | None]:
    """The offset of the closing `}}` of a deletion body starting at `index` (None if unclosed), and of its `::`."""
    depth = 0
    hint_at: int | None = None
    while (found := _BODY_SYNTAX.search(text, index)) is not None:  # jump between the characters that matter
        index = found.start()
        char = text[index]
        if char == "\\":
            index += 2  # an escaped character is never syntax (a final backslash just ends the text)
            continue
        if char == "{":
            if text.startswith("{{c", index) and _OPEN.match(text, index):
                raise ClozeSyntaxError("a cloze deletion cannot contain another deletion", index)
            depth += 1
        elif char == "}":
            if depth == 0 and text.startswith("}}", index):
                return index, hint_at
            depth = max(0, depth - 1)
        elif depth == 0 and hint_at is None and text.startswith("::", index):
            hint_at = index
        index += 1
    return None, hint_at


def near_miss(text: str) -> int | None:
    """Offset of something that looks like a mistyped deletion (`{{c1:x}}`, `{{1::x}}`)."""
    match = _NEAR_MISS.search(text)
    return match.start() if match else None


def parse_deletions_safe(text: str) -> list[Deletion]:
    """Like parse_deletions, but an empty list when the text is malformed."""
    try:
        return parse_deletions(text)
    except ClozeSyntaxError:
        return []
