"""The new-card form: type, text, tags and source, written into one of the user's deck files.

What `mlcards check` says about the file with the card in it is shown on the field it concerns;
nothing is written while there is a problem. After saving, the collection syncs and the caller
is told where the card went and when it comes up for review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, RadioButton, RadioSet, Select, Static, TextArea

from mlcards.decks.append import CardDraft
from mlcards.decks.card_ids import propose_card_id
from mlcards.decks.loader import parse_deck_text
from mlcards.decks.new_card import NewCardCheck, read_deck_text
from mlcards.decks.problems import Problem
from mlcards.domain import CardKind
from mlcards.review import ReviewSession
from mlcards.store.counts import deck_list
from mlcards.store.sync import SyncReport
from mlcards.visible import UNSAFE_CHARACTER, visible, visible_line
from mlcards.wording import counted

if TYPE_CHECKING:
    from mlcards.collection import Collection
    from mlcards.tui.app import MLCardsApp

# The form's fields, keyed by the deck file key each one writes.
TEXT_FIELDS = ("front", "back", "text", "extra")
FIELDS = ("id", "type", *TEXT_FIELDS, "tags", "source")
_WIDGET_IDS = {"id": "card-id", "type": "kind"}
_FIELD_OF_WIDGET = {widget: key for key, widget in _WIDGET_IDS.items()}
_OTHER_LINE_BREAKS = re.compile(r"\r\n?|[\x85\u2028\u2029]")
_LEADING_BLANK_LINES = re.compile(r"^(?:[ \t]*\n)+")
_TAG_SEPARATORS = re.compile(r"[\s,]+")
SHOWN_ELSEWHERE = 3  # problems outside the new card (a broken deck file) shown in the form

SKELETON = """\
id: mine.notes
name: Mine::Notes
source: My notes
cards:
  - id: first-card
    front: A first question?
    back: Its answer.
"""
NO_DECK_FILE = (
    "New cards go into a deck file of your own, and you have none yet. (The decks shipped with "
    "mlcards are replaced by an upgrade, so they take no new cards.)\n\n"
    "Make one: save a file like this as ~/mlcards/notes.yaml\n\n"
    f"{SKELETON}\n"
    "then run:  mlcards add ~/mlcards\n\n"
    "Or copy a shipped deck into your folder and add cards to it:\n"
    "  mlcards fork DECK     (mlcards decks lists the deck ids)"
)


@dataclass(frozen=True, slots=True)
class CardTarget:
    """One of the user's deck files a card can go into."""

    path: Path
    deck_name: str | None  # None when the file is not in the collection (it has problems, or is new)

    @property
    def label(self) -> Text:
        name = self.deck_name if self.deck_name is not None else "(not in the collection yet)"
        return Text(f"{visible_line(name)}  ·  {visible_line(self.path.name)}")


def card_targets(collection: Collection) -> list[CardTarget]:
    """The user's own deck files, by deck name."""
    names = {Path(deck.file_path): deck.name for deck in deck_list(collection.database)}
    targets = [CardTarget(path, names.get(path)) for path in collection.own_deck_files()]
    return sorted(targets, key=lambda target: (target.deck_name is None, (target.deck_name or "").lower(), str(target.path)))


@dataclass(frozen=True, slots=True)
class AddedCard:
    """What the form did: the card's key and where it went, and a sentence saying so."""

    deck_id: str
    card_id: str
    path: Path
    message: str
    synced: bool


def without_unsafe_characters(pasted: str) -> tuple[str, list[str]]:
    """Pasted text without the characters that would drive the terminal (escape sequences,
    bidirectional overrides), which a text box shows raw; and which ones there were."""
    found = sorted({f"U+{ord(character):04X}" for character in UNSAFE_CHARACTER.findall(pasted)})
    return (UNSAFE_CHARACTER.sub("", pasted) if found else pasted), found


def _left_out(widget: Widget, found: list[str]) -> None:
    widget.notify(
        f"The pasted text held control characters ({', '.join(found)}), which a card cannot hold: they were left out.",
        severity="warning",
        timeout=8,
    )


