"""daily_nutrition on tiny frames; every expected value is worked out by hand below."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from transforms.body_weight import daily_body_weight
from transforms.daily_nutrition import MEAL_PROTEIN_G_PER_KG, MIN_LOGGED_KCAL, daily_nutrition

D = date(2024, 3, 1)
EXPORT_1 = datetime(2024, 3, 10, 8, 0, tzinfo=UTC)
EXPORT_2 = datetime(2024, 3, 12, 8, 0, tzinfo=UTC)  # newer

SCHEMA = {
    "athlete_id": pl.String,
    "local_date": pl.Date,
    "local_time": pl.Time,
    "meal": pl.String,
    "food": pl.String,
    "energy_kcal": pl.Float64,
    "protein_g": pl.Float64,
    "carbohydrate_g": pl.Float64,
    "fat_g": pl.Float64,
    "fiber_g": pl.Float64,
    "grain": pl.String,
    "source_format": pl.String,
    "source_sha256": pl.String,
    "source_row": pl.Int32,
    "exported_at": pl.Datetime("us", "UTC"),
}


def day(n: int) -> date:
    return D + timedelta(days=n)


def entry(
    n: int,
    fmt: str,
    grain: str,
    meal: str | None,
    kcal: float | None,
    protein: float | None,
    carb: float | None = None,
    fat: float | None = None,
    fiber: float | None = None,
    exported_at: datetime = EXPORT_1,
    athlete: str = "a",
) -> dict[str, object]:
    return {
        "athlete_id": athlete, "local_date": day(n), "local_time": None, "meal": meal,
        "food": None if grain == "day" else "food", "energy_kcal": kcal, "protein_g": protein,
        "carbohydrate_g": carb, "fat_g": fat, "fiber_g": fiber, "grain": grain,
        "source_format": fmt, "source_sha256": f"{fmt}-{exported_at:%d}", "source_row": 1,
        "exported_at": exported_at,
    }


def entries(*rows: dict[str, object]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA)


def weights(values: dict[int, float | None], athlete: str = "a") -> pl.DataFrame:
    return pl.DataFrame(
        {"athlete_id": athlete, "local_date": [day(n) for n in values],
         "weight_kg": list(values.values()), "weight_source": "measured"},
        schema_overrides={"weight_kg": pl.Float64},
    )


def row(frame: pl.DataFrame, n: int, athlete: str = "a") -> dict[str, object]:
    found = frame.filter((pl.col("athlete_id") == athlete) & (pl.col("local_date") == day(n)))
    assert found.height == 1
    return found.row(0, named=True)


def test_constants_are_the_documented_defaults() -> None:
    assert MEAL_PROTEIN_G_PER_KG == 0.4  # Schoenfeld & Aragon 2018
    assert MIN_LOGGED_KCAL == 800.0


def test_unlogged_day_is_null_not_zero() -> None:
    # Day 0 has no rows at all; day 1 is logged. Day 0: every amount null, logged False,
    # incomplete null, no source.
    out = daily_nutrition(
        entries(entry(1, "cronometer_servings", "entry", "Lunch", 900.0, 40.0)),
        weights({0: 70.0, 1: 70.0}),
    )
    assert out.height == 2
    d0 = row(out, 0)
    for column in ("energy_kcal", "protein_g", "carbohydrate_g", "fat_g", "fiber_g",
                   "protein_g_per_kg", "carbohydrate_g_per_kg", "meals_logged",
                   "meals_reaching_protein_target", "incomplete", "nutrition_source",
                   "nutrition_sources_available"):
        assert d0[column] is None, column
    assert d0["logged"] is False
    assert row(out, 1)["logged"] is True


def test_entry_grain_beats_newer_day_summary_never_summed() -> None:
    # Day 0, athlete 70 kg -> per-meal target 0.4·70 = 28.0 g.
    # Cronometer servings (entry grain, exported first):
    #   Breakfast: 300 kcal/10 g + 250 kcal/18 g protein -> meal protein 10 + 18 = 28 >= 28 yes
    #   Lunch:     700 kcal/25 g                          -> 25 < 28 no
    #   Dinner:    900 kcal/45 g                          -> 45 >= 28 yes
    #   no meal:   150 kcal/5 g  (counts in the day, belongs to no meal)
    # Cronometer dailysummary (day grain, exported LATER) 3000 kcal / 200 g: must lose to the
    # finer grain, and must not be added.
    # energy = 300 + 250 + 700 + 900 + 150 = 2300 kcal; protein = 10+18+25+45+5 = 103 g;
    # protein/kg = 103/70 = 1.4714...; meals_logged = 3; reaching target = 2.
    ent = entries(
        entry(0, "cronometer_servings", "entry", "Breakfast", 300.0, 10.0),
        entry(0, "cronometer_servings", "entry", "Breakfast", 250.0, 18.0),
        entry(0, "cronometer_servings", "entry", "Lunch", 700.0, 25.0),
        entry(0, "cronometer_servings", "entry", "Dinner", 900.0, 45.0),
        entry(0, "cronometer_servings", "entry", None, 150.0, 5.0),
        entry(0, "cronometer_dailysummary", "day", None, 3000.0, 200.0, exported_at=EXPORT_2),
    )
    d0 = row(daily_nutrition(ent, weights({0: 70.0})), 0)
    assert d0["nutrition_source"] == "cronometer_servings"
    assert d0["nutrition_grain"] == "entry"
    assert d0["nutrition_sources_available"] == "cronometer_dailysummary,cronometer_servings"
    assert d0["energy_kcal"] == pytest.approx(2300.0)
    assert d0["protein_g"] == pytest.approx(103.0)
    assert d0["protein_g_per_kg"] == pytest.approx(103.0 / 70.0)
    assert d0["meals_logged"] == 3
    assert d0["meals_reaching_protein_target"] == 2
    assert d0["logged"] is True
    assert d0["incomplete"] is False  # 2300 >= 800


def test_same_grain_newest_export_wins_then_format_name() -> None:
    # Day 0: MyFitnessPal (entry, exported 2024-03-12) vs Cronometer (entry, 2024-03-10):
    # the newer MyFitnessPal wins -> 1800 kcal, not 1800 + 2000 = 3800.
    # Day 1: both exported at the same instant -> alphabetical: "cronometer_servings" <
    # "myfitnesspal" -> 2100 kcal.
    ent = entries(
        entry(0, "myfitnesspal", "entry", "Lunch", 1800.0, 90.0, exported_at=EXPORT_2),
        entry(0, "cronometer_servings", "entry", "Lunch", 2000.0, 100.0),
        entry(1, "myfitnesspal", "entry", "Lunch", 1900.0, 95.0),
        entry(1, "cronometer_servings", "entry", "Lunch", 2100.0, 105.0),
    )
    out = daily_nutrition(ent, weights({0: 70.0, 1: 70.0}))
    assert (row(out, 0)["nutrition_source"], row(out, 0)["energy_kcal"]) == (
        "myfitnesspal", pytest.approx(1800.0))
    assert (row(out, 1)["nutrition_source"], row(out, 1)["energy_kcal"]) == (
        "cronometer_servings", pytest.approx(2100.0))
    assert row(out, 1)["nutrition_sources_available"] == "cronometer_servings,myfitnesspal"


def test_precedence_is_a_parameter() -> None:
    # Preferring the day grain picks the daily summary (2500 kcal) over the servings (2000).
    ent = entries(
        entry(0, "cronometer_servings", "entry", "Lunch", 2000.0, 100.0),
        entry(0, "cronometer_dailysummary", "day", None, 2500.0, 120.0),
    )
    d0 = row(daily_nutrition(ent, weights({0: 70.0}), precedence=("day", "meal", "entry")), 0)
    assert (d0["nutrition_source"], d0["energy_kcal"]) == ("cronometer_dailysummary", 2500.0)
    assert d0["meals_logged"] is None  # day grain: meals unknown
    with pytest.raises(ValueError, match="distinct grains"):
        daily_nutrition(ent, weights({0: 70.0}), precedence=("entry", "entry"))


def test_per_kg_with_interpolated_weight() -> None:
    # Weigh-ins: day 0 = 70.0 kg, day 4 = 74.0 kg (4 days apart) -> day 2 interpolated
    # 70 + (74 - 70)·2/4 = 72.0 kg.
    # Day 2 food: protein 60 + 84 = 144 g -> 144/72 = 2.0 g/kg; carbohydrate 150 + 210 =
    # 360 g -> 360/72 = 5.0 g/kg. Meal target 0.4·72 = 28.8 g: Breakfast 60 yes, Dinner 84
    # yes -> 2 of 2.
    calendar = pl.DataFrame({"athlete_id": "a", "local_date": [day(n) for n in range(5)]})
    measured = pl.DataFrame(
        {"athlete_id": ["a", "a"], "local_date": [day(0), day(4)], "local_time": [None, None],
         "weight_kg": [70.0, 74.0], "body_fat_pct": [None, None], "source": ["fit", "fit"]},
        schema_overrides={"local_time": pl.Time, "body_fat_pct": pl.Float64},
    )
    configured = pl.DataFrame({"athlete_id": ["a"], "weight_kg": [None]},
                              schema_overrides={"weight_kg": pl.Float64})
    body = daily_body_weight(calendar, measured, configured)
    ent = entries(
        entry(2, "myfitnesspal", "entry", "Breakfast", 900.0, 60.0, carb=150.0),
        entry(2, "myfitnesspal", "entry", "Dinner", 1200.0, 84.0, carb=210.0),
    )
    out = daily_nutrition(ent, body)
    assert out.height == 5
    d2 = row(out, 2)
    assert row(body, 2)["weight_source"] == "interpolated"
    assert d2["protein_g_per_kg"] == pytest.approx(2.0)
    assert d2["carbohydrate_g_per_kg"] == pytest.approx(5.0)
    assert d2["meals_reaching_protein_target"] == 2


def test_meals_reaching_target_scales_with_parameter_and_needs_weight() -> None:
    # 60 kg: default target 0.4·60 = 24 g -> meals 30 g and 24 g reach it (24 >= 24), 20 g
    # does not -> 2. With 0.55 g/kg: 0.55·60 = 33 g -> none reach it -> 0 (not null).
    # Unknown weight (day 1) -> per-kg and meals reaching target null, meals_logged still 3.
    ent = entries(
        *(entry(n, "myfitnesspal", "entry", m, 600.0, p)
          for n in (0, 1) for m, p in (("Breakfast", 30.0), ("Lunch", 24.0), ("Dinner", 20.0)))
    )
    w = weights({0: 60.0, 1: None})
    out = daily_nutrition(ent, w)
    assert row(out, 0)["meals_reaching_protein_target"] == 2
    assert row(out, 1)["meals_logged"] == 3
    assert row(out, 1)["meals_reaching_protein_target"] is None
    assert row(out, 1)["protein_g_per_kg"] is None
    strict = daily_nutrition(ent, w, meal_protein_g_per_kg=0.55)
    assert row(strict, 0)["meals_reaching_protein_target"] == 0


def test_very_low_intake_flag_threshold_and_parameter() -> None:
    # Day 0: 400 + 300 = 700 kcal < 800 -> very low (kept: not incomplete). Day 1: 800 kcal,
    # not < 800 -> not very low. Day 2 not logged: both flags null.
    # With min_logged_kcal=750: day 0 700 < 750 still very low; with 900: both very low.
    ent = entries(
        entry(0, "cronometer_dailysummary", "day", None, 400.0, 20.0),
        entry(0, "cronometer_dailysummary", "day", None, 300.0, 20.0),
        entry(1, "cronometer_dailysummary", "day", None, 800.0, 40.0),
    )
    w = weights({0: 70.0, 1: 70.0, 2: 70.0})
    out = daily_nutrition(ent, w)
    assert row(out, 0)["energy_kcal"] == pytest.approx(700.0)
    assert [row(out, n)["very_low_intake"] for n in range(3)] == [True, False, None]
    assert [row(out, n)["incomplete"] for n in range(3)] == [False, False, None]
    assert [row(out, n)["incomplete_source"] for n in range(3)] == [None, None, None]
    high = daily_nutrition(ent, w, min_logged_kcal=900.0)
    assert [row(high, n)["very_low_intake"] for n in range(2)] == [True, True]
    low = daily_nutrition(ent, w, min_logged_kcal=750.0)
    assert [row(low, n)["very_low_intake"] for n in range(2)] == [True, False]


def test_days_the_config_marks_incomplete_are_incomplete_whatever_their_intake() -> None:
    # Listed: day 0 (700 kcal), day 1 (2000 kcal), day 3 (not logged) for athlete "a"; day 2
    # (700 kcal) is not listed, and athlete "b"'s day 0 (700 kcal) is not listed either.
    ent = entries(
        entry(0, "myfitnesspal", "meal", "Lunch", 700.0, 30.0),
        entry(1, "myfitnesspal", "meal", "Lunch", 2000.0, 90.0),
        entry(2, "myfitnesspal", "meal", "Lunch", 700.0, 30.0),
        entry(0, "myfitnesspal", "meal", "Lunch", 700.0, 30.0, athlete="b"),
    )
    cal = pl.concat([weights({0: 70.0, 1: 70.0, 2: 70.0, 3: 70.0}),
                     weights({0: 60.0}, athlete="b")])
    listed = pl.DataFrame({"athlete_id": ["a", "a", "a", "a"],
                           "local_date": [day(0), day(1), day(3), day(1)]})
    out = daily_nutrition(ent, cal, incomplete_days=listed)
    flags = [(row(out, n)["very_low_intake"], row(out, n)["incomplete"],
              row(out, n)["incomplete_source"]) for n in range(4)]
    assert flags == [(True, True, "config"), (False, True, "config"), (True, False, None),
                     (None, None, None)]
    b = row(out, 0, athlete="b")
    assert (b["very_low_intake"], b["incomplete"], b["incomplete_source"]) == (True, False, None)
    assert out.height == 5  # one row per calendar row, none doubled by the list's repeat


def flagged(n: int, kcal: float, completed: bool | None, sha: str = "summary",
            fmt: str = "cronometer_dailysummary", athlete: str = "a",
            exported_at: datetime = EXPORT_1) -> dict[str, object]:
    """A day-grain row with the tracker's completion flag."""
    return {**entry(n, fmt, "day", None, kcal, 40.0, exported_at=exported_at,
                    athlete=athlete), "source_sha256": sha, "day_completed": completed}


