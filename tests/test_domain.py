"""The domain's stable values: a card's content hash is stored in databases and compared on sync."""

from __future__ import annotations

import dataclasses

from mlcards.domain import CardKind, CardSpec

BASIC = CardSpec(
    "ml.face",
    "arcface-margin",
    CardKind.BASIC,
    "What does ArcFace add to the angle $\\theta$?",
    'An additive margin $m$: $\\cos(\\theta + m)$ — “é” "quoted"\n\tline two',
    "",
    "See $s$.",
    "ArcFace (Deng et al. 2019)",
    ("face-recognition", "loss"),
    (1,),
    10,
    0,
)
CLOZE = CardSpec(
    "ml.num",
    "fp16-max",
    CardKind.CLOZE,
    "",
    "",
    "FP16 tops out at {{c1::65504}}, subnormal {{c2::$2^{-24}$::power}}.",
    "",
    "IEEE 754",
    (),
    (1, 2),
    20,
    1,
)


def test_content_hash_values_are_pinned_because_databases_store_them():
    assert BASIC.content_hash() == "33d9df45f4e7766c29acfa5cf8a8fa3940531bc2"
    assert CLOZE.content_hash() == "87c34c143e1401b6167723af7f74a7cb8cba90c0"


def test_content_hash_ignores_where_the_card_sits_in_its_file():
    moved = dataclasses.replace(BASIC, line=99, position=7)
    assert moved.content_hash() == BASIC.content_hash()


def test_content_hash_changes_with_anything_a_learner_sees():
    for change in ({"front": "Other?"}, {"extra": ""}, {"source": "Other"}, {"tags": ("loss",)}, {"kind": CardKind.CLOZE}):
        assert dataclasses.replace(BASIC, **change).content_hash() != BASIC.content_hash(), change


def test_cards_with_the_same_content_are_equal_whether_or_not_their_hash_was_computed():
    twin = dataclasses.replace(BASIC)
    BASIC.content_hash()
    assert twin == BASIC and hash(twin) == hash(BASIC)
