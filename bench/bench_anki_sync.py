"""`mlcards sync` against two collections of Anki's own backend syncing the same notes, in one run.

Run:  PYTHONPATH=src python bench/bench_anki_sync.py [--cards 10000] [--answers 100] [--repeat 3]

One `python -m anki.syncserver` on localhost serves both sides, each round on fresh accounts.
The notes are bench_export.py's generated collection (100 decks, basic, cloze and code cards).

- first sync: mlcards, from a database holding the cards and an empty local Anki copy, to an
  empty account (notes built with the export's code, imported, uploaded whole); Anki: a
  collection already holding the same notes, logging in and uploading to an empty account.
- answers out: after N answers on the syncing side (mlcards' review session, or Anki's
  scheduler), the sync that sends them (with mlcards' card states).
- answers in: after a phone (a third collection) answered N cards and synced, the sync that
  brings them in (for mlcards: into its review log, replayed).
Each ratio is mlcards' median over Anki's median; below 1 means mlcards is faster.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from anki.collection import Collection as AnkiCollection
from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.scheduler.v3 import CardAnswer
from bench_export import write_collection

from mlcards.ankisync.run import sync_with_anki
from mlcards.config import Settings, SyncSettings
from mlcards.export import export_anki_package
from mlcards.review import Answer, ReviewSession
from mlcards.store.database import Database, open_database
from mlcards.store.sync import sync

PASSWORD = "bench-password"


def start_server(base: Path, users: int) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "SYNC_BASE": str(base), "SYNC_HOST": "127.0.0.1", "SYNC_PORT": str(port), "RUST_LOG": "error"}
    environment.update({f"SYNC_USER{number}": f"user{number}:{PASSWORD}" for number in range(1, users + 1)})
    process = subprocess.Popen([sys.executable, "-m", "anki.syncserver"], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(400):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except urllib.error.HTTPError:
            break  # it answers
        except OSError:
            time.sleep(0.05)
    return process, url


def seconds_for(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def full_sync(collection: AnkiCollection, auth: object) -> None:
    """A sync as Anki's apps do it, taking the full upload or download the server asks for."""
    output = collection.sync_collection(auth, False)  # type: ignore[arg-type]
    changes = type(output).ChangesRequired
    if output.required in (changes.FULL_UPLOAD, changes.FULL_DOWNLOAD, changes.FULL_SYNC):
        collection.close_for_full_sync()
        collection.full_upload_or_download(auth=auth, server_usn=None, upload=output.required == changes.FULL_UPLOAD)  # type: ignore[arg-type]
        collection.reopen(after_full_sync=True)


def answer_cards(collection: AnkiCollection, count: int) -> None:
    """Good on the first `count` new cards, through Anki's scheduler."""
    for card_id in collection.db.list("SELECT id FROM cards WHERE queue = 0 ORDER BY due, id LIMIT ?", count):
        card = collection.get_card(card_id)
        card.start_timer()
        states = collection._backend.get_scheduling_states(card.id)
        collection.sched.answer_card(collection.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))


def answer_in_mlcards(database: Database, count: int, now: datetime) -> None:
    session = ReviewSession(database, Settings(new_cards_per_day=count), now)
    for _ in range(count):
        assert session.current is not None
        session.answer(Answer.GOOD, now, duration_ms=3000)


def new_collection(folder: Path, package: Path | None = None) -> AnkiCollection:
    folder.mkdir(parents=True)
    collection = AnkiCollection(str(folder / "collection.anki2"))
    if package is not None:
        collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions()))
    return collection


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    timed: dict[str, list[float]] = {key: [] for key in ("first ours", "first anki", "out ours", "out anki", "in ours", "in anki")}
    with tempfile.TemporaryDirectory(prefix="mlcards-bench-sync-") as scratch:
        root = Path(scratch)
        (root / "decks").mkdir()
        write_collection(root / "decks", args.cards)
        server, url = start_server(root / "server", users=2 * args.repeat)
        try:
            template = open_database(root / "template.sqlite3")
            sync(template, [root / "decks"])
            package = export_anki_package(template, root / "notes.apkg", datetime.now().astimezone()).path
            template.close()
            for round_number in range(args.repeat):
                here = root / f"round-{round_number}"
                ours_user, anki_user = f"user{2 * round_number + 1}", f"user{2 * round_number + 2}"
                # mlcards: a database holding the cards (synced from YAML, not timed), then the first sync.
                database = open_database(here / "mlcards.sqlite3")
                sync(database, [root / "decks"])
                settings = SyncSettings(url, ours_user, PASSWORD)
                now = datetime.now().astimezone()
                timed["first ours"].append(seconds_for(lambda: sync_with_anki(database, Settings(), settings, now)))  # noqa: B023
                # Anki: a collection holding the same notes, then its first sync.
                anki = new_collection(here / "anki", package)
                timed["first anki"].append(
                    seconds_for(lambda: full_sync(anki, anki.sync_login(anki_user, PASSWORD, url)))  # noqa: B023
                )
                anki_auth = anki.sync_login(anki_user, PASSWORD, url)
                # Answers out.
                later = now + timedelta(seconds=1)
                answer_in_mlcards(database, args.answers, later)
                timed["out ours"].append(seconds_for(lambda: sync_with_anki(database, Settings(), settings, later)))  # noqa: B023
                answer_cards(anki, args.answers)
                timed["out anki"].append(seconds_for(lambda: anki.sync_collection(anki_auth, False)))  # noqa: B023
                # Answers in: a phone on each account answers, syncs; the timed sync brings them in.
                for user, name in ((ours_user, "phone-ours"), (anki_user, "phone-anki")):
                    phone = new_collection(here / name)
                    phone_auth = phone.sync_login(user, PASSWORD, url)
                    full_sync(phone, phone_auth)
                    answer_cards(phone, args.answers)
                    phone.sync_collection(phone_auth, False)
                    phone.close()
                timed["in ours"].append(seconds_for(lambda: sync_with_anki(database, Settings(), settings, later)))  # noqa: B023
                timed["in anki"].append(seconds_for(lambda: anki.sync_collection(anki_auth, False)))  # noqa: B023
                in_log = database.connection.execute("SELECT count(*) FROM review_log").fetchone()[0]
                assert in_log == 2 * args.answers, in_log
                anki.close()
                database.close()
        finally:
            server.kill()
            server.wait()
    print(f"{args.cards} cards, {args.answers} answers, {args.repeat} round(s); seconds, median (runs)")
    for operation in ("first", "out", "in"):
        ours, theirs = statistics.median(timed[f"{operation} ours"]), statistics.median(timed[f"{operation} anki"])
        runs = " ".join(f"{value:.3f}" for value in timed[f"{operation} ours"])
        anki_runs = " ".join(f"{value:.3f}" for value in timed[f"{operation} anki"])
        label = {"first": "first sync", "out": f"sync of {args.answers} answers out", "in": f"sync of {args.answers} answers in"}[operation]
        print(f"{label:<28} mlcards {ours:7.3f} ({runs})  Anki {theirs:7.3f} ({anki_runs})  ratio {ours / theirs:6.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
