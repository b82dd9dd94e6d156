"""Once today's new prompts are done: what is left is said on home and at the end of a session,
m learns N more new prompts today (they count as today's), h reviews ahead."""

from __future__ import annotations

import pytest
from tui_helpers import rows, screen_text

from mlcards.config import Settings
from mlcards.tui.ask_number import AskNumber
from mlcards.tui.home import HomeScreen
from mlcards.tui.review import ReviewScreen

pytestmark = pytest.mark.asyncio

# The fixture's six prompts: fp16-max's c2 waits for a day without its c1, so at most five a day.


async def answer_all_good(app, pilot) -> None:  # type: ignore[no-untyped-def]
    screen = app.screen
    assert isinstance(screen, ReviewScreen)
    while screen.session.current is not None:
        await pilot.press("space", "3")


async def test_at_the_end_of_the_days_new_prompts_m_learns_as_many_more_as_asked(make_app, collection) -> None:
    collection.settings = Settings(new_cards_per_day=2)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("a")
        await answer_all_good(app, pilot)
        assert "4 prompts unseen · 2 due in the next 7 days" in screen_text(app)
        assert "m learn more new prompts today · h review ahead" in screen_text(app)
        await pilot.press("m")
        assert isinstance(app.screen, AskNumber)
        assert "How many more new prompts today?" in screen_text(app)
        assert app.screen.query_one("#number").value == "10"  # the default
        await pilot.press("end", "backspace", "backspace", "2", "enter")
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.session.remaining == 2
        await answer_all_good(app, pilot)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)  # the finished session was replaced, not stacked
        assert "4 answered" in screen_text(app)
        assert "Done for today · 2 unseen · 4 due in 7 days · m learn more · h review ahead" in screen_text(app)
    # Real answers, on today's study day, counted as new.
    assert rows(collection, "SELECT kind, study_day, count(*) FROM review_log GROUP BY kind, study_day") == [
        ("new", "2025-03-14", 4)
    ]


async def test_home_offers_more_only_once_todays_work_is_done(make_app, collection) -> None:
    collection.settings = Settings(new_cards_per_day=1)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("m", "h")  # one new prompt still waits: nothing more is offered yet
        assert isinstance(app.screen, HomeScreen)
        assert "learn more" not in screen_text(app)
        await pilot.press("a", "space", "4", "escape")
        assert "Done for today · 5 unseen · 1 due in 7 days · m learn more · h review ahead" in screen_text(app)
        await pilot.press("m", "enter")  # the default, 10: all four new prompts today can give
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.session.remaining == 4  # fp16-max's c2 still waits for another day


async def test_h_reviews_ahead_what_comes_due_earliest_first(make_app, collection) -> None:
    collection.settings = Settings(new_cards_per_day=2)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("a")
        await answer_all_good(app, pilot)
        await pilot.press("escape", "h")
        assert isinstance(app.screen, AskNumber) and "due within how many days" in screen_text(app)
        await pilot.press("enter")  # 7 days
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert [(prompt.is_new, prompt.card_id) for prompt in screen.session.queued] == [
            (False, "cosface-logit"),
            (False, "minimax"),
        ]
        assert "review · 2 left" in screen_text(app)
        await pilot.press("space", "3")
    assert rows(collection, "SELECT kind, due_before, due_after FROM review_log ORDER BY id DESC LIMIT 1") == [
        ("review", "2025-03-15", "2025-03-20")
    ]


async def test_a_number_out_of_range_is_asked_again_and_escape_cancels(make_app, collection) -> None:
    collection.settings = Settings(new_cards_per_day=0)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("m", "end", "backspace", "backspace", "0", "enter")
        assert isinstance(app.screen, AskNumber)
        assert "Type a whole number from 1 to 1000" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
    assert rows(collection, "SELECT count(*) FROM review_log") == [(0,)]


async def test_a_cram_session_ends_without_offering_more(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        await answer_all_good(app, pilot)
        assert "no schedule was changed" in screen_text(app)
        assert "learn more" not in screen_text(app)
        await pilot.press("m")
        assert isinstance(app.screen, ReviewScreen)


async def test_when_nothing_is_left_the_notice_says_what_more_there_is(make_app, collection) -> None:
    collection.settings = Settings(new_cards_per_day=0)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        (notice,) = [str(notification.message) for notification in app._notifications]
        assert "6 prompts unseen, 0 due in the next 7 days" in notice and "m learns more new prompts today" in notice


async def test_reviewing_one_day_ahead_with_nothing_due_says_1_day_not_1_days(make_app, collection) -> None:
    collection.settings = Settings(new_cards_per_day=0)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("h", "end", "backspace", "1", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        (notice,) = [str(notification.message) for notification in app._notifications]
        assert notice.endswith("in the next 1 day.")
