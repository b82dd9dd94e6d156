"""Browse: live search by text, tag, deck and state; the selected card's content, schedule
and review history."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from mlcards.markup import split_spans
from mlcards.render.latex_unicode import latex_to_unicode
from mlcards.scheduling.fsrs_rule import decay_of, recall_probability
from mlcards.store.browse import IndexedCard, load_index, prompt_detail
from mlcards.store.counts import deck_list
from mlcards.store.queue import set_suspended
from mlcards.tui import cards
from mlcards.tui.cardsearch import SHOWN_STATES, parse_query, search
from mlcards.visible import visible, visible_line

if TYPE_CHECKING:
    from mlcards.tui.app import MLCardsApp

_CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::[^}]*)?\}\}")
SHOWN_ROWS = 200  # the table holds at most this many rows, so filtering stays instant at any size
SIDE_BY_SIDE_FROM = 160  # columns: from here the selected prompt shows beside the list, not below it
CELL_PADDING = 2  # a DataTable cell's one space on each side
SCROLLBAR_WIDTH = 2
STATE_WIDTH = len("suspended")
DUE_WIDTH = len("2025-03-14")
NARROWEST_QUESTION = 20
_STATE_STYLES = {"new": "blue", "learning": "red", "due": "green", "review": "", "suspended": "yellow", "buried": "dim"}


def state_cell(state: str) -> Text:
    """A prompt's state as the other screens name it: a never-answered prompt is "unseen" (home's
    and stats' Unseen); "new" is what home calls today's share of them."""
    return Text(SHOWN_STATES.get(state, state), style=_STATE_STYLES[state])


@dataclass(frozen=True)
class ColumnWidths:
    deck: int
    prompt: int
    question: int


def column_widths(table_width: int) -> ColumnWidths:
    """Deck and prompt columns grow a little with the table, the question takes the rest:
    at 80 columns the question is still readable, at 200 it is not cut at a fixed 60."""
    content = table_width - SCROLLBAR_WIDTH - 5 * CELL_PADDING
    deck = min(24, max(8, content // 8))
    prompt = min(28, max(14, content // 5))  # before the deck: the deck is in the detail pane too
    return ColumnWidths(deck, prompt, max(NARROWEST_QUESTION, content - deck - prompt - STATE_WIDTH - DUE_WIDTH))


class ResultsTable(DataTable[Text | str]):
    """The list of matching prompts; its columns are fitted to its width whenever that changes."""

    def on_resize(self, event: events.Resize) -> None:
        screen = self.screen
        if isinstance(screen, BrowseScreen):
            screen.fit_columns(event.size.width)


class BrowseScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "leave", "Home"),
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("tab", "app.focus_next", "Next pane", show=False),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False),
        Binding("down", "focus_list", "To the list", show=False),  # from the search box; the list uses down itself
        Binding("s", "toggle_suspended", "Suspend/unsuspend"),  # reaches the screen only when the list has focus
        Binding("ctrl+n", "new_card", "New card"),  # ctrl: a plain letter types into the search box
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial_query = query
        self.index: list[IndexedCard] = []
        self.found: list[IndexedCard] = []
        self._listed: list[IndexedCard] | None = None  # what the table shows now
        self._widths: ColumnWidths | None = None

    @property
    def mlcards(self) -> MLCardsApp:
        return cast("MLCardsApp", self.app)

    def compose(self) -> ComposeResult:
        yield Input(
            value=self.initial_query,
            placeholder="words  tag:loss  deck:face  is:unseen|learning|due|review|suspended|buried",
            id="search",
        )
        yield Static(id="match-count")
        with Container(id="panes"):
            yield ResultsTable(id="results", cursor_type="row")  # columns: see fit_columns
            with VerticalScroll(id="detail"):
                yield Static(id="detail-body")
        yield Footer(compact=True)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= SIDE_BY_SIDE_FROM, "side-by-side")

    def fit_columns(self, table_width: int) -> None:
        widths = column_widths(table_width)
        if widths == self._widths:
            return
        self._widths = widths
        table = cast("DataTable[Text | str]", self.query_one("#results", DataTable))
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column("Deck", key="deck", width=widths.deck)
        table.add_column("Prompt", key="prompt", width=widths.prompt)  # "card-id c2": each cloze deletion is a row
        table.add_column("State", key="state", width=STATE_WIDTH)
        table.add_column("Due", key="due", width=DUE_WIDTH)
        table.add_column("Question", key="question", width=widths.question)
        table.add_rows(_row(card, widths) for card in self._listed or [])
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), animate=False)

    def on_mount(self) -> None:
        self.index = load_index(self.mlcards.collection.database, self.mlcards.today())
        self.apply_filter(self.initial_query)
        self.query_one("#search", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.apply_filter(event.value)

    def action_focus_list(self) -> None:
        self.query_one("#results", DataTable).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#results", DataTable).focus()

    def apply_filter(self, query: str) -> None:
        self.found = search(self.index, parse_query(query))
        shown = min(len(self.found), SHOWN_ROWS)
        note = f"{len(self.found)} of {len(self.index)} prompts"
        if shown < len(self.found):
            note += f" (first {shown} listed; narrow the search to see the rest)"
        self.query_one("#match-count", Static).update(Text(note, style="dim"))
        listed = self.found[:SHOWN_ROWS]
        if listed == self._listed:  # a longer word often matches the same cards: table and cursor stay
            return
        self._listed = listed
        table = cast("DataTable[Text | str]", self.query_one("#results", DataTable))
        table.clear()
        if self._widths is not None:  # before the table has a size, fit_columns adds the rows
            table.add_rows(_row(card, self._widths) for card in listed)
        self.show_detail(self.found[0] if self.found else None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.found):
            self.show_detail(self.found[event.cursor_row])

    def show_detail(self, card: IndexedCard | None) -> None:
        body = self.query_one("#detail-body", Static)
        if card is None:
            body.update(Text("No prompt matches.", style="dim"))
            return
        body.update(_detail(self.mlcards, card))

    def action_toggle_suspended(self) -> None:
        table = self.query_one("#results", DataTable)
        if not 0 <= table.cursor_row < len(self.found):
            return
        card = self.found[table.cursor_row]
        suspend = card.state != "suspended"
        what = f"{'Suspending' if suspend else 'Unsuspending'} {card.label}"
        if not self.mlcards.saved(what, lambda: set_suspended(self.mlcards.collection.database, card.schedule_id, suspend)):
            return
        self.reload()
        self.notify(f"{card.label} {'suspended' if suspend else 'back in reviews'}.", timeout=3)

    def reload(self) -> None:
        """Re-read every prompt (states, due dates) and search again; the cursor keeps its row."""
        table = self.query_one("#results", DataTable)
        row = table.cursor_row
        self.index = load_index(self.mlcards.collection.database, self.mlcards.today())
        self.apply_filter(self.query_one("#search", Input).value)
        table.move_cursor(row=min(row, max(0, len(self.found) - 1)))
        self.show_detail(self.found[table.cursor_row] if 0 <= table.cursor_row < len(self.found) else None)

    def action_new_card(self) -> None:
        self.mlcards.action_new_card()

    def deck_file_shown(self) -> Path | None:
        """The file of the highlighted card's deck (a new card goes there if it is the learner's)."""
        card = self.highlighted()
        if card is None:
            return None
        detail, _ = prompt_detail(self.mlcards.collection.database, card.schedule_id)
        return Path(detail.file_path)

    def highlighted(self) -> IndexedCard | None:
        row = self.query_one("#results", DataTable).cursor_row
        return self.found[row] if 0 <= row < len(self.found) else None

    def show_new_card(self, deck_id: str, card_id: str) -> None:
        """List the card just added and select it, its detail below."""
        self.index = load_index(self.mlcards.collection.database, self.mlcards.today())
        self.query_one("#search", Input).value = card_id
        self.apply_filter(card_id)
        names = {deck.deck_id: deck.name for deck in deck_list(self.mlcards.collection.database)}
        row = next(
            (row for row, card in enumerate(self.found) if card.card_id == card_id and card.deck_name == names.get(deck_id)), 0
        )
        table = self.query_one("#results", DataTable)
        table.move_cursor(row=row, animate=False)
        table.focus()
        if self.found:
            self.show_detail(self.found[row])

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_leave(self) -> None:
        self.dismiss()


def one_line(question: str) -> str:
    """A card's question on one line as the learner reads it: math as Unicode, cloze answers in [ ]."""
    text = _CLOZE.sub(lambda found: f"[{found.group(1)}]", question)
    pieces = [latex_to_unicode(span.content) if span.kind.endswith("math") else span.content for span in split_spans(text)]
    return " ".join("".join(pieces).split())


