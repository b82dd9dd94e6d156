"""A new card's id is proposed from its question: short, readable, valid and unique in its deck."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mlcards.decks.card_ids import propose_card_id
from mlcards.decks.schema import ID_PATTERN


def test_the_question_words_that_say_something_make_the_id():
    assert propose_card_id("What is the target logit in CosFace?", set()) == "target-logit-cosface"


def test_latex_commands_and_cloze_markup_are_read_as_the_learner_reads_them():
    assert propose_card_id("Why are logits divided by $\\sqrt{d_k}$?", set()) == "logits-divided-d-k"
    assert propose_card_id("The base Transformer uses {{c1::8}} heads of {{c2::64::a power of two}}.", set()) == (
        "base-transformer-uses-8-heads"
    )


def test_accents_are_folded_and_a_question_of_only_common_words_keeps_them():
    assert propose_card_id("Énergie libre de Gibbs, ΔG?", set()) == "energie-libre-de-gibbs-g"
    assert propose_card_id("What is it?", set()) == "what-is-it"


def test_a_question_without_letters_or_digits_still_gets_an_id():
    assert propose_card_id("$$\\sum$$ ?", set()) == "card"
    assert propose_card_id("", {"card"}) == "card-2"


def test_an_id_already_in_the_deck_gets_the_next_free_number():
    assert propose_card_id("What is dropout?", {"dropout", "dropout-2"}) == "dropout-3"


def test_a_long_question_makes_a_short_id():
    proposed = propose_card_id("Explain gradient checkpointing memory tradeoffs transformer training pipelines", set())
    assert proposed == "explain-gradient-checkpointing-memory" and len(proposed) <= 40


@given(st.text(), st.sets(st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True), max_size=20))
def test_any_question_gives_a_valid_id_not_yet_taken(question: str, taken: set[str]):
    proposed = propose_card_id(question, taken)
    assert ID_PATTERN.fullmatch(proposed) and proposed not in taken
