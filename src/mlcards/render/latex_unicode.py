"""LaTeX math → readable Unicode text for a terminal: `\\sum_{i=1}^{n} x_i^2` → `∑ᵢ₌₁ⁿ xᵢ²`.

The parse tree (`latex_parse`) is printed with TeX's spacing rules, so `a+b`, `a + b` and
`a\\,+\\,b` read alike; scripts use Unicode super/subscript letters when every character has
one (`x²`, `e⁻ˣ`, `Wᵀ`) and `_θ` / `^(…)` otherwise. Never raises.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from mlcards.render import latex_fallback
from mlcards.render import latex_symbols as symbols
from mlcards.render.latex_parse import (
    SUPPORTED_COMMANDS,
    Accent,
    Binomial,
    Environment,
    Fraction,
    Group,
    Kind,
    Node,
    Root,
    Scripted,
    Space,
    Styled,
    Symbol,
    TextRun,
    commands_in,
    parse,
)

__all__ = ["SUPPORTED_COMMANDS", "latex_to_unicode", "unsupported_commands"]

# TeX's inter-atom spacing (The TeXbook, ch. 18): pairs spaced in every style, and pairs spaced
# only outside sub/superscripts. Thin, medium and thick spaces all become one terminal cell.
_ALWAYS_SPACED: frozenset[tuple[Kind, Kind]] = frozenset(
    {("ord", "op"), ("op", "ord"), ("op", "op"), ("close", "op"), ("inner", "op")}
)
_SPACED_OUTSIDE_SCRIPTS: frozenset[tuple[Kind, Kind]] = frozenset(
    {
        ("ord", "bin"),
        ("ord", "rel"),
        ("ord", "inner"),
        ("op", "bin"),  # only after a function name (max − min): after ∑ a minus is a sign
        ("op", "rel"),
        ("op", "inner"),
        ("bin", "ord"),
        ("bin", "op"),
        ("bin", "open"),
        ("bin", "inner"),
        ("rel", "ord"),
        ("rel", "op"),
        ("rel", "open"),
        ("rel", "inner"),
        ("close", "bin"),
        ("close", "rel"),
        ("close", "inner"),
        *(("punct", kind) for kind in ("ord", "op", "rel", "open", "close", "punct", "inner")),
        *(("inner", kind) for kind in ("ord", "bin", "rel", "open", "inner")),  # not before a comma: one cell is too wide
    }
)
_CASES = {"cases": ("{", ""), "dcases": ("{", ""), "rcases": ("", "}")}
_MATRICES = {
    "matrix": ("", ""),
    "smallmatrix": ("", ""),
    "array": ("", ""),
    "subarray": ("", ""),
    "pmatrix": ("(", ")"),
    "bmatrix": ("[", "]"),
    "Bmatrix": ("{", "}"),
    "vmatrix": ("|", "|"),
    "Vmatrix": ("‖", "‖"),
}
_GATHERED = {"gathered", "gather", "gather*", "multline", "multline*", "equation", "equation*"}
_SIGNS = ("−", "+", "±", "∓")
_ROOTS = {"": "√", "2": "√", "3": "∛", "4": "∜"}
_TALL_PIECES = {  # top, middle filler, bottom, centre (for braces)
    "(": ("⎛", "⎜", "⎝", "⎜"),
    ")": ("⎞", "⎟", "⎠", "⎟"),
    "[": ("⎡", "⎢", "⎣", "⎢"),
    "]": ("⎤", "⎥", "⎦", "⎥"),
    "{": ("⎧", "⎪", "⎩", "⎨"),
    "}": ("⎫", "⎪", "⎭", "⎬"),
    "|": ("│", "│", "│", "│"),
    "‖": ("‖", "‖", "‖", "‖"),
}


def latex_to_unicode(source: str, display: bool = False) -> str:
    """Readable Unicode for LaTeX math; `display` lays environment rows out on separate lines."""
    try:
        rows = parse(source)
        if len(rows) == 1 and len(rows[0]) == 1:
            nodes = rows[0][0]
        else:
            nodes = [Environment("aligned" if any(len(row) > 1 for row in rows) else "gathered", rows)]
        if not display:
            return _render_list(nodes, tight=False).strip()
        return _box_text(_layout_box(nodes))
    except RecursionError:  # nesting too deep to walk: the source itself is the most readable thing left
        return source


def unsupported_commands(source: str) -> set[str]:
    """Control words in `source` that are printed by name because nothing better is known."""
    return {name for name in commands_in(source) if name not in SUPPORTED_COMMANDS and latex_fallback.symbol(name) is None}


def _kind(node: Node) -> Kind | None:
    match node:
        case Space():
            return None
        case Symbol(text=text) if _is_invisible(text):
            return None
        case Symbol(kind=kind) | Group(kind=kind):
            return kind
        case Scripted(nucleus=nucleus):
            return _kind(nucleus) or "ord"
        case Fraction() | Binomial() | Environment():
            return "inner"
        case _:
            return "ord"


def _is_large(node: Node) -> bool:
    match node:
        case Symbol(large=large):
            return large
        case Scripted(nucleus=nucleus):
            return _is_large(nucleus)
        case _:
            return False


def _takes_operand(node: Node) -> bool:
    """∑ and limits like `min_θ` take what follows as an operand; a bare `max - min` is a subtraction."""
    return _is_large(node) or isinstance(node, Scripted)


def _effective_kinds(nodes: list[Node]) -> list[Kind | None]:
    """Atom kinds after TeX's rule that a binary operator with nothing to its left is a sign."""
    kinds = [_kind(node) for node in nodes]
    previous: int | None = None
    for index, kind in enumerate(kinds):
        if kind is None:
            continue
        before = kinds[previous] if previous is not None else None
        if kind == "bin" and (
            before in (None, "bin", "rel", "open", "punct")
            or (before == "op" and previous is not None and _takes_operand(nodes[previous]))
        ):
            kinds[index] = "ord"
        elif kind in ("rel", "close", "punct") and before == "bin" and previous is not None:
            kinds[previous] = "ord"
        previous = index
    if previous is not None and kinds[previous] == "bin":
        kinds[previous] = "ord"
    return kinds


