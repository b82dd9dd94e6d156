"""Where the sync server comes from ([sync] in config.toml, MLCARDS_SYNC_*), checked before any
network traffic; and the message when the optional `anki` package is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mlcards.ankisync.endpoint import require_anki
from mlcards.ankisync.faults import AnkiMissing, SyncFailed
from mlcards.ankisync.session import sync_target
from mlcards.config import ConfigError, SyncSettings, load_settings, load_sync_settings, save_setting


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_the_sync_table_is_read_and_each_variable_overrides_its_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'day_start_hour = 5\n[sync]\nurl = "http://nas:8080/"\nuser = "me"\npassword = "from-file"\n')
    assert load_sync_settings(path, {}) == SyncSettings("http://nas:8080/", "me", "from-file")
    environment = {"MLCARDS_SYNC_URL": "https://other/", "MLCARDS_SYNC_PASSWORD": "from-env"}
    assert load_sync_settings(path, environment) == SyncSettings("https://other/", "me", "from-env")
    assert load_settings(path).day_start_hour == 5  # the table does not disturb the other settings


def test_the_password_is_not_shown_in_the_settings_repr() -> None:
    assert "hunter2" not in repr(SyncSettings("http://x/", "me", "hunter2"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('sync = "http://x/"\n', "'sync' must be a table"),
        ('[sync]\nserver = "http://x/"\n', "unknown setting 'server' in [sync]"),
        ("[sync]\nuser = 7\n", "[sync] user must be a non-empty text in quotes"),
    ],
)
def test_a_malformed_sync_table_names_the_file_and_the_fix(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")) as error:
        load_sync_settings(path, {})
    assert str(path) in str(error.value)
    with pytest.raises(ConfigError):
        load_settings(path)  # `mlcards config` reports it too


def test_a_saved_setting_stays_above_the_sync_table(tmp_path: Path) -> None:
    path = write(tmp_path, '[sync]\nurl = "http://nas:8080/"\nuser = "me"\n')
    save_setting(path, "theme", "light")
    assert load_settings(path).theme == "light"
    assert load_sync_settings(path, {}) == SyncSettings("http://nas:8080/", "me", None)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (SyncSettings(None, "me"), "no sync server is set"),
        (SyncSettings("nas:8080", "me"), "is not an http:// or https:// URL"),
        (SyncSettings("http://nas:8080", None), "no sync user is set"),
    ],
)
def test_missing_or_malformed_server_settings_say_where_to_set_them(settings: SyncSettings, message: str) -> None:
    with pytest.raises(SyncFailed, match=message) as error:
        sync_target(settings)
    assert "MLCARDS_SYNC_URL" in str(error.value)


def test_the_server_address_gets_the_trailing_slash_anki_expects() -> None:
    assert sync_target(SyncSettings("http://nas:8080", "me")).url == "http://nas:8080/"


def test_without_the_anki_extra_the_message_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anki", None)  # what Python does for a package that is not installed
    monkeypatch.setitem(sys.modules, "anki.collection", None)
    with pytest.raises(AnkiMissing, match=r"pip install 'mlcards\[anki\]'"):
        require_anki()
