"""The score queries on hand-made rows of marts.daily_muscle_balance."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from warehouse.scores import recent_days, recent_verdicts

START = date(2026, 3, 1)


@pytest.fixture
def con():
    """Ten days of athlete `a` (day 4 without a score) and one of `b`."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")  # the columns the queries read (the build makes more)
    con.execute("CREATE TABLE marts.daily_muscle_balance (athlete_id VARCHAR, local_date DATE, "
                "score DOUBLE, band VARCHAR, data_completeness DOUBLE, main_factor VARCHAR, "
                "reasons VARCHAR)")
    rows = [("a", START + timedelta(days=i), None if i == 4 else 50.0 + i,
             None if i == 4 else "moderate", 0.25 if i == 4 else 1.0,
             None if i == 4 else "protein",
             "not enough data: food logs on 1 of 7 days; watch data on 0 of 7 days" if i == 4
             else f"protein {i} g/kg; energy balance -{i} kcal")
            for i in range(10)]
    rows.append(("b", START, 90.0, "low", 0.5, None, "all good"))
    con.executemany("INSERT INTO marts.daily_muscle_balance (athlete_id, local_date, score, "
                    "band, data_completeness, main_factor, reasons) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows)
    yield con
    con.close()


def test_recent_verdicts_are_the_last_days_oldest_first_with_the_first_reason(con) -> None:
    days = recent_verdicts(con, "a", 7)
    assert [d["local_date"] for d in days] == [START + timedelta(days=i) for i in range(3, 10)]
    assert days[0] == {"athlete_id": "a", "local_date": date(2026, 3, 4), "score": 53.0,
                       "band": "moderate", "main_factor": "protein", "data_completeness": 1.0,
                       "main_reason": "protein 3 g/kg"}
    # a day without a score keeps every reason: what was missing
    assert days[1] == {"athlete_id": "a", "local_date": date(2026, 3, 5), "score": None,
                       "band": None, "main_factor": None, "data_completeness": 0.25,
                       "main_reason": "not enough data: food logs on 1 of 7 days; watch "
                                      "data on 0 of 7 days"}
    assert recent_verdicts(con, "b") == [
        {"athlete_id": "b", "local_date": START, "score": 90.0, "band": "low",
         "main_factor": None, "data_completeness": 0.5, "main_reason": "all good"}]
    assert recent_verdicts(con, "nobody") == []


def test_recent_days_are_the_same_days_as_tuples(con) -> None:
    assert recent_days(con, "a", 2) == [
        (date(2026, 3, 9), 58.0, "moderate", 1.0, "protein 8 g/kg"),
        (date(2026, 3, 10), 59.0, "moderate", 1.0, "protein 9 g/kg")]
