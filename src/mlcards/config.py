"""User settings from a TOML file in the user config dir, each checked with a clear error."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path


class ConfigError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Settings:
    day_start_hour: int = 4
    new_cards_per_day: int = 20
    reviews_per_day: int = 200
    backups_to_keep: int = 14


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
"""


def load_settings(path: Path) -> Settings:
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # -sig: a byte-order mark some editors add is dropped
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error} — fix the TOML syntax (key = value, one per line)") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the settings file ({error})") from error
    known = {item.name for item in fields(Settings)}
    values: dict[str, int] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{path}: unknown setting '{key}' — known settings: {', '.join(sorted(known))}")
        low, high = _LIMITS[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ConfigError(f"{path}: '{key}' must be a whole number from {low} to {high}, got {value!r}")
        values[key] = value
    return Settings(**values)
