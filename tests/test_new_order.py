"""The order new prompts are introduced in: interleaved across the deck tree (or deck by deck),
the learner's priority decks first, each deck in its YAML order, cloze siblings on different days."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlcards.config import Settings
from mlcards.new_order import NewOrder, NewPromptOrder, interleave_plan
from mlcards.paths import shipped_decks_dir
from mlcards.review import Answer, ReviewFilter, ReviewSession
from mlcards.store import queue
from mlcards.store.database import Database, open_database
from mlcards.store.sync import sync

WriteDeck = Callable[..., Path]
MONDAY = datetime(2026, 3, 9, 9, 0).astimezone()


def deck_yaml(deck_id: str, name: str, count: int) -> str:
    cards = "".join(f"  - id: c{i}\n    front: {name} question {i}?\n    back: Answer {i}.\n" for i in range(1, count + 1))
    return f"id: {deck_id}\nname: '{name}'\nsource: s\ncards:\n{cards}"


def first_new(database: Database, count: int, **settings: object) -> list[tuple[str, str]]:
    """(deck id, card id) of the new prompts a fresh day's review would show, in order."""
    session = ReviewSession(database, Settings(new_cards_per_day=count, **settings), MONDAY)  # type: ignore[arg-type]
    return [(prompt.deck_id, prompt.card_id) for prompt in session.queued]


def longest_run(decks: list[str]) -> int:
    return max((len(list(run)) for _, run in itertools.groupby(decks)), default=0)


def test_decks_take_turns_in_proportion_to_the_new_prompts_each_has_left(database: Database, write_deck: WriteDeck):
    write_deck(deck_yaml("big", "Big", 30), "big.yaml")
    sync(database, [write_deck(deck_yaml("small", "Small", 10), "small.yaml").parent])
    order = [deck for deck, _ in first_new(database, 20)]
    assert Counter(order) == {"big": 15, "small": 5}  # 30 : 10 left, so 3 : 1
    assert longest_run(order) <= 3


def test_within_a_deck_cards_keep_their_yaml_order(database: Database, write_deck: WriteDeck):
    write_deck(deck_yaml("a", "A", 6), "a.yaml")
    sync(database, [write_deck(deck_yaml("b", "B", 6), "b.yaml").parent])
    shown = first_new(database, 12)
    for deck in ("a", "b"):
        assert [card for shown_deck, card in shown if shown_deck == deck] == [f"c{i}" for i in range(1, 7)]


def test_every_level_of_the_deck_tree_takes_turns_not_only_the_largest_files(database: Database, write_deck: WriteDeck):
    # One area of many small decks beside one of a few large ones: a flat share by file would
    # serve the large files first; taking turns level by level alternates the two areas.
    for index in range(6):
        write_deck(deck_yaml(f"small{index}", f"Many::Topic {index}", 4), f"small{index}.yaml")
    write_deck(deck_yaml("large0", "Few::Large 0", 12), "large0.yaml")
    sync(database, [write_deck(deck_yaml("large1", "Few::Large 1", 12), "large1.yaml").parent])
    shown = [deck for deck, _ in first_new(database, 8)]
    areas = ["few" if deck.startswith("large") else "many" for deck in shown]
    assert areas == ["few", "many"] * 4  # 24 prompts left in each area
    assert len({deck for deck in shown if deck.startswith("small")}) == 4  # four topics, one prompt each


def test_a_deck_with_subdecks_takes_its_turns_beside_them(database: Database, write_deck: WriteDeck):
    write_deck(deck_yaml("parent", "Area", 4), "parent.yaml")
    sync(database, [write_deck(deck_yaml("child", "Area::Child", 4), "child.yaml").parent])
    assert [deck for deck, _ in first_new(database, 8)] == ["parent", "child"] * 4


def test_decks_named_in_the_priority_list_come_first_in_the_listed_order(database: Database, write_deck: WriteDeck):
    write_deck(deck_yaml("a", "Alpha", 3), "a.yaml")
    write_deck(deck_yaml("b", "Beta::One", 2), "b1.yaml")
    write_deck(deck_yaml("b2", "Beta::Two", 2), "b2.yaml")
    sync(database, [write_deck(deck_yaml("g", "Gamma", 3), "g.yaml").parent])
    shown = [deck for deck, _ in first_new(database, 10, new_deck_priority=("gamma", "Beta"))]
    assert shown[:3] == ["g", "g", "g"]  # named in any case
    assert sorted(shown[3:7]) == ["b", "b", "b2", "b2"]  # a name takes its subdecks, which take turns
    assert shown[7:] == ["a", "a", "a"]


