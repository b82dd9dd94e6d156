"""Anki packages (.apkg) with genanki: fixed note types, stable ids, rendered fields.

Identity never depends on text: note types have fixed ids, a deck's Anki id and a note's GUID
are hashes of our deck id and (deck id, card id). Re-importing an edited export therefore
updates notes in place, and two decks holding the same text never collide.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import html
import itertools
import json
import os
import shutil
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import genanki

from mlcards.export.html_cache import cache_path_for, render_fields
from mlcards.export.progress import ScheduledCard, package_calendar, write_progress
from mlcards.render.html import code_stylesheet
from mlcards.scheduling.days import study_day
from mlcards.scheduling.rule import DEFAULT_RULE, RuleSettings
from mlcards.scratch import remove_orphans, writing
from mlcards.store.database import Database
from mlcards.store.selection import ExportError, NoteRow, select_notes

BASIC_MODEL_ID = 1_607_392_319
CLOZE_MODEL_ID = 1_607_392_320
_ID_NAMESPACE = "mlcards"
_DECK_ID_FLOOR = 1 << 40  # above the small ids Anki uses itself (1 is "Default")
_DECK_ID_SPAN = 1 << 50  # below 2**53, so a deck id survives JavaScript numbers in Anki's UI

_CARD_CSS = """\
.card { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; font-size: 20px;
        line-height: 1.5; text-align: left; max-width: 46em; margin: 0 auto; }
.card p { margin: 0.4em 0; }
.card table { border-collapse: collapse; margin: 0.5em 0; }
.card th, .card td { border: 1px solid rgba(127, 127, 127, 0.45); padding: 0.2em 0.5em; }
.card code { font-family: "JetBrains Mono", Menlo, Consolas, monospace; font-size: 0.85em;
             background: rgba(127, 127, 127, 0.15); border-radius: 3px; padding: 0 0.2em; }
