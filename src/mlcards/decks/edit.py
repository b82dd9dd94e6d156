"""Small, exact edits to a user's deck file that keep everything else as written."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from mlcards.decks.problems import Problem


def rewrite_card_id(path: Path, line: int, old_id: str, new_id: str) -> Problem | None:
    """Replace the card's `id: OLD` (the first one from its line on) with NEW, atomically.
    Comments, quoting and layout stay as they are; None on success."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return Problem(path, line, 1, old_id, f"cannot read the deck file ({error.strerror})", "check the file")
    start = sum(len(piece) for piece in text.splitlines(keepends=True)[: line - 1])
    pattern = re.compile(r"(?<![\w-])(id:[ \t]*)(['\"]?)" + re.escape(old_id) + r"\2(?=[\s,}#]|$)")
    match = pattern.search(text, start)
    if match is None:
        return Problem(
            path,
            line,
            1,
            old_id,
            f"could not find 'id: {old_id}' at this card",
            "rename it in the file by hand; add previous_ids: [old-id] to keep its answers",
        )
    edited = text[: match.start()] + match.group(1) + match.group(2) + new_id + match.group(2) + text[match.end() :]
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".renaming", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(edited)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        return Problem(path, line, 1, old_id, f"cannot write the deck file ({error.strerror})", "check its permissions")
    return None
