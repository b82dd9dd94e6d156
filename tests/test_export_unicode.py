"""Every Unicode character a card may hold reaches Anki as written; hostile text is refused, never a crash.

The property test drives random text through the whole path a card takes: the YAML file, the
loader (`mlcards check`), a real database (`add`), the review screen's renderer, the exporter,
and an import into a real Anki collection.
"""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from anki.collection import Collection as AnkiCollection
from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from mlcards.decks.loader import load_paths
from mlcards.export import export_anki_package
from mlcards.export.anki import WORKDIR_PREFIX, remove_export_leftovers
from mlcards.render.html import cloze_to_html, markdown_to_html
from mlcards.render.terminal import render_card_text, render_cloze_back, render_cloze_front
from mlcards.store.database import open_database
from mlcards.store.sync import sync

NOW = datetime.now().astimezone()
# Characters Markdown or our LaTeX/cloze syntax would act on are left out of the exact-equality
# check; everything else, private-use placeholders, combining marks, emoji and RTL included, must
# come through unchanged.
MARKUP = set("*_`[]()<>&\\#!|~$={}:-+.>'\"%")
PLAIN = st.characters(
    codec="utf-8",
    exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp", "Zs", "Co"),
    exclude_characters="".join(MARKUP),
)
SPECIAL_CHARACTERS = st.sampled_from(["\ue000", "\ue001", "\ue002", "\ue003", "\ue004", "\ue005", "é", "\u0301", "🙂", "ß"])
SPECIAL_WORDS = st.sampled_from(["👩\u200d🔬", "שלום", "مرحبا", "漢字", "\ue000\ue001", "\ue002\ue003\ue004\ue005"])
WORD = st.one_of(st.text(st.one_of(PLAIN, SPECIAL_CHARACTERS), min_size=1, max_size=8), SPECIAL_WORDS)
TEXT = st.lists(WORD, min_size=1, max_size=6).map(" ".join)


@pytest.fixture
def workspace() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="mlcards-roundtrip-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def visible_text(field_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", field_html))


def rendered(renderable: object) -> str:
    console = Console(width=100, record=True, color_system=None, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def exported_into_anki(decks: Path, workspace: Path) -> AnkiCollection:
    """The decks synced into a real database, exported, and imported into a real Anki collection."""
    database = open_database(workspace / "mlcards.sqlite3")
    try:
        assert sync(database, [decks]).ok
        package = export_anki_package(database, workspace / "out.apkg", NOW).path
    finally:
        database.close()
    return import_into_anki(package, workspace)


def import_into_anki(package: Path, folder: Path) -> AnkiCollection:
    anki = AnkiCollection(str(folder / "collection.anki2"))
    anki.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions()))
    return anki


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(front=TEXT, back=TEXT, extra=TEXT, hidden=TEXT)
def test_random_unicode_goes_from_yaml_to_anki_unchanged(workspace: Path, front: str, back: str, extra: str, hidden: str) -> None:
    case = Path(tempfile.mkdtemp(dir=workspace))
    deck = {
        "id": "prop.deck",
        "name": "Property::Deck",
        "source": "property test",
        "cards": [
            {"id": "basic", "front": front, "back": back, "extra": extra},
            {"id": "cloze", "type": "cloze", "text": f"before {{{{c1::{hidden}}}}} after"},
        ],
    }
    deck_file = case / "deck.yaml"
    deck_file.write_text(yaml.safe_dump(deck, allow_unicode=True), encoding="utf-8")
    checked = load_paths([deck_file])
    assert checked.ok, checked.problems
    database = open_database(case / "mlcards.sqlite3")
    try:
        assert sync(database, [deck_file]).ok
        for text, shown in (
            (front, rendered(render_card_text(front))),
            (back, rendered(render_card_text(back))),
            (hidden, rendered(render_cloze_back(f"before {{{{c1::{hidden}}}}} after", 1))),
        ):
            assert all(character in shown for character in text if not character.isspace()), (text, shown)
        assert "before" in rendered(render_cloze_front(f"before {{{{c1::{hidden}}}}} after", 1))
        package = export_anki_package(database, case / "out.apkg", NOW).path
    finally:
        database.close()
    anki = import_into_anki(package, case)
    try:
        (basic_id,) = anki.find_notes('"Ref:prop.deck/basic"')
        (cloze_id,) = anki.find_notes('"Ref:prop.deck/cloze"')
        basic, cloze = anki.get_note(basic_id), anki.get_note(cloze_id)
        assert (basic["Front"], basic["Back"]) == (markdown_to_html(front), markdown_to_html(back))  # Anki stored our HTML as is
        assert (visible_text(basic["Front"]), visible_text(basic["Back"])) == (front, back)
        assert extra in visible_text(basic["Extra"])
        assert cloze["Text"] == cloze_to_html(f"before {{{{c1::{hidden}}}}} after")
        assert visible_text(cloze["Text"]) == f"before {{{{c1::{hidden}}}}} after"
        assert len(cloze.card_ids()) == 1
    finally:
        anki.close()


ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=150)
@given(value=ANY_TEXT, field=st.sampled_from(["front", "back", "extra", "source", "name", "tag", "id", "text"]))
def test_any_text_in_any_field_is_loaded_or_refused_with_a_located_problem(value: str, field: str) -> None:
    card: dict[str, object] = {"id": "x", "front": "q", "back": "b"}
    deck: dict[str, object] = {"id": "d", "name": "D", "source": "s", "cards": [card]}
    if field in ("front", "back", "extra", "source"):
        card[field] = value
    elif field == "text":
        card.pop("front"), card.pop("back")
        card.update(type="cloze", text=value)
    elif field == "tag":
        card["tags"] = [value]
    elif field == "id":
        card["id"] = value
    else:
        deck["name"] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deck.yaml"
        path.write_text(yaml.safe_dump(deck, allow_unicode=True), encoding="utf-8")
        result = load_paths([path])  # never raises
    for problem in result.problems:
        line = str(problem)
        assert problem.line >= 1 and "\x1b" not in line and "\x9b" not in line


