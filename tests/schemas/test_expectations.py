"""The expectation suites of the published tables, run with Great Expectations on built
frames: a good build passes every suite, and a value planted in each table fails it with
the offending row's keys (never its values)."""

from __future__ import annotations

import json
from datetime import timedelta

import polars as pl
import pytest

from schemas.expectations import KEYS, SuiteInputs, calendar_rows, held_back, suite
from schemas.marts import MARTS
from tests.factories import START, concat_facts, make_facts, recovery, recovery_rows
from transforms.scoring.muscle_balance import (
    daily_muscle_balance,
    score_days,
    weekly_muscle_balance,
)
from warehouse.gx_runner import validate

INPUTS = SuiteInputs(low_risk_min_score=70, high_risk_below_score=50)


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    facts = make_facts(28)
    scored = score_days(facts.training, facts.nutrition, facts.energy)
    return {"daily_training": facts.training, "daily_nutrition": facts.nutrition,
            "daily_energy": facts.energy, "daily_muscle_balance": daily_muscle_balance(scored),
            "weekly_muscle_balance": weekly_muscle_balance(scored),
            "daily_recovery": recovery(**recovery_rows(42))}


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
    ("daily_recovery", 3, "sleep_h", 16.5, "expect_column_values_to_be_between"),
    ("daily_recovery", 4, "resting_hr_bpm", 121.0, "expect_column_values_to_be_between"),
    ("daily_recovery", 40, "hrv_7d_mean_ms", 0.5, "expect_column_values_to_be_between"),
    ("daily_recovery", 6, "hrv_measure", "rmssd_ln", "expect_column_values_to_be_in_set"),
    ("daily_recovery", 7, "sleep_source", "whoop", "expect_column_values_to_be_in_set"),
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


def _checked(tables: dict[str, pl.DataFrame]) -> list:
    return [(name, r) for name, frame in tables.items()
            for r in validate(frame, suite(name, frame, INPUTS), KEYS[name])]


@pytest.fixture(scope="module")
def two_athletes() -> dict[str, pl.DataFrame]:
    facts = concat_facts(make_facts(21, athlete="a"), make_facts(21, athlete="b"))
    scored = score_days(facts.training, facts.nutrition, facts.energy)
    return {"daily_training": facts.training, "daily_energy": facts.energy,
            "weekly_muscle_balance": weekly_muscle_balance(scored)}


def _row(frame: pl.DataFrame, athlete: str, i: int) -> int:
    """Position of the i-th row of one athlete."""
    return frame.with_row_index().filter(pl.col("athlete_id") == athlete)["index"][i]


def test_failing_rows_of_one_athlete_hold_back_that_athlete_with_its_days(two_athletes) -> None:
    energy = two_athletes["daily_energy"]
    training = two_athletes["daily_training"]
    weekly = two_athletes["weekly_muscle_balance"]
    planted = {
        "daily_energy": _set(_set(energy, _row(energy, "b", 3), "weight_kg", 400.0),
                             _row(energy, "b", 9), "weight_kg", 20.0),
        "daily_training": _set(training, _row(training, "b", 3), "seiler_high_share", 1.5),
        "weekly_muscle_balance": _set(weekly, _row(weekly, "b", 1), "score", 101.0),
    }
    checked = _checked({**two_athletes, **planted})
    failed = [r for _, r in checked if not r.success]
    assert len(failed) == 3 and all(len(r.failing_keys) >= 1 for r in failed)
    week = weekly.filter(pl.col("athlete_id") == "b").row(1, named=True)
    assert held_back(checked) == {"b": sorted([
        (START + timedelta(days=3)).isoformat(), (START + timedelta(days=9)).isoformat(),
        f"{week['iso_year']}-W{week['iso_week']:02d}"])}
    assert held_back(_checked(two_athletes)) == {}  # nothing failed: nobody held back


def test_more_failing_rows_than_the_examples_name_every_athlete() -> None:
    facts = concat_facts(*[make_facts(7, athlete=a) for a in "abcdefg"])
    frame = facts.energy.with_columns(weight_kg=pl.lit(400.0))  # every row of 7 athletes
    checked = _checked({"daily_energy": frame})
    (result,) = [r for _, r in checked if not r.success]
    assert len(result.unexpected_keys) == 5 and len(result.failing_keys) == 49
    assert sorted(held_back(checked)) == list("abcdefg")


def test_a_failure_about_the_whole_table_holds_back_nobody_but_blocks_all(tables) -> None:
    energy = tables["daily_energy"]
    doubled = pl.concat([energy, energy[4:5]])  # a key twice: uniqueness and calendar
    assert held_back(_checked({"daily_energy": doubled})) is None
    missing = tables["daily_nutrition"].drop("protein_g")  # a column gone: cannot run
    assert held_back(_checked({"daily_nutrition": missing})) is None
    no_athlete = _set(energy, 2, "athlete_id", None)
    assert held_back(_checked({"daily_energy": no_athlete})) is None


@pytest.fixture(scope="module")
def remembered() -> pl.DataFrame:
    """60 good days: from day 41 on, both 28-day means are known (100 each: "same")."""
    facts = make_facts(60)
    return daily_muscle_balance(score_days(facts.training, facts.nutrition, facts.energy))


@pytest.mark.parametrize(("row", "column", "value", "expectation"), [
    (50, "trend_28d", "better", "expect_column_pair_values_a_to_be_greater_than_b"),
    (50, "trend_28d", "worse", "expect_column_pair_values_a_to_be_greater_than_b"),
    (50, "trend_28d", "up", "expect_column_values_to_be_in_set"),
    (50, "trend_28d", None, "expect_column_values_to_not_be_null"),
    (30, "trend_28d", "same", "expect_column_values_to_be_null"),  # no earlier mean
    (50, "score_28d", 100.5, "expect_column_values_to_be_between"),
    (50, "protein_g_per_lb_7d", None, "expect_column_values_to_not_be_null"),
    (50, "protein_g_per_lb_7d", 1.9, "expect_column_pair_values_a_to_be_greater_than_b"),
    (2, "protein_g_per_lb_7d", 0.5, "expect_column_values_to_be_null"),  # no g/kg mean yet
])
def test_a_trend_or_per_pound_value_that_contradicts_its_source_fails(
    remembered, row: int, column: str, value: object, expectation: str,
) -> None:
    assert _failed("daily_muscle_balance", remembered) == []
    assert remembered[50, "trend_28d"] == "same" and remembered[30, "trend_28d"] is None
    assert remembered[50, "protein_g_per_kg_7d"] == pytest.approx(1.8)  # 1.9 g/lb is above
    assert remembered[2, "protein_g_per_kg_7d"] is None
    frame = _set(remembered, row, column, value)
    failed = [r for r in _failed("daily_muscle_balance", frame) if r.expectation == expectation]
    assert [r.unexpected_keys for r in failed] == [[{"athlete_id": "a", "local_date":
                                                     frame[row, "local_date"].isoformat()}]]
