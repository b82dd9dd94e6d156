"""Every screen fits 80x24 and uses 200x50: nothing cut off, covered or hidden at the small
size, no lines too long to read at the large one. Each test pins a defect seen on a screenshot."""

from __future__ import annotations

import re
from typing import Any

import pytest
from textual.app import App
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey
from tui_helpers import screen_text

from mlcards.tui.browse import BrowseScreen
from mlcards.tui.review_widgets import AnswerBar

pytestmark = pytest.mark.asyncio

SMALL, LARGE = (80, 24), (200, 50)
LONG_DECK = """\
id: test.long
name: Core::Sequence Models and Transformers::Encoder, Decoder and Pre-training Objectives Compared
source: A long source
cards:
  - id: masked-language-modelling-versus-causal-language-modelling
    type: cloze
    text: BERT masks {{c1::15%}} of tokens; GPT predicts the {{c2::next}} token.
"""


@pytest.fixture
def long_names(collection):  # type: ignore[no-untyped-def]
    (collection.roots[0] / "long.yaml").write_text(LONG_DECK, encoding="utf-8")
    assert collection.sync().ok
    return collection


def bottom_line(app: App[Any]) -> str:
    return screen_text(app).splitlines()[-1]


async def test_home_keeps_every_count_on_screen_beside_a_long_deck_name(make_app, long_names) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#decks", DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no sideways scrolling
        header = screen_text(app).splitlines()[2]
        assert header.split() == ["Deck", "Unseen", "Learn", "Due", "Prompts"]
        [line] = [line for line in screen_text(app).splitlines() if "Encoder, Decoder" in line]
        assert "Compared" not in line and "…" in line  # cut with an ellipsis
        assert line.split()[-4:] == ["2", "0", "0", "2"]  # and its counts beside it


async def test_home_wraps_todays_line_rather_than_cutting_its_counts(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(60, 24)) as pilot:  # what 80 columns leave for a long streak and thousands unseen
        await pilot.pause()
        today = app.screen.query_one("#today", Static)
        assert today.region.height == 2
        text = " ".join(screen_text(app).split())
        assert "streak 0 days · 0 due · 5 new of 6 unseen" in text


async def test_home_gives_a_long_deck_name_its_whole_width_on_a_wide_terminal(make_app, long_names) -> None:
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await pilot.pause()
        assert "Encoder, Decoder and Pre-training Objectives Compared" in screen_text(app)


@pytest.mark.parametrize("keys", [(), ("a",), ("a", "space"), ("t",)], ids=["home", "review-front", "review-back", "stats"])
async def test_every_key_the_footer_shows_is_whole_at_80_columns(make_app, keys: tuple[str, ...]) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
        footer_line = bottom_line(app)
        shown = [key for key in app.screen.query(FooterKey) if key.description]
        assert shown
        for key in shown:
            assert f"{key.key_display} {key.description}" in footer_line


async def test_the_answer_bar_shows_each_grade_and_its_next_step_whole_at_80_columns(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("a", "space")
        await pilot.pause()
        bar = app.screen.query_one(AnswerBar)
        drawn = screen_text(app).splitlines()[bar.region.y : bar.region.bottom]
        labels = [choice.label for choice in bar._choices]
        assert any(len(label) > bar.size.width // 4 for label in labels)  # too long for one line of a chip
        for label in labels:
            grade, next_step = label.split(" · ")
            assert any(grade in line for line in drawn) and any(next_step in line for line in drawn)
        assert "after 3 prompts" in "\n".join(drawn)


async def test_the_answer_bar_keeps_each_label_on_one_line_when_it_fits(make_app) -> None:
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await pilot.press("a", "space")
        await pilot.pause()
        assert "1 Again · after 3 prompts" in screen_text(app)


async def test_on_a_wide_terminal_the_card_is_a_centred_column_of_readable_width(make_app) -> None:
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await pilot.press("a", "space")
        await pilot.pause()
        card, bar = app.screen.query_one("#card").region, app.screen.query_one(AnswerBar).region
        assert card.width <= 104 and bar.width == card.width
        assert abs(card.x - (LARGE[0] - card.right)) <= 1  # as much room on the left as on the right
        assert bar.x == card.x
        assert "─" * 100 in screen_text(app) and "─" * 101 not in screen_text(app)


async def test_browse_shows_the_question_column_at_80_columns(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("b")
        await pilot.pause()
        table = app.screen.query_one("#results", DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert screen_text(app).splitlines()[4].split() == ["Deck", "Prompt", "State", "Due", "Question"]
        assert "What is the target logit in CosFace?" in screen_text(app)


async def test_browse_keeps_the_deletion_number_of_a_cut_cloze_id(make_app, long_names) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("b", *"masks")
        await pilot.pause()
        table = app.screen.query_one("#results", DataTable)
        rows = screen_text(app).splitlines()[table.region.y + 1 : table.region.y + 3]
        assert re.search(r"masked-\S*… c1 ", rows[0]) and re.search(r"masked-\S*… c2 ", rows[1])


async def test_browse_on_a_wide_terminal_shows_the_prompt_beside_the_list(make_app) -> None:
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await pilot.press("b", *"cosface")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        results, detail = screen.query_one("#results").region, screen.query_one("#detail").region
        assert detail.x >= results.right and detail.y == results.y  # beside, not below
        assert detail.width <= 100  # the card's lines stay readable
        assert results.height > SMALL[1]  # and the list has the whole height
        table = screen.query_one("#results", DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert "What is the target logit in CosFace?" in screen_text(app)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "200x50"])
async def test_stats_panels_side_by_side_are_as_tall_as_each_other(make_app, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("a", "space", "3", "escape", "t")
        await pilot.pause()
        counts, retention = (app.screen.query_one(name, Static).region for name in ("#state-counts", "#retention"))
        assert counts.y == retention.y and counts.height == retention.height


async def test_stats_on_a_wide_terminal_puts_the_heatmap_beside_the_forecast(make_app) -> None:
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        heatmap, forecast, mastery = (app.screen.query_one(name).region for name in ("#heatmap", "#forecast", "#mastery"))
        assert forecast.x >= heatmap.right and forecast.y == heatmap.y and forecast.height == heatmap.height
        assert mastery.bottom <= LARGE[1] - 1  # everything shows without scrolling, above the footer
        mastery_lines = [line for line in screen_text(app).splitlines()[mastery.y + 1 : mastery.bottom - 1]]
        assert all(len(line[mastery.x + 2 : mastery.right - 2].rstrip()) <= 110 for line in mastery_lines)


async def test_help_says_how_to_close_it_without_scrolling_at_80x24(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query_one("#help").max_scroll_y > 0  # the keys need scrolling here ...
        assert "esc or ? closes" in screen_text(app)  # ... but not the way out


async def test_help_shows_every_section_at_once_on_a_wide_terminal(make_app) -> None:
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query_one("#help").max_scroll_y == 0
        text = screen_text(app)
        for words in (
            "Everywhere",
            "Home",
            "Review",
            "Browse",
            "Stats",
            "Mastery by deck/source",
            "Browse search",
            "esc or ? closes",
        ):
            assert words in text
