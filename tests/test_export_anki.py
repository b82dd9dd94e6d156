"""Anki export, verified by importing each package into a fresh collection with Anki's own backend."""

from __future__ import annotations

import re
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from anki.collection import Collection as AnkiCollection
from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

from mlcards.cli import main
from mlcards.config import Settings
from mlcards.export import ExportError, export_anki_package
from mlcards.export.anki import BASIC_MODEL_ID, CLOZE_MODEL_ID, anki_deck_id, note_guid
from mlcards.export.html_cache import cache_path_for, render_fields
from mlcards.export.progress import anki_ease
from mlcards.export.render_pool import PARALLEL_MINIMUM, render_all, render_share
from mlcards.render.html import cloze_to_html, code_stylesheet, markdown_to_html
from mlcards.review import Answer, ReviewFilter, ReviewSession
from mlcards.scheduling.days import study_day
from mlcards.store.database import Database
from mlcards.store.history import log_rows
from mlcards.store.sync import sync

WriteDeck = Callable[..., Path]
NOW = datetime.now().astimezone()  # Anki's importer reads the real clock, so progress is dated from now

MARGINS = """
id: ml.face.margins
name: ML::Face::Margin Losses
source: Softmax loss improvements
tags: [face, loss]
description: Margins on the target logit.
cards:
  - id: cosface
    front: What is the target logit in *CosFace*?
    back: |
      $$s\\,(\\cos\\theta_{y} - m)$$
      An **additive cosine** margin; typical $s = 64$ and a price of \\$5.
    extra: Compare with `ArcFace`.
    tags: [formula]
  - id: fp16-max
    type: cloze
    text: FP16's largest value is {{c1::65504}}, that is {{c2::$2^{15}\\times(2-2^{-10})$}}.
    source: FP16 / FP32 / FP64
  - id: nested-power
    type: cloze
    text: 'A tower: {{c1::$x^{y^{2}}$::power}} and {{c2::`{a: {b: 1}}`}}.'
"""
CODE = """
id: algo.code
name: Algorithms::Code
source: LeetCode
cards:
  - id: loop
    front: Write the loop.
    back: |
      ```python
      for i in range(3):  # count
          print(i < 2)
      ```
"""


@pytest.fixture
def anki_collection(tmp_path: Path) -> Iterator[Callable[[], AnkiCollection]]:
    """Fresh, empty Anki collections made by Anki's own backend, closed after the test."""
    opened: list[AnkiCollection] = []

    def make() -> AnkiCollection:
        folder = tmp_path / f"anki-{len(opened)}"
        folder.mkdir()
        collection = AnkiCollection(str(folder / "collection.anki2"))
        opened.append(collection)
        return collection

    yield make
    for collection in opened:
        collection.close()


def import_package(collection: AnkiCollection, package: Path, with_scheduling: bool = False):  # type: ignore[no-untyped-def]
    options = ImportAnkiPackageOptions(with_scheduling=with_scheduling)
    return collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options)).log


def note_by_ref(collection: AnkiCollection, ref: str):  # type: ignore[no-untyped-def]
    (note_id,) = collection.find_notes(f'"Ref:{ref}"')
    return collection.get_note(note_id)


def cards_of(collection: AnkiCollection, ref: str):  # type: ignore[no-untyped-def]
    note = note_by_ref(collection, ref)
    return sorted((collection.get_card(card_id) for card_id in note.card_ids()), key=lambda card: card.ord)


def without_style(html: str) -> str:
    return re.sub(r"(?s)<style>.*?</style>", "", html)


@pytest.fixture
def synced(database: Database, write_deck: WriteDeck) -> Database:
    sync(database, [write_deck(MARGINS, "margins.yaml"), write_deck(CODE, "code.yaml")])
    return database


# --- the package as Anki sees it ---------------------------------------------------------


