"""Database backups: one automatic copy per day before the first change, and restore.

Copies are made with SQLite's online backup API (consistent even while another process
has the database open) into a temporary file that is renamed into place, so a backup is
either complete or absent.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import date, datetime
from pathlib import Path

from mlcards.scratch import remove_orphans, writing
from mlcards.store.database import APPLICATION_ID
from mlcards.store.errors import DatabaseError, sqlite_uri
from mlcards.store.inuse import InUse, hold_exclusive

BACKUP_SUFFIX = ".sqlite3"
DAILY = "daily"
BEFORE_RESTORE = "before-restore"


class BackupMismatch(DatabaseError):
    """A fresh copy does not hold what its source held: it is deleted, never kept."""


def backup_dir(database_path: Path) -> Path:
    """backups/<database file name>/ beside the database: two databases never share backups."""
    return database_path.parent / "backups" / database_path.name


def restorable_backups(database_path: Path) -> list[Path]:
    """The backups `restore latest` may choose from, newest first: the copies kept aside by a
    restore are left out, or running `restore latest` twice would undo the first restore."""
    return [backup for backup in list_backups(database_path) if f"-{BEFORE_RESTORE}" not in backup.stem]


def remove_leftovers(database_path: Path) -> list[Path]:
    """Delete half-written copies that a kill during a backup or restore left behind."""
    folder = backup_dir(database_path)
    candidates = [
        *(folder.glob("*.partial") if folder.is_dir() else ()),
        database_path.with_name(database_path.name + ".restoring"),
    ]
    return remove_orphans(candidates)


def list_backups(database_path: Path) -> list[Path]:
    """This database's backups, newest first."""
    folder = backup_dir(database_path)
    if not folder.is_dir():
        return []
    # Creation order; the name only breaks ties (names carry the second, which two backups can share).
    backups = [p for p in folder.iterdir() if p.suffix == BACKUP_SUFFIX]
    return sorted(backups, key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)


