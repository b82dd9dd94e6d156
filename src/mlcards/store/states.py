"""Prompt statuses (mlcards.prompts) in SQL, for queries over `schedule s` with a :today parameter.

Each fragment is the SQL form of one rule of prompts.status_of; tests hold the two equal.
"""

from __future__ import annotations

# Not set aside: neither suspended nor buried past today. Active = its card is in the YAML.
# Written as equalities on active and suspended, the leading columns of ix_schedule_state.
WAITING = "s.active = 1 AND s.suspended = 0 AND (s.buried_until IS NULL OR s.buried_until <= :today)"
IS_LEARNING = "s.redrill_on = :today"
IS_NEW = "s.due IS NULL"
IS_DUE = "s.due IS NOT NULL AND s.due <= :today"

STATUS = """CASE
    WHEN s.suspended THEN 'suspended'
    WHEN s.buried_until > :today THEN 'buried'
    WHEN s.redrill_on = :today THEN 'learning'
    WHEN s.due IS NULL THEN 'new'
    WHEN s.due <= :today THEN 'due'
    ELSE 'review'
END"""
