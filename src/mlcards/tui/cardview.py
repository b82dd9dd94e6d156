"""A scrolling view of a card's parts (front, divider, back, source) drawn from cached lines.

Each part is rendered once per width into strips and kept, so showing a card that was
prepared ahead of time copies lines instead of laying out Markdown, code and LaTeX in the
keypress-to-frame path. A card that fits the view changes nothing Textual has to lay out.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Final, TypeAlias

from textual.content import Content
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.theme import Theme
from textual.visual import Visual, VisualType, visualize


class Blank:
    """One empty line between parts."""


class Divider:
    """A rule across the view, in the theme's secondary colour."""


BLANK: Final = Blank()
DIVIDER: Final = Divider()
Part: TypeAlias = "VisualType | Blank | Divider"
CACHED_PARTS = 64  # a few cards either side of the current one, at one or two widths


class CardView(ScrollView, can_focus=False):
    """Shows a sequence of parts, one below the other; scrolls when they are taller than the view."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._parts: tuple[Part, ...] = ()
        self._lines: list[Strip] = []
        self._lines_width = -1
        # id(part) -> (part, width, strips); the part is held so its id is never reused meanwhile
        self._strips: OrderedDict[tuple[int, int], tuple[Part, list[Strip]]] = OrderedDict()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._on_theme_changed)

    def _on_theme_changed(self, theme: Theme) -> None:
        self._strips.clear()  # strips hold resolved colours
        self._lines_width = -1
        self.refresh()

    @property
    def text_width(self) -> int:
        return self.scrollable_content_region.width

    def show(self, parts: Sequence[Part]) -> None:
        """Show these parts from the top; a view without a size yet draws them once it has one."""
        before = self._lines
        self._parts = tuple(parts)
        self._lines_width = -1
        if self.text_width <= 0:
            return
        self._build_lines()
        self._fit_virtual_size()
        if self.scroll_offset.y:
            self.scroll_to(0, 0, animate=False)  # repaints the whole view
            return
        self._repaint_changed(before, self._lines)

    def _repaint_changed(self, before: list[Strip], after: list[Strip]) -> None:
        """Repaint only the rows that differ: a revealed back leaves the front's rows alone."""
        first = 0
        while first < min(len(before), len(after)) and before[first] is after[first]:
            first += 1
        last = max(len(before), len(after))
        if first < last:
            self.refresh(Region(0, first, self.text_width, last - first))

    def prepare(self, parts: Sequence[Part]) -> None:
        """Render parts into the cache now, so showing them later costs no rendering."""
        if (width := self.text_width) > 0:
            for part in parts:
                self._strips_of(part, width)

    def on_resize(self) -> None:
        if self._lines_width != self.text_width:
            self._build_lines()
        self._fit_virtual_size()

    def _build_lines(self) -> None:
        width = self.text_width
        self._lines = [line for part in self._parts for line in self._strips_of(part, width)]
        self._lines_width = width

    def _fit_virtual_size(self) -> None:
        size = Size(self._lines_width, len(self._lines))
        if size == self.virtual_size:
            return
        if size.height <= self.scrollable_content_region.height and not self.show_vertical_scrollbar:
            # Nothing moves and no scrollbar appears: skip the layout a new virtual size asks for.
            self.set_reactive(CardView.virtual_size, size)
        else:
            self.virtual_size = size

    def _strips_of(self, part: Part, width: int) -> list[Strip]:
        key = (id(part), width)
        if (cached := self._strips.get(key)) is not None:
            self._strips.move_to_end(key)
            return cached[1]
        style = self.visual_style.rich_style
        if isinstance(part, Blank):
            strips = [Strip.blank(width, style)]
        else:
            content: VisualType = Content.styled("─" * width, "$secondary") if isinstance(part, Divider) else part
            visual: Visual = visualize(self, content, markup=False)
            rendered = Visual.to_strips(self, visual, width, None, self.visual_style)
            strips = [strip.extend_cell_length(width, style) for strip in rendered]
        self._strips[key] = (part, strips)
        if len(self._strips) > CACHED_PARTS:
            self._strips.popitem(last=False)
        return strips

    def render_line(self, y: int) -> Strip:
        if self._lines_width != self.text_width:  # drawn before the resize event arrived
            self._build_lines()
        line = self.scroll_offset.y + y
        width = self.text_width
        if line >= len(self._lines):
            return Strip.blank(width, self.visual_style.rich_style)
        return self._lines[line]
