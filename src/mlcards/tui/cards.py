"""A queued card's front and back as Rich renderables, via the shared terminal renderer
(Markdown, LaTeX as Unicode, highlighted code)."""

from __future__ import annotations

from functools import lru_cache

from rich.console import Group, RenderableType
from rich.text import Text

from mlcards.render.terminal import render_card_text, render_cloze_back, render_cloze_front


# Faces are pure functions of their text: parsing Markdown and LaTeX once per card, ahead of
# time (see ReviewScreen.prepare_upcoming), keeps that work out of the keypress-to-frame path.
@lru_cache(maxsize=512)
def front_of(kind: str, front: str, text: str, ordinal: int) -> RenderableType:
    return render_cloze_front(text, ordinal) if kind == "cloze" else render_card_text(front)


@lru_cache(maxsize=512)
def back_of(kind: str, back: str, text: str, extra: str, ordinal: int) -> RenderableType:
    answer = render_cloze_back(text, ordinal) if kind == "cloze" else render_card_text(back)
    if not extra.strip():
        return answer
    return Group(answer, Text(""), Text("Extra", style="bold dim"), render_card_text(extra))


@lru_cache(maxsize=512)
def source_of(source: str, tags: tuple[str, ...]) -> Text:
    line = Text(source, style="dim italic")
    if tags:
        line.append("  #" + " #".join(tags), style="dim")
    return line
