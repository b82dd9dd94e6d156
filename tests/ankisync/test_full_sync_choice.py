"""The server asks for a full sync: the message says which side changed last and when, and what
each choice would cost, from the server's collection itself; nothing changes until the learner
chooses."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from anki.scheduler.v3 import CardAnswer

from mlcards.ankisync.endpoint import endpoint_folder
from mlcards.ankisync.faults import FullSyncRequired, full_sync_required
from mlcards.ankisync.full_sync_facts import CollectionTimes, FullSyncFacts
from mlcards.config import Settings
from mlcards.review import Answer, ReviewSession

from ..dbcheck import file_fingerprint
from .conftest import DECK, copy_state

pytestmark = pytest.mark.anki_server


def minute(milliseconds: int) -> str:
    return datetime.fromtimestamp(milliseconds / 1000).astimezone().strftime("%Y-%m-%d %H:%M")


def test_a_phone_that_forced_a_full_sync_is_named_as_the_newer_side_with_what_each_choice_costs(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    phone.answer(DECK, "heads", CardAnswer.GOOD, ordinal=1)
    phone.answer(DECK, "heads", CardAnswer.GOOD, ordinal=2)
    phone.collection.mod_schema(check=False)  # as editing a note type on the phone does
    phone.sync(upload_if_asked=True)
    server_mod, server_scm = phone.collection.db.first("SELECT mod, scm FROM col")
    mine = datetime.now().astimezone() + timedelta(seconds=2)
    ReviewSession(learner.database, Settings(), mine).answer(Answer.GOOD, mine)
    before, copy_before = file_fingerprint(learner.database.path), copy_state(learner)
    with pytest.raises(FullSyncRequired) as failure:
        learner.sync(mine)
    message = str(failure.value)
    assert (
        f"The collection on the server (changed {minute(server_mod)} by another device, which made this full sync "
        f"necessary on {minute(server_scm)}) is newer than mlcards' Anki copy (changed {minute(copy_before[0])}, last synced {minute(copy_before[2])})."
    ) in message
    assert "mlcards sync --full-download keeps the server's collection (mlcards' 1 answer(s) the server lacks are kept" in message
    assert "mlcards sync --full-upload replaces it with mlcards' (the 2 answer(s) given in Anki that mlcards lacks" in message
    assert file_fingerprint(learner.database.path) == before
    assert copy_state(learner) == copy_before
    assert [path.name for path in endpoint_folder(learner.database.path).iterdir() if path.name.startswith(".server-")] == []
    phone.sync()  # the server as the phone left it
    assert len(phone.collection.db.list("SELECT id FROM revlog")) == 2


def test_a_copy_changed_after_the_server_is_named_as_the_newer_side() -> None:
    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 12, 4, hour, minute).astimezone()

    facts = FullSyncFacts(
        server=CollectionTimes(changed=at(8, 10), schema_changed=at(7)),
        copy=CollectionTimes(changed=at(9, 30), schema_changed=at(9, 25)),
        copy_last_synced=at(8, 0),
        answers_only_on_server=0,
        answers_only_in_mlcards=3,
    )
    message = str(full_sync_required("http://sync.example/", facts))
    assert (
        "mlcards' Anki copy (changed 2026-12-04 09:30, last synced 2026-12-04 08:00) is newer than the collection on the server (changed 2026-12-04 "
        "08:10 by another device); the change that made this full sync necessary was made in mlcards' copy on 2026-12-04 09:25."
    ) in message
    assert "(mlcards' 3 answer(s) the server lacks are kept and sent again)" in message
    assert "(no answer is lost, but any other change made in Anki since 2026-12-04 08:00 is)" in message
