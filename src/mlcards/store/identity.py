"""Which stored card (and which stored prompt) a card in the YAML is, across edits.

Progress is keyed by (deck id, card id), so a rename would look like one card removed and
another added. Before a sync writes anything, cards that appear under a new key are matched to
rows that are no longer claimed by the YAML: first by the card's `previous_ids`, then by an
unchanged question (a rename or a move to another deck or file with the same text). A matched
row is renamed in place, so its prompts and every answer stay attached.

Within a cloze card, prompts are matched by the text they hide: renumbering deletions moves each
deletion's history with it. A card that changes between basic and cloze asks new questions: its
old prompts are set aside (kept, inactive) rather than handed to the new ones.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mlcards.cloze import parse_deletions_safe
from mlcards.decks.problems import Problem
from mlcards.domain import CardSpec, DeckSpec, question_fingerprint
from mlcards.store.database import Database
from mlcards.store.rows import named, named_one


@dataclass(frozen=True, slots=True)
class CarriedOver:
    old: str  # "deck-id/card-id"
    new: str
    how: str  # "previous_ids" or "same question"


@dataclass(frozen=True, slots=True)
class _StoredCard:
    pk: int
    deck_id: str
    card_id: str
    fingerprint: str
    answers: int
    present: bool

    @property
    def key(self) -> str:
        return f"{self.deck_id}/{self.card_id}"


def carry_over(writer: sqlite3.Connection, decks: list[DeckSpec], reread_deck_ids: set[str]) -> list[CarriedOver]:
    """Rename stored rows to the new keys of the cards they are, before the decks are synced.

    `decks` are the decks read in this sync; `reread_deck_ids` every deck whose file was read or
    removed (their rows not claimed by the YAML are the ones a card may have come from).
    """
    incoming = {f"{deck.deck_id}/{card.card_id}": card for deck in decks for card in deck.cards}
    stored = {row.key: row for row in _stored_cards(writer, reread_deck_ids)}
    wanted_previous = {previous for card in incoming.values() for previous in card.previous_ids} - stored.keys()
    stored.update((row.key, row) for row in _stored_by_keys(writer, wanted_previous))
    unclaimed = {key: row for key, row in stored.items() if key not in incoming}
    by_fingerprint: dict[str, list[_StoredCard]] = {}
    for row in unclaimed.values():
        by_fingerprint.setdefault(row.fingerprint, []).append(row)
    new_cards = [(key, card) for key, card in incoming.items() if key not in stored]
    deck_of = {deck.deck_id: deck for deck in decks}
    carried: list[CarriedOver] = []
    # previous_ids first: they are the user's word, and must win over a guess from the text.
    for how in ("previous_ids", "same question"):
        for key, card in new_cards:
            if any(entry.new == key for entry in carried):
                continue
            source = _source_for(card, how, unclaimed, by_fingerprint)
            if source is None:
                continue
            del unclaimed[source.key]
            _rename(writer, source, card, deck_of[card.deck_id])
            carried.append(CarriedOver(source.key, key, how))
    return carried


def _source_for(
    card: CardSpec, how: str, unclaimed: dict[str, _StoredCard], by_fingerprint: dict[str, list[_StoredCard]]
) -> _StoredCard | None:
    if how == "previous_ids":
        return next((unclaimed[previous] for previous in card.previous_ids if previous in unclaimed), None)
    candidates = [row for row in by_fingerprint.get(card.question_fingerprint(), []) if row.key in unclaimed]
    return candidates[0] if len(candidates) == 1 else None  # two identical questions: no guess


def _rename(writer: sqlite3.Connection, row: _StoredCard, card: CardSpec, deck: DeckSpec) -> None:
    # The deck may be new in this sync; its row is completed when the deck itself is synced.
    writer.execute(
        "INSERT OR IGNORE INTO deck (id, name, description, file_path, present, prompt_count) VALUES (?, ?, '', ?, 1, 0)",
        (deck.deck_id, deck.name, str(deck.path)),
    )
    writer.execute("UPDATE card SET deck_id = ?, card_id = ? WHERE pk = ?", (card.deck_id, card.card_id, row.pk))
    writer.execute("UPDATE schedule SET deck_id = ? WHERE card_pk = ?", (card.deck_id, row.pk))


_STORED_SQL = """
SELECT c.pk, c.deck_id, c.card_id, c.kind, c.front, c.back, c.text, c.present,
       (SELECT count(*) FROM review_log l JOIN schedule s ON s.id = l.schedule_id WHERE s.card_pk = c.pk) AS answers