def _cell(text: str) -> Text:
    # Text, not str: a DataTable reads a str cell as markup, and '[x]' in a card is not markup.
    # The column's width cuts it, with an ellipsis, when it is drawn; the cell keeps the whole text.
    return Text(visible_line(text), no_wrap=True, overflow="ellipsis")


def prompt_cell(card: IndexedCard, width: int) -> Text:
    """The prompt's label in `width` cells; a cut card id keeps its " c2", which tells the deletions apart."""
    if card.kind != "cloze":
        return _cell(card.card_id)
    deletion = f" c{card.ordinal}"
    card_id = _cell(card.card_id)
    card_id.truncate(max(1, width - len(deletion)), overflow="ellipsis")
    return card_id + deletion


def _row(card: IndexedCard, widths: ColumnWidths) -> tuple[Text | str, ...]:
    return (
        _cell(card.deck_name.rsplit("::", 1)[-1]),
        prompt_cell(card, widths.prompt),
        state_cell(card.state),
        card.due.isoformat() if card.due else "",
        _cell(one_line(card.question)),
    )


_GRADE_NAMES = {0: "Again", 1: "Again", 2: "Again", 3: "Hard", 4: "Good", 5: "Easy"}


def _detail(app: MLCardsApp, card: IndexedCard) -> Group:
    detail, history = prompt_detail(app.collection.database, card.schedule_id)
    heading = Text.assemble((visible_line(card.deck_name), "bold"), "  ", (visible_line(card.label), "bold cyan"))
    where = Text(
        visible(
            f"{detail.source}\n{Path(detail.file_path).name}:{detail.line}"
            + (f"\n#{' #'.join(detail.tags)}" if detail.tags else "")
        ),
        style="dim",
    )
    under_sm2 = app.collection.settings.scheduler == "sm2"
    schedule = Text.assemble(
        ("State ", "bold"),
        state_cell(card.state),
        f"  ·  due {card.due.isoformat() if card.due else '—'}  ·  interval {detail.interval}d  ·  "
        + (f"ease {detail.easiness_hundredths / 100:.2f}  ·  " if under_sm2 else "")
        + f"reps {detail.repetitions}  ·  lapses {detail.lapses}",
    )
    if detail.stability is not None and detail.difficulty is not None and detail.last_reviewed is not None:
        elapsed = (app.now() - detail.last_reviewed).total_seconds() / 86_400
        recall = recall_probability(detail.stability, elapsed, decay_of(app.collection.settings.rule().fsrs))
        schedule.append(
            f"\nMemory (FSRS)  ·  recall now {recall:.0%}  ·  stability {detail.stability:.1f}d  ·  "
            f"difficulty {detail.difficulty:.1f}/10"
        )
    log = Table(title="Review history", title_justify="left", box=None, header_style="bold", pad_edge=False)
    for column in ("Day", "Answer", "Kind", "Next interval", "Time"):
        log.add_column(column)
    for entry in history:
        log.add_row(
            entry.study_day.isoformat(),
            _GRADE_NAMES[entry.grade],
            entry.kind,
            f"{entry.interval_after}d",
            f"{entry.duration_ms / 1000:.1f}s",
        )
    if not history:
        log.add_row("never reviewed", "", "", "", "")
    return Group(
        heading,
        where,
        schedule,
        Text(""),
        Text("Front", style="bold dim"),
        cards.front_of(card.kind, detail.front, detail.text, card.ordinal),
        Text("Back", style="bold dim"),
        cards.back_of(card.kind, detail.back, detail.text, detail.extra, card.ordinal),
        Text(""),
        log,
    )
