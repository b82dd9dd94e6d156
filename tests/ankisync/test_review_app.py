"""The review app's `y` key syncs with Anki through a real server, in the background."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from anki.scheduler.v3 import CardAnswer

from mlcards.collection import Collection
from mlcards.config import Settings
from mlcards.tui.app import MLCardsApp

from .conftest import DECK, PASSWORD, USER, Learner, SyncServer, the_log

pytestmark = pytest.mark.anki_server


def app_for(learner: Learner, config: Path) -> MLCardsApp:
    return MLCardsApp(Collection(learner.database, Settings(), config), now=datetime.now().astimezone(), theme="textual-dark")


def notifications(app: MLCardsApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


def config_file(tmp_path: Path, server: SyncServer) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[sync]\nurl = "{server.url}"\nuser = "{USER}"\npassword = "{PASSWORD}"\n')
    return path


async def test_y_on_home_syncs_with_anki_and_says_what_came_in(both_synced, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    learner, phone = both_synced
    phone.answer(DECK, "scale", CardAnswer.GOOD)
    phone.sync()
    app = app_for(learner, config_file(tmp_path, learner.server))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("1 answer(s) from Anki taken in" in message for message in notifications(app))
    assert len(the_log(learner.database)) == 1


async def test_a_failed_sync_is_a_message_and_the_app_keeps_running(both_synced, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    learner, _ = both_synced
    learner.server.kill()
    app = app_for(learner, config_file(tmp_path, learner.server))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any(message.startswith("Not synced with Anki: cannot reach") for message in notifications(app))
        assert app.is_running
