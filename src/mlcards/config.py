"""User settings from a TOML file in the user config dir, each checked with a clear error."""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from mlcards.scheduling.fsrs_rule import FSRSSettings
from mlcards.scheduling.rule import SCHEDULERS, RuleSettings


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

    def rule(self) -> RuleSettings:
        """The answer rule these settings choose."""
        fsrs = FSRSSettings(
            desired_retention=self.desired_retention,
            learning_steps_minutes=tuple(step_minutes(step) for step in self.learning_steps),
            relearning_steps_minutes=tuple(step_minutes(step) for step in self.relearning_steps),
            day_start_hour=self.day_start_hour,
        )
        return RuleSettings(scheduler="fsrs" if self.scheduler == "fsrs" else "sm2", fsrs=fsrs)


_CHOICES: dict[str, tuple[str, ...]] = {"theme": ("dark", "light"), "scheduler": SCHEDULERS}
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


def save_setting(path: Path, key: str, value: str) -> None:
    """Set one setting in the file, keeping every other line and comment as written (atomic)."""
    if key not in _CHOICES or value not in _CHOICES[key]:
        raise ValueError(f"{key} = {value!r} cannot be saved")
    line = f'{key} = "{value}"'
    text = (
        path.read_text(encoding="utf-8-sig")
        if path.exists()
        else "# mlcards settings (mlcards config --init writes a commented file)\n"
    )
    pattern = re.compile(rf"^{key}[ \t]*=[^#\n]*", re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(line, text, count=1)
    elif first_table := re.search(r"^[ \t]*\[", text, re.MULTILINE):  # top-level keys must come before [sync]
        text = text[: first_table.start()] + line + "\n" + text[first_table.start() :]
    else:
        text = text + ("" if text.endswith("\n") else "\n") + line + "\n"
    tomllib.loads(text)  # never write a file the next start could not read
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
