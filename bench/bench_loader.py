"""Time load_deck_file on a generated single deck file (median of several runs after a warm-up)."""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import yaml
from bench_data import write_single_file

from mlcards.decks.compose import collector_paused, compose
from mlcards.decks.loader import load_deck_file


def median_seconds(action: object, runs: int) -> float:
    assert callable(action)
    action()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compose_and_free(text: str) -> None:
    with collector_paused():  # as the loader does: the tree is freed before the collector resumes
        compose(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--file", type=Path, default=Path("/tmp/ten.yaml"))
    args = parser.parse_args()
    if not args.file.exists():
        write_single_file(args.file, args.cards)
    text = args.file.read_text(encoding="utf-8")
    deck, problems = load_deck_file(args.file)
    assert deck is not None and not problems, problems[:3]
    print(f"cards: {len(deck.cards)}")
    loader = median_seconds(lambda: load_deck_file(args.file), args.runs)
    composer = median_seconds(lambda: compose_and_free(text), args.runs)
    hashes = median_seconds(lambda: [card.content_hash() for card in load_deck_file(args.file)[0].cards], args.runs)  # type: ignore[union-attr]
    c_loader = median_seconds(lambda: yaml.load(text, Loader=yaml.CSafeLoader), args.runs)
    print(f"load_deck_file      {loader:.3f} s")
    print(f"  compose only      {composer:.3f} s")
    print(f"load + content_hash {hashes:.3f} s")
    print(f"yaml CSafeLoader    {c_loader:.3f} s")


if __name__ == "__main__":
    main()
