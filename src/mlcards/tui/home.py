"""Home: the deck tree with new / learning / due counts, today's work and the streak."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from mlcards.config import Settings
from mlcards.decktree import build_tree
from mlcards.review import ReviewFilter, ReviewSession
from mlcards.store.counts import answered_by_kind, deck_counts, streak
from mlcards.store.database import DatabaseError, open_database
from mlcards.store.errors import explain
from mlcards.store.sync import SyncReport
from mlcards.visible import visible_line

if TYPE_CHECKING:
    from mlcards.tui.app import MLCardsApp

ALL_DECKS = ""  # the row key of the "All decks" row


def _count(value: int, style: str) -> Text:
    return Text(str(value), style=style if value else "dim")


class HomeScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "study", "Study", priority=True),  # before the table turns enter into a selection
        Binding("a", "study_all", "Study all due"),
        Binding("c", "cram", "Cram"),
        Binding("b", "browse", "Browse"),
        Binding("t", "stats", "Stats"),
        Binding("r", "refresh", "Sync"),
        # Listed in help and the palette; the footer keeps its room for the daily keys.
        Binding("y", "anki_sync", "Sync with Anki", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    @property
    def mlcards(self) -> MLCardsApp:
        return cast("MLCardsApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="today")
        table: DataTable[Text | str] = DataTable(id="decks", cursor_type="row", zebra_stripes=True)
        table.add_column("Deck", key="deck")
        table.add_column("Unseen", key="new")  # never answered; the line above says how many come today
        table.add_column("Learn", key="learning")
        table.add_column("Due", key="due")
        table.add_column("Prompts", key="total")
        yield table
        yield Footer(compact=True)

    def on_screen_resume(self) -> None:
        # Also sent when the screen is first shown, so this is the only place counts are read.
        self.reload()

    def reload(self) -> None:
        """Re-read counts (cheap: one grouped query) and keep the cursor on the same deck."""
        database = self.mlcards.collection.database
        today = self.mlcards.today()
        tree = build_tree(deck_counts(database, today))
        table = cast("DataTable[Text | str]", self.query_one("#decks", DataTable))
        selected = self.selected_deck()
        table.clear()
        table.add_row(
            Text("All decks", style="bold"),
            _count(tree.new, "bold blue"),
            _count(tree.learning, "bold red"),
            _count(tree.due, "bold green"),
            str(tree.total),
            key=ALL_DECKS,
        )
        for depth, node in tree.walk():
            table.add_row(
                Text("  " * (depth + 1) + visible_line(node.name)),
                _count(node.new, "blue"),
                _count(node.learning, "red"),
                _count(node.due, "green"),
                str(node.total),
                key=node.path,
            )
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected), animate=False)
        by_kind, days = answered_by_kind(database, today), streak(database, today)
        # Counted from the queue a review of everything would build, so the numbers are exactly
        # what `a` shows: daily limits, buried cards and held-back cloze siblings included.
        queue = ReviewSession(database, self.mlcards.collection.settings, self.mlcards.now()).queued
        due_today = sum(1 for prompt in queue if not prompt.is_new or prompt.redrill)
        new_today = len(queue) - due_today
        summary = Text.assemble(
            ("Today ", "bold"),
            (today.isoformat(), "dim"),
            f" · {sum(by_kind.values())} answered · streak {days} day{'s' if days != 1 else ''} · ",
            (f"{due_today} due", "green"),
            " · ",
            (f"{new_today} new", "blue"),
            (f" of {tree.new} unseen" if tree.new > new_today else "", "dim"),
        )
        self.query_one("#today", Static).update(summary)

    def selected_deck(self) -> str | None:
        """The full name of the deck under the cursor; "" for all decks."""
        table = self.query_one("#decks", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_study()

    def _filter(self) -> ReviewFilter:
        deck = self.selected_deck()
        return ReviewFilter(deck=deck or None)

    def action_study(self) -> None:
        self.mlcards.start_review(self._filter())

    def action_study_all(self) -> None:
        self.mlcards.start_review(ReviewFilter())

    def action_cram(self) -> None:
        self.mlcards.start_review(self._filter(), cram=True)

    def action_browse(self) -> None:
        self.mlcards.action_browse()

    def action_stats(self) -> None:
        self.mlcards.action_stats()

    def action_refresh(self) -> None:
        reports: list[SyncReport] = []
        if not self.mlcards.saved("Re-syncing the deck files", lambda: reports.append(self.mlcards.collection.sync())):
            return
        report = reports[0]
        if report.problems:
            self.notify(f"{len(report.problems)} problem(s) in deck files:\n{report.problems[0]}", severity="warning", timeout=15)
        else:
            self.notify(f"Synced: {report.cards_added} new, {report.cards_updated} updated, {report.cards_removed} removed.")
        self.reload()

    def action_anki_sync(self) -> None:
        """Sync with Anki's sync server in a thread, so the app stays responsive while the network works."""
        self.notify("Syncing with Anki…", timeout=4)
        self.run_worker(self._anki_sync, thread=True, exclusive=True, group="anki-sync")

    def _anki_sync(self) -> None:
        collection = self.mlcards.collection
        message, severity = sync_with_anki_in_words(
            collection.database.path, collection.settings, collection.config_path, self.mlcards.now()
        )
        self.app.call_from_thread(self._anki_synced, message, severity)

    def _anki_synced(self, message: str, severity: SeverityLevel) -> None:
        self.notify(message, severity=severity, timeout=15 if severity != "information" else 8)
        self.reload()


def sync_with_anki_in_words(
    database_path: Path, settings: Settings, config_path: Path | None, now: datetime
) -> tuple[str, SeverityLevel]:
    """One sync on its own connection (SQLite connections stay in their thread), as a message."""
    from mlcards.ankisync.faults import SyncFailed  # imported late: Anki's backend loads only for a sync
    from mlcards.ankisync.run import sync_with_anki
    from mlcards.ankisync.summary import describe, describe_edited
    from mlcards.config import ConfigError, load_sync_settings
    from mlcards.paths import default_config_path

    try:
        sync_settings = load_sync_settings(config_path or default_config_path())
        database = open_database(database_path)
    except (ConfigError, DatabaseError) as error:
        return f"Not synced with Anki: {error}", "error"
    try:
        report = sync_with_anki(database, settings, sync_settings, now)
    except SyncFailed as error:
        return f"Not synced with Anki: {error}", "error"
    except DatabaseError as error:
        return f"Not synced with Anki: {error}", "error"
    except sqlite3.Error as error:
        return f"Not synced with Anki: {explain(error, database_path, 'syncing with Anki')}", "error"
    finally:
        database.close()
    edited = describe_edited(report)
    summary = describe(report, sync_settings.url or "")
    return (f"{summary}\n{edited}", "warning") if edited else (summary, "information")
