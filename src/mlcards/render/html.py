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

from mlcards.cloze import ClozeSyntaxError, parse_deletions
from mlcards.markup import split_spans
from mlcards.render.simple_markdown import simple_inline, simple_list, simple_paragraph

CODE_CLASS = "mlcards-code"
LIGHT_CODE_STYLE = "friendly"
DARK_CODE_STYLE = "github-dark"
NIGHT_MODE_SELECTORS = (".nightMode", ".night_mode")  # Anki desktop / AnkiDroid put these on the card's body

# Placeholders stand in for math spans and cloze markup while Markdown runs: private-use
# characters, which Markdown and Pygments treat as ordinary letters. Card text may hold these very
# characters, so every one it holds is escaped first (_ESCAPE goes before it) and restored last:
# an unescaped placeholder in the output is always one of ours.
_MATH_OPEN, _MATH_CLOSE = "\ue000", "\ue001"  # around a math span's index
_CLOZE_OPEN, _CLOZE_OPEN_END = "\ue002", "\ue003"  # around a deletion's number
_CLOZE_HINT, _CLOZE_CLOSE = "\ue004", "\ue005"
_ESCAPE = "\ue006"
_RESERVED = re.compile("[\ue000-\ue006]")  # simple_markdown.py counts the same range as letters
# Pygments wraps tokens in <span>s, so in a fenced code block the characters of one placeholder
# may end up with tags between them; the tags are kept, after the text the placeholder stands for.
# (Math reaches a code block only when the block's fence is never closed: Markdown runs it to the
# end of the field, while markup.split_spans, like the loader, does not count it as code.)
_TAG = re.compile("<[^<>]*>")
_NUMBER = f"(?:\\d|{_TAG.pattern})+"  # digits, maybe with tags between
_PLACEHOLDER = re.compile(
    f"{_ESCAPE}(?P<tags>(?:{_TAG.pattern})*)(?P<escaped>{_RESERVED.pattern})"
    f"|{_MATH_OPEN}(?P<math>{_NUMBER}){_MATH_CLOSE}"
    f"|{_CLOZE_OPEN}(?P<ordinal>{_NUMBER}){_CLOZE_OPEN_END}"
    f"|{_CLOZE_HINT}|{_CLOZE_CLOSE}"
)
_HANGUL_JAMO = re.compile("[\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]")  # conjoining jamo compose into syllables
# Anki's cloze parser ends a deletion at the first "}}", with no brace balancing.
_BRACE_BEFORE_CLOSE = re.compile(f"\\}}(?=\\}}|{_CLOZE_CLOSE})")

# A whole field that is one ``` fence with a plain language name and no other backtick fence inside.
_LONE_FENCE = re.compile(r"```(?P<language>[A-Za-z0-9_+#.-]*)\n(?P<code>(?:(?!```)[^\x00\r])*\n)?```\n*")

_FORMATTER = HtmlFormatter(nowrap=True)


def markdown_to_html(text: str) -> str:
    """A Markdown field (front, back, extra) as HTML for an Anki note."""
    protected, maths = _protect_math(_escape_reserved(text), cloze=False)
    return _restore(_render(protected), maths)


def inline_markdown_to_html(text: str) -> str:
    """A one-line field (the source) as HTML without a surrounding paragraph."""
    protected, maths = _protect_math(_escape_reserved(text), cloze=False)
    rendered = simple_inline(protected)
    if rendered is None:
        rendered = MARKDOWN.renderInline(protected)
    return _restore(rendered, maths)


