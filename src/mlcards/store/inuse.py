"""Whether another mlcards process has the database open.

Every process that opens the database holds a shared `flock` on the database file itself for as
long as it is open; `restore` needs the exclusive one, so it cannot swap the file from under an
open review (whose later answers would go to the replaced file and be lost). The lock lives on
the file, not on a sidecar whose deletion would lift it, and the operating system drops a dead
process's locks, so a crash never leaves the database "in use".

flock locks are separate from the POSIX record locks SQLite takes on the same file, so the two
never interfere; the handle is closed only after SQLite's connection is, because closing any
descriptor of a file drops the process's POSIX locks on it.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks here; restore then relies on the user
    fcntl = None  # type: ignore[assignment]


class InUse(Exception):
    """Another process has the database open."""


class Hold:
    """An open descriptor on the database file carrying our flock; close() releases it."""

    def __init__(self, descriptor: int) -> None:
        self._descriptor: int | None = descriptor

    def close(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None


def hold_shared(database_path: Path) -> Hold | None:
    """A shared hold on the database (created empty if missing), kept until closed."""
    return _lock(database_path, exclusive=False)


def hold_exclusive(database_path: Path) -> Hold | None:
    """The only hold on the database; raises InUse at once if another process has it open.
    None when there is no file (nothing can have it open)."""
    if not database_path.exists():
        return None
    return _lock(database_path, exclusive=True)


def _lock(database_path: Path, exclusive: bool) -> Hold | None:
    if fcntl is None:
        return None
    while True:
        try:
            descriptor = _open_for_locking(database_path)
        except FileNotFoundError:
            if exclusive:
                return None  # replaced by nothing while we looked: nothing holds it
            raise
        try:
            if exclusive:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:
                fcntl.flock(descriptor, fcntl.LOCK_SH)  # waits only while a restore swaps the file
        except BlockingIOError as error:
            os.close(descriptor)
            raise InUse(f"{database_path} is open in another mlcards process") from error
        except BaseException:
            os.close(descriptor)
            raise
        # A restore may have replaced the file while we waited: then our lock is on the old one.
        if _same_file(descriptor, database_path):
            return Hold(descriptor)
        os.close(descriptor)


def _open_for_locking(database_path: Path) -> int:
    try:
        return os.open(database_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS) or not database_path.exists():
            raise
    return os.open(database_path, os.O_RDONLY | os.O_CLOEXEC)  # a read-only file still takes a lock


def _same_file(descriptor: int, database_path: Path) -> bool:
    try:
        current = database_path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(descriptor)
    return (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)
