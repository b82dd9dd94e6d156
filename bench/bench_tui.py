"""Benchmark of the terminal UI on a generated 10,000-card collection.

Measures, on this machine and in one run:
  * keypress to next card rendered (a grade key until the next card's frame is composed),
    median and p99, against one 16 ms frame;
  * browse filtering per keystroke over the whole collection;
  * cold start to an interactive home screen, against the first screen of a minimal
    Textual app started the same way.

Run:  cd /work/main && PYTHONPATH=src /work/venv/bin/python bench/bench_tui.py [--cards 10000] [--answers 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Footer, Static

from mlcards.collection import open_collection
from mlcards.tui.app import MLCardsApp
from mlcards.tui.browse import BrowseScreen
from mlcards.tui.review import ReviewScreen

CARDS_PER_DECK = 200
THINKING_TIME = 0.05  # s between seeing the answer and grading it; a person takes far longer
SRC = Path(__file__).resolve().parents[1] / "src"

BASIC = """\
  - id: card-{n}
    front: 'Card {n}: what is the gradient of $\\sigma(x)$ for topic {topic}?'
    back: |
      $$\\sigma'(x) = \\sigma(x)\\,(1 - \\sigma(x))$$
      Term {n} **bold** and a list:
      - first item about $\\mathbb{{E}}[x^2]$
      - second item
      ```python
      def sigmoid_{n}(x):
          return 1 / (1 + math.exp(-x))
      ```
    tags: [topic-{topic}, generated]
"""
CLOZE = """\
  - id: card-{n}
    type: cloze
    text: Cloze {n} - the softmax of $z_i$ is {{{{c1::$e^{{z_i}} / \\sum_j e^{{z_j}}$}}}} (topic {topic}).
"""


def write_collection(folder: Path, cards: int) -> Path:
    decks = folder / "decks"
    decks.mkdir(parents=True)
    for deck in range((cards + CARDS_PER_DECK - 1) // CARDS_PER_DECK):
        area, sub = divmod(deck, 5)
        lines = [f"id: bench.d{deck}", f"name: Bench::Area {area}::Deck {sub}", "source: Generated benchmark deck", "cards:"]
        for index in range(min(CARDS_PER_DECK, cards - deck * CARDS_PER_DECK)):
            n = deck * CARDS_PER_DECK + index
            lines.append((CLOZE if n % 5 == 0 else BASIC).format(n=n, topic=n % 37).rstrip("\n"))
        (decks / f"deck{deck:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return decks


def build(folder: Path, cards: int) -> tuple[Path, Path]:
    """A database and settings file with every card registered, synced and due today."""
    decks = write_collection(folder, cards)
    database_path, config_path = folder / "mlcards.sqlite3", folder / "config.toml"
    config_path.write_text("new_cards_per_day = 10000\nreviews_per_day = 100000\n", encoding="utf-8")
    collection = open_collection(database_path, config_path)
    started = time.perf_counter()
    report, problems = collection.add([decks], datetime.now().astimezone())
    assert not problems, problems[:3]
    print(f"synced {report.cards_added} cards in {time.perf_counter() - started:.2f} s")
    today = collection.today(datetime.now().astimezone())
    with collection.database.transaction() as connection:  # most cards reviewed before and due now; some new
        connection.execute(
            "UPDATE schedule SET repetitions = 3, interval = 10 + id % 50, easiness = 250, "
            f"due = date('{today.isoformat()}', '-' || (id % 3) || ' days'), "
            f"last_reviewed = '{(datetime.now() - timedelta(days=10)).isoformat(sep=' ')}' WHERE id % 10 != 0"
        )
    collection.close()
    return database_path, config_path


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure_answers(database_path: Path, config_path: Path, answers: int, size: tuple[int, int]) -> list[float]:
    collection = open_collection(database_path, config_path)
    app = MLCardsApp(collection)
    latencies: list[float] = []
    async with app.run_test(size=size) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen), app.screen
        rendered = asyncio.Event()
        app.on_card_rendered = rendered.set
        driver = app._driver
        assert driver is not None
        for index in range(answers):
            await pilot.press("space")
            await pilot.pause()
            await asyncio.sleep(THINKING_TIME)
            rendered.clear()
            key = "3" if index % 4 else "4"  # Good / Easy: no re-drill, so every answer shows a new card
            event = events.Key(key, key)
            event.set_sender(app)
            started = time.perf_counter()
            driver.send_message(event)  # as the terminal driver delivers a real keypress
            await rendered.wait()
            latencies.append((time.perf_counter() - started) * 1000)
        reviewed = app.screen.session.answered  # type: ignore[attr-defined]
    collection.close()
    assert reviewed == answers, (reviewed, answers)
    return latencies


class _Flashcard(App[None]):
    """The floor for a keypress-to-frame measurement: one widget whose text changes per key."""

    def __init__(self) -> None:
        super().__init__()
        self.on_card_rendered: Callable[[], object] | None = None
        self.shown = 0

    def compose(self) -> ComposeResult:
        yield Static("card 0", id="card")
        yield Footer()

    def on_key(self, event: events.Key) -> None:
        self.shown += 1
        self.query_one("#card", Static).update(f"card {self.shown}: what is the gradient of sigma(x)?")
        if self.on_card_rendered is not None:
            self.call_after_refresh(self.on_card_rendered)


async def measure_minimal_keypress(answers: int, size: tuple[int, int]) -> list[float]:
    """The same keypress-to-frame measurement on a minimal Textual app: Textual's own floor."""
    app = _Flashcard()
    latencies: list[float] = []
    async with app.run_test(size=size) as pilot:
        rendered = asyncio.Event()
        app.on_card_rendered = rendered.set
        driver = app._driver
        assert driver is not None
        for _ in range(answers):
            await pilot.pause()
            await asyncio.sleep(THINKING_TIME)
            rendered.clear()
            event = events.Key("3", "3")
            event.set_sender(app)
            started = time.perf_counter()
            driver.send_message(event)
            await rendered.wait()
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def measure_browse(database_path: Path, config_path: Path) -> tuple[list[float], int]:
    collection = open_collection(database_path, config_path)
    app = MLCardsApp(collection)
    timings: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        total = len(screen.index)
        query = ""
        for char in "sigmoid tag:topic-3 is:due":
            query += char
            started = time.perf_counter()
            screen.apply_filter(query)
            timings.append((time.perf_counter() - started) * 1000)
        await pilot.pause()
    collection.close()
    return timings, total


