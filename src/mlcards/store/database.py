"""The database file: connections, pragmas, schema creation and version checks.

The tables are declared once, as SQLModel models (store/models.py), and created from them.
Reads and writes go through one plain sqlite3 connection in SQL: every query here is a
hand-tuned, index-aware statement, and importing SQLAlchemy alone (~0.5 s) cost more than a
whole `mlcards status`. SQLModel is imported only to create a new file's tables.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from mlcards.store.errors import DatabaseDamaged, DatabaseError, explain
from mlcards.store.inuse import hold_shared
from mlcards.store.migrations import SCHEMA_VERSION, upgrade

__all__ = ["APPLICATION_ID", "Database", "DatabaseError", "open_database"]

APPLICATION_ID = 0x4D4C4344  # "MLCD": tells an mlcards database from any other SQLite file
BUSY_TIMEOUT_MS = 10_000  # another mlcards process may hold the write lock for a sync or export
_SQLITE_HEADER = b"SQLite format 3\x00"


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._hold = hold_shared(path)  # so `restore` cannot replace the file while it is open here

    @property
    def connection(self) -> sqlite3.Connection:
        """The shared driver connection, in autocommit mode: each statement outside
        `transaction()` sees the latest committed data."""
        if self._connection is None:
            self._connection = sqlite3.connect(self.path)
            _configure_connection(self._connection)
        return self._connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction on the driver connection: takes the write lock up front
        (so it never deadlocks on upgrade), commits on success, rolls back on any error."""
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several queries see one consistent state of the file."""
        connection = self.connection
        connection.execute("BEGIN")
        try:
            yield connection
        finally:
            connection.execute("COMMIT")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._hold is not None:
            self._hold.close()
            self._hold = None


def open_database(path: Path) -> Database:
    path = path.expanduser()
    _make_folder(path.parent)
    _refuse_foreign_file(path)
    try:
        database = Database(path)
    except OSError as error:
        raise DatabaseError(f"{path} cannot be opened ({error.strerror or error}); {_FIX_LOCATION}") from error
    try:
        _prepare_schema(database)
    except sqlite3.Error as error:
        database.close()
        raise explain(error, path, "opening") from error
    except BaseException:
        database.close()
        raise
    return database


def _make_folder(folder: Path) -> None:
    """The database's folder, or an error naming the part of the path that is in the way."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as error:
        blocking = next((part for part in (folder, *folder.parents) if part.exists() and not part.is_dir()), folder)
        raise DatabaseError(
            f"cannot create the folder {folder} for the database: {blocking} is a file, not a folder. "
            "Move that file, or choose another location with --db (or MLCARDS_DB, or XDG_DATA_HOME)."
        ) from error
    except OSError as error:
        raise DatabaseError(
            f"cannot create the folder {folder} for the database ({error.strerror or error}); {_FIX_LOCATION}"
        ) from error


_FIX_LOCATION = "check the permissions there, or choose another location with --db (or MLCARDS_DB)"


def _refuse_foreign_file(path: Path) -> None:
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder; --db takes a database file, e.g. {path / 'mlcards.sqlite3'}")
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as error:
        raise DatabaseError(f"{path} cannot be read ({error.strerror or error}); {_FIX_LOCATION}") from error
    if header != _SQLITE_HEADER:
        raise DatabaseDamaged(f"{path} is not a SQLite database: it is damaged, or another program's file")


def _configure_connection(connection: sqlite3.Connection) -> None:
    # Transactions are begun explicitly (transaction(), snapshot()), never implicitly by the driver.
    connection.isolation_level = None
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # FULL: every committed answer is on disk before the next card shows, even on power loss.
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")


def _prepare_schema(database: Database) -> None:
    connection = database.connection
    (application_id,) = connection.execute("PRAGMA application_id").fetchone()
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    (tables,) = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    if tables and application_id != APPLICATION_ID:
        raise DatabaseError(f"{database.path} is a SQLite database, but not an mlcards one; choose another file with --db")
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{database.path} was written by a newer mlcards (schema {version}, this one knows {SCHEMA_VERSION}); upgrade mlcards"
        )
    # WAL is a property of the file: set only once the file is known to be ours, never on a
    # foreign or newer database that is about to be refused. Outside any transaction, as required.
    connection.execute("PRAGMA journal_mode = WAL")
    if version == SCHEMA_VERSION:
        return
    if version > 0:
        _upgrade(database, version)
        return
    _create_schema(database)


def _create_schema(database: Database) -> None:
    """The tables and indexes exactly as the SQLModel models declare them."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable
    from sqlmodel import SQLModel

    from mlcards.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)

    dialect = sqlite.dialect()
    with database.transaction() as connection:
        for table in SQLModel.metadata.sorted_tables:
            connection.execute(str(CreateTable(table).compile(dialect=dialect)))
            for index in table.indexes:
                connection.execute(str(CreateIndex(index).compile(dialect=dialect)))
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


def _upgrade(database: Database, version: int) -> None:
    from mlcards.store.backup import create_backup  # backup imports this module

    create_backup(database.path, datetime.now().astimezone(), f"before-schema-{SCHEMA_VERSION}")
    from mlcards.store.history import rebuild

    with database.transaction() as connection:
        upgrade(connection, version)
        # The schedule is a cache of the log: make sure it is exactly the replay. Under SM-2, the
        # rule every database before schema 5 used; a Collection configured otherwise replays again.
        rebuild(connection)