FROM card c"""


def _stored_cards(writer: sqlite3.Connection, deck_ids: Iterable[str]) -> list[_StoredCard]:
    rows = named(writer, f"{_STORED_SQL} WHERE c.deck_id IN (SELECT value FROM json_each(?))", (json.dumps(sorted(deck_ids)),))
    return [_stored(row) for row in rows]


def _stored_by_keys(writer: sqlite3.Connection, keys: Iterable[str]) -> list[_StoredCard]:
    found = []
    for key in sorted(keys):
        deck_id, _, card_id = key.partition("/")
        row = named_one(writer, f"{_STORED_SQL} WHERE c.deck_id = ? AND c.card_id = ?", (deck_id, card_id))
        if row is not None:
            found.append(_stored(row))
    return found


def _stored(row: sqlite3.Row) -> _StoredCard:
    return _StoredCard(
        row["pk"],
        row["deck_id"],
        row["card_id"],
        question_fingerprint(row["kind"], row["front"], row["back"], row["text"]),
        row["answers"],
        bool(row["present"]),
    )


def history_left_behind(writer: sqlite3.Connection, decks: list[DeckSpec], reread_deck_ids: set[str]) -> list[Problem]:
    """Cards leaving the YAML in this sync with answers that no card carries on: a notice each,
    with the exact way to carry them over (their rows stay; nothing is deleted)."""
    incoming = {f"{deck.deck_id}/{card.card_id}" for deck in decks for card in deck.cards}
    claimed = {previous for deck in decks for card in deck.cards for previous in card.previous_ids}
    paths = {deck.deck_id: deck.path for deck in decks}
    notices = []
    for row in _stored_cards(writer, reread_deck_ids):
        if not row.present or row.answers == 0 or row.key in incoming or row.key in claimed:
            continue
        notices.append(
            Problem(
                paths.get(row.deck_id, Path(row.deck_id)),
                1,
                1,
                row.key,
                f"this card is gone from its deck with {row.answers} answer(s); they are kept, and come back if it does",
                f"if it was renamed or moved, add  previous_ids: [{row.key}]  to the card that replaces it "
                f"(or run: mlcards rename {row.key} NEW-ID)",
            )
        )
    return notices


@dataclass(frozen=True, slots=True)
class PromptMoves:
    """How one card's stored prompts map onto its new ones."""

    renumber: dict[int, int]  # stored ordinal -> new ordinal (same hidden text, new number)
    set_aside: list[int]  # stored ordinals that must not answer for a new question


def match_prompts(
    old_kind: str, old_text: str, card: CardSpec, stored_ordinals: Iterable[int], answered: set[int]
) -> PromptMoves:
    """Deletions are matched by the text they hide. A deletion whose number now hides another
    deletion's old text follows that text; an edited deletion keeps its number; a change between
    basic and cloze sets every answered prompt aside."""
    stored = sorted(ordinal for ordinal in stored_ordinals if ordinal > 0)
    if old_kind != card.kind.value:
        return PromptMoves({}, [ordinal for ordinal in stored if ordinal in answered])
    if card.kind.value != "cloze":
        return PromptMoves({}, [])
    old = _hidden_texts(old_text)
    new = _hidden_texts(card.text)
    new_by_text: dict[tuple[str, ...], list[int]] = {}
    for ordinal, hidden in new.items():
        new_by_text.setdefault(hidden, []).append(ordinal)
    renumber: dict[int, int] = {}
    for ordinal, hidden in old.items():
        if ordinal not in stored or new.get(ordinal) == hidden:
            continue
        targets = new_by_text.get(hidden, [])
        if len(targets) == 1 and old.get(targets[0]) != hidden:
            renumber[ordinal] = targets[0]
    # A number whose old prompt moved away and whose new text matches no old deletion starts fresh;
    # a number that lost its prompt but still exists with other text keeps the edited prompt.
    taken = set(renumber.values())
    set_aside = [ordinal for ordinal in stored if ordinal in taken and ordinal not in renumber]
    return PromptMoves(renumber, set_aside)


def _hidden_texts(text: str) -> dict[int, tuple[str, ...]]:
    hidden: dict[int, list[str]] = {}
    for deletion in parse_deletions_safe(text):
        hidden.setdefault(deletion.ordinal, []).append(deletion.answer.strip())
    return {ordinal: tuple(answers) for ordinal, answers in hidden.items()}


def apply_prompt_moves(writer: sqlite3.Connection, card_pk: int, moves: PromptMoves) -> None:
    """Renumber and set aside within one card without ever breaking UNIQUE(card_pk, ordinal):
    everything moving goes through negative numbers first; set-aside prompts keep a negative one."""
    if not moves.renumber and not moves.set_aside:
        return
    (lowest,) = writer.execute("SELECT min(0, coalesce(min(ordinal), 0)) FROM schedule WHERE card_pk = ?", (card_pk,)).fetchone()
    parked: dict[int, int] = {}
    for ordinal in [*moves.set_aside, *moves.renumber]:
        lowest -= 1
        writer.execute(
            "UPDATE schedule SET ordinal = ?, active = 0 WHERE card_pk = ? AND ordinal = ?", (lowest, card_pk, ordinal)
        )
        parked[ordinal] = lowest
    for old, new in moves.renumber.items():
        writer.execute("UPDATE schedule SET ordinal = ? WHERE card_pk = ? AND ordinal = ?", (new, card_pk, parked[old]))


def card_location(database: Database, deck_id: str, card_id: str) -> tuple[Path, int] | None:
    """The deck file and line of a card in the YAML, if it is there now."""
    row = database.connection.execute(
        "SELECT d.file_path, c.line FROM card c JOIN deck d ON d.id = c.deck_id WHERE c.deck_id = ? AND c.card_id = ? AND c.present",
        (deck_id, card_id),
    ).fetchone()
    return (Path(row[0]), int(row[1])) if row else None


def rename_card(writer: sqlite3.Connection, deck_id: str, old_id: str, new_id: str) -> None:
    writer.execute("UPDATE card SET card_id = ? WHERE deck_id = ? AND card_id = ?", (new_id, deck_id, old_id))
