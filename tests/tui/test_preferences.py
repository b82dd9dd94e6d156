"""UI choices are kept in the settings file between runs, with the learner's comments intact."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import FIXED_NOW, rows, screen_text

from conftest import TestCollection
from mlcards.config import TEMPLATE, ConfigError, load_settings
from mlcards.tui.app import DARK_THEME, LIGHT_THEME, MLCardsApp
from mlcards.tui.browse import BrowseScreen
from mlcards.tui.stats import StatsScreen


async def test_the_theme_chosen_with_ctrl_t_is_saved_and_used_on_the_next_start(
    collection: TestCollection, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(TEMPLATE.replace("new_cards_per_day = 20", "new_cards_per_day = 7  # my own limit"), encoding="utf-8")
    collection.settings = load_settings(config)
    collection.config_path = config
    app = MLCardsApp(collection, now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == DARK_THEME
        await pilot.press("ctrl+t")
        assert app.theme == LIGHT_THEME
    text = config.read_text(encoding="utf-8")
    assert 'theme = "light"' in text and "new_cards_per_day = 7  # my own limit" in text and text.count("theme =") == 1
    collection.settings = load_settings(config)
    restarted = MLCardsApp(collection, now=FIXED_NOW)
    async with restarted.run_test(size=(80, 24)):
        assert restarted.theme == LIGHT_THEME


def test_an_unknown_theme_in_the_settings_file_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('theme = "purple"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="'theme' must be one of 'dark', 'light', got 'purple'"):
        load_settings(config)


async def test_switching_the_scheduler_from_the_palette_reschedules_from_the_log_and_is_saved(
    collection: TestCollection, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(TEMPLATE, encoding="utf-8")
    collection.settings = load_settings(config)
    collection.config_path = config
    app = MLCardsApp(collection, now=FIXED_NOW)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("a", "space", "4", "escape")  # one answer under SM-2: Easy, due in 4 days
        (sm2_due,) = rows(collection, "SELECT due FROM schedule WHERE last_log_id > 0")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Scheduler: switch to FSRS" in titles
        app.action_switch_scheduler()
        await pilot.pause()
        assert collection.settings.scheduler == "fsrs"
        (fsrs_due,) = rows(collection, "SELECT due FROM schedule WHERE last_log_id > 0")
        assert fsrs_due != sm2_due  # FSRS-6's default stability after Easy is about 8 days
        assert any("Scheduling with FSRS: 1 prompt(s) rescheduled from 1 answer(s)" in n.message for n in app._notifications)
        assert "Scheduler: switch to SM-2" in [command.title for command in app.get_system_commands(app.screen)]
    text = config.read_text(encoding="utf-8")
    assert 'scheduler = "fsrs"' in text and text.count("scheduler =") == 1 and "# a study day starts" in text
    assert rows(collection, "SELECT count(*) FROM review_log") == [(1,)]  # the log is never touched


async def test_switching_the_scheduler_from_the_palette_on_the_stats_screen_redraws_its_forecast(
    collection: TestCollection, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    collection.config_path = config
    app = MLCardsApp(collection, now=FIXED_NOW)
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("a", "space", "4", "escape", "t")
        assert "simulated under SM-2" in screen_text(app)
        await pilot.press("ctrl+p", *"switch to FSRS")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen) and collection.settings.scheduler == "fsrs"
        assert "simulated under FSRS" in screen_text(app) and "SM-2" not in screen_text(app)


async def test_switching_the_scheduler_on_the_browse_screen_shows_the_new_due_dates(
    collection: TestCollection, tmp_path: Path
) -> None:
    collection.config_path = tmp_path / "config.toml"
    app = MLCardsApp(collection, now=FIXED_NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a", "space", "4", "escape", "b")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        ((sm2_due,),) = rows(collection, "SELECT due FROM schedule WHERE last_log_id > 0")
        assert sm2_due[:10] in screen_text(app)
        app.action_switch_scheduler()
        await pilot.pause()
        ((fsrs_due,),) = rows(collection, "SELECT due FROM schedule WHERE last_log_id > 0")
        assert fsrs_due != sm2_due
        assert fsrs_due[:10] in screen_text(app) and sm2_due[:10] not in screen_text(app)
