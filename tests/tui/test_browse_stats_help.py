"""Browse, stats, help, the command palette, themes and exit."""

from __future__ import annotations

import pytest
from tui_helpers import screen_text

from mlcards.scheduling.fsrs_rule import FSRSSettings, scheduler_for
from mlcards.tui.browse import BrowseScreen
from mlcards.tui.help import HelpScreen
from mlcards.tui.stats import StatsScreen

pytestmark = pytest.mark.asyncio


async def browse(app, pilot, query: str) -> BrowseScreen:  # type: ignore[no-untyped-def]
    screen = app.screen
    if not isinstance(screen, BrowseScreen):
        await pilot.press("b")
        screen = app.screen
    screen.query_one("#search").value = ""
    for char in query:
        await pilot.press(char if char != " " else "space")
    await pilot.pause()
    return screen


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["cosface-logit", "arcface-logit", "fp16-max c1", "fp16-max c2", "minimax", "mode-collapse"]),
        ("margin", ["cosface-logit", "arcface-logit"]),
        ("tag:formula", ["cosface-logit"]),
        ("deck:gan", ["minimax", "mode-collapse"]),
        ("is:new deck:face logit", ["cosface-logit", "arcface-logit"]),
        ("is:nonsense", []),
    ],
)
async def test_browse_filters_live_by_text_tag_deck_and_state(make_app, query: str, expected: list[str]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await browse(app, pilot, query)
        assert [card.label for card in screen.found] == expected
        assert screen.query_one("#results").row_count == len(expected)


async def test_typing_on_keeps_the_cursor_and_detail_while_the_same_cards_match(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await browse(app, pilot, "logi")
        screen.query_one("#results").focus()
        await pilot.press("down")  # onto the second match
        await pilot.pause()
        assert screen.query_one("#results").cursor_row == 1
        screen.query_one("#search").value = "logit"  # typed on: still the same two cards
        await pilot.pause()
        assert [card.label for card in screen.found] == ["cosface-logit", "arcface-logit"]
        assert screen.query_one("#results").cursor_row == 1
        assert "ArcFace" in screen_text(app)


async def test_browse_state_filter_sees_todays_answers(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a", "space", "1", "space", "4", "escape")
        screen = await browse(app, pilot, "is:learning")
        assert [card.label for card in screen.found] == ["cosface-logit"]
        screen = await browse(app, pilot, "is:review")
        assert [card.label for card in screen.found] == ["minimax"]  # the second new prompt, from the other deck


async def test_browse_shows_the_selected_cards_content_schedule_and_history(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a", "space", "3", "escape")
        await browse(app, pilot, "cosface")
        text = screen_text(app)
        assert "target logit in CosFace" in text
        assert "interval 1d" in text and "reps 1" in text and "ease 2.50" in text
        assert "Memory (FSRS)  ·  recall now 100%" in text  # answered today; FSRS's memory is kept under SM-2 too
        first_good = scheduler_for(FSRSSettings()).parameters[2]  # FSRS-6's initial stability after Good
        assert f"stability {first_good:.1f}d" in text
        assert "Review history" in text
        assert "2025-03-14  Good" in text or ("2025-03-14" in text and "Good" in text)
        await pilot.press("enter", "down")  # into the table, which holds one row


async def test_s_in_the_list_suspends_and_unsuspends_the_selected_card(make_app, collection) -> None:
    from mlcards.store.browse import load_index

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await browse(app, pilot, "cosface")
        await pilot.press("enter", "s")  # into the list, then suspend
        await pilot.pause()
        assert [card.state for card in screen.found] == ["suspended"]
        states = {card.label: card.state for card in load_index(collection.database, app.today())}
        assert states["cosface-logit"] == "suspended"  # written to the database, not just the screen
        await pilot.press("s")
        await pilot.pause()
        states = {card.label: card.state for card in load_index(collection.database, app.today())}
        assert states["cosface-logit"] == "new"


async def test_stats_show_heatmap_forecast_retention_counts_and_mastery(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a", "space", "1", "space", "4", "escape", "t")
        assert isinstance(app.screen, StatsScreen)
        text = screen_text(app)
        for heading in (
            "Prompts by state",
            "Retention",
            "Answers, last year",
            "Workload, next 30 days (simulated under SM-2)",
            "Mastery by syllabus area",
        ):
            assert heading in text
        assert "ML::Face Recognition" in text and "ML::Generative Models" in text
        assert "2 answers on 1 day(s)" in text
        await pilot.press("m")
        assert "Mastery by source article" in screen_text(app)
        assert "Softmax loss improvements" in screen_text(app)


async def test_help_lists_the_bindings_of_every_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 80)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = screen_text(app)
        for words in ("Study all due", "Show answer", "Undo", "Suspend", "Bury", "Edit", "Search", "Mastery"):
            assert words in help_text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_the_command_palette_offers_every_action(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("Home", "Study all due", "Browse cards", "Statistics", "Help", "Light / dark theme"):
            assert title in titles
        for action in ("Show answer", "Again", "Good", "Undo", "Suspend", "Bury", "Edit"):
            assert any(title.startswith(action) for title in titles), action
        await pilot.press("ctrl+p")
        for char in "statistics":
            await pilot.press(char)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)


async def test_the_command_palette_lists_each_action_once(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)):
        callbacks = [command.callback for command in app.get_system_commands(app.screen)]
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert len(titles) == len(set(titles)) == len(callbacks)
        assert not any(title.startswith(("Browse (", "Stats (", "Study all due (")) for title in titles)
        # one entry for the theme and one for the keys: Textual's own "Theme" and "Keys" would repeat ours
        assert sum("theme" in title.lower() for title in titles) == 1
        assert "Keys" not in titles and "Help" in titles


async def test_down_in_the_search_box_moves_to_the_list(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await browse(app, pilot, "logit")
        await pilot.press("down")
        assert screen.query_one("#results").has_focus


async def test_ctrl_t_switches_between_light_and_dark_themes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"


async def test_q_on_home_exits_cleanly(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_browse_is_usable_by_keyboard_at_80x24_and_lists_questions_as_read(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await browse(app, pilot, "logit")
        assert screen.query_one("#search").has_focus
        await pilot.press("tab")
        assert screen.query_one("#results").has_focus
        await pilot.press("tab")
        assert screen.query_one("#detail").has_focus  # the detail pane, to scroll a long card
        await pilot.press("shift+tab", "slash")
        search = screen.query_one("#search")
        assert search.has_focus and search.value == "logit"  # '/' moved the focus, it typed nothing


async def test_the_browse_list_shows_math_and_cloze_answers_as_the_learner_reads_them(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await browse(app, pilot, "epsilon")
        questions = {str(screen.query_one("#results").get_row_at(row)[-1]) for row in range(2)}  # c1 and c2
        assert questions == {"FP16's largest finite value is [65504]; its epsilon is [2⁻¹⁰]."}