def _render(node: Node, tight: bool) -> str:
    match node:
        case Symbol(text=text) | Space(text=text) | TextRun(text=text):
            return text
        case Group(children=children, fenced=fenced):
            text = _render_list(children, tight)
            return f"({text})" if fenced and _needs_parens(children, denominator=True) else text
        case Styled(children=children, alphabet=alphabet):
            return "".join(alphabet.get(char, char) for char in _render_list(children, tight))
        case Scripted():
            return _render_scripted(node, tight)
        case Fraction(numerator=numerator, denominator=denominator):
            return f"{_operand(numerator, tight, denominator=False)}/{_operand(denominator, tight, denominator=True)}"
        case Binomial(top=top, bottom=bottom):
            return f"C({_render_list(top, tight)}, {_render_list(bottom, tight)})"
        case Root(body=body, index=index):
            return _root_sign(_render_list(index, True).strip()) + _operand(body, tight, denominator=True)
        case Accent(body=body, mark=mark, every_char=every_char):
            return _accented(_render(body, tight), mark, every_char)
        case Environment():
            return _environment_inline(node)
    return ""


def _render_list(nodes: list[Node], tight: bool) -> str:
    return "".join(piece if isinstance(piece, str) else piece.flat for piece in _layout(nodes, tight, boxes=False))


@dataclass(slots=True)
class _Box:
    """A block of lines, aligned with its neighbours on its baseline row."""

    lines: list[str]
    baseline: int
    flat: str

    @property
    def width(self) -> int:
        return max((_cell_width(line) for line in self.lines), default=0)


