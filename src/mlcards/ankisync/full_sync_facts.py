"""When the server asks for a full sync: which side changed last, and what each choice would cost.

Anki's protocol says only that the two collections cannot be merged (their schema times differ);
neither the sync output nor the status request carries the server's modification time. So the
server's collection is downloaded into a scratch collection beside mlcards' copy, read, and
deleted: the server and mlcards' copy stay as they were. This happens only when a full sync is
asked for and the learner has not chosen a side yet.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mlcards.ankisync.answers_in import new_answers, revlog_of_notes
from mlcards.ankisync.endpoint import COLLECTION_NAME, rows_of

if TYPE_CHECKING:
    from anki.collection import Collection as AnkiCollection
    from anki.sync import SyncAuth


SCRATCH_PREFIX = ".server-"


@dataclass(frozen=True, slots=True)
class CollectionTimes:
    changed: datetime  # the collection's last change (Anki's col.mod)
    schema_changed: datetime  # its last change that needs a full sync (col.scm): a note type edited, a full sync forced


@dataclass(frozen=True, slots=True)
class FullSyncFacts:
    server: CollectionTimes
    copy: CollectionTimes  # mlcards' Anki copy
    copy_last_synced: datetime | None
    server_latest_answer: datetime | None  # the latest answer the server's collection holds (to any card)
    mlcards_latest_answer: datetime | None  # the latest answer in mlcards' review log
    answers_only_on_server: int  # answers given in Anki to mlcards' cards that mlcards lacks: --full-upload loses them
    answers_only_in_mlcards: int  # mlcards' answers the server lacks: --full-download sends them again

    @property
    def newer(self) -> Literal["server", "mlcards", "both"]:
        """The side holding answers the other lacks ("both" if each does); if neither does, the side
        with the later answer, then the later change. A collection's change time alone misleads:
        uploading an older copy (restoring a backup) dates it now."""
        if self.answers_only_on_server and self.answers_only_in_mlcards:
            return "both"
        if self.answers_only_on_server or self.answers_only_in_mlcards:
            return "server" if self.answers_only_on_server else "mlcards"
        if self.server_latest_answer != self.mlcards_latest_answer:
            return "server" if _or_never(self.server_latest_answer) > _or_never(self.mlcards_latest_answer) else "mlcards"
        return "server" if self.server.changed > self.copy.changed else "mlcards"


def times_of(collection: AnkiCollection) -> tuple[CollectionTimes, datetime | None]:
    """The collection's change times, and when it last synced (None: never)."""
    ((modified, schema, last_sync),) = rows_of(collection, "SELECT mod, scm, ls FROM col")
    return CollectionTimes(_moment(modified), _moment(schema)), _moment(last_sync) if last_sync else None


def look_at_server(
    copy: AnkiCollection,
    auth: SyncAuth,
    folder: Path,
    prompts: dict[tuple[str, int], int],
    known_revlog_ids: set[int],
    mlcards_answers: dict[int, int | None],
    mlcards_latest_answer: datetime | None,
) -> FullSyncFacts:
    """The server's collection, downloaded into a scratch folder inside `folder` and compared with the
    copy. `prompts` maps (note GUID, ordinal) to mlcards' prompts; `known_revlog_ids` are the Anki
    answers the review log holds; `mlcards_answers` maps each answer given in mlcards (log id) to
    the revlog id it went out as, or None if it has not gone out yet; `mlcards_latest_answer` is the
    latest answer of its review log."""
    from anki.collection import Collection as AnkiCollection

    copy_times, last_synced = times_of(copy)
    for leftover in folder.glob(f"{SCRATCH_PREFIX}*"):  # a look cut short by a killed process (the sync lock is ours)
        shutil.rmtree(leftover, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=folder) as scratch:
        server = AnkiCollection(str(Path(scratch) / COLLECTION_NAME))
        try:
            server.close_for_full_sync()
            try:
                server.full_upload_or_download(auth=auth, server_usn=None, upload=False)
            finally:
                server.reopen(after_full_sync=True)
            server_times, _ = times_of(server)
            only_on_server = len(new_answers(revlog_of_notes(server, None), prompts, known_revlog_ids))
            on_server = {revlog_id for (revlog_id,) in rows_of(server, "SELECT id FROM revlog")}
        finally:
            server.close()
    only_in_mlcards = sum(1 for revlog_id in mlcards_answers.values() if revlog_id not in on_server)
    server_latest = _moment(max(on_server)) if on_server else None
    return FullSyncFacts(
        server_times, copy_times, last_synced, server_latest, mlcards_latest_answer, only_on_server, only_in_mlcards
    )


def _or_never(moment: datetime | None) -> datetime:
    return moment if moment is not None else datetime.min.replace(tzinfo=UTC)


def _moment(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000).astimezone()
