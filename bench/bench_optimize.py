"""`mlcards optimize` on 100,000 logged reviews, on one core, against Anki's own FSRS optimizer.

Builds a real database whose review log holds 100,000 answers of a synthetic learner (a known
FSRS-6 model answering what mlcards' SM-2 schedule asks, written through the review app's answer
path; tests/synthetic_learner.py), then times, with this process and its children pinned to one
CPU and RAYON_NUM_THREADS=1:

- the whole `mlcards optimize` process on a database where nothing was fitted yet (start-up,
  reading the log, the fit, evaluating the defaults and the fitted parameters, saving
  config.toml, rescheduling every prompt from the log with them): the target is <= 10 s;
- the same in process, `cli.main([... "optimize"])`, and its parts;
- Anki's backend (the `anki` package) fitting the same log written into its revlog:
  `compute_fsrs_params`, which reads the revlog, fits, and evaluates the current and the fitted
  parameters; the ratio is mlcards / Anki for that same work (without the rescheduling, which
  Anki leaves for later).

    PYTHONPATH=src python bench/bench_optimize.py [--answers 100000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from anki.collection import Collection as AnkiCollection

from mlcards.cli import main
from mlcards.config import Settings, load_settings
from mlcards.scheduling import fitting
from mlcards.store.database import open_database
from mlcards.store.history import answers_for_fitting, log_rows, rebuild
from mlcards.store.sync import sync

ROOT = Path(__file__).resolve().parent.parent

TARGET_SECONDS = 10.0
PROMPTS = 6_000
DAYS = 720
NEW_PER_DAY = 12


def build(folder: Path, answers: int) -> tuple[Path, int]:
    """A database with a 6,000-card deck and the learner's first `answers` answers."""
    deck = folder / "learner.yaml"
    deck.write_text(
        "id: learner\nname: Learner\nsource: synthetic\ncards:\n"
        + "".join(f"  - {{id: c{n}, front: 'Question {n}?', back: 'Answer {n}'}}\n" for n in range(PROMPTS)),
        encoding="utf-8",
    )
    sys.path.insert(0, str(ROOT))  # the synthetic learner lives with the tests
    from tests.synthetic_learner import record, study

    path = folder / "mlcards.sqlite3"
    database = open_database(path)
    assert sync(database, [deck]).ok
    prompts = [row[0] for row in database.connection.execute("SELECT id FROM schedule ORDER BY id")]
    with database.transaction() as connection:
        written = record(connection, itertools.islice(study(prompts, DAYS, NEW_PER_DAY, seed=7), answers))
    database.close()
    return path, written


def anki_revlog(database_path: Path, anki_path: Path) -> int:
    """The same answers as Anki revlog rows, from `mlcards log`'s columns (ease = rating, type =
    review_kind); ids are spaced one second apart from 09:00 UTC of the study day, so each answer
    falls in its own study day for Anki too."""
    database = open_database(database_path)
    entries = []
    card_of: dict[object, int] = {}
    per_day: dict[str, int] = {}
    for row in log_rows(database.connection, None, None):
        day = str(row["study_day"])
        card = card_of.setdefault(row["prompt_key"], 1_600_000_000_000 + len(card_of))
        second = per_day[day] = per_day.get(day, 0) + 1
        stamp = (int(datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC).timestamp()) + second) * 1000
        interval, last_interval = row["interval_after_days"], row["interval_before_days"]
        entries.append((stamp, card, row["rating"], interval, last_interval, 2500, row["duration_ms"], row["review_kind"]))
    database.close()
    anki = AnkiCollection(str(anki_path))
    anki.db.executemany(
        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)", entries
    )
    anki.close()
    return len(entries)


def median_seconds(
    action: Callable[[], object], repeats: int, before: Callable[[], object] | None = None
) -> tuple[float, list[float]]:
    """Seconds per call; `before` runs untimed ahead of each call."""
    timings = []
    for _ in range(repeats):
        if before is not None:
            before()
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings), timings


