"""Card Markdown → Anki HTML: MathJax delimiters, Pygments-highlighted code, valid cloze markup.

Math spans are cut out (via `markup.split_spans`) before Markdown runs, so `_` and `*` in LaTeX
never turn into emphasis, and put back afterwards as `\\(…\\)` / `\\[…\\]`, the delimiters Anki's
MathJax reads.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.token import Text
from pygments.util import ClassNotFound

from mlcards.cloze import parse_deletions
from mlcards.markup import split_spans
from mlcards.render.simple_markdown import simple_inline, simple_list, simple_paragraph

CODE_CLASS = "mlcards-code"
LIGHT_CODE_STYLE = "friendly"
DARK_CODE_STYLE = "github-dark"
NIGHT_MODE_SELECTORS = (".nightMode", ".night_mode")  # Anki desktop / AnkiDroid put these on the card's body

# Private-use characters: Markdown treats them as ordinary letters and card text never holds them.
_MATH = "\ue000{}\ue001"
_MATH_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_CLOZE_OPEN = "\ue002{}\ue003"
_CLOZE_HINT = "\ue004"
_CLOZE_CLOSE = "\ue005"
_CLOZE_OPEN_PLACEHOLDER = re.compile("\ue002(\\d+)\ue003")
# A card may hold those characters too: each is written as \ue000u<k>\ue001 before rendering (no
# placeholder pattern matches a letter) and put back at the very end, so export loses none.
_RESERVED = re.compile("[\ue000-\ue005]")
_ESCAPED_RESERVED = re.compile("\ue000u([0-5])\ue001")
_HANGUL_JAMO = re.compile("[\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]")  # conjoining jamo compose into syllables
# Anki's cloze parser ends a deletion at the first "}}", with no brace balancing.
_BRACE_BEFORE_CLOSE = re.compile("\\}(?=\\}|\ue005)")

# A whole field that is one ``` fence with a plain language name and no other backtick fence inside.
_LONE_FENCE = re.compile(r"```(?P<language>[A-Za-z0-9_+#.-]*)\n(?P<code>(?:(?!```)[^\x00\r])*\n)?```\n*")

_FORMATTER = HtmlFormatter(nowrap=True)


def markdown_to_html(text: str) -> str:
    """A Markdown field (front, back, extra) as HTML for an Anki note."""
    return _through_normalization(_unescape_reserved(_render(_escape_reserved(text), cloze=False)))


def inline_markdown_to_html(text: str) -> str:
    """A one-line field (the source) as HTML without a surrounding paragraph."""
    protected, maths = _protect_math(_escape_reserved(text), cloze=False)
    rendered = simple_inline(protected)
    if rendered is None:
        rendered = MARKDOWN.renderInline(protected)
    return _through_normalization(_unescape_reserved(_restore_math(rendered, maths)))


def cloze_to_html(text: str) -> str:
    """A cloze card's text as HTML in which Anki finds exactly our deletions, LaTeX included."""
    return _through_normalization(_unescape_reserved(_cloze_to_html(_escape_reserved(text))))


def _through_normalization(rendered: str) -> str:
    """Anki stores note text NFC-normalized, which would turn U+F900 into U+8C48 and fold a letter
    and its combining accent into one character. Characters that normalization would change are
    written as numeric references, which it leaves alone and every browser shows as written."""
    if unicodedata.is_normalized("NFC", rendered):
        return rendered
    return "".join(
        f"&#x{ord(character):X};"
        if character > "\x7f"
        and (
            unicodedata.combining(character)
            or _HANGUL_JAMO.match(character)
            or unicodedata.normalize("NFC", character) != character
        )
        else character
        for character in rendered
    )


def _escape_reserved(text: str) -> str:
    if _RESERVED.search(text) is None:
        return text
    return _RESERVED.sub(lambda found: f"\ue000u{ord(found.group(0)) - 0xE000}\ue001", text)


def _unescape_reserved(rendered: str) -> str:
    if "\ue000u" not in rendered:
        return rendered
    return _ESCAPED_RESERVED.sub(lambda found: chr(0xE000 + int(found.group(1))), rendered)


