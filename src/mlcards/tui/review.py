"""Review: the front, then the back, graded with 1-4; undo, suspend, bury, edit in $EDITOR.

All scheduling lives in ReviewSession; each answer is committed there before the next card
is drawn here.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from mlcards.collection import FORK_HEADER_LINES
from mlcards.decks.problems import Problem
from mlcards.review import REDRILL_GAP, Answer, AnsweredElsewhere, NextStep, QueuedPrompt, ReviewSession
from mlcards.tui import cards
from mlcards.tui.cardview import BLANK, DIVIDER, CardView, Part
from mlcards.tui.fork_offer import EDIT_SHIPPED, FORK, ForkOffer
from mlcards.tui.review_widgets import AnswerBar, Choice, ProgressMeter
from mlcards.visible import visible_line
from mlcards.wording import counted

if TYPE_CHECKING:
    from mlcards.tui.app import MLCardsApp

ANSWER_KEYS: dict[str, Answer] = {"1": Answer.AGAIN, "2": Answer.HARD, "3": Answer.GOOD, "4": Answer.EASY}
_COLOURS: dict[Answer, str] = {
    Answer.AGAIN: "$error",
    Answer.HARD: "$warning",
    Answer.GOOD: "$success",
    Answer.EASY: "$primary",
}
REVEAL_HINT = "Press space to show the answer"
PREPARE_DELAY_S = 0.001  # any delay will do: what matters is a turn of the event loop of its own
DRAWS_PER_FULL_COLLECTION = 50  # fronts and backs: about 25 cards
_CRAM_SKIP = "Skipped for this cram session (cram changes nothing stored: suspend or bury in a normal review)."
LONGEST_COUNTED_ANSWER_MS = 120_000  # a learner who walked away is not 20 minutes slow


def next_step_label(answer: Answer, step: NextStep) -> str:
    """What the learner will see next after this answer. Under SM-2, Again brings the card back
    within this session (its one-day interval starts after that) and Hard also repeats it today,
    on top of its interval; under FSRS a learning step names its wait ("1m", "10m")."""
    if step.wait is not None:
        return wait_label(step.wait)
    if answer is Answer.AGAIN or step.days is None:
        return f"after {REDRILL_GAP} prompts"
    if step.again_today:
        return f"{interval_label(step.days)}, again today"
    return interval_label(step.days)


def wait_label(wait: timedelta) -> str:
    minutes = wait.total_seconds() / 60
    if minutes < 1:
        return "<1m"
    if minutes < 60:
        return f"{round(minutes)}m"
    return f"{minutes / 60:.0f}h" if minutes < 24 * 60 else f"{minutes / 1440:.0f}d"


def interval_label(days: int) -> str:
    if days < 31:
        return f"{days}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"


class ReviewScreen(Screen[None]):
    BINDINGS = [
        Binding("space,enter", "reveal", "Show answer", key_display="space"),
        Binding("1", "grade('1')", "Again", show=False),  # the answer bar shows 1-4 with their intervals
        Binding("2", "grade('2')", "Hard", show=False),
        Binding("3", "grade('3')", "Good", show=False),
        Binding("4", "grade('4')", "Easy", show=False),
        Binding("u", "undo", "Undo"),
        Binding("s", "suspend", "Suspend"),
        Binding("b", "bury", "Bury"),
        Binding("e", "edit", "Edit"),
        # On the end-of-session screen only: study more in this session's decks and tags.
        Binding("m", "more_new", "Learn more"),
        Binding("h", "review_ahead", "Review ahead"),
        Binding("escape", "leave", "Home"),
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.revealed = False
        self.grades: list[int] = []
        self.set_aside = 0
        self.started: datetime | None = None  # set on mount from the app's clock
        self.shown_at = time.monotonic()
        self._binding_state: tuple[bool, bool] | None = None
        self._draws_since_full_collection = 0
        self._collector_was_enabled = True

    @property
    def mlcards(self) -> MLCardsApp:
        return cast("MLCardsApp", self.app)

    @property
    def finished(self) -> bool:
        return self.session.current is None

    def compose(self) -> ComposeResult:
        # Every region keeps its size from card to card and from front to back: a new card
        # repaints a few widgets and never costs Textual a layout of the whole screen.
        with Horizontal(id="review-top"):
            yield Static(id="review-status")
            yield ProgressMeter(id="review-progress")
        yield CardView(id="card")
        yield AnswerBar(id="answers")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.started = self.mlcards.now()
        self.set_class(self.session.cram, "cram")
        # Garbage is collected between cards, while the learner reads (see prepare_upcoming),
        # never in the middle of drawing one: a full collection there cost five frames. What
        # exists now (app, collection, the session's queue) outlives the review, so it is
        # frozen out of those sweeps.
        self._collector_was_enabled = gc.isenabled()
        gc.freeze()
        gc.disable()
        self.show_card()

    def on_unmount(self) -> None:
        gc.unfreeze()
        if self._collector_was_enabled:
            gc.enable()

    # --- drawing -------------------------------------------------------------------------
    def show_card(self) -> None:
        """Draw the current card (or the summary), its answer bar and the progress."""
        card = self.session.current
        finished = card is None
        self._update_progress()
        if card is None:
            self._show_summary()
        else:
            self._draw(card)
        binding_state = (finished, self.session.can_undo)
        if binding_state != self._binding_state:  # the footer redraws only when what is enabled changes
            self._binding_state = binding_state
            # After the card's frame: rebuilding the footer takes ~50 ms, and the card matters first.
            self.call_after_refresh(self.refresh_bindings)
        if (hook := self.mlcards.on_card_rendered) is not None:
            self.call_after_refresh(hook)
        # In a turn of its own after the frame: run among the after-refresh callbacks, this
        # work would hold up everything else that waits for the frame, input included.
        self.call_after_refresh(self.set_timer, PREPARE_DELAY_S, self.prepare_upcoming)

    def prepare_upcoming(self) -> None:
        """While the learner reads, draw this card's back and the next card's front."""
        view = self.query_one("#card", CardView)
        if (card := self.session.current) is not None:
            view.prepare(self._parts(card, revealed=True))
        if (upcoming := self.session.upcoming) is not None:
            view.prepare(self._parts(upcoming, revealed=False))
        self._collect_garbage()

    def _collect_garbage(self) -> None:
        """The young generations after every drawing (a fraction of a millisecond); everything now and then."""
        self._draws_since_full_collection += 1
        if self._draws_since_full_collection >= DRAWS_PER_FULL_COLLECTION:
            self._draws_since_full_collection = 0
            gc.collect()
        else:
            gc.collect(1)

    @staticmethod
    def _parts(card: QueuedPrompt, revealed: bool) -> list[Part]:
        parts: list[Part] = [cards.front_of(card.kind, card.front, card.text, card.ordinal)]
        if revealed:
            parts += [BLANK, DIVIDER, BLANK, cards.back_of(card.kind, card.back, card.text, card.extra, card.ordinal)]
        return [*parts, BLANK, cards.source_of(card.source, card.tags)]

    def _draw(self, card: QueuedPrompt) -> None:
        self.query_one("#card", CardView).show(self._parts(card, self.revealed))
        answers = self.query_one("#answers", AnswerBar)
        if self.revealed:
            answers.show_choices([self._choice(card, key, answer) for key, answer in ANSWER_KEYS.items()])
        else:
            answers.show_hint(REVEAL_HINT)

    def _choice(self, card: QueuedPrompt, key: str, answer: Answer) -> Choice:
        label = f"{key} {answer.name.title()}"
        if not self.session.cram:
            step = self.session.next_step(card, answer, self.mlcards.now())
            label += f" · {next_step_label(answer, step)}"
        return Choice(key, label, _COLOURS[answer])

    def _update_progress(self) -> None:
        card = self.session.current
        done = self.session.answered
        total = done + self.session.remaining
        self.query_one("#review-progress", ProgressMeter).update(done if total else 1, max(total, 1))
        if card is None:
            status = Text("Session complete", style="bold")
        else:
            kind = "re-drill" if card.redrill else "new" if card.is_new else "review"
            status = Text.assemble(  # the deck name last: a long one is cut, the counts stay visible
                ("CRAM  " if self.session.cram else "", "bold magenta"),
                f"{kind} · {self.session.remaining} left · ",
                (visible_line(card.deck_name), "bold"),
            )
            status.truncate(max(10, self.size.width - 30), overflow="ellipsis")
        self.query_one("#review-status", Static).update(status, layout=False)

    def _show_summary(self) -> None:
        counts = Counter(self.grades)
        seconds = int((self.mlcards.now() - self.started).total_seconds()) if self.started else 0
        lines = Text()
        lines.append("Session complete\n\n", style="bold")
        lines.append(f"{len(self.grades)} answer(s) in {seconds // 60}:{seconds % 60:02d}\n")
        for answer in Answer:
            lines.append(f"  {answer.name.title():<6} {counts.get(int(answer), 0)}\n")
        if self.set_aside:
            lines.append(f"  {self.set_aside} prompt(s) suspended or buried\n")
        if self.session.cram:
            lines.append("\nCram session: no schedule was changed.\n", style="magenta")
        else:
            more = self.session.more_to_study()
            unseen = f"{counted(more.unseen, 'prompt')} unseen"
            chosen = self.session.filter
            where = f" in {visible_line(chosen.deck)}" if chosen.deck else " with these tags" if chosen.tags else ""
            lines.append(f"\n{unseen} · {more.due_ahead} due in the next {counted(more.ahead_days, 'day')}{where}\n")
            lines.append("m", style="bold")
            lines.append(" learn more new prompts today · ")
            lines.append("h", style="bold")
            lines.append(" review ahead\n")
        lines.append("\nPress escape for the deck list, u to undo the last answer.", style="dim")
        self.query_one("#card", CardView).show([lines])
        self.query_one("#answers", AnswerBar).show_hint("")

    # --- bindings ------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("reveal", "grade", "suspend", "bury", "edit"):
            return not self.finished
        if action == "undo":
            return True if self.session.can_undo else None  # shown dimmed until there is an answer
        if action in ("more_new", "review_ahead"):
            return self.finished and not self.session.cram
        return True

    def action_reveal(self) -> None:
        if self.finished or self.revealed:
            return
        self.revealed = True
        self.show_card()

    def action_grade(self, key: str) -> None:
        if self.finished or not self.revealed:
            return
        elapsed_ms = int((time.monotonic() - self.shown_at) * 1000)
        answer = ANSWER_KEYS[key]
        card = self.session.current
        what = f"Your answer to {card.card_id if card else 'this card'}"
        duration_ms = min(elapsed_ms, LONGEST_COUNTED_ANSWER_MS)
        try:
            if not self.mlcards.saved(
                what, lambda: self.session.answer(answer, self.mlcards.now(), duration_ms)
            ):  # committed here
                return
        except AnsweredElsewhere:
            fresh = self.session.refresh_current()
            self.notify(
                f"{card.card_id if card else 'This card'} was answered in another window"
                + (": here it is again as it stands now." if fresh else "; it is not due again today."),
                severity="warning",
                timeout=6,
            )
            self._next()
            return
        self.grades.append(int(answer))
        self._next()

    def on_answer_bar_chosen(self, event: AnswerBar.Chosen) -> None:
        event.stop()
        self.action_grade(event.key)

    def action_undo(self) -> None:
        if not self.session.can_undo:
            self.notify("Nothing to undo.")
            return
        was_answer = self.session.last_undoable_was_answer
        taken_back: list[QueuedPrompt] = []
        if not self.mlcards.saved("Undo", lambda: taken_back.append(self.session.undo(self.mlcards.now()))):
            return
        card = taken_back[0]
        if was_answer:
            if self.grades:
                self.grades.pop()
            self.notify(f"Took back the answer to {card.card_id}.", timeout=3)
        else:
            self.set_aside -= 1
            self.notify(f"{card.card_id} is back in the session.", timeout=3)
        self._next()

    def action_suspend(self) -> None:
        if not self.finished:
            if not self.mlcards.saved("Suspending this prompt", self.session.suspend):
                return
            self.set_aside += 1
            self.notify(
                _CRAM_SKIP
                if self.session.cram
                else "Prompt suspended: browse (b on home), select it and press s to bring it back.",
                timeout=4,
            )
            self._next()

    def action_bury(self) -> None:
        if not self.finished:
            if not self.mlcards.saved("Burying this prompt", self.session.bury):
                return
            self.set_aside += 1
            self.notify(_CRAM_SKIP if self.session.cram else "Prompt buried until tomorrow.", timeout=3)
            self._next()

    def action_edit(self) -> None:
        card = self.session.current
        if card is None:
            return
        if self.mlcards.is_shipped(card.file_path):
            folder = self.mlcards.fork_folder()
            self.app.push_screen(ForkOffer(card.deck_id, str(folder)), lambda choice: self._edit_after_offer(card, choice))
            return
        self._edit(card.file_path, card.line)

    def _edit_after_offer(self, card: QueuedPrompt, choice: str | None) -> None:
        if choice == EDIT_SHIPPED:
            self._edit(card.file_path, card.line)
        elif choice == FORK:
            forked: list[tuple[Path, list[Problem]]] = []
            what = f"Forking {card.deck_id}"
            folder = self.mlcards.fork_folder()
            if not self.mlcards.saved(what, lambda: forked.append(self._fork(card.deck_id, folder))):
                return
            target, problems = forked[0]
            if problems:
                self.notify(f"Could not fork {card.deck_id}: {problems[0]}", severity="error", timeout=10)
                return
            self.notify(f"Forked into {target}; your copy replaces the shipped deck and keeps its answers.", timeout=6)
            self.session.reload_content()
            self._edit(str(target), card.line + FORK_HEADER_LINES)

    def _fork(self, deck_id: str, folder: Path) -> tuple[Path, list[Problem]]:
        target, _, problems = self.mlcards.collection.fork(deck_id, folder, self.mlcards.now())
        return target, problems

    def _edit(self, path: str, line: int) -> None:
        report = self.mlcards.edit_file(path, line)
        if report is None:  # the editor could not be started; the app said why
            return
        if report.problems:
            self.notify(
                f"The edited deck has {len(report.problems)} problem(s); the last good version is kept.\n{report.problems[0]}",
                severity="error",
                timeout=15,
            )
        self.session.reload_content()
        self.show_card()

    def action_leave(self) -> None:
        self.dismiss()

    def action_more_new(self) -> None:
        if self.finished and not self.session.cram:
            self.mlcards.ask_more_new(self.session.filter)

    def action_review_ahead(self) -> None:
        if self.finished and not self.session.cram:
            self.mlcards.ask_review_ahead(self.session.filter)

    def _next(self) -> None:
        self.revealed = False
        self.shown_at = time.monotonic()
        self.show_card()
