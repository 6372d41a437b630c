"""The expectation suites of the published tables, run with Great Expectations on built
frames: a good build passes every suite, and a value planted in each table fails it with
the offending row's keys (never its values)."""

from __future__ import annotations

import json

import polars as pl
import pytest

from schemas.expectations import KEYS, SuiteInputs, calendar_rows, suite
from schemas.marts import MARTS
from schemas.validation import validate
from tests.transforms.test_score_windows import make_facts
from transforms.muscle_balance import daily_muscle_balance, score_days, weekly_muscle_balance

INPUTS = SuiteInputs(low_risk_min_score=70, high_risk_below_score=50)


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    facts = make_facts(28)
    scored = score_days(facts.training, facts.nutrition, facts.energy)
    return {"daily_training": facts.training, "daily_nutrition": facts.nutrition,
            "daily_energy": facts.energy, "daily_muscle_balance": daily_muscle_balance(scored),
            "weekly_muscle_balance": weekly_muscle_balance(scored)}


def _failed(name: str, frame: pl.DataFrame, inputs: SuiteInputs = INPUTS) -> list:
    return [r for r in validate(frame, suite(name, frame, inputs), KEYS[name])
            if not r.success]


def _set(frame: pl.DataFrame, row: int, column: str, value: object) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()) == row).then(pl.lit(value, frame[column].dtype))
        .otherwise(pl.col(column)).alias(column))


@pytest.mark.parametrize("name", list(MARTS))
def test_a_good_build_passes_every_suite(tables, name: str) -> None:
    assert _failed(name, tables[name]) == []


PLANTED = [  # (table, row, column, bad value, the expectation that must catch it)
    ("daily_training", 5, "run_distance_km", 301.0, "expect_column_values_to_be_between"),
    ("daily_training", 6, "z2_min", 2000.0, "expect_column_values_to_be_between"),
    ("daily_nutrition", 7, "protein_g", 801.0, "expect_column_values_to_be_between"),
    ("daily_nutrition", 7, "energy_kcal", 15_001.0, "expect_column_values_to_be_between"),
    ("daily_energy", 8, "weight_kg", 24.0, "expect_column_values_to_be_between"),
    ("daily_muscle_balance", 9, "score", 100.5, "expect_column_values_to_be_between"),
    ("daily_muscle_balance", 10, "band", "high", "expect_column_values_to_be_in_set"),
    ("weekly_muscle_balance", 1, "band", "moderate", "expect_column_values_to_be_in_set"),
    ("weekly_muscle_balance", 2, "score", -1.0, "expect_column_values_to_be_between"),
]


@pytest.mark.parametrize(("name", "row", "column", "value", "expectation"), PLANTED)
def test_a_planted_bad_value_fails_its_suite_naming_the_row(
    tables, name: str, row: int, column: str, value: object, expectation: str,
) -> None:
    frame = _set(tables[name], row, column, value)
    failed = [r for r in _failed(name, frame) if column in r.columns]
    (result,) = [r for r in failed if r.expectation == expectation]
    assert result.unexpected_count == 1
    key = {c: frame[row, c] for c in KEYS[name]}
    expected = {c: v.isoformat() if hasattr(v, "isoformat") else v for c, v in key.items()}
    assert result.unexpected_keys == [expected]
    assert result.observed_value is None  # a column statistic would be a health value
    assert str(value) not in json.dumps(result.settings | {"keys": result.unexpected_keys})


def test_a_zone_above_the_covered_minutes_fails(tables) -> None:
    frame = _set(tables["daily_training"], 3, "z4_min", 500.0)  # covered is 30 min
    failed = {(r.expectation, r.columns) for r in _failed("daily_training", frame)}
    assert ("expect_column_pair_values_a_to_be_greater_than_b",
            ("hr_covered_min", "z4_min")) in failed


def test_a_duplicated_day_fails_the_key_and_the_calendar(tables) -> None:
    frame = tables["daily_energy"]
    doubled = pl.concat([frame, frame[4:5]])
    failed = {r.expectation for r in _failed("daily_energy", doubled)}
    assert {"expect_compound_columns_to_be_unique", "expect_table_row_count_to_equal"} <= failed


def test_a_missing_day_fails_the_calendar(tables) -> None:
    frame = tables["daily_nutrition"].filter(pl.int_range(pl.len()) != 10)
    assert calendar_rows(frame, "daily_nutrition") == 28  # first to last day
    (result,) = _failed("daily_nutrition", frame)
    assert result.expectation == "expect_table_row_count_to_equal"
    assert result.observed_value == 27


def test_fewer_rows_than_the_last_build_fail_unless_allowed(tables) -> None:
    frame = tables["weekly_muscle_balance"]
    more = SuiteInputs(70, 50, previous_rows={"weekly_muscle_balance": frame.height + 1})
    (result,) = _failed("weekly_muscle_balance", frame, more)
    assert result.expectation == "expect_table_row_count_to_be_between"
    allowed = SuiteInputs(70, 50, previous_rows={"weekly_muscle_balance": frame.height + 1},
                          allow_fewer_rows=True)
    assert _failed("weekly_muscle_balance", frame, allowed) == []


def test_a_band_that_contradicts_configured_thresholds_fails(tables) -> None:
    frame = tables["daily_muscle_balance"]  # good days score 100: "low" risk
    stricter = SuiteInputs(low_risk_min_score=100.5, high_risk_below_score=50)
    failed = _failed("daily_muscle_balance", frame, stricter)
    assert [r.settings["value_set"] for r in failed] == [["moderate"]]
    assert failed[0].unexpected_count == frame["score"].is_between(50, 100.5, "left").sum()