def test_package_imports_with_every_note_card_and_deck(synced: Database, tmp_path: Path, anki_collection) -> None:
    report = export_anki_package(synced, tmp_path / "out.apkg", NOW)
    anki = anki_collection()
    log = import_package(anki, report.path)
    assert (report.notes, report.cards, report.decks) == (4, 6, 2)
    assert len(log.new) == 4
    assert (anki.note_count(), anki.card_count()) == (4, 6)
    names = {deck.name for deck in anki.decks.all_names_and_ids()}
    assert {"ML", "ML::Face", "ML::Face::Margin Losses", "Algorithms", "Algorithms::Code"} <= names


def test_basic_note_has_rendered_fields_source_extra_and_tags(synced: Database, tmp_path: Path, anki_collection) -> None:
    anki = anki_collection()
    import_package(anki, export_anki_package(synced, tmp_path / "out.apkg", NOW).path)
    note = note_by_ref(anki, "ml.face.margins/cosface")
    assert note.note_type()["name"] == "mlcards Basic"
    assert note["Front"] == "<p>What is the target logit in <em>CosFace</em>?</p>"
    assert "\\[s\\,(\\cos\\theta_{y} - m)\\]" in note["Back"]
    assert "<strong>additive cosine</strong>" in note["Back"]
    assert note["Extra"] == "<p>Compare with <code>ArcFace</code>.</p>"
    assert note["Source"] == "Softmax loss improvements"
    assert sorted(note.tags) == ["face", "formula", "loss"]
    card = anki.get_card(note.card_ids()[0])
    assert anki.decks.name(card.did) == "ML::Face::Margin Losses"


def test_math_becomes_mathjax_delimiters_and_an_escaped_dollar_stays_a_dollar(
    synced: Database, tmp_path: Path, anki_collection
) -> None:
    anki = anki_collection()
    import_package(anki, export_anki_package(synced, tmp_path / "out.apkg", NOW).path)
    back = note_by_ref(anki, "ml.face.margins/cosface")["Back"]
    assert "\\(s = 64\\)" in back
    assert "a price of $5." in back
    assert "$$" not in back and "\\$" not in back


def test_cloze_note_makes_one_anki_card_per_deletion_even_with_latex_braces(
    synced: Database, tmp_path: Path, anki_collection
) -> None:
    anki = anki_collection()
    import_package(anki, export_anki_package(synced, tmp_path / "out.apkg", NOW).path)
    note = note_by_ref(anki, "ml.face.margins/nested-power")
    assert note.note_type()["name"] == "mlcards Cloze"
    first, second = cards_of(anki, "ml.face.margins/nested-power")
    assert (first.ord, second.ord) == (0, 1)
    assert "x^{y^{2}" not in without_style(first.question())
    assert "[power]" in without_style(first.question())
    assert "\\(x^{y^{2} }\\)" in without_style(first.answer())
    assert "{a: {b: 1&#125;}" in without_style(second.answer())
    assert len(cards_of(anki, "ml.face.margins/fp16-max")) == 2


def test_fenced_code_is_highlighted_with_a_night_mode_palette(synced: Database, tmp_path: Path, anki_collection) -> None:
    anki = anki_collection()
    import_package(anki, export_anki_package(synced, tmp_path / "out.apkg", NOW).path)
    note = note_by_ref(anki, "algo.code/loop")
    assert '<pre class="mlcards-code"><code class="language-python">' in note["Back"]
    assert '<span class="k">for</span>' in note["Back"]
    assert "&lt;" in note["Back"]
    css = note.note_type()["css"]
    assert ".nightMode .mlcards-code .k" in css and ".night_mode .mlcards-code .k" in css


# --- identity: re-import updates in place ------------------------------------------------


def test_reimporting_the_same_export_creates_no_duplicates(synced: Database, tmp_path: Path, anki_collection) -> None:
    anki = anki_collection()
    import_package(anki, export_anki_package(synced, tmp_path / "first.apkg", NOW).path)
    log = import_package(anki, export_anki_package(synced, tmp_path / "again.apkg", NOW + timedelta(minutes=1)).path)
    assert not log.new
    assert (anki.note_count(), anki.card_count()) == (4, 6)
    note_types = [model.name for model in anki.models.all_names_and_ids()]
    assert note_types.count("mlcards Basic") == note_types.count("mlcards Cloze") == 1


