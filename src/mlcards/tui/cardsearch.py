"""The browser's card index: every prompt loaded once, then filtered in memory per keystroke.

A query is words (all must appear in the card's text, id or deck) and `tag:`, `deck:` and
`is:` terms, e.g. `softmax tag:loss deck:face is:due`. A never-answered prompt is shown, and
searched, as `unseen` (`is:new` still finds it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlcards.prompts import PromptStatus
from mlcards.store.browse import IndexedCard

__all__ = ["IndexedCard", "Query", "parse_query", "search"]

STATES = tuple(status.value for status in PromptStatus)
SHOWN_STATES = {PromptStatus.NEW.value: "unseen"}  # a status's name on screen where it differs
_STATE_OF_NAME = {shown: state for state, shown in SHOWN_STATES.items()}


@dataclass(frozen=True, slots=True)
class Query:
    words: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    decks: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    unknown: tuple[str, ...] = field(default=())  # `is:` values that name no state


def parse_query(query: str) -> Query:
    words: list[str] = []
    tags: list[str] = []
    decks: list[str] = []
    states: list[str] = []
    unknown: list[str] = []
    for token in query.lower().split():
        prefix, _, value = token.partition(":")
        if not value:
            words.append(token)
        elif prefix == "tag":
            tags.append(value)
        elif prefix == "deck":
            decks.append(value)
        elif prefix == "is":
            value = _STATE_OF_NAME.get(value, value)
            (states if value in STATES else unknown).append(value)
        else:
            words.append(token)
    return Query(tuple(words), tuple(tags), tuple(decks), tuple(states), tuple(unknown))


def search(cards: list[IndexedCard], query: Query) -> list[IndexedCard]:
    """The cards matching every term, in index order. One pass per term, each over what the
    previous terms left: a plain comprehension per term is several times faster per keystroke
    than testing every term on every card."""
    if query.unknown:
        return []
    found = cards
    if query.states:
        found = [card for card in found if card.state in query.states]
    for tag in query.tags:
        found = [card for card in found if tag in card.tags]
    for deck in query.decks:
        found = [card for card in found if deck in card.deck_name.lower()]
    for word in query.words:
        found = [card for card in found if word in card.haystack]
    return found if found is not cards else list(cards)
