"""A queued card's front and back as Rich renderables, via the shared terminal renderer
(Markdown, LaTeX as Unicode, highlighted code)."""

from __future__ import annotations

from functools import lru_cache

from rich.console import Group, RenderableType
from rich.text import Text

from mlcards.render.terminal import render_card_text, render_cloze_back, render_cloze_front
from mlcards.visible import visible


# Faces are pure functions of their text: parsing Markdown and LaTeX once per card, ahead of
# time (see ReviewScreen.prepare_upcoming), keeps that work out of the keypress-to-frame path.
@lru_cache(maxsize=512)
def front_of(kind: str, front: str, text: str, ordinal: int) -> RenderableType:
    # Deck files cannot hold control characters, but a database written by an older release may.
    return render_cloze_front(visible(text), ordinal) if kind == "cloze" else render_card_text(visible(front))


@lru_cache(maxsize=512)
def back_of(kind: str, back: str, text: str, extra: str, ordinal: int) -> RenderableType:
    answer = render_cloze_back(visible(text), ordinal) if kind == "cloze" else render_card_text(visible(back))
    if not extra.strip():
        return answer
    return Group(answer, Text(""), Text("Extra", style="bold dim"), render_card_text(visible(extra)))


@lru_cache(maxsize=512)
def source_of(source: str, tags: tuple[str, ...]) -> Text:
    line = Text(visible(source), style="dim italic")
    if tags:
        line.append(visible("  #" + " #".join(tags)), style="dim")
    return line
