"""The interview date in the app: set and cleared with i (saved in config.toml), days left and
readiness on home with a Ready column, the planned new prompts, and the workload chart on stats."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from tui_helpers import FIXED_NOW, screen_text

from conftest import TestCollection
from mlcards.config import load_settings
from mlcards.plan_report import budget_lines
from mlcards.review import Answer, ReviewSession
from mlcards.study_plan import interview_plan
from mlcards.tui.app import MLCardsApp
from mlcards.tui.home import HomeScreen
from mlcards.tui.interview import InterviewDialog
from mlcards.tui.stats import StatsScreen

pytestmark = pytest.mark.asyncio
INTERVIEW = date(2025, 4, 20)  # 37 days after the tests' clock


@pytest.fixture
def with_config(collection: TestCollection, tmp_path: Path) -> TestCollection:
    collection.config_path = tmp_path / "config.toml"
    collection.config_path.write_text("new_cards_per_day = 3  # mine\n", encoding="utf-8")
    collection.settings = load_settings(collection.config_path)
    return collection


async def test_without_a_date_home_shows_no_interview_line_nor_ready_column(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Interview" not in text and "Ready" not in text


async def test_i_sets_the_date_saves_it_and_home_shows_days_left_and_readiness(with_config: TestCollection) -> None:
    app = MLCardsApp(with_config, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        assert isinstance(app.screen, InterviewDialog)
        await pilot.press(*"2025-04-20", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        text = screen_text(app)
        assert "Interview 2025-04-20 · 37 days left · readiness 0% · i: change date" in text
        assert "Ready" in text and "(planned)" in text
    assert with_config.config_path is not None
    assert with_config.config_path.read_text() == "new_cards_per_day = 3  # mine\ninterview_date = 2025-04-20\n"


async def test_setting_a_date_the_budget_covers_says_the_plans_new_prompts_a_day(with_config: TestCollection) -> None:
    app = MLCardsApp(with_config, now=FIXED_NOW)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("i", *"2025-04-20", "enter")
        await pilot.pause()
        (notice,) = app._notifications
        assert notice.title == "Interview" and notice.severity == "information"
        assert notice.message.startswith("Interview 2025-04-20. New prompts: ")
        assert "all 6 unseen are first seen by 2025-04-13 (7 days before)" in notice.message
        assert "Over budget" not in notice.message


async def test_setting_a_date_the_budget_cannot_carry_warns_in_the_words_mlcards_plan_uses(with_config: TestCollection) -> None:
    with_config.settings = replace(with_config.settings, reviews_per_day=2)
    app = MLCardsApp(with_config, now=FIXED_NOW)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("i", *"2025-03-24", "enter")
        await pilot.pause()
        (notice,) = app._notifications
        assert notice.title == "Interview: over budget" and notice.severity == "warning"
    plan = interview_plan(with_config.database, with_config.settings, FIXED_NOW, FIXED_NOW.date())
    assert plan is not None and not plan.budget_ok
    assert "Over budget: seeing all 6 unseen prompts by 2025-03-17 takes 2 new a day" in notice.message
    assert "\n".join(budget_lines(plan)) in notice.message  # the plan's own lines, as `mlcards plan` prints them


async def test_an_empty_field_clears_the_date_and_a_bad_one_is_explained_in_place(with_config: TestCollection) -> None:
    with_config.settings = replace(with_config.settings, interview_date=INTERVIEW)
    app = MLCardsApp(with_config, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i", *["backspace"] * 10, *"2025-03-01", "enter")
        await pilot.pause()
        assert isinstance(app.screen, InterviewDialog)
        assert "2025-03-01 is in the past (today is 2025-03-14); give a" in screen_text(app)
        await pilot.press(*["backspace"] * 10, *"[bold]x", "enter")
        await pilot.pause()
        assert "'[bold]x' is not a date; write YYYY-MM-DD" in screen_text(app)  # typed text is shown, never markup
        await pilot.press(*["backspace"] * 10, "enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "Interview" not in screen_text(app)
    assert with_config.settings.interview_date is None
    assert with_config.config_path is not None and "interview_date" not in with_config.config_path.read_text()


async def test_editing_the_field_takes_away_the_problem_shown_for_the_text_before(with_config: TestCollection) -> None:
    app = MLCardsApp(with_config, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i", *"soon", "enter")
        await pilot.pause()
        assert "'soon' is not a date" in screen_text(app)
        await pilot.press(*["backspace"] * 4)
        await pilot.pause()
        assert isinstance(app.screen, InterviewDialog)
        assert "is not a date" not in screen_text(app)


async def test_escape_leaves_the_date_as_it_was(with_config: TestCollection) -> None:
    with_config.settings = replace(with_config.settings, interview_date=INTERVIEW)
    app = MLCardsApp(with_config, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i", "backspace", "escape")
        assert isinstance(app.screen, HomeScreen)
    assert with_config.settings.interview_date == INTERVIEW


async def test_readiness_per_deck_follows_the_answers(with_config: TestCollection) -> None:
    session = ReviewSession(with_config.database, replace(with_config.settings, new_cards_per_day=20), FIXED_NOW)
    while (prompt := session.current) is not None:  # GAN's prompts known at once, the others failed first
        session.answer(Answer.GOOD if prompt.deck_name.endswith("GAN") or prompt.redrill else Answer.AGAIN, FIXED_NOW)
    with_config.settings = replace(with_config.settings, interview_date=INTERVIEW)
    app = MLCardsApp(with_config, now=FIXED_NOW)
    async with app.run_test(size=(200, 50)):
        lines = [line.split() for line in screen_text(app).splitlines() if line.rstrip().endswith("%")]
        ready = {words[0]: int(words[-1][:-1]) for words in lines}
        assert ready["GAN"] > ready["Losses"] > 0  # known at once beats failed first; both keep some recall 37 days on
        assert ready["Losses"] <= ready["All"] <= ready["GAN"]


async def test_the_palette_and_the_help_offer_the_interview_date(with_config: TestCollection) -> None:
    app = MLCardsApp(with_config, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert titles.count("Interview date") == 1 and not any(title.startswith("Plan") for title in titles)
        await pilot.press("question_mark")
        assert "Interview date: set or clear it" in screen_text(app)


async def test_stats_shows_the_simulated_workload_with_the_planned_new_prompts(with_config: TestCollection) -> None:
    with_config.settings = replace(with_config.settings, interview_date=INTERVIEW)
    app = MLCardsApp(with_config, now=FIXED_NOW)
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, StatsScreen)
        text = screen_text(app)
        assert "Workload, next 30 days (simulated under SM-2)" in text
        assert "6 new prompts in all; planned for 2025-04-20, within 200 a day" in text


async def test_stats_says_when_the_plan_is_over_the_review_budget(with_config: TestCollection) -> None:
    with_config.settings = replace(with_config.settings, interview_date=date(2025, 3, 24), reviews_per_day=2)
    app = MLCardsApp(with_config, now=FIXED_NOW)
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("t")
        assert "Over budget: 2 new a day needed, room for about 0 ('mlcards plan' says what could be cut)" in screen_text(app)


async def test_a_date_set_from_the_palette_on_the_stats_screen_replans_its_workload_chart(with_config: TestCollection) -> None:
    app = MLCardsApp(with_config, now=FIXED_NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, StatsScreen)
        assert "planned for" not in screen_text(app)
        app.action_interview_date()
        await pilot.pause()
        await pilot.press(*"2025-04-20", "enter")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        assert "planned for 2025-04-20" in screen_text(app)
