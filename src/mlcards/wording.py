"""Counts in words: "1 day", "2 days"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and `noun`, the noun in the plural (`plural`, else with an s) unless the count is one."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
