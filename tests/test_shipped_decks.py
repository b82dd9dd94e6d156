"""The shipped decks: valid, complete per source article, every card sourced and tagged."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from mlcards.decks.loader import LoadResult, load_paths
from mlcards.domain import CardKind
from mlcards.markup import split_spans
from mlcards.paths import shipped_decks_dir

# The first column of the syllabus (shared/syllabus.md): every distinct source article.
ML_ARTICLES = (
    "Role of the bias term",
    "Receptive field calculation",
    "Upsampling types",
    "FP16 / FP32 / FP64 and mixed-precision training",
    "Inception and 1×1 (pointwise) convolutions",
    "ThunderNet",
    "Softmax for many-class face recognition",
    "Softmax loss improvements: normalization and margins",
    "Face recognition pipeline",
    "FlashAttention",
    "Linear attention (removing softmax)",
    "Transformer Quality in Linear Time (GAU / FLASH)",
    "State space models (HiPPO, S4, Mamba)",
    "Medusa",
    "Multi-token prediction (DeepSeek MTP)",
    "Speculative decoding",
    "CLIP",
    "SigLIP",
    "BLIP",
    "Generative models overview",
    "GAN",
    "Wasserstein distance and WGAN",
    "VAE",
    "Reparameterization and Gumbel-Softmax",
    "VQ-VAE",
    "VQGAN",
    "Feature columns",
    "TFRecord and tf.Example",
)
ALGORITHM_ARTICLES = (
    "76. Minimum Window Substring",
    "11. Container With Most Water",
    "88. Merge Sorted Array",
    "164. Maximum Gap",
    "39/40. Combination Sum",
    "128. Longest Consecutive Sequence",
    "Computational geometry basics",
)


@pytest.fixture(scope="module")
def shipped() -> LoadResult:
    return load_paths([shipped_decks_dir()])


def test_every_shipped_deck_loads_through_the_real_loader_without_problems(shipped: LoadResult):
    assert [str(problem) for problem in shipped.problems] == []
    assert len(shipped.decks) >= len(ML_ARTICLES) + len(ALGORITHM_ARTICLES)


def test_there_are_at_least_350_cards(shipped: LoadResult):
    assert shipped.card_count >= 350


@pytest.mark.parametrize("article", ML_ARTICLES)
def test_each_ml_article_has_at_least_8_cards(shipped: LoadResult, article: str):
    assert _per_article(shipped)[article] >= 8


@pytest.mark.parametrize("article", ALGORITHM_ARTICLES)
def test_each_algorithm_problem_has_at_least_4_cards(shipped: LoadResult, article: str):
    assert _per_article(shipped)[article] >= 4


def test_every_article_card_names_a_syllabus_article_and_has_tags(shipped: LoadResult):
    known = set(ML_ARTICLES + ALGORITHM_ARTICLES)
    for deck in shipped.decks:
        if deck.name.startswith("Core::"):
            continue
        for card in deck.cards:
            assert card.source in known, f"{deck.path}:{card.line}: {card.card_id}: unknown source {card.source!r}"
            assert card.tags, f"{deck.path}:{card.line}: {card.card_id}: no tags"


def test_every_core_card_names_a_primary_source_and_its_area(shipped: LoadResult):
    """Core decks (the standard interview syllabus) cite a paper with its year, a textbook, or official docs."""
    for deck in shipped.decks:
        if not deck.name.startswith("Core::"):
            continue
        area = deck.deck_id.split(".")[1]
        for card in deck.cards:
            where = f"{deck.path}:{card.line}: {card.card_id}"
            assert re.search(
                r"(19|20)\d\d|docs|documentation|evaluation|code|notes|Google|ESL|PRML|Deep Learning|Murphy|ch\. |§|[Cc]hapter|online reference",
                card.source,
            ), f"{where}: source {card.source!r}"
            assert "core" in card.tags and f"core-{area}" in card.tags, f"{where}: tags {card.tags}"


@pytest.mark.parametrize(
    "area",
    sorted({path.name for path in (shipped_decks_dir() / "core").iterdir()} if (shipped_decks_dir() / "core").is_dir() else []),
)
def test_each_core_area_has_at_least_40_cards(shipped: LoadResult, area: str):
    cards = sum(len(deck.cards) for deck in shipped.decks if deck.deck_id.startswith(f"core.{area}."))
    assert cards >= 40


def test_decks_form_a_hierarchy_by_area(shipped: LoadResult):
    roots = {deck.name.split("::")[0] for deck in shipped.decks}
    assert roots <= {"ML", "Algorithms", "Core"} and {"ML", "Algorithms"} <= roots
    assert all(deck.name.count("::") >= 2 for deck in shipped.decks)


def test_the_decks_mix_cloze_cards_code_and_formulas(shipped: LoadResult):
    cards = [card for deck in shipped.decks for card in deck.cards]
    kinds = Counter(card.kind for card in cards)
    assert kinds[CardKind.CLOZE] >= 30
    assert sum("```python" in card.back for card in cards) >= 20
    math = [span for card in cards for span in split_spans(card.front + card.back + card.text) if span.kind.endswith("math")]
    assert len(math) >= 300


def test_every_algorithm_problem_has_a_python_solution(shipped: LoadResult):
    with_code = {card.source for deck in shipped.decks for card in deck.cards if "```python" in card.back + card.extra}
    assert set(ALGORITHM_ARTICLES) <= with_code


def _per_article(shipped: LoadResult) -> Counter[str]:
    return Counter(card.source for deck in shipped.decks for card in deck.cards)
