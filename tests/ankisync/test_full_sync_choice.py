"""The server asks for a full sync: the message says which side changed last and when, and what
each choice would cost, from the server's collection itself; nothing changes until the learner
chooses."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from anki.scheduler.v3 import CardAnswer

from mlcards.ankisync.endpoint import endpoint_folder
from mlcards.ankisync.faults import FullSyncRequired, full_sync_required
from mlcards.ankisync.full_sync_facts import CollectionTimes, FullSyncFacts
from mlcards.config import Settings
from mlcards.review import Answer, ReviewSession

from ..dbcheck import file_fingerprint
from .conftest import DECK, Learner, Phone, copy_state

pytestmark = pytest.mark.anki_server


def minute(milliseconds: int) -> str:
    return datetime.fromtimestamp(milliseconds / 1000).astimezone().strftime("%Y-%m-%d %H:%M")


def phone_forces_a_full_sync(phone: Phone) -> tuple[int, int]:
    """The phone edits a note type (its schema changes) and uploads its whole collection, as Anki
    asks it to; returns the server's collection's change and schema times (ms) as uploaded."""
    phone.collection.mod_schema(check=False)
    phone.sync(upload_if_asked=True)
    mod, scm = phone.collection.db.first("SELECT mod, scm FROM col")
    return int(mod), int(scm)


def full_sync_message(learner: Learner, now: datetime | None = None) -> str:
    """The sync's refusal, checked to have changed nothing in mlcards or its copy."""
    before, copy_before = file_fingerprint(learner.database.path), copy_state(learner)
    with pytest.raises(FullSyncRequired) as failure:
        learner.sync(now)
    assert file_fingerprint(learner.database.path) == before
    assert copy_state(learner) == copy_before
    assert [path for path in endpoint_folder(learner.database.path).iterdir() if path.name.startswith(".server-")] == []
    return str(failure.value)


def test_a_phone_that_answered_and_forced_a_full_sync_is_the_newer_side(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    copy_mod, _, copy_synced, *_ = copy_state(learner)
    answered_ms = phone.answer(DECK, "heads", CardAnswer.GOOD, ordinal=1)
    server_mod, server_scm = phone_forces_a_full_sync(phone)
    message = full_sync_message(learner)
    assert (
        f"The collection on the server (changed {minute(server_mod)} by another device, latest answer: {minute(answered_ms)}) "
        f"is newer than mlcards (latest answer: none; its Anki copy changed {minute(copy_mod)}, last synced "
        f"{minute(copy_synced)}); the change that made this full sync necessary was made on the server's side on "
        f"{minute(server_scm)}."
    ) in message
    assert "mlcards sync --full-download keeps the server's collection (nothing of mlcards is lost" in message
    assert "mlcards sync --full-upload replaces it with mlcards' (the 1 answer(s) given in Anki that mlcards lacks" in message
    phone.sync()  # the server as the phone left it
    assert phone.collection.db.list("SELECT id FROM revlog") == [answered_ms]


def test_answers_on_both_sides_before_a_forced_full_sync_are_counted_for_each_choice(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    phone.answer(DECK, "heads", CardAnswer.GOOD, ordinal=1)
    phone.answer(DECK, "heads", CardAnswer.GOOD, ordinal=2)
    phone_forces_a_full_sync(phone)
    mine = datetime.now().astimezone() + timedelta(seconds=2)
    ReviewSession(learner.database, Settings(), mine).answer(Answer.GOOD, mine)
    message = full_sync_message(learner, mine)
    assert "Both sides have answers the other lacks: the collection on the server (changed " in message
    assert f"and mlcards (latest answer: {mine.strftime('%Y-%m-%d %H:%M')}; its Anki copy changed " in message
    assert "mlcards sync --full-download keeps the server's collection (mlcards' 1 answer(s) the server lacks are kept" in message
    assert "mlcards sync --full-upload replaces it with mlcards' (the 2 answer(s) given in Anki that mlcards lacks" in message


def test_an_older_copy_restored_on_the_phone_makes_mlcards_the_newer_side(both_synced, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    backup = tmp_path / "phone-backup.anki2"
    phone.collection.close()
    shutil.copyfile(phone.folder / "collection.anki2", backup)
    phone.reopen()
    answered_ms = phone.answer(DECK, "scale")
    phone.sync()
    learner.sync()  # mlcards takes the phone's answer in
    phone.collection.close()
    shutil.copyfile(backup, phone.folder / "collection.anki2")  # the phone restores its older backup
    phone.reopen()
    _, restored_scm = phone_forces_a_full_sync(phone)
    message = full_sync_message(learner)
    assert f"mlcards (latest answer: {minute(answered_ms)}; its Anki copy changed " in message
    assert ") is newer than the collection on the server (changed " in message and "latest answer: none)" in message
    assert f"the server's collection was replaced on {minute(restored_scm)} by an older one" in message
    assert "(nothing of mlcards is lost: every answer it sent is there)" in message  # --full-download loses nothing
    assert "(no answer is lost, but any other change made in Anki since " in message


def test_a_copy_whose_own_change_forced_the_full_sync_says_so() -> None:
    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 12, 4, hour, minute).astimezone()

    facts = FullSyncFacts(
        server=CollectionTimes(changed=at(8, 10), schema_changed=at(7)),
        copy=CollectionTimes(changed=at(9, 30), schema_changed=at(9, 25)),
        copy_last_synced=at(8, 0),
        server_latest_answer=at(7, 55),
        mlcards_latest_answer=at(9, 20),
        answers_only_on_server=0,
        answers_only_in_mlcards=3,
    )
    message = str(full_sync_required("http://sync.example/", facts))
    assert (
        "mlcards (latest answer: 2026-12-04 09:20; its Anki copy changed 2026-12-04 09:30, last synced 2026-12-04 08:00) "
        "is newer than the collection on the server (changed 2026-12-04 08:10 by another device, latest answer: "
        "2026-12-04 07:55); the change that made this full sync necessary was made in mlcards' copy on 2026-12-04 09:25."
    ) in message
    assert "(mlcards' 3 answer(s) the server lacks are kept and sent again)" in message
    assert "(no answer is lost, but any other change made in Anki since 2026-12-04 08:00 is)" in message
