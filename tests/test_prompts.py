"""Prompt statuses are defined once (mlcards.prompts) and the SQL says exactly the same."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import date, timedelta

from mlcards.prompts import PromptStatus, status_of
from mlcards.store.states import STATUS

TODAY = date(2026, 3, 9)
DAYS = [None, TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)]


def test_the_sql_status_agrees_with_the_rule_for_every_combination():
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE schedule (due DATE, suspended BOOLEAN, buried_until DATE, redrill_on DATE)")
    cases = list(itertools.product(DAYS, [False, True], DAYS, DAYS))
    connection.executemany(
        "INSERT INTO schedule VALUES (?, ?, ?, ?)",
        [(d and d.isoformat(), s, b and b.isoformat(), r and r.isoformat()) for d, s, b, r in cases],
    )
    in_sql = [
        row[0] for row in connection.execute(f"SELECT {STATUS} FROM schedule s ORDER BY rowid", {"today": TODAY.isoformat()})
    ]
    assert in_sql == [status_of(d, s, b, r, TODAY).value for d, s, b, r in cases]
    assert set(in_sql) == {status.value for status in PromptStatus}


def test_the_first_rule_that_holds_decides():
    assert status_of(TODAY, True, TODAY + timedelta(days=3), TODAY, TODAY) is PromptStatus.SUSPENDED
    assert status_of(TODAY, False, TODAY + timedelta(days=1), TODAY, TODAY) is PromptStatus.BURIED
    assert status_of(TODAY + timedelta(days=1), False, TODAY, TODAY, TODAY) is PromptStatus.LEARNING
    assert status_of(None, False, None, None, TODAY) is PromptStatus.NEW
    assert status_of(TODAY - timedelta(days=4), False, None, None, TODAY) is PromptStatus.DUE
    assert status_of(TODAY + timedelta(days=4), False, None, None, TODAY) is PromptStatus.REVIEW
