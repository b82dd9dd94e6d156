"""mlcards' own Anki collection: the copy Anki's sync protocol talks to.

It lives in a folder beside the database (`<database>.anki-sync/`), readable only by its owner,
next to the host key. Only one sync may use it at a time: Anki's backend holds the collection
open exclusively, so a second mlcards is told to wait rather than meeting a locked file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from mlcards.ankisync.faults import INSTALL_HINT, AnkiMissing, SyncFailed

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; Anki's own lock on the collection then refuses a second sync
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from anki.collection import Collection as AnkiCollection
    from anki.dbproxy import DBProxy, Row

FOLDER_SUFFIX = ".anki-sync"
COLLECTION_NAME = "collection.anki2"
LOCK_NAME = ".sync-lock"


def endpoint_folder(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + FOLDER_SUFFIX)


def require_anki() -> None:
    """Import Anki's backend, or say how to install it."""
    try:
        import anki.collection  # noqa: F401
    except ImportError as error:
        raise AnkiMissing(INSTALL_HINT) from error


@dataclass
class Endpoint:
    folder: Path
    collection: AnkiCollection
    created: bool  # made by this sync: nothing in it yet, not even the server's copy
    _lock: BinaryIO

    @property
    def path(self) -> Path:
        return self.folder / COLLECTION_NAME

    def is_empty(self) -> bool:
        return self.collection.card_count() == 0

    def start_days_at(self, hour: int) -> None:
        """Anki starts its days at the rollover hour; matching mlcards' study day keeps due dates on the
        same days. Set only before a full upload: a changed setting alone would ask for a full sync."""
        self.collection.set_config("rollover", hour)

    def close(self) -> None:
        try:
            if self.collection.db is not None:
                self.collection.close()
        finally:
            self._lock.close()


def open_endpoint(folder: Path) -> Endpoint:
    """Open (or create) the collection, holding the folder's sync lock until `close()`."""
    require_anki()
    from anki.collection import Collection as AnkiCollection

    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = (folder / LOCK_NAME).open("ab")
    except OSError as error:
        raise SyncFailed(
            f"cannot create mlcards' Anki copy in {folder} ({error.strerror or error}); check the permissions there"
        ) from error
    if fcntl is not None:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            lock.close()
            raise SyncFailed("another mlcards is syncing with Anki right now; wait for it to finish, then try again") from error
    path = folder / COLLECTION_NAME
    created = not path.exists()
    try:
        collection = AnkiCollection(str(path))
    except Exception as error:  # Anki's backend raises its own classes for a damaged or foreign file
        lock.close()
        raise SyncFailed(
            f"mlcards' Anki copy {path} cannot be opened ({error}). It holds nothing mlcards lacks: "
            f"delete the folder {folder} and run mlcards sync again to fetch it anew from the server."
        ) from error
    os.chmod(folder, 0o700)
    return Endpoint(folder, collection, created, lock)


def open_db(collection: AnkiCollection) -> DBProxy:
    """The collection's database; it is closed only for a moment during a full sync."""
    if collection.db is None:
        raise SyncFailed("mlcards' Anki copy was closed in the middle of a sync; run mlcards sync again")
    return collection.db


def copy_usn(collection: AnkiCollection) -> int:
    """The copy's update sequence number: what the server sends from now on carries this one or a higher."""
    return int(open_db(collection).scalar("SELECT usn FROM col"))  # type: ignore[arg-type]


def copy_mark(collection: AnkiCollection) -> str:
    """The copy's state as a sync leaves it (its usn and last-sync time): a copy replaced, deleted
    or restored since has another."""
    usn, last_sync = open_db(collection).first("SELECT usn, ls FROM col")  # type: ignore[arg-type, misc]
    return f"{usn}/{last_sync}"


def rows_of(collection: AnkiCollection, sql: str, *arguments: object) -> list[Row]:
    return open_db(collection).all(sql, *arguments)  # type: ignore[arg-type]
