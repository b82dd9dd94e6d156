"""Help: every key binding of every screen, and the search syntax."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

SEARCH_HELP = "Browse search: words must all appear; tag:NAME, deck:PART and is:unseen|learning|due|review|suspended|buried narrow it further."
CLOSE_HINT = "esc or ? closes"  # on the border: below the sections, 80x24 hid it under the scroll
TWO_COLUMNS_FROM = 120  # columns: from here the sections sit in two columns and all fit at once


def _bindings_table(title: str, bindings: list[BindingType]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=None, show_header=False, pad_edge=False)
    table.add_column("Key", style="bold cyan", min_width=12)
    table.add_column("Action")
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            keys = binding.key_display or binding.key.replace(",", " / ")
            table.add_row(keys, binding.tooltip or binding.description)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", key_display="esc")]

    def compose(self) -> ComposeResult:
        from mlcards.tui.app import MLCardsApp
        from mlcards.tui.browse import BrowseScreen
        from mlcards.tui.home import HomeScreen
        from mlcards.tui.new_card import NewCardForm
        from mlcards.tui.review import ReviewScreen
        from mlcards.tui.stats import StatsScreen

        with VerticalScroll(id="help") as keys:
            keys.border_title = "mlcards keys · ctrl+p: command palette with every action"
            keys.border_subtitle = CLOSE_HINT
            with Container(id="help-sections"):
                for title, bindings in (
                    ("Everywhere", MLCardsApp.BINDINGS),
                    ("Home", HomeScreen.BINDINGS),
                    ("Review", ReviewScreen.BINDINGS),
                    ("Browse", BrowseScreen.BINDINGS),
                    ("Stats", StatsScreen.BINDINGS),
                    ("New card form", NewCardForm.BINDINGS),
                ):
                    yield Static(_bindings_table(title, list(bindings)), classes="help-section")
            yield Static(Text(SEARCH_HELP, style="dim"), classes="help-section")

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= TWO_COLUMNS_FROM, "two-columns")

    def action_close(self) -> None:
        self.dismiss()