def _cloze_to_html(text: str) -> str:
    pieces: list[str] = []
    position = 0
    for deletion in parse_deletions(text):
        pieces.append(text[position : deletion.start])
        pieces.append(_CLOZE_OPEN.format(deletion.ordinal) + deletion.answer)
        if deletion.hint:
            pieces.append(_CLOZE_HINT + deletion.hint)
        pieces.append(_CLOZE_CLOSE)
        position = deletion.end
    pieces.append(text[position:])
    rendered = _BRACE_BEFORE_CLOSE.sub("&#125;", _render("".join(pieces), cloze=True))
    rendered = _CLOZE_OPEN_PLACEHOLDER.sub(lambda match: "{{c" + match.group(1) + "::", rendered)
    return rendered.replace(_CLOZE_HINT, "::").replace(_CLOZE_CLOSE, "}}")


def code_stylesheet() -> str:
    """CSS for highlighted code: a light palette, and a dark one under Anki's night-mode classes."""
    light = _palette(LIGHT_CODE_STYLE, [f".{CODE_CLASS}"])
    dark = _palette(DARK_CODE_STYLE, [f"{night} .{CODE_CLASS}" for night in NIGHT_MODE_SELECTORS])
    return f"{light}\n{dark}\n"


def _palette(style: str, selectors: list[str]) -> str:
    formatter = HtmlFormatter(style=style)
    # Plain code text follows the palette, not the card's colour, which night mode inverts.
    text_color = "#" + (formatter.style.style_for_token(Text)["color"] or "24292f")
    group = ", ".join(selectors)
    # Tokens this palette leaves unstyled must not keep the other palette's colours; this rule
    # is more specific than the other palette's token rules and less than this one's.
    reset = ", ".join(f"{selector} span" for selector in selectors)
    rules = [
        *formatter.get_background_style_defs(selectors),
        f"{group} {{ color: {text_color}; }}",
        f"{reset} {{ color: {text_color}; font-weight: normal; font-style: normal; border: none; }}",
        *formatter.get_token_style_defs(selectors),
    ]
    return "\n".join(rule for rule in rules if rule)


def _render(text: str, cloze: bool) -> str:
    protected, maths = _protect_math(text, cloze)
    # Most fields are sentences with a little emphasis or code, a short list or one code block;
    # the parser is most of an export's time.
    rendered = simple_paragraph(protected) or simple_list(protected) or _lone_code_block(protected)
    if rendered is None:
        rendered = MARKDOWN.render(protected).rstrip("\n")
    return _restore_math(rendered, maths)


def _protect_math(text: str, cloze: bool) -> tuple[str, list[str]]:
    if "$" not in text:  # no math, and no `\$` for Markdown to unescape either
        return text, []
    pieces: list[str] = []
    maths: list[str] = []
    for span in split_spans(text):
        if span.kind == "inline_math" or span.kind == "display_math":
            body = _BRACE_BEFORE_CLOSE.sub("} ", span.content) if cloze else span.content
            opener, closer = ("\\(", "\\)") if span.kind == "inline_math" else ("\\[", "\\]")
            maths.append(opener + html.escape(body, quote=False) + closer)
            pieces.append(_MATH.format(len(maths) - 1))
        else:
            pieces.append(span.content)
    return "".join(pieces), maths


def _restore_math(rendered: str, maths: list[str]) -> str:
    if not maths:
        return rendered
    return _MATH_PLACEHOLDER.sub(lambda match: maths[int(match.group(1))], rendered)


def _lone_code_block(text: str) -> str | None:
    """A field that is one fenced code block, highlighted as the parser's fence hook would."""
    block = _LONE_FENCE.fullmatch(text)
    return None if block is None else _highlight(block["code"] or "", block["language"], "")


def _highlight(code: str, language: str, _attributes: str) -> str:
    spans = highlight(code, _lexer(language.lower()), _FORMATTER).rstrip("\n")
    language_class = f' class="language-{html.escape(language)}"' if language else ""
    return f'<pre class="{CODE_CLASS}"><code{language_class}>{spans}</code></pre>'


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer:
    try:
        return get_lexer_by_name(language, stripnl=False) if language else TextLexer(stripnl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False)


# Raw HTML stays off: card text is Markdown, and `List<int>` must show as written.
MARKDOWN = MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable(["table", "strikethrough"])
