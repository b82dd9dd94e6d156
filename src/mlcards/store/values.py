"""How dates and times are written to SQLite: the formats SQLAlchemy's Date and DateTime
types read back, so rows written with plain sqlite3 and through SQLModel are the same."""

from __future__ import annotations

from datetime import UTC, date, datetime


def timestamp(moment: datetime) -> str:
    """An aware moment as UTC text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def day_text(day: date | None) -> str | None:
    return day.isoformat() if day else None


def parse_day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def parse_timestamp(text: str | None) -> datetime | None:
    """UTC text as `timestamp` writes it, back to an aware moment."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None
