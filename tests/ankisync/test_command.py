"""`mlcards sync` on the command line: settings from config.toml and the environment, a summary,
faults as messages with their own exit code, and the password never written."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcards.cli import EXIT_OK, EXIT_SYNC_FAILED, EXIT_UNUSABLE, main

from .conftest import PASSWORD, USER, SyncServer

pytestmark = pytest.mark.anki_server

DECK = """\
id: mine.cli
name: Mine::CLI
source: A test
cards:
  - {id: one, front: One?, back: Uno.}
"""


@pytest.fixture
def home(tmp_path: Path, server: SyncServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database and a config.toml naming the server and user; the password only in the environment."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text(f'theme = "light"\n\n[sync]\nurl = "{server.url}"\nuser = "{USER}"\n')
    monkeypatch.setenv("MLCARDS_SYNC_PASSWORD", PASSWORD)
    for name in ("MLCARDS_SYNC_URL", "MLCARDS_SYNC_USER"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "cli.yaml").write_text(DECK)
    return tmp_path


def run(home: Path, *arguments: str) -> int:
    return main(["--db", str(home / "data" / "mlcards.sqlite3"), "--config", str(home / "config" / "config.toml"), *arguments])


def test_sync_command_syncs_and_prints_a_summary(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(home, "add", str(home / "mine")) == EXIT_OK
    capsys.readouterr()
    assert run(home, "sync") == EXIT_OK
    printed = capsys.readouterr().out
    assert "Synced with http://127.0.0.1:" in printed and "The whole collection went to the server." in printed
    assert run(home, "sync") == EXIT_OK
    assert "0 answer(s) from Anki taken in, 0 sent; 0 new note(s), 0 updated" in capsys.readouterr().out
    for folder in ("data", "config"):
        for path in (home / folder).rglob("*"):
            assert not path.is_file() or PASSWORD.encode() not in path.read_bytes(), path


def test_environment_overrides_the_settings_file(home: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MLCARDS_SYNC_USER", "somebody-else")
    assert run(home, "sync") == EXIT_SYNC_FAILED
    assert "refused user 'somebody-else'" in capsys.readouterr().err


def test_a_server_that_is_down_exits_with_the_sync_failure_code(home: Path, server: SyncServer, capsys) -> None:  # type: ignore[no-untyped-def]
    server.kill()
    assert run(home, "sync") == EXIT_SYNC_FAILED
    err = capsys.readouterr().err
    assert "cannot reach the Anki sync server" in err and "Traceback" not in err


def test_a_malformed_sync_table_is_a_settings_error(home: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (home / "config" / "config.toml").write_text("[sync]\nurl = 8080\n")
    assert run(home, "sync") == EXIT_UNUSABLE
    assert "[sync] url must be a non-empty text in quotes" in capsys.readouterr().err
