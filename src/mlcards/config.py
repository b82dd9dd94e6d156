"""User settings from a TOML file in the user config dir, each checked with a clear error."""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mlcards.new_order import NewOrder, NewPromptOrder
from mlcards.scheduling.fsrs_rule import FSRSSettings, scheduler_for
from mlcards.scheduling.rule import SCHEDULERS, RuleSettings
from mlcards.visible import UNSAFE_IN_A_LINE, visible_line


class ConfigError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Settings:
    day_start_hour: int = 4
    new_cards_per_day: int = 20
    reviews_per_day: int = 200
    backups_to_keep: int = 14
    theme: str = "dark"  # the review app's colours: "dark" or "light" (Ctrl+T switches and remembers)
    scheduler: str = "sm2"  # the rule that schedules: "sm2" or "fsrs"; switching replays the log
    desired_retention: float = 0.9  # FSRS: the recall probability at which a prompt comes due
    learning_steps: tuple[str, ...] = ("1m", "10m")  # FSRS: same-day steps of a new prompt
    relearning_steps: tuple[str, ...] = ("10m",)  # FSRS: same-day steps after a lapse
    fsrs_parameters: tuple[float, ...] | None = None  # FSRS-6's w0..w20 fitted by `mlcards optimize`; None: FSRS's defaults
    interview_date: date | None = None  # `mlcards plan --interview`: new prompts are planned to this date
    first_seen_days_before: int = 7  # the plan shows every prompt for the first time this many days before it
    interview_leave_out: tuple[str, ...] = ()  # `plan --leave-out`: deck names (with subdecks) and tag:NAME the plan skips
    new_order: str = "interleaved"  # new prompts across decks, each in proportion to what it has left; or "deck" by deck
    new_deck_priority: tuple[str, ...] = ()  # decks whose new prompts come first, in this order

    def rule(self) -> RuleSettings:
        """The answer rule these settings choose."""
        fsrs = FSRSSettings(
            desired_retention=self.desired_retention,
            learning_steps_minutes=tuple(step_minutes(step) for step in self.learning_steps),
            relearning_steps_minutes=tuple(step_minutes(step) for step in self.relearning_steps),
            parameters=self.fsrs_parameters,
            day_start_hour=self.day_start_hour,
        )
        return RuleSettings(scheduler="fsrs" if self.scheduler == "fsrs" else "sm2", fsrs=fsrs)

    def new_prompt_order(self) -> NewPromptOrder:
        return NewPromptOrder(NewOrder(self.new_order), self.new_deck_priority)


_CHOICES: dict[str, tuple[str, ...]] = {
    "theme": ("dark", "light"),
    "scheduler": SCHEDULERS,
    "new_order": tuple(order.value for order in NewOrder),
}
_DECK_LISTS = ("new_deck_priority",)
_MOST_DECKS_LISTED = 1_000
_FRACTIONS: dict[str, tuple[float, float]] = {"desired_retention": (0.7, 0.99)}
_STEP_LISTS = ("learning_steps", "relearning_steps")
_MOST_STEPS = 10
_STEP = re.compile(r"([1-9][0-9]{0,3})([mhd])")
_MINUTES_PER_UNIT = {"m": 1, "h": 60, "d": 1440}


def step_minutes(step: str) -> int:
    """A learning step as written ("1m", "10m", "1h", "1d") in minutes."""
    found = _STEP.fullmatch(step)
    if found is None:
        raise ValueError(f"not a step: {step!r}")
    return int(found[1]) * _MINUTES_PER_UNIT[found[2]]


_LIMITS: dict[str, tuple[int, int]] = {
    "day_start_hour": (0, 23),
    "new_cards_per_day": (0, 10_000),
    "reviews_per_day": (0, 100_000),
    "backups_to_keep": (0, 1_000),
    "first_seen_days_before": (1, 365),
}

