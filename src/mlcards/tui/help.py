"""Help: every key binding of every screen, and the search syntax."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

SEARCH_HELP = (
    "Browse search: words must all appear; tag:NAME, deck:PART and is:new|learning|due|review|suspended|buried narrow it further."
)


def _bindings_table(title: str, bindings: list[BindingType]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=None, show_header=False, pad_edge=False)
    table.add_column("Key", style="bold cyan", min_width=12)
    table.add_column("Action")
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            keys = binding.key_display or binding.key.replace(",", " / ")
            table.add_row(keys, binding.description)
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

        with VerticalScroll(id="help"):
            yield Static(Text("mlcards keys  (ctrl+p: command palette with every action)", style="bold"))
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
            yield Static(Text("Press escape or ? to close.", style="dim"), classes="help-section")

    def action_close(self) -> None:
        self.dismiss()
