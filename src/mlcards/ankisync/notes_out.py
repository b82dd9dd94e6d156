"""Cards and decks out: the package `mlcards export` writes, imported into mlcards' Anki copy.

One code path for both: the same GUIDs, note types and rendering, so a note a learner imported
from an .apkg before is the same note here and is updated, never duplicated. The YAML is the
source of card text: a note whose text differs from the YAML's gets the YAML's, and one whose text
was edited in Anki since the last sync is named first.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from mlcards.ankisync.endpoint import open_db, rows_of
from mlcards.export.anki import (
    BASIC_MODEL,
    BASIC_MODEL_ID,
    CLOZE_MODEL,
    CLOZE_MODEL_ID,
    PackageContent,
    PackageNote,
    write_package,
)
from mlcards.export.html_cache import renderer_fingerprint
from mlcards.store.synced import SentNote

if TYPE_CHECKING:
    from anki.collection import Collection as AnkiCollection

FIELD_SEPARATOR = "\x1f"  # how Anki joins a note's fields in its notes table


@dataclass(frozen=True, slots=True)
class NotesSent:
    added: int
    updated: int
    moved: int  # notes whose card moved to another deck or id in the YAML: new GUID, cards in the new deck
    retyped: int  # notes of cards turned from basic into cloze or back: replaced by a note of the other type
    sent: list[SentNote]  # the notes of the content as the Anki copy now holds them
    deletions_removed: int = 0  # Anki cards of cloze deletions gone from the YAML, removed

    @property
    def rendered(self) -> int:
        return len(self.sent)


def fingerprint(fields: str, tags: str) -> str:
    return hashlib.sha256(f"{fields}\x1e{tags}".encode()).hexdigest()


@cache
def notes_version() -> str:
    """The note renderer and note types: a note sent by another version is rendered and compared again."""
    digest = hashlib.sha1(renderer_fingerprint())
    for model in (BASIC_MODEL, CLOZE_MODEL):
        digest.update(repr((model.css, [(template["qfmt"], template["afmt"]) for template in model.templates])).encode())
    return digest.hexdigest()[:16]


class HeldNote(NamedTuple):
    id: int
    model_id: int
    fields: str  # joined as Anki stores them
    tags: str


_CHUNK = 500  # GUIDs per query, well under SQLite's bound-parameter limit


def held_notes(collection: AnkiCollection, guids: Collection[str] | None = None) -> dict[str, HeldNote]:
    """Notes of the collection by GUID: every one, or those of `guids`."""
    sql = "SELECT guid, id, mid, flds, tags FROM notes"
    if guids is None or len(guids) > _CHUNK:  # GUIDs are not indexed: each chunk would scan every note
        every = {guid: HeldNote(*rest) for guid, *rest in rows_of(collection, sql)}
        return every if guids is None else {guid: every[guid] for guid in guids if guid in every}
    wanted = sorted(guids)
    found: dict[str, HeldNote] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update((guid, HeldNote(*rest)) for guid, *rest in rows_of(collection, f"{sql} WHERE guid IN ({marks})", *chunk))
    return found


def edited_in_anki(
    collection: AnkiCollection, sent: Callable[[Collection[str] | None], dict[str, str]], since_usn: int | None
) -> set[str]:
    """GUIDs of notes whose text changed in Anki since mlcards last sent it: among the notes the
    server sent since `since_usn` (every note when None). `sent` gives the fingerprints last sent."""
    if since_usn is None:
        notes = held_notes(collection)
        fingerprints = sent(None)
    else:
        notes = {
            guid: HeldNote(*rest)
            for guid, *rest in rows_of(collection, "SELECT guid, id, mid, flds, tags FROM notes WHERE usn >= ?", since_usn)
        }
        fingerprints = sent(notes.keys())
    return {
        guid for guid, note in notes.items() if guid in fingerprints and fingerprint(note.fields, note.tags) != fingerprints[guid]
    }


def our_note_count(collection: AnkiCollection) -> int:
    """Notes of mlcards' note types in the collection."""
    return int(open_db(collection).scalar("SELECT count(*) FROM notes WHERE mid IN (?, ?)", BASIC_MODEL_ID, CLOZE_MODEL_ID))  # type: ignore[arg-type]


