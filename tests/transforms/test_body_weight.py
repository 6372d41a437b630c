"""daily_body_weight on tiny frames; every expected value is worked out by hand below."""

from __future__ import annotations

from datetime import date, time, timedelta

import polars as pl
import pytest

from transforms.body_weight import BODY_FAT_CARRY_DAYS, daily_body_weight

D = date(2024, 3, 1)


def day(n: int) -> date:
    """2024-03-01 + n days."""
    return D + timedelta(days=n)


def calendar(athlete: str, first: int, last: int) -> pl.DataFrame:
    return pl.DataFrame(
        {"athlete_id": athlete, "local_date": [day(n) for n in range(first, last + 1)]}
    )


def measurements(rows: list[tuple[str, int, float | None, float | None]]) -> pl.DataFrame:
    """rows: (athlete_id, day offset, weight_kg, body_fat_pct)."""
    return pl.DataFrame(
        {
            "athlete_id": [r[0] for r in rows],
            "local_date": [day(r[1]) for r in rows],
            "local_time": [time(7, 0)] * len(rows),
            "weight_kg": [r[2] for r in rows],
            "body_fat_pct": [r[3] for r in rows],
            "source": ["fit"] * len(rows),
        },
        schema_overrides={"weight_kg": pl.Float64, "body_fat_pct": pl.Float64},
    )


NO_CONFIG = pl.DataFrame(
    {"athlete_id": [], "weight_kg": []}, schema={"athlete_id": pl.String, "weight_kg": pl.Float64}
)


def by_date(frame: pl.DataFrame, column: str) -> dict[date, object]:
    return dict(zip(frame["local_date"].to_list(), frame[column].to_list(), strict=True))


def test_interpolates_between_weigh_ins_four_days_apart_and_carries_both_ways() -> None:
    # Calendar day 0..7. Day 1: two weigh-ins 69.8 and 70.2 -> mean (69.8 + 70.2)/2 = 70.0.
    # Day 5: 74.0. Four days apart: slope (74 - 70)/4 = 1 kg/day, so
    # day 2 = 70 + 1·1 = 71, day 3 = 70 + 1·2 = 72, day 4 = 70 + 1·3 = 73.
    # Day 0 has nothing before -> first after (day 1) = 70.0, "carried".
    # Days 6, 7 have nothing after -> last before (day 5) = 74.0, "carried".
    cal = calendar("a", 0, 7)
    meas = measurements([("a", 1, 69.8, None), ("a", 1, 70.2, None), ("a", 5, 74.0, None)])
    out = daily_body_weight(cal, meas, NO_CONFIG)

    assert out.height == 8
    assert out["local_date"].to_list() == cal["local_date"].to_list()
    expected_kg = [70.0, 70.0, 71.0, 72.0, 73.0, 74.0, 74.0, 74.0]
    assert out["weight_kg"].to_list() == pytest.approx(expected_kg)
    assert out["weight_source"].to_list() == [
        "carried", "measured", "interpolated", "interpolated", "interpolated",
        "measured", "carried", "carried",
    ]


def test_weigh_ins_outside_the_calendar_anchor_interpolation() -> None:
    # Weigh-ins on day -2 (80.0) and day 2 (78.0), calendar days 0..1 only:
    # slope (78 - 80)/4 = -0.5 kg/day; day 0 = 80 - 0.5·2 = 79.0; day 1 = 80 - 0.5·3 = 78.5.
    out = daily_body_weight(
        calendar("a", 0, 1), measurements([("a", -2, 80.0, None), ("a", 2, 78.0, None)]),
        NO_CONFIG,
    )
    assert out["weight_kg"].to_list() == pytest.approx([79.0, 78.5])
    assert out["weight_source"].to_list() == ["interpolated", "interpolated"]
    assert out.height == 2  # measured days outside the calendar are not added


def test_configured_fallback_unknown_and_no_leak_between_athletes() -> None:
    # "a" has a weigh-in (70.0); "b" has none but a configured 60.0; "c" has neither.
    # "a"'s weigh-in must not reach "b" or "c" (per athlete); "a"'s configured 99.0 loses
    # to its measurement.
    cal = pl.concat([calendar("a", 0, 1), calendar("b", 0, 1), calendar("c", 0, 0)])
    configured = pl.DataFrame(
        {"athlete_id": ["a", "b", "c"], "weight_kg": [99.0, 60.0, None]}
    )
    out = daily_body_weight(cal, measurements([("a", 0, 70.0, None)]), configured)

    assert out.select("athlete_id", "weight_kg", "weight_source").rows() == [
        ("a", 70.0, "measured"),
        ("a", 70.0, "carried"),
        ("b", 60.0, "configured"),
        ("b", 60.0, "configured"),
        ("c", None, "unknown"),
    ]


