"""Everything that can stop a sync, as one exception carrying a message for the learner.

Anki's backend raises its own exception classes; they are told apart by class and kind, never by
their wording, which is translated and changes between releases.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlcards.ankisync.full_sync_facts import FullSyncFacts


class Stage(Enum):
    """Where a sync is; a failure says what it had done by then."""

    LOGIN = "logging in"
    PULL = "fetching changes from the server"
    FULL_DOWNLOAD = "downloading the server's whole collection"
    ANSWERS_IN = "taking in answers given in Anki"
    NOTES_OUT = "writing notes to mlcards' Anki copy"
    ANSWERS_OUT = "writing answers and due dates to mlcards' Anki copy"
    PUSH = "sending changes to the server"
    FULL_UPLOAD = "uploading mlcards' whole Anki copy to the server"


class SyncFailed(Exception):
    """The sync stopped; `str()` says why, what was kept, and what to do."""


class AnkiMissing(SyncFailed):
    pass


class FullSyncRequired(SyncFailed):
    pass


INSTALL_HINT = (
    "syncing with Anki needs the optional 'anki' package (Anki's own backend, AGPL-3.0): "
    "pip install 'mlcards[anki]', then run mlcards sync again"
)


def what_was_kept(stage: Stage) -> str:
    if stage in (Stage.LOGIN, Stage.PULL):
        return "Nothing was changed in mlcards or on the server."
    if stage is Stage.FULL_DOWNLOAD:
        # Anki downloads into a temporary file and replaces the copy only once the whole file
        # arrived and passed its integrity check
        return "Nothing was changed in mlcards or on the server: mlcards' Anki copy is replaced only by a complete download."
    if stage is Stage.PUSH:
        return (
            "Answers given in Anki were taken in; mlcards' changes wait in its Anki copy and go out with the next sync. "
            "The server applies a sync whole or not at all, so it holds either all of them or none."
        )
    if stage is Stage.FULL_UPLOAD:
        return (
            "The server keeps its collection as it was (it replaces it only with a complete upload); mlcards' review "
            "log is as it was, and its changes wait in its Anki copy for the next upload."
        )
    return "The server was left as it was; the next sync starts again from there."


def explain(
    error: Exception, stage: Stage, url: str, user: str, *, contacted: bool, answers_now: bool, again: str = "mlcards sync"
) -> SyncFailed:
    """An exception from Anki's backend during `stage` as a message for the learner. `contacted`: the
    server had answered earlier in this sync; `answers_now`: it answers HTTP after the failure (so the
    connection, not the server, failed). `again` is the command that repeats this sync."""
    from anki.errors import BackendIOError, DBError, Interrupted, NetworkError, SyncError, SyncErrorKind

    kept = what_was_kept(stage)
    if isinstance(error, NetworkError) and not contacted and not answers_now:
        return SyncFailed(
            f"cannot reach the Anki sync server at {url} while {stage.value} (it is not running, the address is wrong, "
            f"or the network is down). {kept} Check that the server runs, then run {again} again."
        )
    if isinstance(error, SyncError) and error.kind is SyncErrorKind.AUTH:
        return SyncFailed(
            f"the sync server at {url} refused user '{user}': wrong user name or password. {kept} "
            "Fix [sync] user/password in config.toml (or MLCARDS_SYNC_USER / MLCARDS_SYNC_PASSWORD) and run mlcards sync again."
        )
    if isinstance(error, (NetworkError, SyncError)):
        # Anki reports a connection cut in the middle of a message either way: as a network error,
        # or (while a response streams in) as a sync error of kind OTHER, which is also how a
        # server ending the exchange is reported. Only the server's answering tells them apart.
        if not answers_now:
            cause = (
                f"the connection to the Anki sync server at {url} was cut while {stage.value}, and the server no longer "
                "answers (it stopped, or the network went down)"
            )
            then = f"Check that the server runs, then run {again} again."
        elif isinstance(error, NetworkError):
            cause = f"the connection to the Anki sync server at {url} was cut while {stage.value} (the server answers again now)"
            then = f"Run {again} again."
        else:
            cause = (
                f"the connection to the Anki sync server at {url} was cut while {stage.value}, or the server broke the "
                f"exchange off (Anki reports: {error}); the server answers again now"
            )
            then = f"Run {again} again; if this repeats, the server's log says why it ends the sync."
        return SyncFailed(f"{cause}. {kept} {then}")
    if isinstance(error, Interrupted):
        return SyncFailed(f"the sync was interrupted while {stage.value}. {kept} Run {again} again.")
    if isinstance(error, (BackendIOError, DBError)):
        return SyncFailed(
            f"mlcards' Anki copy could not be read or written while {stage.value} ({error}). {kept} "
            f"Check the disk and permissions of the folder it names, then run {again} again."
        )
    return SyncFailed(f"Anki's backend failed while {stage.value}: {error}. {kept}")


def full_sync_required(url: str, facts: FullSyncFacts | None) -> FullSyncRequired:
    """The server asks for a full sync: which side changed last and what each choice costs, as far as
    `facts` (None: the server's collection could not be looked at) tell."""
    if facts is None:
        newer = ""
        keep_server = "mlcards' answers are kept and sent again"
        keep_mlcards = "answers given in Anki since the last sync are lost"
    else:
        newer = " " + _newer_side(facts)
        keep_server = (
            f"mlcards' {facts.answers_only_in_mlcards} answer(s) the server lacks are kept and sent again"
            if facts.answers_only_in_mlcards
            else "nothing of mlcards is lost: every answer it sent is there"
        )
        synced = f" since {_when(facts.copy_last_synced)}" if facts.copy_last_synced else ""
        keep_mlcards = (
            f"the {facts.answers_only_on_server} answer(s) given in Anki that mlcards lacks, and any other change made in "
            f"Anki{synced}, are lost"
            if facts.answers_only_on_server
            else f"no answer is lost, but any other change made in Anki{synced} is"
        )
    return FullSyncRequired(
        f"the sync server at {url} asks for a full sync: the collection there and mlcards' Anki copy were changed in "
        "ways Anki cannot merge (a note type edited, a full sync chosen on another device, or an older copy "
        f"restored).{newer} Nothing was changed in mlcards or on the server. Choose which side wins: "
        f"mlcards sync --full-download keeps the server's collection ({keep_server}); "
        f"mlcards sync --full-upload replaces it with mlcards' ({keep_mlcards})."
    )


def _newer_side(facts: FullSyncFacts) -> str:
    by_another = " by another device" if facts.copy_last_synced is None or facts.server.changed > facts.copy_last_synced else ""
    server = f"changed {_when(facts.server.changed)}{by_another}, latest answer: {_when(facts.server_latest_answer)}"
    synced = f", last synced {_when(facts.copy_last_synced)}" if facts.copy_last_synced else ""
    mlcards = f"latest answer: {_when(facts.mlcards_latest_answer)}; its Anki copy changed {_when(facts.copy.changed)}{synced}"
    if facts.server.schema_changed > facts.copy.schema_changed:
        forced = (
            f"the change that made this full sync necessary was made on the server's side on {_when(facts.server.schema_changed)}"
        )
        if facts.newer == "mlcards":  # the older side forced it: its collection was replaced, as restoring a backup does
            forced = f"the server's collection was replaced on {_when(facts.server.schema_changed)} by an older one (a backup restored on another device?)"
    else:
        forced = f"the change that made this full sync necessary was made in mlcards' copy on {_when(facts.copy.schema_changed)}"
    if facts.newer == "both":
        return (
            f"Both sides have answers the other lacks: the collection on the server ({server}) and mlcards ({mlcards}); {forced}."
        )
    if facts.newer == "server":
        return f"The collection on the server ({server}) is newer than mlcards ({mlcards}); {forced}."
    return f"mlcards ({mlcards}) is newer than the collection on the server ({server}); {forced}."


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "none"
