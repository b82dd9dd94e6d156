"""Deck files -> database rows keyed by (deck id, card id).

Unchanged files are recognised by their size and modification time and are not even read,
so a start with nothing edited costs one stat() per file and one query. Any problem in any
changed file means nothing at all is written.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mlcards.decks.files import listed_deck_files, read_deck_bytes
from mlcards.decks.problems import Problem
from mlcards.domain import CardSpec, DeckSpec
from mlcards.store.database import Database
from mlcards.store.identity import CarriedOver, apply_prompt_moves, carry_over, history_left_behind, match_prompts


@dataclass
class SyncReport:
    problems: list[Problem] = field(default_factory=list)
    files_read: int = 0
    decks_synced: int = 0
    cards_added: int = 0
    cards_updated: int = 0
    cards_removed: int = 0
    cards_restored: int = 0
    decks_removed: int = 0
    wrote: bool = False
    carried_over: list[CarriedOver] = field(default_factory=list)  # cards whose answers followed a new id
    replaced_shipped: list[str] = field(default_factory=list)  # shipped decks hidden by the user's copy
    # Located like problems, but nothing is refused: history set aside or left behind, and how to keep it.
    notices: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class _Fingerprint:
    mtime_ns: int
    size: int


class _DryRun(Exception):
    """Raised inside the write transaction of a dry run, so every change is rolled back."""


def sync(
    database: Database,
    roots: Iterable[Path],
    registered: Iterable[Path] = (),
    dry_run: bool = False,
    yielding_roots: Iterable[Path] = (),
) -> SyncReport:
    """Bring the database up to date with the deck files under `roots`; `registered` are the
    roots the user added (a missing one is reported as moved, not as an unreadable file).
    A deck in a file under `yielding_roots` (the shipped decks) gives way to a deck of the same id
    elsewhere: a user's fork of it replaces it, with the same card ids and so the same history.
    With `dry_run` the report says what would happen and nothing is written."""
    report = SyncReport()
    current: dict[str, _Fingerprint] = {}
    added_by_user = {Path(path) for path in registered}
    files, unlisted = listed_deck_files([Path(root) for root in roots], fix="make it readable, or remove it with mlcards remove")
    report.problems.extend(unlisted)
    for deck_path in files:
        try:
            stat = deck_path.stat()
        except FileNotFoundError:
            report.problems.append(_missing(deck_path, deck_path in added_by_user))
            continue
        except OSError as error:
            report.problems.append(
                Problem(deck_path, 1, 1, "file", f"cannot look at it ({error.strerror})", "check that it exists and is readable")
            )
            continue
        current[str(deck_path.resolve())] = _Fingerprint(stat.st_mtime_ns, stat.st_size)
    if report.problems:
        return report

    connection = database.connection
    stored = {
        path: (_Fingerprint(mtime_ns, size), digest)
        for path, mtime_ns, size, digest in connection.execute("SELECT path, mtime_ns, size, digest FROM deck_file").fetchall()
    }
    changed = [path for path, print_ in current.items() if path not in stored or stored[path][0] != print_]
    removed = [path for path in stored if path not in current]
    if not changed and not removed:
        return report

    from mlcards.decks.loader import parse_deck_bytes  # only now: YAML and the validator are not needed to start

    parsed: list[tuple[str, str, DeckSpec]] = []
    touched_only: list[tuple[str, str]] = []
    for path in changed:
        raw, unreadable = read_deck_bytes(Path(path))
        if raw is None:
            report.problems.extend(unreadable)
            continue
        digest = hashlib.sha1(raw).hexdigest()
        report.files_read += 1
        if path in stored and stored[path][1] == digest:
            touched_only.append((path, digest))
            continue
        deck, problems = parse_deck_bytes(raw, Path(path))
        report.problems.extend(problems)
        if deck is not None:
            parsed.append((path, digest, deck))
    reread = set(changed) | set(removed)
    parsed, forget = _give_way(connection, parsed, reread, [Path(root).resolve() for root in yielding_roots], report)
    _check_deck_ids_unique(connection, parsed, reread | forget, report)
    if report.problems:
        return report

    touched_only = [(path, digest) for path, digest in touched_only if path not in forget]
    try:
        _write(database, report, parsed, [*removed, *forget], touched_only, current, dry_run)
    except _DryRun:
        return report
    report.wrote = True
    return report


def _write(
    database: Database,
    report: SyncReport,
    parsed: list[tuple[str, str, DeckSpec]],
    removed: list[str],
    touched_only: list[tuple[str, str]],
    current: dict[str, _Fingerprint],
    dry_run: bool,
) -> None:
    with database.transaction() as writer:
        writer.executemany("DELETE FROM deck_file WHERE path = ?", [(path,) for path in removed])
        reread = set(removed) | {path for path, _, _ in parsed}
        kept_deck_ids = {deck.deck_id for _, _, deck in parsed}
        present_decks = writer.execute("SELECT id, file_path FROM deck WHERE present").fetchall()
        reread_deck_ids = kept_deck_ids | {deck_id for deck_id, file_path in present_decks if file_path in reread}
        decks = [deck for _, _, deck in parsed]
        report.carried_over = carry_over(writer, decks, reread_deck_ids)
        report.notices.extend(history_left_behind(writer, decks, reread_deck_ids))
        retired: list[str] = []
        for deck_id, file_path in present_decks:
            if file_path in reread and deck_id not in kept_deck_ids:
                _retire_deck(writer, deck_id, report)
                retired.append(deck_id)
        for path, digest, deck in parsed:
            _sync_deck(writer, deck, path, report)
            _save_fingerprint(writer, path, current[path], digest)
        for path, digest in touched_only:
            _save_fingerprint(writer, path, current[path], digest)
        touched = kept_deck_ids | set(retired)
        if touched:
            writer.execute(
                "UPDATE deck SET prompt_count = (SELECT count(*) FROM schedule s WHERE s.deck_id = deck.id AND s.active) "
                "WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(touched)),),
            )
        if dry_run:
            raise _DryRun


def _give_way(
    connection: sqlite3.Connection,
    parsed: list[tuple[str, str, DeckSpec]],
    reread: set[str],
    yielding_roots: list[Path],
    report: SyncReport,
) -> tuple[list[tuple[str, str, DeckSpec]], set[str]]:
    """Drop shipped decks that a user's deck of the same id replaces. Returns what is left to
    sync, and the shipped files whose fingerprint must be forgotten: they are read on every sync
    while replaced, so the shipped deck comes back the moment the user's copy goes."""

    def yields(path: str) -> bool:
        return any(Path(path).is_relative_to(root) for root in yielding_roots)

    if not yielding_roots:
        return parsed, set()
    owners = {
        deck_id: file_path
        for deck_id, file_path in connection.execute("SELECT id, file_path FROM deck WHERE present").fetchall()
        if file_path not in reread
    }
    sources: dict[str, list[str]] = {}
    for path, _, deck in parsed:
        sources.setdefault(deck.deck_id, []).append(path)
    kept: list[tuple[str, str, DeckSpec]] = []
    forget: set[str] = set()
    for path, digest, deck in parsed:
        others = [other for other in [*sources[deck.deck_id], owners.get(deck.deck_id)] if other and other != path]
        if yields(path) and any(not yields(other) for other in others):
            forget.add(path)
            report.replaced_shipped.append(deck.deck_id)
            continue
        owner = owners.get(deck.deck_id)
        if not yields(path) and owner is not None and yields(owner):
            forget.add(owner)  # the user's copy takes the deck over from the shipped file
            report.replaced_shipped.append(deck.deck_id)
        kept.append((path, digest, deck))
    return kept, forget