def all_guids(collection: AnkiCollection) -> set[str]:
    return set(open_db(collection).list("SELECT guid FROM notes"))


def send_notes(
    collection: AnkiCollection, content: PackageContent, folder: Path, now: datetime, sent_guids: dict[int, str]
) -> NotesSent:
    """The notes of `content` into the collection: new notes, decks and note types through the
    export's package, changed text of existing notes through Anki's note API. `sent_guids` gives
    the GUID a card's note was last sent under, where it differs from its GUID now (the card moved
    to another deck or was renamed): that note takes the new GUID and its cards the new deck, so
    the card keeps its history in Anki as it does in mlcards."""
    wanted_guids = {note.guid for note in content.notes}
    held = held_notes(collection, wanted_guids | set(sent_guids.values()))
    moved = _move_notes(collection, content, sent_guids, held)
    retyped = _remove_retyped_notes(collection, content.notes, held)
    if moved or retyped:
        held = held_notes(collection, wanted_guids)
    added = 0
    if any(note.guid not in held for note in content.notes) or not _note_types_current(collection):
        added = _import_package(collection, content, folder, now)
        held = held_notes(collection, wanted_guids)
    updated = _update_changed_notes(collection, content.notes, held)
    deletions_removed = 0
    if updated:
        held = held_notes(collection, wanted_guids)
        deletions_removed = _remove_cards_of_removed_deletions(collection, content, held)
    sent = [
        SentNote(note.guid, fingerprint(found.fields, found.tags), note.card_pk, "")
        for note in content.notes
        if (found := held.get(note.guid)) is not None
    ]
    return NotesSent(added - retyped, updated, moved, retyped, sent, deletions_removed)


def _move_notes(
    collection: AnkiCollection, content: PackageContent, sent_guids: dict[int, str], held: dict[str, HeldNote]
) -> int:
    deck_names = {deck.deck_id: deck.name for deck in content.decks}
    moved = 0
    for note in content.notes:
        old_guid = sent_guids.get(note.card_pk)
        if old_guid is None or old_guid == note.guid or old_guid not in held or note.guid in held:
            continue
        found = collection.get_note(held[old_guid].id)  # type: ignore[arg-type]
        found.guid = note.guid
        collection.update_note(found, skip_undo_entry=True)
        deck_id = collection.decks.id(deck_names[note.deck_id], create=True)
        collection.set_deck(found.card_ids(), deck_id)  # type: ignore[arg-type]
        held[note.guid] = held.pop(old_guid)
        moved += 1
    return moved


def _remove_retyped_notes(collection: AnkiCollection, notes: list[PackageNote], held: dict[str, HeldNote]) -> int:
    """Anki changes a note's type only with a full sync of every device, so a card turned from basic
    into cloze (or back) gets a new note of its type under the same GUID: mlcards sets the old
    prompts' answers aside and asks the new ones afresh, and Anki keeps the old cards' review log."""
    retyped = [held.pop(note.guid).id for note in notes if note.guid in held and held[note.guid].model_id != note.model_id]
    if retyped:
        collection.remove_notes(retyped)  # type: ignore[arg-type]
    return len(retyped)


def remove_notes(collection: AnkiCollection, guids: Collection[str]) -> int:
    """Delete these notes (and their cards) from the collection; returns how many it held."""
    held = held_notes(collection, guids)
    if held:
        collection.remove_notes([note.id for note in held.values()])  # type: ignore[misc]
    return len(held)