def _layout(nodes: list[Node], tight: bool, boxes: bool) -> list[str | _Box]:
    """The atoms' texts with the spaces TeX would put between them; environments as boxes if asked."""
    kinds = _effective_kinds(nodes)
    pieces: list[str | _Box] = []
    previous: tuple[Node, Kind, str] | None = None
    after_explicit_space = True
    for node, kind in zip(nodes, kinds, strict=True):
        if kind is None:
            pieces.append(_render(node, tight))
            after_explicit_space = after_explicit_space or isinstance(node, Space)
            continue
        piece: str | _Box = _environment_box(node) if boxes and isinstance(node, Environment) else _render(node, tight)
        argument = isinstance(piece, str) and isinstance(node, Fraction) and previous is not None and previous[1] == "op"
        if argument:
            piece = f"({piece})"  # log(a/b): an inline fraction after a function is its argument, not `log a` over b
        text = piece if isinstance(piece, str) else piece.lines[piece.baseline]
        if not text:
            continue
        if previous is not None and not after_explicit_space and not argument and _spaced(previous, (node, kind, text), tight):
            pieces.append(" ")
        pieces.append(piece)
        previous, after_explicit_space = (node, kind, text), False
    return pieces


def _spaced(previous: tuple[Node, Kind, str], current: tuple[Node, Kind, str], tight: bool) -> bool:
    """TeX's spacing, less the thin spaces that a whole terminal cell would turn into gaps."""
    previous_node, previous_kind, previous_text = previous
    _, kind, text = current
    if text in (".", "/") or previous_text == "/":
        return False
    if previous_kind == "ord" and isinstance(previous_node, Symbol) and previous_node.text in _SIGNS:
        return False  # a sign: −log 4, not − log 4
    if previous_kind == "op" and kind == "open" and (_is_large(previous_node) or _ends_with_spelled_group(previous_text)):
        return True  # ∑ᵢ (a + b), max_(i<j) (j − i): the bracket is the operand, not part of the limits
    if (previous_kind, kind) in _ALWAYS_SPACED or (not tight and (previous_kind, kind) in _SPACED_OUTSIDE_SCRIPTS):
        return True
    return _ends_with_bare_script(previous_text) and text[:1].isalnum()


def _ends_with_spelled_group(text: str) -> bool:
    """True for `max_(i<j)`: a script spelled out in brackets, which a following bracket would blur."""
    if not text.endswith(")"):
        return False
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[index], 0)
        if depth == 0:
            return index > 0 and text[index - 1] in "_^"
    return False


def _ends_with_bare_script(text: str) -> bool:
    """True for `p_θ` or `p_data`: a following letter would read as part of the subscript."""
    index = len(text)
    while index > 0 and (text[index - 1].isalnum() or unicodedata.combining(text[index - 1])):
        index -= 1
    return 0 < index < len(text) and text[index - 1] in "_^"


def _needs_parens(nodes: list[Node], denominator: bool) -> bool:
    """Whether `nodes` must be parenthesised to sit beside `/` or `√` without changing meaning.

    Anything with a top-level operator, relation, comma or space is compound; a denominator or
    radicand is also compound when it is several juxtaposed factors (`2N`). A bracketed group
    right after a factor is its argument list (`f(x)`, `exp(x)`), and `|…|`, `‖…‖` are groups too.
    """
    kinds = _effective_kinds(nodes)
    atoms = [(node, kind) for node, kind in zip(nodes, kinds, strict=True) if not _is_blank(node)]
    if not atoms:
        return False
    if atoms[0][1] == "open" and _closing_partner(atoms) == len(atoms) - 1:
        return False
    depth = 0
    bars: list[str] = []  # | and ‖ open or close a group depending on what is already open
    units = 0
    attached = False  # the last top-level item was a factor, so an opening bracket is its argument list
    wants_argument = False  # a function name (exp, log) is one factor only when applied to brackets
    for node, kind in atoms:
        bar = node.text if isinstance(node, Symbol) and node.text in ("|", "‖") else None
        if bar is not None:
            if bars and bars[-1] == bar:
                bars.pop()
                kind = "close"
            else:
                bars.append(bar)
                kind = "open"
        if kind is None:
            if depth == 0:
                return True
            continue
        if kind == "open":
            if depth == 0 and not attached:
                units += 1
            depth += 1
            wants_argument = False
            continue
        if kind == "close":
            depth = max(0, depth - 1)
            attached = depth == 0
            continue
        if depth > 0:
            continue
        if wants_argument or kind in ("bin", "rel", "punct", "inner") or _is_compound_leaf(node):
            return True
        if kind == "op":
            if _is_large(node):
                return True
            wants_argument = True
        units += 1
        attached = True
    return wants_argument or (denominator and units > 1)