TEMPLATE = """\
# mlcards settings. Delete a line to get its default back.
day_start_hour = 4        # a study day starts at 04:00 local time (0-23)
new_cards_per_day = 20    # new prompts introduced per day
reviews_per_day = 200     # due prompts shown per day
backups_to_keep = 14      # daily database backups kept
theme = "dark"            # the review app's colours: "dark" or "light" (Ctrl+T in the app switches and saves it)
scheduler = "sm2"         # "sm2" or "fsrs"; switching recomputes every prompt from the review log
desired_retention = 0.9   # FSRS: show a prompt when its predicted recall falls to this (0.7-0.99)
learning_steps = ["1m", "10m"]   # FSRS: same-day steps for a new prompt (m, h or d)
relearning_steps = ["10m"]       # FSRS: same-day steps after a forgotten review
first_seen_days_before = 7 # with an interview date (mlcards plan --interview YYYY-MM-DD): see every prompt by this many days before it
new_order = "interleaved" # new prompts drawn across decks in proportion to what each has left; "deck": deck by deck
new_deck_priority = []    # decks whose new prompts come first, in this order: names (with their subdecks) or ids,
                          # any case, e.g. ["Core::Probability and Statistics", "ML::LLM Inference"]
"""


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """Where `mlcards sync` finds Anki's sync server: the `[sync]` table, then the environment.
    The password is only ever read, never written anywhere by mlcards."""

    url: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)


SYNC_TABLE = "sync"
SYNC_ENVIRONMENT = {"url": "MLCARDS_SYNC_URL", "user": "MLCARDS_SYNC_USER", "password": "MLCARDS_SYNC_PASSWORD"}


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))  # -sig: a byte-order mark some editors add is dropped
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error} — fix the TOML syntax (key = value, one per line)") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the settings file ({error})") from error


def _sync_table(path: Path, raw: Mapping[str, Any]) -> dict[str, str]:
    table = raw.get(SYNC_TABLE, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: '{SYNC_TABLE}' must be a table: write [sync] on its own line, then url = \"...\" below it")
    for key, value in table.items():
        if key not in SYNC_ENVIRONMENT:
            raise ConfigError(f"{path}: unknown setting '{key}' in [sync] — known: {', '.join(SYNC_ENVIRONMENT)}")
        if not isinstance(value, str) or not value:
            raise ConfigError(f'{path}: [sync] {key} must be a non-empty text in quotes, e.g. {key} = "..."')
    return table


def load_sync_settings(path: Path, environment: Mapping[str, str] = os.environ) -> SyncSettings:
    """The `[sync]` table of the settings file, each value overridden by its MLCARDS_SYNC_* variable."""
    table = _sync_table(path, _read_toml(path))
    values = {key: environment.get(variable) or table.get(key) for key, variable in SYNC_ENVIRONMENT.items()}
    return SyncSettings(**values)