def test_the_deck_order_serves_deck_by_deck_in_name_order_after_the_priority_decks(database: Database, write_deck: WriteDeck):
    write_deck(deck_yaml("a", "Alpha", 2), "a.yaml")
    write_deck(deck_yaml("b", "Beta", 2), "b.yaml")
    sync(database, [write_deck(deck_yaml("g", "Gamma", 2), "g.yaml").parent])
    assert [deck for deck, _ in first_new(database, 6, new_order="deck")] == ["a", "a", "b", "b", "g", "g"]
    by_deck_gamma_first = first_new(database, 6, new_order="deck", new_deck_priority=("g",))
    assert [deck for deck, _ in by_deck_gamma_first] == ["g", "g", "a", "a", "b", "b"]


def test_a_cloze_sibling_waits_for_another_day_even_after_a_restart(database: Database, write_deck: WriteDeck):
    text = "id: z\nname: Z\nsource: s\ncards:\n  - id: fp16\n    type: cloze\n    text: '{{c1::a}} {{c2::b}}'\n"
    sync(database, [write_deck(text + "  - id: other\n    front: Q?\n    back: A.\n")])
    first = ReviewSession(database, Settings(), MONDAY)
    assert [(prompt.card_id, prompt.ordinal) for prompt in first.queued] == [("fp16", 1), ("other", 1)]
    first.answer(Answer.GOOD, MONDAY)  # c1 answered; the window is closed before the day ends
    later = ReviewSession(database, Settings(), MONDAY + timedelta(hours=2))
    assert [(prompt.card_id, prompt.ordinal) for prompt in later.queued] == [("other", 1)]


@pytest.fixture(scope="module")
def shipped_database(tmp_path_factory: pytest.TempPathFactory) -> Database:
    database = open_database(tmp_path_factory.mktemp("shipped") / "mlcards.sqlite3")
    assert sync(database, [shipped_decks_dir()]).ok
    return database


def test_the_first_new_prompts_of_the_shipped_decks_are_spread_across_decks_and_areas(shipped_database: Database):
    session = ReviewSession(shipped_database, Settings(), MONDAY)  # a new learner studying everything
    first = [prompt for prompt in session.queued if prompt.is_new]
    assert len(first) == 20
    decks = [prompt.deck_id for prompt in first]
    assert len(set(decks)) >= 15
    assert longest_run(decks) <= 2
    assert {prompt.deck_name.split("::")[0] for prompt in first} == {"Algorithms", "Core", "ML"}


def test_a_fortnight_of_new_prompts_from_the_shipped_decks_never_runs_long_nor_shows_siblings_on_one_day(tmp_path: Path):
    database = open_database(tmp_path / "mlcards.sqlite3")
    assert sync(database, [shipped_decks_dir()]).ok
    decks: list[str] = []
    for day in range(14):
        now = MONDAY + timedelta(days=day)
        session = ReviewSession(database, Settings(reviews_per_day=0), now)
        cards = [(prompt.deck_id, prompt.card_id) for prompt in session.queued]
        assert len(cards) == 20 and len(set(cards)) == 20  # no two prompts of one card on one day
        decks += [deck for deck, _ in cards]
        while session.current is not None:
            session.answer(Answer.GOOD, now)
    assert longest_run(decks) <= 2
    database.close()


# --- the interleaved order against a plain statement of it -------------------------------------


def reference_order(sizes: dict[str, int], priority: tuple[str, ...], room: int) -> list[tuple[str, int]]:
    """(deck name, k) of the first `room` new prompts, merged as the module describes: in every
    node of the '::' tree its own deck first, then its subdecks by name; each child's k-th of n
    stands at (k + 0.5) / n, ties to the child listed first; priority tiers one after another."""

    def sequence(path: tuple[str, ...], names: list[str]) -> list[tuple[str, int]]:
        own = [(name, k) for name in names if tuple(name.split("::")) == path for k in range(sizes[name])]
        below: dict[str, list[str]] = {}
        for name in names:
            parts = name.split("::")
            if len(parts) > len(path):
                below.setdefault(parts[len(path)], []).append(name)
        children = ([own] if own else []) + [
            sequence((*path, part), below[part]) for part in sorted(below, key=lambda part: (part.casefold(), part))
        ]
        keyed = [((k + 0.5) / len(child), order, k, item) for order, child in enumerate(children) for k, item in enumerate(child)]
        return [item for *_, item in sorted(keyed)]

    def tier(name: str) -> int:
        for index, wanted in enumerate(priority):
            if name.casefold() == wanted.casefold() or name.casefold().startswith(wanted.casefold() + "::"):
                return index
        return len(priority)

    tiers = sorted({tier(name) for name in sizes})
    merged = [item for number in tiers for item in sequence((), [name for name in sizes if tier(name) == number])]
    return merged[:room]


