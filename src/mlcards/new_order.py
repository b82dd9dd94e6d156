"""In which order never-answered prompts are introduced: the learner's setting, and the deck tree
the queue's SQL draws them across, described as plain numbers it can partition and sort by.

Interleaved (the default): at every level of the '::' tree the subdecks take turns in proportion
to the new prompts each has left. A child's k-th of n prompts left stands at (k + 0.5) / n of the
way through it, and a node serves its children's prompts in that order: a child holding a ninth
of what is left gets about every ninth turn, and every deck finishes at about the same time.
Within a deck, cards keep their order in the YAML. Deck: deck by deck, in name order.
Either way, the decks named in the priority list come first, in the order listed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


class NewOrder(StrEnum):
    INTERLEAVED = "interleaved"
    DECK = "deck"


@dataclass(frozen=True, slots=True)
class NewPromptOrder:
    order: NewOrder = NewOrder.INTERLEAVED
    priority: tuple[str, ...] = ()  # deck names (each with its subdecks) or ids, first listed first


def priority_tier(priority: Sequence[str], deck_id: str, deck_name: str) -> int:
    """The index of the first priority entry naming this deck (by id, or by name with its
    subdecks, in any case); unlisted decks come after every listed one."""
    name, identifier = deck_name.casefold(), deck_id.casefold()
    for tier, wanted in enumerate(entry.casefold() for entry in priority):
        if wanted in (identifier, name) or name.startswith(wanted + "::"):
            return tier
    return len(priority)


# A node of the tree: its priority tier and its name's levels so far, each as (case-folded, as written)
# so that siblings sort as the home screen lists them.
_Node = tuple[int, tuple[tuple[str, str], ...]]


@lru_cache(maxsize=8)
def deck_paths(decks: tuple[tuple[str, str], ...], priority: tuple[str, ...]) -> Mapping[str, tuple[int, ...]]:
    """For each (deck id, name): the numbers of its ancestors, one per level, all of one length.

    Level 0 is the priority tier, the next levels the name's prefixes ("Core", "Core::Probability",
    …), the last the deck itself. Nodes are numbered in name order within a level, so sorting
    siblings by number sorts them by name. A name shorter than the deepest is padded with empty
    levels: a deck that has subdecks takes its turns beside them with its own prompts. A level
    where every node has a single child changes no order and is left out.

    Cached: every queue build (and the home screen's counts) asks again about the same decks.
    """
    split = {deck_id: (priority_tier(priority, deck_id, name), name.split("::")) for deck_id, name in decks}
    depth = max((len(parts) for _, parts in split.values()), default=0)
    keys: dict[str, list[_Node]] = {}
    for deck_id, (tier, parts) in split.items():
        levels = tuple((part.casefold(), part) for part in parts) + (("", ""),) * (depth - len(parts))
        keys[deck_id] = [(tier, levels[:level]) for level in range(depth + 1)] + [(tier, (*levels, (deck_id, deck_id)))]
    nodes = [sorted({path[level] for path in keys.values()}) for level in range(depth + 2)]
    kept = [0, *(level for level in range(1, depth + 1) if len(nodes[level]) != len(nodes[level + 1])), depth + 1]
    numbers = [{key: number for number, key in enumerate(nodes[level])} for level in kept]
    return {
        deck_id: tuple(numbered[path[level]] for level, numbered in zip(kept, numbers, strict=True))
        for deck_id, path in keys.items()
    }


def interleave_plan(
    decks: Sequence[tuple[str, str]], new_left: Mapping[str, int], priority: Sequence[str], room: int
) -> dict[str, list[int]]:
    """What the queue's SQL needs to serve the first `room` new prompts interleaved: for each deck
    that can give one, [n0, size0, n1, size1, …, deck, deck size, candidates]: the numbers of its
    nodes from the tier down (deck_paths) with how many new prompts each holds, and how many of
    the deck's first prompts can be among the first `room` (an upper bound: reading only those
    changes nothing, and most decks give one or none).
    """
    paths = deck_paths(tuple((deck_id, name) for deck_id, name in decks if new_left.get(deck_id, 0) > 0), tuple(priority))
    if not paths or room <= 0:
        return {}
    levels = len(next(iter(paths.values())))
    sizes: list[dict[int, int]] = [defaultdict(int) for _ in range(levels)]
    children: list[dict[int, set[int]]] = [defaultdict(set) for _ in range(levels)]
    for deck_id, path in paths.items():
        for level, node in enumerate(path):
            sizes[level][node] += new_left[deck_id]
            if level + 1 < levels:
                children[level][node].add(path[level + 1])
    wanted: list[dict[int, int]] = [{} for _ in range(levels)]
    served_before = 0
    for tier in sorted(sizes[0]):  # a tier is served whole before the next one starts
        wanted[0][tier] = min(sizes[0][tier], max(0, room - served_before))
        served_before += sizes[0][tier]
    for level in range(levels - 1):
        for node, served in wanted[level].items():
            siblings = children[level][node]
            for child in siblings:
                wanted[level + 1][child] = _most_served(served, sizes[level + 1][child], sizes[level][node], len(siblings))
    plan: dict[str, list[int]] = {}
    for deck_id, path in paths.items():
        candidates = wanted[levels - 1][path[-1]]
        if candidates > 0:
            plan[deck_id] = [value for level, node in enumerate(path) for value in (node, sizes[level][node])] + [candidates]
    return plan


def _most_served(served: int, child_size: int, node_size: int, siblings: int) -> int:
    """At most how many of a child's prompts are among the first `served` of its node.

    The served-th prompt stands at some fraction x; every sibling has all its prompts before x
    served, at least x·size − ½ of them, so served − 1 ≥ x·node_size − siblings/2. The child has
    ⌊x·child_size + ½⌋ at or before x: at most ⌊(served − 1 + siblings/2)·child_size/node_size + ½⌋,
    computed here in whole numbers.
    """
    if served <= 0:
        return 0
    bound = ((2 * served - 2 + siblings) * child_size + node_size) // (2 * node_size)
    return min(child_size, served, bound)
