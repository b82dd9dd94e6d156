"""The deck and tag filters shared by review and export, as SQL over `card c` and `deck d`."""

from __future__ import annotations

import json
import sqlite3

from mlcards.domain import deck_selected


def selected_deck_ids(connection: sqlite3.Connection, wanted: str) -> list[str]:
    """Present decks named `wanted` (with their subdecks) or with that id."""
    present = connection.execute("SELECT id, name FROM deck WHERE present").fetchall()
    return [deck_id for deck_id, name in present if deck_selected(wanted, deck_id, name)]


def filter_clauses(deck_ids: list[str] | None, tags: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """' AND ...' clauses and their named parameters: cards in one of `deck_ids` (None: any
    deck) carrying every tag in `tags`."""
    clauses: list[str] = []
    parameters: dict[str, str] = {}
    if deck_ids is not None:
        clauses.append("d.id IN (SELECT value FROM json_each(:deck_ids))")
        parameters["deck_ids"] = json.dumps(deck_ids)
    for index, tag in enumerate(tags):
        # instr, not LIKE: a tag may hold '_' or '%', which LIKE would read as wildcards.
        clauses.append(f"instr(' ' || c.tags || ' ', :tag{index}) > 0")
        parameters[f"tag{index}"] = f" {tag} "
    return "".join(f" AND {clause}" for clause in clauses), parameters


def tag_in_use(connection: sqlite3.Connection, tag: str) -> bool:
    """Whether any present card carries this tag, matched as review and export match it."""
    filters, parameters = filter_clauses(None, (tag,))
    return connection.execute(f"SELECT 1 FROM card c WHERE c.present{filters} LIMIT 1", parameters).fetchone() is not None