def test_an_edited_card_updates_its_anki_note_in_place(
    database: Database, write_deck: WriteDeck, tmp_path: Path, anki_collection
) -> None:
    deck_file = write_deck(MARGINS, "margins.yaml")
    sync(database, [deck_file])
    anki = anki_collection()
    import_package(anki, export_anki_package(database, tmp_path / "v1.apkg", NOW).path)
    note_id = note_by_ref(anki, "ml.face.margins/cosface").id

    deck_file.write_text(deck_file.read_text().replace("An **additive cosine** margin", "An additive margin, edited"))
    sync(database, [deck_file])
    log = import_package(anki, export_anki_package(database, tmp_path / "v2.apkg", NOW + timedelta(minutes=1)).path)

    note = note_by_ref(anki, "ml.face.margins/cosface")
    assert note.id == note_id
    assert "An additive margin, edited" in note["Back"]
    assert not log.new
    assert anki.note_count() == 3


def test_two_decks_holding_the_same_text_never_collide(
    database: Database, write_deck: WriteDeck, tmp_path: Path, anki_collection
) -> None:
    card = "cards:\n  - id: same\n    front: Same question?\n    back: Same answer.\n"
    sync(
        database,
        [
            write_deck(f"id: one\nname: One\nsource: s\n{card}", "one.yaml"),
            write_deck(f"id: two\nname: Two\nsource: s\n{card}", "two.yaml"),
        ],
    )
    anki = anki_collection()
    import_package(anki, export_anki_package(database, tmp_path / "out.apkg", NOW).path)
    assert anki.note_count() == 2
    assert note_by_ref(anki, "one/same").guid != note_by_ref(anki, "two/same").guid


def test_ids_depend_on_identity_only() -> None:
    assert anki_deck_id("ml.face.margins") == anki_deck_id("ml.face.margins")
    assert anki_deck_id("ml.face.margins") != anki_deck_id("ml.face.margins2")
    assert 1 < anki_deck_id("x") < 2**53
    assert note_guid("a", "b") == note_guid("a", "b")
    assert len({note_guid("a__b", "c"), note_guid("a", "b__c"), note_guid("a", "b")}) == 3
    assert BASIC_MODEL_ID != CLOZE_MODEL_ID


# --- what is exported ----------------------------------------------------------------------


def test_removed_cards_and_cloze_deletions_are_left_out(
    database: Database, write_deck: WriteDeck, tmp_path: Path, anki_collection
) -> None:
    deck_file = write_deck(MARGINS, "margins.yaml")
    sync(database, [deck_file])
    edited = MARGINS.replace(", that is {{c2::$2^{15}\\times(2-2^{-10})$}}", "")
    assert edited != MARGINS
    edited = edited[: edited.index("  - id: nested-power")]
    deck_file.write_text(edited)
    sync(database, [deck_file])
    report = export_anki_package(database, tmp_path / "out.apkg", NOW)
    anki = anki_collection()
    import_package(anki, report.path)
    assert (anki.note_count(), anki.card_count()) == (2, 2)
    assert not anki.find_notes('"Ref:ml.face.margins/nested-power"')


def test_deck_and_tag_filters_choose_the_notes(synced: Database, tmp_path: Path, anki_collection) -> None:
    assert export_anki_package(synced, tmp_path / "a.apkg", NOW, deck="Algorithms").notes == 1
    assert export_anki_package(synced, tmp_path / "b.apkg", NOW, deck="ml.face.margins").notes == 3
    assert export_anki_package(synced, tmp_path / "c.apkg", NOW, tags=("formula",)).notes == 1
    with pytest.raises(ExportError, match="no deck is named 'Nope'"):
        export_anki_package(synced, tmp_path / "d.apkg", NOW, deck="Nope")
    with pytest.raises(ExportError, match="no cards to export"):
        export_anki_package(synced, tmp_path / "e.apkg", NOW, tags=("absent",))
    assert not (tmp_path / "d.apkg").exists() and not (tmp_path / "e.apkg").exists()


