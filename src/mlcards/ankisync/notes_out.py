"""Cards and decks out: the package `mlcards export` writes, imported into mlcards' Anki copy.

One code path for both: the same GUIDs, note types and rendering, so a note a learner imported
from an .apkg before is the same note here and is updated, never duplicated. The YAML is the
source of card text: a note whose text differs from the YAML's gets the YAML's, and one whose text
was edited in Anki since the last sync is named first.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from mlcards.ankisync.endpoint import rows_of
from mlcards.export.anki import BASIC_MODEL, CLOZE_MODEL, PackageContent, PackageNote, write_package

if TYPE_CHECKING:
    from anki.collection import Collection as AnkiCollection

FIELD_SEPARATOR = "\x1f"  # how Anki joins a note's fields in its notes table


@dataclass(frozen=True, slots=True)
class NotesSent:
    added: int
    updated: int
    fingerprints: dict[str, str]  # note GUID -> its fields as the Anki copy now holds them


def fingerprint(fields: str, tags: str) -> str:
    return hashlib.sha256(f"{fields}\x1e{tags}".encode()).hexdigest()


class HeldNote(NamedTuple):
    id: int
    model_id: int
    fields: str  # joined as Anki stores them
    tags: str


def held_notes(collection: AnkiCollection) -> dict[str, HeldNote]:
    """Every note of the collection by GUID."""
    return {guid: HeldNote(*rest) for guid, *rest in rows_of(collection, "SELECT guid, id, mid, flds, tags FROM notes")}


def edited_in_anki(collection: AnkiCollection, sent: dict[str, str]) -> set[str]:
    """GUIDs of notes whose text changed in Anki since mlcards last sent it."""
    return {
        guid
        for guid, note in held_notes(collection).items()
        if guid in sent and fingerprint(note.fields, note.tags) != sent[guid]
    }


def send_notes(collection: AnkiCollection, content: PackageContent, folder: Path, now: datetime) -> NotesSent:
    """The notes of `content` into the collection: new notes, decks and note types through the
    export's package, changed text of existing notes through Anki's note API."""
    held = held_notes(collection)
    added = 0
    if any(note.guid not in held for note in content.notes) or not _note_types_current(collection):
        added = _import_package(collection, content, folder, now)
        held = held_notes(collection)
    updated = _update_changed_notes(collection, content.notes, held)
    if updated:
        held = held_notes(collection)
    wanted = {note.guid for note in content.notes}
    return NotesSent(added, updated, {guid: fingerprint(note.fields, note.tags) for guid, note in held.items() if guid in wanted})


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
        if found is None or found.model_id != wanted.model_id:  # a basic card turned cloze (or back) stays as it was
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