def _check_deck_ids_unique(
    connection: sqlite3.Connection, parsed: list[tuple[str, str, DeckSpec]], reread: set[str], report: SyncReport
) -> None:
    owners: dict[str, str] = {}
    for deck_id, file_path in connection.execute("SELECT id, file_path FROM deck WHERE present").fetchall():
        if file_path not in reread:
            owners[deck_id] = file_path
    for path, _, deck in parsed:
        owner = owners.get(deck.deck_id)
        if owner is not None and owner != path:
            report.problems.append(
                Problem(
                    deck.path,
                    deck.line,
                    1,
                    f"deck {deck.deck_id}",
                    f"deck id '{deck.deck_id}' is already used by {owner}",
                    "give this deck its own id (deck ids are unique across all files)",
                )
            )
        owners[deck.deck_id] = path


def _missing(path: Path, registered: bool) -> Problem:
    if registered:
        return Problem(
            path,
            1,
            1,
            "file",
            "this path, added with 'mlcards add', no longer exists (moved, renamed or deleted?)",
            f"if you moved it: mlcards remove '{path}' && mlcards add NEW-PATH — cards are matched by deck and card id, so their history is kept",
        )
    return Problem(path, 1, 1, "file", "no such file or folder", "check the path")


def _save_fingerprint(writer: sqlite3.Connection, path: str, stat: _Fingerprint, digest: str) -> None:
    writer.execute(
        "INSERT OR REPLACE INTO deck_file (path, mtime_ns, size, digest) VALUES (?, ?, ?, ?)",
        (path, stat.mtime_ns, stat.size, digest),
    )