def test_a_failed_export_leaves_the_previous_package_untouched(synced: Database, tmp_path: Path) -> None:
    target = tmp_path / "out.apkg"
    target.write_bytes(b"previous")
    with pytest.raises(ExportError):
        export_anki_package(synced, target, NOW, tags=("absent",))
    assert target.read_bytes() == b"previous"
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".out.apkg")] == []


# --- progress --------------------------------------------------------------------------------


def review_history(database: Database) -> None:
    """Real answers through a review session on three past days and today, then one suspension."""
    settings = Settings()
    for days_ago, answers in [
        (20, [Answer.GOOD, Answer.GOOD, Answer.EASY, Answer.GOOD]),
        (19, [Answer.GOOD, Answer.AGAIN, Answer.GOOD]),
        (13, [Answer.HARD, Answer.GOOD]),
        (0, [Answer.AGAIN]),
    ]:
        moment = NOW - timedelta(days=days_ago)
        session = ReviewSession(database, settings, moment, ReviewFilter(deck="ml.face.margins"))
        for answer in answers:
            if session.current is not None:
                session.answer(answer, moment, duration_ms=4200)
                moment += timedelta(seconds=20)
    session = ReviewSession(database, settings, NOW, ReviewFilter(deck="ml.face.margins"), cram=True, seed=1)
    while session.current is not None and session.current.card_id != "nested-power":
        session.answer(Answer.GOOD, NOW)
    session.suspend()


def our_progress(database: Database) -> dict[tuple[str, int], tuple]:
    with sqlite3.connect(database.path) as connection:
        rows = connection.execute(
            "SELECT c.card_id, s.ordinal, s.due, s.interval, s.easiness, s.lapses, s.suspended,"
            " (SELECT count(*) FROM review_log r WHERE r.schedule_id = s.id), s.redrill_on"
            " FROM schedule s JOIN card c ON c.pk = s.card_pk WHERE c.deck_id = 'ml.face.margins'"
        ).fetchall()
    return {(card_id, ordinal): rest for card_id, ordinal, *rest in rows}


def reviewed_and_imported(database: Database, write_deck: WriteDeck, tmp_path: Path, anki_collection):  # type: ignore[no-untyped-def]
    """The margins deck with review_history, exported with progress and imported into a fresh Anki collection."""
    sync(database, [write_deck(MARGINS, "margins.yaml")])
    review_history(database)
    report = export_anki_package(database, tmp_path / "out.apkg", NOW, with_progress=True)
    anki = anki_collection()
    import_package(anki, report.path, with_scheduling=True)
    return report, anki


def test_with_progress_anki_shows_the_same_due_dates_intervals_ease_and_history(
    database: Database, write_deck: WriteDeck, tmp_path: Path, anki_collection
) -> None:
    report, anki = reviewed_and_imported(database, write_deck, tmp_path, anki_collection)

    today = study_day(NOW)
    progress = our_progress(database)
    assert sum(row[5] for row in progress.values()) == report.reviews > 0
    reviewed = 0
    repeats_owed = 0
    for (card_id, ordinal), (due, interval, easiness, lapses, suspended, reviews, redrill_on) in progress.items():
        card = cards_of(anki, f"ml.face.margins/{card_id}")[ordinal - 1]
        assert card.reps == reviews
        assert anki.db.scalar("SELECT count() FROM revlog WHERE cid = ?", card.id) == reviews
        if redrill_on == today.isoformat() and not suspended:  # failed today: a learning card, due again at once
            repeats_owed += 1
            assert (card.type in (1, 3), card.queue, card.left) == (True, 1, 1)
            assert card.due <= int(NOW.timestamp())
            continue
        assert card.queue == (-1 if suspended else 2 if due else 0)
        if due is None:
            assert card.type == 0
            continue
        reviewed += 1
        assert card.type == 2
        assert card.due - anki.sched.today == (date.fromisoformat(due) - today).days
        assert (card.ivl, card.factor, card.lapses) == (interval, easiness * 10, lapses)
    assert reviewed >= 2 and repeats_owed == 1  # the Again given today


