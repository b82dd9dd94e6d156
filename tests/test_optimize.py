"""mlcards optimize: FSRS fitted to a synthetic learner's real review log, end to end."""

from __future__ import annotations

from pathlib import Path

from mlcards.config import TEMPLATE, load_settings
from mlcards.scheduling import fitting
from mlcards.store.database import open_database
from mlcards.store.history import answers_for_fitting

from .synthetic_learner import record, study
from .test_cli import default_db, run

MY_SETTINGS = TEMPLATE.replace("new_cards_per_day = 20", "new_cards_per_day = 7  # my own limit")


def learner_home(tmp_path: Path, cards: int, days: int, new_per_day: int = 20) -> Path:
    """A home whose database holds `cards` cards of the learner's own deck and its answers over `days` days."""
    home = tmp_path / "home"
    deck = tmp_path / "learner.yaml"
    deck.write_text(
        "id: learner\nname: Learner\nsource: synthetic\ncards:\n"
        + "".join(f"  - {{id: c{n}, front: 'Question {n}?', back: 'Answer {n}'}}\n" for n in range(cards)),
        encoding="utf-8",
    )
    assert run(home, "add", str(deck)).returncode == 0
    database = open_database(default_db(home))
    try:
        prompts = [row[0] for row in database.connection.execute("SELECT id FROM schedule WHERE deck_id = 'learner' ORDER BY id")]
        with database.transaction() as connection:
            record(connection, study(prompts, days, new_per_day, seed=20250106))
    finally:
        database.close()
    config = settings_file(home)
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(MY_SETTINGS, encoding="utf-8")
    return home


def settings_file(home: Path) -> Path:
    return home / "config" / "mlcards" / "config.toml"


def logged(home: Path) -> fitting.TrainingLog:
    database = open_database(default_db(home))
    try:
        return fitting.training_log(answers_for_fitting(database.connection, None))
    finally:
        database.close()


def test_optimize_fits_a_learners_log_better_than_the_defaults_and_keeps_the_parameters_with_the_comments(tmp_path: Path):
    home = learner_home(tmp_path, cards=300, days=60)
    result = run(home, "optimize")
    assert result.returncode == 0, result.stderr
    log = logged(home)
    assert f"Read {log.answers:,} answer(s) to 300 prompt(s)" in result.stdout
    text = settings_file(home).read_text(encoding="utf-8")
    assert text.startswith(MY_SETTINGS)  # every line and comment of the learner's, as written
    note, line = text[len(MY_SETTINGS) :].splitlines()
    assert note.startswith("# fsrs_parameters: fitted by 'mlcards optimize' on ") and f"{log.answers:,} answer(s)" in note
    assert line.startswith("fsrs_parameters = [")
    fitted = load_settings(settings_file(home)).fsrs_parameters
    assert fitted is not None and fitted != fitting.DEFAULT
    assert fitting.evaluate(fitted, log).log_loss <= fitting.evaluate(fitting.DEFAULT, log).log_loss
    again = run(home, "optimize")
    assert again.returncode == 0 and "in your settings" in again.stdout  # the kept ones are measured too
    assert settings_file(home).read_text(encoding="utf-8").count("fsrs_parameters") == 2  # still one note and one line


def test_under_fsrs_the_fitted_parameters_reschedule_every_prompt_at_once(tmp_path: Path):
    home = learner_home(tmp_path, cards=300, days=60)
    settings_file(home).write_text(MY_SETTINGS.replace('scheduler = "sm2"', 'scheduler = "fsrs"'), encoding="utf-8")
    result = run(home, "optimize")
    assert result.returncode == 0, result.stderr
    assert "FSRS now schedules with them: 300 prompt(s) rescheduled from the log." in result.stdout
    after = run(home, "status")
    assert after.returncode == 0 and "scheduling settings changed" not in after.stderr  # nothing left to replay


def test_a_dry_run_fits_and_reports_but_keeps_nothing(tmp_path: Path):
    home = learner_home(tmp_path, cards=300, days=60)
    result = run(home, "optimize", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "FSRS defaults" in result.stdout and "fitted" in result.stdout and "nothing was saved" in result.stdout
    assert settings_file(home).read_text(encoding="utf-8") == MY_SETTINGS


def test_optimize_on_one_deck_reads_only_its_answers(tmp_path: Path):
    home = learner_home(tmp_path, cards=300, days=60)
    other_deck = run(home, "optimize", "--deck", "ml.fundamentals.bias")
    assert other_deck.returncode == 1 and "the log has no answers yet" in other_deck.stderr
    own_deck = run(home, "optimize", "--deck", "learner", "--dry-run")
    assert own_deck.returncode == 0 and f"Read {logged(home).answers:,} answer(s) to 300 prompt(s) in Learner;" in own_deck.stdout


def test_too_few_reviews_say_how_many_more_are_needed_exit_1_and_save_nothing(tmp_path: Path):
    home = learner_home(tmp_path, cards=40, days=8, new_per_day=10)
    log = logged(home)
    assert log.reviews_needed > 0
    result = run(home, "optimize")
    assert result.returncode == 1
    assert f"{log.reviews_needed:,} more review(s) needed; nothing was saved." in result.stderr
    assert f"needs {fitting.MINIMUM_ITEMS}" in result.stderr
    assert settings_file(home).read_text(encoding="utf-8") == MY_SETTINGS


def test_a_broken_fsrs_parameters_setting_is_reported_with_the_file_and_exit_3(tmp_path: Path):
    home = tmp_path / "home"
    config = settings_file(home)
    config.parent.mkdir(parents=True)
    config.write_text(MY_SETTINGS + "fsrs_parameters = [0.4, 1.2]\n", encoding="utf-8")
    result = run(home, "optimize")
    assert result.returncode == 3
    line = MY_SETTINGS.count("\n") + 1
    assert f"{config}:{line}: 'fsrs_parameters' must be a list of 21 numbers" in result.stderr
    assert "Traceback" not in result.stderr
