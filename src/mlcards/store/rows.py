"""Query results read by column name: a record is built from row["column"], never from a position."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

Parameters = Sequence[Any] | Mapping[str, Any]


def named(connection: sqlite3.Connection, sql: str, parameters: Parameters = ()) -> list[sqlite3.Row]:
    cursor = connection.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(sql, parameters).fetchall()


def named_one(connection: sqlite3.Connection, sql: str, parameters: Parameters = ()) -> sqlite3.Row | None:
    cursor = connection.cursor()
    cursor.row_factory = sqlite3.Row
    row: sqlite3.Row | None = cursor.execute(sql, parameters).fetchone()
    return row