class CardTextArea(TextArea):
    """A text box that keeps terminal control characters out of what is pasted into it."""

    async def _on_paste(self, event: events.Paste) -> None:
        cleaned, found = without_unsafe_characters(event.text)
        if not found:
            return  # TextArea's own handler inserts it
        event.prevent_default()  # TextArea's handler would insert the raw text too
        _left_out(self, found)
        await super()._on_paste(events.Paste(cleaned))


class CardInput(Input):
    """A one-line box that keeps terminal control characters out of what is pasted into it."""

    def _on_paste(self, event: events.Paste) -> None:
        cleaned, found = without_unsafe_characters(event.text)
        if not found:
            return  # Input's own handler inserts it
        event.prevent_default()  # Input's handler would insert the raw text too
        _left_out(self, found)
        super()._on_paste(events.Paste(cleaned))


def field_text(value: str) -> str:
    """A text box's content as it goes into the file: line breaks as \\n, no blank lines or spaces
    around it, and text of several lines ending in one line break (written as a `|` block)."""
    value = _LEADING_BLANK_LINES.sub("", _OTHER_LINE_BREAKS.sub("\n", value).rstrip())
    return value + "\n" if "\n" in value else value


def split_tags(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tag for tag in _TAG_SEPARATORS.split(value) if tag))


