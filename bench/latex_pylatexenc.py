"""Evaluate pylatexenc against mlcards' own LaTeX → Unicode renderer on every shipped formula.

    .venv/bin/pip install -e .   # pylatexenc comes with mlcards (render/latex_fallback.py borrows its symbols)
    PYTHONPATH=src .venv/bin/python bench/latex_pylatexenc.py [--examples N]

Every `$…$` and `$$…$$` span of every card field in decks/ (cloze deletions opened to their
answers) goes through `mlcards.render.latex_unicode.latex_to_unicode` and through pylatexenc's
`LatexNodes2Text(math_mode="text")`; pylatexenc's `LatexWalker` is also run alone as a parser.
The figures are what docs/latex-rendering.md reports.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from mlcards.decks.loader import load_paths
from mlcards.markup import split_spans
from mlcards.render import latex_symbols as symbols
from mlcards.render.latex_parse import SUPPORTED_COMMANDS, commands_in, parse
from mlcards.render.latex_unicode import latex_to_unicode

DECKS = Path(__file__).resolve().parents[1] / "decks"
CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::[^}]*)?\}\}", re.S)
RAW_LATEX = re.compile(r"\\[A-Za-z]+|\\[{}]")  # a control word left in the output
# A script marker that reads two ways: a superscript of two or more characters without brackets
# (`10^18`, `e^z_i`: is i on z or on e^z?), or a subscript running into an operator or another
# marker (`∑_j=1^K`, `y_i+1`). A bracket, a space or a separator ends a script.
AMBIGUOUS_SCRIPT = re.compile(r"\^(?!\()[^\s()\[\],;/=<>|‖]{2,}|_(?!\()[^\s()\[\],;/|‖]*[=+\-−<>^_]")
SIZING_AND_STRUCTURE = {"left", "right", "middle", "big", "Big", "bigg", "Bigg", "begin", "end"}  # no text of their own


def formulas() -> tuple[list[tuple[str, bool]], int]:
    """Unique (source, display) pairs in deck order, and how many spans there were in all."""
    loaded = load_paths([DECKS])
    seen: dict[tuple[str, bool], None] = {}
    total = 0
    for deck in loaded.decks:
        for card in deck.cards:
            for field in (card.front, card.back, card.text, card.extra):
                for span in split_spans(CLOZE.sub(lambda found: found.group(1), field)):
                    if span.kind in ("inline_math", "display_math"):
                        total += 1
                        seen.setdefault((span.content, span.kind == "display_math"), None)
    return list(seen), total


def pylatexenc_text() -> Callable[[str, bool], str]:
    from pylatexenc.latex2text import LatexNodes2Text

    converter = LatexNodes2Text(math_mode="text")
    return lambda source, display: converter.latex_to_text(f"$${source}$$" if display else f"${source}$")


def flat(text: str) -> str:
    return " ".join(text.split())


def best_of(repeats: int, work: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def import_time(module: str) -> float:
    """Seconds for a fresh interpreter to import `module`, less a bare interpreter's start (best of 5)."""

    def run(code: str) -> float:
        return best_of(5, lambda: subprocess.run([sys.executable, "-c", code], check=True))

    return run(f"import {module}") - run("pass")


