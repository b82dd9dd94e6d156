"""One sync with Anki's sync server, from pull to push.

1. pull: the server's changes (the phone's answers and edits) into mlcards' Anki copy;
2. answers given in Anki into mlcards' review log, each prompt replayed;
3. notes out: the export's package imported into the copy (notes edited in Anki are named);
4. answers given in mlcards out as revlog rows, and every prompt's schedule as its card's state;
5. push: the copy to the server.

A failure at any step leaves the server as it was (Anki's protocol applies a sync whole or not
at all) and mlcards' database consistent with the copy: what reached the copy is recorded as
sent, so the next sync neither loses nor repeats it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING

from mlcards.ankisync.answers_in import new_answers, take_in
from mlcards.ankisync.answers_out import anki_cards, send_answers, send_card_states
from mlcards.ankisync.endpoint import Endpoint, endpoint_folder, open_endpoint, rows_of
from mlcards.ankisync.faults import FullSyncRequired, Stage, SyncFailed, explain, full_sync_required
from mlcards.ankisync.full_sync_facts import FullSyncFacts, look_at_server
from mlcards.ankisync.notes_out import edited_in_anki, send_notes
from mlcards.ankisync.session import Target, authenticate, forget_host_key, login, server_answers, sync_target
from mlcards.config import Settings, SyncSettings
from mlcards.export.anki import note_guid, package_content
from mlcards.scheduling.days import current_study_day
from mlcards.store.counts import latest_answered_day
from mlcards.store.database import Database
from mlcards.store.selection import ExportError
from mlcards.store.synced import (
    PromptRow,
    all_prompts,
    forget_answers_out,
    known_revlog_ids,
    remember_answers_out,
    remember_note_texts,
    sent_note_texts,
    sent_revlog_ids,
    unsent_answers,
)

if TYPE_CHECKING:
    from anki.sync import SyncAuth, SyncOutput


class FullSync(Enum):
    """The learner's choice when the server asks for a full sync."""

    DOWNLOAD = "download"  # replace mlcards' Anki copy with the server's; mlcards' answers are sent again
    UPLOAD = "upload"  # replace the server's collection with mlcards' copy; answers only on the server are lost


@dataclass(frozen=True, slots=True)
class AnkiSyncReport:
    answers_in: int  # answers given in Anki, now in the review log
    answers_out: int  # answers given in mlcards, now in Anki's revlog
    notes_added: int
    notes_updated: int
    cards_rescheduled: int  # Anki cards whose state was set from mlcards' schedule
    edited_in_anki: tuple[str, ...]  # deck-id/card-id of notes edited in Anki, whose text the YAML replaced
    full_sync: FullSync | None  # a whole collection went one way (the first sync uploads)


Progress = Callable[[Stage], None]
PROBE_TIMEOUT_SECONDS = 5  # after a failure, how long the server has to answer at all


def sync_with_anki(
    database: Database,
    settings: Settings,
    sync_settings: SyncSettings,
    now: datetime,
    *,
    full: FullSync | None = None,
    progress: Progress | None = None,
) -> AnkiSyncReport:
    """Sync mlcards with the server in `sync_settings`; raises SyncFailed saying why and what was kept."""
    target = sync_target(sync_settings)
    endpoint = open_endpoint(endpoint_folder(database.path))
    try:
        return _Sync(database, settings, target, endpoint, now, full, progress or (lambda _stage: None)).run()
    finally:
        endpoint.close()