def test_the_trackers_completion_flag_marks_very_low_days_incomplete() -> None:
    # Athlete "a", one Cronometer daily summary that uses the flag (day 2 completed):
    # day 0 700 kcal not completed -> incomplete (tracker); day 1 2000 kcal not completed ->
    # kept (not very low: a day of normal intake left unmarked says little); day 2 600 kcal
    # completed -> kept, very low; day 3 500 kcal, flag empty -> kept, very low.
    # Athlete "b": an export marking no day completed (the flag unused, Cronometer's
    # default) -> its 700 kcal day is kept.
    schema = {**SCHEMA, "day_completed": pl.Boolean}
    ent = pl.DataFrame([
        flagged(0, 700.0, False), flagged(1, 2000.0, False), flagged(2, 600.0, True),
        flagged(3, 500.0, None),
        flagged(0, 700.0, False, sha="b-summary", athlete="b"),
        flagged(1, 2000.0, False, sha="b-summary", athlete="b"),
    ], schema=schema)
    cal = pl.concat([weights({0: 70.0, 1: 70.0, 2: 70.0, 3: 70.0}),
                     weights({0: 60.0, 1: 60.0}, athlete="b")])
    out = daily_nutrition(ent, cal)
    flags = [(row(out, n)["very_low_intake"], row(out, n)["incomplete"],
              row(out, n)["incomplete_source"]) for n in range(4)]
    assert flags == [(True, True, "tracker"), (False, False, None), (True, False, None),
                     (True, False, None)]
    b = row(out, 0, athlete="b")
    assert (b["very_low_intake"], b["incomplete"]) == (True, False)
    # the config wins when both mark the day
    both = daily_nutrition(ent, cal, incomplete_days=pl.DataFrame(
        {"athlete_id": ["a"], "local_date": [day(0)]}))
    assert row(both, 0)["incomplete_source"] == "config"


