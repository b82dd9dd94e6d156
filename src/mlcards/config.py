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


class ConfigError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Settings:
    day_start_hour: int = 4
    new_cards_per_day: int = 20
    reviews_per_day: int = 200
    backups_to_keep: int = 14
    theme: str = "dark"  # the review app's colours: "dark" or "light" (Ctrl+T switches and remembers)


_CHOICES: dict[str, tuple[str, ...]] = {"theme": ("dark", "light")}
_LIMITS: dict[str, tuple[int, int]] = {
    "day_start_hour": (0, 23),
    "new_cards_per_day": (0, 10_000),
    "reviews_per_day": (0, 100_000),
    "backups_to_keep": (0, 1_000),
}

TEMPLATE = """\
# mlcards settings. Delete a line to get its default back.
day_start_hour = 4        # a study day starts at 04:00 local time (0-23)
new_cards_per_day = 20    # new cards introduced per day
reviews_per_day = 200     # due reviews shown per day
backups_to_keep = 14      # daily database backups kept
theme = "dark"            # the review app's colours: "dark" or "light" (Ctrl+T in the app switches and saves it)
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
    values: dict[str, int | str] = {}
    for key, value in raw.items():
        if key == SYNC_TABLE:
            continue
        if key not in known:
            raise ConfigError(f"{path}: unknown setting '{key}' — known settings: {', '.join(sorted(known))}")
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
