"""Setting or clearing the interview date from the app: a small dialog over any screen."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from mlcards.planning.plan import interview_date_problem
from mlcards.visible import visible_line

CLEAR = "clear"  # the dialog's answer when the learner empties the field: remove the date


class InterviewDialog(ModalScreen[date | str | None]):
    """Enter saves the date typed (or clears it when the field is empty) · Esc: leave it as it is."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: date | None, today: date) -> None:
        super().__init__()
        self.current = current
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(id="interview-dialog"):
            yield Static(Text("Interview date", style="bold"))
            yield Static(
                Text(
                    "New prompts are planned so each is seen at least first_seen_days_before days before it; "
                    "home shows days left and readiness.",
                    style="dim",
                )
            )
            yield Input(value=self.current.isoformat() if self.current else "", placeholder="YYYY-MM-DD", id="interview-date")
            yield Static(id="interview-problem")
            yield Static(Text("Enter saves · an empty field clears the date · Esc cancels", style="dim"))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._problem("")  # the problem was with the text as it was; the new text is judged on Enter

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.dismiss(CLEAR if self.current else None)
            return
        try:
            chosen = date.fromisoformat(text)
        except ValueError:
            self._problem(f"'{visible_line(text)}' is not a date; write YYYY-MM-DD")
            return
        if (problem := interview_date_problem(chosen, self.today)) is not None:
            self._problem(problem)
            return
        self.dismiss(chosen)

    def _problem(self, message: str) -> None:
        self.query_one("#interview-problem", Static).update(Text(message, style="bold red"))

    def action_cancel(self) -> None:
        self.dismiss(None)