def test_the_flag_of_the_chosen_trackers_newest_export_speaks_for_the_day() -> None:
    # Day 0: Cronometer servings (entry grain, 300 + 400 = 700 kcal) are chosen over the daily
    # summary; the summary (same tracker, same diary) says not completed -> incomplete. Of
    # two summaries, the newer (EXPORT_2, completed) wins over the older (not completed) on
    # day 1 (600 kcal, servings) -> kept. Day 2: MyFitnessPal is the only food source
    # (600 kcal); Cronometer's flag for that day is another diary's -> kept.
    schema = {**SCHEMA, "day_completed": pl.Boolean}
    ent = pl.DataFrame([
        {**entry(0, "cronometer_servings", "entry", "Lunch", 300.0, 20.0), "day_completed": None},
        {**entry(0, "cronometer_servings", "entry", "Dinner", 400.0, 20.0),
         "day_completed": None},
        {**entry(1, "cronometer_servings", "entry", "Lunch", 600.0, 20.0), "day_completed": None},
        {**entry(2, "myfitnesspal", "meal", "Lunch", 600.0, 20.0), "day_completed": None},
        flagged(0, 700.0, False, sha="old"), flagged(1, 600.0, False, sha="old"),
        flagged(2, 600.0, False, sha="old"), flagged(5, 2500.0, True, sha="old"),
        flagged(1, 600.0, True, sha="new", exported_at=EXPORT_2),
    ], schema=schema)
    out = daily_nutrition(ent, weights({0: 70.0, 1: 70.0, 2: 70.0}))
    assert [row(out, n)["nutrition_source"] for n in range(3)] == [
        "cronometer_servings", "cronometer_servings", "myfitnesspal"]
    assert [row(out, n)["incomplete_source"] for n in range(3)] == ["tracker", None, None]
    assert [row(out, n)["very_low_intake"] for n in range(3)] == [True, True, True]


