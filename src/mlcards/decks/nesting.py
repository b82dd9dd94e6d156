"""How deeply a YAML text nests, measured by our own scan, independent of the YAML library.

The composer stops at MAX_DEPTH while it reads events, but a YAML library may give up first:
libyaml's scanner reads a whole flow collection ahead (any `[` may open a key) and newer
releases end that look-ahead with an error of their own. When parsing fails, the loader asks
this module whether the text nested too deeply before the failure, so the user gets mlcards'
message whatever library version is installed.

The scan follows YAML's lexical rules closely enough for nesting: quoted scalars, comments and
block-scalar bodies are skipped; inside a flow collection every bracket counts; in block
context a bracket counts only where a node can start; `- ` and `key:` open block levels by
indentation.
"""

from __future__ import annotations

from dataclasses import dataclass

_NODE_START_BEFORE = frozenset("-:?,[{")


@dataclass(frozen=True, slots=True)
class DeepPoint:
    """Where the nesting first went past the limit (1-based line and column)."""

    line: int
    column: int


def first_point_deeper_than(text: str, limit: int) -> DeepPoint | None:
    """The first place where collections nest more than `limit` deep, or None."""
    block_levels: list[int] = []  # indentation columns of the open block collections
    block_scalar_indent: int | None = None  # inside a | or > body: the header line's indentation
    for line_number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if block_scalar_indent is not None:
            if not stripped.strip() or indent > block_scalar_indent:
                continue
            block_scalar_indent = None
        if not stripped or stripped.startswith("#"):
            continue
        while block_levels and block_levels[-1] >= indent:
            block_levels.pop()
        found, opens_block_scalar = _scan_line(line, indent, block_levels, limit)
        if found is not None:
            return DeepPoint(line_number, found + 1)
        if opens_block_scalar:
            block_scalar_indent = indent
    return None


def _scan_line(line: str, indent: int, block_levels: list[int], limit: int) -> tuple[int | None, bool]:
    """Walk one line; return the column where the limit was passed and whether a | or > body follows."""
    flow_depth = 0
    column = indent
    length = len(line)
    # Block sequence entries and keys at the start of the line each open a nested level.
    while column < length:
        if line.startswith("- ", column) or line.startswith("? ", column) or (line[column] == "-" and column + 1 == length):
            block_levels.append(column)
        else:
            break
        if len(block_levels) > limit:
            return column, False
        column += 2
        while column < length and line[column] == " ":
            column += 1
    content_start = column
    key_opened = False
    previous = " "
    while column < length:
        character = line[column]
        if character in "'\"" and (flow_depth or previous in " \t" or previous in _NODE_START_BEFORE):
            column = _skip_quoted(line, column)
            previous = character
            continue
        if character == "#" and previous in " \t":
            break
        if character in "[{" and (flow_depth or previous in " \t" or previous in _NODE_START_BEFORE):
            flow_depth += 1
            if len(block_levels) + flow_depth > limit:
                return column, False
        elif character in "]}" and flow_depth:
            flow_depth -= 1
        elif character == ":" and not flow_depth and not key_opened and (column + 1 == length or line[column + 1] == " "):
            key_opened = True
            block_levels.append(content_start)
            if len(block_levels) > limit:
                return content_start, False
        elif character in "|>" and not flow_depth and previous in " \t" and _only_header_follows(line, column):
            return None, True
        previous = character
        column += 1
    return None, False


def _skip_quoted(line: str, start: int) -> int:
    quote = line[start]
    column = start + 1
    while column < len(line):
        if quote == '"' and line[column] == "\\":
            column += 2
            continue
        if line[column] == quote:
            if quote == "'" and line.startswith("''", column):
                column += 2
                continue
            return column + 1
        column += 1
    return column


def _only_header_follows(line: str, column: int) -> bool:
    """A block-scalar indicator: `|` or `>`, optional chomping/indent digits, then a comment or nothing."""
    rest = line[column + 1 :].split(" #", 1)[0].strip()
    return all(character in "+-123456789" for character in rest)