.card pre.mlcards-code { padding: 0.6em 0.8em; border-radius: 6px; overflow-x: auto; line-height: 1.35; }
.card pre.mlcards-code code { background: none; padding: 0; font-size: 0.8em; }
.cloze { font-weight: bold; color: #1a64d6; }
.nightMode .cloze, .night_mode .cloze { color: #7ab4ff; }
.extra { margin-top: 0.8em; padding-top: 0.4em; border-top: 1px dashed rgba(127, 127, 127, 0.5); font-size: 0.9em; }
.source { margin-top: 0.8em; font-size: 0.75em; opacity: 0.75; }
.ref { margin-top: 0.2em; font-size: 0.6em; opacity: 0.5; }
"""
_ANSWER_FOOTER = (
    '{{#Extra}}<div class="extra">{{Extra}}</div>{{/Extra}}'
    '{{#Source}}<div class="source">Source: {{Source}}</div>{{/Source}}'
    '<div class="ref">{{Ref}}</div>'
)

BASIC_MODEL = genanki.Model(
    BASIC_MODEL_ID,
    "mlcards Basic",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Extra"}, {"name": "Source"}, {"name": "Ref"}],
    templates=[
        {
            "name": "Card 1",
            "qfmt": '<div class="front">{{Front}}</div>',
            "afmt": '{{FrontSide}}<hr id="answer"><div class="back">{{Back}}</div>' + _ANSWER_FOOTER,
        }
    ],
    css=_CARD_CSS + code_stylesheet(),
)
CLOZE_MODEL = genanki.Model(
    CLOZE_MODEL_ID,
    "mlcards Cloze",
    fields=[{"name": "Text"}, {"name": "Extra"}, {"name": "Source"}, {"name": "Ref"}],
    templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}" + _ANSWER_FOOTER}],
    css=_CARD_CSS + code_stylesheet(),
    model_type=genanki.Model.CLOZE,
)


@dataclass(frozen=True, slots=True)
class ExportReport:
    path: Path
    decks: int
    notes: int
    cards: int
    reviews: int  # review-log rows carried (0 without progress)


@lru_cache(maxsize=4096)
def anki_deck_id(deck_id: str) -> int:
    """Our deck id as Anki's: the same on every export and machine."""
    digest = hashlib.sha256(f"{_ID_NAMESPACE}:deck:{deck_id}".encode()).digest()
    return _DECK_ID_FLOOR + int.from_bytes(digest[:8], "big") % _DECK_ID_SPAN


@lru_cache(maxsize=1 << 16)  # a sync asks for the same notes' GUIDs in several steps
def note_guid(deck_id: str, card_id: str) -> str:
    """A note's GUID from its identity alone ("/" cannot occur in ids, so pairs never alias)."""
    digest = hashlib.sha256(f"{_ID_NAMESPACE}:note:{deck_id}/{card_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()  # 96 bits, 16 characters


WORKDIR_PREFIX = "mlcards-export-"
IN_USE = ".in-use"  # held under an flock while an export works in its scratch folder


def export_anki_package(
    database: Database,
    out_path: Path,
    now: datetime,
    *,
    deck: str | None = None,
    tags: tuple[str, ...] = (),
    with_progress: bool = False,
    day_start_hour: int = 4,
    rule: RuleSettings = DEFAULT_RULE,
    use_cache: bool = True,
) -> ExportReport:
    """Write the selected notes to `out_path` (replaced whole, or left untouched on failure);
    `rule`: the active scheduler, whose learning steps a card's progress carries."""
    remove_export_leftovers(out_path)
    with cycle_collector_paused():
        return _export(database, out_path, now, deck, tags, with_progress, day_start_hour, rule, use_cache)


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """An export builds some 10^5 objects that live until it ends and form no cycles; full
    collections scanning them again and again took a fifth of a cached export's time."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _export(
    database: Database,
    out_path: Path,
    now: datetime,
    deck: str | None,
    tags: tuple[str, ...],
    with_progress: bool,
    day_start_hour: int,
    rule: RuleSettings,
    use_cache: bool,
) -> ExportReport:
    out_path = _checked_output(out_path)
    content = package_content(database, deck=deck, tags=tags, with_progress=with_progress, use_cache=use_cache)
    return write_package(content, out_path, now, with_progress=with_progress, day_start_hour=day_start_hour, rule=rule)


class PackageNote(NamedTuple):  # one per note: a NamedTuple builds far faster than a frozen dataclass
    guid: str
    model_id: int
    deck_id: int
    fields: list[str]
    tags: tuple[str, ...]
    ords: tuple[int, ...]  # Anki card ordinals: ours minus one, from the active schedules
    card_pk: int  # the stored card it is made from (a sync remembers what it sent for it)


@dataclass(frozen=True, slots=True)
class PackageContent:
    """What a package holds, rendered: its decks, its notes, and each prompt's state. `mlcards sync`
    sends the same notes to its Anki copy, so export and sync share GUIDs, note types and rendering."""

    decks: list[genanki.Deck]
    notes: list[PackageNote]
    scheduled: list[ScheduledCard]  # with their review-log rows only when asked for progress


def package_content(
    database: Database,
    *,
    deck: str | None = None,
    tags: tuple[str, ...] = (),
    with_progress: bool = False,
    use_cache: bool = True,
    card_pks: Collection[int] | None = None,
    deck_names: Mapping[str, str] | None = None,
) -> PackageContent:
    """The selected notes (or the notes of `card_pks`), rendered; raises ExportError when none match.
    `deck_names`: each deck's name in Anki, worked out over every deck (see anki_deck_name) when the
    notes are only some of them, as a sync's changed cards are."""
    notes = select_notes(database, deck, tags, with_reviews=with_progress, card_pks=card_pks)
    guids = [note_guid(note.deck_id, note.card_id) for note in notes]
    rows = _note_rows(notes, guids, cache_path_for(database.path) if use_cache else None)
    scheduled = [
        ScheduledCard(guid, schedule.ordinal - 1, schedule)
        for note, guid in zip(notes, guids, strict=True)
        for schedule in note.schedules
    ]
    return PackageContent(_build_decks(notes, deck_names), rows, scheduled)


def write_package(
    content: PackageContent,
    out_path: Path,
    now: datetime,
    *,
    with_progress: bool = False,
    day_start_hour: int = 4,
    rule: RuleSettings = DEFAULT_RULE,
) -> ExportReport:
    """Write `content` to `out_path` (replaced whole, or left untouched on failure)."""
    aware_now = now.astimezone()
    scheduled = content.scheduled if with_progress else None
    reviews = _write_package(out_path, content.decks, content.notes, aware_now, scheduled, day_start_hour, rule)
    return ExportReport(out_path, len(content.decks), len(content.notes), len(content.scheduled), reviews)


def _checked_output(out_path: Path) -> Path:
    out_path = out_path.expanduser()
    if out_path.suffix.lower() != ".apkg":
        raise ExportError(f"{out_path} must end in .apkg: Anki imports packages by that extension")
    if out_path.is_dir():
        raise ExportError(f"{out_path} is a folder; name the package file, e.g. {out_path / 'mlcards.apkg'}")
    if not out_path.parent.is_dir():
        raise ExportError(f"{out_path.parent} does not exist; create the folder or choose another path")
    return out_path


def anki_deck_name(deck_id: str, name: str, names_taken: set[str]) -> str:
    """The deck's name in Anki, which merges decks by name: a second deck with the same name keeps
    its own, named with its id. Adds the name to `names_taken`."""
    chosen = name if name not in names_taken else f"{name} ({deck_id})"
    names_taken.add(chosen)
    return chosen


def anki_deck_names(decks: Iterable[tuple[str, str]]) -> dict[str, str]:
    """(deck id, name) pairs, in export order (a deck may come again), as each deck's name in Anki."""
    names_taken: set[str] = set()
    return {deck_id: anki_deck_name(deck_id, name, names_taken) for deck_id, name in dict(decks).items()}


def _build_decks(notes: list[NoteRow], deck_names: Mapping[str, str] | None) -> list[genanki.Deck]:
    decks: dict[str, genanki.Deck] = {}
    names = anki_deck_names((note.deck_id, note.deck_name) for note in notes) if deck_names is None else deck_names
    for note in notes:
        if note.deck_id in decks:
            continue
        name = names.get(note.deck_id, note.deck_name)
        # Anki shows a deck description as HTML: escaped like every field, so '<b>' reads as written.
        decks[note.deck_id] = genanki.Deck(anki_deck_id(note.deck_id), name, html.escape(note.deck_description, quote=False))
    first = next(iter(decks.values()))
    first.add_model(BASIC_MODEL)  # the package holds note types once, whichever deck brings them
    first.add_model(CLOZE_MODEL)
    return list(decks.values())


def _note_rows(notes: list[NoteRow], guids: list[str], cache_path: Path | None) -> list[PackageNote]:
    jobs = [_render_jobs(note) for note in notes]
    html = iter(render_fields([job for note_jobs in jobs for job in note_jobs], cache_path))
    rows = []
    for note, guid, note_jobs in zip(notes, guids, jobs, strict=True):
        fields = [next(html) for _ in note_jobs] + [f"{note.deck_id}/{note.card_id}"]
        model_id = CLOZE_MODEL_ID if note.kind == "cloze" else BASIC_MODEL_ID
        ords = tuple(schedule.ordinal - 1 for schedule in note.schedules)
        rows.append(PackageNote(guid, model_id, anki_deck_id(note.deck_id), fields, note.tags, ords, note.card_pk))
    return rows


def _render_jobs(note: NoteRow) -> list[tuple[str, str]]:
    """(renderer, text) for each rendered field, in the note type's field order."""
    shared = [("markdown", note.extra), ("inline", note.source)]
    if note.kind == "cloze":
        return [("cloze", note.text), *shared]
    return [("markdown", note.front), ("markdown", note.back), *shared]


def _write_package(
    out_path: Path,
    decks: list[genanki.Deck],
    notes: list[PackageNote],
    now: datetime,
    scheduled: list[ScheduledCard] | None,
    day_start_hour: int,
    rule: RuleSettings,
) -> int:
    reviews = 0
    with tempfile.TemporaryDirectory(prefix=WORKDIR_PREFIX) as workdir, writing(Path(workdir) / IN_USE):
        collection_path = Path(workdir) / "collection.anki2"
        connection = sqlite3.connect(collection_path)
        try:
            connection.execute("PRAGMA journal_mode = OFF")  # a scratch file: nothing to recover
            connection.execute("PRAGMA synchronous = OFF")
            timestamp = now.timestamp()
            ids = itertools.count(int(timestamp * 1000))
            # genanki lays out the collection and note types; decks, notes and cards go in as bulk
            # writes into its schema, since it rewrites the deck list per deck and inserts row by row.
            genanki.Package(decks[:1]).write_to_db(connection.cursor(), timestamp, ids)
            _add_decks(connection, decks[1:])
            card_ids = _insert_notes(connection, notes, int(timestamp), ids)
            if scheduled is not None:
                dues = [card.schedule.due for card in scheduled if card.schedule.due is not None]
                today = study_day(now, day_start_hour)
                calendar = package_calendar(today, dues, day_start_hour, now.utcoffset() or timedelta(0))
                reviews = write_progress(connection, scheduled, calendar, card_ids, today, rule)
            connection.commit()
        finally:
            connection.close()
        _zip_atomically(collection_path, out_path)
    return reviews


def _add_decks(connection: sqlite3.Connection, decks: list[genanki.Deck]) -> None:
    (decks_json,) = connection.execute("SELECT decks FROM col").fetchone()
    table = json.loads(decks_json)
    table.update({str(deck.deck_id): deck.to_json() for deck in decks})
    connection.execute("UPDATE col SET decks = ?", (json.dumps(table),))


def _insert_notes(
    connection: sqlite3.Connection, notes: list[PackageNote], modified: int, ids: Iterator[int]
) -> dict[tuple[str, int], int]:
    """Rows as genanki writes them; a note's `due` is its position, so new cards keep file order.
    Returns each card's id by (note GUID, ord)."""
    note_rows = []
    card_rows = []
    card_ids: dict[tuple[str, int], int] = {}
    for position, note in enumerate(notes):
        note_id = next(ids)
        tags = f" {' '.join(note.tags)} " if note.tags else ""
        note_rows.append(
            (note_id, note.guid, note.model_id, modified, -1, tags, "\x1f".join(note.fields), note.fields[0], 0, 0, "")
        )
        for ord_ in note.ords:
            card_id = card_ids[note.guid, ord_] = next(ids)
            card_rows.append((card_id, note_id, note.deck_id, ord_, modified, -1, 0, 0, position, 0, 0, 0, 0, 0, 0, 0, 0, ""))
    # Indexes built once after the rows are in cost less than keeping them up to date row by row.
    indexes = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('notes', 'cards') AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        connection.execute(f"DROP INDEX {name}")
    connection.executemany("INSERT INTO notes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", note_rows)
    connection.executemany("INSERT INTO cards VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", card_rows)
    for _, sql in indexes:
        connection.execute(sql)
    return card_ids


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def remove_export_leftovers(out_path: Path) -> list[Path]:
    """Delete what a killed export left: half-written packages next to `out_path` and scratch
    folders in the temporary directory, each only if no live export holds it."""
    removed = remove_orphans(out_path.parent.glob(f".{out_path.name}.*.partial"))
    for workdir in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        marker = workdir / IN_USE
        if not workdir.is_dir():
            continue
        unmarked_and_old = not marker.exists() and time.time() - workdir.stat().st_mtime > 600  # a kill before the marker
        if unmarked_and_old or remove_orphans([marker]):
            shutil.rmtree(workdir, ignore_errors=True)
            removed.append(workdir)
    return removed


def _zip_atomically(collection_path: Path, out_path: Path) -> None:
    handle, partial_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".partial", dir=out_path.parent)
    os.close(handle)
    partial = Path(partial_name)
    try:
        with writing(partial):  # held until the package is in place: no cleanup can take it
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
                archive.write(collection_path, "collection.anki2")
                archive.writestr("media", "{}")
            partial.chmod(0o666 & ~_current_umask())  # mkstemp makes 0600; a package is an ordinary file
            os.replace(partial, out_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
