"""The YAML composer: a node tree with the nesting bounded and YAML's null/string reading."""

from __future__ import annotations

import gc

import pytest
from yaml.nodes import MappingNode

from mlcards.decks.compose import MAX_DEPTH, NULL_TAG, STR_TAG, NestedTooDeep, collector_paused, compose


def test_null_and_string_tags_follow_the_scalar_style():
    root = compose("a: ~\nb: ''\nc: 'null'\nd:\n")
    assert isinstance(root, MappingNode)
    assert [value.tag for _, value in root.value] == [NULL_TAG, STR_TAG, STR_TAG, NULL_TAG]


def test_nesting_deeper_than_the_limit_is_an_error_not_a_crash():
    one_level_more = "".join(" " * (2 * depth) + "a:\n" for depth in range(MAX_DEPTH + 1)) + " " * (2 * MAX_DEPTH + 2) + "b\n"
    with pytest.raises(NestedTooDeep, match=f"nested more than {MAX_DEPTH} levels"):
        compose(one_level_more)


def test_nesting_at_the_limit_is_read():
    at_limit = "".join(" " * (2 * depth) + "a:\n" for depth in range(MAX_DEPTH)) + " " * (2 * MAX_DEPTH) + "b\n"
    assert isinstance(compose(at_limit), MappingNode)


def test_the_garbage_collector_is_back_on_after_a_tree_is_read_even_after_an_error():
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()
