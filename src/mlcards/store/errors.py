"""What went wrong with the database file, named by its real cause.

A locked, read-only or full database is healthy: telling its owner to restore a backup would
throw away every answer since that backup. Only a file that fails SQLite's integrity check is
called damaged, and only then is a restore suggested.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

# SQLite's primary result codes (the low byte of an extended code).
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _AUTH, _NOTADB = 3, 5, 6, 8, 10, 11, 13, 14, 23, 26


class DatabaseError(Exception):
    """The database file cannot be used as it is; the message says why and what to do."""


class DatabaseLocked(DatabaseError):
    """Another process holds the lock longer than we wait: try again once it is done."""


class DatabaseReadOnly(DatabaseError):
    """The file or its folder cannot be written (permissions, a read-only mount)."""


class DatabaseFull(DatabaseError):
    """The disk (or the file system's quota) has no room for the change."""


class DatabaseDamaged(DatabaseError):
    """The file fails SQLite's integrity check: the one case where a backup is the answer."""


def sqlite_uri(path: Path, read_only: bool = False) -> str:
    """A `file:` URI for `path` with every reserved character (`#`, `?`, `%`) percent-encoded."""
    return path.absolute().as_uri() + ("?mode=ro" if read_only else "")


def explain(error: sqlite3.Error, path: Path, doing: str = "using") -> DatabaseError:
    """The error as one of our DatabaseErrors, with a message that names the cause and the fix."""
    code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
    detail = str(error)
    if code in (_BUSY, _LOCKED):
        holders = processes_holding(path)
        by = f" by {', '.join(holders)}" if holders else " by another program"
        return DatabaseLocked(
            f"{path} is locked{by}, longer than mlcards waits; nothing was changed. "
            "Finish or close the other mlcards window (or program), then try again."
        )
    if code == _READONLY or (code in (_PERM, _AUTH, _CANTOPEN) and _on_read_only_mount(path)):
        return DatabaseReadOnly(_read_only_message(path))
    if code in (_PERM, _AUTH, _CANTOPEN):
        return DatabaseReadOnly(f"{path} cannot be opened for {doing} ({detail}). {_permission_hint(path)}")
    if code == _FULL or (code == _IOERR and _disk_nearly_full(path)):
        return DatabaseFull(
            f"the disk holding {path} is full; the change was not saved and nothing already saved was lost. "
            "Free some space, then try again."
        )
    if code in (_CORRUPT, _NOTADB):
        problems = integrity_problems(path)
        if problems:
            return DatabaseDamaged(f"{path} is damaged: SQLite's integrity check failed ({problems[0]}).")
        return DatabaseError(
            f"SQLite reported '{detail}' while {doing} {path}, but the file passes its integrity check; try again."
        )
    if code == _IOERR:
        return DatabaseError(
            f"reading or writing {path} failed at the operating-system level ({detail}); "
            "check the disk or network drive it lives on, then try again."
        )
    return DatabaseError(f"SQLite failed while {doing} {path}: {detail}")


def integrity_problems(path: Path) -> list[str]:
    """SQLite's integrity-check findings for the file ([] when it is sound or cannot be opened)."""
    try:
        with closing(sqlite3.connect(sqlite_uri(path, read_only=True), uri=True)) as connection:
            connection.execute("PRAGMA busy_timeout = 2000")
            rows = [str(row[0]) for row in connection.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as error:
        code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
        return [str(error)] if code in (_CORRUPT, _NOTADB) else []
    return [] if rows == ["ok"] else rows


def processes_holding(path: Path) -> list[str]:
    """Other processes with the file open, as 'pid N (command)'; empty where /proc cannot tell."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    try:
        target = path.resolve()
    except OSError:
        return []
    found: list[str] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if any(Path(os.readlink(fd)) == target for fd in (entry / "fd").iterdir()):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                found.append(f"pid {entry.name} ({command or '?'})")
        except OSError:
            continue
    return found


def _disk_nearly_full(path: Path) -> bool:
    """Whether the file system holding `path` has less room than a few database pages: SQLite
    reports a write that ran out of space as an I/O error as often as a 'full' one."""
    try:
        status = os.statvfs(path.parent)
    except OSError:
        return False
    return status.f_bavail * status.f_frsize < 64 * 1024


def _on_read_only_mount(path: Path) -> bool:
    try:
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _read_only_message(path: Path) -> str:
    folder = path.parent
    if _on_read_only_mount(path):
        return f"{path} is on a read-only file system ({folder}), so nothing can be saved; remount it writable or choose another location with --db."
    if path.exists() and not os.access(path, os.W_OK):
        return f"{path} is read-only, so nothing can be saved. {_permission_hint(path)}"
    if not os.access(folder, os.W_OK):
        return (
            f"the folder {folder} cannot be written (read-only or no permission), and SQLite needs to create "
            f"its journal files there. {_permission_hint(folder)}"
        )
    return f"{path} cannot be written, so nothing can be saved. {_permission_hint(path)}"


def _permission_hint(path: Path) -> str:
    return f"Check its owner and permissions (ls -l '{path}'), or choose another location with --db."