def _note_types_current(collection: AnkiCollection) -> bool:
    """Whether the collection has mlcards' note types as this version writes them (an upgrade may
    change their templates or style; the package then brings the new ones)."""
    for model in (BASIC_MODEL, CLOZE_MODEL):
        held = collection.models.get(model.model_id)  # type: ignore[arg-type]
        if held is None or held["css"] != model.css:
            return False
        templates = [(template["qfmt"], template["afmt"]) for template in held["tmpls"]]
        if templates != [(template["qfmt"], template["afmt"]) for template in model.templates]:
            return False
    return True


def _import_package(collection: AnkiCollection, content: PackageContent, folder: Path, now: datetime) -> int:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition

    with tempfile.TemporaryDirectory(prefix="outgoing-", dir=folder) as scratch:
        package = write_package(content, Path(scratch) / "mlcards.apkg", now).path
        # Anki's importer decides updates by modification time alone, and a package's notes carry its
        # export time: "update" would rewrite (and sync) every note on every sync. So the package only
        # adds what is new; existing notes are compared field by field afterwards.
        options = ImportAnkiPackageOptions(
            update_notes=ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_NEVER,
            update_notetypes=ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
            with_scheduling=False,  # due dates go in through the card states, for new and existing cards alike
        )
        return len(collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options)).log.new)


def _update_changed_notes(collection: AnkiCollection, notes: list[PackageNote], held: dict[str, HeldNote]) -> int:
    changed = []
    for wanted in notes:
        found = held.get(wanted.guid)
        if found is None or found.model_id != wanted.model_id:
            continue
        if found.fields == FIELD_SEPARATOR.join(wanted.fields) and set(found.tags.split()) == set(wanted.tags):
            continue
        note = collection.get_note(found.id)  # type: ignore[arg-type]
        note.fields = list(wanted.fields)
        note.tags = list(wanted.tags)
        changed.append(note)
    if changed:
        collection.update_notes(changed, skip_undo_entry=True)
    return len(changed)


def _remove_cards_of_removed_deletions(collection: AnkiCollection, content: PackageContent, held: dict[str, HeldNote]) -> int:
    """A cloze card whose c2 is gone from the YAML leaves Anki's c2 card empty (Anki keeps it until
    Tools > Empty Cards): remove such cards of the notes sent, as mlcards sets their prompts aside.
    Their review history stays in Anki's revlog, as it stays in mlcards' log."""
    wanted: dict[str, set[int]] = {}
    for card in content.scheduled:
        wanted.setdefault(card.guid, set()).add(card.ord)
    cloze = {
        held[note.guid].id: note.guid for note in content.notes if note.model_id == CLOZE_MODEL.model_id and note.guid in held
    }
    if not cloze:
        return 0
    rows = rows_of(collection, f"SELECT id, nid, ord FROM cards WHERE nid IN ({', '.join(map(str, cloze))})")
    empty = [
        card_id for card_id, note_id, ordinal in rows if wanted.get(cloze[note_id]) and ordinal not in wanted[cloze[note_id]]
    ]
    if empty:
        collection.remove_cards_and_orphaned_notes(empty)  # type: ignore[arg-type]
    return len(empty)


def rename_decks(collection: AnkiCollection, renames: list[tuple[str, str]]) -> int:
    """Decks renamed in the YAML, renamed in Anki ((old name, new name) pairs): the deck keeps its
    cards, their history and the options set on the phone. A deck with subdecks (or where a deck of
    the new name exists already) is not renamed, which would move or merge the others too: its own
    cards move to the deck of the new name, and the old deck is removed once empty. A deck no longer
    in the copy (deleted on the phone) is left alone."""
    renamed = 0
    for old, new in renames:
        old_id = collection.decks.id_for_name(old)
        if old_id is None:
            continue
        has_subdecks = any(True for _ in collection.decks.children(old_id))
        if collection.decks.id_for_name(new) is None and not has_subdecks:
            collection.decks.rename(old_id, new)
        else:
            new_id = collection.decks.id(new)
            assert new_id is not None
            if cards := collection.decks.cids(old_id):
                collection.set_deck(cards, new_id)
            if not has_subdecks:
                collection.decks.remove([old_id])
        renamed += 1
    return renamed
