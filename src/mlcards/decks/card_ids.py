"""A card id proposed from the card's question: a short slug of its words, unique in the deck."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

from mlcards.decks.schema import ID_PATTERN

_DELETION = re.compile(r"\{\{c\d+::(.*?)(?:::[^}]*)?\}\}")  # a cloze deletion reads as its answer
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+")
_WORD = re.compile(r"[a-z0-9]+")
# Words every question has: an id made of them says nothing about this card.
_FILLER_WORDS = (
    "a an and are as at be by can do does for from has have how in is it its of on or the this that these "
    "those to was were what when where which who why with"
)
_FILLER = frozenset(_FILLER_WORDS.split())
MAX_WORDS = 5
MAX_LENGTH = 40
FALLBACK = "card"


def propose_card_id(question: str, taken: Collection[str]) -> str:
    """'What is the target logit in CosFace?' -> 'target-logit-cosface' (then '-2', '-3' if taken)."""
    readable = _LATEX_COMMAND.sub(" ", _DELETION.sub(lambda found: found.group(1), question))
    ascii_text = unicodedata.normalize("NFKD", readable).encode("ascii", "ignore").decode().lower()
    words = _WORD.findall(ascii_text)
    meaningful = [word for word in words if word not in _FILLER] or words
    slug = ""
    for word in meaningful[:MAX_WORDS]:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > MAX_LENGTH:
            break
        slug = longer
    slug = slug or (meaningful[0][:MAX_LENGTH] if meaningful else FALLBACK)
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug}-{number}"
    assert ID_PATTERN.fullmatch(candidate), candidate
    return candidate