def test_null_nutrient_stays_null_partial_nulls_sum_the_known() -> None:
    # Fibre null in every chosen row -> null (unknown), not 0. Fat known in one of two rows
    # -> 12 g. Energy null in every row -> null, so "very_low_intake" is null although logged;
    # nothing marks the day incomplete.
    ent = entries(
        entry(0, "myfitnesspal", "entry", "Lunch", None, 20.0, fat=12.0, fiber=None),
        entry(0, "myfitnesspal", "entry", "Lunch", None, 10.0, fat=None, fiber=None),
    )
    d0 = row(daily_nutrition(ent, weights({0: 70.0})), 0)
    assert d0["fiber_g"] is None
    assert d0["fat_g"] == pytest.approx(12.0)
    assert d0["protein_g"] == pytest.approx(30.0)
    assert d0["energy_kcal"] is None
    assert d0["logged"] is True
    assert d0["very_low_intake"] is None
    assert d0["incomplete"] is False


def test_entry_grain_without_meal_names_has_unknown_meals_and_days_stay_per_athlete() -> None:
    # Athlete "a": entries with no meal names -> meals_logged null (unknown, not 0).
    # Athlete "b" logged nothing: its day stays unlogged although "a" logged the same date.
    ent = entries(entry(0, "myfitnesspal", "entry", None, 1500.0, 80.0))
    cal = pl.concat([weights({0: 70.0}), weights({0: 65.0}, athlete="b")])
    out = daily_nutrition(ent, cal)
    assert out.select("athlete_id").to_series().to_list() == ["a", "b"]
    assert row(out, 0)["meals_logged"] is None
    assert row(out, 0)["meals_reaching_protein_target"] is None
    assert row(out, 0, athlete="b")["logged"] is False
    assert row(out, 0, athlete="b")["energy_kcal"] is None


