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
from mlcards.decktree import DeckNode, build_tree
from mlcards.review import MoreToStudy, ReviewFilter, ReviewSession
from mlcards.store.counts import answered_by_kind, deck_counts, deck_list, streak
from mlcards.store.database import DatabaseError, open_database
from mlcards.store.errors import explain
from mlcards.store.sync import SyncReport
from mlcards.study_plan import Readiness, readiness
from mlcards.visible import visible_line
from mlcards.wording import counted

if TYPE_CHECKING:
    from mlcards.tui.app import MLCardsApp

ALL_DECKS = ""  # the row key of the "All decks" row
COUNT_COLUMNS = (("Unseen", "new"), ("Learn", "learning"), ("Due", "due"), ("Prompts", "total"))
NARROWEST_DECK_COLUMN = 12
CELL_PADDING = 2  # a DataTable cell's one space on each side
SCROLLBAR_WIDTH = 2


def _count(value: int, style: str) -> Text:
    return Text(str(value), style=style if value else "dim")


def _readiness(value: float | None, style: str) -> Text:
    return Text("—" if value is None else f"{value:.0%}", style=style if value else "dim")


def _interview_line(ready: Readiness) -> Text:
    day, overall = ready.interview.isoformat(), f"{ready.overall:.0%}"
    if ready.days_left < 0:  # today's schedule cannot say what was known on a past day
        return Text.assemble(("Interview ", "bold"), f"{day} has passed", (" · i: set the next one or clear the date", "dim"))
    if ready.days_left == 0:
        return Text.assemble(
            ("Interview ", "bold"), f"{day} is today · readiness {overall}", (" · i: change or clear the date", "dim")
        )
    return Text.assemble(
        ("Interview ", "bold"),
        day,
        f" · {counted(ready.days_left, 'day')} left · ",
        (f"readiness {overall}", "bold magenta"),
        (" · i: change date", "dim"),
    )


def deck_column_width(table_width: int, names: list[str], counts_width: int) -> int:
    """The Deck column's width: its longest name, but never so wide that the counts leave the screen."""
    room = table_width - counts_width - CELL_PADDING - SCROLLBAR_WIDTH
    return max(NARROWEST_DECK_COLUMN, min(max(map(len, names), default=0), room))


