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
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from mlcards.ankisync.answers_in import AnkiRevlog, new_answers, revlog_of_notes, take_in
from mlcards.ankisync.answers_out import anki_cards, cards_changed_since, send_answers, send_card_states
from mlcards.ankisync.endpoint import Endpoint, copy_mark, copy_usn, endpoint_folder, open_endpoint, rows_of
from mlcards.ankisync.faults import FullSyncRequired, Stage, SyncFailed, explain, full_sync_required
from mlcards.ankisync.full_sync_facts import FullSyncFacts, look_at_server
from mlcards.ankisync.notes_out import (
    NotesSent,
    all_guids,
    edited_in_anki,
    notes_version,
    our_note_count,
    remove_notes,
    rename_decks,
    send_notes,
)
from mlcards.ankisync.session import Target, authenticate, forget_host_key, login, server_answers, sync_target
from mlcards.config import Settings, SyncSettings
from mlcards.export.anki import (
    BASIC_MODEL_ID,
    CLOZE_MODEL_ID,
    anki_deck_names,
    cycle_collector_paused,
    note_guid,
    package_content,
)
from mlcards.export.progress import ScheduledCard
from mlcards.scheduling.days import current_study_day
from mlcards.store.counts import latest_answered_day
from mlcards.store.database import Database
from mlcards.store.selection import ExportError
from mlcards.store.synced import (
    PromptRow,
    SyncMarks,
    all_prompts,
    card_kinds_of_notes,
    cards_of_sent_notes,
    forget_answers_out,
    forget_notes,
    known_among,
    known_revlog_ids,
    latest_log_id,
    notes_of_cards,
    notes_of_removed_cards,
    notes_of_unknown_cards,
    notes_to_send,
    present_card_keys,
    present_decks_in_export_order,
    prompts_of_cards,
    prompts_of_notes,
    prompts_to_schedule,
    prompts_with_changed_state,
    remember_answers_out,
    remember_card_states,
    remember_deck_names,
    remember_notes_sent,
    save_sync_marks,
    sent_deck_names,
    sent_note_count,
    sent_note_texts,
    sent_revlog_ids,
    sync_marks,
    unsent_answers,
    yaml_mark,
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
    notes_removed: int = 0  # notes of cards gone from the YAML, deleted from Anki
    notes_moved: int = 0  # notes of cards moved to another deck (or renamed) in the YAML, moved in Anki
    notes_retyped: int = 0  # notes of cards turned from basic into cloze or back, replaced by one of the new type
    notes_rendered: int = 0  # cards rendered and compared with their notes: those that changed (all on a first sync)
    anki_answers_read: int = 0  # Anki revlog entries read: those the server sent since the last sync (all on a first sync)
    decks_renamed: int = 0  # decks whose name changed in the YAML, renamed in Anki
    deletions_removed: int = 0  # Anki cards of cloze deletions removed from the YAML


Progress = Callable[[Stage], None]
_MODEL_OF_KIND = {"basic": BASIC_MODEL_ID, "cloze": CLOZE_MODEL_ID}
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
        # A sync that compares everything builds some 10^5 objects that live until it ends and form no cycles.
        with cycle_collector_paused():
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
        self._names: dict[str, str] | None = None  # _deck_names, once read
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
        marks = sync_marks(connection)
        # The marks hold only for the copy the last sync left: not for one created, replaced or restored since.
        as_left = marks is not None and not self.endpoint.created and marks.copy == copy_mark(self.collection)
        auth = self._pull()
        since_usn = copy_usn(self.collection)
        # Incremental: what the server sent since the last sync, and what changed here since, is all
        # that is read; after a full sync (or without marks) everything is compared, as the first sync does.
        last = marks if as_left and self.full_done is None else None
        version = notes_version()

        self.step(Stage.ANSWERS_IN)
        if last is None:
            self._resend_answers_the_copy_lost()
        edited_guids = edited_in_anki(
            self.collection, lambda guids: sent_note_texts(connection, guids), None if last is None else last.since_usn
        )
        revlog = revlog_of_notes(self.collection, None if last is None else last.since_usn)
        prompts = self._prompts_of(revlog, everything=last is None)
        # An answer to a note of the type the card had before it turned basic<->cloze answered the old
        # question, whose prompts are set aside: it must not count for the new prompt of that number.
        kinds = card_kinds_of_notes(connection, {row.guid for row in revlog})
        asked = [row for row in revlog if _MODEL_OF_KIND.get(kinds.get(row.guid, ""), row.model_id) == row.model_id]
        answers = new_answers(asked, prompts, known_among(connection, [row.revlog_id for row in asked]))
        taken = take_in(self.database, answers, self.hour, self.rule, f"anki-sync {self.now.isoformat(timespec='seconds')}")

        self.step(Stage.NOTES_OUT)
        yaml = yaml_mark(connection)
        # Decks are renamed before notes go out, so a renamed deck's new cards join its old ones.
        decks_renamed = 0 if last is not None and last.yaml == yaml else self._rename_decks()
        notes, edited = self._send_notes(last, version, yaml, edited_guids)
        removed = 0 if last is not None and last.yaml == yaml else self._remove_notes_of_removed_cards(every=last is None)

        self.step(Stage.ANSWERS_OUT)
        handled_up_to = latest_log_id(connection)
        outgoing = unsent_answers(connection, 0 if last is None else last.log_id)
        cards = anki_cards(self.collection, {note_guid(answer.deck_id, answer.card_id) for answer in outgoing})
        sent = send_answers(self.collection, outgoing, cards)
        if sent:
            with self.database.transaction() as writing:
                remember_answers_out(writing, sent)
        # Answers to prompts the copy lacks for now are looked at again next time; those of prompts gone
        # from the YAML have no card to go to, and must not hold every later sync back to them.
        unsent = {answer.log_id for answer in outgoing if answer.in_the_yaml} - {log_id for log_id, _ in sent}
        if unsent:
            handled_up_to = min(handled_up_to, min(unsent) - 1)
        today = current_study_day(self.now, self.hour, latest_answered_day(connection))
        origin = (today - timedelta(days=self.collection.sched.today)).isoformat()
        same_calendar = last is not None and last.calendar_origin == origin
        rescheduled = self._send_card_states(last if same_calendar else None, notes, today)

        self.step(Stage.PUSH)
        self._push(auth)
        if self.full_done is FullSync.UPLOAD:  # the server now holds exactly this copy: later changes come after it
            since_usn = copy_usn(self.collection)
        with self.database.transaction() as writing:
            save_sync_marks(writing, SyncMarks(copy_mark(self.collection), since_usn, origin, handled_up_to, version, yaml))
        return AnkiSyncReport(
            taken,
            len(sent),
            notes.added,
            notes.updated,
            rescheduled,
            tuple(edited),
            self.full_done,
            removed,
            notes.moved,
            notes.retyped,
            notes.rendered,
            len(revlog),
            decks_renamed,
            notes.deletions_removed,
        )

    def _prompts_of(self, revlog: list[AnkiRevlog], everything: bool) -> dict[tuple[str, int], int]:
        """(note GUID, Anki ordinal) -> prompt for the notes these answers are to. The notes mlcards sent
        are looked up by GUID; a note of mlcards' types it has no record of (sent by an older version, or
        imported from an export on the phone) needs every prompt's GUID."""
        connection = self.database.connection
        if not everything:
            guids = {row.guid for row in revlog}
            known = prompts_of_notes(connection, guids)
            noted = {guid for guid, _ in known}
            if all(row.guid in noted or row.model_id not in (BASIC_MODEL_ID, CLOZE_MODEL_ID) for row in revlog):
                return known
        return prompts_by_anki_card(all_prompts(connection))

    def _send_notes(self, last: SyncMarks | None, version: str, yaml: str, edited_guids: set[str]) -> tuple[NotesSent, list[str]]:
        """Render and send the cards whose content changed since their note was sent (every card
        without marks or after a renderer change), those whose note was edited in Anki, and those
        whose note was deleted there (the YAML's card comes back)."""
        connection = self.database.connection
        every = last is None or last.version != version
        yaml_unchanged = last is not None and last.yaml == yaml
        pending = (
            {}
            if yaml_unchanged and not every
            else {note.card_pk: note for note in notes_to_send(connection, version, every=every)}
        )
        sent_count = sent_note_count(connection)
        deleted_there = not every and our_note_count(self.collection) < sent_count  # the YAML's cards come back
        again: set[int] = set()
        if edited_guids or deleted_there:
            sent_cards = cards_of_sent_notes(connection)
            again = {sent_cards[guid] for guid in edited_guids if guid in sent_cards}
            if deleted_there:
                held = all_guids(self.collection)
                again |= {card_pk for guid, card_pk in sent_cards.items() if guid not in held}
        if again - pending.keys():
            pending.update((note.card_pk, note) for note in notes_of_cards(connection, again - pending.keys(), version))
        if not pending:
            if every and not sent_count:
                raise SyncFailed("nothing to send to Anki: no cards to export; `mlcards status` shows what the collection holds")
            return NotesSent(0, 0, 0, 0, []), []
        try:
            content = package_content(self.database, card_pks=pending.keys(), deck_names=self._deck_names())
        except ExportError as error:
            raise SyncFailed(f"nothing to send to Anki: {error}") from error
        sent_guids = {card_pk: note.sent_guid for card_pk, note in pending.items() if note.sent_guid is not None}
        notes = send_notes(self.collection, content, self.endpoint.folder, self.now, sent_guids)
        refs = {note.guid: note.fields[-1] for note in content.notes}  # the Ref field: deck-id/card-id
        # Named only where the YAML's text went back: an edited note of a card gone from the YAML is removed instead.
        edited = sorted(refs[guid] for guid in edited_guids if guid in refs)
        with self.database.transaction() as writing:
            remember_notes_sent(
                writing,
                [note._replace(content=pending[note.card_pk].content) for note in notes.sent if note.card_pk is not None],
                replaced=[guid for guid in sent_guids.values() if guid not in refs],  # moved cards' old GUIDs
            )
        return notes, edited

    def _deck_names(self) -> dict[str, str]:
        """Every present deck's name in Anki, worked out over all of them (two decks of one name)."""
        if self._names is None:
            self._names = anki_deck_names(present_decks_in_export_order(self.database.connection))
        return self._names

    def _rename_decks(self) -> int:
        """Decks whose name changed in the YAML (same id) since the last sync get it in Anki too;
        the names are remembered for the next sync."""
        connection = self.database.connection
        wanted = self._deck_names()
        sent = sent_deck_names(connection)
        renamed = rename_decks(
            self.collection, [(sent[deck_id], name) for deck_id, name in wanted.items() if sent.get(deck_id, name) != name]
        )
        with self.database.transaction() as writing:
            remember_deck_names(writing, {**sent, **wanted})
        return renamed

    def _remove_notes_of_removed_cards(self, every: bool) -> int:
        """Notes of cards gone from the YAML leave the copy (and so the phone), after their answers were
        taken in. A deck file with a problem is not synced at all, so its cards never count as gone.
        Notes sent before mlcards remembered their cards are matched by GUID when comparing everything."""
        connection = self.database.connection
        gone = notes_of_removed_cards(connection)
        if every and (unknown := notes_of_unknown_cards(connection)):
            present = {note_guid(deck_id, card_id) for deck_id, card_id in present_card_keys(connection)}
            gone += [guid for guid in unknown if guid not in present]
        if not gone:
            return 0
        removed = remove_notes(self.collection, gone)
        with self.database.transaction() as writing:
            forget_notes(writing, gone)
        return removed

    def _send_card_states(self, last: SyncMarks | None, notes: NotesSent, today: date) -> int:
        """Each prompt's schedule into its Anki card: of the prompts whose schedule changed since its
        state was written, whose card the server sent (answered or reset in Anki) and whose note was
        just added or replaced; of every prompt without marks."""
        connection = self.database.connection
        if last is None:
            prompts = prompts_to_schedule(connection, None, today)
            cards = anki_cards(self.collection)
        else:
            wanted = set(prompts_with_changed_state(connection, today))
            changed_there = cards_changed_since(self.collection, last.since_usn)
            by_card = prompts_of_notes(connection, {guid for guid, _ in changed_there})
            wanted |= {by_card[key] for key in changed_there if key in by_card}
            if notes.added or notes.moved or notes.retyped:
                new_notes = [note.card_pk for note in notes.sent if note.card_pk is not None]
                wanted |= set(prompts_of_cards(connection, new_notes))
            prompts = prompts_to_schedule(connection, wanted, today)
            cards = dict(changed_there)
            needed = {(note_guid(prompt.deck_id, prompt.card_id), prompt.schedule.ordinal - 1) for prompt in prompts}
            if missing := {guid for guid, ordinal in needed if (guid, ordinal) not in cards}:
                cards.update(anki_cards(self.collection, missing))
        scheduled = [ScheduledCard(note_guid(p.deck_id, p.card_id), p.schedule.ordinal - 1, p.schedule) for p in prompts]
        rescheduled = send_card_states(self.collection, scheduled, cards, today, self.rule)
        written = [
            (prompt.schedule_id, prompt.state)
            for prompt, card in zip(prompts, scheduled, strict=True)
            if (found := cards.get((card.guid, card.ord))) is not None and not found.in_filtered_deck
        ]
        with self.database.transaction() as writing:
            remember_card_states(writing, written, every=last is None)
        return rescheduled

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
        moments = [outgoing.answer.reviewed_at for outgoing in unsent] + (
            [datetime.fromtimestamp(max(known) / 1000, UTC)] if known else []
        )
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


def prompts_by_anki_card(prompts: list[PromptRow]) -> dict[tuple[str, int], int]:
    """(note GUID, Anki card ordinal) -> mlcards' prompt."""
    return {(note_guid(p.deck_id, p.card_id), p.ordinal - 1): p.schedule_id for p in prompts}


def _followed(auth: SyncAuth, output: SyncOutput) -> SyncAuth:
    """The server may direct the client to another address for the rest of the sync."""
    from anki.sync import SyncAuth

    if output.HasField("new_endpoint") and output.new_endpoint:
        return SyncAuth(hkey=auth.hkey, endpoint=output.new_endpoint)
    return auth
