"""The one place the deck file format is defined (documented in docs/deck-format.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

FieldType = Literal["text", "id", "tags", "cards", "kind", "ids"]

# Used with fullmatch: `$` would also accept a value ending in a newline.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
TAG_PATTERN = re.compile(r"[^\s]+")
DECK_FILE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class FieldRule:
    type: FieldType
    required: bool = False
    example: str = ""


DECK_FIELDS: dict[str, FieldRule] = {
    "id": FieldRule("id", required=True, example="id: ml.face.margin-losses"),
    "name": FieldRule("text", required=True, example="name: ML::Face Recognition::Margin Losses"),
    "description": FieldRule("text"),
    "source": FieldRule("text", example="source: ArcFace (Deng et al. 2019)"),
    "tags": FieldRule("tags", example="tags: [face-recognition, loss]"),
    "cards": FieldRule("cards", required=True, example="cards:\n  - id: first-card"),
}

CARD_FIELDS: dict[str, FieldRule] = {
    "id": FieldRule("id", required=True, example="id: arcface-margin"),
    "type": FieldRule("kind", example="type: cloze"),
    "front": FieldRule("text", example="front: What is ...?"),
    "back": FieldRule("text", example="back: It is ..."),
    "text": FieldRule("text", example="text: FP16 tops out at {{c1::65504}}."),
    "tags": FieldRule("tags", example="tags: [formula]"),
    "source": FieldRule("text"),
    "extra": FieldRule("text"),
    "previous_ids": FieldRule("ids", example="previous_ids: [old-card-id, other.deck/old-id]"),
}

# A previous id: a card id of the same deck, or "deck-id/card-id".
PREVIOUS_ID_PATTERN = re.compile(r"(?:([A-Za-z0-9][A-Za-z0-9._-]{0,99})/)?([A-Za-z0-9][A-Za-z0-9._-]{0,99})")

BASIC_FIELDS = ("front", "back")
CLOZE_FIELDS = ("text",)
CARD_KINDS = ("basic", "cloze")
