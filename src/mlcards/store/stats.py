"""Read-only statistics over the review log and schedules: heatmap, forecast, retention,
counts by state, and mastery per syllabus area. Plain SQL over indexed columns; no UI here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from mlcards.scheduling.sm2 import PASSING_GRADE
from mlcards.store.database import Database
from mlcards.store.states import STATUS

MATURE_INTERVAL = 21  # days: Anki's line between young and mature cards
RETENTION_WINDOW_DAYS = 30
MASTERY_RETENTION_WINDOW_DAYS = 90
WEAK_MASTERY = 0.5  # below this an area is flagged weak


@dataclass(frozen=True, slots=True)
class Retention:
    """Share of scheduled reviews passed (grade >= 3), split by the interval before the review."""

    young_passed: int
    young_total: int
    mature_passed: int
    mature_total: int

    @property
    def young(self) -> float | None:
        return self.young_passed / self.young_total if self.young_total else None

    @property
    def mature(self) -> float | None:
        return self.mature_passed / self.mature_total if self.mature_total else None


@dataclass(frozen=True, slots=True)
class StateCounts:
    new: int
    learning: int  # awaiting today's same-day re-drill
    young: int
    mature: int
    suspended: int
    buried: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.young + self.mature + self.suspended + self.buried


@dataclass(frozen=True, slots=True)
class AreaMastery:
    area: str
    prompts: int
    seen: int
    mature: int
    retention: float | None  # passed share of scheduled reviews in the last 90 days
    mastery: float  # 0..1: mean of min(interval, 21) / 21 over the area's prompts, new ones counting 0

    @property
    def weak(self) -> bool:
        low_retention = self.retention is not None and self.retention < 0.8
        return self.mastery < WEAK_MASTERY or low_retention


def review_heatmap(database: Database, today: date, days: int = 365) -> dict[date, int]:
    """Answers per study day over the last `days` days (days without answers are absent)."""
    start = today - timedelta(days=days - 1)
    rows = database.connection.execute(
        "SELECT study_day, count(*) FROM review_log WHERE study_day BETWEEN :start AND :today GROUP BY study_day",
        {"start": start.isoformat(), "today": today.isoformat()},
    ).fetchall()
    return {date.fromisoformat(day): count for day, count in rows}


def due_forecast(database: Database, today: date, days: int = 30) -> list[int]:
    """Prompts due on each of the next `days` days; index 0 is today and includes overdue ones.
    A buried prompt counts on the day it comes back, as the review queue shows it (and home counts it)."""
    end = today + timedelta(days=days - 1)
    shown_on = "max(due, :today, coalesce(buried_until, :today))"
    rows = database.connection.execute(
        f"SELECT {shown_on}, count(*) FROM schedule "
        f"WHERE active AND NOT suspended AND due IS NOT NULL AND {shown_on} <= :end GROUP BY {shown_on}",
        {"today": today.isoformat(), "end": end.isoformat()},
    ).fetchall()
    counts = [0] * days
    for day, count in rows:
        counts[(date.fromisoformat(day) - today).days] += count
    return counts


def retention(database: Database, today: date, window_days: int = RETENTION_WINDOW_DAYS) -> Retention:
    start = today - timedelta(days=window_days - 1)
    row = database.connection.execute(
        "SELECT coalesce(sum(interval_before < :mature AND grade >= :pass), 0), coalesce(sum(interval_before < :mature), 0), "
        "coalesce(sum(interval_before >= :mature AND grade >= :pass), 0), coalesce(sum(interval_before >= :mature), 0) "
        "FROM review_log WHERE kind = 'review' AND study_day >= :start",
        {"mature": MATURE_INTERVAL, "pass": PASSING_GRADE, "start": start.isoformat()},
    ).fetchone()
    return Retention(*(int(value) for value in row))


def state_counts(database: Database, today: date) -> StateCounts:
    row = database.connection.execute(
        """
        SELECT coalesce(sum(state = 'new'), 0), coalesce(sum(state = 'learning'), 0),
               coalesce(sum(state = 'young'), 0), coalesce(sum(state = 'mature'), 0),
               coalesce(sum(state = 'suspended'), 0), coalesce(sum(state = 'buried'), 0)
        FROM (SELECT CASE WHEN status IN ('due', 'review') THEN (CASE WHEN interval >= :mature THEN 'mature' ELSE 'young' END)
                          ELSE status END AS state
              FROM (SELECT """
        + STATUS
        + """ AS status, s.interval FROM schedule s WHERE s.active))
        """,
        {"today": today.isoformat(), "mature": MATURE_INTERVAL},
    ).fetchone()
    return StateCounts(*(int(value) for value in row))


def area_of(deck_name: str) -> str:
    """A syllabus area: the top two levels of a deck name ("ML::Generative Models")."""
    return "::".join(deck_name.split("::")[:2])


def mastery_by_area(database: Database, today: date, by: Literal["deck", "source"] = "deck") -> list[AreaMastery]:
    """Mastery per syllabus area (deck name's top two levels) or per card source, weakest first."""
    # Grouped in SQL by deck id (names joined afterwards) or by source: the joins to card and
    # deck per review-log row cost more than the whole aggregation.
    key, join = ("s.deck_id", "") if by == "deck" else ("c.source", "JOIN card c ON c.pk = s.card_pk")
    start = today - timedelta(days=MASTERY_RETENTION_WINDOW_DAYS - 1)
    parameters = {"mature": MATURE_INTERVAL, "pass": PASSING_GRADE, "start": start.isoformat()}
    with database.snapshot() as connection:
        prompts = connection.execute(
            f"SELECT {key}, count(*), sum(s.due IS NOT NULL), sum(s.due IS NOT NULL AND s.interval >= :mature), "
            "sum(CASE WHEN s.due IS NULL THEN 0 ELSE min(s.interval, :mature) END) "
            f"FROM schedule s {join} WHERE s.active AND NOT s.suspended GROUP BY {key}",
            parameters,
        ).fetchall()
        reviews = connection.execute(
            f"SELECT {key}, sum(l.grade >= :pass), count(*) FROM review_log l JOIN schedule s ON s.id = l.schedule_id {join} "
            f"WHERE s.active AND l.kind = 'review' AND l.study_day >= :start GROUP BY {key}",
            parameters,
        ).fetchall()
        deck_names = dict(connection.execute("SELECT id, name FROM deck").fetchall())

    def name_of(value: str) -> str:
        return area_of(deck_names[value]) if by == "deck" else value

    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # prompts, seen, mature, interval days up to mature
    for value, *counts in prompts:
        entry = totals[name_of(value)]
        for index, count in enumerate(counts):
            entry[index] += int(count)
    passed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for value, ok, count in reviews:
        passed[name_of(value)][0] += int(ok)
        passed[name_of(value)][1] += int(count)
    areas = [
        AreaMastery(
            area=name,
            prompts=int(entry[0]),
            seen=int(entry[1]),
            mature=int(entry[2]),
            retention=(passed[name][0] / passed[name][1]) if passed[name][1] else None,
            mastery=entry[3] / MATURE_INTERVAL / entry[0] if entry[0] else 0.0,
        )
        for name, entry in totals.items()
    ]
    return sorted(areas, key=lambda area: (area.mastery, area.area))
