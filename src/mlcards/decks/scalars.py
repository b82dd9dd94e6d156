"""A text value written as YAML that reads back exactly as it was, in the plainest style that can
hold it: plain where nothing in the text means something to YAML, single quotes for one line (a backslash stays a backslash, so
LaTeX survives), a literal block (`|`) for several lines, double quotes only when nothing else
can carry the text (characters YAML does not allow in a file, or line breaks other than \\n)."""

from __future__ import annotations

import re

# Plain text starts with a letter, a digit, '$', '\\' or '(' (never with an indicator such as '-',
# '[', '&', '*', '!', '|', quotes or '#'); ': ' or ' #' inside it or a ':' at its end would split it;
# in a flow collection ',', ':' and brackets end it. Anything else is quoted.
_PLAIN_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$\\(")
_ENDS_PLAIN_IN_FLOW = re.compile(r"[,:\[\]{}]")
_READ_AS_NULL = frozenset({"null", "Null", "NULL"})
# Characters a YAML file may not hold (libyaml also refuses a byte-order mark inside the text).
_NOT_IN_A_FILE = re.compile("[^\t\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# YAML 1.1 reads these as line breaks too, so only an escape keeps them as written.
_OTHER_LINE_BREAKS = re.compile("[\r\x85\u2028\u2029]")
_DOUBLE_QUOTE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}
_WHITESPACE_AT_A_LINE_BREAK = re.compile(r"[ \t]\n|\n[ \t]")
_NEWLINES = re.compile(r"\n+")
MAX_INDENTATION_INDICATOR = 9


def plain_is_safe(value: str, flow: bool) -> bool:
    if not value or value[0] not in _PLAIN_START or value.endswith((" ", ":")) or value in _READ_AS_NULL:
        return False
    if ": " in value or " #" in value or "\t" in value or "\n" in value:
        return False
    if flow and _ENDS_PLAIN_IN_FLOW.search(value):
        return False
    return not needs_double_quotes(value)


def single_quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def double_quoted(value: str) -> str:
    return '"' + "".join(_double_quote_escape(character) for character in value) + '"'


def _double_quote_escape(character: str) -> str:
    if character in _DOUBLE_QUOTE_ESCAPES:
        return _DOUBLE_QUOTE_ESCAPES[character]
    if _NOT_IN_A_FILE.match(character) or _OTHER_LINE_BREAKS.match(character):
        code = ord(character)
        return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"
    return character


def needs_double_quotes(value: str) -> bool:
    """Only an escape can carry this value: characters a file may not hold, odd line breaks,
    or nothing but whitespace (which no block scalar can hold exactly)."""
    return _NOT_IN_A_FILE.search(value) is not None or _OTHER_LINE_BREAKS.search(value) is not None or not value.strip(" \t\n")


def inline_scalar(value: str, flow: bool) -> str:
    """A one-line scalar: plain, single-quoted, or double-quoted with escapes."""
    if plain_is_safe(value, flow):
        return value
    if "\n" in value or needs_double_quotes(value):
        return double_quoted(value)
    return single_quoted(value)


def block_value(value: str, key_column: int, step: int, newline: str) -> str:
    """What follows 'key: ' for a value in block context: inline when it is one line, else a
    literal block scalar whose lines are indented `step` past the key's column."""
    if "\n" not in value or needs_double_quotes(value):
        return inline_scalar(value, flow=False)
    step = min(max(step, 1), MAX_INDENTATION_INDICATOR)
    trailing_newlines = len(value) - len(value.rstrip("\n"))
    chomping = "-" if trailing_newlines == 0 else "" if trailing_newlines == 1 else "+"
    # A first line that starts with a space, a tab (libyaml refuses it) or is empty would be
    # mistaken for indentation: say how deep the indentation is instead of letting YAML guess.
    indicator = str(step) if value[0] in " \t\n" else ""
    body = value[: len(value) - trailing_newlines] if trailing_newlines else value
    indent = " " * (key_column + step)
    lines = [indent + line if line else "" for line in body.split("\n")]
    lines.extend([""] * (trailing_newlines - 1))  # kept (|+) empty lines after the last one
    return f"|{indicator}{chomping}" + newline + newline.join(lines)


def flow_value(value: str, indent: str, newline: str) -> str:
    """A value inside a flow collection (`{front: ...}`), where no block scalar can go. Several
    lines are written as folded double-quoted text, each line break doubled: escapes like \\n
    beside LaTeX are what the loader warns about, and the only escapes here are \\\\ and \\"."""
    if "\n" not in value or needs_double_quotes(value) or _WHITESPACE_AT_A_LINE_BREAK.search(value):
        return inline_scalar(value, flow=True)  # folding would drop that whitespace: escapes keep it
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _NEWLINES.sub(lambda run: newline * (len(run.group(0)) + 1) + indent, escaped) + '"'
