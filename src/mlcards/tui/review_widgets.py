"""The review screen's light widgets: a text progress meter and a one-widget answer bar.

Both have sizes fixed by the stylesheet and draw themselves from a little state, so a new
card repaints their own cells and never asks Textual for a layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import events
from textual.content import Content
from textual.message import Message
from textual.widget import Widget

METER_TEXT_WIDTH = 5  # " 100%"
CHIP_GAP = 1


class ProgressMeter(Widget):
    """A one-line bar and percentage: answered cards against the whole session."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.progress = 0
        self.total = 1

    def update(self, progress: int, total: int) -> None:
        if (progress, total) != (self.progress, self.total):
            self.progress, self.total = progress, total
            self.refresh()

    def render(self) -> Content:
        share = min(1.0, self.progress / self.total) if self.total > 0 else 1.0
        width = max(1, self.size.width - METER_TEXT_WIDTH)
        done = round(width * share)
        return Content.assemble(
            ("━" * done, "$success" if done == width else "$primary"),
            ("━" * (width - done), "$surface-lighten-1"),
            f" {round(share * 100):>3}%",
        )


@dataclass(frozen=True)
class Choice:
    """One answer on the bar: the key that picks it, its label and its theme colour."""

    key: str
    label: str
    colour: str  # a theme variable such as "$success"


def centred(text: str, width: int) -> str:
    """`text` cut to `width` cells and padded on both sides to fill them."""
    return text[:width].center(width)


LABEL_PARTS = " · "  # between a grade and what it leads to: "2 Hard · 16d, again today"


def chip_lines(label: str, two_lines: bool) -> tuple[str, str, str]:
    """A chip's three rows: the label on the middle one, or on two lines its grade on the middle
    row and what follows the grade below it (at 80 columns "after 3 prompts" lost its end)."""
    if not two_lines or LABEL_PARTS not in label:
        return "", label, ""
    grade, rest = label.split(LABEL_PARTS, 1)
    return "", grade, rest


def chip_spans(width: int, count: int) -> list[tuple[int, int]]:
    """Split a row into `count` equal chips (start, end) with a one-cell gap between them."""
    usable = max(0, width - CHIP_GAP * (count - 1))
    spans, start = [], 0
    for index in range(count):
        size = usable // count + (1 if index < usable % count else 0)
        spans.append((start, start + size))
        start += size + CHIP_GAP
    return spans


class AnswerBar(Widget):
    """Three rows: a hint before the answer is shown, then one coloured chip per grade."""

    @dataclass
    class Chosen(Message):
        """The learner clicked a grade."""

        key: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._hint = ""
        self._choices: tuple[Choice, ...] = ()

    def show_hint(self, hint: str) -> None:
        if self._choices or hint != self._hint:
            self._hint, self._choices = hint, ()
            self.refresh()

    def show_choices(self, choices: Sequence[Choice]) -> None:
        if tuple(choices) != self._choices:
            self._hint, self._choices = "", tuple(choices)
            self.refresh()

    def render(self) -> Content:
        width = self.size.width
        if not self._choices:
            blank = Content(" " * width)
            return Content("\n").join([blank, Content.styled(centred(self._hint, width), "$text-muted"), blank])
        rows: list[list[Content]] = [[], [], []]
        spans = chip_spans(width, len(self._choices))
        # All chips or none on two lines, so the grades stay in one row.
        two_lines = any(len(choice.label) > end - start for choice, (start, end) in zip(self._choices, spans, strict=True))
        for choice, (start, end) in zip(self._choices, spans, strict=True):
            size = end - start
            for row, line in zip(rows, chip_lines(choice.label, two_lines), strict=True):
                if row:
                    row.append(Content(" " * CHIP_GAP))
                row.append(Content.styled(centred(line, size), f"bold $text on {choice.colour}"))
        return Content("\n").join(Content("").join(row) for row in rows)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._choices:
            return
        for choice, (start, end) in zip(self._choices, chip_spans(self.size.width, len(self._choices)), strict=True):
            if start <= offset.x < end:
                event.stop()
                self.post_message(self.Chosen(choice.key))
                return
