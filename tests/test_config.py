"""The settings file: the template `mlcards config --init` writes, and a clear error for each bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcards.config import TEMPLATE, ConfigError, Settings, load_settings
from mlcards.new_order import NewOrder, NewPromptOrder


def settings_from(tmp_path: Path, text: str) -> Settings:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    return load_settings(config)


def test_the_template_reads_back_as_the_defaults(tmp_path: Path):
    assert settings_from(tmp_path, TEMPLATE) == Settings()


def test_new_prompts_are_interleaved_unless_the_deck_order_is_chosen(tmp_path: Path):
    assert Settings().new_prompt_order() == NewPromptOrder(NewOrder.INTERLEAVED, ())
    chosen = settings_from(tmp_path, 'new_order = "deck"\nnew_deck_priority = ["Core::Probability and Statistics", "ml"]\n')
    assert chosen.new_prompt_order() == NewPromptOrder(NewOrder.DECK, ("Core::Probability and Statistics", "ml"))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('new_order = "random"', "'new_order' must be one of 'interleaved', 'deck', got 'random'"),
        ('new_deck_priority = "Core"', "'new_deck_priority' must be a list of deck names or ids, such as"),
        ("new_deck_priority = [3]", "'new_deck_priority' entry 1 must be a deck name or id in quotes"),
        ('new_deck_priority = ["Core", " "]', "'new_deck_priority' entry 2 must be a deck name or id in quotes"),
        ('new_deck_priority = ["Core\\u001b[31m"]', "entry 1 holds a control character (Core⟨U+001B⟩[31m)"),
    ],
)
def test_a_bad_new_prompt_setting_names_the_file_the_setting_and_the_fix(tmp_path: Path, line: str, message: str):
    with pytest.raises(ConfigError) as raised:
        settings_from(tmp_path, line + "\n")
    assert str(raised.value).startswith(f"{tmp_path / 'config.toml'}: ")
    assert message in str(raised.value)
    assert "\x1b" not in str(raised.value)
