"""HTML for the Markdown most card fields hold, without the parser: lines of text with `**strong**`,
`*emphasis*` and `` `code` `` spans, or a tight `- ` list of such lines, exactly as markdown-it
renders them.

The parser is pure Python and most of an export's time. A field qualifies only when every
construct in it is one whose HTML is certain: no block markers at line starts, delimiters that
can only open or only close, single-backtick code spans, nothing else with a Markdown meaning.
Anything else returns None and goes to the parser. tests/test_render_html.py checks the answers
against markdown-it itself.
"""

from __future__ import annotations

import re

# Outside code spans: letters, digits, any non-ASCII character that is not whitespace or a
# control (our math and cloze placeholders are private-use characters), and ASCII punctuation
# that means nothing inside a line. `_`, `[`, `<`, `\`, `~` and `&…;` (entities) never qualify.
_TEXT = r"(?:[^*_`\[\]<\\~\s\x00-\x1f\x7f-\x9f\ud800-\udfff]| )+"
_CODE = r"`(?! )(?:[^`\s\x00-\x1f\x7f-\x9f\ud800-\udfff]| )+(?<! )`"
_PLAIN_TEXT = re.compile(_TEXT)
_MARKUP = re.compile(rf"(?P<code>{_CODE})|(?P<stars>\*+)|(?P<newline>\n)")
# What starts a block at a line start (list, heading, quote, rule, table, setext line, indent).
# `\*++` takes the whole run of stars, so `**bold**` at a line start stays text.
_BLOCK_START = re.compile(r"^(?:[-+#>=| ]|\*++(?: |$)|\d+[.)])", re.M)
# Neither space nor punctuation to markdown-it; the private-use range is html.py's placeholders.
_WORD_EDGE = re.compile(r"[^\W_]|[\ue000-\ue006]")


def simple_paragraph(text: str) -> str | None:
    """`text` as markdown-it renders it as a document, or None when the parser must decide."""
    body = text.rstrip("\n")  # trailing blank lines end the paragraph and add nothing
    if not body or "\n\n" in body or ("|" in body and "\n" in body) or _BLOCK_START.search(body):
        return None
    inline = simple_inline(body)
    return None if inline is None else f"<p>{inline}</p>"


def simple_list(text: str) -> str | None:
    """A tight `- ` list whose items are each one simple line, or None when the parser must decide."""
    items: list[str] = []
    for line in text.rstrip("\n").split("\n"):
        content = line[2:]
        inline = simple_inline(content) if line.startswith("- ") and not _BLOCK_START.match(content) else None
        if inline is None:
            return None  # a blank line (loose list), continuation line, other marker or nested block
        items.append(f"<li>{inline}</li>\n")
    return f"<ul>\n{''.join(items)}</ul>"


def simple_inline(text: str) -> str | None:
    """`text` as markdown-it renders it inline (no paragraph), or None when the parser must decide."""
    if not text or text[0] in " \n" or text[-1] in " \n" or ("&" in text and ";" in text) or "``" in text:
        return None  # edge spaces and breaks are stripped, `&…;` may be an entity, "``" may open a fence
    if _PLAIN_TEXT.fullmatch(text):
        return _escape(text)
    pieces: list[str] = []
    open_run = ""
    position = 0
    for token in _MARKUP.finditer(text):
        if not _text_between(text, position, token.start(), pieces):
            return None
        position = token.end()
        kind, value = token.lastgroup, token.group()
        if kind == "code":
            pieces.append(f"<code>{_escape(value[1:-1])}</code>")
        elif kind == "newline":
            if _touches_space(text, token.start()) or open_run:
                return None  # a hard break, stripped indentation, or emphasis across lines
            pieces.append("\n")
        else:
            tag = _emphasis_tag(text, token.start(), token.end(), open_run)
            if tag is None:
                return None
            pieces.append(tag)
            open_run = "" if open_run else value
    if open_run or not _text_between(text, position, len(text), pieces):
        return None
    return "".join(pieces)


def _text_between(text: str, start: int, end: int, pieces: list[str]) -> bool:
    """Escape the text between two markup tokens into `pieces`; False if it holds anything else."""
    if start == end:
        return True
    if not _PLAIN_TEXT.fullmatch(text, start, end):
        return False
    pieces.append(_escape(text[start:end]))
    return True


def _emphasis_tag(text: str, start: int, end: int, open_run: str) -> str | None:
    """The tag for a run of `*` that can only open (after a space) or only close (before one)."""
    run = end - start
    if run > 2:
        return None
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    name = "strong" if run == 2 else "em"
    if not open_run:
        opens = before in " \n(" and _WORD_EDGE.fullmatch(after) is not None
        return f"<{name}>" if opens else None
    closes = _WORD_EDGE.fullmatch(before) is not None and after in " \n.,;:?!)"
    return f"</{name}>" if closes and run == len(open_run) else None


def _touches_space(text: str, newline: int) -> bool:
    return text[newline - 1 : newline] == " " or text[newline + 1 : newline + 2] == " "


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