def _is_blank(node: Node) -> bool:
    """Negative space (`\\!`) and invisible characters (the cloze markers) take no part in layout."""
    return (isinstance(node, Space) and node.text == "") or (isinstance(node, Symbol) and _is_invisible(node.text))


def _is_invisible(text: str) -> bool:
    return bool(text) and all(unicodedata.category(char) == "Cf" for char in text)


def _is_compound_leaf(node: Node) -> bool:
    if isinstance(node, TextRun):
        return " " in node.text.strip()
    if isinstance(node, Group) and not node.fenced:
        return _needs_parens(node.children, denominator=False)
    return False


def _closing_partner(atoms: list[tuple[Node, Kind | None]]) -> int | None:
    depth = 0
    for index, (_, kind) in enumerate(atoms):
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth == 0:
                return index
    return None


def _operand(nodes: list[Node], tight: bool, denominator: bool) -> str:
    text = _render_list(nodes, tight).strip()
    return f"({text})" if _needs_parens(nodes, denominator) else text


def _root_sign(index: str) -> str:
    if index in _ROOTS:
        return _ROOTS[index]
    raised = _convert(index, symbols.SUPERSCRIPTS)
    return f"{raised if raised is not None else f'({index})'}√"


def _render_scripted(node: Scripted, tight: bool) -> str:
    """`xᵢ²` when both scripts have Unicode forms; otherwise in source order, `D_K²` but `D*_G`."""
    scripts: list[tuple[str, bool]] = []
    for script, table, marker in ((node.sub, symbols.SUBSCRIPTS, "_"), (node.sup, symbols.SUPERSCRIPTS, "^")):
        text = _render(script, tight=True).strip() if script is not None else ""
        if not text:
            continue
        raised = _convert(text, table)
        if raised is not None:
            scripts.append((raised, True))
        else:
            # A word is a clear label below the line (p_data); above it, only one letter or number
            # is: e^λt would read as (e^λ)·t.
            plain = _is_atom(text) if marker == "^" else _is_word(text)
            scripts.append((f"{marker}{text}" if plain else f"{marker}({text})", False))
    if node.sup_first and len(scripts) == 2 and not all(converted for _, converted in scripts):
        scripts.reverse()
    return _render(node.nucleus, tight) + "".join(text for text, _ in scripts)


def _convert(text: str, table: dict[str, str]) -> str | None:
    if not text or any(char not in table for char in text):
        return None
    return "".join(table[char] for char in text)


def _is_word(text: str) -> bool:
    return all(char.isalnum() or unicodedata.combining(char) or char == "′" for char in text)


def _is_atom(text: str) -> bool:
    """One letter (with its accents or primes) or one number: `e^x`, `x^12`, `D_K`. Anything
    longer is bracketed, or `e^zᵢ` and `e^λt` would read as `(e^z)ᵢ` and `(e^λ)·t`."""
    if text.isdigit():
        return True
    bases = [char for char in text if not unicodedata.combining(char) and char != "′"]
    return len(bases) == 1 and bases[0].isalnum()


def _accented(text: str, mark: str, every_char: bool) -> str:
    bases = [index for index, char in enumerate(text) if not unicodedata.combining(char) and not char.isspace()]
    if not bases:
        return text
    if every_char:
        targets = set(bases)
    else:
        scripts = set(symbols.SUBSCRIPTS.values()) | set(symbols.SUPERSCRIPTS.values())
        rest_are_scripts = all(text[index] in scripts for index in bases[1:])
        targets = {bases[0] if rest_are_scripts else bases[-1]}
    marked: list[str] = []
    for index, char in enumerate(text):
        marked.append(char)
        if index in targets:
            marked.append(mark)
    return unicodedata.normalize("NFC", "".join(marked))


