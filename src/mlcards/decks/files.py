"""Which files are deck files: found without reading them, so a start with nothing changed
never needs the YAML loader."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from mlcards.decks.problems import Problem
from mlcards.decks.schema import DECK_FILE_SUFFIXES

_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def deck_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The deck files named, and those found (recursively, sorted) in the folders named."""
    for path in paths:
        if path.is_dir():
            # pathlib's rglob skips a folder it may not read without a word, which would hide its
            # decks as if deleted: open the top folder first, so that raises PermissionError.
            with os.scandir(path):
                pass
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.suffix in DECK_FILE_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            yield path


def listed_deck_files(paths: Iterable[Path], fix: str = "make it readable") -> tuple[list[Path], list[Problem]]:
    """The deck files under `paths`, and a problem naming each folder that cannot be listed (with
    `fix` as what to do), so unreadable decks are never mistaken for deleted ones nor a traceback."""
    found: list[Path] = []
    problems: list[Problem] = []
    for root in paths:
        try:
            found.extend(deck_files([root]))
        except OSError as error:
            where = Path(error.filename) if error.filename else root
            problems.append(Problem(where, 1, 1, "file", f"cannot list this folder ({error.strerror})", fix))
    return found, problems


def read_deck_bytes(path: Path) -> tuple[bytes | None, list[Problem]]:
    """The bytes of a deck file, or a problem naming why it cannot be read. Only regular files
    are opened: reading a named pipe or a device would wait forever or never end."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None, [Problem(path, 1, 1, "file", "no such file", "check the path")]
    except OSError as error:
        return None, [
            Problem(path, 1, 1, "file", f"cannot look at the file ({error.strerror})", "check the path and its permissions")
        ]
    if stat.S_ISDIR(mode):
        return None, [Problem(path, 1, 1, "file", "is a folder, not a deck file", "name a .yaml file, or add the folder itself")]
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        return None, [Problem(path, 1, 1, "file", f"is {kind}, not a deck file", "a deck is a .yaml or .yml file on disk")]
    try:
        return path.read_bytes(), []
    except PermissionError:
        return None, [
            Problem(
                path,
                1,
                1,
                "file",
                "cannot be read: permission denied",
                "make it readable (chmod u+r), or move it out of the deck folder",
            )
        ]
    except OSError as error:
        return None, [Problem(path, 1, 1, "file", f"cannot read the file ({error.strerror})", "check the disk and the file")]
