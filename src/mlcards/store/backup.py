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

from mlcards.store.database import APPLICATION_ID, DatabaseError
from mlcards.store.inuse import InUse, hold_exclusive

BACKUP_SUFFIX = ".sqlite3"
DAILY = "daily"


def backup_dir(database_path: Path) -> Path:
    """backups/<database file name>/ beside the database: two databases never share backups."""
    return database_path.parent / "backups" / database_path.name


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
    with closing(sqlite3.connect(f"file:{database_path}?mode=ro", uri=True)) as connection:
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
    """A consistent single-file copy (rollback journal, so no -wal/-shm sidecars), or nothing."""
    target.unlink(missing_ok=True)
    source_uri = f"file:{source_path}{'?mode=ro' if read_only else ''}"
    try:
        with closing(sqlite3.connect(source_uri, uri=True)) as source, closing(sqlite3.connect(target)) as copy:
            source.execute("PRAGMA busy_timeout = 10000")
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def check_backup(backup: Path) -> None:
    if not backup.is_file():
        raise DatabaseError(f"{backup} does not exist; `mlcards restore` lists the backups")
    try:
        with closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as connection:
            if connection.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                raise DatabaseError(f"{backup} is not an mlcards database")
            if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise DatabaseError(f"{backup} is damaged; choose an older backup")
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
            kept = create_backup(database_path, now, "before-restore")
        except sqlite3.DatabaseError:  # too damaged to copy through SQLite: keep its bytes as they are
            kept = backup_dir(database_path) / f"{now.strftime('%Y-%m-%d-%H%M%S')}-damaged.bin"
            kept.parent.mkdir(parents=True, exist_ok=True)
            os.replace(database_path, kept)
    for sidecar in ("-wal", "-shm"):
        Path(f"{database_path}{sidecar}").unlink(missing_ok=True)
    partial = database_path.with_name(database_path.name + ".restoring")
    _copy(backup, partial, read_only=True)
    os.replace(partial, database_path)
    return kept


def newest_backup_hint(database_path: Path) -> str:
    backups = list_backups(database_path)
    if not backups:
        return "No backup of it exists yet."
    return f"The newest backup is {backups[0]}; restore it with: mlcards --db {database_path} restore {backups[0]}"
