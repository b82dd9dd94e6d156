"""Browse: live search by text, tag, deck and state; the selected card's content, schedule
and review history."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from mlcards.markup import split_spans
from mlcards.render.latex_unicode import latex_to_unicode
from mlcards.scheduling.fsrs_rule import decay_of, recall_probability
from mlcards.store.browse import IndexedCard, load_index, prompt_detail
from mlcards.store.queue import set_suspended
from mlcards.tui import cards
from mlcards.tui.cardsearch import parse_query, search
from mlcards.visible import visible, visible_line

if TYPE_CHECKING:
    from mlcards.tui.app import MLCardsApp

_CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::[^}]*)?\}\}")
SHOWN_ROWS = 200  # the table holds at most this many rows, so filtering stays instant at any size
_STATE_STYLES = {"new": "blue", "learning": "red", "due": "green", "review": "", "suspended": "yellow", "buried": "dim"}


class BrowseScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "leave", "Home"),
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("tab", "app.focus_next", "Next pane", show=False),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False),
        Binding("down", "focus_list", "To the list", show=False),  # from the search box; the list uses down itself
        Binding("s", "toggle_suspended", "Suspend/unsuspend"),  # reaches the screen only when the list has focus
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial_query = query
        self.index: list[IndexedCard] = []
        self.found: list[IndexedCard] = []
        self._listed: list[IndexedCard] | None = None  # what the table shows now

    @property
    def mlcards(self) -> MLCardsApp:
        return cast("MLCardsApp", self.app)

    def compose(self) -> ComposeResult:
        yield Input(
            value=self.initial_query,
            placeholder="words  tag:loss  deck:face  is:new|learning|due|review|suspended|buried",
            id="search",
        )
        yield Static(id="match-count")
        table: DataTable[Text | str] = DataTable(id="results", cursor_type="row")
        table.add_column("Deck", key="deck", width=16)
        table.add_column("Card", key="card", width=18)
        table.add_column("State", key="state", width=9)
        table.add_column("Due", key="due", width=10)
        table.add_column("Question", key="question", width=60)
        yield table
        with VerticalScroll(id="detail"):
            yield Static(id="detail-body")
        yield Footer(compact=True)

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
        note = f"{len(self.found)} of {len(self.index)} cards"
        if shown < len(self.found):
            note += f" (first {shown} listed; narrow the search to see the rest)"
        self.query_one("#match-count", Static).update(Text(note, style="dim"))
        listed = self.found[:SHOWN_ROWS]
        if listed == self._listed:  # a longer word often matches the same cards: table and cursor stay
            return
        self._listed = listed
        table = cast("DataTable[Text | str]", self.query_one("#results", DataTable))
        table.clear()
        table.add_rows(_row(card) for card in listed)
        self.show_detail(self.found[0] if self.found else None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.found):
            self.show_detail(self.found[event.cursor_row])

    def show_detail(self, card: IndexedCard | None) -> None:
        body = self.query_one("#detail-body", Static)
        if card is None:
            body.update(Text("No card matches.", style="dim"))
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
        self.index = load_index(self.mlcards.collection.database, self.mlcards.today())
        row = table.cursor_row
        self.apply_filter(self.query_one("#search", Input).value)
        table.move_cursor(row=min(row, max(0, len(self.found) - 1)))
        self.notify(f"{card.label} {'suspended' if suspend else 'back in reviews'}.", timeout=3)

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_leave(self) -> None:
        self.dismiss()


def one_line(question: str) -> str:
    """A card's question on one line as the learner reads it: math as Unicode, cloze answers in [ ]."""
    text = _CLOZE.sub(lambda found: f"[{found.group(1)}]", question)
    pieces = [latex_to_unicode(span.content) if span.kind.endswith("math") else span.content for span in split_spans(text)]
    return " ".join("".join(pieces).split())


def _row(card: IndexedCard) -> tuple[Text | str, ...]:
    question = one_line(card.question)
    return (  # Text, not str: a DataTable reads a str cell as markup, and '[x]' in a card is not markup
        Text(visible_line(card.deck_name.rsplit("::", 1)[-1])),
        Text(visible_line(card.label)),
        Text(card.state, style=_STATE_STYLES[card.state]),
        card.due.isoformat() if card.due else "",
        Text(visible_line(question[:120])),
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
        (card.state, _STATE_STYLES[card.state]),
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
