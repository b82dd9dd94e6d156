"""UI choices are kept in the settings file between runs, with the learner's comments intact."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import FIXED_NOW

from conftest import TestCollection
from mlcards.config import TEMPLATE, ConfigError, load_settings
from mlcards.tui.app import DARK_THEME, LIGHT_THEME, MLCardsApp


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
