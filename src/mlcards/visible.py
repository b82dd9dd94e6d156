"""User text made safe to print in a terminal.

Deck files, paths and database rows are the user's (or a downloaded deck's) text. A raw ESC
starts an escape sequence the terminal obeys (OSC 52 writes the clipboard, CSI moves the
cursor), and bidirectional overrides reorder what is shown. Everything printed from user text
goes through `visible`, which spells such characters out as ⟨U+001B⟩ instead.
"""

from __future__ import annotations

import re

# C0 and C1 controls except tab and newline, DEL, and the invisible bidirectional controls.
UNSAFE_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# In a one-line value (an id, a tag, a name) tab and newline are out of place too.
UNSAFE_IN_A_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def visible(text: str) -> str:
    """`text` with every terminal-unsafe character written out as ⟨U+XXXX⟩."""
    return _spelled_out(text, UNSAFE_CHARACTER)


def visible_line(text: str) -> str:
    """Like `visible`, for text shown on one line: tab and newline are written out too."""
    return _spelled_out(text, UNSAFE_IN_A_LINE)


def _spelled_out(text: str, unsafe: re.Pattern[str]) -> str:
    if unsafe.search(text) is None:  # the common case: one regex pass, no copy
        return text
    return unsafe.sub(lambda found: f"⟨U+{ord(found.group(0)):04X}⟩", text)
