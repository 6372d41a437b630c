"""Physiology expressions on tiny frames, every expected value worked out by hand below.

hypothesis is not installed in this project, so there are no property-based tests; the
zone-monotonicity test sweeps every integer heart rate instead.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal, assert_series_equal

from transforms.physiology import (
    TRIMP_FEMALE_A,
    age_on,
    banister_trimp,
    cunningham_kcal,
    ewma,
    ewma_load,
    fat_free_mass_kg,
    heart_rate_reserve_fraction,
    keytel_kcal_per_min,
    max_hr_observed,
    mifflin_st_jeor_kcal,
    seiler_hrmax,
    seiler_hrr,
    seiler_lthr,
    seiler_zone,
    zone_hrmax,
    zone_hrr,
    zone_lthr,
)

PEOPLE = pl.DataFrame(
    {
        "weight_kg": [70.0, 60.0, None, 70.0],
        "height_cm": [175.0, 165.0, 170.0, 175.0],
        "age_years": [30, 25, 40, 30],
        "sex": ["male", "Female", "male", "unknown"],
    }
)


def values(frame: pl.DataFrame, expr: pl.Expr) -> list:
    return frame.select(expr.alias("out"))["out"].to_list()


# --- Energy --------------------------------------------------------------------------


def test_mifflin_man_woman_and_missing() -> None:
    out = values(PEOPLE, mifflin_st_jeor_kcal("weight_kg", "height_cm", "age_years", "sex"))
    man = 10 * 70 + 6.25 * 175 - 5 * 30 + 5  # 1648.75
    woman = 10 * 60 + 6.25 * 165 - 5 * 25 - 161  # 1345.25
    assert out[:2] == pytest.approx([man, woman])
    assert out[2:] == [None, None]  # null weight; sex neither male nor female


def test_mifflin_overrides_and_literals() -> None:
    out = values(
        pl.DataFrame({"w": [70.0]}),
        mifflin_st_jeor_kcal("w", 175, 30, pl.lit("male"), male_offset=0.0),
    )
    assert out == pytest.approx([10 * 70 + 6.25 * 175 - 5 * 30])


def test_cunningham_and_fat_free_mass() -> None:
    frame = pl.DataFrame(
        {"weight_kg": [70.0, 80.0, None, 70.0], "body_fat_pct": [15.0, 20.0, 15.0, 120.0]}
    )
    ffm = values(frame, fat_free_mass_kg("weight_kg", "body_fat_pct"))
    assert ffm[:2] == pytest.approx([70 * (1 - 0.15), 80 * (1 - 0.20)])  # 59.5, 64.0
    assert ffm[2:] == [None, None]  # null weight; impossible body fat
    ree = values(frame, cunningham_kcal(fat_free_mass_kg("weight_kg", "body_fat_pct")))
    assert ree[:2] == pytest.approx([500 + 22 * 59.5, 500 + 22 * 64.0])  # 1809, 1908
    assert ree[2:] == [None, None]


def test_keytel_man_woman_clip_and_missing() -> None:
    frame = pl.DataFrame(
        {
            "hr": [150, 150, 40, None, 150],
            "weight_kg": [70.0, 60.0, 70.0, 70.0, 70.0],
            "age_years": [30, 25, 30, 30, 30],
            "sex": ["male", "female", "male", "male", None],
        }
    )
    out = values(frame, keytel_kcal_per_min("hr", "weight_kg", "age_years", "sex"))
    man_kj = -55.0969 + 0.6309 * 150 + 0.1988 * 70 + 0.2017 * 30  # 59.5031 kJ/min
    woman_kj = -20.4022 + 0.4472 * 150 - 0.1263 * 60 + 0.074 * 25  # 40.9498 kJ/min
    assert out[0] == pytest.approx(man_kj / 4.184)  # ≈ 14.22 kcal/min
    assert out[1] == pytest.approx(woman_kj / 4.184)  # ≈ 9.79 kcal/min
    # HR 40: -55.0969 + 25.236 + 13.916 + 6.051 < 0 kJ/min → clipped to 0
    assert -55.0969 + 0.6309 * 40 + 0.1988 * 70 + 0.2017 * 30 < 0
    assert out[2] == 0.0
    assert out[3:] == [None, None]


# --- Heart rate ----------------------------------------------------------------------


def test_heart_rate_reserve_fraction_clips_and_guards() -> None:
    frame = pl.DataFrame(
        {
            "hr": [120, 40, 210, None, 120],
            "rest": [50, 50, 50, 50, 190],
            "max": [190, 190, 190, 190, 190],
        }
    )
    out = values(frame, heart_rate_reserve_fraction("hr", "rest", "max"))
    assert out[:3] == pytest.approx([(120 - 50) / (190 - 50), 0.0, 1.0])
    assert out[3] is None and out[4] is None  # null HR; max not above rest


def steady_trace(seconds: int, hr: int, sex: str) -> pl.DataFrame:
    return pl.DataFrame(
        {"hr": [hr] * seconds, "rest": 50, "max": 190, "sex": sex, "minutes": 1 / 60}
    )


@pytest.mark.parametrize(
    ("sex", "a", "b"),
    [("male", 0.64, 1.92), ("female", 0.86, 1.67)],
)
def test_trimp_30_minute_steady_run(sex: str, a: float, b: float) -> None:
    hrr = (150 - 50) / (190 - 50)  # 0.714
    expected = 30 * hrr * a * math.exp(b * hrr)  # male ≈ 54.2, female ≈ 60.1
    trace = steady_trace(30 * 60, 150, sex)
    per_sample = trace.select(
        banister_trimp("minutes", "hr", "rest", "max", "sex").sum()
    ).item()
    assert per_sample == pytest.approx(expected)
    per_session = values(
        pl.DataFrame({"sex": [sex]}), banister_trimp(30, 150, 50, 190, "sex")
    )
    assert per_session == pytest.approx([expected])


def test_trimp_female_multiplier_is_configurable() -> None:
    assert TRIMP_FEMALE_A == 0.86
    hrr = 100 / 140
    out = values(
        pl.DataFrame({"sex": ["female"]}),
        banister_trimp(30, 150, 50, 190, "sex", female_multiplier=0.64),  # GoldenCheetah
    )
    assert out == pytest.approx([30 * hrr * 0.64 * math.exp(1.67 * hrr)])


def test_trimp_nulls_stay_null() -> None:
    frame = pl.DataFrame(
        {
            "minutes": [1.0, None, 1.0, 1.0],
            "hr": [None, 150, 150, 150],
            "sex": ["male", "male", None, "other"],
        }
    )
    assert values(frame, banister_trimp("minutes", "hr", 50, 190, "sex")) == [None] * 4


# 60 one-second samples: 5 s at 100, 15 at 119, 8 at 120, 12 at 150, 9 at 170, 11 at 185.
TRACE = pl.DataFrame(
    {"hr": [100] * 5 + [119] * 15 + [120] * 8 + [150] * 12 + [170] * 9 + [185] * 11}
)


def zone_seconds(zone: pl.Expr) -> dict[int, int]:
    counts = TRACE.group_by(zone.alias("zone")).len()
    return {row["zone"]: row["len"] for row in counts.iter_rows(named=True)}


def test_zone_seconds_hrmax() -> None:
    # max 200: 100→50 %, 119→59.5 %: z1; 120→60 %: z2; 150→75 %: z3; 170→85 %: z4;
    # 185→92.5 %: z5
    assert zone_seconds(zone_hrmax("hr", 200)) == {1: 5 + 15, 2: 8, 3: 12, 4: 9, 5: 11}


def test_zone_seconds_hrr() -> None:
    # rest 50, max 200 → reserve 150: 100→.33, 119→.46, 120→.47 z1; 150→.67 z2;
    # 170→120/150 = .80 z4 (on the bound); 185→135/150 = .90 z5 (on the bound)
    assert zone_seconds(zone_hrr("hr", 50, 200)) == {1: 5 + 15 + 8, 2: 12, 4: 9, 5: 11}


def test_zone_seconds_lthr() -> None:
    # LTHR 170: 100→59 %, 119→70 %, 120→71 % z1; 150→88 % z2; 170→100 %, 185→109 % z5
    assert zone_seconds(zone_lthr("hr", 170)) == {1: 5 + 15 + 8, 2: 12, 5: 9 + 11}


@pytest.mark.parametrize(
    ("hr", "zone"),
    [(169, 1), (170, 2), (179, 2), (180, 3), (189, 3), (190, 4), (199, 4), (200, 5)],
)
def test_friel_lthr_bounds(hr: int, zone: int) -> None:
    # LTHR 200: 84.5 % z1, 85 % z2, 89.5 % z2, 90 % z3, 94.5 % z3, 95 % z4, 99.5 % z4, 100 % z5
    assert values(pl.DataFrame({"hr": [hr]}), zone_lthr("hr", 200)) == [zone]


@pytest.mark.parametrize(
    "zone",
    [zone_hrmax("hr", 190), zone_hrr("hr", 50, 190), zone_lthr("hr", 170)],
    ids=["hrmax", "hrr", "lthr"],
)
def test_zones_are_int8_monotonic_and_null_for_null_hr(zone: pl.Expr) -> None:
    sweep = pl.DataFrame({"hr": [*range(0, 251), None]}, schema={"hr": pl.Int64})
    out = sweep.select(zone.alias("zone"))["zone"]
    assert out.dtype == pl.Int8
    assert out[-1] is None
    known = out[:-1]
    assert known.null_count() == 0
    assert known.min() == 1 and known.max() == 5
    assert (known.diff().drop_nulls() >= 0).all()


def test_zones_null_when_reference_missing() -> None:
    frame = pl.DataFrame({"hr": [150, 150], "ref": [None, 0]}, schema_overrides={"ref": pl.Int64})
    assert values(frame, zone_hrmax("hr", "ref")) == [None, None]
    assert values(frame, zone_lthr("hr", "ref")) == [None, None]
    assert values(frame, zone_hrr("hr", 50, "ref")) == [None, None]


def test_zone_bounds_must_increase() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        zone_hrmax("hr", 190, bounds=(0.6, 0.8, 0.7, 0.9))


def test_seiler_zone_mapping() -> None:
    frame = pl.DataFrame({"z": [1, 2, 3, 4, 5, None]}, schema={"z": pl.Int8})
    assert values(frame, seiler_zone("z")) == [
        "low", "low", "threshold", "high", "high", None
    ]
    assert values(TRACE, seiler_zone(zone_hrmax("hr", 200))).count("low") == 5 + 15 + 8


# --- Load ----------------------------------------------------------------------------


def test_ewma_five_days_by_hand() -> None:
    loads = [100.0, 0.0, 50.0, 0.0, 80.0]
    lam = 2 / (7 + 1)  # 0.25
    e1 = 100.0
    e2 = lam * 0.0 + (1 - lam) * e1  # 75
    e3 = lam * 50.0 + (1 - lam) * e2  # 68.75
    e4 = lam * 0.0 + (1 - lam) * e3  # 51.5625
    e5 = lam * 80.0 + (1 - lam) * e4  # 58.671875
    out = values(pl.DataFrame({"load": loads}), ewma("load", 7))
    assert out == pytest.approx([e1, e2, e3, e4, e5])


def test_ewma_null_day_stays_null() -> None:
    out = values(pl.DataFrame({"load": [100.0, None, 50.0]}), ewma("load", 7))
    assert out[0] == 100.0 and out[1] is None and out[2] is not None


def test_ewma_load_per_athlete_in_date_order_keeps_row_order() -> None:
    days = [date(2025, 1, d) for d in (1, 2, 3)]
    frame = pl.DataFrame(
        {
            "athlete_id": ["b", "a", "a", "b", "a", "b"],
            "day": [days[2], days[1], days[0], days[0], days[2], days[1]],
            "trimp": [30.0, 0.0, 40.0, 90.0, 20.0, 60.0],
        }
    )
    lam = 2 / (3 + 1)  # 0.5
    a1 = 40.0
    a2 = lam * 0.0 + (1 - lam) * a1  # 20
    a3 = lam * 20.0 + (1 - lam) * a2  # 20
    b1 = 90.0
    b2 = lam * 60.0 + (1 - lam) * b1  # 75
    b3 = lam * 30.0 + (1 - lam) * b2  # 52.5
    out = ewma_load(frame, "day", "trimp", 3)
    expected = frame.with_columns(trimp_ewma_3d=pl.Series([b3, a2, a1, b1, a3, b2]))
    assert_frame_equal(out, expected)


def test_ewma_load_single_athlete_and_name() -> None:
    frame = pl.DataFrame(
        {"day": [date(2025, 1, 2), date(2025, 1, 1)], "trimp": [0.0, 10.0]}
    )
    out = ewma_load(frame, "day", "trimp", 1, by=None, name="acute")
    assert_series_equal(out["acute"], pl.Series("acute", [0.0, 10.0]))  # λ = 1: no memory


@pytest.mark.parametrize(
    "days",
    [
        [date(2025, 1, 1), date(2025, 1, 3)],  # gap: 2 January missing
        [date(2025, 1, 1), date(2025, 1, 1)],  # duplicate day
    ],
    ids=["gap", "duplicate"],
)
def test_ewma_load_rejects_unfilled_days(days: list[date]) -> None:
    frame = pl.DataFrame({"athlete_id": ["a", "a"], "day": days, "trimp": [1.0, 2.0]})
    with pytest.raises(ValueError, match="one row per day"):
        ewma_load(frame, "day", "trimp", 7)


# --- Athlete facts -------------------------------------------------------------------


def test_max_hr_observed_ignores_single_spike() -> None:
    samples = [150.0] * 60 + [160.0] * 60
    samples[90] = 225.0  # one plausible-looking spike
    samples[100] = 250.0  # one implausible spike
    assert max_hr_observed(pl.Series(samples)) == 160.0


def test_max_hr_observed_ignores_short_burst_but_keeps_sustained_effort() -> None:
    burst = [160.0] * 60 + [205.0] * 4 + [160.0] * 60  # 4 samples < half of 10
    assert max_hr_observed(pl.Series(burst)) == 160.0
    sustained = [160.0] * 60 + [185.0] * 20 + [160.0] * 60
    assert max_hr_observed(pl.Series(sustained)) == 185.0


def test_max_hr_observed_needs_enough_plausible_samples() -> None:
    assert max_hr_observed(pl.Series([90.0] * 500 + [170.0] * 59)) is None  # 59 < 60
    assert max_hr_observed(pl.Series([170.0] * 59), min_samples=10) == 170.0
    assert max_hr_observed(pl.Series([None] * 100, dtype=pl.Float64)) is None


def test_age_on_uses_year_difference() -> None:
    frame = pl.DataFrame(
        {
            "birth_year": [1990, 1990, None],
            "day": [date(2025, 1, 1), date(2025, 12, 31), date(2025, 6, 1)],
        }
    )
    assert values(frame, age_on("birth_year", "day")) == [2025 - 1990, 2025 - 1990, None]
    assert values(frame, age_on("birth_year", datetime(2030, 5, 1, 7))) == [40, 40, None]


def test_seiler_zones_from_each_models_cut_offs() -> None:
    frame = pl.DataFrame({"hr": [159.0, 160.0, 175.0, 176.0, None]})
    # max 200: 0.80 x 200 = 160 and 0.88 x 200 = 176 bpm, a value on a cut-off above it
    assert values(frame, seiler_hrmax("hr", 200.0)) == [
        "low", "threshold", "threshold", "high", None]
    # rest 60, max 200: 60 + 0.72 x 140 = 160.8 and 60 + 0.83 x 140 = 176.2 bpm
    assert values(frame, seiler_hrr("hr", 60.0, 200.0)) == [
        "low", "low", "threshold", "threshold", None]
    # LTHR 176: 0.90 x 176 = 158.4 and 176 bpm
    assert values(frame, seiler_lthr("hr", 176.0)) == [
        "threshold", "threshold", "threshold", "high", None]
    # settings that cannot place a heart rate give no zone, never "low"
    assert values(frame, seiler_hrr("hr", 200.0, 200.0)) == [None] * 5
    assert values(frame, seiler_lthr("hr", 0.0)) == [None] * 5
    with pytest.raises(ValueError, match="increasing"):
        seiler_hrmax("hr", 200.0, cutoffs=(0.88, 0.80))
