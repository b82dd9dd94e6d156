"""The user's collection: database, settings, and every deck source, opened and synced
together. The CLI and the TUI are thin shells over this."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mlcards.config import Settings, load_settings
from mlcards.decks.edit import rewrite_card_id
from mlcards.decks.files import deck_files, listed_deck_files
from mlcards.decks.problems import Problem
from mlcards.domain import deck_selected
from mlcards.paths import shipped_decks_dir
from mlcards.scheduling.days import current_study_day
from mlcards.store.counts import latest_answered_day
from mlcards.store.database import Database, open_database
from mlcards.store.errors import explain
from mlcards.store.history import RebuildReport, active_rule_fingerprint, rebuild
from mlcards.store.identity import card_location, rename_card
from mlcards.store.registry import register_paths, registered_paths, unregister_paths
from mlcards.store.sync import SyncReport, sync

if TYPE_CHECKING:
    from mlcards.decks.append import CardDraft
    from mlcards.decks.new_card import NewCardCheck

FORK_HEADER_LINES = 3  # the comment a fork starts with: a card's line in the copy is its old line plus these


@dataclass
class Collection:
    database: Database
    settings: Settings
    config_path: Path | None = None  # where settings the app changes (the theme) are saved
    rule_change: RebuildReport | None = None  # set when opening found the rule changed and replayed the log

    def today(self, now: datetime) -> date:
        return current_study_day(now, self.settings.day_start_hour, latest_answered_day(self.database.connection))

    def review_now(self, now: datetime) -> tuple[int, int]:
        """(due, new): the prompts a review of everything would show now, counted from the queue it
        would build, so daily limits, buried prompts and held-back cloze siblings are included."""
        from mlcards.review import ReviewSession

        return ReviewSession(self.database, self.settings, now).due_and_new()

    def deck_roots(self) -> list[Path]:
        return [shipped_decks_dir(), *registered_paths(self.database)]

    def sync(self, roots: list[Path] | None = None, dry_run: bool = False) -> SyncReport:
        """Bring the database up to date with every deck file (or those under `roots`)."""
        chosen = self.deck_roots() if roots is None else roots
        return sync(
            self.database,
            chosen,
            registered=registered_paths(self.database),
            dry_run=dry_run,
            yielding_roots=[shipped_decks_dir()],
        )

    def own_deck_files(self) -> list[Path]:
        """The deck files a new card can go into: those under the paths the user added. Shipped
        decks are not among them: an upgrade replaces them, and a card written there with them."""
        shipped = shipped_decks_dir().resolve()
        found: dict[Path, None] = {}
        files, _unlisted = listed_deck_files(registered_paths(self.database))  # sync names an unreadable folder
        for path in files:
            resolved = path.resolve()
            if resolved.is_file() and not resolved.is_relative_to(shipped):
                found[resolved] = None
        return list(found)

    def add_card(self, path: Path, draft: CardDraft, write_with_warnings: bool = True) -> tuple[NewCardCheck, SyncReport]:
        """Write a new card at the end of one of the user's deck files, checked as `mlcards check`
        checks the file (nothing is written on a problem, nor on a warning unless
        `write_with_warnings`), then sync so it can be studied."""
        from mlcards.decks.new_card import NewCardCheck, add_card_to_file  # the YAML loader only for what reads YAML

        if path.resolve() not in self.own_deck_files():
            fix = "choose one of your own deck files, or add this one with: mlcards add PATH"
            return NewCardCheck(
                path, problems=[Problem(path, 1, 1, "file", "this is not one of your deck files", fix)]
            ), SyncReport()
        check = add_card_to_file(path, draft, write_with_warnings)
        if not check.written:
            return check, SyncReport()
        return check, self.sync()

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
        report = self.sync([*self.deck_roots(), *resolved])
        if report.ok:
            register_paths(self.database, resolved, now)
        return report, report.problems

    def fork(self, wanted: str, folder: Path, now: datetime, replace: bool = False) -> tuple[Path, SyncReport, list[Problem]]:
        """Copy a shipped deck's file into `folder` and add it: the copy keeps the deck and card
        ids, so it carries the shipped cards' history and replaces the shipped deck while added."""
        from mlcards.decks.loader import load_paths  # the YAML loader only for what reads YAML

        shipped_decks = load_paths([shipped_decks_dir()]).decks  # read from the files: a forked one is not in the database
        exact = [deck for deck in shipped_decks if wanted in (deck.deck_id, deck.name)]
        selected = [deck for deck in shipped_decks if deck_selected(wanted, deck.deck_id, deck.name)]
        loose = [deck for deck in shipped_decks if wanted.lower() in f"{deck.deck_id} {deck.name}".lower()]
        chosen = exact or selected or loose
        if len(chosen) != 1:
            names = ", ".join(deck.deck_id for deck in chosen[:8]) or "none"
            fix = "name one deck by its id (mlcards decks lists them)"
            return (
                folder,
                SyncReport(),
                [Problem(folder, 1, 1, "fork", f"'{wanted}' matches {len(chosen)} shipped decks ({names})", fix)],
            )
        source = chosen[0].path
        target = folder.expanduser().resolve() / source.name
        if target.exists() and not replace:
            return (
                target,
                SyncReport(),
                [Problem(target, 1, 1, "fork", "this file already exists", "choose another folder with --to, or add --force")],
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        header = (
            f"# Your copy of mlcards' shipped deck '{chosen[0].deck_id}', made {now.date().isoformat()}.\n"
            "# While this file is added, it replaces the shipped deck. Keep the deck id and the card ids:\n"
            "# they carry your answers (a renamed card keeps them with previous_ids: [old-id]).\n"
        )
        assert header.count("\n") == FORK_HEADER_LINES
        target.write_text(header + source.read_text(encoding="utf-8"), encoding="utf-8")
        report, problems = self.add([target], now)
        return target, report, problems

    def rename(self, old_key: str, new_id: str) -> list[Problem]:
        """Rename a card: its id in the YAML file and its stored row together, so every answer stays
        with it. `old_key` is "deck-id/card-id"; the card keeps its deck."""
        from mlcards.decks.schema import ID_PATTERN

        deck_id, _, old_id = old_key.partition("/")
        located = card_location(self.database, deck_id, old_id) if old_id else None
        if located is None:
            return [
                Problem(
                    Path(old_key),
                    1,
                    1,
                    "rename",
                    f"no card '{old_key}' in any deck",
                    "write it as deck-id/card-id (mlcards decks lists deck ids)",
                )
            ]
        path, line = located
        if path.resolve().is_relative_to(shipped_decks_dir().resolve()):
            fix = f"fork the deck first (mlcards fork {deck_id}), then rename the card in your copy"
            return [Problem(path, line, 1, old_id, "this card is in a deck shipped with mlcards, which an upgrade replaces", fix)]
        if not ID_PATTERN.fullmatch(new_id):
            return [Problem(path, line, 1, old_id, f"'{new_id}' is not a valid card id", "use letters, digits, '.', '-' and '_'")]
        if card_location(self.database, deck_id, new_id) is not None:
            return [Problem(path, line, 1, old_id, f"deck {deck_id} already has a card '{new_id}'", "choose another id")]
        problem = rewrite_card_id(path, line, old_id, new_id)
        if problem is not None:
            return [problem]
        with self.database.transaction() as connection:
            rename_card(connection, deck_id, old_id, new_id)
        return []

    def remove(self, paths: list[Path]) -> tuple[int, SyncReport]:
        removed = unregister_paths(self.database, [path.expanduser().resolve() for path in paths])
        return removed, self.sync()

    def rebuild(self) -> RebuildReport:
        """Every prompt's schedule recomputed from the review log under the configured rule."""
        with self.database.transaction() as connection:
            return rebuild(connection, self.settings.rule())

    def follow_configured_rule(self) -> RebuildReport | None:
        """If the schedules were replayed under another rule or settings than the configured ones
        (the learner switched to FSRS, changed its retention, or back), replay the log now."""
        wanted = self.settings.rule()
        if active_rule_fingerprint(self.database.connection) == wanted.fingerprint():
            return None
        with self.database.transaction() as connection:
            if active_rule_fingerprint(connection) == wanted.fingerprint():  # another window just did it
                return None
            return rebuild(connection, wanted)

    def close(self) -> None:
        self.database.close()


def open_collection(database_path: Path, config_path: Path) -> Collection:
    collection = Collection(open_database(database_path), load_settings(config_path), config_path)
    try:
        collection.rule_change = collection.follow_configured_rule()
    except sqlite3.Error as error:
        collection.close()
        raise explain(error, database_path, "replaying the review log of") from error
    except BaseException:
        collection.close()
        raise
    return collection
