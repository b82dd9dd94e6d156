"""The settings file: the template `mlcards config --init` writes, a clear error for each bad value, and the FSRS parameters (read only when sound, written keeping the learner's lines)."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from mlcards.config import TEMPLATE, ConfigError, Settings, load_settings, save_fsrs_parameters, save_plan_settings
from mlcards.new_order import NewOrder, NewPromptOrder
from mlcards.scheduling.fitting import DEFAULT

FITTED = tuple(round(value * 1.05, 4) for value in DEFAULT)  # as a fit might give: near the defaults, within FSRS's ranges
LEARNERS_FILE = TEMPLATE.replace("new_cards_per_day = 20", "new_cards_per_day = 7  # my own limit") + "\n# my note at the end\n"


def test_fitted_parameters_are_saved_with_a_note_above_them_and_every_other_line_kept(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(LEARNERS_FILE, encoding="utf-8")
    save_fsrs_parameters(config, FITTED, "fitted on 2025-06-01 to 1,234 answers")
    text = config.read_text(encoding="utf-8")
    assert text.startswith(LEARNERS_FILE)
    assert text[len(LEARNERS_FILE) :].splitlines()[0] == "# fsrs_parameters: fitted on 2025-06-01 to 1,234 answers"
    assert load_settings(config).fsrs_parameters == FITTED
    assert load_settings(config).new_cards_per_day == 7


def test_saving_again_replaces_the_parameters_and_their_note_even_when_the_array_was_rewrapped(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(LEARNERS_FILE, encoding="utf-8")
    save_fsrs_parameters(config, FITTED, "first fit")
    wrapped = config.read_text(encoding="utf-8").replace(
        "fsrs_parameters = [", "fsrs_parameters = [\n    "
    )  # as an editor might wrap it
    config.write_text(wrapped + "# a line of mine after them\n", encoding="utf-8")
    refitted = (0.5, *FITTED[1:])
    save_fsrs_parameters(config, refitted, "second\nfit")
    text = config.read_text(encoding="utf-8")
    assert text.count("fsrs_parameters =") == 1 and text.count("# fsrs_parameters:") == 1
    assert "# fsrs_parameters: second fit\n" in text and "first fit" not in text
    assert text.startswith(LEARNERS_FILE) and text.endswith("]\n# a line of mine after them\n")
    assert load_settings(config).fsrs_parameters == refitted


def test_parameters_are_saved_into_a_settings_file_that_does_not_exist_yet(tmp_path: Path):
    config = tmp_path / "new" / "config.toml"
    save_fsrs_parameters(config, FITTED, "fitted")
    assert tomllib.loads(config.read_text(encoding="utf-8"))["fsrs_parameters"] == list(FITTED)
    assert [path.name for path in config.parent.iterdir()] == ["config.toml"]  # no temporary file left behind


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("[0.1, 0.2, 0.3]", "must be a list of 21 numbers (FSRS-6's w0 to w20), got 3 value(s)"),
        ('"0.1 0.2"', "must be a list of 21 numbers (FSRS-6's w0 to w20), got '0.1 0.2'"),
        ("[" + ", ".join(["0.5"] * 20) + ", nan]", "w20 must be a finite number, got nan"),
        ("[" + ", ".join(["0.5"] * 3) + ", inf" + ", 0.5" * 17 + "]", "w3 must be a finite number, got inf"),
        ("[true" + ", 0.5" * 20 + "]", "w0 must be a finite number, got True"),
        ('[0.5, "1"' + ", 0.5" * 19 + "]", "w1 must be a finite number, got '1'"),
        ("[-3.0" + "".join(f", {value}" for value in DEFAULT[1:]) + "]", "are outside what FSRS-6 accepts"),
    ],
    ids=["too-few", "not-a-list", "nan", "infinite", "a-boolean", "a-string", "out-of-range"],
)
def test_broken_fsrs_parameters_are_a_clear_error_naming_the_file_and_line(tmp_path: Path, value: str, complaint: str):
    config = tmp_path / "config.toml"
    config.write_text(f"# settings\nday_start_hour = 4\nfsrs_parameters = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(config)
    message = str(refused.value)
    assert message.startswith(f"{config}:3: 'fsrs_parameters' ")
    assert complaint in message and "run 'mlcards optimize'" in message and "delete the line" in message


def test_a_settings_line_the_writer_cannot_find_is_refused_and_the_file_left_as_it_was(tmp_path: Path):
    config = tmp_path / "config.toml"
    odd = "fsrs_parameters = [  # mine ] really\n" + "".join(f"  {value},\n" for value in FITTED) + "]\n"
    config.write_text(odd, encoding="utf-8")
    assert load_settings(config).fsrs_parameters == FITTED
    with pytest.raises(ConfigError, match="cannot replace its 'fsrs_parameters' line"):
        save_fsrs_parameters(config, FITTED, "fitted")
    assert config.read_text(encoding="utf-8") == odd


def test_the_fsrs_scheduler_uses_the_kept_parameters_and_fsrs_defaults_without_them():
    assert Settings(scheduler="fsrs", fsrs_parameters=FITTED).rule().fsrs.parameters == FITTED
    assert Settings(scheduler="fsrs").rule().fsrs.parameters is None


def test_parameters_saved_into_a_file_with_a_sync_table_stay_top_level_settings(tmp_path: Path):
    config = tmp_path / "config.toml"
    sync_table = '[sync]\nurl = "http://localhost:8080/"\nuser = "me"\n'
    config.write_text(LEARNERS_FILE + sync_table, encoding="utf-8")
    save_fsrs_parameters(config, FITTED, "fitted")
    text = config.read_text(encoding="utf-8")
    assert text.endswith("]\n" + sync_table)  # the note and the key went in above the table
    assert load_settings(config).fsrs_parameters == FITTED


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


def test_plan_settings_written_over_several_lines_or_indented_are_replaced_whole(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(
        'interview_leave_out = [\n  "ML",\n  "tag:gan",\n]\n  interview_date = 2027-01-15  # mine\n[sync]\nurl = "http://x/"\n',
        encoding="utf-8",
    )
    save_plan_settings(config, [("interview_leave_out", ("Core",)), ("interview_date", date(2027, 2, 1))])
    settings = load_settings(config)
    assert (settings.interview_leave_out, settings.interview_date) == (("Core",), date(2027, 2, 1))
    assert "# mine" in config.read_text(encoding="utf-8")
    save_plan_settings(config, [("interview_leave_out", ()), ("interview_date", None)])
    assert load_settings(config) == Settings()
    assert tomllib.loads(config.read_text(encoding="utf-8")) == {"sync": {"url": "http://x/"}}


def test_a_plan_change_that_cannot_be_written_saves_none_of_the_others(tmp_path: Path):
    config = tmp_path / "config.toml"
    odd = 'first_seen_days_before = 7\ninterview_leave_out = ["a]b",\n  "c"]\n'  # a bracket inside a name
    config.write_text(odd, encoding="utf-8")
    with pytest.raises(ConfigError, match="interview_leave_out"):
        save_plan_settings(config, [("first_seen_days_before", 3), ("interview_leave_out", ("Core",))])
    assert config.read_text(encoding="utf-8") == odd