class NewCardForm(ModalScreen[AddedCard | None]):
    """ctrl+s: check and save · Esc: close without writing."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save the card", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, targets: list[CardTarget], preferred: Path | None = None) -> None:
        super().__init__()
        self.targets = targets
        self.preferred = preferred if any(target.path == preferred for target in targets) else None
        self.opened: dict[Path, str | None] = {}  # each target's text when first chosen
        self.taken_ids: dict[Path, set[str]] = {}
        self.proposed_id = ""  # the id the form last proposed: replaced as the question changes, unless edited
        self.warned: CardDraft | None = None  # shown warnings for this draft: saving it again writes it

    @property
    def mlcards(self) -> MLCardsApp:
        return cast("MLCardsApp", self.app)

    # --- layout --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="new-card"):
            yield Static(Text("New card", style="bold"), id="new-card-title")
            if not self.targets:
                yield Static(Text(NO_DECK_FILE), id="no-deck-file")
                yield Static(Text("Esc  close", style="dim"), id="new-card-keys")
                return
            with VerticalScroll(id="new-card-fields"):
                start = self.preferred or self.targets[0].path
                options = [(target.label, target.path) for target in self.targets]
                yield from self.row("Deck", Select(options, value=start, allow_blank=False, compact=True, id="target"))
                yield Static(id="target-path", classes="field-note")
                kinds = RadioSet(
                    RadioButton("basic", value=True, id="kind-basic"), RadioButton("cloze", id="kind-cloze"), id="kind"
                )
                yield from self.row("Type", kinds, "type")
                yield from self.row("Id", CardInput(placeholder="proposed from the question", compact=True, id="card-id"), "id")
                yield from self.text_row("Front", "front", "The question, e.g. What is …?")
                yield from self.text_row("Back", "back", "The answer. Markdown, $LaTeX$ and ``` code are fine.")
                yield from self.text_row("Text", "text", "Cloze text, e.g. FP16's largest value is {{c1::65504}}.")
                yield from self.text_row("Extra", "extra", "Optional: shown with the answer.")
                yield from self.row(
                    "Tags",
                    CardInput(placeholder="separated by spaces; the deck's tags are added", compact=True, id="tags"),
                    "tags",
                )
                yield from self.row(
                    "Source", CardInput(placeholder="empty: the deck's source", compact=True, id="source"), "source"
                )
            yield Static(id="new-card-status")
            yield Static(Text("ctrl+s  save   ·   tab  next field   ·   Esc  cancel", style="dim"), id="new-card-keys")

    def row(self, label: str, widget: Widget, key: str | None = None) -> ComposeResult:
        with Horizontal(classes="field-row", id=f"{key}-row" if key else None):
            yield Label(label, classes="field-label")
            yield widget
        if key is not None:
            yield Static(id=f"{key}-problem", classes="field-problem")

    def text_row(self, label: str, key: str, placeholder: str) -> ComposeResult:
        area = CardTextArea(id=key, soft_wrap=True, compact=True, show_line_numbers=False, placeholder=placeholder)
        yield from self.row(label, area, key)

    def on_mount(self) -> None:
        if not self.targets:
            return
        self.show_kind(CardKind.BASIC)
        self.target_chosen()
        self.query_one("#front", TextArea).focus()

    # --- reading the fields ---------------------------------------------------------------------
    def kind(self) -> CardKind:
        return CardKind.CLOZE if self.query_one("#kind-cloze", RadioButton).value else CardKind.BASIC

    def target(self) -> Path:
        return cast(Path, self.query_one("#target", Select).value)

    def area(self, key: str) -> str:
        return self.query_one(f"#{key}", TextArea).text

    def draft(self) -> CardDraft:
        return CardDraft(
            card_id=self.query_one("#card-id", Input).value.strip(),
            kind=self.kind(),
            front=field_text(self.area("front")),
            back=field_text(self.area("back")),
            text=field_text(self.area("text")),
            extra=field_text(self.area("extra")),
            tags=split_tags(self.query_one("#tags", Input).value),
            source=self.query_one("#source", Input).value.strip(),
        )

    # --- reacting to edits ----------------------------------------------------------------------
    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.target_chosen()

    def target_chosen(self) -> None:
        path = self.target()
        if path not in self.opened:
            text, _ = read_deck_text(path)
            self.opened[path] = text
            deck = parse_deck_text(text, path)[0] if text is not None else None
            self.taken_ids[path] = {card.card_id for card in deck.cards} if deck is not None else set()
        self.query_one("#target-path", Static).update(Text(visible_line(_shown_path(path)), style="dim"))
        self.propose_id()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.show_kind(self.kind())
        self.propose_id()

    def show_kind(self, kind: CardKind) -> None:
        for key in ("front", "back"):
            self.query_one(f"#{key}-row").display = kind is CardKind.BASIC
        self.query_one("#text-row").display = kind is CardKind.CLOZE
        for key in ("front", "back", "text", "type"):
            self.show_problems(key, [])

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        key = event.text_area.id or ""
        self.show_problems(key, [])
        if key in ("front", "text"):
            self.propose_id()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "card-id" and event.value == self.proposed_id:
            return  # the form's own proposal, not an edit: what check said about the id still holds
        self.show_problems(_FIELD_OF_WIDGET.get(event.input.id or "", event.input.id or ""), [])

    def propose_id(self) -> None:
        """Propose an id from the question, unless the learner wrote one of their own."""
        box = self.query_one("#card-id", Input)
        if box.value.strip() and box.value != self.proposed_id:
            return
        question = self.area("text" if self.kind() is CardKind.CLOZE else "front")
        self.proposed_id = propose_card_id(question, self.taken_ids.get(self.target(), set())) if question.strip() else ""
        box.value = self.proposed_id

    # --- showing what check says ----------------------------------------------------------------
    def show_problems(self, key: str, lines: list[Text]) -> None:
        found = self.query(f"#{key}-problem")
        if not found:
            return
        box = cast(Static, found.first())
        box.update(Text("\n").join(lines) if lines else "")
        box.display = bool(lines)

    def show_check(self, check: NewCardCheck) -> None:
        by_field: dict[str, list[Text]] = {key: [] for key in FIELDS}
        elsewhere: list[Text] = []
        for problem, style, mark in [
            *((problem, "bold red", "✗") for problem in check.problems),
            *((warning, "yellow", "!") for warning in check.warnings),
        ]:
            key = check.field_of(problem)
            if key in by_field:
                by_field[key].append(_said(problem, style, mark))
            else:
                elsewhere.append(Text.assemble((f"{mark} ", style), visible(_in_file(problem, check.path))))
        for key, lines in by_field.items():
            self.show_problems(key, lines)
        status = elsewhere[:SHOWN_ELSEWHERE]
        if len(elsewhere) > SHOWN_ELSEWHERE:
            more = len(elsewhere) - SHOWN_ELSEWHERE
            status.append(Text(f"… and {more} more: mlcards check {visible_line(str(check.path))} lists them all", style="dim"))
        if check.problems:
            checked = ", as mlcards check reports them" if check.appended is not None else ""
            status.append(Text(f"{len(check.problems)} problem(s){checked}: nothing was written.", style="red"))
        elif check.warnings:
            status.append(Text("mlcards check warns about this card: press ctrl+s again to save it anyway.", style="yellow"))
        self.set_status(status)
        first = next((key for key in FIELDS if by_field[key]), None)
        if first is not None:
            self.query_one(f"#{_WIDGET_IDS.get(first, first)}").focus()

    def set_status(self, lines: list[Text]) -> None:
        status = self.query_one("#new-card-status", Static)
        status.update(Text("\n").join(lines) if lines else "")
        status.display = bool(lines)

    # --- saving ---------------------------------------------------------------------------------
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if not self.targets:
            return
        path, draft = self.target(), self.draft()
        added: list[tuple[NewCardCheck, SyncReport]] = []
        collection = self.mlcards.collection
        if not self.mlcards.saved(
            f"The new card {draft.card_id}",
            lambda: added.append(collection.add_card(path, draft, write_with_warnings=draft == self.warned)),
        ):
            return
        check, report = added[0]
        self.show_check(check)
        if not check.written:
            self.warned = draft if check.ok else None
            return
        assert check.card is not None
        changed = self.opened.get(path) is not None and check.original != self.opened[path]
        self.dismiss(_arrived(self.mlcards, check, report, changed))


def _said(problem: Problem, style: str, mark: str) -> Text:
    return Text.assemble((f"{mark} ", style), (visible_line(problem.message), style), " — ", visible(problem.fix))


def _in_file(problem: Problem, path: Path) -> str:
    """A problem as `mlcards check` prints it, naming the chosen file (shown above) by its name only."""
    located = str(problem)
    shown = visible_line(str(problem.path))
    return visible_line(path.name) + located[len(shown) :] if problem.path == path and located.startswith(shown) else located


def _shown_path(path: Path) -> str:
    home = Path.home()
    return f"~/{path.relative_to(home)}" if home != Path(home.anchor) and path.is_relative_to(home) else str(path)


def _arrived(app: MLCardsApp, check: NewCardCheck, report: SyncReport, changed: bool) -> AddedCard:
    """The sentence that says where the card went and when it comes up."""
    card = check.card
    assert card is not None
    where = f"{visible_line(check.path.name)}:{card.line}"
    key = f"{card.deck_id}/{card.card_id}"
    note = " The file had changed since the form opened: the card went into it as it is now." if changed else ""
    if report.problems:
        message = (
            f"Card {key} was written to {where}, but the deck files have {len(report.problems)} problem(s), so nothing "
            f"was synced; it appears once they are fixed.\n{report.problems[0]}{note}"
        )
        return AddedCard(card.deck_id, card.card_id, check.path, message, synced=False)
    prompts = len(card.ordinals)
    session = ReviewSession(app.collection.database, app.collection.settings, app.now())
    today = sum(1 for queued in session.queued if (queued.deck_id, queued.card_id) == (card.deck_id, card.card_id))
    carried = next((carried for carried in report.carried_over if carried.new == key), None)
    if carried is not None:  # a removed card with the same question (or named in previous_ids) had answers
        when = f"it takes over the answers of {visible_line(carried.old)} ({carried.how}); {today} due today"
    elif today == prompts:
        when = "due today as new"
    elif today:
        others = prompts - today
        when = f"{today} due today as new, the other{'s' if others > 1 else ''} on later days (a card gives one new prompt a day)"
    elif session.new_limit_reached:
        when = "new, not due today: today's new prompts are used up (m on home learns more)"
    else:
        limit = "the plan's" if session.planned_for is not None else f"{app.collection.settings.new_cards_per_day}"
        when = f"new, not due today: today's {limit} new prompts come from other cards first"
    message = f"Added card {key} ({where}) — {counted(prompts, 'prompt')}, {when}.{note}"
    return AddedCard(card.deck_id, card.card_id, check.path, message, synced=True)