def test_review_log_rows_carry_buttons_intervals_ease_and_time(
    database: Database, write_deck: WriteDeck, tmp_path: Path, anki_collection
) -> None:
    sync(database, [write_deck(MARGINS, "margins.yaml")])
    session = ReviewSession(database, Settings(), NOW - timedelta(days=7), ReviewFilter(deck="ml.face.margins"))
    session.answer(Answer.GOOD, NOW - timedelta(days=7), duration_ms=3100)
    session = ReviewSession(database, Settings(), NOW - timedelta(days=6), ReviewFilter(deck="ml.face.margins"))
    session.answer(Answer.HARD, NOW - timedelta(days=6), duration_ms=5200)
    anki = anki_collection()
    import_package(anki, export_anki_package(database, tmp_path / "out.apkg", NOW, with_progress=True).path, with_scheduling=True)
    card = cards_of(anki, "ml.face.margins/cosface")[0]
    rows = anki.db.all("SELECT id, ease, ivl, lastIvl, factor, time, type FROM revlog WHERE cid = ? ORDER BY id", card.id)
    assert [row[1:] for row in rows] == [[3, 1, 0, 2500, 3100, 0], [2, 6, 1, 2360, 5200, 1]]
    assert rows[0][0] == int((NOW - timedelta(days=7)).timestamp() * 1000)


def test_without_progress_every_card_arrives_new(
    database: Database, write_deck: WriteDeck, tmp_path: Path, anki_collection
) -> None:
    sync(database, [write_deck(MARGINS, "margins.yaml")])
    review_history(database)
    anki = anki_collection()
    import_package(anki, export_anki_package(database, tmp_path / "out.apkg", NOW).path, with_scheduling=True)
    assert anki.db.scalar("SELECT count() FROM cards WHERE type != 0") == 0
    assert anki.db.scalar("SELECT count() FROM revlog") == 0


def test_grades_map_to_anki_buttons() -> None:
    assert [anki_ease(int(answer)) for answer in (Answer.AGAIN, Answer.HARD, Answer.GOOD, Answer.EASY)] == [1, 2, 3, 4]
    assert anki_ease(0) == anki_ease(2) == 1


# --- rendering ---------------------------------------------------------------------------------


def test_markdown_in_math_is_not_emphasis_and_raw_html_is_shown_as_written() -> None:
    assert markdown_to_html("$a_1 * b_2 * c$ and List<int>") == "<p>\\(a_1 * b_2 * c\\) and List&lt;int&gt;</p>"
    assert markdown_to_html("`$x$` costs \\$3") == "<p><code>$x$</code> costs $3</p>"
    assert markdown_to_html("$a<b$") == "<p>\\(a&lt;b\\)</p>"


def test_cloze_text_keeps_every_deletion_valid_for_anki() -> None:
    assert cloze_to_html("{{c1::a}} and {{c2::b::hint}}") == "<p>{{c1::a}} and {{c2::b::hint}}</p>"
    assert cloze_to_html("{{c1::$\\frac{a}{b^{2}}$}}") == "<p>{{c1::\\(\\frac{a}{b^{2} }\\)}}</p>"
    assert cloze_to_html("{{c1::{a}}}") == "<p>{{c1::{a&#125;}}</p>"


def test_code_stylesheet_has_day_and_night_palettes() -> None:
    css = code_stylesheet()
    assert ".mlcards-code .k {" in css
    assert ".nightMode .mlcards-code, .night_mode .mlcards-code {" in css


# --- command line --------------------------------------------------------------------------------


