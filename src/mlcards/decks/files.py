"""Which files are deck files: found without reading them, so a start with nothing changed
never needs the YAML loader."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from mlcards.decks.schema import DECK_FILE_SUFFIXES


def deck_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The deck files named, and those found (recursively, sorted) in the folders named."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.suffix in DECK_FILE_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            yield path