def test_weightless_body_fat_row_is_not_a_weigh_in() -> None:
    # Day 1 has only a body-fat reading (weight null): the weight there is interpolated
    # between day 0 (60.0) and day 2 (62.0): 60 + (62 - 60)·1/2 = 61.0.
    # Body fat 25 % on day 1 -> FFM = 61.0·(1 - 25/100) = 45.75 kg.
    out = daily_body_weight(
        calendar("a", 0, 2),
        measurements([("a", 0, 60.0, None), ("a", 1, None, 25.0), ("a", 2, 62.0, None)]),
        NO_CONFIG,
    )
    assert by_date(out, "weight_source")[day(1)] == "interpolated"
    assert by_date(out, "weight_kg")[day(1)] == pytest.approx(61.0)
    assert by_date(out, "fat_free_mass_kg")[day(1)] == pytest.approx(45.75)


def test_body_fat_measured_carried_within_28_days_then_null() -> None:
    # Day 0: 80.0 kg and two body-fat readings 19 % and 21 % -> mean 20 %;
    # FFM day 0 = 80·(1 - 0.20) = 64.0 kg. Weight is carried (80.0) to every later day.
    # Body fat is carried up to day 0 + 28 (FFM 64.0), null from day 29 (FFM null).
    # Day -1 (before any body fat) has no body fat: it is never carried backwards.
    assert BODY_FAT_CARRY_DAYS == 28
    meas = measurements([("a", 0, 80.0, 19.0), ("a", 0, None, 21.0)])
    out = daily_body_weight(calendar("a", -1, 29), meas, NO_CONFIG)

    fat = by_date(out, "body_fat_pct")
    source = by_date(out, "body_fat_source")
    ffm = by_date(out, "fat_free_mass_kg")
    assert (fat[day(-1)], source[day(-1)], ffm[day(-1)]) == (None, None, None)
    assert (fat[day(0)], source[day(0)]) == (pytest.approx(20.0), "measured")
    assert ffm[day(0)] == pytest.approx(64.0)
    assert (fat[day(28)], source[day(28)]) == (pytest.approx(20.0), "carried")
    assert ffm[day(28)] == pytest.approx(64.0)
    assert (fat[day(29)], source[day(29)], ffm[day(29)]) == (None, None, None)


def test_body_fat_carry_window_is_a_parameter_and_ffm_uses_the_days_weight() -> None:
    # Window of 1 day. Day 0: 70.0 kg, 20 % -> FFM 56.0. Day 2: 72.0 kg (no fat).
    # Day 1: weight interpolated 71.0, fat carried (1 day old) -> FFM 71·0.8 = 56.8.
    # Day 2: fat is 2 days old > 1 -> null, FFM null.
    meas = measurements([("a", 0, 70.0, 20.0), ("a", 2, 72.0, None)])
    out = daily_body_weight(calendar("a", 0, 2), meas, NO_CONFIG, body_fat_carry_days=1)
    assert out["fat_free_mass_kg"].to_list() == pytest.approx([56.0, 56.8, None])
    assert out["body_fat_source"].to_list() == ["measured", "carried", None]


def test_output_schema_and_calendar_order_kept() -> None:
    cal = pl.DataFrame({"athlete_id": ["b", "a"], "local_date": [day(1), day(0)]})
    out = daily_body_weight(cal, measurements([]), NO_CONFIG)
    assert out.select("athlete_id", "local_date").rows() == [("b", day(1)), ("a", day(0))]
    assert out.schema == pl.Schema(
        {
            "athlete_id": pl.String,
            "local_date": pl.Date,
            "weight_kg": pl.Float64,
            "weight_source": pl.String,
            "body_fat_pct": pl.Float64,
            "body_fat_source": pl.String,
            "fat_free_mass_kg": pl.Float64,
        }
    )
    assert out["weight_source"].to_list() == ["unknown", "unknown"]


def test_duplicate_configured_athlete_is_rejected() -> None:
    configured = pl.DataFrame({"athlete_id": ["a", "a"], "weight_kg": [60.0, 61.0]})
    with pytest.raises(ValueError, match="one row per athlete"):
        daily_body_weight(calendar("a", 0, 0), measurements([]), configured)
