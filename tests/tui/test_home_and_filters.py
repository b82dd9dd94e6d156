"""Home, cram and review filters, driven with the real app and checked against the database."""

from __future__ import annotations

import pytest
from tui_helpers import log_count, rows, schedules, screen_text

from mlcards.review import ReviewFilter
from mlcards.tui.home import HomeScreen
from mlcards.tui.review import ReviewScreen

pytestmark = pytest.mark.asyncio


async def test_home_lists_every_deck_and_subdeck_with_counts_and_todays_work(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)):
        text = screen_text(app)
        assert "Today 2025-03-14 · 0 answered · streak 0 days" in text
        for name in ("All decks", "ML", "Face Recognition", "Losses", "Generative Models", "GAN"):
            assert name in text
        assert app.screen.query_one("#decks").row_count == 6


async def test_enter_studies_the_selected_deck_with_its_subdecks(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "down", "down", "down", "enter")  # ML::Generative Models
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.session.filter == ReviewFilter(deck="ML::Generative Models")
        assert screen.session.remaining == 2


async def test_one_key_studies_everything_due(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "down", "a")
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.session.remaining == 5  # six new prompts; fp16-max's c2 waits for a day without its c1


async def test_home_counts_follow_the_answers(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", "space", "1", "escape")
        assert isinstance(app.screen, HomeScreen)
        # the Again card comes back today; fp16-max's c2 waits for a day without its c1
        assert "1 answered · streak 1 day · 1 due · 4 new of 5 unseen" in screen_text(app)
        await pilot.press("a")
        assert app.screen.session.remaining == 1 + 4  # exactly what the header said


async def test_cram_reviews_regardless_of_due_dates_and_leaves_schedules_untouched(make_app, collection) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", "space", "4", "escape")  # one real answer: its card is no longer due
        before = schedules(collection)
        await pilot.press("c")  # cram all decks
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.session.cram
        assert screen.session.remaining == 6  # the card answered above is crammed too
        assert "CRAM" in screen_text(app)
        for _ in range(3):
            await pilot.press("space", "1")
        await pilot.press("s", "b", "u")
        while screen.session.current is not None:
            await pilot.press("space", "4")
        assert "no schedule was changed" in screen_text(app)
    assert schedules(collection) == before
    assert log_count(collection) == 1


async def test_cram_with_a_tag_opens_straight_into_review(make_app) -> None:
    app = make_app(review_filter=ReviewFilter(tags=("formula",)), cram=True, start_in_review=True)
    async with app.run_test(size=(80, 24)):
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.session.cram
        assert screen.session.remaining == 1
        assert "CosFace" in screen_text(app)


async def test_deck_and_tag_filters_limit_normal_review(make_app, collection) -> None:
    app = make_app(review_filter=ReviewFilter(deck="ML::Face Recognition", tags=("loss",)), start_in_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        seen = []
        while screen.session.current is not None:
            seen.append(screen.session.current.card_id)
            await pilot.press("space", "4")
    assert seen == ["cosface-logit", "arcface-logit", "fp16-max"]  # fp16-max's c2 waits for a day without its c1
    assert rows(collection, "SELECT DISTINCT s.deck_id FROM review_log l JOIN schedule s ON s.id = l.schedule_id") == [
        ("test.face.losses",)
    ]


async def test_a_filter_that_matches_nothing_says_so_and_stays_home(make_app) -> None:
    app = make_app(review_filter=ReviewFilter(tags=("no-such-tag",)), start_in_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any("Nothing to review" in str(n.message) for n in app._notifications)


async def test_sync_problems_are_shown_on_start(make_app, collection) -> None:
    from pathlib import Path

    from mlcards.decks.problems import Problem

    problem = Problem(Path("broken.yaml"), 3, 5, "card x", "front is missing", "add a front")
    app = make_app(sync_problems=[problem])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert any("broken.yaml:3:5" in str(n.message) for n in app._notifications)