def main_bench() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    # fsrs-rs (in fsrs-rs-python and in Anki's backend) parallelises with rayon, which reads this
    # when its pool starts, at the first fit; children inherit it.
    os.environ["RAYON_NUM_THREADS"] = "1"
    os.environ["TZ"] = "UTC"  # Anki's day boundaries and mlcards' study days then agree (rollover 04:00 UTC)
    time.tzset()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        began = time.perf_counter()
        database_path, written = build(folder, args.answers)
        config = folder / "config.toml"
        anki_path = folder / "anki" / "collection.anki2"
        anki_path.parent.mkdir()
        anki_rows = anki_revlog(database_path, anki_path)
        arguments = ["--db", str(database_path), "--config", str(config), "optimize"]
        first = io.StringIO()
        # Today's backup, which later runs do not repeat, and the schedules' first replay (the bulk-written log has none).
        assert main([*arguments, "--dry-run"], first, io.StringIO()) == 0
        pristine = folder / "pristine.sqlite3"
        checkpoint = sqlite3.connect(database_path)
        checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        checkpoint.close()
        shutil.copyfile(database_path, pristine)
        print(f"built {written:,} answers ({anki_rows:,} Anki revlog rows) in {time.perf_counter() - began:.0f} s")
        print(first.getvalue().splitlines()[0])

        def before_any_fit() -> None:  # untimed: the database as it was, no parameters kept
            for leftover in (Path(f"{database_path}-wal"), Path(f"{database_path}-shm"), config):
                leftover.unlink(missing_ok=True)
            shutil.copyfile(pristine, database_path)

        def whole_process() -> None:
            subprocess.run(
                [sys.executable, "-m", "mlcards", *arguments],
                check=True,
                capture_output=True,
                env=dict(os.environ, PYTHONPATH=str(ROOT / "src")),
            )

        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # from here on, this process and its children: one core
        print(f"timing on CPU {sorted(os.sched_getaffinity(0))} only, RAYON_NUM_THREADS={os.environ['RAYON_NUM_THREADS']}")
        process, process_runs = median_seconds(whole_process, args.repeats, before_any_fit)
        in_process, _ = median_seconds(lambda: main(arguments, io.StringIO(), sys.stderr), args.repeats, before_any_fit)
        fitted_parameters = load_settings(config).fsrs_parameters
        assert fitted_parameters is not None

        before_any_fit()
        database = open_database(database_path)
        connection = database.connection
        read, _ = median_seconds(lambda: fitting.training_log(answers_for_fitting(connection, None)), args.repeats)
        log = fitting.training_log(answers_for_fitting(connection, None))
        fitted, _ = median_seconds(lambda: fitting.fit(log), args.repeats)
        evaluated, _ = median_seconds(lambda: fitting.evaluate(fitting.DEFAULT, log), args.repeats)
        # What Anki's compute_fsrs_params does: read the log, fit, measure the defaults and the fit.
        same_work, _ = median_seconds(
            lambda: fitting.fit_and_compare(fitting.training_log(answers_for_fitting(connection, None)), None), args.repeats
        )
        rules = itertools.cycle([Settings(fsrs_parameters=fitted_parameters).rule(), Settings().rule()])

        def reschedule() -> None:
            with database.transaction() as writer:
                rebuild(writer, next(rules))

        rescheduled, _ = median_seconds(reschedule, args.repeats)
        database.close()

        anki = AnkiCollection(str(anki_path))
        responses = []

        def anki_fit() -> None:
            responses.append(
                anki._backend.compute_fsrs_params(
                    search="", current_params=[], ignore_revlogs_before_ms=0, num_of_relearning_steps=1, health_check=False
                )
            )

        theirs, _ = median_seconds(anki_fit, args.repeats)
        anki.close()

    anki_items = responses[0].fsrs_items
    same = "the same" if anki_items == len(log.items) else "DIFFERENT"
    print(f"items to predict: mlcards {len(log.items):,}, Anki {anki_items:,} ({same})")
    print(f"  reading the log into items   {read:6.2f} s")
    print(f"  fitting                      {fitted:6.2f} s")
    print(f"  one evaluation               {evaluated:6.2f} s  (optimize measures the defaults and the fitted parameters)")
    print(f"  rescheduling every prompt    {rescheduled:6.2f} s  (replaying the log with the new parameters)")
    print(f"mlcards optimize, in process   {in_process:6.2f} s")
    print(f"read, fit, measure two sets    {same_work:6.2f} s   Anki compute_fsrs_params, the same work {theirs:6.2f} s")
    print(f"ratio mlcards / Anki: {same_work / theirs:.2f}")
    verdict = "met" if process <= TARGET_SECONDS else "MISSED"
    print(f"mlcards optimize, whole process: median {process:.2f} s (runs: {', '.join(f'{t:.2f}' for t in process_runs)}); "
          f"target <= {TARGET_SECONDS:.0f} s on one core: {verdict}")  # fmt: skip
    return 0 if process <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main_bench())
