"""Before editing a card of a shipped deck: offer to fork the deck into the learner's own folder."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from mlcards.visible import visible_line

FORK = "fork"
EDIT_SHIPPED = "edit-shipped"


class ForkOffer(ModalScreen[str | None]):
    """f: fork the deck and edit the copy · e: edit the shipped file anyway · Esc: cancel."""

    BINDINGS = [
        Binding("f", "choose('fork')", "Fork and edit my copy"),
        Binding("e", "choose('edit-shipped')", "Edit the shipped file"),
        Binding("escape", "choose('')", "Cancel"),
    ]

    def __init__(self, deck_id: str, folder: str) -> None:
        super().__init__()
        self.deck_id = deck_id
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(id="fork-offer"):
            yield Static(
                Text.assemble(
                    ("This card is in a deck shipped with mlcards", "bold"),
                    f" ({visible_line(self.deck_id)}). An upgrade replaces that file, and your edit with it.\n\n",
                    ("f", "bold"),
                    f"  copy the deck into {visible_line(self.folder)} and edit your copy: it replaces the shipped deck "
                    "and keeps every answer\n",
                    ("e", "bold"),
                    "  edit the shipped file anyway\n",
                    ("Esc", "bold"),
                    "  cancel",
                )
            )

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice or None)
