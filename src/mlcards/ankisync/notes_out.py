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
from typing import TYPE_CHECKING

from mlcards.ankisync.endpoint import rows_of
from mlcards.export.anki import PackageContent, PackageNote, write_package

if TYPE_CHECKING:
    from anki.collection import Collection as AnkiCollection

FIELD_SEPARATOR = "\x1f"  # how Anki joins a note's fields in its notes table


@dataclass(frozen=True, slots=True)
class NotesSent:
    added: int
    updated: int
    fingerprints: dict[str, str]  # note GUID -> its fields as the Anki copy now holds them


def note_fingerprints(collection: AnkiCollection, guids: set[str]) -> dict[str, str]:
    """A digest of each of our notes' fields (and tags) as the collection holds them."""
    return {
        guid: hashlib.sha256(f"{fields}\x1e{tags}".encode()).hexdigest()
        for guid, fields, tags in rows_of(collection, "SELECT guid, flds, tags FROM notes")
        if guid in guids
    }


def edited_in_anki(collection: AnkiCollection, sent: dict[str, str]) -> set[str]:
    """GUIDs of notes whose text changed in Anki since mlcards last sent it."""
    now = note_fingerprints(collection, set(sent))
    return {guid for guid, fingerprint in now.items() if fingerprint != sent[guid]}


def send_notes(collection: AnkiCollection, content: PackageContent, folder: Path, now: datetime, guids: set[str]) -> NotesSent:
    """The notes of `content` into the collection: new notes, decks and note types through the
    export's package, changed text of existing notes through Anki's note API. `guids` are the
    GUIDs of every note mlcards knows."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition

    with tempfile.TemporaryDirectory(prefix="outgoing-", dir=folder) as scratch:
        package = write_package(content, Path(scratch) / "mlcards.apkg", now).path
        # Anki's importer decides updates by modification time alone, and a package's notes carry its
        # export time: "update" would rewrite (and sync) every note on every sync. So the package only
        # adds what is new; existing notes are compared field by field below.
        options = ImportAnkiPackageOptions(
            update_notes=ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_NEVER,
            update_notetypes=ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
            with_scheduling=False,  # due dates go in through the card states, for new and existing cards alike
        )
        log = collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options)).log
    updated = _update_changed_notes(collection, content.notes)
    return NotesSent(len(log.new), updated, note_fingerprints(collection, guids))


def _update_changed_notes(collection: AnkiCollection, notes: list[PackageNote]) -> int:
    held = {
        guid: (note_id, fields, set(tags.split()))
        for note_id, guid, fields, tags in rows_of(collection, "SELECT id, guid, flds, tags FROM notes")
    }
    changed = []
    for wanted in notes:
        found = held.get(wanted.guid)
        if found is None:
            continue
        note_id, fields, tags = found
        if fields == FIELD_SEPARATOR.join(wanted.fields) and tags == set(wanted.tags):
            continue
        note = collection.get_note(note_id)
        if len(note.fields) != len(wanted.fields):  # another note type by now (a basic card turned cloze): a new note
            continue
        note.fields = list(wanted.fields)
        note.tags = list(wanted.tags)
        changed.append(note)
    if changed:
        collection.update_notes(changed, skip_undo_entry=True)
    return len(changed)