def load_settings(path: Path) -> Settings:
    if not path.exists():
        return Settings()
    raw = _read_toml(path)
    _sync_table(path, raw)  # checked here too, so `mlcards config` names a mistake before a sync does
    known = {item.name for item in fields(Settings)}
    values: dict[str, object] = {}
    for key, value in raw.items():
        if key == SYNC_TABLE:
            continue
        if key not in known:
            raise ConfigError(f"{path}: unknown setting '{key}' — known settings: {', '.join(sorted(known))}")
        if key == "fsrs_parameters":
            try:
                values[key] = fsrs_parameters_from(value)
            except ValueError as problem:
                raise ConfigError(f"{path}:{_line_of(path, key)}: {problem}") from None
            continue
        if key in _FRACTIONS:
            low_fraction, high_fraction = _FRACTIONS[key]
            if not isinstance(value, int | float) or isinstance(value, bool) or not low_fraction <= value <= high_fraction:
                raise ConfigError(f"{path}: '{key}' must be a number from {low_fraction} to {high_fraction}, got {value!r}")
            values[key] = float(value)
            continue
        if key in _STEP_LISTS:
            if (
                not isinstance(value, list)
                or len(value) > _MOST_STEPS
                or not all(isinstance(step, str) and _STEP.fullmatch(step) for step in value)
            ):
                raise ConfigError(
                    f'{path}: \'{key}\' must be a list of at most {_MOST_STEPS} steps such as ["1m", "10m", "1d"] '
                    f"(a whole number of minutes m, hours h or days d), got {value!r}"
                )
            values[key] = tuple(value)
            continue
        if key == "interview_date":
            values[key] = _interview_date(path, value)
            continue
        if key == "interview_leave_out":
            if not isinstance(value, list) or not all(
                isinstance(item, str) and item.strip() and item.isprintable() for item in value
            ):
                raise ConfigError(
                    f'{path}: \'interview_leave_out\' must be a list of deck names and tag:NAME entries, such as ["ML::Vision", "tag:gan"], '
                    f"got {value!r} — or delete the line (mlcards plan --leave-out-none)"
                )
            values[key] = tuple(value)
            continue
        if key in _DECK_LISTS:
            values[key] = _deck_list(path, key, value)
            continue
        if key in _CHOICES:
            if value not in _CHOICES[key]:
                raise ConfigError(f"{path}: '{key}' must be one of {', '.join(map(repr, _CHOICES[key]))}, got {value!r}")
            values[key] = value
            continue
        low, high = _LIMITS[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ConfigError(f"{path}: '{key}' must be a whole number from {low} to {high}, got {value!r}")
        values[key] = value
    return Settings(**values)  # type: ignore[arg-type]


def _deck_list(path: Path, key: str, value: object) -> tuple[str, ...]:
    example = '["Core::Probability and Statistics", "ML"]'
    if not isinstance(value, list):
        raise ConfigError(f"{path}: '{key}' must be a list of deck names or ids, such as {example}; got {value!r}")
    if len(value) > _MOST_DECKS_LISTED:
        raise ConfigError(f"{path}: '{key}' lists {len(value)} decks; at most {_MOST_DECKS_LISTED} can be listed")
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, str) or not entry.strip():
            raise ConfigError(
                f"{path}: '{key}' entry {number} must be a deck name or id in quotes, such as {example}; got {entry!r}"
            )
        if UNSAFE_IN_A_LINE.search(entry):
            raise ConfigError(
                f"{path}: '{key}' entry {number} holds a control character ({visible_line(entry)}); deck names and ids have none"
            )
    return tuple(value)


FSRS_PARAMETER_COUNT = 21  # FSRS-6: w0..w20, as py-fsrs 6 and fsrs-rs read them
_FSRS_NOTE = "# fsrs_parameters:"  # starts the comment line save_fsrs_parameters keeps above the key


def fsrs_parameters_from(value: object) -> tuple[float, ...]:
    """The FSRS-6 parameter vector as written in the settings file; a ValueError says what is wrong."""
    fix = "run 'mlcards optimize' to fit them again, or delete the line to use FSRS's defaults"
    if not isinstance(value, list) or len(value) != FSRS_PARAMETER_COUNT:
        got = f"{len(value)} value(s)" if isinstance(value, list) else repr(value)
        raise ValueError(
            f"'fsrs_parameters' must be a list of {FSRS_PARAMETER_COUNT} numbers (FSRS-6's w0 to w20), got {got} — {fix}"
        )
    for index, number in enumerate(value):
        if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
            raise ValueError(f"'fsrs_parameters' w{index} must be a finite number, got {number!r} — {fix}")
    parameters = tuple(float(number) for number in value)
    try:
        scheduler_for(FSRSSettings(parameters=parameters))  # py-fsrs checks each against the range FSRS-6 allows
    except ValueError as refused:
        raise ValueError(
            f"'fsrs_parameters' are outside what FSRS-6 accepts ({' '.join(str(refused).split())}) — {fix}"
        ) from None
    return parameters


