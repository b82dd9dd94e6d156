"""The domain: what a deck and a card are, independent of files, storage and UI."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from json.encoder import encode_basestring
from pathlib import Path


class CardKind(StrEnum):
    BASIC = "basic"
    CLOZE = "cloze"


@dataclass(frozen=True, slots=True)
class CardSpec:
    """One card as written in a deck file (an Anki "note": a cloze may yield several prompts)."""

    deck_id: str
    card_id: str
    kind: CardKind
    front: str
    back: str
    text: str
    extra: str
    source: str
    tags: tuple[str, ...]
    ordinals: tuple[int, ...]  # which prompts this card yields: (1,) for basic, cN numbers for cloze
    line: int
    position: int  # index in its deck file: new cards are introduced in file order
    # Ids this card had before ("card-id" in the same deck, "deck-id/card-id" in another): their
    # answers carry over to it. Not content: changing it changes no prompt.
    previous_ids: tuple[str, ...] = ()

    def question_fingerprint(self) -> str:
        return question_fingerprint(self.kind, self.front, self.back, self.text)

    def content_hash(self) -> str:
        """A digest of everything a learner sees; line and position are not content."""
        # Exactly json.dumps([kind, front, back, text, extra, source, [tags]], ensure_ascii=False), which
        # databases already hold, spelled out because building a JSON encoder per card dominated the cost.
        fields = (self.kind, self.front, self.back, self.text, self.extra, self.source)
        payload = f"[{', '.join(map(encode_basestring, fields))}, [{', '.join(map(encode_basestring, self.tags))}]]"
        return hashlib.sha1(payload.encode()).hexdigest()


def question_fingerprint(kind: str, front: str, back: str, text: str) -> str:
    """What a learner is asked and answers, without id, tags, source or extra: a card renamed or
    moved with this unchanged is the same card (for a card as written and a stored row alike)."""
    return hashlib.sha1(f"{kind}\0{front}\0{back}\0{text}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class DeckSpec:
    deck_id: str
    name: str
    description: str
    path: Path
    line: int
    cards: tuple[CardSpec, ...] = field(default=())


def deck_selected(wanted: str, deck_id: str, deck_name: str) -> bool:
    """What every --deck option means: a deck id, or a deck name together with its subdecks."""
    return wanted in (deck_id, deck_name) or deck_name.startswith(wanted + "::")


@dataclass(frozen=True, slots=True)
class DeckChoice:
    """What a --deck value names: one selector (a deck id, or a deck name that takes its subdecks),
    or the candidates it could mean (ambiguous), or the closest names (no match)."""

    selector: str | None
    ambiguous: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()


def choose_deck(wanted: str, decks: list[tuple[str, str]]) -> DeckChoice:
    """Match --deck like a person types it: any case, a unique prefix of an id, of a name or of a
    name's last level ("margin" finds "ML::Face Recognition::Margin Losses")."""
    import difflib

    selectors: dict[str, str] = {}
    for deck_id, name in decks:
        selectors[deck_id.lower()] = deck_id
        levels = name.split("::")
        for depth in range(1, len(levels) + 1):
            level = "::".join(levels[:depth])
            selectors[level.lower()] = level
    lowered = wanted.lower()
    if wanted in selectors.values():
        return DeckChoice(wanted)
    if lowered in selectors:
        return DeckChoice(selectors[lowered])
    matches = {canon for low, canon in selectors.items() if low.startswith(lowered) or low.split("::")[-1].startswith(lowered)}
    tops = {match for match in matches if not any(match != other and match.startswith(other + "::") for other in matches)}
    by_decks: dict[frozenset[str], str] = {}
    for top in sorted(tops, key=len):
        chosen = frozenset(deck_id for deck_id, name in decks if deck_selected(top, deck_id, name))
        by_decks.setdefault(chosen, top)
    if len(by_decks) == 1:
        return DeckChoice(next(iter(by_decks.values())))
    if by_decks:
        return DeckChoice(None, ambiguous=tuple(sorted(by_decks.values()))[:8])
    close = difflib.get_close_matches(wanted, sorted(set(selectors.values())), n=3, cutoff=0.5)
    return DeckChoice(None, suggestions=tuple(close))
