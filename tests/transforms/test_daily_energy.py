"""Energy per day for known people, computed by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from transforms.daily_energy import daily_energy

ATHLETES = pl.DataFrame({"athlete_id": ["m", "f"], "sex": ["male", "female"],
                         "birth_year": [1990, 1996], "height_cm": [180.0, 165.0]})


def _day(athlete: str, weight: float, ffm: float | None, intake: float | None,
         exercise: float | None, minutes: float | None = 0.0) -> pl.DataFrame:
    return pl.DataFrame({"athlete_id": [athlete], "local_date": [date(2026, 5, 4)],
                         "weight_kg": [weight], "weight_source": ["measured"],
                         "fat_free_mass_kg": [ffm], "intake_kcal": [intake],
                         "exercise_kcal": [exercise], "exercise_min": [minutes]},
                        schema_overrides={"fat_free_mass_kg": pl.Float64,
                                          "intake_kcal": pl.Float64, "exercise_kcal": pl.Float64,
                                          "exercise_min": pl.Float64})


def test_mifflin_without_body_fat_and_balance_by_hand() -> None:
    out = daily_energy(_day("m", 75.0, None, 2900.0, 600.0), ATHLETES).row(0, named=True)
    resting = 10 * 75 + 6.25 * 180 - 5 * 36 + 5  # age 2026 - 1990
    assert (out["resting_kcal"], out["resting_method"]) == (pytest.approx(resting),
                                                            "mifflin_st_jeor")
    assert out["expenditure_kcal"] == pytest.approx(resting * 1.2 + 600)
    assert out["balance_kcal"] == pytest.approx(2900 - (resting * 1.2 + 600))
    assert out["energy_availability_kcal_per_kg_ffm"] is None


def test_cunningham_with_fat_free_mass_and_energy_availability() -> None:
    out = daily_energy(_day("f", 58.0, 47.0, 2100.0, 450.0, 60.0), ATHLETES).row(0, named=True)
    resting = 500 + 22 * 47.0  # 1534 kcal/day
    assert (out["resting_kcal"], out["resting_method"]) == (resting, "cunningham")
    # net exercise: 450 - 1534 / 1440 x 60 = 450 - 63.9 = 386.1 kcal
    assert out["energy_availability_kcal_per_kg_ffm"] == pytest.approx(
        (2100 - (450 - resting / 1440 * 60)) / 47.0)


def test_energy_availability_counts_no_net_exercise_below_resting() -> None:
    # 50 kcal reported for a 60-min walk, below the 63.9 kcal of resting energy in that
    # hour: net exercise energy 0, availability = intake / FFM
    out = daily_energy(_day("f", 58.0, 47.0, 2100.0, 50.0, 60.0), ATHLETES).row(0, named=True)
    assert out["energy_availability_kcal_per_kg_ffm"] == pytest.approx(2100 / 47.0)
    unknown = daily_energy(_day("f", 58.0, 47.0, 2100.0, 450.0, None), ATHLETES)
    assert unknown["energy_availability_kcal_per_kg_ffm"].item() is None


def test_unlogged_day_has_no_balance_and_unknown_exercise_no_expenditure() -> None:
    rest_day = daily_energy(_day("f", 58.0, None, None, 0.0), ATHLETES).row(0, named=True)
    resting = 10 * 58 + 6.25 * 165 - 5 * 30 - 161
    assert rest_day["expenditure_kcal"] == pytest.approx(resting * 1.2)
    assert rest_day["balance_kcal"] is None  # not logged
    unknown = daily_energy(_day("f", 58.0, None, 2000.0, None), ATHLETES).row(0, named=True)
    assert unknown["expenditure_kcal"] is None and unknown["balance_kcal"] is None
