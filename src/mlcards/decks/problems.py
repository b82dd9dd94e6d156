"""A problem found in a deck file, located and phrased so a user can fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int  # 1-based
    column: int  # 1-based
    subject: str  # the card id, "deck <id>", or "file"
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.subject}: {self.message} — {self.fix}"
