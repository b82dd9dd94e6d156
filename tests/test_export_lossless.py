"""Every character a card or deck holds reaches Anki as written: none is taken for our own markup."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from anki.collection import Collection as AnkiCollection
from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

from mlcards.decks.loader import load_paths
from mlcards.export import export_anki_package
from mlcards.render.html import cloze_to_html, inline_markdown_to_html, markdown_to_html
from mlcards.store.database import Database
from mlcards.store.sync import sync

NOW = datetime.now().astimezone()
# The private-use characters the HTML renderer uses as placeholders for math and cloze markup.
PLACEHOLDER_LIKE = "".join(chr(code) for code in range(0xE000, 0xE008))


@pytest.fixture
def anki(tmp_path: Path) -> Iterator[AnkiCollection]:
    """A fresh collection by Anki's own backend that keeps note text exactly as imported
    (by default Anki normalises it to NFC, which would hide what the package holds)."""
    folder = tmp_path / "anki"
    folder.mkdir()
    collection = AnkiCollection(str(folder / "collection.anki2"))
    collection.set_config("normalize_note_text", False)
    yield collection
    collection.close()


def export_and_import(database: Database, deck: dict, tmp_path: Path, anki: AnkiCollection) -> None:
    path = tmp_path / "decks" / "deck.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(deck, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert load_paths([path]).problems == []
    sync(database, [path])
    report = export_anki_package(database, tmp_path / "out.apkg", NOW, use_cache=False)
    anki.import_anki_package(ImportAnkiPackageRequest(package_path=str(report.path), options=ImportAnkiPackageOptions()))


def note(anki: AnkiCollection, card_id: str):  # type: ignore[no-untyped-def]
    (note_id,) = anki.find_notes(f'"Ref:d/{card_id}"')
    return anki.get_note(note_id)


def text_of(fragment: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))


def visible(card_html: str) -> str:
    return text_of(re.sub(r"(?s)<style>.*?</style>", "", card_html)).strip()


def test_placeholder_characters_in_a_field_render_as_themselves() -> None:
    # The math placeholder spelled by hand raised IndexError; the cloze one became "{{c1::".
    assert markdown_to_html("odd \ue0005\ue001 and $x$") == "<p>odd \ue0005\ue001 and \\(x\\)</p>"
    assert markdown_to_html("$a\ue0000\ue001$ **b\ue006**") == "<p>\\(a\ue0000\ue001\\) <strong>b\ue006</strong></p>"
    assert inline_markdown_to_html("\ue0021\ue003 \ue004\ue005 \ue006\ue000") == "\ue0021\ue003 \ue004\ue005 \ue006\ue000"
    assert (
        cloze_to_html("x \ue0021\ue003 {{c1::a\ue005::h\ue004}} \ue006")
        == "<p>x \ue0021\ue003 {{c1::a\ue005::h\ue004}} \ue006</p>"
    )


def test_placeholder_characters_in_every_field_reach_anki_as_written(database: Database, tmp_path: Path, anki) -> None:
    chars = PLACEHOLDER_LIKE
    deck = {
        "id": "d",
        "name": "D",
        "source": f"Source {chars}",
        "cards": [
            {
                "id": "basic",
                "front": f"Front {chars} $x_{{{chars}}}$?",
                "back": f"Back\n\n- {chars}\n- `{chars}`",
                "extra": chars,
            },
            {"id": "cloze", "type": "cloze", "text": f"{chars} {{{{c1::{chars}::{chars}}}}} $y{chars}$ {{{{c2::$z{chars}$}}}}"},
        ],
    }
    export_and_import(database, deck, tmp_path, anki)
    basic, cloze = note(anki, "basic"), note(anki, "cloze")
    assert basic["Front"] == markdown_to_html(deck["cards"][0]["front"])
    assert basic["Back"] == markdown_to_html(deck["cards"][0]["back"])
    assert basic["Extra"] == f"<p>{chars}</p>"
    assert basic["Source"] == f"Source {chars}"
    assert cloze["Text"] == f"<p>{chars} {{{{c1::{chars}::{chars}}}}} \\(y{chars}\\) {{{{c2::\\(z{chars}\\)}}}}</p>"
    for field in (basic["Front"], basic["Back"], cloze["Text"]):
        assert text_of(field).count(chars) >= 1
    assert sorted(anki.get_card(card_id).ord for card_id in cloze.card_ids()) == [0, 1]


def test_a_deletion_inside_a_highlighted_code_block_is_a_deletion_anki_finds(database: Database, tmp_path: Path, anki) -> None:
    # Pygments wrapped the placeholder's digits in a <span> of their own, so the deletion's
    # opening never came back and Anki's card for c1 was empty.
    text = "```python\ntotal = {{c1::sum(xs)}}  # {a: {b: 1}}\n```"
    export_and_import(
        database, {"id": "d", "name": "D", "source": "s", "cards": [{"id": "c", "type": "cloze", "text": text}]}, tmp_path, anki
    )
    (card_id,) = anki.find_cards("")
    question = visible(anki.get_card(card_id).question())
    assert question == "total = [...]  # {a: {b: 1}}"
    assert "sum(xs)" in visible(anki.get_card(card_id).answer())


def test_a_byte_order_mark_that_starts_a_code_block_is_kept() -> None:
    # Pygments drops a leading U+FEFF as if it were an encoding mark.
    assert text_of(markdown_to_html("```\n\ufeffcode\n```")) == "\ufeffcode"
    assert text_of(markdown_to_html("intro\n\n```python\n\ufeffx = 1\n```")) == "intro\n\ufeffx = 1"


def test_a_deck_description_reaches_anki_as_the_literal_text(database: Database, tmp_path: Path, anki) -> None:
    description = "Use <b>bold</b> & <script>alert(1)</script> freely"
    deck = {"id": "d", "name": "D", "source": "s", "description": description, "cards": [{"id": "c", "front": "f", "back": "b"}]}
    export_and_import(database, deck, tmp_path, anki)
    shown = anki.decks.by_name("D")
    assert not shown.get("md")  # Anki shows the description as HTML, not Markdown
    assert "<script" not in shown["desc"] and "<b>" not in shown["desc"]
    assert text_of(shown["desc"]) == description


def test_math_after_a_code_fence_that_is_never_closed_keeps_its_characters() -> None:
    # Markdown runs an unclosed fence to the end of the field, the math spans after it included,
    # and Pygments split their placeholders with tags, so the formula was lost for private-use junk.
    rendered = markdown_to_html("```python\nx = 1\n$a_1$ and $$b$$")
    assert not re.search("[\ue000-\uf8ff]", rendered)
    assert text_of(rendered) == "x = 1\n\\(a_1\\) and \\[b\\]"
