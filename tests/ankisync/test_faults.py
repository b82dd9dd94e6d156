"""Faults with a real server: down, killed mid-sync, a wrong password, a full sync asked for, a
second sync at once. Each is a clear message, and neither side loses or repeats anything."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from anki.scheduler.v3 import CardAnswer

from mlcards.ankisync.endpoint import endpoint_folder, open_endpoint
from mlcards.ankisync.faults import FullSyncRequired, Stage, SyncFailed
from mlcards.ankisync.run import FullSync
from mlcards.ankisync.session import HOST_KEY_NAME
from mlcards.config import Settings
from mlcards.review import Answer, ReviewSession

from ..dbcheck import file_fingerprint, rows
from .conftest import DECK, PASSWORD, Learner, the_log

pytestmark = pytest.mark.anki_server


def answer_in_mlcards(learner: Learner, at: datetime) -> None:
    ReviewSession(learner.database, Settings(), at).answer(Answer.GOOD, at)


def test_a_server_that_is_down_is_named_and_nothing_changes(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, _ = both_synced
    answer_in_mlcards(learner, datetime.now().astimezone())
    learner.server.kill()
    before = file_fingerprint(learner.database.path)
    with pytest.raises(
        SyncFailed, match=r"cannot reach the Anki sync server at http://127\.0\.0\.1:\d+/ while fetching"
    ) as failure:
        learner.sync()
    assert "Nothing was changed in mlcards or on the server" in str(failure.value)
    assert file_fingerprint(learner.database.path) == before


def test_killing_the_server_mid_sync_loses_nothing(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    phone_ms = phone.answer(DECK, "heads", CardAnswer.GOOD, ordinal=1)
    phone.sync()
    mine = datetime.now().astimezone() + timedelta(seconds=2)
    answer_in_mlcards(learner, mine)  # the basic card, first in mlcards' queue

    def kill_before_pushing(stage: Stage) -> None:
        if stage is Stage.PUSH:
            learner.server.kill()

    with pytest.raises(SyncFailed, match="while sending changes to the server") as failure:
        learner.sync(mine, progress=kill_before_pushing)
    assert "go out with the next sync" in str(failure.value)
    learner.server.start()
    report = learner.sync(mine)
    assert (report.answers_in, report.answers_out) == (0, 0)  # both were carried by the cut-off sync, and only once
    phone.sync()
    assert [row[0] for row in phone.revlog(DECK, "heads", 1)] == [phone_ms]
    assert [row[0] for row in phone.revlog(DECK, "scale")] == [int(mine.timestamp() * 1000)]
    assert len(the_log(learner.database)) == 2
    assert phone.days_until_due(DECK, "scale") == phone.days_until_due(DECK, "heads", 1) == 1


def test_killing_the_server_while_fetching_changes_nothing_in_mlcards(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    phone.answer(DECK, "scale")
    phone.sync()
    before = file_fingerprint(learner.database.path)

    def kill_while_fetching(stage: Stage) -> None:
        if stage is Stage.PULL:
            learner.server.kill()

    with pytest.raises(SyncFailed, match="while fetching changes from the server"):
        learner.sync(progress=kill_while_fetching)
    assert file_fingerprint(learner.database.path) == before
    learner.server.start()
    assert learner.sync().answers_in == 1


def test_a_wrong_password_is_named_and_no_host_key_is_kept(learner: Learner, both_synced) -> None:  # type: ignore[no-untyped-def]
    (endpoint_folder(learner.database.path) / HOST_KEY_NAME).unlink()
    before = file_fingerprint(learner.database.path)
    with pytest.raises(SyncFailed, match="refused user 'learner': wrong user name or password"):
        learner.sync(password="not-the-password")
    assert not (endpoint_folder(learner.database.path) / HOST_KEY_NAME).exists()
    assert file_fingerprint(learner.database.path) == before


def test_without_a_host_key_the_password_is_asked_for(learner: Learner, both_synced) -> None:  # type: ignore[no-untyped-def]
    (endpoint_folder(learner.database.path) / HOST_KEY_NAME).unlink()
    with pytest.raises(SyncFailed, match="needs the password once: set MLCARDS_SYNC_PASSWORD"):
        learner.sync(password=None)


def test_a_saved_host_key_syncs_without_the_password_and_a_stale_one_is_replaced(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, _ = both_synced
    learner.sync(password=None)
    key_file = endpoint_folder(learner.database.path) / HOST_KEY_NAME
    key_file.write_text(key_file.read_text().replace('"hkey": "', '"hkey": "stale'))
    learner.sync()
    assert "stale" not in key_file.read_text()


def test_the_password_never_lands_on_disk_and_the_host_key_is_private(both_synced, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    learner, _ = both_synced
    learner.sync()
    mlcards_files = [path for path in (tmp_path / "data").rglob("*") if path.is_file()]
    assert any(path.name == "collection.anki2" for path in mlcards_files)
    for path in mlcards_files:
        assert PASSWORD.encode() not in path.read_bytes(), path
    folder = endpoint_folder(learner.database.path)
    assert stat.S_IMODE((folder / HOST_KEY_NAME).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_full_sync_asked_for_by_the_server_is_refused_until_the_learner_chooses(both_synced) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    phone_ms = phone.answer(DECK, "heads", ordinal=1)
    phone.collection.set_schema_modified()  # as editing a note type does: the phone's next sync must be a full one
    phone.sync(upload_if_asked=True)
    answer_in_mlcards(learner, datetime.now().astimezone() + timedelta(seconds=2))
    before = file_fingerprint(learner.database.path)
    with pytest.raises(FullSyncRequired, match="--full-download keeps the server's collection"):
        learner.sync()
    assert file_fingerprint(learner.database.path) == before
    report = learner.sync(full=FullSync.DOWNLOAD)
    assert (report.full_sync, report.answers_in, report.answers_out) == (FullSync.DOWNLOAD, 1, 1)
    phone.sync()
    assert [row[0] for row in phone.revlog(DECK, "heads", 1)] == [phone_ms]
    assert len(phone.revlog(DECK, "scale")) == 1


def test_a_second_sync_at_the_same_time_is_told_to_wait(learner: Learner) -> None:
    first = open_endpoint(endpoint_folder(learner.database.path))
    try:
        with pytest.raises(SyncFailed, match="another mlcards is syncing with Anki right now"):
            open_endpoint(endpoint_folder(learner.database.path))
    finally:
        first.close()


def test_no_server_in_the_settings_says_where_to_set_it(learner: Learner) -> None:
    from mlcards.ankisync.run import sync_with_anki
    from mlcards.config import SyncSettings

    with pytest.raises(SyncFailed, match=r"no sync server is set; set it in config.toml under \[sync\]"):
        sync_with_anki(learner.database, Settings(), SyncSettings(), datetime.now().astimezone())
    assert rows(learner.database.path, "SELECT count(*) AS n FROM anki_answer_out") == [{"n": 0}]
