"""Counts in words."""

from __future__ import annotations

from mlcards.wording import counted


def test_one_takes_the_singular_every_other_count_the_plural():
    assert [counted(count, "day") for count in (0, 1, 2)] == ["0 days", "1 day", "2 days"]


def test_an_irregular_plural_is_given():
    assert counted(1, "entry", "entries") == "1 entry" and counted(3, "entry", "entries") == "3 entries"