class _Sync:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        target: Target,
        endpoint: Endpoint,
        now: datetime,
        full: FullSync | None,
        progress: Progress,
    ) -> None:
        self.database = database
        self.hour = settings.day_start_hour
        self.rule = settings.rule()
        self.target = target
        self.endpoint = endpoint
        self.collection = endpoint.collection
        self.now = now
        self.full = full
        self.progress = progress
        self.stage = Stage.LOGIN
        self.full_done: FullSync | None = None
        self.contacted = False  # the server answered a request of this sync

    def step(self, stage: Stage) -> None:
        self.stage = stage
        self.progress(stage)

    def run(self) -> AnkiSyncReport:
        from anki.errors import AnkiException, NetworkError, SyncError

        try:
            return self._run()
        except AnkiException as error:
            again = f"mlcards sync --full-{self.full.value}" if self.full and self.full_done is None else "mlcards sync"
            answers_now = isinstance(error, (NetworkError, SyncError)) and server_answers(self.target, PROBE_TIMEOUT_SECONDS)
            raise explain(
                error,
                self.stage,
                self.target.url,
                self.target.user,
                contacted=self.contacted,
                answers_now=answers_now,
                again=again,
            ) from error

    def _run(self) -> AnkiSyncReport:
        connection = self.database.connection
        self.step(Stage.LOGIN)
        auth = self._pull()

        self.step(Stage.ANSWERS_IN)
        prompts = all_prompts(connection)
        guids = {(p.deck_id, p.card_id): note_guid(p.deck_id, p.card_id) for p in prompts}  # a cloze's prompts share one
        by_anki_card = prompts_by_anki_card(prompts, guids)
        refs = {guid: f"{deck_id}/{card_id}" for (deck_id, card_id), guid in guids.items()}
        self._resend_answers_the_copy_lost()
        edited = sorted(refs.get(guid, guid) for guid in edited_in_anki(self.collection, sent_note_texts(connection)))
        answers = new_answers(self.collection, by_anki_card, known_revlog_ids(connection))
        taken = take_in(self.database, answers, self.hour, self.rule, f"anki-sync {self.now.isoformat(timespec='seconds')}")

        self.step(Stage.NOTES_OUT)
        try:
            content = package_content(self.database, with_progress=True)
        except ExportError as error:
            raise SyncFailed(f"nothing to send to Anki: {error}") from error
        notes = send_notes(self.collection, content, self.endpoint.folder, self.now)
        with self.database.transaction() as writing:
            remember_note_texts(writing, notes.fingerprints)

        self.step(Stage.ANSWERS_OUT)
        cards = anki_cards(self.collection)
        sent = send_answers(self.collection, unsent_answers(connection), cards)
        with self.database.transaction() as writing:
            remember_answers_out(writing, sent)
        today = current_study_day(self.now, self.hour, latest_answered_day(connection))
        rescheduled = send_card_states(self.collection, content.scheduled, cards, today, self.rule)

        self.step(Stage.PUSH)
        self._push(auth)
        return AnkiSyncReport(taken, len(sent), notes.added, notes.updated, rescheduled, tuple(edited), self.full_done)

    def _pull(self) -> SyncAuth:
        from anki.errors import SyncError, SyncErrorKind

        auth, from_file = authenticate(self.collection, self.endpoint.folder, self.target)
        self.contacted = not from_file  # a login is an answer from the server
        self.step(Stage.PULL)
        try:
            output = self.collection.sync_collection(auth, False)
        except SyncError as error:
            if not (from_file and error.kind is SyncErrorKind.AUTH):
                raise
            self.contacted = True
            forget_host_key(self.endpoint.folder)  # the server no longer knows it: log in afresh with the password
            self.stage = Stage.LOGIN
            auth = login(self.collection, self.endpoint.folder, self.target)
            self.stage = Stage.PULL
            output = self.collection.sync_collection(auth, False)
        self.contacted = True
        auth = _followed(auth, output)
        required = type(output).ChangesRequired
        # An empty copy holds nothing mlcards lacks: it takes the server's collection whenever asked.
        download = self.endpoint.is_empty() or self.full is FullSync.DOWNLOAD
        if output.required == required.FULL_DOWNLOAD or (output.required == required.FULL_SYNC and download):
            self._full(auth, upload=False)
        elif output.required == required.FULL_SYNC and self.full is not FullSync.UPLOAD:
            raise full_sync_required(self.target.url, self._look_at_server(auth))
        return auth

    def _push(self, auth: SyncAuth) -> None:
        if self.full is FullSync.UPLOAD and self.full_done is None:
            self._full(auth, upload=True)
            return
        output = self.collection.sync_collection(auth, False)
        changes = type(output).ChangesRequired
        if output.required == changes.FULL_UPLOAD:  # the server holds no cards: a first sync, or a wiped server
            self._full(auth, upload=True)
        elif output.required in (changes.FULL_SYNC, changes.FULL_DOWNLOAD):
            raise FullSyncRequired(
                f"the sync server at {self.target.url} asks for a full sync to take mlcards' changes (the note types "
                "changed in a way Anki cannot merge). The server was left as it was; mlcards' changes wait in its Anki "
                "copy. Since the server's changes were just taken in, mlcards sync --full-upload loses nothing."
            )

    def _full(self, auth: SyncAuth, upload: bool) -> None:
        collection = self.collection
        self.step(Stage.FULL_UPLOAD if upload else Stage.FULL_DOWNLOAD)
        if upload:
            self.endpoint.start_days_at(self.hour)
        collection.close_for_full_sync()
        try:
            collection.full_upload_or_download(auth=auth, server_usn=None, upload=upload)
        finally:
            collection.reopen(after_full_sync=True)
        self.full_done = FullSync.UPLOAD if upload else FullSync.DOWNLOAD

    def _look_at_server(self, auth: SyncAuth) -> FullSyncFacts | None:
        """The server's collection compared with mlcards' copy, or None if it cannot be fetched now
        (the message then says less, and nothing else changes)."""
        from anki.errors import AnkiException

        connection = self.database.connection
        unsent = unsent_answers(connection)
        mlcards_answers: dict[int, int | None] = {answer.log_id: None for answer in unsent}
        mlcards_answers.update({log_id: revlog_id for revlog_id, log_id in sent_revlog_ids(connection).items()})
        known = known_revlog_ids(connection)
        # every answer of the log is known by its revlog id (its time in ms), or has not gone out yet
        moments = [answer.reviewed_at for answer in unsent] + ([datetime.fromtimestamp(max(known) / 1000, UTC)] if known else [])
        try:
            return look_at_server(
                self.collection,
                auth,
                self.endpoint.folder,
                prompts_by_anki_card(all_prompts(connection)),
                known,
                mlcards_answers,
                max(moments).astimezone() if moments else None,
            )
        except (AnkiException, OSError):
            return None

    def _resend_answers_the_copy_lost(self) -> None:
        """Answers recorded as sent whose revlog rows the copy no longer holds (it was replaced by the
        server's in a full download, or deleted) are sent again."""
        sent = sent_revlog_ids(self.database.connection)
        if not sent:
            return
        held = {revlog_id for (revlog_id,) in rows_of(self.collection, "SELECT id FROM revlog")}
        lost = [log_id for revlog_id, log_id in sent.items() if revlog_id not in held]
        if lost:
            with self.database.transaction() as writing:
                forget_answers_out(writing, lost)


def prompts_by_anki_card(prompts: list[PromptRow], guids: dict[tuple[str, str], str] | None = None) -> dict[tuple[str, int], int]:
    """(note GUID, Anki card ordinal) -> mlcards' prompt."""
    if guids is None:
        guids = {(p.deck_id, p.card_id): note_guid(p.deck_id, p.card_id) for p in prompts}
    return {(guids[p.deck_id, p.card_id], p.ordinal - 1): p.schedule_id for p in prompts}


def _followed(auth: SyncAuth, output: SyncOutput) -> SyncAuth:
    """The server may direct the client to another address for the rest of the sync."""
    from anki.sync import SyncAuth

    if output.HasField("new_endpoint") and output.new_endpoint:
        return SyncAuth(hkey=auth.hkey, endpoint=output.new_endpoint)
    return auth