class HomeScreen(Screen[None]):
    offer: MoreToStudy | None = None  # what is left once today's work is done, while n and h are offered

    BINDINGS = [
        Binding("enter", "study", "Study", priority=True),  # before the table turns enter into a selection
        Binding("a", "study_all", "Study all due"),
        Binding("c", "cram", "Cram", show=False),  # in help and the palette: the 80-column footer keeps the daily keys
        # Offered once today's work is done (or its new prompts are): hidden until then.
        Binding("m", "more_new", "Learn more"),
        Binding("h", "review_ahead", "Review ahead"),
        Binding("b", "browse", "Browse"),
        Binding("t", "stats", "Stats"),
        Binding("n", "new_card", "New card"),
        Binding("r", "refresh", "Reload decks", show=False),  # re-reads the YAML (also done at start); in help and the palette
        # Listed in help and the palette; the footer keeps its room for the daily keys (the interview
        # line names i while a date is set).
        Binding(
            "i",
            "interview_date",
            "Plan",
            show=False,
            tooltip="Interview date: set or clear it",
        ),
        Binding("y", "anki_sync", "Sync with Anki", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[tuple[str, str, DeckNode, int]] = []  # (row key, name with its indent, counts, depth)
        self._ready: Readiness | None = None  # readiness for the interview date, per deck; None without a date

    @property
    def mlcards(self) -> MLCardsApp:
        return cast("MLCardsApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="today")
        yield Static(id="interview")
        yield Static(id="more")
        # Columns are added with the rows (see _fill_table): the Deck column's width follows the screen's.
        yield DataTable(id="decks", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_resize(self) -> None:
        if self._rows:
            self._fill_table()

    def on_screen_resume(self) -> None:
        # Also sent when the screen is first shown, so this is the only place counts are read.
        self.reload()

    def reload(self) -> None:
        """Re-read counts (cheap: one grouped query) and keep the cursor on the same deck."""
        database = self.mlcards.collection.database
        today = self.mlcards.today()
        tree = build_tree(deck_counts(database, today))
        settings = self.mlcards.collection.settings
        self._ready = readiness(database, settings, self.mlcards.now(), today)  # None: no interview date
        self._rows = [(ALL_DECKS, "All decks", tree, -1)] + [
            (node.path, "  " * (depth + 1) + visible_line(node.name), node, depth) for depth, node in tree.walk()
        ]
        self._fill_table()
        by_kind, days = answered_by_kind(database, today), streak(database, today)
        # Counted from the queue a review of everything would build, so the numbers are exactly
        # what `a` shows: daily limits, the plan's quota, buried prompts and held-back cloze siblings.
        session = ReviewSession(database, settings, self.mlcards.now())
        due_today, new_today = session.due_and_new()
        planned = session.planned_for is not None  # the plan's quota, not new_cards_per_day, gave today's new prompts
        summary = Text.assemble(
            ("Today ", "bold"),
            (today.isoformat(), "dim"),
            f" · {sum(by_kind.values())} answered · streak {counted(days, 'day')} · ",
            (f"{due_today} due", "green"),
            " · ",
            (f"{new_today} new", "blue"),
            (f" of {tree.new} unseen" if tree.new > new_today and not planned else "", "dim"),
            (" (planned)" if planned else "", "dim"),
        )
        self.query_one("#today", Static).update(summary)
        interview = self.query_one("#interview", Static)
        interview.display = self._ready is not None
        if self._ready is not None:
            interview.update(_interview_line(self._ready))
        self._offer_more(
            session.more_to_study() if not session.queued or session.new_limit_reached else None, bool(session.queued)
        )

    def _fill_table(self) -> None:
        """Rows and columns from the last counts read, the Deck column fitted to the table's width
        (a long deck name is cut with an ellipsis rather than pushing the counts off screen)."""
        table = cast("DataTable[Text | str]", self.query_one("#decks", DataTable))
        selected = self.selected_deck()
        count_widths = [
            max(len(title), *(len(str(getattr(node, key))) for _, _, node, _ in self._rows)) for title, key in COUNT_COLUMNS
        ]
        ready = self._ready if self._ready is not None and self._ready.days_left >= 0 else None  # no column once it has passed
        counts_width = sum(width + CELL_PADDING for width in count_widths) + (0 if ready is None else 5 + CELL_PADDING)
        width = deck_column_width(table.size.width or self.size.width, [name for _, name, _, _ in self._rows], counts_width)
        table.clear(columns=True)
        table.add_column("Deck", key="deck", width=width)
        for (title, key), count_width in zip(COUNT_COLUMNS, count_widths, strict=True):
            table.add_column(
                title, key=key, width=count_width
            )  # "Unseen": never answered; the line above says how many come today
        if ready is not None:  # the Ready column only while an interview date is set
            table.add_column("Ready", key="ready", width=5)
        for key, name, node, depth in self._rows:
            label = Text(name, style="bold" if depth < 0 else "", no_wrap=True, overflow="ellipsis")  # cut when drawn
            style = "bold " if depth < 0 else ""
            table.add_row(
                label,
                _count(node.new, style + "blue"),
                _count(node.learning, style + "red"),
                _count(node.due, style + "green"),
                str(node.total),
                *([] if ready is None else [_readiness(ready.overall if depth < 0 else ready.of(key), style.strip())]),
                key=key,
            )
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected), animate=False)

    def _offer_more(self, more: MoreToStudy | None, work_left: bool) -> None:
        """Once today's work (or its new prompts) is done: what is left, and m / h to study more."""
        line = self.query_one("#more", Static)
        self.offer = more if more is not None and (more.unseen or more.due_ahead) else None
        line.display = self.offer is not None
        self.refresh_bindings()
        if self.offer is None:
            return
        line.update(
            Text.assemble(  # short enough for 80 columns
                ("New prompts done" if work_left else "Done for today", "bold"),
                f" · {self.offer.unseen} unseen · {self.offer.due_ahead} due in {counted(self.offer.ahead_days, 'day')} · ",
                ("m", "bold"),
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

    def action_interview_date(self) -> None:
        self.mlcards.action_interview_date()

    def action_new_card(self) -> None:
        self.mlcards.action_new_card()

    def deck_file_shown(self) -> Path | None:
        """The file of the deck under the cursor (a new card goes there if it is the learner's)."""
        selected = self.selected_deck()
        files = {deck.name: deck.file_path for deck in deck_list(self.mlcards.collection.database)}
        return Path(files[selected]) if selected in files else None

    def action_refresh(self) -> None:
        reports: list[SyncReport] = []
        if not self.mlcards.saved("Re-syncing the deck files", lambda: reports.append(self.mlcards.collection.sync())):
            return
        report = reports[0]
        if report.problems:
            self.notify(f"{len(report.problems)} problem(s) in deck files:\n{report.problems[0]}", severity="warning", timeout=15)
        else:
            self.notify(
                f"Synced: {report.cards_added} card(s) added, {report.cards_updated} updated, {report.cards_removed} removed."
            )
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