def _line_of(path: Path, key: str) -> int:
    """The line a top-level key is set on (1 when it cannot be found), for error messages."""
    text = path.read_text(encoding="utf-8-sig")
    found = re.search(rf"^[ \t]*{key}[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def save_fsrs_parameters(path: Path, parameters: Sequence[float], note: str) -> None:
    """Set fsrs_parameters with a comment line above it (`note`: when and on what they were fitted),
    replacing the previous ones and their comment, keeping every other line as written (atomic)."""
    values = fsrs_parameters_from(list(parameters))
    comment = f"{_FSRS_NOTE} {' '.join(note.split())}"  # one line, whatever the note holds
    line = f"fsrs_parameters = [{', '.join(repr(value) for value in values)}]"
    text = _settings_text(path)
    # The comment written with the previous parameters goes with them.
    text = re.sub(rf"^{re.escape(_FSRS_NOTE)}[^\n]*\n(?=[ \t]*fsrs_parameters[ \t]*=)", "", text, flags=re.MULTILINE)
    text = _with_top_level(text, "fsrs_parameters", f"{comment}\n{line}")
    _check_reads_back(path, text, {"fsrs_parameters": list(values)})
    _replace_file(path, text)


def _settings_text(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8-sig")
    return "# mlcards settings (mlcards config --init writes a commented file)\n"


def _replace_file(path: Path, text: str) -> None:
    """Write the whole file or nothing: a crash leaves the old settings, never half of the new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _add_top_level(text: str, lines: str) -> str:
    """`lines` as top-level settings: before the first [table] (after it they would belong to it), else at the end."""
    if first_table := re.search(r"^[ \t]*\[", text, re.MULTILINE):
        return text[: first_table.start()] + lines + text[first_table.start() :]
    return text + ("" if text.endswith("\n") or not text else "\n") + lines


def _with_top_level(text: str, key: str, line: str | None) -> str:
    """`text` with the top-level setting `key` replaced by `line` (its whole value, an array written
    over several lines or an indented key included; a comment after it kept), or its line removed
    when `line` is None; a key not set yet is added before the first [table]."""
    table = re.search(r"^[ \t]*\[[^\]\n]*\][ \t]*(?:#[^\n]*)?$", text, re.MULTILINE)  # a [table] line, not an array's
    setting = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=[ \t]*(?:\[[^\]]*\]|[^#\n]*?)[ \t]*(?=#|$)", re.MULTILINE)
    found = setting.search(text, 0, table.start() if table else len(text))
    if found is None:
        return text if line is None else _add_top_level(text, line + "\n")
    if line is not None:
        return text[: found.start()] + line + text[found.end() :]
    line_end = text.find("\n", found.end())
    return text[: found.start()] + ("" if line_end < 0 else text[line_end + 1 :])


def _check_reads_back(path: Path, text: str, expected: dict[str, object]) -> None:
    """Never write a file the next start could not read, or would read a setting of `expected`
    (key -> value meant) otherwise than meant."""
    try:
        written = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        wrong = list(expected)
    else:
        wrong = [key for key, value in expected.items() if written.get(key) != value]
    if wrong:
        lines = " and ".join(f"'{key}'" for key in wrong)
        raise ConfigError(f"{path}: cannot replace its {lines} line — edit or delete it by hand, then run again")


def save_setting(path: Path, key: str, value: str) -> None:
    """Set one setting in the file, keeping every other line and comment as written (atomic)."""
    if key not in _CHOICES or value not in _CHOICES[key]:
        raise ValueError(f"{key} = {value!r} cannot be saved")
    text = _with_top_level(_settings_text(path), key, f'{key} = "{value}"')
    _check_reads_back(path, text, {key: value})
    _replace_file(path, text)


def _interview_date(path: Path, value: object) -> date:
    """A TOML date (interview_date = 2027-01-15) or the same written as a string."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(
        f"{path}: 'interview_date' must be a date written YYYY-MM-DD (interview_date = 2027-01-15), got {value!r} "
        "— or delete the line (mlcards plan --clear) to study without a date"
    )


PLAN_SETTINGS = ("interview_date", "first_seen_days_before", "interview_leave_out")


def save_plan_settings(path: Path, changes: Sequence[tuple[str, date | int | tuple[str, ...] | None]]) -> None:
    """Set interview_date, first_seen_days_before or interview_leave_out (None or an empty list:
    remove the line, back to no date or the default), keeping every other line as written, all in
    one write (atomic): either every change is saved or none."""
    text = _settings_text(path)
    for key, value in changes:
        if key not in PLAN_SETTINGS:
            raise ValueError(f"{key} is not a plan setting")
        if value is None or value == ():
            text = _with_top_level(text, key, None)
            continue
        if isinstance(value, tuple):
            written = "[" + ", ".join(json.dumps(item, ensure_ascii=False) for item in value) + "]"
        else:
            written = value.isoformat() if isinstance(value, date) else str(int(value))
        text = _with_top_level(text, key, f"{key} = {written}")
    _check_reads_back(
        path, text, {key: None if value == () else list(value) if isinstance(value, tuple) else value for key, value in changes}
    )
    _replace_file(path, text)
