"""Snapshots of the main screens at 80x24 and 120x40, on a fixed deck, clock and theme.

Update after an intended change with: pytest tests/tui/test_snapshots.py --snapshot-update
(and write the installed Textual version into snapshots_textual_version.txt).

A snapshot is Textual's exact drawing, which changes between Textual releases; compared under
another release it would fail a fresh install for no fault of ours. So snapshots are compared
only under the release they were recorded with; what each screen shows is also pinned by the
version-independent tests beside this file.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

RECORDED_WITH = (Path(__file__).parent / "snapshots_textual_version.txt").read_text().strip()
pytestmark = pytest.mark.skipif(
    version("textual") != RECORDED_WITH,
    reason=f"snapshots were recorded with Textual {RECORDED_WITH}; this is {version('textual')} (update them with --snapshot-update)",
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
SCREENS = [
    pytest.param((), id="home"),
    pytest.param(("a",), id="review-front"),
    pytest.param(("a", "space"), id="review-back"),
    pytest.param(("a", "space", "3", "space", "3", "space", "3", "space", "3", "space", "3", "space", "3"), id="review-summary"),
    pytest.param(("b", "l", "o", "g", "i", "t"), id="browse"),
    pytest.param(("t",), id="stats"),
    pytest.param(("question_mark",), id="help"),
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("keys", SCREENS)
def test_screen_matches_its_snapshot(snap_compare, make_app, keys: tuple[str, ...], size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), press=keys, terminal_size=size)
