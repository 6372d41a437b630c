"""warehouse.gx_runner.validate: one result per expectation, in order, with the keys of
offending rows; an expectation that passes within its `mostly` still names its rows (the
runner's cheaper first pass must not drop them)."""

from __future__ import annotations

from datetime import date

import polars as pl

from schemas.expectations import import_gx
from warehouse.gx_runner import validate


def test_results_name_the_rows_of_passing_and_failing_expectations() -> None:
    gx = import_gx()
    days = [date(2026, 5, d) for d in range(1, 5)]
    frame = pl.DataFrame({"athlete_id": ["a", "a", "b", "b"], "local_date": days,
                          "km": [5.0, 400.0, 7.0, None]})
    expectations = [
        gx.expectations.ExpectColumnValuesToBeBetween(column="km", min_value=0, max_value=300),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="km", mostly=0.5),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="athlete_id"),
        gx.expectations.ExpectTableRowCountToEqual(value=4),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="no_such_column"),
    ]
    between, mostly, clean, rows, missing = validate(frame, expectations,
                                                     ["athlete_id", "local_date"])
    # by hand: 400 km is the one value outside 0..300 (the null is not checked)
    assert (between.success, between.unexpected_count) == (False, 1)
    assert between.unexpected_keys == between.failing_keys == [
        {"athlete_id": "a", "local_date": "2026-05-02"}]
    # 1 null of 4 rows: passes with mostly 0.5, and still names its row
    assert (mostly.success, mostly.unexpected_count, mostly.failing_keys) == (True, 1, None)
    assert mostly.unexpected_keys == [{"athlete_id": "b", "local_date": "2026-05-04"}]
    assert (clean.success, clean.unexpected_count, clean.unexpected_keys) == (True, 0, [])
    assert (rows.success, rows.observed_value, rows.columns) == (True, 4, ())
    assert not missing.success and missing.error
    assert [r.expectation for r in (between, mostly, clean, rows, missing)] == [
        "expect_column_values_to_be_between", "expect_column_values_to_not_be_null",
        "expect_column_values_to_not_be_null", "expect_table_row_count_to_equal",
        "expect_column_values_to_not_be_null"]
