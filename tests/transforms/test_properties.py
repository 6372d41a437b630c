"""Properties of the daily facts over random traces (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.intensity import zone_minutes_by_day
from transforms.running_volume import running_by_day, sample_deltas

DAY = date(2026, 5, 4)
T0 = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)

heart_rates = st.lists(st.one_of(st.none(), st.floats(60, 210)), min_size=1, max_size=60)
gaps = st.lists(st.integers(1, 40), min_size=1, max_size=60)
models = st.sampled_from(["hrmax", "hrr", "lthr"])


def _trace(steps: list[int], hrs: list[float | None], sha: str = "f",
           distance_step: float | None = 3.0) -> pl.DataFrame:
    n = min(len(steps), len(hrs))
    seconds = [sum(steps[:i]) for i in range(n)]
    return pl.DataFrame({
        "athlete_id": ["a"] * n, "source_sha256": [sha] * n, "segment": [0] * n,
        "timestamp_utc": [T0 + timedelta(seconds=s) for s in seconds],
        "distance_m": [None if distance_step is None else i * distance_step for i in range(n)],
        "altitude_m": [100.0] * n, "heart_rate_bpm": hrs[:n],
        "local_date": [DAY] * n, "sport": ["running"] * n,
    }, schema_overrides={"distance_m": pl.Float64, "heart_rate_bpm": pl.Float64})


SETTINGS = {m: pl.DataFrame({"athlete_id": ["a"], "zone_model": [m], "max_hr": [195.0],
                             "resting_hr": [48.0], "lthr": [168.0], "sex": ["female"]})
            for m in ("hrmax", "hrr", "lthr")}


@settings(max_examples=60, deadline=None)
@given(gaps, heart_rates, models)
def test_zone_minutes_are_never_negative_nor_above_covered_minutes(steps, hrs, model) -> None:
    out = zone_minutes_by_day(sample_deltas(_trace(steps, hrs)), SETTINGS[model])
    row = out.row(0, named=True)
    zones = [row[f"z{z}_min"] for z in range(1, 6)]
    if row["hr_covered_min"] == 0:
        assert zones == [None] * 5  # no heart rate: unknown, not zero
        return
    assert all(z >= 0 for z in zones)
    assert sum(zones) <= row["hr_covered_min"] + 1e-9
    assert abs(sum(zones) - row["hr_covered_min"]) < 1e-9
    assert 0 <= row["hr_coverage_pct"] <= 100


@settings(max_examples=60, deadline=None)
@given(gaps, heart_rates, gaps)
def test_adding_a_run_never_lowers_the_days_distance(steps, hrs, more) -> None:
    first = _trace(steps, hrs, "one")
    second = _trace(more, [150.0] * len(more), "two")
    alone = running_by_day(sample_deltas(first)).row(0, named=True)
    both = running_by_day(sample_deltas(pl.concat([first, second]))).row(0, named=True)
    # Sums over more samples are taken in another order: equal sums may differ in the last
    # bits (0.38333333333333330 against 0.38333333333333336), which is not a loss.
    assert both["run_distance_km"] >= alone["run_distance_km"] * (1 - 1e-12)
    assert both["run_moving_min"] >= alone["run_moving_min"] * (1 - 1e-12)
    assert both["run_sessions"] == alone["run_sessions"] + 1


@settings(max_examples=40, deadline=None)
@given(gaps, heart_rates)
def test_unknown_distance_stays_null(steps, hrs) -> None:
    out = running_by_day(sample_deltas(_trace(steps, hrs, distance_step=None)))
    assert out["run_distance_km"].to_list() == [None]
