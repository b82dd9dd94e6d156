"""The database file: connections, pragmas, schema creation and version checks.

Hot paths (sync, counts, answers) use one plain sqlite3 connection. The SQLAlchemy engine
behind the SQLModel sessions is built on first use, so a command that never needs the ORM
(`mlcards add`, `status`, the home screen) does not pay ~0.5 s to import it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlcards.store.migrations import SCHEMA_VERSION, upgrade

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

APPLICATION_ID = 0x4D4C4344  # "MLCD": tells an mlcards database from any other SQLite file
BUSY_TIMEOUT_MS = 10_000  # another mlcards process may hold the write lock for a sync or export
_SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseError(Exception):
    """The database file cannot be used as it is; the message says why and what to do."""


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._engine: Engine | None = None

    @property
    def connection(self) -> sqlite3.Connection:
        """The shared driver connection, in autocommit mode: each statement outside
        `transaction()` sees the latest committed data."""
        if self._connection is None:
            # Textual may call in from a worker thread; SQLite itself serialises the calls.
            self._connection = sqlite3.connect(self.path, check_same_thread=False)
            _configure_connection(self._connection, None)
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

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from sqlalchemy import event
            from sqlmodel import create_engine

            engine = create_engine(f"sqlite:///{self.path}")
            event.listen(engine, "connect", _configure_connection)
            event.listen(engine, "begin", _begin)
            self._engine = engine
        return self._engine

    def read(self) -> Session:
        from sqlmodel import Session

        return Session(self.engine)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """Like transaction(), as a SQLModel session."""
        from sqlmodel import Session

        with Session(self.engine.execution_options(mlcards_immediate=True)) as session, session.begin():
            yield session

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._engine is not None:
            self._engine.dispose()


def open_database(path: Path) -> Database:
    path = path.expanduser()
    _refuse_foreign_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    database = Database(path)
    try:
        _prepare_schema(database)
    except Exception as error:
        database.close()
        if isinstance(error, DatabaseError):
            raise
        raise DatabaseError(f"{path} cannot be opened as an mlcards database: {error}") from error
    return database


def _refuse_foreign_file(path: Path) -> None:
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder; --db takes a database file, e.g. {path / 'mlcards.sqlite3'}")
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(_SQLITE_HEADER))
    if header != _SQLITE_HEADER:
        raise DatabaseError(f"{path} is not a SQLite database (it may be corrupt, or another program's file)")


def _configure_connection(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Transactions are begun explicitly (here and by the engine's "begin" event), never implicitly.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # FULL: every committed answer is on disk before the next card shows, even on power loss.
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get("mlcards_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


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
    """The tables as the SQLModel models declare them: the one place the ORM is needed to
    start, and only for a brand-new file."""
    from sqlalchemy.schema import CreateIndex, CreateTable
    from sqlmodel import SQLModel

    from mlcards.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)

    dialect = database.engine.dialect
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
    with database.transaction() as connection:
        upgrade(connection, version)
