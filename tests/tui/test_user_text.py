"""User text reaches the screen as written: '[...]' is not markup, control characters are spelled out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_helpers import FIXED_NOW, screen_text

from conftest import TestCollection
from mlcards.config import Settings
from mlcards.store.database import open_database
from mlcards.store.sync import sync
from mlcards.tui.app import MLCardsApp
from mlcards.tui.review import ReviewScreen

pytestmark = pytest.mark.asyncio

MARKUP_DECK = """\
id: markup
name: "Weird [/bold] [link=https://example.com]deck[/link]"
source: "A source with [red]brackets[/red]"
cards:
  - id: brackets
    front: 'What does [b]this[/b] and [/] and [@click=app.quit]me[/] print?'
    back: 'Literally [i]that[/i].'
"""


@pytest.fixture
def markup_collection(tmp_path: Path) -> Iterator[TestCollection]:
    folder = tmp_path / "decks [v2]"
    folder.mkdir()
    (folder / "markup.yaml").write_text(MARKUP_DECK, encoding="utf-8")
    database = open_database(tmp_path / "mlcards.sqlite3")
    collection = TestCollection(database, Settings())
    collection.roots = [folder]
    assert sync(database, [folder]).ok
    yield collection
    database.close()


async def test_deck_names_and_card_text_with_brackets_show_literally_on_home_review_and_browse(markup_collection) -> None:
    app = MLCardsApp(markup_collection, now=FIXED_NOW, theme="textual-dark")
    async with app.run_test(size=(120, 30)) as pilot:
        assert "Weird [/bold] [link=https://example.com]deck[/link]" in screen_text(app)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert "What does [b]this[/b] and [/] and [@click=app.quit]me[/] print?" in screen_text(app)
        await pilot.press("space")
        assert "Literally [i]that[/i]." in screen_text(app) and "A source with [red]brackets[/red]" in screen_text(app)
        await pilot.press("escape", "b")
        await pilot.pause()
        assert "What does [b]this[/b]" in screen_text(app)
    assert app.return_code in (None, 0)


async def test_a_problem_message_with_brackets_and_escapes_is_shown_as_text(markup_collection, tmp_path: Path) -> None:
    broken = markup_collection.roots[0] / "broken [bold] [link=x].yaml"
    broken.write_text('id: broken\nname: B\nsource: s\ncards:\n  - {id: "x[/]", front: q, back: b}\n', encoding="utf-8")
    report = markup_collection.sync()
    assert report.problems
    app = MLCardsApp(markup_collection, now=FIXED_NOW, theme="textual-dark", sync_problems=report.problems)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        messages = [str(notification.message) for notification in app._notifications]
        assert any("broken [bold] [link=x].yaml" in message and "x[/]" in message for message in messages)


async def test_an_editor_command_with_brackets_is_reported_as_written(markup_collection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISUAL", "[/bold]no-such-editor")
    app = MLCardsApp(markup_collection, now=FIXED_NOW, theme="textual-dark")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("down", "enter")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        messages = [str(notification.message) for notification in app._notifications]
        assert any("Could not start the editor '[/bold]no-such-editor'" in message for message in messages)