def _environment_cells(env: Environment) -> list[list[str]]:
    rows = [[_render_list(cell, tight=False).strip() for cell in row] for row in env.rows]
    return [row for row in rows if any(row)] or [[""]]


def _environment_inline(env: Environment) -> str:
    rows = _environment_cells(env)
    if env.name in _CASES:  # closed on both sides, so a reader sees where the cases end
        return "{" + "; ".join(", ".join(cell for cell in row if cell) for row in rows) + "}"
    left, right = _MATRICES.get(env.name, ("", ""))
    return left + "; ".join(" ".join(cell for cell in row if cell) for row in rows) + right


def _environment_box(env: Environment) -> _Box:
    rows = _environment_cells(env)
    columns = max(len(row) for row in rows)
    rows = [row + [""] * (columns - len(row)) for row in rows]
    widths = [max(_cell_width(row[column]) for row in rows) for column in range(columns)]
    lines = []
    for row in rows:
        parts: list[str] = []
        for column, cell in enumerate(row):
            if column:
                parts.append(_column_gap(env.name, column))
            parts.append(_aligned_cell(env.name, column, cell, widths[column]))
        lines.append("".join(parts))
    left, right = _CASES.get(env.name) or _MATRICES.get(env.name, ("", ""))
    if left:
        lines = [f"{piece} {line}" for piece, line in zip(_tall(left, len(lines)), lines, strict=True)]
    if right:
        lines = [f"{line} {piece}" for piece, line in zip(_tall(right, len(lines)), lines, strict=True)]
    return _Box(lines, (len(lines) - 1) // 2, _environment_inline(env))


def _column_gap(name: str, column: int) -> str:
    if name in _CASES or name in _MATRICES or name in _GATHERED:
        return "  "
    return " " if column % 2 else "    "  # aligned: `lhs &= rhs`, then a wider gap before the next pair


def _aligned_cell(name: str, column: int, cell: str, width: int) -> str:
    padding = width - _cell_width(cell)
    if name in _CASES:
        return cell + " " * padding
    if name in _MATRICES or name in _GATHERED:
        return " " * (padding // 2) + cell + " " * (padding - padding // 2)
    return " " * padding + cell if column % 2 == 0 else cell + " " * padding


def _tall(delimiter: str, height: int) -> list[str]:
    if height == 1 or delimiter not in _TALL_PIECES:
        return [delimiter] * height
    top, filler, bottom, centre = _TALL_PIECES[delimiter]
    pieces = [top] + [filler] * (height - 2) + [bottom]
    if height > 2:
        pieces[(height - 1) // 2] = centre
    return pieces


def _layout_box(nodes: list[Node]) -> _Box:
    boxes: list[_Box] = []
    text: list[str] = []
    for piece in _layout(nodes, tight=False, boxes=True):
        if isinstance(piece, str):
            text.append(piece)
            continue
        if text:
            boxes.append(_Box(["".join(text)], 0, "".join(text)))
            text = []
        boxes.append(piece)
    if text or not boxes:
        boxes.append(_Box(["".join(text)], 0, "".join(text)))
    return _side_by_side(boxes)


def _side_by_side(boxes: list[_Box]) -> _Box:
    above = max(box.baseline for box in boxes)
    below = max(len(box.lines) - 1 - box.baseline for box in boxes)
    lines = [""] * (above + below + 1)
    for box in boxes:
        width = box.width
        top = above - box.baseline
        for row in range(len(lines)):
            inside = 0 <= row - top < len(box.lines)
            segment = box.lines[row - top] if inside else ""
            lines[row] += segment + " " * (width - _cell_width(segment))
    return _Box(lines, above, "".join(box.flat for box in boxes))


def _box_text(box: _Box) -> str:
    lines = [line.rstrip() for line in box.lines]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    indent = min((len(line) - len(line.lstrip(" ")) for line in lines if line), default=0)
    return "\n".join(line[indent:] for line in lines)


def _cell_width(text: str) -> int:
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width
