"""Zone minutes, coverage, Seiler shares and TRIMP on hand-made traces."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from transforms.intensity import choose_max_hr, trimp_by_day, zone_minutes_by_day

DAY = date(2026, 5, 4)


def _deltas(hrs: list[float | None], *, sport: str = "running", day: date = DAY,
            athlete: str = "ana", seconds: float = 60.0) -> pl.DataFrame:
    """One sample per heart rate, each crediting `seconds` of moving time."""
    n = len(hrs)
    return pl.DataFrame({
        "athlete_id": [athlete] * n, "local_date": [day] * n, "sport": [sport] * n,
        "moving_s": [seconds] * n, "heart_rate_bpm": hrs,
    }, schema_overrides={"heart_rate_bpm": pl.Float64})


def _settings(model: str, *, max_hr=200.0, resting_hr=50.0, lthr=170.0, sex="male",
              athlete: str = "ana") -> pl.DataFrame:
    return pl.DataFrame({"athlete_id": [athlete], "zone_model": [model], "max_hr": [max_hr],
                         "resting_hr": [resting_hr], "lthr": [lthr], "sex": [sex]})


@pytest.mark.parametrize(
    ("model", "hrs", "settings", "seiler"),
    [
        # % of max 200: 55 -> z1, 65 -> z2, 75 -> z3, 85 -> z4, 92.5 -> z5; Seiler at 80 and
        # 88 %: 55, 65, 75 low, 85 threshold, 92.5 high
        ("hrmax", [110, 130, 150, 170, 185], {}, (3, 1, 1)),
        # % of LTHR 170: 82 -> z1, 88 -> z2, 94 -> z3, 97 -> z4, 101 -> z5; Seiler at 90 and
        # 100 %: 82, 88 low, 94, 97 threshold, 101 high
        ("lthr", [140, 150, 160, 165, 172], {}, (2, 2, 1)),
        # reserve fraction (hr - 50) / 140: .50 z1, .64 z2, .75 z3, .86 z4, .93 z5; Seiler
        # at .72 and .83: .50, .64 low, .75 threshold, .86, .93 high
        ("hrr", [120, 140, 155, 170, 180], {"max_hr": 190.0}, (2, 1, 2)),
    ],
)
def test_one_minute_in_each_zone_under_each_model(model, hrs, settings, seiler) -> None:
    out = zone_minutes_by_day(_deltas([*hrs, None]), _settings(model, **settings)).row(
        0, named=True)
    assert [out[f"z{z}_min"] for z in range(1, 6)] == [1.0] * 5
    assert out["hr_covered_min"] == 5.0
    assert out["hr_coverage_pct"] == pytest.approx(100 * 5 / 6)
    assert (out["seiler_low_share"], out["seiler_threshold_share"],
            out["seiler_high_share"]) == pytest.approx(tuple(m / 5 for m in seiler))
    assert out["high_intensity_min"] == pytest.approx(seiler[2] * 1.0)


def _timed(samples: list[tuple[float, float]]) -> pl.DataFrame:
    """(heart rate bpm, moving seconds) per sample, one running day."""
    n = len(samples)
    return pl.DataFrame({
        "athlete_id": ["ana"] * n, "local_date": [DAY] * n, "sport": ["running"] * n,
        "moving_s": [s for _, s in samples], "heart_rate_bpm": [h for h, _ in samples]})


@pytest.mark.parametrize(
    ("model", "settings", "samples", "minutes"),
    [
        # max 200: first threshold 0.80 x 200 = 160 bpm, second 0.88 x 200 = 176 bpm (on the
        # cut-off is above it). 150 bpm 120 s low; 175 bpm 30 s threshold; 176 bpm 45 s and
        # 185 bpm 90 s high: 135 s = 2.25 min
        ("hrmax", {"max_hr": 200.0}, [(150, 120), (175, 30), (176, 45), (185, 90)],
         (120 / 60, 30 / 60, 135 / 60)),
        # rest 50, max 190: first threshold 50 + 0.72 x 140 = 150.8 bpm, second
        # 50 + 0.83 x 140 = 166.2 bpm. 140 bpm 100 s low; 155 bpm 25 s and 166 bpm 40 s
        # threshold; 167 bpm 20 s and 180 bpm 60 s high: 80 s
        ("hrr", {"max_hr": 190.0, "resting_hr": 50.0},
         [(140, 100), (155, 25), (166, 40), (167, 20), (180, 60)],
         (100 / 60, 65 / 60, 80 / 60)),
        # LTHR 170: first threshold 0.90 x 170 = 153 bpm, second 170 bpm. 150 bpm 60 s low;
        # 153 bpm 10 s and 169 bpm 30 s threshold; 170 bpm 15 s and 176 bpm 75 s high
        ("lthr", {"lthr": 170.0}, [(150, 60), (153, 10), (169, 30), (170, 15), (176, 75)],
         (60 / 60, 40 / 60, 90 / 60)),
    ],
)
def test_minutes_at_each_models_thresholds(model, settings, samples, minutes) -> None:
    out = zone_minutes_by_day(_timed(samples), _settings(model, **settings)).row(0, named=True)
    low, threshold, high = minutes
    covered = sum(s for _, s in samples) / 60
    assert out["hr_covered_min"] == pytest.approx(covered)
    assert out["high_intensity_min"] == pytest.approx(high)
    assert (out["seiler_low_share"], out["seiler_threshold_share"],
            out["seiler_high_share"]) == pytest.approx((low / covered, threshold / covered,
                                                        high / covered))


@pytest.mark.parametrize(("resting_hr", "lthr", "same_as"), [
    (50.0, 170.0, "hrr"),     # both known: heart-rate reserve first
    (50.0, None, "hrr"),
    (None, 170.0, "lthr"),
    (None, None, "hrmax"),
])
def test_auto_uses_the_model_the_settings_allow(resting_hr, lthr, same_as) -> None:
    # 100-190 bpm in steps of 3, a minute each: every zone and Seiler zone of every model
    deltas = _deltas(list(range(100, 191, 3)))
    auto = zone_minutes_by_day(deltas, _settings("auto", resting_hr=resting_hr, lthr=lthr))
    explicit = zone_minutes_by_day(deltas, _settings(same_as, resting_hr=resting_hr,
                                                     lthr=lthr))
    assert auto.equals(explicit)
    others = [m for m in ("hrmax", "hrr", "lthr") if m != same_as and (
        m == "hrmax" or (m == "hrr" and resting_hr) or (m == "lthr" and lthr))]
    for other in others:  # and it differs from the other models on this trace
        assert not auto.equals(zone_minutes_by_day(
            deltas, _settings(other, resting_hr=resting_hr, lthr=lthr)))


def test_a_run_without_heart_rate_has_unknown_zones_not_zero() -> None:
    out = zone_minutes_by_day(_deltas([None, None]), _settings("hrmax")).row(0, named=True)
    assert out["z1_min"] is None and out["seiler_low_share"] is None
    assert out["high_intensity_min"] is None
    assert (out["hr_covered_min"], out["hr_coverage_pct"]) == (0.0, 0.0)


def test_shares_and_zones_never_exceed_the_covered_minutes() -> None:
    # 5 s at 130 bpm (zone 2 of a 190 max), then 5 s and 2 s at 100 (zone 1): 12 s of
    # heart rate, all of it below threshold. Summed apart, zones 1 + 2 came to 0.2 min
    # against 0.19999999999999998 covered, a share of 1.0000000000000002.
    deltas = pl.DataFrame({
        "athlete_id": ["ana"] * 3, "local_date": [DAY] * 3, "sport": ["running"] * 3,
        "moving_s": [5.0, 5.0, 2.0], "heart_rate_bpm": [130.0, 100.0, 100.0]})
    row = zone_minutes_by_day(deltas, _settings("hrmax", max_hr=190.0)).row(0, named=True)
    assert row["hr_covered_min"] == pytest.approx(12 / 60)
    assert row["z2_min"] == pytest.approx(5 / 60)
    assert row["z1_min"] == pytest.approx(7 / 60)
    assert row["seiler_low_share"] == 1.0  # exactly: clipped
    assert (row["seiler_threshold_share"], row["seiler_high_share"]) == (0.0, 0.0)
    assert all(row[f"z{z}_min"] <= row["hr_covered_min"] for z in range(1, 6))
    assert row["hr_coverage_pct"] == 100.0


def test_zones_count_running_only() -> None:
    frame = pl.concat([_deltas([150]), _deltas([150, 150], sport="cycling")])
    out = zone_minutes_by_day(frame, _settings("hrmax")).row(0, named=True)
    assert out["z3_min"] == 1.0 and out["hr_covered_min"] == 1.0


@pytest.mark.parametrize(("sex", "a", "b"), [("male", 0.64, 1.92), ("female", 0.86, 1.67)])
def test_trimp_of_thirty_steady_minutes(sex: str, a: float, b: float) -> None:
    hrr = (155 - 50) / (190 - 50)
    expected = 30 * hrr * a * math.exp(b * hrr)
    frame = pl.concat([_deltas([155.0] * 30, sport="running"), _deltas([None], sport="running")])
    out = trimp_by_day(frame, _settings("hrmax", max_hr=190.0, sex=sex))
    assert out["trimp"].to_list() == [pytest.approx(expected)]


def test_trimp_counts_every_sport_and_days_without_heart_rate_are_absent() -> None:
    frame = pl.concat([_deltas([155.0], sport="cycling"),
                       _deltas([None], day=date(2026, 5, 5))])
    out = trimp_by_day(frame, _settings("hrmax", max_hr=190.0))
    assert out["local_date"].to_list() == [DAY]


def test_max_hr_choice_prefers_config_then_observed_then_formula() -> None:
    steady = pl.Series([150.0] * 50 + [188.0] * 20 + [240.0])
    configured = choose_max_hr(192, steady, 1990, 2026)
    assert (configured.bpm, configured.source) == (192.0, "config")
    observed = choose_max_hr(None, steady, 1990, 2026)
    assert (observed.bpm, observed.source) == (188.0, "observed")
    formula = choose_max_hr(None, pl.Series([], dtype=pl.Float64), 1990, 2026)
    assert (formula.bpm, formula.source) == (220 - 36, "220_minus_age")
    assert choose_max_hr(None, pl.Series([], dtype=pl.Float64), None, 2026).source == "unknown"
