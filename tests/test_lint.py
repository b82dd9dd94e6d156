"""check warns, with file:line, about LaTeX the terminal cannot draw and images that break later."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

WriteDeck = Callable[..., Path]

DECK = r"""
id: lint.me
name: Lint::Me
source: s
cards:
  - id: fine
    front: 'What is $\frac{a}{b} + \mathbb{R}$?'
    back: b
  - id: odd-macro
    front: 'What is $\foo{x} + \softmaxx(z)$?'
    back: b
  - id: picture
    front: q
    back: '![the curve](figures/curve.png) and ![web](https://example.com/a.png)'
"""


def test_check_warns_about_unknown_latex_and_images_but_passes(write_deck: WriteDeck):
    path = write_deck(DECK)
    result = subprocess.run([sys.executable, "-m", "mlcards", "check", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "3 warning(s)" in result.stdout
    lines = result.stderr.splitlines()
    assert f"warning: {path}:8:1: odd-macro: 'front' uses LaTeX the terminal shows by name: \\foo, \\softmaxx" in lines[0]
    assert f"{path}:11:1: picture: 'back' shows a missing image (figures/curve.png)" in lines[1] and "does not carry" in lines[1]
    assert "shows an image (https://example.com/a.png), which the terminal cannot draw —" in lines[2]
