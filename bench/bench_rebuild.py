"""Rebuilding every schedule from the review log: `mlcards rebuild` at 1,000,000 answers.

Builds a real database whose 100,000 prompts each hold ten answers produced by the SM-2 rule,
replays it once under the chosen rule (so the cached states equal the replay), then times
`store.history.rebuild`, which reads every answer in order, replays each prompt through the pure
rule (SM-2's integer fast path and py-fsrs for FSRS's memory, or FSRS throughout) and compares
with the cache. Switching rule costs one such rebuild.

    PYTHONPATH=src python bench/bench_rebuild.py [--prompts 100000] [--answers-per-prompt 10] [--scheduler sm2|fsrs]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mlcards.scheduling import sm2
from mlcards.store.database import open_database
from mlcards.scheduling.rule import RuleSettings
from mlcards.store.history import rebuild
from mlcards.store.values import day_text, timestamp

# FSRS's memory comes from py-fsrs, about 8 µs an answer in Python: a rebuild (a rule switch, a
# schema upgrade, `mlcards rebuild`) of a million answers, years of daily study, may take this long.
TARGET_SECONDS = 20.0


def build(path: Path, prompts: int, answers_per_prompt: int) -> int:
    database = open_database(path)
    start = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    grades = random.Random(7)
    with database.transaction() as writer:
        writer.execute("INSERT INTO deck (id, name, description, file_path, present, prompt_count) VALUES ('b', 'B', '', 'b.yaml', 1, ?)", (prompts,))
        writer.executemany(
            "INSERT INTO card (pk, deck_id, card_id, kind, front, back, text, extra, source, tags, content_hash, line, position, present) "
            "VALUES (?, 'b', ?, 'basic', 'q', 'a', '', '', 's', '', '', 1, ?, 1)",
            ((pk, f"c{pk}", pk) for pk in range(1, prompts + 1)),
        )
        writer.executemany(
            "INSERT INTO schedule (id, card_pk, ordinal, deck_id, active, repetitions, interval, easiness, lapses, suspended) "
            "VALUES (?, ?, 1, 'b', 1, 0, 0, 250, 0, 0)",
            ((pk, pk) for pk in range(1, prompts + 1)),
        )
        log_rows = []
        states = []
        log_id = 0
        for schedule_id in range(1, prompts + 1):
            state = sm2.NEW_PROMPT
            moment = start + timedelta(minutes=schedule_id % 600)
            for _ in range(answers_per_prompt):
                grade = grades.choice((1, 3, 4, 4, 4, 5))
                day = moment.date()
                after, row = sm2.review(state, sm2.Review(grade, moment, day))
                log_id += 1
                log_rows.append((log_id, schedule_id, timestamp(moment), day.isoformat(), grade, row.kind, 1000,
                                 state.repetitions, after.repetitions, state.interval, after.interval, state.easiness_hundredths,
                                 after.easiness_hundredths, day_text(state.due), day_text(after.due), state.lapses))  # fmt: skip
                state = after
                moment += timedelta(minutes=5) if after.redrill_on == day else timedelta(days=max(1, after.interval))
            states.append((state, log_id, schedule_id))
        log_rows.sort(key=lambda row: (row[2], row[0]))  # answers of all prompts interleaved by time, as a real log is
        writer.executemany(
            "INSERT INTO review_log (id, schedule_id, reviewed_at, study_day, grade, kind, duration_ms, repetitions_before, "
            "repetitions_after, interval_before, interval_after, easiness_before, easiness_after, due_before, due_after, lapses_before) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            log_rows,
        )
        writer.executemany(
            "UPDATE schedule SET repetitions = ?, interval = ?, easiness = ?, due = ?, lapses = ?, last_reviewed = ?, redrill_on = ?, "
            "last_log_id = ? WHERE id = ?",
            (
                (s.repetitions, s.interval, s.easiness_hundredths, day_text(s.due), s.lapses, timestamp(s.last_reviewed) if s.last_reviewed else None,
                 day_text(s.redrill_on), last, schedule_id)  # fmt: skip
                for s, last, schedule_id in states
            ),
        )
    database.close()
    return len(log_rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=100_000)
    parser.add_argument("--answers-per-prompt", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scheduler", choices=("sm2", "fsrs"), default="sm2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mlcards.sqlite3"
        began = time.perf_counter()
        answers = build(path, args.prompts, args.answers_per_prompt)
        print(f"built {args.prompts:,} prompts with {answers:,} answers in {time.perf_counter() - began:.1f} s")
        database = open_database(path)
        rule = RuleSettings(scheduler=args.scheduler)
        with database.transaction() as connection:
            rebuild(connection, rule)  # the cache now holds this rule's replay
        timings = []
        for _ in range(args.repeats):
            began = time.perf_counter()
            with database.transaction() as connection:
                report = rebuild(connection, rule)
            timings.append(time.perf_counter() - began)
            assert report.answers == answers and report.changed == 0, report
        database.close()
    median = statistics.median(timings)
    print(f"rebuild ({args.scheduler}): median {median:.2f} s, min {min(timings):.2f} s, max {max(timings):.2f} s over {args.repeats} runs "
          f"({answers / median / 1e6:.2f} M answers/s); target <= {TARGET_SECONDS:.1f} s: {'met' if median <= TARGET_SECONDS else 'MISSED'}")  # fmt: skip
    return 0 if median <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