def _retire_deck(writer: sqlite3.Connection, deck_id: str, report: SyncReport) -> None:
    writer.execute("UPDATE deck SET present = 0 WHERE id = ?", (deck_id,))
    report.cards_removed += writer.execute("UPDATE card SET present = 0 WHERE deck_id = ? AND present", (deck_id,)).rowcount
    writer.execute("UPDATE schedule SET active = 0 WHERE deck_id = ?", (deck_id,))
    report.decks_removed += 1


_CARD_COLUMNS = ("kind", "front", "back", "text", "extra", "source", "tags", "content_hash", "line", "position", "present")
_INSERT_CARD = (
    f"INSERT INTO card (deck_id, card_id, {', '.join(_CARD_COLUMNS)}) VALUES (?, ?, {', '.join('?' * len(_CARD_COLUMNS))})"
)
_UPDATE_CARD = f"UPDATE card SET {', '.join(f'{column} = ?' for column in _CARD_COLUMNS)} WHERE pk = ?"


def _card_values(card: CardSpec, content_hash: str) -> tuple[object, ...]:
    """In the order of _CARD_COLUMNS."""
    return (
        card.kind.value,
        card.front,
        card.back,
        card.text,
        card.extra,
        card.source,
        " ".join(card.tags),
        content_hash,
        card.line,
        card.position,
        True,
    )


def _sync_deck(writer: sqlite3.Connection, deck: DeckSpec, path: str, report: SyncReport) -> None:
    report.decks_synced += 1
    writer.execute(
        "INSERT INTO deck (id, name, description, file_path, present, prompt_count) VALUES (?, ?, ?, ?, 1, 0) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, "
        "file_path = excluded.file_path, present = 1",
        (deck.deck_id, deck.name, deck.description, path),
    )
    existing = {
        card_id: (pk, content_hash, line, position, bool(present), kind, text)
        for pk, card_id, content_hash, line, position, present, kind, text in writer.execute(
            "SELECT pk, card_id, content_hash, line, position, present, kind, text FROM card WHERE deck_id = ?", (deck.deck_id,)
        ).fetchall()
    }
    new_rows = []
    for card in deck.cards:
        content_hash = card.content_hash()
        row = existing.get(card.card_id)
        if row is None:
            new_rows.append((deck.deck_id, card.card_id, *_card_values(card, content_hash)))
            report.cards_added += 1
            continue
        pk, stored_hash, line, position, present, old_kind, old_text = row
        if not present:
            report.cards_restored += 1
        elif stored_hash != content_hash:
            report.cards_updated += 1
        if stored_hash != content_hash and (old_kind != card.kind.value or old_text != card.text):
            _match_prompts(writer, pk, old_kind, old_text, card, report)
        if (stored_hash, line, position, present) != (content_hash, card.line, card.position, True):
            writer.execute(_UPDATE_CARD, (*_card_values(card, content_hash), pk))
    writer.executemany(_INSERT_CARD, new_rows)

    wanted_ids = {card.card_id for card in deck.cards}
    gone = [(row[0],) for card_id, row in existing.items() if card_id not in wanted_ids and row[4]]
    writer.executemany("UPDATE card SET present = 0 WHERE pk = ?", gone)
    report.cards_removed += len(gone)
    _sync_schedules(writer, deck)


