"""Entries of the settings that name decks or tags (interview_leave_out, new_deck_priority) and
match none present: a deck file removed or renamed, a name mistyped in config.toml. They are kept
(the file may come back) and noted, never refused. Pure: the decks and the tag lookup are passed in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mlcards.new_order import priority_tier
from mlcards.visible import visible_line

LEAVE_OUT = "interview_leave_out"
PRIORITY = "new_deck_priority"
TAG_PREFIX = "tag:"


@dataclass(frozen=True, slots=True)
class Unmatched:
    setting: str  # LEAVE_OUT or PRIORITY
    entry: str  # as written in the settings

    @property
    def kind(self) -> str:
        return "tag" if self.setting == LEAVE_OUT and self.entry.startswith(TAG_PREFIX) else "deck"

    def described(self) -> str:
        """'nope (matches no deck)', safe to print."""
        return f"{visible_line(self.entry)} (matches no {self.kind})"


def leaves_out_deck(entry: str, deck_name: str) -> bool:
    """Whether a deck entry of interview_leave_out takes this deck: its full name, as written, with
    its subdecks (the rule store/plan.py's query applies)."""
    return deck_name == entry or deck_name.startswith(entry + "::")


def unmatched_entries(
    leave_out: Sequence[str], priority: Sequence[str], decks: Sequence[tuple[str, str]], tag_in_use: Callable[[str], bool]
) -> list[Unmatched]:
    """The entries that match no present deck (`decks`: (id, name) pairs) or, for a leave-out
    tag:NAME, no tag a present card carries; in the settings' order, leave-out entries first."""
    found = [
        Unmatched(LEAVE_OUT, entry)
        for entry in leave_out
        if not (
            tag_in_use(entry.removeprefix(TAG_PREFIX))
            if entry.startswith(TAG_PREFIX)
            else any(leaves_out_deck(entry, name) for _, name in decks)
        )
    ]
    found += [
        Unmatched(PRIORITY, entry)
        for entry in priority
        if all(priority_tier((entry,), deck_id, name) != 0 for deck_id, name in decks)
    ]
    return found


def note(unmatched: Sequence[Unmatched]) -> list[str]:
    """One line per setting with entries that match nothing: what they are, and that they are kept."""
    lines = []
    for setting in (LEAVE_OUT, PRIORITY):
        entries = [item for item in unmatched if item.setting == setting]
        if entries:
            listed = ", ".join(item.described() for item in entries)
            lines.append(
                f"{setting} in the settings: {listed}; kept as written, in case a deck file brings "
                f"{'it' if len(entries) == 1 else 'them'} back ('mlcards decks' and 'mlcards tags' list what there is)"
            )
    return lines
