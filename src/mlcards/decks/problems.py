"""A problem found in a deck file, located and phrased so a user can fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlcards.visible import visible, visible_line


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int  # 1-based
    column: int  # 1-based
    subject: str  # the card id, "deck <id>", or "file"
    message: str
    fix: str

    def __str__(self) -> str:
        # Paths, ids and quoted values are the user's text: never let them drive the terminal.
        return f"{visible_line(str(self.path))}:{self.line}:{self.column}: {visible_line(self.subject)}: {visible_line(self.message)} — {visible(self.fix)}"