MINIMAL_APP = """
import sys, time
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    def compose(self):
        yield Static("hello")
    def on_ready(self):
        print("READY", time.time(), flush=True)
        self.exit()
Minimal().run(headless=True)
"""

MLCARDS_APP = """
import sys, time
from mlcards.tui.app import MLCardsApp
def report_ready(self):
    print("READY", time.time(), flush=True)
    self.exit()
MLCardsApp.on_ready = report_ready
run = MLCardsApp.run
MLCardsApp.run = lambda self, **options: run(self, headless=True)
import mlcards.cli
mlcards.cli._has_terminal = lambda: True  # headless here: the command's own no-terminal refusal is not what is timed
from mlcards.cli import main  # the real `mlcards` command: settings, daily backup check, sync, home
main(["--db", sys.argv[1], "--config", sys.argv[2]])
"""


def cold_start(script: str, *args: str) -> float:
    environment = dict(os.environ, PYTHONPATH=str(SRC))
    started = time.time()
    output = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=environment, check=True)
    ready = next(line for line in output.stdout.splitlines() if line.startswith("READY"))
    return (float(ready.split()[1]) - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument("--starts", type=int, default=7, help="cold starts of each app")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_path, config_path = build(Path(folder), args.cards)

        for size in ((80, 24), (120, 40)):
            latencies = asyncio.run(measure_answers(database_path, config_path, args.answers, size))
            floor = asyncio.run(measure_minimal_keypress(args.answers, size))
            print(
                f"keypress -> next card rendered at {size[0]}x{size[1]} ({len(latencies)} answers): "
                f"median {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
                f"max {max(latencies):.1f} ms (target: 16 ms); minimal Textual app updating one widget: "
                f"median {statistics.median(floor):.1f} ms, p99 {percentile(floor, 0.99):.1f} ms"
            )

        timings, total = asyncio.run(measure_browse(database_path, config_path))
        print(
            f"browse filter per keystroke over {total} prompts: median {statistics.median(timings):.1f} ms, "
            f"max {max(timings):.1f} ms"
        )

        minimal = [cold_start(MINIMAL_APP) for _ in range(args.starts)]
        ours = [cold_start(MLCARDS_APP, str(database_path), str(config_path)) for _ in range(args.starts)]
        ratio = statistics.median(ours) / statistics.median(minimal)
        print(
            f"cold start to first screen: minimal Textual app median {statistics.median(minimal):.0f} ms; "
            f"mlcards home on {args.cards} cards median {statistics.median(ours):.0f} ms "
            f"({ratio:.2f}x, target: within 2x)"
        )


if __name__ == "__main__":
    main()
