"""Core benchmark: sync, queue, answers, counts, stats, export, `mlcards add` and peak memory on
generated 10,000- and 100,000-card collections, against Anki's own backend in the same run.

Run:  cd /work/main && PYTHONPATH=src python bench/bench_core.py [--quick]

--quick: 10,000 cards and 100,000 log rows only, fewer repetitions (a few minutes).
Default: also 100,000 cards with 1,000,000 review-log rows (about a quarter of an hour).
Everything is written under a temporary folder and removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import bench_anki
from anki.collection import Collection as AnkiCollection
from bench_data import edit_one_card, fill_mlcards_history, write_decks, write_single_file

from mlcards.collection import Collection, open_collection
from mlcards.config import Settings
from mlcards.review import Answer, ReviewSession
from mlcards.store.counts import answered_on, deck_counts, streak
from mlcards.store.database import open_database
from mlcards.store.registry import register_paths
from mlcards.store.sync import sync

BENCH = Path(__file__).resolve().parent
SRC = BENCH.parent / "src"
CARDS_PER_FILE = {10_000: 500, 100_000: 1_000}
LOGS_PER_CARD = 10  # 100,000 cards -> 1,000,000 review-log rows


@dataclass(frozen=True)
class Plan:
    scales: tuple[int, ...]
    cold_syncs: int
    repeats: int
    answers: int
    cold_adds: int


QUICK = Plan(scales=(10_000,), cold_syncs=2, repeats=15, answers=400, cold_adds=3)
FULL = Plan(scales=(10_000, 100_000), cold_syncs=3, repeats=30, answers=1_000, cold_adds=5)


@dataclass
class Row:
    operation: str
    unit: str  # "ms" or "MB"
    ours: list[float]
    anki: list[float] | None = None
    target: str = ""
    limit: float | None = None  # pass when the checked figure is at or under this
    check: str = "median"  # which figure the target applies to: "median", "p99" or "ratio"
    note: str = ""

    def figure(self, values: list[float]) -> float:
        return percentile(values, 0.99) if self.check == "p99" else statistics.median(values)

    @property
    def ratio(self) -> float | None:
        if not self.anki:
            return None
        return self.figure(self.ours) / self.figure(self.anki)

    @property
    def passed(self) -> bool | None:
        if self.limit is None:
            return None
        value = self.ratio if self.check == "ratio" else self.figure(self.ours)
        return value is not None and value <= self.limit


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(action: Callable[[], object], repeats: int, before: Callable[[], object] | None = None) -> list[float]:
    """Milliseconds per call; `before` runs untimed ahead of each call."""
    timings = []
    for _ in range(repeats):
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def child_environment() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(SRC), str(BENCH), os.environ.get("PYTHONPATH")]))
    return dict(os.environ, PYTHONPATH=path)


def peak_rss_mb(arguments: list[str], cwd: Path) -> float:
    """Peak RSS of a child, as RUSAGE_CHILDREN in a small launcher process.

    Launched from this (large) process directly, Linux would charge the child with our own
    resident size at fork, so a tiny launcher starts it and reads the figure."""
    launcher = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    output = subprocess.run(
        [sys.executable, "-c", launcher, sys.executable, *arguments],
        cwd=cwd,
        env=child_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    return int(output.stdout.split()[-1]) / 1024


def run_child(arguments: list[str], cwd: Path) -> float:
    """Wall milliseconds of one whole child process, interpreter start included."""
    started = time.perf_counter()
    finished = subprocess.run([sys.executable, *arguments], cwd=cwd, env=child_environment(), capture_output=True, text=True)
    elapsed = (time.perf_counter() - started) * 1000
    if finished.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} failed ({finished.returncode}):\n{finished.stdout}\n{finished.stderr}")
    return elapsed


# --- the measurements -----------------------------------------------------------------------


def bench_cold_add(root: Path, plan: Plan) -> list[Row]:
    """`mlcards add FILE` as a whole process against libyaml + Anki's add_notes as a whole process.

    Main row: both open an existing collection (ours already holds the shipped decks, as after
    a first start; Anki's is empty). Second row: ours starts from no database at all."""
    folder = root / "cold-add"
    folder.mkdir()
    deck = write_single_file(folder / "ten-thousand.yaml", 10_000)
    template_db, template_anki = folder / "template" / "mlcards.sqlite3", folder / "template-anki" / "collection.anki2"
    template = open_collection(template_db, folder / "none.toml")
    assert template.sync().ok
    template.close()
    template_anki.parent.mkdir()
    AnkiCollection(str(template_anki)).close()
    ours, theirs, fresh = [], [], []
    for attempt in range(plan.cold_adds):
        database = folder / f"db-{attempt}" / "mlcards.sqlite3"
        shutil.copytree(template_db.parent, database.parent)
        collection = folder / f"anki-{attempt}" / "collection.anki2"
        shutil.copytree(template_anki.parent, collection.parent)
        add = ["-m", "mlcards", "--config", str(folder / "none.toml"), "--db"]
        ours.append(run_child([*add, str(database), "add", str(deck)], folder))
        theirs.append(run_child([str(BENCH / "anki_add.py"), str(deck), str(collection)], folder))
        fresh.append(run_child([*add, str(folder / f"fresh-{attempt}" / "mlcards.sqlite3"), "add", str(deck)], folder))
    return [
        Row(
            "cold `mlcards add` of a 10k-card file (process)",
            "ms",
            ours,
            theirs,
            "ratio <= 1.0",
            1.0,
            "ratio",
            "existing collection (ours holds the 560 shipped cards); Anki: C yaml.load + add_notes in its own process",
        ),
        Row("  same, into no database yet", "ms", fresh, theirs, note="also creates the schema and syncs the shipped decks"),
    ]


class Scale:
    """One generated collection, for mlcards and for Anki, with its history."""

    def __init__(self, root: Path, cards: int, plan: Plan) -> None:
        self.root, self.cards, self.plan = root, cards, plan
        self.decks = root / "decks"
        self.deck_paths = write_decks(self.decks, cards, CARDS_PER_FILE[cards])
        self.database_path = root / "mlcards-db" / "mlcards.sqlite3"
        self.config_path = root / "config.toml"
        self.anki_path = root / "anki" / "collection.anki2"
        self.now = datetime.now().astimezone()

    def label(self, operation: str) -> str:
        return f"{operation} [{self.cards // 1000}k]"

    def cold_sync(self) -> Row:
        """Fresh database, every deck file read and written; the last attempt is kept."""
        databases = [self.root / f"cold-{attempt}" / "mlcards.sqlite3" for attempt in range(self.plan.cold_syncs)]
        collections = [self.root / f"anki-cold-{attempt}" / "collection.anki2" for attempt in range(self.plan.cold_syncs)]
        for path in (*databases, *collections):
            path.parent.mkdir()
        pending, anki_pending = iter(databases), iter(collections)

        def ours() -> None:
            database = open_database(next(pending))
            report = sync(database, [self.decks])
            assert report.ok and report.cards_added == self.cards, report.problems[:3]
            database.close()

        def anki() -> None:
            collection = AnkiCollection(str(next(anki_pending)))
            bench_anki.add_deck_files(collection, self.deck_paths)
            collection.close()

        timings = timed(ours, self.plan.cold_syncs)
        theirs = timed(anki, self.plan.cold_syncs)
        databases[-1].parent.rename(self.database_path.parent)
        collections[-1].parent.rename(self.anki_path.parent)
        for path in (*databases[:-1], *collections[:-1]):
            shutil.rmtree(path.parent)
        return Row(self.label("cold YAML sync"), "ms", timings, theirs, note="Anki: C yaml.load + add_notes, same process")

    def add_history(self) -> str:
        logs = self.cards * LOGS_PER_CARD
        collection = open_collection(self.database_path, self.config_path)
        register_paths(collection.database, [self.decks.resolve()], self.now)
        today = collection.today(self.now)
        collection.close()
        prompts, written = fill_mlcards_history(self.database_path, today, logs)
        anki_logs = bench_anki.fill_anki_history(self.anki_path, logs)
        anki = AnkiCollection(str(self.anki_path))
        bench_anki.study_all(anki)
        anki.set_config("newCardsIgnoreReviewLimit", True)  # as mlcards: new cards on top of the review limit
        anki.close()
        return f"{self.cards} cards, {prompts} prompts, {written} review-log rows (Anki: {anki_logs} revlog rows)"

    def syncs(self) -> list[Row]:
        collection = open_collection(self.database_path, self.config_path)
        first = collection.sync()  # the shipped decks join the collection, as on a first start
        assert first.ok, first.problems[:3]
        warm = timed(lambda: self._sync_clean(collection), self.plan.repeats)
        rounds = max(5, self.plan.repeats // 3)
        edited = timed(
            lambda: self._sync_edited(collection), rounds, lambda: edit_one_card(self.deck_paths[len(self.deck_paths) // 2])
        )
        collection.close()
        target = {"target": "< 100 ms", "limit": 100.0} if self.cards == 10_000 else {}
        return [
            Row(self.label("warm start, nothing changed (sync)"), "ms", warm, **target),  # type: ignore[arg-type]
            Row(self.label("sync after one file edited"), "ms", edited),
        ]

    @staticmethod
    def _sync_clean(collection: Collection) -> None:
        report = collection.sync()
        assert report.ok and not report.wrote

    @staticmethod
    def _sync_edited(collection: Collection) -> None:
        report = collection.sync()
        assert report.ok and report.cards_updated == 1, report

    def reads(self) -> list[Row]:
        collection = open_collection(self.database_path, self.config_path)
        database, settings, today = collection.database, collection.settings, collection.today(self.now)
        anki = AnkiCollection(str(self.anki_path))
        rows = []

        queue_sizes: list[int] = []
        ours = timed(lambda: queue_sizes.append(ReviewSession(database, settings, self.now).remaining), self.plan.repeats)
        theirs = timed(lambda: bench_anki.queue_build(anki), self.plan.repeats, lambda: bench_anki.invalidate_queue(anki))
        rows.append(
            Row(self.label("due-queue build"), "ms", ours, theirs, note=f"{queue_sizes[0]} cards queued (20 new + 200 due)")
        )

        def status() -> None:
            deck_counts(database, today)
            answered_on(database, today)
            streak(database, today)

        target = {"target": "< 20 ms", "limit": 20.0} if self.cards == 100_000 else {}
        rows.append(
            Row(
                self.label("status counts"),
                "ms",
                timed(status, self.plan.repeats),
                timed(lambda: bench_anki.status_counts(anki), self.plan.repeats),
                note="deck counts + today + streak; Anki: deck_due_tree",
                **target,  # type: ignore[arg-type]
            )
        )

        stats_row = self._stats(collection, anki)
        if stats_row is not None:
            rows.append(stats_row)
        rows.extend(self._answers(collection, anki))
        anki.close()
        collection.close()
        return rows

    def _stats(self, collection: Collection, anki: AnkiCollection) -> Row | None:
        try:
            from mlcards.store import stats
        except ImportError:
            print("  (mlcards.stats is not there yet: stats not measured)")
            return None
        database, today = collection.database, collection.today(self.now)

        def ours() -> None:
            stats.review_heatmap(database, today)
            stats.due_forecast(database, today)
            stats.retention(database, today)
            stats.state_counts(database, today)
            stats.mastery_by_area(database, today)

        repeats = max(3, self.plan.repeats // 3)
        return Row(
            self.label("stats screen data"),
            "ms",
            timed(ours, repeats),
            timed(lambda: bench_anki.stats(anki), repeats),
            note="heatmap, forecast, retention, states, mastery; Anki: graphs(days=365)",
        )

    def _answers(self, collection: Collection, anki: AnkiCollection) -> list[Row]:
        samples = self.plan.answers
        settings = Settings(new_cards_per_day=samples, reviews_per_day=samples)
        session = ReviewSession(collection.database, settings, self.now)
        ours: list[float] = []
        for index in range(samples):
            if session.current is None:
                break
            grade = Answer.HARD if index % 10 == 9 else Answer.GOOD  # Hard brings a card back the same day
            started = time.perf_counter()
            session.answer(grade, self.now)
            ours.append((time.perf_counter() - started) * 1000)
        bench_anki.set_daily_limits(anki, samples, samples)
        theirs = [seconds * 1000 for seconds in bench_anki.answer_samples(anki, samples)]
        at_scale = self.cards == 100_000
        return [
            Row(self.label("answer-and-commit p50"), "ms", ours, theirs, note=f"{len(ours)} answers, each its own transaction"),
            Row(
                self.label("answer-and-commit p99"),
                "ms",
                ours,
                theirs,
                "< 10 ms" if at_scale else "",
                10.0 if at_scale else None,
                "p99",
            ),
        ]

    def export(self) -> Row | None:
        try:
            from mlcards.export import export_anki_package
        except ImportError:
            print("  (mlcards.export is not there yet: export not measured; see bench/bench_export.py)")
            return None
        collection = open_collection(self.database_path, self.config_path)
        out = self.root / "ours.apkg"
        first = timed(lambda: export_anki_package(collection.database, out, self.now, with_progress=True), 1)
        repeats = 3 if self.cards == 10_000 else 1
        ours = timed(lambda: export_anki_package(collection.database, out, self.now, with_progress=True), repeats)
        collection.close()
        anki = AnkiCollection(str(self.anki_path))
        theirs = timed(lambda: bench_anki.export(anki, self.root / "anki.apkg", with_scheduling=True), repeats)
        anki.close()
        return Row(
            self.label("export .apkg with progress"),
            "ms",
            ours,
            theirs,
            note=f"HTML cache warm (first export {first[0]:.0f} ms)",
        )

    def peak_memory(self) -> Row:
        ours = peak_rss_mb([str(BENCH / "peak_probe.py"), "mlcards", str(self.database_path), str(self.config_path)], self.root)
        theirs = peak_rss_mb([str(BENCH / "peak_probe.py"), "anki", str(self.anki_path)], self.root)
        at_scale = self.cards == 100_000
        return Row(
            self.label("peak memory, app home screen"),
            "MB",
            [ours],
            [theirs],
            "< 200 MB" if at_scale else "",
            200.0 if at_scale else None,
            note="max RSS of the process; Anki: open + deck tree + queue",
        )


# --- the table ------------------------------------------------------------------------------


def format_value(value: float, unit: str) -> str:
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms" if value < 1000 else f"{value / 1000:.2f} s"


def spread(row: Row) -> str:
    if len(row.ours) < 2:
        return ""
    if row.check == "p99":
        return f"max {format_value(max(row.ours), row.unit)}"
    low, high = percentile(row.ours, 0.25), percentile(row.ours, 0.75)
    return f"IQR {format_value(low, row.unit)}–{format_value(high, row.unit)}"


def print_table(rows: list[Row]) -> None:
    header = ("operation", "mlcards", "spread", "Anki", "ratio", "target", "result")
    lines = []
    for row in rows:
        anki = format_value(row.figure(row.anki), row.unit) if row.anki else "—"
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "—"
        result = {True: "PASS", False: "FAIL", None: ""}[row.passed]
        lines.append((row.operation, format_value(row.figure(row.ours), row.unit), spread(row), anki, ratio, row.target, result))
    widths = [max(len(line[column]) for line in [header, *lines]) for column in range(len(header))]
    for number, line in enumerate([header, *lines]):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
        if number == 0:
            print("  ".join("-" * width for width in widths))
    notes = [(row.operation, row.note) for row in rows if row.note]
    if notes:
        print()
        for operation, note in notes:
            print(f"  {operation}: {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 cards only, fewer repetitions (a few minutes)")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary folder)")
    parser.add_argument(
        "--cold-add-only", action="store_true", help="only the whole-process `mlcards add` against Anki (about a minute)"
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.cold_add_only:
        plan = replace(plan, scales=())
    started = time.perf_counter()
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="mlcards-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    try:
        print("cold `mlcards add` against libyaml + Anki add_notes, as whole processes …", flush=True)
        rows.extend(bench_cold_add(scratch, plan))
        for cards in plan.scales:
            root = scratch / f"c{cards}"
            root.mkdir()
            scale = Scale(root, cards, plan)
            print(f"{cards} cards: cold sync …", flush=True)
            rows.append(scale.cold_sync())
            print(f"{cards} cards: history: {scale.add_history()}", flush=True)
            print(f"{cards} cards: warm and edited syncs …", flush=True)
            rows.extend(scale.syncs())
            print(f"{cards} cards: queue, counts, stats, answers …", flush=True)
            rows.extend(scale.reads())
            print(f"{cards} cards: export …", flush=True)
            if (export := scale.export()) is not None:
                rows.append(export)
            print(f"{cards} cards: peak memory …", flush=True)
            rows.append(scale.peak_memory())
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)
    print(
        f"\nmlcards core benchmark ({'quick' if args.quick else 'full'}), {time.perf_counter() - started:.0f} s, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n"
    )
    print_table(rows)
    failed = [row.operation for row in rows if row.passed is False]
    print(f"\n{len(rows) - len(failed)} rows within target or without one; {len(failed)} missed: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
