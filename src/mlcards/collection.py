"""The user's collection: database, settings, and every deck source, opened and synced
together. The CLI and the TUI are thin shells over this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from mlcards.config import Settings, load_settings
from mlcards.decks.files import deck_files
from mlcards.decks.problems import Problem
from mlcards.paths import shipped_decks_dir
from mlcards.scheduling.days import current_study_day
from mlcards.store.counts import latest_answered_day
from mlcards.store.database import Database, open_database
from mlcards.store.history import RebuildReport, rebuild
from mlcards.store.registry import register_paths, registered_paths, unregister_paths
from mlcards.store.sync import SyncReport, sync


@dataclass
class Collection:
    database: Database
    settings: Settings

    def today(self, now: datetime) -> date:
        return current_study_day(now, self.settings.day_start_hour, latest_answered_day(self.database.connection))

    def deck_roots(self) -> list[Path]:
        return [shipped_decks_dir(), *registered_paths(self.database)]

    def sync(self, roots: list[Path] | None = None, dry_run: bool = False) -> SyncReport:
        """Bring the database up to date with every deck file (or those under `roots`)."""
        chosen = self.deck_roots() if roots is None else roots
        return sync(self.database, chosen, registered=registered_paths(self.database), dry_run=dry_run)

    def add(self, paths: list[Path], now: datetime) -> tuple[SyncReport, list[Problem]]:
        """Validate, then register and sync; on any problem nothing is written."""
        resolved = [path.expanduser().resolve() for path in paths]
        missing = [
            Problem(path, 1, 1, "file", "no such file or folder", "check the path") for path in resolved if not path.exists()
        ]
        if missing:
            return SyncReport(), missing
        if next(deck_files(resolved), None) is None:
            return SyncReport(), [
                Problem(
                    path, 1, 1, "file", "no deck files (.yaml, .yml) found here", "name a deck file or a folder that holds some"
                )
                for path in resolved
            ]
        baseline = self.sync()  # bring the known decks up to date first, so the report is about these paths
        if not baseline.ok:
            return baseline, baseline.problems
        # The sync validates every new file (and writes nothing on a problem), so the files are
        # parsed once: loading them beforehand too doubled the cost of adding a large deck.
        report = sync(self.database, [*self.deck_roots(), *resolved])
        if report.ok:
            register_paths(self.database, resolved, now)
        return report, report.problems

    def remove(self, paths: list[Path]) -> tuple[int, SyncReport]:
        removed = unregister_paths(self.database, [path.expanduser().resolve() for path in paths])
        return removed, self.sync()

    def rebuild(self) -> RebuildReport:
        """Every prompt's schedule recomputed from the review log."""
        with self.database.transaction() as connection:
            return rebuild(connection)

    def close(self) -> None:
        self.database.close()


def open_collection(database_path: Path, config_path: Path) -> Collection:
    return Collection(open_database(database_path), load_settings(config_path))