def create_backup(database_path: Path, now: datetime, label: str = "manual") -> Path:
    folder = backup_dir(database_path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y-%m-%d-%H%M%S")
    target = folder / f"{stamp}-{label}{BACKUP_SUFFIX}"
    copy_number = 1
    while target.exists():  # two backups in one second (e.g. two restores): never overwrite one
        copy_number += 1
        target = folder / f"{stamp}-{label}-{copy_number}{BACKUP_SUFFIX}"
    partial = target.with_name(target.name + ".partial")
    with writing(partial):
        _copy(database_path, partial)
        os.replace(partial, target)
    return target


def daily_backup(database_path: Path, today: date, now: datetime, keep: int) -> Path | None:
    """Back up once per study day, before anything changes it; keep the newest `keep` daily ones."""
    if keep == 0 or not database_path.exists() or not _holds_progress(database_path):
        return None
    dailies = [p for p in list_backups(database_path) if p.stem.endswith(f"-{DAILY}")]
    if any(p.name.startswith(today.isoformat()) for p in dailies):
        return None
    # Named after the study day, which differs from the calendar date before the day starts.
    made = create_backup(database_path, datetime.combine(today, now.time()), DAILY)
    for old in [made, *dailies][keep:]:
        old.unlink(missing_ok=True)
    return made


def _holds_progress(database_path: Path) -> bool:
    """Whether the database holds anything its YAML cannot recreate: answers or registered paths."""
    with closing(sqlite3.connect(sqlite_uri(database_path, read_only=True), uri=True)) as connection:
        try:
            return (
                connection.execute(
                    "SELECT EXISTS (SELECT 1 FROM review_log) OR EXISTS (SELECT 1 FROM registered_path)"
                ).fetchone()[0]
                == 1
            )
        except sqlite3.OperationalError:  # no tables yet
            return False


def _copy(source_path: Path, target: Path, read_only: bool = False) -> None:
    """A verified single-file copy (rollback journal, so no -wal/-shm sidecars), or nothing.

    The copy must pass SQLite's integrity check and hold as many rows in every table as the
    source did in the same read transaction; otherwise it is deleted and BackupMismatch raised.
    """
    try:
        with (
            closing(sqlite3.connect(sqlite_uri(source_path, read_only=read_only), uri=True)) as source,
            closing(sqlite3.connect(sqlite_uri(target), uri=True)) as copy,
        ):
            source.execute("PRAGMA busy_timeout = 10000")
            source.execute("BEGIN")  # one snapshot for the counts and the copy
            expected = row_counts(source)
            source.backup(copy)
            source.execute("COMMIT")
            copy.execute("PRAGMA journal_mode = DELETE")
            _verify(copy, expected, source_path, target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Rows per table, the tables named by the file itself."""
    tables = [
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    ]
    return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


def _verify(copy: sqlite3.Connection, expected: dict[str, int], source_path: Path, target: Path) -> None:
    problems = [str(row[0]) for row in copy.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupMismatch(f"the copy of {source_path} failed SQLite's integrity check ({problems[0]}); it was not kept")
    found = row_counts(copy)
    if found != expected:
        raise BackupMismatch(
            f"the copy of {source_path} does not hold the same rows as the original ({found} instead of {expected}); it was not kept"
        )


def check_backup(backup: Path) -> None:
    """Refuse a backup that is missing, empty, not ours, or fails SQLite's integrity check."""
    if not backup.is_file():
        raise DatabaseError(f"{backup} does not exist; `mlcards restore` lists the backups")
    if backup.stat().st_size == 0:
        raise DatabaseError(f"{backup} is empty (0 bytes); it holds no history. Choose another backup")
    try:
        with closing(sqlite3.connect(sqlite_uri(backup, read_only=True), uri=True)) as connection:
            counts = row_counts(connection)
            if not counts:
                raise DatabaseError(f"{backup} is an empty database (no tables); it holds no history. Choose another backup")
            if connection.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                raise DatabaseError(f"{backup} is not an mlcards database")
            problems = [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise DatabaseError(f"{backup} is damaged ({problems[0]}); choose an older backup")
    except sqlite3.DatabaseError as error:
        raise DatabaseError(f"{backup} cannot be read as a database ({error}); choose another backup") from error


def restore_backup(database_path: Path, backup: Path, now: datetime) -> Path | None:
    """Replace the database with `backup`; the current file is kept aside first and returned.
    Refused while another mlcards process has the database open."""
    check_backup(backup)
    try:
        hold = hold_exclusive(database_path) if database_path.parent.is_dir() else None
    except InUse as error:
        raise DatabaseError(
            f"{database_path} is open in another mlcards (the review app, an export or an add); close it, then run restore again"
        ) from error
    try:
        return _replace_database(database_path, backup, now)
    finally:
        if hold is not None:
            hold.close()


def _replace_database(database_path: Path, backup: Path, now: datetime) -> Path | None:
    kept: Path | None = None
    if database_path.exists():
        try:
            kept = create_backup(database_path, now, BEFORE_RESTORE)
        except (sqlite3.DatabaseError, BackupMismatch):  # too damaged to copy through SQLite: keep its bytes as they are
            kept = backup_dir(database_path) / f"{now.strftime('%Y-%m-%d-%H%M%S')}-damaged.bin"
            kept.parent.mkdir(parents=True, exist_ok=True)
            os.replace(database_path, kept)
    for sidecar in ("-wal", "-shm"):
        Path(f"{database_path}{sidecar}").unlink(missing_ok=True)
    partial = database_path.with_name(database_path.name + ".restoring")
    with writing(partial):
        _copy(backup, partial, read_only=True)
        os.replace(partial, database_path)
    return kept


def newest_backup_hint(database_path: Path) -> str:
    backups = list_backups(database_path)
    if not backups:
        return "No backup of it exists yet."
    return (
        f"The newest backup is {backups[0]}; restore it with: mlcards --db {database_path} restore {backups[0]} "
        "(the damaged file is kept aside)"
    )
