"""The user's own deck files and folders, remembered between runs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from mlcards.store.database import Database
from mlcards.store.values import timestamp


def registered_paths(database: Database) -> list[Path]:
    rows = database.connection.execute("SELECT path FROM registered_path ORDER BY added_at").fetchall()
    return [Path(path) for (path,) in rows]


def register_paths(database: Database, paths: list[Path], now: datetime) -> None:
    with database.transaction() as writer:
        writer.executemany(
            "INSERT INTO registered_path (path, added_at) VALUES (?, ?) ON CONFLICT (path) DO NOTHING",
            [(str(path), timestamp(now)) for path in paths],
        )


def unregister_paths(database: Database, paths: list[Path]) -> int:
    with database.transaction() as writer:
        return sum(writer.execute("DELETE FROM registered_path WHERE path = ?", (str(path),)).rowcount for path in paths)
