"""YAML text -> one node tree, built iteratively from the parser's event stream.

libyaml's own composer recurses in C and crashes the interpreter on deeply nested input
(`[[[[…` a hundred thousand deep); building nodes from events here keeps the nesting bounded
and turns it into an ordinary error. The loop drives the C parser directly: it is the hot path
of loading a large deck.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 64  # a deck needs 3 levels; anything near this is a mistake or an attack
NULL_TAG = "tag:yaml.org,2002:null"
STR_TAG = "tag:yaml.org,2002:str"
_NULL_PLAIN = re.compile(r"^(?:~|null|Null|NULL|)$")
_SCALAR, _ALIAS, _START, _END, _DOCUMENT, _STOP = range(6)
_KIND = {
    ScalarEvent: _SCALAR,
    AliasEvent: _ALIAS,
    SequenceStartEvent: _START,
    MappingStartEvent: _START,
    SequenceEndEvent: _END,
    MappingEndEvent: _END,
    DocumentStartEvent: _DOCUMENT,
    StreamEndEvent: _STOP,
}


class ComposeError(yaml.MarkedYAMLError):
    pass


class NestedTooDeep(ComposeError):
    """Collections nest deeper than MAX_DEPTH: a mistake or an attack, never a deck."""


def compose(text: str) -> Node | None:
    """The single document in `text` as nodes with marks, or None for an empty stream."""
    loader: Any = _Loader(text)
    try:
        return _compose(loader)
    finally:
        loader.dispose()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a node tree is built and read; free it inside.

    A large deck is a few hundred thousand small objects without cycles, and the collector
    would walk the growing tree again and again: two thirds of the time of composing 10,000
    cards. (libyaml's C composer, tried as a faster path, gained nothing once this was done.)
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compose(loader: Any) -> Node | None:
    root: Node | None = None
    stack: list[tuple[Any, list[Any]]] = []  # open collections and their children so far
    anchors: dict[str, Node] = {}
    documents = 0
    get_event = loader.get_event
    while (event := get_event()) is not None:
        kind = _KIND.get(type(event))
        if kind is None:
            continue
        if kind == _SCALAR:
            plain = event.implicit[0] and not event.style
            tag = (
                event.tag if event.tag not in (None, "!") else (NULL_TAG if plain and _NULL_PLAIN.match(event.value) else STR_TAG)
            )
            node: Node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
            if event.anchor:
                anchors[event.anchor] = node
        elif kind == _START:
            if len(stack) >= MAX_DEPTH:
                raise NestedTooDeep(None, None, f"the YAML is nested more than {MAX_DEPTH} levels deep", event.start_mark)
            collection_type = SequenceNode if type(event) is SequenceStartEvent else MappingNode
            collection = collection_type(event.tag or "", [], event.start_mark, None, flow_style=event.flow_style)
            if event.anchor:
                anchors[event.anchor] = collection
            stack.append((collection, []))
            continue
        elif kind == _END:
            collection, children = stack.pop()
            if type(collection) is MappingNode:
                collection.value = list(zip(children[0::2], children[1::2], strict=True))
            else:
                collection.value = children
            collection.end_mark = event.end_mark
            node = collection
        elif kind == _ALIAS:
            if event.anchor not in anchors:
                raise ComposeError(None, None, f"found undefined alias '{event.anchor}'", event.start_mark)
            node = anchors[event.anchor]
        elif kind == _DOCUMENT:
            documents += 1
            if documents > 1:
                raise ComposeError(
                    None, None, "expected a single document in the stream, but found another document", event.start_mark
                )
            continue
        else:  # the end of the stream
            break
        if stack:
            stack[-1][1].append(node)
        else:
            root = node
    return root