deck_names = st.lists(
    st.sampled_from(["A", "b", "C", "A::x", "A::Y", "A::x::deep", "b::x", "C::z"]), min_size=1, max_size=6, unique=True
)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    names=deck_names,
    counts=st.lists(st.integers(min_value=1, max_value=12), min_size=6, max_size=6),
    room=st.integers(min_value=1, max_value=40),
    priority=st.lists(st.sampled_from(["a", "b::x", "C"]), max_size=2, unique=True),
)
def test_the_queue_serves_exactly_the_interleaved_order_the_tree_describes(
    tmp_path_factory: pytest.TempPathFactory, names: list[str], counts: list[int], room: int, priority: list[str]
):
    folder = tmp_path_factory.mktemp("decks")
    sizes = dict(zip(names, counts, strict=False))
    for number, (name, count) in enumerate(sizes.items()):
        (folder / f"d{number}.yaml").write_text(deck_yaml(f"d{number}", name, count), encoding="utf-8")
    database = open_database(folder / "mlcards.sqlite3")
    try:
        assert sync(database, [folder]).ok
        with database.snapshot() as connection:
            order = NewPromptOrder(NewOrder.INTERLEAVED, tuple(priority))
            served = queue.new(connection, queue.queue_filter(connection, None, ()), MONDAY.date(), room, order)
        expected = reference_order(sizes, tuple(priority), room)
        assert [(prompt.deck_name, int(prompt.card_id[1:]) - 1) for prompt in served] == expected
    finally:
        database.close()


@given(
    sizes=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=12),
    room=st.integers(min_value=1, max_value=80),
)
def test_the_reading_plan_reads_every_prompt_the_first_room_can_hold(sizes: list[int], room: int):
    names = [f"Top {index % 3}::Deck {index}" for index in range(len(sizes))]
    decks = [(f"d{index}", name) for index, name in enumerate(names)]
    plan = interleave_plan(decks, {deck_id: size for (deck_id, _), size in zip(decks, sizes, strict=True)}, (), room)
    served = Counter(name for name, _ in reference_order(dict(zip(names, sizes, strict=True)), (), room))
    for (deck_id, name), size in zip(decks, sizes, strict=True):
        planned = plan[deck_id][-1] if deck_id in plan else 0
        assert served[name] <= planned <= size


def test_new_prompts_follow_the_yaml_order_after_cards_are_moved_within_or_between_decks(
    database: Database, write_deck: WriteDeck
):
    write_deck(deck_yaml("a", "A", 4), "a.yaml")
    sync(database, [write_deck(deck_yaml("b", "B", 1), "b.yaml").parent])
    # c4 moves to the top of A; c2 moves to deck B (same question: its history would follow it).
    reordered = deck_yaml("a", "A", 4).replace("  - id: c2\n    front: A question 2?\n    back: Answer 2.\n", "")
    first, rest = reordered.split("cards:\n")
    card4 = "  - id: c4\n    front: A question 4?\n    back: Answer 4.\n"
    write_deck(first + "cards:\n" + card4 + rest.replace(card4, ""), "a.yaml")
    header, b_cards = deck_yaml("b", "B", 1).split("cards:\n")
    moved = header + "cards:\n  - id: c2\n    front: A question 2?\n    back: Answer 2.\n" + b_cards  # first in B
    sync(database, [write_deck(moved, "b.yaml").parent])
    shown = first_new(database, 10, new_order="deck")
    assert shown == [("a", "c4"), ("a", "c1"), ("a", "c3"), ("b", "c2"), ("b", "c1")]


def test_a_review_of_one_deck_or_tag_interleaves_only_what_it_chose(database: Database, write_deck: WriteDeck):
    write_deck(deck_yaml("ml1", "ML::One", 3), "ml1.yaml")
    write_deck(deck_yaml("ml2", "ML::Two", 3), "ml2.yaml")
    sync(database, [write_deck(deck_yaml("algo", "Algorithms", 3).replace("cards:", "tags: [algo]\ncards:"), "algo.yaml").parent])
    ml = ReviewSession(database, Settings(), MONDAY, ReviewFilter(deck="ML"))
    assert [prompt.deck_id for prompt in ml.queued] == ["ml1", "ml2"] * 3
    algo = ReviewSession(database, Settings(), MONDAY, ReviewFilter(tags=("algo",)))
    assert [prompt.deck_id for prompt in algo.queued] == ["algo"] * 3
