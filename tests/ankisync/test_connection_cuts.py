"""The connection cut in the middle of an HTTP transfer: a relay between mlcards and the real sync
server forwards part of one request or response, then closes both sockets (or the server is
killed while the transfer is held). Each cut is named as a cut, changes nothing the message says
was left alone, and the next sync completes without losing or repeating an answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from anki.scheduler.v3 import CardAnswer

from mlcards.ankisync.faults import Stage, SyncFailed
from mlcards.ankisync.run import FullSync
from mlcards.config import Settings
from mlcards.paths import shipped_decks_dir
from mlcards.review import Answer, ReviewSession
from mlcards.store.sync import sync

from ..dbcheck import file_fingerprint, schedule_of
from .conftest import DECK, Learner, Phone, SyncServer, copy_state, the_log
from .relay import Cut, Direction, Relay

pytestmark = pytest.mark.anki_server

CUT_MESSAGE = r"the connection to the Anki sync server at http://127\.0\.0\.1:\d+/ was cut while "


@pytest.fixture
def relay(server: SyncServer) -> Iterator[Relay]:
    running = Relay(server.port)
    yield running
    running.close()


def arm_at(relay: Relay, stage: Stage, cut: Cut) -> Callable[[Stage], None]:
    """A progress callback arming `cut` when the sync reaches `stage` (a method such as applyChunk
    is posted in both the pull and the push)."""

    def progress(reached: Stage) -> None:
        if reached is stage:
            relay.arm(cut)

    return progress


def answered_on_both_sides(learner: Learner, phone: Phone) -> tuple[int, datetime]:
    """The phone answers c1 of 'heads' and syncs; mlcards answers 'scale' a moment later."""
    phone_ms = phone.answer(DECK, "heads", CardAnswer.GOOD, ordinal=1)
    phone.sync()
    mine = datetime.now().astimezone() + timedelta(seconds=2)
    ReviewSession(learner.database, Settings(), mine).answer(Answer.GOOD, mine)
    return phone_ms, mine


def assert_cut_inside_the_body(cut: Cut) -> None:
    """The cut happened after the message's headers and before its end."""
    assert cut.made and 0 < cut.headers_length < cut.forwarded
    assert cut.message_length is None or cut.forwarded < cut.message_length


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def assert_in_step_after_one_more_sync(learner: Learner, phone: Phone, phone_ms: int, mine: datetime) -> None:
    """The next sync completes; each answer is on each side exactly once and the due dates agree."""
    learner.sync(mine)
    phone.sync()
    assert [row[0] for row in phone.revlog(DECK, "heads", 1)] == [phone_ms]
    assert [row[0] for row in phone.revlog(DECK, "scale")] == [ms(mine)]
    assert sorted(int(str(row["review_time_ms"])) for row in the_log(learner.database)) == [phone_ms, ms(mine)]
    for card_id, ordinal in (("scale", 1), ("heads", 1)):
        due = datetime.fromisoformat(schedule_of(learner.database.path, DECK, card_id, ordinal)["due"]).date()
        assert phone.days_until_due(DECK, card_id, ordinal) == (due - mine.date()).days


# What the pull exchanges, in order: a status request, then Anki's normal sync (start, the server's
# changes, its chunks, the client's chunk, a sanity check, finish).
PULL_CUTS = [
    ("meta", Direction.RESPONSE),
    ("start", Direction.REQUEST),
    ("applyChanges", Direction.RESPONSE),
    ("chunk", Direction.RESPONSE),
    ("applyChunk", Direction.REQUEST),
    ("sanityCheck2", Direction.REQUEST),
    ("finish", Direction.RESPONSE),  # the server ends an exchange with nothing in it: nothing of mlcards' was sent yet
]


@pytest.mark.parametrize(("method", "direction"), PULL_CUTS, ids=[f"{m}-{d.value}" for m, d in PULL_CUTS])
def test_a_cut_while_fetching_is_named_and_changes_nothing(both_synced, relay: Relay, method: str, direction: Direction) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    learner.url = relay.url
    phone_ms, mine = answered_on_both_sides(learner, phone)
    before = file_fingerprint(learner.database.path)
    cut = Cut(method, direction)
    with pytest.raises(SyncFailed, match=CUT_MESSAGE + "fetching changes from the server") as failure:
        learner.sync(mine, progress=arm_at(relay, Stage.PULL, cut))
    assert_cut_inside_the_body(cut)
    assert "the server answers again now" in str(failure.value)
    assert "Nothing was changed in mlcards or on the server" in str(failure.value)
    assert file_fingerprint(learner.database.path) == before
    phone.sync()  # the server as before: it has nothing of mlcards' answer
    assert phone.revlog(DECK, "scale") == []
    assert_in_step_after_one_more_sync(learner, phone, phone_ms, mine)


# What the push exchanges: mlcards' answers and card states go up in applyChunk; the server
# commits them on finish, so a cut in finish's response leaves them all on the server.
PUSH_CUTS = [
    ("start", Direction.REQUEST, False),
    ("applyChunk", Direction.REQUEST, False),
    ("finish", Direction.RESPONSE, True),
]


