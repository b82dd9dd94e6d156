"""Warnings `mlcards check` gives about cards that load but would show badly later: LaTeX
commands the terminal renderer does not know (printed by name) and images (neither drawn in the
terminal nor carried into the Anki package)."""

from __future__ import annotations

import re

from mlcards.decks.problems import Problem
from mlcards.domain import DeckSpec
from mlcards.markup import split_spans
from mlcards.render.latex_unicode import unsupported_commands

_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")


def warnings_for(deck: DeckSpec) -> list[Problem]:
    found: list[Problem] = []
    for card in deck.cards:
        for field, text in (("front", card.front), ("back", card.back), ("text", card.text), ("extra", card.extra)):
            if "$" in text:
                unknown = sorted(
                    {
                        name
                        for span in split_spans(text)
                        if span.kind.endswith("math")
                        for name in unsupported_commands(span.content)
                    }
                )
                if unknown:
                    names = ", ".join(f"\\{name}" for name in unknown)
                    found.append(
                        Problem(
                            deck.path,
                            card.line,
                            1,
                            card.card_id,
                            f"'{field}' uses LaTeX the terminal shows by name: {names}",
                            "write it with standard commands (\\frac, \\sum, \\mathrm{…}); Anki's MathJax may still draw it",
                        )
                    )
            for target in _IMAGE.findall(text):
                local = not re.match(r"[a-z][a-z0-9+.-]*://", target)
                missing = local and not (deck.path.parent / target).exists()
                what = "a missing image" if missing else "an image"
                found.append(
                    Problem(
                        deck.path,
                        card.line,
                        1,
                        card.card_id,
                        f"'{field}' shows {what} ({target}), which the terminal cannot draw"
                        + (" and the Anki package does not carry" if local else ""),
                        "describe it in words or LaTeX, or keep the image as a link the learner can open",
                    )
                )
    return found


def lint(decks: list[DeckSpec]) -> list[Problem]:
    return [warning for deck in decks for warning in warnings_for(deck)]
