"""Home: the deck tree with new / learning / due counts, today's work and the streak."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from mlcards.decktree import build_tree
from mlcards.review import MoreToStudy, ReviewFilter, ReviewSession
from mlcards.store.counts import answered_by_kind, deck_counts, streak
from mlcards.store.sync import SyncReport
from mlcards.visible import visible_line

if TYPE_CHECKING:
    from mlcards.tui.app import MLCardsApp

ALL_DECKS = ""  # the row key of the "All decks" row


def _count(value: int, style: str) -> Text:
    return Text(str(value), style=style if value else "dim")


class HomeScreen(Screen[None]):
    offer: MoreToStudy | None = None  # what is left once today's work is done, while n and h are offered

    BINDINGS = [
        Binding("enter", "study", "Study", priority=True),  # before the table turns enter into a selection
        Binding("a", "study_all", "Study all due"),
        Binding("c", "cram", "Cram"),
        # Offered once today's work is done (or its new prompts are): hidden until then.
        Binding("n", "more_new", "Learn more"),
        Binding("h", "review_ahead", "Review ahead"),
        Binding("b", "browse", "Browse"),
        Binding("t", "stats", "Stats"),
        Binding("r", "refresh", "Sync"),
        Binding("q", "app.quit", "Quit"),
    ]

    @property
    def mlcards(self) -> MLCardsApp:
        return cast("MLCardsApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="today")
        yield Static(id="more")
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
        session = ReviewSession(database, self.mlcards.collection.settings, self.mlcards.now())
        queue = session.queued
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
        self._offer_more(session.more_to_study() if not queue or session.new_limit_reached else None, bool(queue))

    def _offer_more(self, more: MoreToStudy | None, work_left: bool) -> None:
        """Once today's work (or its new prompts) is done: what is left, and n / h to study more."""
        line = self.query_one("#more", Static)
        self.offer = more if more is not None and (more.unseen or more.due_ahead) else None
        line.display = self.offer is not None
        self.refresh_bindings()
        if self.offer is None:
            return
        line.update(
            Text.assemble(  # short enough for 80 columns
                ("New prompts done" if work_left else "Done for today", "bold"),
                f" · {self.offer.unseen} unseen · {self.offer.due_ahead} due in {self.offer.ahead_days} days · ",
                ("n", "bold"),
                " learn more · ",
                ("h", "bold"),
                " review ahead",
            )
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("more_new", "review_ahead"):
            return self.offer is not None
        return True

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

    def action_more_new(self) -> None:
        self.mlcards.ask_more_new(self._filter())

    def action_review_ahead(self) -> None:
        self.mlcards.ask_review_ahead(self._filter())

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
