"""Whether another mlcards process has the database open.

Every process that opens the database holds a shared lock on a small sidecar file for as long
as it is open; `restore` needs the exclusive lock, so it cannot swap the file from under an
open review (whose later answers would go to the replaced file and be lost). The operating
system drops a dead process's locks, so a crash never leaves the database "in use".
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # Windows: no advisory locks here; restore then relies on the user
    fcntl = None  # type: ignore[assignment]


class InUse(Exception):
    """Another process has the database open."""


def lock_path(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".lock")


def hold_shared(database_path: Path) -> IO[bytes] | None:
    """A shared hold on the database, kept until the returned handle is closed."""
    return _lock(database_path, exclusive=False)


def hold_exclusive(database_path: Path) -> IO[bytes] | None:
    """The only hold on the database; raises InUse at once if another process has it open."""
    return _lock(database_path, exclusive=True)


def _lock(database_path: Path, exclusive: bool) -> IO[bytes] | None:
    if fcntl is None:
        return None
    handle = open(lock_path(database_path), "ab")  # noqa: SIM115  (held open for the lock's lifetime)
    try:
        if exclusive:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)  # waits only while a restore swaps the file
    except BlockingIOError as error:
        handle.close()
        raise InUse(f"{database_path} is open in another mlcards process") from error
    except BaseException:
        handle.close()
        raise
    return handle
