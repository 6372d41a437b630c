"""The transfer functions of the score (`transforms.scoring.score_functions`), checked by hand."""

from __future__ import annotations

import polars as pl
import pytest

from transforms.scoring.score_functions import present_weight, ramp, weighted_mean


def _ramp(values: list[float | None], zero_at: float, full_at: float) -> list[float | None]:
    frame = pl.DataFrame({"x": values}, schema={"x": pl.Float64})
    return frame.select(ramp(pl.col("x"), zero_at, full_at)).to_series().to_list()


@pytest.mark.parametrize(("x", "expected"), [
    (0.0, 0.0), (0.7, 0.0), (0.8, 0.0),
    (0.81, (0.81 - 0.8) / (1.6 - 0.8) * 100),
    (1.2, (1.2 - 0.8) / (1.6 - 0.8) * 100),   # 50
    (1.59, (1.59 - 0.8) / (1.6 - 0.8) * 100),
    (1.6, 100.0), (2.0, 100.0), (10.0, 100.0)])
def test_rising_ramp_at_and_around_its_thresholds(x: float, expected: float) -> None:
    assert _ramp([x], 0.8, 1.6) == [pytest.approx(expected)]


def test_rising_ramp_midpoint_is_50() -> None:
    assert _ramp([1.2], 0.8, 1.6) == [pytest.approx(50.0)]


@pytest.mark.parametrize(("x", "expected"), [
    (0.0, 100.0), (3.9, 100.0), (4.0, 100.0),
    (5.5, (5.5 - 10) / (4 - 10) * 100),      # 75
    (7.0, (7.0 - 10) / (4 - 10) * 100),      # 50
    (9.9, (9.9 - 10) / (4 - 10) * 100),
    (10.0, 0.0), (12.0, 0.0)])
def test_falling_ramp_when_zero_at_is_above_full_at(x: float, expected: float) -> None:
    assert _ramp([x], 10.0, 4.0) == [pytest.approx(expected)]


def test_ramp_clips_to_0_100() -> None:
    got = _ramp([-5.0, -0.1, 0.5, 1.1, 100.0], 0.0, 1.0)
    assert got == [0.0, 0.0, pytest.approx(50.0), 100.0, 100.0]


def test_null_in_gives_null_out() -> None:
    assert _ramp([None, 1.2, None], 0.8, 1.6) == [None, pytest.approx(50.0), None]


def test_ramp_takes_integer_input_and_expression_bounds() -> None:
    frame = pl.DataFrame({"x": [1, 3, 2], "target": [2.0, 2.0, 4.0]},
                         schema={"x": pl.Int32, "target": pl.Float64})
    got = frame.select(ramp(pl.col("x"), 0.0, pl.col("target"))).to_series().to_list()
    assert got == [pytest.approx(1 / 2 * 100), 100.0, pytest.approx(2 / 4 * 100)]


def test_ramp_with_expression_zero_bound() -> None:
    frame = pl.DataFrame({"x": [1.2, 1.2], "floor": [0.8, 1.0]})
    got = frame.select(ramp(pl.col("x"), pl.col("floor"), 1.6)).to_series().to_list()
    assert got == [pytest.approx((1.2 - 0.8) / (1.6 - 0.8) * 100),
                   pytest.approx((1.2 - 1.0) / (1.6 - 1.0) * 100)]


def _mean(rows: dict[str, list[float | None]], weights: dict[str, float]) -> list:
    frame = pl.DataFrame(rows, schema={c: pl.Float64 for c in rows})
    parts = [(pl.col(c), w) for c, w in weights.items()]
    return frame.select(weighted_mean(parts).alias("m"), present_weight(parts).alias("w")
                        ).rows()


def test_weighted_mean_of_all_parts() -> None:
    got = _mean({"a": [80.0], "b": [60.0], "c": [40.0]}, {"a": 0.25, "b": 0.25, "c": 0.5})
    assert got == [(pytest.approx(80 * 0.25 + 60 * 0.25 + 40 * 0.5), pytest.approx(1.0))]


def test_weighted_mean_renormalises_over_present_parts() -> None:
    got = _mean({"a": [80.0], "b": [None], "c": [40.0]}, {"a": 0.25, "b": 0.25, "c": 0.5})
    expected = (80 * 0.25 + 40 * 0.5) / 0.75
    assert got == [(pytest.approx(expected), pytest.approx(0.75))]


def test_weighted_mean_with_unnormalised_weights() -> None:
    got = _mean({"a": [100.0], "b": [0.0]}, {"a": 3.0, "b": 1.0})
    assert got == [(pytest.approx(100 * 3 / 4), pytest.approx(4.0))]


def test_weighted_mean_all_null_is_null() -> None:
    got = _mean({"a": [None], "b": [None]}, {"a": 0.5, "b": 0.5})
    assert got == [(None, 0.0)]


def test_weighted_mean_row_by_row() -> None:
    rows = {"a": [100.0, None, 0.0, None], "b": [50.0, 20.0, None, None]}
    got = _mean(rows, {"a": 0.75, "b": 0.25})
    assert got[0] == (pytest.approx(100 * 0.75 + 50 * 0.25), pytest.approx(1.0))
    assert got[1] == (pytest.approx(20.0), pytest.approx(0.25))
    assert got[2] == (pytest.approx(0.0), pytest.approx(0.75))
    assert got[3] == (None, 0.0)


def test_a_zero_score_is_present_not_missing() -> None:
    got = _mean({"a": [0.0], "b": [100.0]}, {"a": 0.5, "b": 0.5})
    assert got == [(pytest.approx(50.0), pytest.approx(1.0))]
