"""LaTeX math source → a small tree of TeX-like atoms, for `latex_unicode` to print.

A tokenizer splits the source into control sequences, single characters and runs of
whitespace; a recursive-descent parser reads groups, arguments, scripts and environments.
It never rejects input: stray braces are skipped, unclosed groups end with the source.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from mlcards.render import latex_fallback
from mlcards.render import latex_symbols as symbols

Kind = Literal["ord", "op", "bin", "rel", "open", "close", "punct", "inner"]

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\\$|\s+|.", re.S)
_BIG_DELIMITERS = {
    f"{size}{suffix}"
    for size in ("big", "Big", "bigg", "Bigg")
    for suffix in ("", "l", "r", "m")  # l, r, m: opening, closing, relation
}
_FRACTIONS = {"frac", "tfrac", "dfrac", "cfrac"}
_BINOMIALS = {"binom", "tbinom", "dbinom"}
_BRACES = {"underbrace", "overbrace", "underbracket", "overbracket"}
_CLASS_COMMANDS: dict[str, Kind] = {
    "mathrel": "rel",
    "mathbin": "bin",
    "mathopen": "open",
    "mathclose": "close",
    "mathpunct": "punct",
    "mathord": "ord",
    "mathinner": "inner",
}
_CHAR_KINDS: dict[str, Kind] = {
    "+": "bin",
    "-": "bin",
    "*": "bin",
    "=": "rel",
    "<": "rel",
    ">": "rel",
    ":": "rel",
    ",": "punct",
    ";": "punct",
    "(": "open",
    "[": "open",
    ")": "close",
    "]": "close",
    "!": "close",
    "?": "close",
}
_CHAR_TEXT = {"-": "−", "'": "′"}
_ROW_BREAK = "\\\\"
_CELL_BREAK = "&"


@dataclass(slots=True)
class Symbol:
    text: str
    kind: Kind = "ord"
    large: bool = False  # ∑-like: a minus after it is a sign, not a subtraction


@dataclass(slots=True)
class Space:
    text: str  # "" for negative space: it only cancels the implicit spacing around it


@dataclass(slots=True)
class Group:
    children: list[Node]
    kind: Kind = "ord"
    fenced: bool = False  # under/overbrace bodies: parenthesised when compound so a label can follow


@dataclass(slots=True)
class Styled:
    children: list[Node]
    alphabet: dict[str, str]


@dataclass(slots=True)
class TextRun:
    text: str


@dataclass(slots=True)
class Scripted:
    nucleus: Node
    sub: Node | None = None
    sup: Node | None = None
    sup_first: bool = False  # `D^*_G`: kept in that order when a script has to be spelled out


@dataclass(slots=True)
class Fraction:
    numerator: list[Node]
    denominator: list[Node]


@dataclass(slots=True)
class Binomial:
    top: list[Node]
    bottom: list[Node]


@dataclass(slots=True)
class Root:
    body: list[Node]
    index: list[Node] = field(default_factory=list)


@dataclass(slots=True)
class Accent:
    body: Node
    mark: str
    every_char: bool


@dataclass(slots=True)
class Environment:
    name: str
    rows: list[list[list[Node]]]


Node = Symbol | Space | Group | Styled | TextRun | Scripted | Fraction | Binomial | Root | Accent | Environment


def tokenize(source: str) -> list[str]:
    """Control words (`\\alpha`), control symbols (`\\,`), single spaces for whitespace runs, characters."""
    return [" " if token.isspace() else token for token in _TOKEN.findall(source)]


def parse(source: str) -> list[list[list[Node]]]:
    """Rows of cells of atoms: one row with one cell unless the source uses `\\\\` or `&` outside an environment."""
    return _Parser(tokenize(source)).parse_rows(frozenset())


def commands_in(source: str) -> list[str]:
    """The control words in `source`, without their backslash."""
    return [token[1:] for token in tokenize(source) if token[:1] == "\\" and token[1:].isalpha()]


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self, raw: bool = False) -> str | None:
        if not raw:
            self._skip_spaces()
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def next(self, raw: bool = False) -> str | None:
        token = self.peek(raw)
        if token is not None:
            self.position += 1
        return token

    def _skip_spaces(self) -> None:
        while self.position < len(self.tokens) and self.tokens[self.position] == " ":
            self.position += 1

    def parse_rows(self, stops: frozenset[str]) -> list[list[list[Node]]]:
        rows: list[list[list[Node]]] = [[]]
        separators = stops | {_ROW_BREAK, _CELL_BREAK}
        while True:
            rows[-1].append(self.parse_list(separators))
            token = self.peek()
            if token == _CELL_BREAK:
                self.next()
            elif token == _ROW_BREAK:
                self.next()
                if self.peek() == "[":  # \\[2pt]: extra row spacing
                    self._read_raw_until("]")
                rows.append([])
            else:
                break
        if len(rows) > 1 and not any(rows[-1]):  # a trailing \\ ends the last row, it does not start one
            rows.pop()
        return rows

    def parse_list(self, stops: frozenset[str]) -> list[Node]:
        nodes: list[Node] = []
        while (token := self.peek()) is not None and token not in stops:
            if token == "}":  # an unmatched closing brace
                self.next()
                continue
            if token in ("^", "_"):
                nodes.append(self.parse_scripts(Group([])))
                continue
            node = self.parse_atom()
            if node is not None:
                nodes.append(self.parse_scripts(node))
        return nodes

    def parse_group_body(self) -> list[Node]:
        """What follows an opening brace, up to and including its closing brace."""
        nodes = self.parse_list(frozenset({"}"}))
        self.next()
        return nodes

    def parse_scripts(self, nucleus: Node) -> Node:
        sub: Node | None = None
        sup: Node | None = None
        sup_first = False
        while (token := self.peek()) in ("^", "_", "\\limits", "\\nolimits"):
            self.next()
            if token == "^":
                sup_first = sup_first or sub is None
                sup = _joined(sup, self.parse_argument())
            elif token == "_":
                sub = _joined(sub, self.parse_argument())
        if sub is None and sup is None:
            return nucleus
        return Scripted(nucleus, sub, sup, sup_first=sup_first)

    def parse_argument(self) -> Node:
        """One macro argument: a braced group, a control sequence or a single character."""
        token = self.next()
        if token is None:
            return Group([])
        if token == "{":
            return Group(self.parse_group_body())
        if token[0] == "\\":
            return self.parse_command(token) or Group([])
        if token in ("}", "^", "_", _CELL_BREAK):
            return Group([])
        return _character(token)

    def argument_list(self) -> list[Node]:
        argument = self.parse_argument()
        return argument.children if isinstance(argument, Group) and argument.kind == "ord" else [argument]

    def parse_atom(self) -> Node | None:
        token = self.next()
        if token is None or token == _CELL_BREAK:
            return None
        if token == "{":
            return Group(self.parse_group_body())
        if token[0] == "\\":
            return self.parse_command(token)
        if token == "~":
            return Space(" ")
        if token.isdigit():
            return Symbol(self._rest_of_number(token))
        return _character(token)

    def _rest_of_number(self, first: str) -> str:
        digits = [first]
        while (token := self.peek(raw=True)) is not None:
            after = self.tokens[self.position + 1] if self.position + 1 < len(self.tokens) else ""
            if token.isdigit() or (token == "." and after.isdigit()):
                digits.append(token)
                self.position += 1
            else:
                break
        return "".join(digits)

    def parse_command(self, token: str) -> Node | None:
        name = token[1:]
        if name in symbols.SPACES:
            return Space(symbols.SPACES[name])
        if name == "\\":
            return Space(" ")
        if name in symbols.ESCAPED_CHARACTERS:
            return Symbol(name)
        if name in ("{", "}", "[", "]"):  # `\[` is an escaped bracket here: card math is already delimited
            return Symbol(name, "open" if name in "{[" else "close")
        if name == "|":
            return Symbol("‖")
        if name in ("left", "right", "middle"):
            kind: Kind = {"left": "open", "right": "close", "middle": "rel"}[name]  # type: ignore[assignment]
            return Symbol(self._read_delimiter(), kind)
        if name in _BIG_DELIMITERS:
            return self._big_delimiter(name)
        if name == "begin":
            return self._environment()
        if name == "end":
            self._read_raw_group()
            return None
        if name in _FRACTIONS:
            return Fraction(self.argument_list(), self.argument_list())
        if name in _BINOMIALS:
            return Binomial(self.argument_list(), self.argument_list())
        if name == "sqrt":
            index = self._optional_argument()
            return Root(self.argument_list(), index)
        if name == "not":
            return _negated(self.parse_argument())
        if name in symbols.ACCENTS:
            mark, every_char = symbols.ACCENTS[name]
            return Accent(self.parse_argument(), mark, every_char)
        if name in _BRACES:
            return Group(self.argument_list(), fenced=True)
        if name in ("overset", "stackrel", "underset"):
            return self._stacked(name)
        if name in ("operatorname", "mathop"):
            if self.peek(raw=True) == "*":
                self.next(raw=True)
            return Group(self.argument_list(), kind="op")
        if name in _CLASS_COMMANDS:
            return Group(self.argument_list(), kind=_CLASS_COMMANDS[name])
        if name in symbols.STYLE_ALPHABETS:
            return Styled(self.argument_list(), symbols.STYLE_ALPHABETS[name])
        if name in symbols.PLAIN_STYLES:
            return Group(self.argument_list())
        if name in symbols.TEXT_COMMANDS:
            return self._text_argument()
        if name in ("textcolor", "colorbox"):
            self._read_raw_group()
            return Group(self.argument_list())
        if name == "substack":
            return self._substack()
        if name == "tag":
            return Group([Space("    "), Symbol("("), *self.argument_list(), Symbol(")")])
        if name in ("hspace", "hskip", "kern", "mkern", "mskip"):
            self._read_raw_group()
            return Space(" ")
        if name in ("xrightarrow", "xleftarrow"):
            self._optional_argument()
            return Scripted(Symbol(symbols.RELATION[name], "rel"), sup=self.parse_argument())
        if name in ("pmod", "pod"):
            return Group([Space(" "), Symbol("("), Symbol("mod", "op"), *self.argument_list(), Symbol(")")])
        if name in symbols.IGNORED:
            for _ in range(symbols.IGNORED[name]):
                self._read_raw_group()
            return None
        return _named_symbol(token)

    def _read_delimiter(self) -> str:
        token = self.next()
        if token is None:
            return ""
        for table in (symbols.OPENING, symbols.CLOSING, symbols.AMBIGUOUS_DELIMITERS):
            if token in table:
                return table[token]
        node = self.parse_command(token) if token[0] == "\\" else _character(token)
        return node.text if isinstance(node, Symbol) else ""

    def _big_delimiter(self, name: str) -> Node | None:
        token = self.peek()
        if token is None:
            return None
        natural: Kind
        if token in symbols.OPENING:
            text, natural = symbols.OPENING[token], "open"
        elif token in symbols.CLOSING:
            text, natural = symbols.CLOSING[token], "close"
        elif token in symbols.AMBIGUOUS_DELIMITERS:
            text, natural = symbols.AMBIGUOUS_DELIMITERS[token], "ord"
        else:
            return None  # \big before something that is not a delimiter: just drop the sizing
        self.next()
        suffix = name.lstrip("bBig")
        kind: Kind = {"l": "open", "r": "close", "m": "rel"}.get(suffix, natural)  # type: ignore[assignment]
        return Symbol(text, kind)

    def _environment(self) -> Environment:
        name = self._read_raw_group().strip()
        if name in ("array", "subarray", "tabular"):
            self._read_raw_group()  # the column specification
        rows = self.parse_rows(frozenset({"\\end"}))
        if self.peek() == "\\end":
            self.next()
            self._read_raw_group()
        return Environment(name, rows)

    def _stacked(self, name: str) -> Node:
        label = self.parse_argument()
        body = self.parse_argument()
        if name == "stackrel":
            body = Group([body], kind="rel")
        return Scripted(body, sub=label) if name == "underset" else Scripted(body, sup=label)

    def _substack(self) -> Node:
        if self.peek() != "{":
            return self.parse_argument()
        self.next()
        rows = self.parse_rows(frozenset({"}"}))
        self.next()
        children: list[Node] = []
        for row in rows:
            if children:
                children.append(Symbol(",", "punct"))
            children.extend(node for cell in row for node in cell)
        return Group(children)

    def _optional_argument(self) -> list[Node]:
        if self.peek() != "[":
            return []
        self.next()
        nodes = self.parse_list(frozenset({"]"}))
        self.next()
        return nodes

    def _text_argument(self) -> Node:
        """Text mode: spaces count, `$…$` switches back to math, only a few commands mean anything."""
        token = self.next()
        if token is None:
            return TextRun("")
        if token != "{":
            return TextRun(self._text_token(token))
        parts: list[Node] = []
        buffer: list[str] = []
        depth = 0
        while (token := self.next(raw=True)) is not None:
            if token == "{":
                depth += 1
            elif token == "}":
                if depth == 0:
                    break
                depth -= 1
            elif token == "$":
                parts.append(TextRun(_text_dashes("".join(buffer))))
                buffer = []
                parts.append(Group(self.parse_list(frozenset({"$"}))))
                self.next()
            elif token[0] == "\\" and token[1:] in symbols.TEXT_COMMANDS | {"emph"}:
                inner = self._text_argument()
                if isinstance(inner, TextRun):
                    buffer.append(inner.text)
                else:
                    parts.extend((TextRun(_text_dashes("".join(buffer))), inner))
                    buffer = []
            elif token[0] == "\\" and token[1:].isalpha() and token[1:] not in symbols.SPACES:
                parts.append(TextRun(_text_dashes("".join(buffer))))
                buffer = []
                node = self.parse_command(token)
                if node is not None:
                    parts.append(node)
            else:
                buffer.append(self._text_token(token))
        parts.append(TextRun(_text_dashes("".join(buffer))))
        texts = [part for part in parts if not (isinstance(part, TextRun) and not part.text)]
        if len(texts) == 1 and isinstance(texts[0], TextRun):
            return texts[0]
        return Group(texts)

    @staticmethod
    def _text_token(token: str) -> str:
        if token == "~":
            return " "
        if token[0] != "\\":
            return token
        name = token[1:]
        if name in symbols.SPACES:
            return symbols.SPACES[name]
        if name == "\\":
            return " "
        return name

    def _read_raw_group(self) -> str:
        """A braced argument as source text (environment names, colours, labels)."""
        token = self.next()
        if token != "{":
            return token or ""
        return self._read_raw_until("}")

    def _read_raw_until(self, closer: str) -> str:
        parts: list[str] = []
        depth = 0
        while (token := self.next(raw=True)) is not None:
            if token == closer and depth == 0:
                break
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
            parts.append(token)
        return "".join(parts)


def _character(token: str) -> Symbol:
    return Symbol(_CHAR_TEXT.get(token, token), _CHAR_KINDS.get(token, "ord"))


def _named_symbol(token: str) -> Symbol:
    name = token[1:]
    if name in symbols.ORDINARY:
        return Symbol(symbols.ORDINARY[name])
    if name in symbols.BINARY:
        return Symbol(symbols.BINARY[name], "bin")
    if name in symbols.RELATION:
        return Symbol(symbols.RELATION[name], "rel")
    if name in symbols.LARGE_OPERATORS:
        return Symbol(symbols.LARGE_OPERATORS[name], "op", large=True)
    if name in symbols.FUNCTION_NAMES:
        return Symbol(name, "op")
    if token in symbols.OPENING:
        return Symbol(symbols.OPENING[token], "open")
    if token in symbols.CLOSING:
        return Symbol(symbols.CLOSING[token], "close")
    if token in symbols.AMBIGUOUS_DELIMITERS:
        return Symbol(symbols.AMBIGUOUS_DELIMITERS[token])
    if name.isalpha() and (borrowed := latex_fallback.symbol(name)) is not None:
        return Symbol(borrowed, latex_fallback.kind_of(borrowed))
    if name.isalpha():
        return Symbol(name, "op")  # an unknown command: its name, spaced like a function
    return Symbol(name)


def _negated(node: Node) -> Node:
    if isinstance(node, Symbol):
        return Symbol(unicodedata.normalize("NFC", node.text + "\u0338"), "rel")
    return node


def _joined(existing: Node | None, more: Node) -> Node:
    return more if existing is None else Group([existing, more])


def _text_dashes(text: str) -> str:
    return text.replace("---", "—").replace("--", "–")


SUPPORTED_COMMANDS: frozenset[str] = frozenset(
    {
        *symbols.ORDINARY,
        *symbols.BINARY,
        *symbols.RELATION,
        *symbols.LARGE_OPERATORS,
        *symbols.FUNCTION_NAMES,
        *(name for name in symbols.SPACES if name.isalpha()),
        *symbols.STYLE_ALPHABETS,
        *symbols.PLAIN_STYLES,
        *symbols.TEXT_COMMANDS,
        *symbols.ACCENTS,
        *symbols.IGNORED,
        *(
            key[1:]
            for table in (symbols.OPENING, symbols.CLOSING, symbols.AMBIGUOUS_DELIMITERS)
            for key in table
            if key[1:].isalpha()
        ),
        *_BIG_DELIMITERS,
        *_FRACTIONS,
        *_BINOMIALS,
        *_BRACES,
        *_CLASS_COMMANDS,
        "left",
        "right",
        "middle",
        "begin",
        "end",
        "sqrt",
        "not",
        "overset",
        "stackrel",
        "underset",
        "operatorname",
        "mathop",
        "textcolor",
        "colorbox",
        "substack",
        "tag",
        "hspace",
        "hskip",
        "kern",
        "mkern",
        "mskip",
        "xrightarrow",
        "xleftarrow",
        "pmod",
        "pod",
        "emph",
    }
)
