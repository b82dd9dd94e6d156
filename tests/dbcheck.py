"""Reading the database file directly with sqlite3, as an outside observer would."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any


def rows(db_path: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql, params)]
    finally:
        connection.close()


def schedule_of(db_path: Path, deck_id: str, card_id: str, ordinal: int = 1) -> dict[str, Any]:
    (row,) = rows(
        db_path,
        "SELECT s.* FROM schedule s JOIN card c ON c.pk = s.card_pk WHERE c.deck_id = ? AND c.card_id = ? AND s.ordinal = ?",
        deck_id,
        card_id,
        ordinal,
    )
    return row


def file_fingerprint(db_path: Path) -> str:
    """Digest of the database and its WAL: equal fingerprints mean nothing was written."""
    digest = hashlib.sha256()
    for path in (db_path, db_path.with_name(db_path.name + "-wal")):
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()