def symbol_table_comparison(to_text: Callable[[str, bool], str]) -> tuple[Counter[str], list[str]]:
    """Our symbol tables against what pylatexenc prints for the same command alone."""
    from pylatexenc.latex2text import get_default_latex_context_db

    known = get_default_latex_context_db()
    verdicts: Counter[str] = Counter()
    differences: list[str] = []
    tables = {
        "ordinary": symbols.ORDINARY,
        "binary": symbols.BINARY,
        "relation": symbols.RELATION,
        "large operator": symbols.LARGE_OPERATORS,
    }
    for table_name, table in tables.items():
        for name, ours in table.items():
            if known.get_macro_spec(name) is None:
                verdicts["missing in pylatexenc"] += 1
                continue
            theirs = to_text(f"\\{name}", False).strip()
            if theirs == ours:
                verdicts["same text"] += 1
            else:
                verdicts["different text"] += 1
                differences.append(f"\\{name} ({table_name}): ours {ours!r}, pylatexenc {theirs!r}")
    for name in symbols.FUNCTION_NAMES:
        verdicts[
            "function name known to pylatexenc" if known.get_macro_spec(name) else "function name missing in pylatexenc"
        ] += 1
    for name, alphabet in symbols.STYLE_ALPHABETS.items():
        sample = "".join(sorted(alphabet))[:52]
        theirs = to_text(f"\\{name}{{{sample}}}", False).strip()
        ours = "".join(alphabet[char] for char in sample)
        verdicts["alphabet same" if theirs == ours else "alphabet different"] += 1
        if theirs != ours:
            differences.append(f"\\{name}{{…}}: ours {ours[:12]!r}…, pylatexenc {theirs[:12]!r}…")
    return verdicts, differences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=12, help="differing formulas to print")
    args = parser.parse_args()

    from pylatexenc import version as pylatexenc_version
    from pylatexenc.latex2text import get_default_latex_context_db
    from pylatexenc.latexwalker import LatexCharsNode, LatexWalker

    to_text = pylatexenc_text()
    unique, total = formulas()
    print(f"pylatexenc {pylatexenc_version.version_str}; {total} math spans in decks/, {len(unique)} distinct formulas")

    ours = [latex_to_unicode(source, display) for source, display in unique]
    theirs = [to_text(source, display) for source, display in unique]
    same = sum(flat(a) == flat(b) for a, b in zip(ours, theirs, strict=True))
    same_but_spacing = sum(
        a.replace(" ", "") == b.replace(" ", "") for a, b in zip(map(flat, ours), map(flat, theirs), strict=True)
    )
    print(
        f"\nOutputs: identical {same}, identical but for spaces {same_but_spacing - same}, different {len(unique) - same_but_spacing}"
    )

    def count(pattern: re.Pattern[str], outputs: list[str]) -> int:
        return sum(bool(pattern.search(text)) for text in outputs)

    for label, outputs in (("mlcards", ours), ("pylatexenc", theirs)):
        print(
            f"  {label:<10}  raw LaTeX left in the output: {count(RAW_LATEX, outputs):>4}   "
            f"ambiguous script markers: {count(AMBIGUOUS_SCRIPT, outputs):>4}   "
            f"any ASCII ^ or _: {count(re.compile(r'[_^]'), outputs):>4}"
        )
    for source, out in ((source, out) for (source, _), out in zip(unique, ours, strict=True) if AMBIGUOUS_SCRIPT.search(out)):
        print(f"    mlcards, flagged: {source!r} -> {flat(out)!r}")
    fractions = [(o, t) for (source, _), o, t in zip(unique, ours, theirs, strict=True) if "frac" in source]
    print(
        f"  formulas with a fraction: {len(fractions)}; pylatexenc's output has fewer brackets than ours in {sum(t.count('(') < o.count('(') for o, t in fractions)}"
    )

    used = Counter(name for source, _ in unique for name in commands_in(source))
    known = get_default_latex_context_db()
    unknown_to_us = {name for name in used if name not in SUPPORTED_COMMANDS}
    unknown_to_them = {name for name in used if known.get_macro_spec(name) is None} - SIZING_AND_STRUCTURE
    dropped = [source for source, _ in unique if any(name in unknown_to_them for name in commands_in(source))]
    print(f"\nCommands used: {len(used)} distinct control words")
    print(f"  unknown to mlcards (would be printed by name): {len(unknown_to_us)} {sorted(unknown_to_us)}")
    print(
        f"  unknown to pylatexenc's latex2text, leaving aside sizing and environments: {len(unknown_to_them)}, "
        f"in {len(dropped)} formulas; the first formula using each (source | mlcards | pylatexenc):"
    )
    for name in sorted(unknown_to_them):
        source, display = next(pair for pair in unique if name in commands_in(pair[0]))
        print(
            f"    \\{name}: {source[:70]!r}\n        {flat(latex_to_unicode(source, display))[:70]!r}\n        {flat(to_text(source, display))[:70]!r}"
        )

    walked = [LatexWalker(f"${source}$", tolerant_parsing=True).get_latex_nodes()[0] for source, _ in unique]
    scripts_in_chars = 0
    for source_nodes, (source, _) in zip(walked, unique, strict=True):
        if ("^" in source or "_" in source) and any(
            isinstance(node, LatexCharsNode) and ("^" in node.chars or "_" in node.chars)
            for math in source_nodes
            for node in getattr(math, "nodelist", []) or []
        ):
            scripts_in_chars += 1
    with_scripts = sum("^" in source or "_" in source for source, _ in unique)
    print(
        f"\nParser: latexwalker left ^/_ as plain characters (no script structure) in {scripts_in_chars} of {with_scripts} formulas with scripts"
    )

    repeats = 5
    ours_s = best_of(repeats, lambda: [latex_to_unicode(source, display) for source, display in unique])
    theirs_s = best_of(repeats, lambda: [to_text(source, display) for source, display in unique])
    parse_s = best_of(repeats, lambda: [parse(source) for source, _ in unique])
    walk_s = best_of(
        repeats, lambda: [LatexWalker(f"${source}$", tolerant_parsing=True).get_latex_nodes() for source, _ in unique]
    )
    per = 1e6 / len(unique)
    print(f"\nSpeed, all {len(unique)} formulas, best of {repeats}:")
    print(
        f"  parse + print: mlcards {ours_s * 1000:.1f} ms ({ours_s * per:.0f} µs each), pylatexenc {theirs_s * 1000:.1f} ms ({theirs_s * per:.0f} µs each)"
    )
    print(f"  parse only:    mlcards {parse_s * 1000:.1f} ms, latexwalker {walk_s * 1000:.1f} ms")
    print(
        f"  import: mlcards.render.latex_unicode {import_time('mlcards.render.latex_unicode') * 1000:.0f} ms, "
        f"pylatexenc.latex2text {import_time('pylatexenc.latex2text') * 1000:.0f} ms (beyond a bare interpreter)"
    )

    verdicts, differences = symbol_table_comparison(to_text)
    print("\nSymbol tables (each of our entries printed alone by pylatexenc):")
    for verdict, number in sorted(verdicts.items()):
        print(f"  {verdict}: {number}")
    for line in differences[: args.examples]:
        print(f"    {line}")
    from mlcards.render import latex_fallback

    lent = sorted(name for name in latex_fallback._symbols() if name not in SUPPORTED_COMMANDS)
    print(f"  lone symbols pylatexenc knows and our tables lack (latex_fallback lends them): {len(lent)}, e.g.")
    print("    " + " ".join(f"\\{name} {latex_fallback.symbol(name)}" for name in lent if name.islower())[:300])

    print(f"\nFirst {args.examples} differing formulas (source | mlcards | pylatexenc):")
    shown = 0
    for (source, _), o, t in zip(unique, ours, theirs, strict=True):
        if o.replace(" ", "") != flat(t).replace(" ", "") and shown < args.examples:
            print(f"  {source!r}\n      {flat(o)!r}\n      {flat(t)!r}")
            shown += 1


if __name__ == "__main__":
    main()
