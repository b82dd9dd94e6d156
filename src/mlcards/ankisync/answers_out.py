"""Answers and due dates out: mlcards' review log into the Anki copy's revlog, and each prompt's
schedule into its Anki card, so the phone shows the same due dates and history.

The card states are written on every sync from mlcards' replayed schedule (the log is the
truth; Anki's own scheduling of an answer given on the phone is replaced by mlcards' replay of
it). Revlog rows are written once per answer; an answer written by a sync that was cut off
before it could record so is recognised by its id and card, and not written twice.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

from mlcards.ankisync.endpoint import open_db, rows_of
from mlcards.export.anki import note_guid
from mlcards.export.progress import (
    CARD_NEW,
    QUEUE_NEW,
    QUEUE_SUSPENDED,
    AnkiCardState,
    PackageCalendar,
    ScheduledCard,
    anki_card_state,
    revlog_id_of,
    revlog_row,
)
from mlcards.scheduling.rule import RuleSettings
from mlcards.store.synced import OutgoingAnswer

if TYPE_CHECKING:
    from anki.collection import Collection as AnkiCollection
    from anki.dbproxy import Row


class AnkiCard(NamedTuple):
    id: int
    state: AnkiCardState  # its scheduling columns, as anki_card_state gives them
    in_filtered_deck: bool


_CARDS_SQL = (
    "SELECT c.id, n.guid, c.ord, c.type, c.queue, c.due, c.ivl, c.factor, c.reps, c.lapses, c.left, c.odid "
    "FROM cards c JOIN notes n ON n.id = c.nid"
)
_CHUNK = 500  # GUIDs per query, well under SQLite's bound-parameter limit


def anki_cards(collection: AnkiCollection, guids: Collection[str] | None = None) -> dict[tuple[str, int], AnkiCard]:
    """Cards of the collection by (note GUID, ordinal): every card, or those of the notes of `guids`."""
    if guids is None or len(guids) > _CHUNK:  # GUIDs are not indexed: each chunk would scan every note
        every = _by_note_and_ordinal(rows_of(collection, _CARDS_SQL))
        if guids is None:
            return every
        wanted_set = set(guids)
        return {key: card for key, card in every.items() if key[0] in wanted_set}
    wanted = sorted(guids)
    found: dict[tuple[str, int], AnkiCard] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(
            _by_note_and_ordinal(rows_of(collection, f"{_CARDS_SQL} WHERE n.guid IN ({','.join('?' * len(chunk))})", *chunk))
        )
    return found


def cards_changed_since(collection: AnkiCollection, since_usn: int) -> dict[tuple[str, int], AnkiCard]:
    """The cards the server sent since `since_usn` by (note GUID, ordinal): answered, rescheduled or
    reset in Anki, so their state may no longer be mlcards'."""
    return _by_note_and_ordinal(rows_of(collection, f"{_CARDS_SQL} WHERE c.usn >= ?", since_usn))


def _by_note_and_ordinal(rows: list[Row]) -> dict[tuple[str, int], AnkiCard]:
    return {
        (guid, ordinal): AnkiCard(card_id, AnkiCardState(*columns), bool(odid)) for card_id, guid, ordinal, *columns, odid in rows
    }


def send_answers(
    collection: AnkiCollection, outgoing: list[OutgoingAnswer], cards: dict[tuple[str, int], AnkiCard]
) -> list[tuple[int, int]]:
    """Write each answer as a revlog row to be synced; returns (log id, revlog id) of those now held."""
    if not outgoing:
        return []
    # Revlog ids are the answers' times: only rows from the first answer's millisecond on can collide.
    first = min(revlog_id_of(outgoing_answer.answer) for outgoing_answer in outgoing)
    held: dict[int, int] = {
        revlog_id: card_id for revlog_id, card_id in rows_of(collection, "SELECT id, cid FROM revlog WHERE id >= ?", first)
    }
    rows = []
    sent = []
    for answer in outgoing:
        card = cards.get((note_guid(answer.deck_id, answer.card_id), answer.ordinal - 1))
        if card is None:  # a prompt the Anki copy lacks (its card left the YAML before it went out)
            continue
        revlog_id = revlog_id_of(answer.answer)
        while revlog_id in held and held[revlog_id] != card.id:
            revlog_id += 1  # another card's answer in the same millisecond
        if held.get(revlog_id) != card.id:
            rows.append(revlog_row(revlog_id, card.id, answer.answer))
            held[revlog_id] = card.id
        sent.append((answer.log_id, revlog_id))
    _insert_revlog(collection, rows)
    return sent


_ROWS_PER_INSERT = 1000  # 9 values each, well under SQLite's bound-parameter limit


def _insert_revlog(collection: AnkiCollection, rows: Sequence[tuple[int, ...]]) -> None:
    """Multi-row INSERTs: Anki's executemany runs one statement per row outside a transaction, which
    took 2 ms a row right after a pull (a sync of 100 answers spent most of its time there)."""
    database = open_db(collection)
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
        database.execute(
            f"INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) VALUES {values}",
            *(value for row in chunk for value in row),
        )


def send_card_states(
    collection: AnkiCollection,
    prompts: list[ScheduledCard],
    cards: dict[tuple[str, int], AnkiCard],
    today: date,
    rule: RuleSettings,
) -> int:
    """Give each Anki card its prompt's state where they differ; returns how many changed.
    `prompts` carry their review-log rows (Anki counts them as the card's reps); `today` is the
    study day of the sync (a same-day repeat owed today makes a learning card)."""
    # Anki numbers days from its collection's creation: today is day `sched.today` there. Only the
    # numbering of the calendar is used here; the collection keeps its own creation time.
    origin = today - timedelta(days=collection.sched.today)
    calendar = PackageCalendar(origin, collection.crt, 0, 0)
    wanted: dict[int, AnkiCardState] = {}
    for prompt in prompts:
        card = cards.get((prompt.guid, prompt.ord))
        if card is None or card.in_filtered_deck:  # a filtered deck owns its cards' due dates until they return
            continue
        schedule = prompt.schedule
        current = card.state
        if schedule.due is not None:
            state = anki_card_state(schedule, today, calendar, rule)
        elif current.type == CARD_NEW:  # new on both sides: only suspension is ours to say
            state = current._replace(queue=QUEUE_SUSPENDED if schedule.suspended else QUEUE_NEW)
        else:
            continue  # new here, answered there without a grade (a manual reschedule): left to Anki
        if state != current:
            wanted[card.id] = state
    if not wanted:
        return 0
    changed = []
    for card_id, state in wanted.items():
        updated = collection.get_card(card_id)  # type: ignore[arg-type]
        updated.type, updated.queue = state.type, state.queue  # type: ignore[assignment]
        updated.due, updated.ivl, updated.factor = state.due, state.ivl, state.factor
        updated.reps, updated.lapses, updated.left = state.reps, state.lapses, state.left
        updated.odue = 0
        changed.append(updated)
    collection.update_cards(changed, skip_undo_entry=True)
    return len(changed)