def test_output_schema() -> None:
    out = daily_nutrition(entries(), weights({0: 70.0}))
    assert out.schema == pl.Schema(
        {
            "athlete_id": pl.String, "local_date": pl.Date,
            "energy_kcal": pl.Float64, "protein_g": pl.Float64, "carbohydrate_g": pl.Float64,
            "fat_g": pl.Float64, "fiber_g": pl.Float64,
            "protein_g_per_kg": pl.Float64, "carbohydrate_g_per_kg": pl.Float64,
            "meals_logged": pl.Int32, "meals_reaching_protein_target": pl.Int32,
            "logged": pl.Boolean, "very_low_intake": pl.Boolean, "incomplete": pl.Boolean,
            "incomplete_source": pl.String, "nutrition_source": pl.String,
            "nutrition_grain": pl.String,
            "nutrition_sources_available": pl.String,
        }
    )


def _apple(n: int, app: str, kcal: float | None, protein: float | None,
           exported_at: datetime = EXPORT_2) -> dict[str, object]:
    """An Apple Health food record (one nutrient per record, the writing app in `food`)."""
    return {**entry(n, "apple_health", "entry", None, kcal, protein, exported_at=exported_at),
            "food": app}


def test_a_tracker_export_wins_over_its_copy_in_apple_health() -> None:
    # Day 0: Cronometer's own export (900 kcal) and Apple's newer copy (600 + 300 kcal of
    # the same diary): the export speaks, never the sum (1,800) nor the copy.
    out = daily_nutrition(entries(entry(0, "cronometer_servings", "entry", "Lunch", 900.0, 40.0),
                                  _apple(0, "Cronometer", 600.0, None),
                                  _apple(0, "Cronometer", 300.0, None)),
                          weights({0: 70.0}))
    assert row(out, 0)["energy_kcal"] == 900.0
    assert row(out, 0)["nutrition_source"] == "cronometer_servings"


def test_one_app_speaks_for_an_apple_health_day() -> None:
    # Day 0 only in Apple Health, written by two apps: MyFitnessPal wrote 3 records
    # (800 + 700 kcal, 60 g protein), Lose It! 1 record (500 kcal). The app with the most
    # records speaks: 1,500 kcal and 60 g, not 2,000 kcal.
    out = daily_nutrition(entries(_apple(0, "MyFitnessPal", 800.0, None),
                                  _apple(0, "MyFitnessPal", 700.0, None),
                                  _apple(0, "MyFitnessPal", None, 60.0),
                                  _apple(0, "Lose It!", 500.0, None)),
                          weights({0: 70.0}))
    assert row(out, 0)["energy_kcal"] == 1500.0
    assert row(out, 0)["protein_g"] == 60.0
    assert row(out, 0)["nutrition_source"] == "apple_health"
