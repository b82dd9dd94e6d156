"""Card text structure shared by validation and every renderer: math spans and code spans.

Card text is Markdown with `$...$` (inline) and `$$...$$` (display) LaTeX; `\\$` is a
literal dollar sign. Dollars inside inline code or fenced code blocks are not math.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_CODE = re.compile(r"^(?P<fence>`{3,}|~{3,})[^\n]*\n.*?^(?P=fence)[ \t]*$|`+[^`\n]*?`+", re.M | re.S)
_MATH_TOKEN = re.compile(r"\\\$|\$\$|\$")


@dataclass(frozen=True, slots=True)
class Span:
    kind: Literal["text", "inline_math", "display_math", "code"]
    content: str


def split_spans(text: str) -> list[Span]:
    """Text, code and math spans in order; an unclosed `$` is kept as text."""
    spans: list[Span] = []
    position = 0
    for code in _CODE.finditer(text):
        spans.extend(_split_math(text[position : code.start()]))
        spans.append(Span("code", code.group(0)))
        position = code.end()
    spans.extend(_split_math(text[position:]))
    return [span for span in spans if span.content]


def _split_math(text: str) -> list[Span]:
    spans: list[Span] = []
    buffer: list[str] = []
    position = 0
    while True:
        token = _MATH_TOKEN.search(text, position)
        if token is None:
            buffer.append(text[position:])
            break
        buffer.append(text[position : token.start()])
        if token.group(0) == "\\$":
            buffer.append("\\$")
            position = token.end()
            continue
        closer = _find_closer(text, token.end(), token.group(0))
        if closer is None:
            buffer.append(text[token.start() :])
            break
        spans.append(Span("text", "".join(buffer)))
        buffer = []
        kind: Literal["inline_math", "display_math"] = "display_math" if token.group(0) == "$$" else "inline_math"
        spans.append(Span(kind, text[token.end() : closer]))
        position = closer + len(token.group(0))
    spans.append(Span("text", "".join(buffer)))
    return spans


def _find_closer(text: str, start: int, delimiter: str) -> int | None:
    position = start
    while True:
        token = _MATH_TOKEN.search(text, position)
        if token is None:
            return None
        if token.group(0) == delimiter:
            return token.start()
        position = token.end()


def unbalanced_math_delimiter(text: str) -> str | None:
    """The delimiter ('$' or '$$') left open in `text`, if any."""
    if "$" not in text:  # most fields: nothing to balance
        return None
    if "`" in text or "~" in text:  # only then can a code span hide a dollar; scanning for one is slow
        for code in _CODE.finditer(text):
            text = text.replace(code.group(0), " " * len(code.group(0)), 1)
    open_delimiter: str | None = None
    for value in _MATH_TOKEN.findall(text):
        if value == "\\$":
            continue
        if open_delimiter is None:
            open_delimiter = value
        elif value == open_delimiter:
            open_delimiter = None
    return open_delimiter
