"""User settings from a TOML file in the user config dir, each checked with a clear error."""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from mlcards.new_order import NewOrder, NewPromptOrder
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
    new_order: str = "interleaved"  # new prompts across decks, each in proportion to what it has left; or "deck" by deck
    new_deck_priority: tuple[str, ...] = ()  # decks whose new prompts come first, in this order

    def new_prompt_order(self) -> NewPromptOrder:
        return NewPromptOrder(NewOrder(self.new_order), self.new_deck_priority)


_CHOICES: dict[str, tuple[str, ...]] = {"theme": ("dark", "light"), "new_order": tuple(order.value for order in NewOrder)}
_DECK_LISTS = ("new_deck_priority",)
_MOST_DECKS_LISTED = 1_000
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
new_order = "interleaved" # new prompts drawn across decks in proportion to what each has left; "deck": deck by deck
new_deck_priority = []    # decks whose new prompts come first, in this order: names (with their subdecks) or ids,
                          # any case, e.g. ["Core::Probability and Statistics", "ML::LLM Inference"]
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
    values: dict[str, int | str | tuple[str, ...]] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{path}: unknown setting '{key}' — known settings: {', '.join(sorted(known))}")
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
    text = (
        pattern.sub(line, text, count=1) if pattern.search(text) else text + ("" if text.endswith("\n") else "\n") + line + "\n"
    )
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
