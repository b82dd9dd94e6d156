"""Everything that can stop a sync, as one exception carrying a message for the learner.

Anki's backend raises its own exception classes; they are told apart by class and kind, never by
their wording, which is translated and changes between releases.
"""

from __future__ import annotations

from enum import Enum


class Stage(Enum):
    """Where a sync is; a failure says what it had done by then."""

    LOGIN = "logging in"
    PULL = "fetching changes from the server"
    ANSWERS_IN = "taking in answers given in Anki"
    NOTES_OUT = "writing notes to mlcards' Anki copy"
    ANSWERS_OUT = "writing answers and due dates to mlcards' Anki copy"
    PUSH = "sending changes to the server"


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
    if stage is Stage.PUSH:
        return (
            "Answers given in Anki were taken in; mlcards' changes wait in its Anki copy and go out with the next sync. "
            "The server was left as it was."
        )
    return "The server was left as it was; the next sync starts again from there."


def explain(error: Exception, stage: Stage, url: str, user: str) -> SyncFailed:
    """An exception from Anki's backend during `stage` as a message for the learner."""
    from anki.errors import BackendIOError, DBError, Interrupted, NetworkError, SyncError, SyncErrorKind

    kept = what_was_kept(stage)
    if isinstance(error, NetworkError):
        return SyncFailed(
            f"cannot reach the Anki sync server at {url} while {stage.value} (it is not running, the address is wrong, "
            f"or the connection was cut). {kept} Check that the server runs, then run mlcards sync again."
        )
    if isinstance(error, SyncError) and error.kind is SyncErrorKind.AUTH:
        return SyncFailed(
            f"the sync server at {url} refused user '{user}': wrong user name or password. {kept} "
            "Fix [sync] user/password in config.toml (or MLCARDS_SYNC_USER / MLCARDS_SYNC_PASSWORD) and run mlcards sync again."
        )
    if isinstance(error, SyncError):
        return SyncFailed(f"the sync server at {url} refused the sync while {stage.value}: {error}. {kept}")
    if isinstance(error, Interrupted):
        return SyncFailed(f"the sync was interrupted while {stage.value}. {kept} Run mlcards sync again.")
    if isinstance(error, (BackendIOError, DBError)):
        return SyncFailed(
            f"mlcards' Anki copy could not be read or written while {stage.value} ({error}). {kept} "
            "Check the disk and permissions of the folder it names, then run mlcards sync again."
        )
    return SyncFailed(f"Anki's backend failed while {stage.value}: {error}. {kept}")
