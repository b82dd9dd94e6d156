"""A small question answered with a whole number (how many more new prompts, how many days ahead)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class AskNumber(ModalScreen[int | None]):
    """Enter takes the number (from 1 to `most`), Escape cancels; a number out of range is said
    plainly and the question stays."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, default: int, most: int) -> None:
        super().__init__()
        self.question = question
        self.default = default
        self.most = most

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-number"):
            yield Static(self.question, markup=False)
            yield Input(value=str(self.default), type="integer", id="number")
            yield Static(f"Enter to start · Esc to cancel · 1 to {self.most}", id="ask-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        number = int(text) if text.lstrip("-").isdigit() else None
        if number is None or not 1 <= number <= self.most:
            self.query_one("#ask-hint", Static).update(f"Type a whole number from 1 to {self.most}, or Esc to cancel.")
            return
        self.dismiss(number)

    def action_cancel(self) -> None:
        self.dismiss(None)