def test_a_cloze_number_past_what_anki_keeps_apart_is_refused_and_the_highest_one_exports(tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "big.yaml").write_text(
        "id: big\nname: Big\nsource: s\ncards:\n  - {id: top, type: cloze, text: '{{c500::x}}'}\n"
        "  - {id: past, type: cloze, text: '{{c501::x}} {{c99999999999999999999999::y}}'}\n",
        encoding="utf-8",
    )
    problems = [str(problem) for problem in load_paths([folder]).problems]
    assert len(problems) == 1 and "c501 is past c500, the highest cloze number Anki keeps apart" in problems[0]
    (folder / "big.yaml").write_text(
        "id: big\nname: Big\nsource: s\ncards:\n  - {id: top, type: cloze, text: '{{c500::x}}'}\n", encoding="utf-8"
    )
    anki = exported_into_anki(folder, tmp_path)
    try:
        (card_id,) = anki.find_cards("deck:Big")
        assert anki.get_card(card_id).ord == 499  # c500
    finally:
        anki.close()


def test_a_deck_description_reaches_anki_as_the_text_written(tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "d.yaml").write_text(
        "id: d\nname: Described\nsource: s\ndescription: 'Use <b>bold</b> & <script>alert(1)</script>'\n"
        "cards:\n  - {id: a, front: q, back: b}\n",
        encoding="utf-8",
    )
    anki = exported_into_anki(folder, tmp_path)
    try:
        description = anki.decks.by_name("Described")["desc"]
        assert description == "Use &lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;"
        assert html.unescape(description) == "Use <b>bold</b> & <script>alert(1)</script>"
    finally:
        anki.close()


def test_leftovers_of_a_killed_export_are_removed_but_a_live_exports_are_not(tmp_path: Path) -> None:
    from mlcards.scratch import writing

    package = tmp_path / "cards.apkg"
    orphan = tmp_path / ".cards.apkg.abc123.partial"
    orphan.write_bytes(b"half a zip")
    live = tmp_path / ".cards.apkg.live99.partial"
    dead_workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX))
    (dead_workdir / ".in-use").write_bytes(b"")
    with writing(live):
        removed = remove_export_leftovers(package)
    assert orphan in removed and dead_workdir in removed and live not in removed
    assert not orphan.exists() and not dead_workdir.exists() and live.exists()