def _match_prompts(
    writer: sqlite3.Connection, card_pk: int, old_kind: str, old_text: str, card: CardSpec, report: SyncReport
) -> None:
    prompts = writer.execute("SELECT ordinal, last_log_id > 0 FROM schedule WHERE card_pk = ?", (card_pk,)).fetchall()
    answered = {ordinal for ordinal, has_answers in prompts if has_answers}
    moves = match_prompts(old_kind, old_text, card, [ordinal for ordinal, _ in prompts], answered)
    apply_prompt_moves(writer, card_pk, moves)
    set_aside_answered = [ordinal for ordinal in moves.set_aside if ordinal in answered]
    if set_aside_answered:
        what = f"changed from {old_kind} to {card.kind.value}" if old_kind != card.kind.value else "hides other text now"
        report.notices.append(
            Problem(
                card_path_of(writer, card.deck_id),
                card.line,
                1,
                card.card_id,
                f"the card {what}: the answers of its old prompt(s) {set_aside_answered} are kept aside, not given to the new question",
                "nothing to do if the question really changed; to keep the old progress, undo the change in the YAML",
            )
        )


def card_path_of(writer: sqlite3.Connection, deck_id: str) -> Path:
    row = writer.execute("SELECT file_path FROM deck WHERE id = ?", (deck_id,)).fetchone()
    return Path(row[0]) if row else Path(deck_id)


def _sync_schedules(writer: sqlite3.Connection, deck: DeckSpec) -> None:
    """One schedule per (card, ordinal); ordinals that vanish are deactivated, never deleted."""
    pks: dict[str, int] = dict(writer.execute("SELECT card_id, pk FROM card WHERE deck_id = ?", (deck.deck_id,)).fetchall())
    wanted = {(pks[card.card_id], ordinal) for card in deck.cards for ordinal in card.ordinals}
    have = {
        (card_pk, ordinal): (schedule_id, bool(active))
        for schedule_id, card_pk, ordinal, active in writer.execute(
            "SELECT id, card_pk, ordinal, active FROM schedule WHERE deck_id = ?", (deck.deck_id,)
        ).fetchall()
    }
    # Columns the SQLModel defaults would fill, spelled out: these inserts bypass the ORM.
    positions = {pks[card.card_id]: card.position for card in deck.cards}
    writer.executemany(
        "INSERT INTO schedule (card_pk, ordinal, deck_id, position, active, repetitions, interval, easiness, lapses, suspended) "
        "VALUES (?, ?, ?, ?, 1, 0, 0, 250, 0, 0)",
        [(pk, ordinal, deck.deck_id, positions[pk]) for pk, ordinal in sorted(wanted - have.keys())],
    )
    # Prompts keep their card's file position (for the queue's index): moved cards, and prompts
    # carried over from a renamed or moved card, take it here; prompts inserted above have it.
    had_prompts = {card_pk for card_pk, _ in have}
    writer.executemany(
        "UPDATE schedule SET position = ? WHERE card_pk = ? AND position != ?",
        [(position, pk, position) for pk, position in positions.items() if pk in had_prompts],
    )
    reactivate = [(schedule_id,) for key, (schedule_id, active) in have.items() if key in wanted and not active]
    deactivate = [(schedule_id,) for key, (schedule_id, active) in have.items() if key not in wanted and active]
    writer.executemany("UPDATE schedule SET active = 1 WHERE id = ?", reactivate)
    writer.executemany("UPDATE schedule SET active = 0 WHERE id = ?", deactivate)
