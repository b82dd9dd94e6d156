"""`mlcards optimize` on 100,000 logged reviews, on one core, against Anki's own FSRS optimizer.

Builds a real database whose review log holds 100,000 answers of a synthetic learner (a known
FSRS-6 model answering what mlcards' SM-2 schedule asks, written through the review app's answer
path; tests/synthetic_learner.py), then times, with this process and its children pinned to one
CPU and RAYON_NUM_THREADS=1:

- the whole `mlcards optimize` process (start-up, reading the log, the fit, evaluating the
  defaults and the fitted parameters, saving config.toml): the target is <= 10 s;
- the same work in process, `cli.main([... "optimize"])`, and its parts;
- Anki's backend (the `anki` package) fitting the same log written into its revlog:
  `compute_fsrs_params`, which reads the revlog, fits, and evaluates the current and the fitted
  parameters, as mlcards does; the ratio is mlcards / Anki.

    PYTHONPATH=src python bench/bench_optimize.py [--answers 100000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from anki.collection import Collection as AnkiCollection

from mlcards.cli import main
from mlcards.config import load_settings
from mlcards.scheduling import fitting
from mlcards.store.database import open_database
from mlcards.store.history import answers_for_fitting, log_rows
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


def median_seconds(action, repeats: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(repeats):
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
        print(f"built {written:,} answers ({anki_rows:,} Anki revlog rows) in {time.perf_counter() - began:.0f} s")
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # from here on, this process and its children: one core
        print(f"timing on CPU {sorted(os.sched_getaffinity(0))} only, RAYON_NUM_THREADS={os.environ['RAYON_NUM_THREADS']}")
        arguments = ["--db", str(database_path), "--config", str(config), "optimize"]
        first = io.StringIO()
        assert main(arguments, first, sys.stderr) == 0  # also makes today's backup, which later runs do not repeat
        print(first.getvalue().splitlines()[0])
        assert load_settings(config).fsrs_parameters is not None

        def whole_process() -> None:
            subprocess.run(
                [sys.executable, "-m", "mlcards", *arguments],
                check=True,
                capture_output=True,
                env=dict(os.environ, PYTHONPATH=str(ROOT / "src")),
            )

        process, process_runs = median_seconds(whole_process, args.repeats)
        in_process, _ = median_seconds(lambda: main(arguments, io.StringIO(), sys.stderr), args.repeats)

        database = open_database(database_path)
        connection = database.connection
        read, _ = median_seconds(lambda: fitting.training_log(answers_for_fitting(connection, None)), args.repeats)
        log = fitting.training_log(answers_for_fitting(connection, None))
        database.close()
        fitted, _ = median_seconds(lambda: fitting.fit(log), args.repeats)
        evaluated, _ = median_seconds(lambda: fitting.evaluate(fitting.DEFAULT, log), args.repeats)

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
    print(
        f"items to predict: mlcards {len(log.items):,}, Anki {anki_items:,}"
        + ("" if anki_items == len(log.items) else "  (DIFFER)")
    )
    print(f"  reading the log into items  {read:6.2f} s")
    print(f"  fitting                     {fitted:6.2f} s")
    print(
        f"  one evaluation              {evaluated:6.2f} s  (optimize measures the defaults, the fitted and any other kept parameters)"
    )
    print(
        f"mlcards optimize, in process  {in_process:6.2f} s   Anki compute_fsrs_params {theirs:6.2f} s   ratio {in_process / theirs:.2f}"
    )
    verdict = "met" if process <= TARGET_SECONDS else "MISSED"
    print(f"mlcards optimize, whole process: median {process:.2f} s (runs: {', '.join(f'{t:.2f}' for t in process_runs)}); "
          f"target <= {TARGET_SECONDS:.0f} s on one core: {verdict}")  # fmt: skip
    return 0 if process <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main_bench())
