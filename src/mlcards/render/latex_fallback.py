"""Symbols our own tables (`latex_symbols`) do not list, taken from pylatexenc's table of LaTeX macros.

Ours covers what ML cards write, each command with its TeX atom class for spacing, and prints
some glyphs differently on purpose (docs/latex-rendering.md). pylatexenc knows about 570 more
argument-less symbols (AMS relations and arrows, ∴, ℶ…) that ours would print by name; this
module lends them, with a class guessed from the Unicode character. pylatexenc is imported on the
first command neither table knows, so cards that use only ours (all the shipped decks) never load it.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlcards.render.latex_parse import Kind  # latex_parse asks this module for symbols

# Words in a Unicode character name that make a math symbol a relation (spaced as =); any
# other math symbol is a binary operator (spaced as +), anything else an ordinary symbol.
_RELATION_WORDS = (
    "ARROW",
    "HARPOON",
    "EQUAL",
    "EQUIVALENT",
    "LESS-THAN",
    "GREATER-THAN",
    "SUBSET",
    "SUPERSET",
    "PRECEDES",
    "SUCCEEDS",
    "TILDE",
    "ASYMPTOTICALLY",
    "BETWEEN",
    "THEREFORE",
    "BECAUSE",
    "TRUE",
    "FORCES",
    "PROVES",
    "NORMAL SUBGROUP",
    "CONTAINS",
    "PITCHFORK",
    "MULTIMAP",
)


@cache
def _symbols() -> dict[str, str]:
    from pylatexenc.latex2text import MacroTextSpec, get_default_latex_context_db

    table: dict[str, str] = {}
    for spec in get_default_latex_context_db().iter_macro_specs():
        text = spec.simplify_repl if isinstance(spec, MacroTextSpec) else None
        # One fixed character: a replacement built from arguments ("%(1)s", a function) or a
        # combining accent needs the argument parsing of pylatexenc's own printer.
        if spec.macroname.isalpha() and isinstance(text, str) and len(text) == 1 and _is_symbol(text):
            table[spec.macroname] = text
    return table


def _is_symbol(char: str) -> bool:
    return not char.isascii() and not unicodedata.combining(char) and unicodedata.category(char)[0] in "SLPN"


def symbol(name: str) -> str | None:
    """The character pylatexenc prints for the control word `\\name`, if it is a lone symbol."""
    return _symbols().get(name)


def kind_of(char: str) -> Kind:
    if unicodedata.category(char) != "Sm" and "ARROW" not in unicodedata.name(char, ""):
        return "ord"
    name = unicodedata.name(char, "")
    return "rel" if any(word in name for word in _RELATION_WORDS) else "bin"
