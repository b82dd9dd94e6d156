"""Files written under a temporary name and renamed into place when complete.

A kill between the two leaves the temporary file behind. Its writer holds an exclusive flock on
it while writing, so the next run can tell an orphan (lock free) from a copy another mlcards is
writing right now (lock held), and delete only orphans.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; orphans are then left alone
    fcntl = None  # type: ignore[assignment]


@contextmanager
def writing(path: Path) -> Iterator[Path]:
    """Create `path` (mode 0600) and hold it as "being written" until the block ends."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield path
    finally:
        os.close(descriptor)


def remove_orphans(paths: Iterable[Path]) -> list[Path]:
    """Delete those of `paths` that no live process is writing; return what was deleted."""
    if fcntl is None:
        return []
    removed: list[Path] = []
    for path in paths:
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # someone is writing it now
        finally:
            os.close(descriptor)
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed
