"""Readiness and the 30-day workload forecast for an interview date, at 100,000 prompts.

Builds a real database (bulk SQL, as bench_rebuild.py does) whose prompts carry the states of
bench_data.prompt_states (85% seen, 15% unseen, 1% suspended; intervals of 1 to 200 days) and an
FSRS memory to match, sets an interview 90 days ahead, then times what `mlcards status` computes
for it: `study_plan.interview_plan` (readiness per deck in SQL, the seen prompts falling due
read and simulated under the active rule, the new-prompt profile, the budget check and the cut
suggestions), cold each time (the profile's cache is cleared). Its parts are timed too.

Anki's comparable operation is its FSRS simulator (`simulate_fsrs_review`, the deck options'
workload simulation): the same 100,000 cards with the same memory states, simulated for 30 days
with no review limit (20 new cards a day); it also returns the day-by-day recall sum (Anki's
"knowledge acquired"), the counterpart of readiness. Both run in this process, one after the other.

    PYTHONPATH=src python bench/bench_plan.py [--prompts 100000] [--repeats 5] [--scheduler sm2|fsrs|both] [--no-anki]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_data import AREAS, prompt_states

from mlcards.config import Settings
from mlcards.planning import forecast
from mlcards.planning.forecast import HORIZON_DAYS, Stepper
from mlcards.store import plan as reads
from mlcards.store.database import open_database
from mlcards.store.values import timestamp
from mlcards.study_plan import interview_plan, readiness

TARGET_SECONDS = 0.200
DECKS = 100
NOW = datetime(2026, 3, 9, 9, 30, tzinfo=UTC)


def memory_of(chance: random.Random, interval: int) -> tuple[float, float]:
    """An FSRS memory that fits an interval: stability near it, any difficulty."""
    return max(0.1, interval * chance.uniform(0.5, 1.5)), chance.uniform(2, 9)


def build_mlcards(path: Path, prompts: int) -> None:
    database = open_database(path)
    today = NOW.date()
    chance = random.Random(11)
    states = prompt_states(prompts)
    with database.transaction() as writer:
        writer.executemany(
            "INSERT INTO deck (id, name, description, file_path, present, prompt_count) VALUES (?, ?, '', ?, 1, ?)",
            (
                (f"d{deck}", f"Bench::{AREAS[deck % len(AREAS)]}::Deck {deck:03}", f"d{deck}.yaml", prompts // DECKS)
                for deck in range(DECKS)
            ),
        )
        writer.executemany(
            "INSERT INTO card (pk, deck_id, card_id, kind, front, back, text, extra, source, tags, content_hash, line, position, present) "
            "VALUES (?, ?, ?, 'basic', 'q', 'a', '', '', 's', ?, '', 1, ?, 1)",
            ((pk, f"d{pk % DECKS}", f"c{pk}", f"topic-{pk % 37}", pk) for pk in range(1, prompts + 1)),
        )
        rows = []
        for pk, state in zip(range(1, prompts + 1), states, strict=True):
            common = (pk, pk, f"d{pk % DECKS}", int(state.suspended))
            if not state.reviewed:
                rows.append((*common, 0, 0, 250, None, 0, None, None, None, None, None, None))
                continue
            due = today + timedelta(days=state.due_offset)
            last = datetime.combine(due - timedelta(days=state.interval), NOW.timetz())
            stability, difficulty = memory_of(chance, state.interval)
            rows.append(
                (*common, state.repetitions, state.interval, state.easiness, due.isoformat(), state.lapses, timestamp(last),
                 2, None, stability, difficulty, timestamp(datetime.combine(due, NOW.timetz())))
            )  # fmt: skip
        writer.executemany(
            "INSERT INTO schedule (id, card_pk, ordinal, deck_id, active, suspended, repetitions, interval, easiness, due, lapses, "
            "last_reviewed, fsrs_phase, fsrs_step, fsrs_stability, fsrs_difficulty, fsrs_due) "
            "VALUES (?, ?, 1, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    database.close()


def timed(repeats: int, work) -> tuple[float, list[float], float]:  # type: ignore[no-untyped-def]
    """Median wall time, every wall time, and the median CPU time of this process (on a machine
    shared with other work the wall time waits for the CPU; the CPU time is the work itself)."""
    timings, cpu = [], []
    for _ in range(repeats):
        forecast.new_prompt_profile.cache_clear()  # cold, as a fresh `mlcards status` is
        began, began_cpu = time.perf_counter(), time.process_time()
        work()
        timings.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return statistics.median(timings), timings, statistics.median(cpu)


def bench_mlcards(path: Path, scheduler: str, repeats: int) -> tuple[float, float]:
    database = open_database(path)
    today = NOW.date()
    settings = Settings(scheduler=scheduler, interview_date=today + timedelta(days=90))
    stepper = Stepper.of(settings.rule())
    plan = interview_plan(database, settings, NOW, today)
    assert plan is not None
    simulated = sum(plan.forecast.reviews(day) for day in range(HORIZON_DAYS))
    print(
        f"  plan: readiness {plan.readiness:.1%} over {sum(a.prompts for a in plan.areas):,} prompts, {plan.unseen:,} unseen, "
        f"{plan.new_per_day} new a day, {simulated:,} reviews + {sum(plan.forecast.new):,} new in 30 days, "
        f"budget {'ok' if plan.budget_ok else 'short'} ({len(plan.cuts)} cut(s) suggested)"
    )
    whole, timings, whole_cpu = timed(repeats, lambda: interview_plan(database, settings, NOW, today))
    parts = {
        "readiness (SQL, per deck)": lambda: readiness(database, settings, NOW, today),
        "first reviews (SQL)": lambda: reads.first_reviews(database.connection, today, HORIZON_DAYS),
        "prompts falling due (SQL)": lambda: reads.prompts_falling_due(
            database.connection, today, NOW, HORIZON_DAYS, every(database, today)
        ),
        "simulation of their later reviews": lambda: forecast.reviews_of_seen(falling, stepper, count_first=False),
        "new-prompt profile (cold)": lambda: forecast.new_prompt_profile(stepper),
        "most unseen prompts on a card (SQL)": lambda: reads.most_unseen_on_one_card(database.connection),
        "unseen per deck and tag (for cuts)": lambda: (
            reads.unseen_by_deck(database.connection),
            reads.unseen_by_tag(database.connection),
        ),
    }
    falling = reads.prompts_falling_due(database.connection, today, NOW, HORIZON_DAYS, every(database, today))
    print(f"  {len(falling):,} seen prompts simulated (every {every(database, today)} of those falling due in 30 days)")
    first = reads.first_reviews(database.connection, today, HORIZON_DAYS)
    sampled = forecast.seen_reviews(
        first, forecast.reviews_of_seen(falling, stepper, count_first=False), sum(first) / len(falling)
    )
    everyone = forecast.reviews_of_seen(reads.prompts_falling_due(database.connection, today, NOW, HORIZON_DAYS), stepper)
    worst = max(abs(a - b) / b for a, b in zip(sampled, everyone, strict=True) if b)
    print(
        f"  sampling error against simulating all {sum(first):,}: {sum(sampled) / sum(everyone) - 1:+.1%} in all, "
        f"mean {sum(abs(a - b) for a, b in zip(sampled, everyone, strict=True)) / sum(everyone):.1%} a day, worst day {worst:.1%}"
    )
    for label, work in parts.items():
        wall, _, cpu = timed(repeats, work)
        print(f"    {label:<36} median {wall * 1000:7.1f} ms (CPU {cpu * 1000:6.1f} ms)")
    database.close()
    print(f"  interview_plan ({scheduler}): median {whole * 1000:.1f} ms (CPU {whole_cpu * 1000:.1f} ms), min {min(timings) * 1000:.1f}, "
          f"max {max(timings) * 1000:.1f} over {repeats} runs; target <= {TARGET_SECONDS * 1000:.0f} ms: "
          f"{'met' if whole <= TARGET_SECONDS else 'MISSED'} (wall), {'met' if whole_cpu <= TARGET_SECONDS else 'MISSED'} (CPU)")  # fmt: skip
    return whole, whole_cpu


def every(database, today: date) -> int:  # type: ignore[no-untyped-def]
    from mlcards.study_plan import SIMULATED_PROMPTS_AT_MOST

    falling_due = sum(reads.first_reviews(database.connection, today, HORIZON_DAYS))
    return max(1, -(-falling_due // SIMULATED_PROMPTS_AT_MOST))


def build_anki(path: Path, prompts: int) -> None:
    """The same cards in an Anki collection: notes and cards written with bulk SQL, memory states
    in the cards' data as Anki keeps them (s: stability, d: difficulty, lrt: last review)."""
    from anki.collection import Collection as AnkiCollection

    collection = AnkiCollection(str(path))
    notetype = collection.models.by_name("Basic")
    assert notetype is not None
    notetype_id = notetype["id"]
    collection.close()
    connection = sqlite3.connect(path)
    connection.create_collation("unicase", lambda a, b: (a.casefold() > b.casefold()) - (a.casefold() < b.casefold()))
    days_back = 400
    crt = int(NOW.timestamp()) - days_back * 86400
    chance = random.Random(11)
    cards = []
    for number, state in enumerate(prompt_states(prompts), start=1):
        queue = -1 if state.suspended else (2 if state.reviewed else 0)
        if not state.reviewed:
            cards.append((number, number, 1, 0, queue, number, 0, 0, 0, 0, "{}"))
            continue
        stability, difficulty = memory_of(chance, state.interval)
        last = int(NOW.timestamp()) + (state.due_offset - state.interval) * 86400
        data = json.dumps({"s": round(stability, 4), "d": round(difficulty, 3), "lrt": last})
        cards.append((number, number, 1, 2, queue, days_back + state.due_offset, state.interval, state.easiness * 10,
                      state.repetitions, state.lapses, data))  # fmt: skip
    with connection:
        connection.execute("UPDATE col SET crt = ?", (crt,))
        connection.executemany(
            "INSERT INTO notes (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data) VALUES (?, ?, ?, 0, -1, '', ?, ?, 0, 0, '')",
            ((number, f"g{number}", notetype_id, f"q{number}\x1fa", f"q{number}") for number in range(1, prompts + 1)),
        )
        connection.executemany(
            "INSERT INTO cards (id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses, left, odue, odid, flags, data) "
            "VALUES (?, ?, ?, 0, 0, -1, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?)",
            cards,
        )
    connection.close()


def bench_anki(path: Path, prompts: int, repeats: int) -> tuple[float, float]:
    from anki.collection import Collection as AnkiCollection
    from anki.scheduler_pb2 import SimulateFsrsReviewRequest
    from fsrs import Scheduler

    collection = AnkiCollection(str(path))
    request = SimulateFsrsReviewRequest(
        params=list(Scheduler().parameters),
        desired_retention=0.9,
        deck_size=prompts,
        days_to_simulate=HORIZON_DAYS,
        new_limit=20,
        review_limit=1_000_000,  # every review simulated, as mlcards' forecast counts them all
        max_interval=36500,
        search="",
        learning_step_count=2,
        relearning_step_count=1,
    )
    response = collection._backend.simulate_fsrs_review(request)
    print(
        f"  Anki simulate_fsrs_review: {sum(response.daily_review_count):,} reviews + {sum(response.daily_new_count):,} new in "
        f"30 days, recall sum on day 30 {response.accumulated_knowledge_acquisition[-1]:,.0f}"
    )
    median, timings, cpu = timed(repeats, lambda: collection._backend.simulate_fsrs_review(request))
    collection.close()
    print(
        f"  Anki simulate_fsrs_review: median {median * 1000:.1f} ms (CPU {cpu * 1000:.1f} ms), "
        f"min {min(timings) * 1000:.1f}, max {max(timings) * 1000:.1f}"
    )
    return median, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scheduler", choices=("sm2", "fsrs", "both"), default="both")
    parser.add_argument("--no-anki", action="store_true", help="skip Anki's simulator")
    args = parser.parse_args()
    met = True
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mlcards.sqlite3"
        began = time.perf_counter()
        build_mlcards(path, args.prompts)
        print(f"built {args.prompts:,} prompts in {time.perf_counter() - began:.1f} s")
        medians = {}
        for scheduler in ("sm2", "fsrs") if args.scheduler == "both" else (args.scheduler,):
            print(f"{scheduler}:")
            medians[scheduler] = bench_mlcards(path, scheduler, args.repeats)
            print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} core(s)")
            met = met and medians[scheduler][0] <= TARGET_SECONDS
        if not args.no_anki:
            anki_path = Path(folder) / "anki.anki2"
            build_anki(anki_path, args.prompts)
            anki = bench_anki(anki_path, args.prompts, args.repeats)
            for scheduler, (wall, cpu) in medians.items():
                print(f"ratio mlcards ({scheduler}) / Anki: {wall / anki[0]:.2f} wall, {cpu / anki[1]:.2f} CPU")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