@pytest.mark.parametrize(("method", "direction", "server_took_it"), PUSH_CUTS, ids=[f"{m}-{d.value}" for m, d, _ in PUSH_CUTS])
def test_a_cut_while_sending_keeps_the_answers_for_the_next_sync(  # type: ignore[no-untyped-def]
    both_synced, relay: Relay, method: str, direction: Direction, server_took_it: bool
) -> None:
    learner, phone = both_synced
    learner.url = relay.url
    phone_ms, mine = answered_on_both_sides(learner, phone)
    cut = Cut(method, direction)
    with pytest.raises(SyncFailed, match=CUT_MESSAGE + "sending changes to the server") as failure:
        learner.sync(mine, progress=arm_at(relay, Stage.PUSH, cut))
    assert_cut_inside_the_body(cut)
    assert "mlcards' changes wait in its Anki copy and go out with the next sync" in str(failure.value)
    assert len(the_log(learner.database)) == 2  # the phone's answer was taken in, as the message says
    phone.sync()
    assert [row[0] for row in phone.revlog(DECK, "scale")] == ([ms(mine)] if server_took_it else [])
    assert_in_step_after_one_more_sync(learner, phone, phone_ms, mine)


@pytest.fixture
def large_collection_on_both_sides(learner: Learner, make_phone, relay: Relay):  # type: ignore[no-untyped-def]
    """The shipped decks (about 1,500 Anki cards) on mlcards and the phone; then the phone answers a
    card and forces a full sync (its schema changed, as editing a note type does) and uploads."""
    sync(learner.database, [shipped_decks_dir()])
    learner.sync()
    phone = make_phone()
    phone.sync()
    deck_id, card_id = learner.database.connection.execute("SELECT deck_id, card_id FROM card ORDER BY pk LIMIT 1").fetchone()
    phone_ms = phone.answer(deck_id, card_id)
    phone.collection.set_schema_modified()
    phone.sync(upload_if_asked=True)
    learner.url = relay.url
    return learner, phone, phone_ms


def test_a_cut_in_a_full_download_leaves_mlcards_copy_whole(large_collection_on_both_sides, relay: Relay) -> None:  # type: ignore[no-untyped-def]
    learner, phone, phone_ms = large_collection_on_both_sides
    mine = datetime.now().astimezone() + timedelta(seconds=2)
    ReviewSession(learner.database, Settings(), mine).answer(Answer.GOOD, mine)
    before, copy_before = file_fingerprint(learner.database.path), copy_state(learner)
    cut = Cut("download", Direction.RESPONSE)
    with pytest.raises(SyncFailed, match=CUT_MESSAGE + "downloading the server's whole collection") as failure:
        learner.sync(mine, full=FullSync.DOWNLOAD, progress=arm_at(relay, Stage.PULL, cut))
    assert_cut_inside_the_body(cut)
    assert cut.message_length is None  # more than 100,000 bytes: cut while the collection streamed in
    assert "Nothing was changed in mlcards or on the server" in str(failure.value)
    assert "mlcards sync --full-download again" in str(failure.value)
    assert file_fingerprint(learner.database.path) == before
    assert copy_state(learner) == copy_before
    report = learner.sync(mine, full=FullSync.DOWNLOAD)
    assert (report.full_sync, report.answers_in, report.answers_out) == (FullSync.DOWNLOAD, 1, 1)
    assert sorted(row["review_time_ms"] for row in the_log(learner.database)) == [phone_ms, ms(mine)]
    phone.sync()
    assert phone.collection.db.list("SELECT id FROM revlog ORDER BY id") == [phone_ms, ms(mine)]  # each answer once


@pytest.mark.parametrize("how", ["cut", "server-killed"])
def test_a_full_upload_cut_or_killed_midway_leaves_the_server_collection_as_it_was(  # type: ignore[no-untyped-def]
    large_collection_on_both_sides, relay: Relay, how: str
) -> None:
    learner, phone, phone_ms = large_collection_on_both_sides
    mine = datetime.now().astimezone() + timedelta(seconds=2)
    ReviewSession(learner.database, Settings(), mine).answer(Answer.GOOD, mine)
    killed = how == "server-killed"
    cut = Cut(
        "upload",
        Direction.REQUEST,
        before_cutting=learner.server.kill if killed else None,
        close_connection=not killed,
    )
    with pytest.raises(SyncFailed, match=CUT_MESSAGE + "uploading mlcards' whole Anki copy to the server") as failure:
        learner.sync(mine, full=FullSync.UPLOAD, progress=arm_at(relay, Stage.FULL_UPLOAD, cut))
    assert_cut_inside_the_body(cut)
    assert cut.message_length is None  # more than 100,000 bytes: cut while the collection streamed out
    message = str(failure.value)
    assert ("the server no longer answers" in message) is killed
    assert "The server keeps its collection as it was" in message
    assert "mlcards sync --full-upload again" in message
    assert [row["review_time_ms"] for row in the_log(learner.database)] == [ms(mine)]  # a full upload takes nothing in
    if killed:
        learner.server.start()
    (mine_row,) = the_log(learner.database)
    mine_card = (str(mine_row["deck_id"]), str(mine_row["card_id"]))
    phone.sync()  # the server still holds the phone's upload: its answer, nothing of mlcards'
    assert phone.collection.db.list("SELECT id FROM revlog") == [phone_ms]
    report = learner.sync(mine, full=FullSync.UPLOAD)
    assert report.full_sync is FullSync.UPLOAD
    phone.sync()  # now the phone takes mlcards' collection, as --full-upload said it would
    assert phone.collection.db.list("SELECT id FROM revlog") == [ms(mine)]
    assert phone.revlog(*mine_card)[0][0] == ms(mine)