def cloze_to_html(text: str) -> str:
    """A cloze card's text as HTML in which Anki finds exactly our deletions, LaTeX included."""
    try:
        deletions = parse_deletions(text)
    except ClozeSyntaxError:
        # Only text stored by an older mlcards whose check let it pass (c501 and up) gets here:
        # it goes out as written, as the review screen shows it, rather than failing the export.
        return markdown_to_html(text)
    pieces: list[str] = []
    position = 0
    for deletion in deletions:
        pieces.append(_escape_reserved(text[position : deletion.start]))
        pieces.append(f"{_CLOZE_OPEN}{deletion.ordinal}{_CLOZE_OPEN_END}{_escape_reserved(deletion.answer)}")
        if deletion.hint:
            pieces.append(_CLOZE_HINT + _escape_reserved(deletion.hint))
        pieces.append(_CLOZE_CLOSE)
        position = deletion.end
    pieces.append(_escape_reserved(text[position:]))
    protected, maths = _protect_math("".join(pieces), cloze=True)
    return _restore(_BRACE_BEFORE_CLOSE.sub("&#125;", _render(protected)), maths)


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


def _render(protected: str) -> str:
    # Most fields are sentences with a little emphasis or code, a short list or one code block;
    # the parser is most of an export's time.
    rendered = simple_paragraph(protected) or simple_list(protected) or _lone_code_block(protected)
    return MARKDOWN.render(protected).rstrip("\n") if rendered is None else rendered


def _escape_reserved(text: str) -> str:
    """`text` with every placeholder character it holds escaped, so none can pass for ours."""
    if _RESERVED.search(text) is None:  # nearly every field
        return text
    return _RESERVED.sub(lambda match: _ESCAPE + match.group(0), text)


def _protect_math(text: str, cloze: bool) -> tuple[str, list[str]]:
    """Math spans cut out as placeholders, and each span's final HTML by its index."""
    if "$" not in text:  # no math, and no `\$` for Markdown to unescape either
        return text, []
    pieces: list[str] = []
    maths: list[str] = []
    for span in split_spans(text):
        if span.kind == "inline_math" or span.kind == "display_math":
            body = _BRACE_BEFORE_CLOSE.sub("} ", span.content) if cloze else span.content
            opener, closer = ("\\(", "\\)") if span.kind == "inline_math" else ("\\[", "\\]")
            # A body can hold escaped characters and cloze markup: resolved now, as the output's
            # placeholders are replaced in one pass that does not look inside what it puts in.
            maths.append(_restore(opener + html.escape(body, quote=False) + closer, []))
            pieces.append(f"{_MATH_OPEN}{len(maths) - 1}{_MATH_CLOSE}")
        else:
            pieces.append(span.content)
    return "".join(pieces), maths


def _restore(rendered: str, maths: list[str]) -> str:
    """Every placeholder replaced by what it stands for, and the result safe from Anki's normalization."""
    return _through_normalization(_restore_placeholders(rendered, maths))


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


def _restore_placeholders(rendered: str, maths: list[str]) -> str:
    """Every placeholder in the rendered HTML replaced by what it stands for."""
    if _RESERVED.search(rendered) is None:  # nearly every field
        return rendered

    def replacement(match: re.Match[str]) -> str:
        if (escaped := match["escaped"]) is not None:
            return escaped + match["tags"]
        if (index := match["math"]) is not None:
            return maths[int(_TAG.sub("", index))] + "".join(_TAG.findall(index))
        if (ordinal := match["ordinal"]) is not None:
            return "{{c" + _TAG.sub("", ordinal) + "::" + "".join(_TAG.findall(ordinal))
        return "::" if match.group(0) == _CLOZE_HINT else "}}"

    return _PLACEHOLDER.sub(replacement, rendered)


def _lone_code_block(text: str) -> str | None:
    """A field that is one fenced code block, highlighted as the parser's fence hook would."""
    block = _LONE_FENCE.fullmatch(text)
    return None if block is None else _highlight(block["code"] or "", block["language"], "")


def _highlight(code: str, language: str, _attributes: str) -> str:
    # Pygments drops a byte-order mark at the start of its input; here it is the card's own character.
    kept = "\ufeff" if code.startswith("\ufeff") else ""
    spans = kept + highlight(code, _lexer(language.lower()), _FORMATTER).rstrip("\n")
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
