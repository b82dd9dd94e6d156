"""A new card checked exactly as `mlcards check` checks a deck file, then written into the file.

The candidate file (the file's text with the card appended) goes through the same loader and
lint as `mlcards check`; nothing is written while it has a problem. The write is atomic and
re-reads the file first: an edit saved meanwhile is kept, and the card is added to it.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from mlcards.decks.append import CARD_KEYS_IN_ORDER, Appended, AppendError, CardDraft, append_card
from mlcards.decks.files import read_deck_bytes
from mlcards.decks.lint import warnings_for
from mlcards.decks.loader import decode_deck_bytes, parse_deck_bytes, parse_deck_text
from mlcards.decks.problems import Problem
from mlcards.domain import CardSpec

WRITE_ATTEMPTS = 3  # the file changed between reading and replacing it: read it again this often
_TEMPORARY_SUFFIX = ".adding"


@dataclass(frozen=True)
class NewCardCheck:
    """What `mlcards check` says about the deck file with the new card in it."""

    path: Path
    original: str = ""  # the file's text the card was added to
    appended: Appended | None = None
    card: CardSpec | None = None  # the new card as the loader reads it
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    written: bool = False  # the card is in the file now

    @property
    def ok(self) -> bool:
        return not self.problems and self.card is not None

    def field_of(self, problem: Problem) -> str | None:
        """The card field a problem is about (a key of the card), or None for the rest of the file."""
        if self.appended is None:
            return None
        return concerned_field(problem, self.appended)


def read_deck_text(path: Path) -> tuple[str | None, list[Problem]]:
    """The deck file's text exactly as stored (line endings included), or why it cannot be read."""
    raw, problems = read_deck_bytes(path)
    if raw is None:
        return None, problems
    return decode_deck_bytes(raw, path)


def check_new_card(path: Path, text: str, draft: CardDraft) -> NewCardCheck:
    """`text` (the file at `path`) with the card appended, checked as `mlcards check` would."""
    try:
        appended = append_card(text, draft)
    except AppendError as error:
        _, now = parse_deck_text(text, path)  # the loader's own words about a broken file are the clearest
        found = now or [Problem(path, error.line, error.column, "file", error.message, error.fix)]
        return NewCardCheck(path, text, problems=found)
    deck, problems = parse_deck_text(appended.text, path)
    if deck is None or problems:
        return NewCardCheck(path, text, appended, problems=problems)
    card = deck.cards[-1]
    before, _ = parse_deck_text(text, path)
    if card.card_id != draft.card_id or (before is not None and before.cards != deck.cards[:-1]):
        # Never expected (the tests say so for every layout they try): refuse rather than change a card.
        return NewCardCheck(
            path,
            text,
            appended,
            problems=[
                Problem(
                    path,
                    appended.line_of(appended.start),
                    1,
                    draft.card_id or "file",
                    "mlcards could not add the card to this file without changing the cards already in it",
                    "add the card with your editor (press e on one of this deck's cards)",
                )
            ],
        )
    return NewCardCheck(path, text, appended, card, warnings=warnings_for(replace(deck, cards=(card,))))


def add_card_to_file(path: Path, draft: CardDraft, write_with_warnings: bool = True) -> NewCardCheck:
    """Check the card against the file as it is now and, if it passes, write it in atomically.
    With `write_with_warnings` false, a card `mlcards check` would warn about is not written."""
    for _ in range(WRITE_ATTEMPTS):
        text, unreadable = read_deck_text(path)
        if text is None:
            return NewCardCheck(path, problems=unreadable)
        check = check_new_card(path, text, draft)
        if not check.ok or (check.warnings and not write_with_warnings):
            return check
        assert check.appended is not None
        outcome = _replace_if_unchanged(path, text, check.appended.text)
        if outcome is _CHANGED_MEANWHILE:
            continue
        if isinstance(outcome, Problem):
            return replace(check, card=None, problems=[outcome])
        return replace(check, written=True)
    problem = Problem(
        path, 1, 1, "file", "the file kept changing while mlcards was adding the card", "save it in your editor, then try again"
    )
    return NewCardCheck(path, problems=[problem])


class _ChangedMeanwhile:
    pass


_CHANGED_MEANWHILE = _ChangedMeanwhile()


def _replace_if_unchanged(path: Path, expected: str, new_text: str) -> Problem | _ChangedMeanwhile | None:
    """Write `new_text` to a temporary file beside the deck, read it back through the loader, and
    move it over the deck only if the deck still holds `expected`. None when written."""
    target = path.resolve()  # a symlinked deck file stays a link to the updated file
    data = new_text.encode("utf-8")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=_TEMPORARY_SUFFIX, dir=target.parent)
    except OSError as error:
        return Problem(
            path, 1, 1, "file", f"cannot write next to the deck file ({error.strerror})", "check the folder's permissions"
        )
    written = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(written, target.stat().st_mode & 0o777)
        _, problems = parse_deck_bytes(written.read_bytes(), path)
        if problems:
            written.unlink(missing_ok=True)
            first = problems[0]
            return Problem(
                path, first.line, first.column, first.subject, f"the written file would not load: {first.message}", first.fix
            )
        if target.read_bytes() != expected.encode("utf-8"):
            written.unlink(missing_ok=True)
            return _CHANGED_MEANWHILE
        os.replace(written, target)
    except OSError as error:
        written.unlink(missing_ok=True)
        return Problem(
            path, 1, 1, "file", f"cannot write the deck file ({error.strerror})", "check the disk and the file's permissions"
        )
    return None


def concerned_field(problem: Problem, appended: Appended) -> str | None:
    """Which of the new card's keys a problem located in the candidate text is about."""
    offset = _offset(appended.text, problem.line, problem.column)
    for key, (start, end) in appended.field_spans.items():
        if start <= offset <= end:
            return key
    on_the_card = appended.start <= offset < appended.end or problem.line == appended.line_of(appended.start)
    if not on_the_card:
        return None
    # Located at the card itself ("missing 'front'", "the card has no source", lint warnings): the message names the field.
    for pattern in (r"'{}'", r"\b{}\b"):
        for key in CARD_KEYS_IN_ORDER:
            if re.search(pattern.format(key), problem.message):
                return key
    return None


def _offset(text: str, line: int, column: int) -> int:
    position = 0
    for _ in range(line - 1):
        found = text.find("\n", position)
        if found == -1:
            return len(text)
        position = found + 1
    return position + column - 1