def test_export_command_writes_a_package_and_reports_counts(tmp_path: Path, write_deck: WriteDeck, capsys) -> None:
    decks = write_deck(MARGINS, "margins.yaml").parent
    common = ["--db", str(tmp_path / "db.sqlite3"), "--config", str(tmp_path / "config.toml")]
    assert main([*common, "add", str(decks)]) == 0
    out_path = tmp_path / "out.apkg"
    assert main([*common, "export", "-o", str(out_path), "--deck", "ml.face.margins", "--with-progress"]) == 0
    assert "3 card(s) as Anki notes, 5 prompt(s) as Anki cards" in capsys.readouterr().out
    with zipfile.ZipFile(out_path) as archive:
        assert "collection.anki2" in archive.namelist()


def test_export_command_refuses_bad_input_with_a_message_and_no_file(tmp_path: Path, write_deck: WriteDeck, capsys) -> None:
    decks = write_deck(MARGINS, "margins.yaml").parent
    common = ["--db", str(tmp_path / "db.sqlite3"), "--config", str(tmp_path / "config.toml")]
    main([*common, "add", str(decks)])
    capsys.readouterr()
    assert main([*common, "export", "-o", str(tmp_path / "x.apkg"), "--deck", "Nope"]) == 1
    assert main([*common, "export", "-o", str(tmp_path / "x.zip")]) == 1
    assert main([*common, "export", "-o", str(tmp_path / "missing" / "x.apkg")]) == 1
    err = capsys.readouterr().err
    assert "no deck named 'Nope'" in err and "must end in .apkg" in err and "does not exist" in err
    assert "Traceback" not in err
    assert not list(tmp_path.glob("x.*"))


def test_a_large_batch_renders_in_helper_processes_to_the_same_html_in_the_same_order() -> None:
    jobs = [
        job
        for n in range(PARALLEL_MINIMUM)
        for job in (("markdown", f"**{n}**\n\n- item `{n}`"), ("cloze", f"{{{{c1::{n}}}}} and $x_{n}$"), ("inline", f"*src {n}*"))
    ]
    assert render_all(jobs) == render_share(jobs)


def test_html_cache_serves_unchanged_text_and_renders_new_text(tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    assert render_fields([("markdown", "**a**"), ("markdown", "**a**")], cache) == ["<p><strong>a</strong></p>"] * 2
    with sqlite3.connect(cache) as connection:
        connection.execute("UPDATE html SET html = 'from the cache'")
    connection.close()
    assert render_fields([("markdown", "**a**"), ("inline", "*b*")], cache) == ["from the cache", "<em>b</em>"]
    assert render_fields([("markdown", "**a**")], None) == ["<p><strong>a</strong></p>"]


def test_export_writes_its_html_cache_beside_the_database(synced: Database, tmp_path: Path) -> None:
    export_anki_package(synced, tmp_path / "out.apkg", NOW)
    assert cache_path_for(synced.path).exists()
    assert cache_path_for(synced.path).parent == synced.path.parent


def test_the_package_gets_ordinary_file_permissions(tmp_path: Path) -> None:
    import os
    import stat

    from mlcards.export.anki import _zip_atomically

    collection = tmp_path / "collection.anki2"
    collection.write_bytes(b"x")
    previous = os.umask(0o022)
    try:
        _zip_atomically(collection, tmp_path / "out.apkg")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "out.apkg").stat().st_mode) == 0o644


def test_revlog_types_in_a_package_are_those_mlcards_log_and_sync_give_each_answer(
    database: Database, write_deck: WriteDeck, tmp_path: Path, anki_collection
) -> None:
    report, anki = reviewed_and_imported(database, write_deck, tmp_path, anki_collection)
    ours = [row["review_kind"] for row in log_rows(database.connection, None, None)]
    theirs = [kind for (kind,) in anki.db.execute("SELECT type FROM revlog ORDER BY id")]
    assert ours == theirs and len(ours) == report.reviews  # both in the order the answers were given
    assert set(ours) >= {0, 1}  # first days' answers learn, later ones review
