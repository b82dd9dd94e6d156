"""One vocabulary on every screen: a card is what the user writes, a prompt is one thing they
answer (a cloze card with c1 and c2 is two prompts). Counts of what to study are prompts, each
number has one name, and every count equals what a review shows."""

from __future__ import annotations

import re

import pytest
from tui_helpers import screen_text

pytestmark = pytest.mark.asyncio


async def test_stats_count_prompts_and_name_never_answered_ones_unseen_as_home_does(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        home = screen_text(app)
        unseen_on_home = re.search(r"of (\d+) unseen", home)
        assert unseen_on_home is not None
        await pilot.press("t")
        text = screen_text(app)
        assert "Prompts by state" in text and "Cards by state" not in text
        assert re.search(rf"Unseen\s+{unseen_on_home.group(1)}\b", text)  # six prompts from five cards
        assert re.search(r"\bNew\b", text) is None  # "new" on home is today's share of the unseen ones
        assert "Answers, last year" in text and "0 answers on 0 day(s)" in text
        assert "Workload, next 30 days (simulated under SM-2)" in text and "new prompts in all" in text


async def test_browse_counts_prompts_not_cards(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b", *"epsilon")
        await pilot.pause()
        text = screen_text(app)
        assert "2 of 6 prompts" in text  # fp16-max is one card with two prompts; the collection has five cards
        assert "Prompt" in text.splitlines()[4].split()
        await pilot.press(*"zzz")
        await pilot.pause()
        assert "0 of 6 prompts" in screen_text(app) and "No prompt matches." in screen_text(app)


async def test_suspend_bury_and_the_summary_name_the_prompt_they_set_aside(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("a", "s")
        await pilot.pause()
        assert "Prompt suspended" in screen_text(app)
        await pilot.press("b")
        await pilot.pause()
        assert "Prompt buried until tomorrow." in screen_text(app)
        while app.screen.session.current is not None:  # type: ignore[attr-defined]
            await pilot.press("space", "3")
        await pilot.pause()
        assert "2 prompt(s) suspended or buried" in screen_text(app)


async def test_the_palette_says_study_all_brings_due_and_new_prompts(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)):
        commands = {command.title: command.help for command in app.get_system_commands(app.screen)}
        assert commands["Study all due"] == "Today's due and new prompts from every deck"
        assert "prompt" in commands["Browse cards"]


async def test_a_sync_from_home_counts_the_cards_it_added(make_app, collection) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        deck = collection.roots[0] / "more.yaml"
        deck.write_text(
            "id: test.more\nname: More\nsource: notes\ncards:\n"
            "  - {id: both, type: cloze, text: 'One {{c1::a}} and {{c2::b}}.'}\n",
            encoding="utf-8",
        )
        await pilot.press("r")
        await pilot.pause()
        assert "Synced: 1 card(s) added, 0 updated, 0 removed." in screen_text(app)  # one card, two prompts
        assert re.search(r"of 8 unseen", screen_text(app))


async def test_browse_names_a_never_answered_prompt_unseen_and_finds_it_by_that_name(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a", "space", "3", "escape", "b", *"is:unseen")
        await pilot.pause()
        screen = app.screen
        assert [card.label for card in screen.found] == [
            "arcface-logit",
            "fp16-max c1",
            "fp16-max c2",
            "minimax",
            "mode-collapse",
        ]  # type: ignore[attr-defined]
        table_rows = screen_text(app).splitlines()[5:10]
        assert all(" unseen " in row for row in table_rows) and not any(" new " in row for row in table_rows)
        assert "State unseen" in screen_text(app)  # the detail pane too
        assert "is:unseen" in screen.query_one("#search").placeholder  # type: ignore[attr-defined]
