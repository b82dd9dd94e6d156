"""A real Anki sync server on localhost and a real Anki collection acting as the phone.

The server is `python -m anki.syncserver` with a temporary base folder, started for each test on
a free port; the phone is a second collection of Anki's own backend, syncing to it as AnkiDroid
would (its first sync downloads the server's collection).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pytest
from anki.collection import Collection as AnkiCollection
from anki.scheduler.v3 import CardAnswer

from mlcards.ankisync.endpoint import endpoint_folder
from mlcards.ankisync.run import AnkiSyncReport, FullSync, Progress, sync_with_anki
from mlcards.config import Settings, SyncSettings
from mlcards.export.anki import note_guid
from mlcards.store.database import Database
from mlcards.store.history import log_rows
from mlcards.store.sync import sync

USER, PASSWORD = "learner", "s3cret-Pa55word"
DECK = "mine.attention"  # the deck of SMALL_DECK
SMALL_DECK = """
id: mine.attention
name: Mine::Attention
source: Attention Is All You Need
cards:
  - id: scale
    front: Why are attention logits divided by $\\sqrt{d_k}$?
    back: To keep the softmax out of saturation.
  - id: heads
    type: cloze
    text: The base Transformer uses {{c1::8}} heads of dimension {{c2::64}}.
"""

WriteDeck = Callable[..., Path]
SERVER_START_TIMEOUT = 20.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SyncServer:
    """Anki's own sync server in a subprocess; `kill()` ends it at once, `start()` brings it back
    on the same port and folder."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        environment = {
            **os.environ,
            "SYNC_USER1": f"{USER}:{PASSWORD}",
            "SYNC_BASE": str(self.base),
            "SYNC_HOST": "127.0.0.1",
            "SYNC_PORT": str(self.port),
            "RUST_LOG": "error",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "anki.syncserver"], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the sync server exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(self.url, timeout=1)
                return
            except urllib.error.HTTPError:
                return  # it answers (with 404 for /): it is up
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the sync server did not answer in time")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def settings(self, password: str | None = PASSWORD) -> SyncSettings:
        return SyncSettings(url=self.url, user=USER, password=password)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SyncServer]:
    running = SyncServer(tmp_path / "server")
    running.start()
    yield running
    running.kill()


class Phone:
    """A second Anki collection syncing with the same server, as a phone would."""

    def __init__(self, folder: Path, server: SyncServer) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.collection = AnkiCollection(str(folder / "collection.anki2"))
        self.server = server
        self.auth = self.collection.sync_login(USER, PASSWORD, server.url)

    def reopen(self) -> None:
        """Open the collection file again (after it was closed, e.g. to restore a backup of it)."""
        self.collection = AnkiCollection(str(self.folder / "collection.anki2"))

    def sync(self, upload_if_asked: bool = False) -> None:
        """A sync as Anki's apps do it: a full download when the phone is empty or when asked."""
        output = self.collection.sync_collection(self.auth, False)
        changes = type(output).ChangesRequired
        if output.required in (changes.FULL_DOWNLOAD, changes.FULL_UPLOAD, changes.FULL_SYNC):
            upload = output.required == changes.FULL_UPLOAD or (output.required == changes.FULL_SYNC and upload_if_asked)
            self.collection.close_for_full_sync()
            self.collection.full_upload_or_download(auth=self.auth, server_usn=None, upload=upload)
            self.collection.reopen(after_full_sync=True)

    def card_id(self, deck_id: str, card_id: str, ordinal: int = 1) -> int:
        found = self.collection.db.scalar(
            "SELECT c.id FROM cards c JOIN notes n ON n.id = c.nid WHERE n.guid = ? AND c.ord = ?",
            note_guid(deck_id, card_id),
            ordinal - 1,
        )
        assert found, f"the phone has no card {deck_id}/{card_id} #{ordinal}"
        return int(found)

    def answer(self, deck_id: str, card_id: str, rating: int = CardAnswer.GOOD, ordinal: int = 1) -> int:
        """Answer a card with one of Anki's buttons; returns the revlog id (the answer's time in ms)."""
        card = self.collection.get_card(self.card_id(deck_id, card_id, ordinal))  # type: ignore[arg-type]
        card.start_timer()
        states = self.collection._backend.get_scheduling_states(card.id)
        self.collection.sched.answer_card(self.collection.sched.build_answer(card=card, states=states, rating=rating))  # type: ignore[arg-type]
        return int(self.collection.db.scalar("SELECT max(id) FROM revlog WHERE cid = ?", card.id))

    def revlog(self, deck_id: str, card_id: str, ordinal: int = 1) -> list[tuple[int, ...]]:
        return [
            tuple(row)
            for row in self.collection.db.all(
                "SELECT id, ease, ivl, lastIvl, time, type FROM revlog WHERE cid = ? ORDER BY id",
                self.card_id(deck_id, card_id, ordinal),
            )
        ]

    def days_until_due(self, deck_id: str, card_id: str, ordinal: int = 1) -> int:
        card = self.collection.get_card(self.card_id(deck_id, card_id, ordinal))  # type: ignore[arg-type]
        assert card.queue == 2, f"card {deck_id}/{card_id} is not a review card on the phone (queue {card.queue})"
        return int(card.due - self.collection.sched.today)

    def close(self) -> None:
        self.collection.close()


@pytest.fixture
def make_phone(tmp_path: Path, server: SyncServer) -> Iterator[type[Phone]]:
    phones: list[Phone] = []

    def make(name: str = "phone") -> Phone:
        phone = Phone(tmp_path / name, server)
        phones.append(phone)
        return phone

    yield make  # type: ignore[misc]
    for phone in phones:
        phone.close()


@dataclass
class Learner:
    """mlcards' side: a database and the sync command's settings."""

    database: Database
    server: SyncServer
    settings: Settings
    url: str | None = None  # another address of the server (a relay in front of it), else its own

    def sync(
        self,
        now: datetime | None = None,
        *,
        full: FullSync | None = None,
        progress: Progress | None = None,
        password: str | None = PASSWORD,
    ) -> AnkiSyncReport:
        return sync_with_anki(
            self.database,
            self.settings,
            replace(self.server.settings(password), url=self.url or self.server.url),
            now or datetime.now().astimezone(),
            full=full,
            progress=progress,
        )


@pytest.fixture
def learner(database: Database, server: SyncServer) -> Learner:
    return Learner(database, server, Settings())


@pytest.fixture
def both_synced(learner: Learner, make_phone, write_deck: WriteDeck):  # type: ignore[no-untyped-def]
    """mlcards and a phone holding the same small deck, nothing answered yet."""
    sync(learner.database, [write_deck(SMALL_DECK)])
    learner.sync()
    phone = make_phone()
    phone.sync()
    return learner, phone


def the_log(database: Database) -> list[dict[str, object]]:
    return list(log_rows(database.connection, None, None))


def copy_state(learner: Learner) -> tuple[int, ...]:
    """mlcards' Anki copy as its own rows say: modified, schema, last sync, cards, answers."""
    copy = AnkiCollection(str(endpoint_folder(learner.database.path) / "collection.anki2"))
    try:
        return tuple(copy.db.first("SELECT mod, scm, ls, (SELECT count(*) FROM cards), (SELECT count(*) FROM revlog) FROM col"))
    finally:
        copy.close()
