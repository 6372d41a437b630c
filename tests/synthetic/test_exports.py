"""Generated MyFitnessPal and Cronometer exports, read back with the stdlib ``csv`` module.

The exports are parsed independently of the project's readers and compared with the per-day
truth (:class:`DayIntake`) the generator reports, and with the real headers.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from synthetic import (
    ACTIVITY_FACTOR,
    DayIntake,
    NutritionExports,
    SyntheticAthlete,
    cronometer_servings_rows,
    daily_expenditure_kcal,
    generate_athlete_files,
    generate_nutrition_exports,
)

START = date(2026, 3, 2)
WEEKS = 6  # 2026-03-02 .. 2026-04-12, across the Europe/Berlin DST change of 2026-03-29
SEED = 0
ATHLETE = SyntheticAthlete()
REAL_SERVINGS = (
    Path(__file__).resolve().parents[2].parent
    / "shared" / "fixtures" / "nutrition" / "cronometer" / "servings.csv"
)  # fmt: skip

MU = "\u00b5"
#: Header of the real Cronometer servings.csv fixture (copied; µ is U+00B5 MICRO SIGN).
SERVINGS_HEADER = [
    "Day", "Time", "Group", "Food Name", "Amount", "Energy (kcal)", "Alcohol (g)",
    "Caffeine (mg)", "Water (g)", "B1 (Thiamine) (mg)", "B2 (Riboflavin) (mg)",
    "B3 (Niacin) (mg)", "B5 (Pantothenic Acid) (mg)", "B6 (Pyridoxine) (mg)",
    f"B12 (Cobalamin) ({MU}g)", f"Folate ({MU}g)", f"Vitamin A ({MU}g)", "Vitamin C (mg)",
    "Vitamin D (IU)", "Vitamin E (mg)", f"Vitamin K ({MU}g)", "Calcium (mg)", "Copper (mg)",
    "Iron (mg)", "Magnesium (mg)", "Manganese (mg)", "Phosphorus (mg)", "Potassium (mg)",
    f"Selenium ({MU}g)", "Sodium (mg)", "Zinc (mg)", "Carbs (g)", "Fiber (g)", "Starch (g)",
    "Sugars (g)", "Net Carbs (g)", "Fat (g)", "Cholesterol (mg)", "Monounsaturated (g)",
    "Polyunsaturated (g)", "Saturated (g)", "Trans-Fats (g)", "Omega-3 (g)", "Omega-6 (g)",
    "Cystine (g)", "Histidine (g)", "Isoleucine (g)", "Leucine (g)", "Lysine (g)",
    "Methionine (g)", "Phenylalanine (g)", "Protein (g)", "Threonine (g)", "Tryptophan (g)",
    "Tyrosine (g)", "Valine (g)", "Category",
]  # fmt: skip
MFP_HEADER = [
    "Date", "Meal", "Calories", "Fat (g)", "Saturated Fat", "Polyunsaturated Fat",
    "Monounsaturated Fat", "Trans Fat", "Cholesterol", "Sodium (mg)", "Potassium",
    "Carbohydrates (g)", "Fiber", "Sugar", "Protein (g)", "Vitamin A", "Vitamin C", "Calcium",
    "Iron", "Note",
]  # fmt: skip
MEALS = ["Breakfast", "Lunch", "Dinner", "Snacks"]
#: DayIntake field -> (Cronometer column, MFP column)
MACROS = {
    "energy_kcal": ("Energy (kcal)", "Calories"),
    "protein_g": ("Protein (g)", "Protein (g)"),
    "carbohydrate_g": ("Carbs (g)", "Carbohydrates (g)"),
    "fat_g": ("Fat (g)", "Fat (g)"),
    "fiber_g": ("Fiber (g)", "Fiber"),
}
TWO_DECIMALS = re.compile(r"^\d+\.\d{2}$")


def _rows(data: bytes) -> list[list[str]]:
    """All records of a CSV file (header first), parsed by the stdlib."""
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def _dicts(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def _real_servings_header() -> list[str]:
    """The fixture's header when the shared folder is present, else the copied literal."""
    if REAL_SERVINGS.exists():
        with REAL_SERVINGS.open(encoding="utf-8", newline="") as fh:
            return next(csv.reader(fh))
    return SERVINGS_HEADER


def _num(text: str) -> float:
    return float(text) if text else 0.0


@pytest.fixture(scope="module")
def files():
    return generate_athlete_files(ATHLETE, START, WEEKS, seed=SEED)


@pytest.fixture(scope="module")
def exports(files) -> NutritionExports:
    return generate_nutrition_exports(ATHLETE, files, START, WEEKS, seed=SEED)


@pytest.fixture(scope="module")
def logged(exports) -> dict[str, DayIntake]:
    return {d.local_date.isoformat(): d for d in exports.days if d.logged}


# --------------------------------------------------------------------------------------------
# Headers and bytes
# --------------------------------------------------------------------------------------------


def test_headers_are_the_real_ones(exports):
    real = _real_servings_header()
    assert real == SERVINGS_HEADER  # the copied literal is still the fixture's header
    assert _rows(exports.cronometer_servings_csv)[0] == real
    assert _rows(exports.cronometer_dailysummary_csv)[0] == ["Date", *real[5:-1], "Completed"]
    assert _rows(exports.mfp_nutrition_csv)[0] == MFP_HEADER
    assert "B12 (Cobalamin) (\u00b5g)".encode() in exports.cronometer_servings_csv
    assert "\u03bc".encode() not in exports.cronometer_servings_csv  # no Greek mu


def test_encodings_and_line_endings(exports):
    for data in (
        exports.cronometer_servings_csv,
        exports.cronometer_dailysummary_csv,
        exports.mfp_nutrition_csv,
    ):
        assert not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")
    assert b"\r" not in exports.cronometer_servings_csv  # LF, like the real fixture
    assert b"\r" not in exports.cronometer_dailysummary_csv
    # CRLF after every record, like the 2026 MFP exports (a note may hold a quoted bare LF)
    mfp = exports.mfp_nutrition_csv
    assert mfp.endswith(b"\r\n") and mfp.count(b"\r\n") == len(_rows(mfp))
    assert exports.mfp_file_name == "Nutrition-Summary-2026-03-02-to-2026-04-12.csv"


# --------------------------------------------------------------------------------------------
# The exports against the truth
# --------------------------------------------------------------------------------------------


def test_servings_sum_to_the_day_intake(exports, logged):
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    groups: dict[str, set[str]] = defaultdict(set)
    for row in _dicts(exports.cronometer_servings_csv):
        for column, _ in MACROS.values():
            sums[row["Day"]][column] += float(row[column])
        groups[row["Day"]].add(row["Group"])
    assert set(sums) == set(logged)
    for day, truth in logged.items():
        for field, (column, _) in MACROS.items():
            # exact: the truth is the sum of the rounded serving values
            assert round(sums[day][column], 2) == pytest.approx(getattr(truth, field), abs=1e-6)
        assert len(groups[day]) == truth.meals
        assert groups[day] <= set(MEALS)


def test_dailysummary_is_the_sum_of_the_servings(exports, logged):
    servings = _dicts(exports.cronometer_servings_csv)
    nutrients = SERVINGS_HEADER[5:-1]
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in servings:
        for column in nutrients:
            sums[row["Day"]][column] += _num(row[column])
    summary = _dicts(exports.cronometer_dailysummary_csv)
    assert [row["Date"] for row in summary] == sorted(logged)
    for row in summary:
        day = row["Date"]
        for column in nutrients:
            assert TWO_DECIMALS.match(row[column]), (day, column, row[column])
            assert float(row[column]) == pytest.approx(round(sums[day][column], 2), abs=1e-6)
        for field, (column, _) in MACROS.items():
            assert float(row[column]) == pytest.approx(getattr(logged[day], field), abs=1e-6)
    assert {row["Completed"] for row in summary} == {"true", "false"}


def test_mfp_meal_rows_sum_to_the_day_within_rounding(exports, logged):
    rows = _rows(exports.mfp_nutrition_csv)
    assert all(len(row) == len(MFP_HEADER) for row in rows)
    records = _dicts(exports.mfp_nutrition_csv)
    keys = [(r["Date"], r["Meal"]) for r in records]
    assert len(keys) == len(set(keys))  # one row per date and meal
    per_day: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in records:
        assert r["Meal"] in MEALS
        assert re.fullmatch(r"\d+\.0", r["Calories"]), r["Calories"]  # whole kcal, as "518.0"
        for column in MFP_HEADER[3:-1]:
            assert re.fullmatch(r"\d+\.\d", r[column]), (column, r[column])
        per_day[r["Date"]].append(r)
    assert set(per_day) == set(logged)
    for day, meal_rows in per_day.items():
        truth = logged[day]
        assert len(meal_rows) == truth.meals
        assert [r["Meal"] for r in meal_rows] == [
            m for m in MEALS if m in {r["Meal"] for r in meal_rows}
        ]
        for field, (_, column) in MACROS.items():
            # each meal row is rounded: 0.5 kcal for Calories, 0.05 g otherwise, per row
            tolerance = (0.5 if column == "Calories" else 0.05) * truth.meals + 1e-6
            total = sum(float(r[column]) for r in meal_rows)
            assert abs(total - getattr(truth, field)) <= tolerance, (day, column)


def test_unlogged_days_are_absent_from_every_export(exports):
    unlogged = [d for d in exports.days if not d.logged]
    assert unlogged, "a six-week span should have unlogged days (~1 in 15)"
    assert len(unlogged) < len(exports.days) / 5
    assert all(d.meals == 0 for d in unlogged)
    assert [d.local_date for d in exports.days] == [
        START + timedelta(days=i) for i in range(7 * WEEKS)
    ]
    logged_dates = {d.local_date.isoformat() for d in exports.days if d.logged}
    assert {r["Day"] for r in _dicts(exports.cronometer_servings_csv)} == logged_dates
    assert {r["Date"] for r in _dicts(exports.cronometer_dailysummary_csv)} == logged_dates
    assert {r["Date"] for r in _dicts(exports.mfp_nutrition_csv)} == logged_dates


# --------------------------------------------------------------------------------------------
# Consistency with the training
# --------------------------------------------------------------------------------------------


def _day_kinds(files) -> dict[date, set[str]]:
    zone = ZoneInfo(ATHLETE.timezone)
    kinds: dict[date, set[str]] = defaultdict(set)
    for f in files:
        kinds[f.start_utc.astimezone(zone).date()].add(f.kind)
    return kinds


def test_deficits_low_protein_and_carbs_follow_training(exports, files):
    kg = ATHLETE.weight_kg
    days = [d for d in exports.days if d.logged]
    expenditure = {d.local_date: daily_expenditure_kcal(ATHLETE, files, d.local_date) for d in days}
    gap = {d.local_date: expenditure[d.local_date] - d.energy_kcal for d in days}

    deficit_days = [day for day, kcal in gap.items() if kcal >= 500]
    per_week = defaultdict(int)
    for day in deficit_days:
        per_week[(day - START).days // 7] += 1
    assert deficit_days and max(per_week.values()) >= 3, per_week
    near_balance = sum(1 for kcal in gap.values() if abs(kcal) <= 260)
    assert near_balance > 0.5 * len(days)

    protein = [d.protein_g / kg for d in days]
    assert any(p < 1.2 for p in protein)
    assert sum(1 for p in protein if 1.4 <= p <= 2.0) >= 0.6 * len(days)

    kinds = _day_kinds(files)
    hard = [d.carbohydrate_g / kg for d in days if kinds[d.local_date] & {"long_run", "intervals"}]
    rest = [d.carbohydrate_g / kg for d in days if not kinds[d.local_date] - {"weight"}]
    assert hard and rest
    assert statistics.mean(hard) > statistics.mean(rest) + 1.5


def test_expenditure_is_mifflin_st_jeor_times_activity_plus_exercise(files):
    age = 2026 - ATHLETE.birth_year
    resting = 10 * ATHLETE.weight_kg + 6.25 * ATHLETE.height_cm - 5 * age - 161
    assert daily_expenditure_kcal(ATHLETE, [], START) == pytest.approx(resting * ACTIVITY_FACTOR)

    zone = ZoneInfo(ATHLETE.timezone)
    long_run = next(f for f in files if f.kind == "long_run")
    day = long_run.start_utc.astimezone(zone).date()
    on_day = [f for f in files if f.start_utc.astimezone(zone).date() == day]
    assert [f.kind for f in on_day if f.sport] == ["long_run"]
    run_kcal = ATHLETE.weight_kg * long_run.total_distance_m / 1000  # 1 kcal/kg/km
    assert daily_expenditure_kcal(ATHLETE, files, day) == pytest.approx(
        resting * ACTIVITY_FACTOR + run_kcal
    )

    strength = next(f for f in files if f.kind == "strength")
    strength_kcal = ATHLETE.weight_kg * strength.total_timer_time_s / 60 * 0.08
    day = strength.start_utc.astimezone(zone).date()
    alone = daily_expenditure_kcal(ATHLETE, [strength], day)
    assert alone == pytest.approx(resting * ACTIVITY_FACTOR + strength_kcal)


def test_a_run_across_midnight_is_split_between_the_days(files):
    zone = ZoneInfo(ATHLETE.timezone)
    run = next(f for f in files if f.kind == "midnight_run")
    first = run.start_utc.astimezone(zone).date()
    second = first + timedelta(days=1)
    whole = ATHLETE.weight_kg * run.total_distance_m / 1000
    before = daily_expenditure_kcal(ATHLETE, [run], first) - daily_expenditure_kcal(
        ATHLETE, [], first
    )
    after = daily_expenditure_kcal(ATHLETE, [run], second) - daily_expenditure_kcal(
        ATHLETE, [], second
    )
    midnight = datetime.combine(second, datetime.min.time(), tzinfo=zone)
    share = (midnight - run.start_utc).total_seconds() / (run.end_utc - run.start_utc).seconds
    assert 0 < before < whole and 0 < after < whole
    assert before + after == pytest.approx(whole)
    assert before == pytest.approx(whole * share)


# --------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------


def test_cronometer_rows_look_like_the_real_export(exports):
    raw_lines = exports.cronometer_servings_csv.decode("utf-8").splitlines()[1:]
    # Day and Time bare, text fields always quoted, numbers bare, Category quoted last
    shape = re.compile(r'^\d{4}-\d{2}-\d{2},\d{1,2}:\d{2} [AP]M,"[^"]+","(?:[^"]|"")+","')
    assert all(shape.match(line) and line.endswith('"') for line in raw_lines)
    rows = _dicts(exports.cronometer_servings_csv)
    categories = set()
    blanks = 0
    for row in rows:
        assert re.fullmatch(r"(1[0-2]|[1-9]):[0-5]\d [AP]M", row["Time"]), row["Time"]
        assert re.fullmatch(r"\d+\.\d{2} \S.*", row["Amount"]), row["Amount"]
        for column in SERVINGS_HEADER[5:-1]:
            assert row[column] == "" or TWO_DECIMALS.match(row[column]), (column, row[column])
            blanks += row[column] == ""
        categories.add(row["Category"])
    assert blanks > 0  # branded foods with incomplete labels leave cells empty
    assert "" in categories and "Dairy and Egg Products" in categories  # custom recipes too
    assert any('"' in row["Amount"] for row in rows)  # inch marks, quoted as "" in the file
    per_day: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        per_day[row["Day"]].append(row)
    for day, day_rows in per_day.items():
        order = [MEALS.index(r["Group"]) for r in day_rows]
        assert order == sorted(order), day  # grouped by meal like the fixture
        assert len(day_rows) >= 3 * 2


def test_micronutrients_are_plausible(exports):
    bounds = {  # per logged day (sodium is low where no salt was logged, as in real diaries)
        "Sodium (mg)": (100, 8000),
        "Potassium (mg)": (1200, 12000),
        "Calcium (mg)": (200, 3500),
        "Iron (mg)": (4, 60),
        "Vitamin C (mg)": (5, 1000),
        "Water (g)": (300, 6000),
        "Saturated (g)": (2, 80),
        "Leucine (g)": (2, 20),
    }
    for row in _dicts(exports.cronometer_dailysummary_csv):
        for column, (low, high) in bounds.items():
            assert low <= float(row[column]) <= high, (row["Date"], column, row[column])
        carbs, fiber, net = (float(row[c]) for c in ("Carbs (g)", "Fiber (g)", "Net Carbs (g)"))
        assert net == pytest.approx(carbs - fiber, abs=0.5)
        fat = float(row["Fat (g)"])
        parts = sum(
            float(row[c]) for c in ("Saturated (g)", "Monounsaturated (g)", "Polyunsaturated (g)")
        )
        assert parts <= fat + 0.5
        leucine, protein = float(row["Leucine (g)"]), float(row["Protein (g)"])
        assert 0.05 <= leucine / protein <= 0.11


def test_mfp_notes_are_quoted(exports):
    records = _dicts(exports.mfp_nutrition_csv)
    notes = [r["Note"] for r in records if r["Note"]]
    assert notes
    assert len(notes) < len(records) / 4
    raw = exports.mfp_nutrition_csv.decode("utf-8")
    for note in notes:
        assert any(ch in note for ch in ',"\n')  # every generated note needs quoting
        assert '"' + note.replace('"', '""') + '"' in raw
    # percent of daily value, not mass: a day's vitamin C from fruit and vegetables is > 10 %
    assert all(float(r["Vitamin C"]) >= 0 for r in records)


# --------------------------------------------------------------------------------------------
# Determinism and edge cases
# --------------------------------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_bytes(exports, files):
    again = generate_nutrition_exports(ATHLETE, files, START, WEEKS, seed=SEED)
    assert again == exports
    other = generate_nutrition_exports(ATHLETE, files, START, WEEKS, seed=SEED + 1)
    assert other.cronometer_servings_csv != exports.cronometer_servings_csv
    assert other.mfp_nutrition_csv != exports.mfp_nutrition_csv


def test_zero_weeks_gives_headers_only_and_negative_weeks_fail():
    empty = generate_nutrition_exports(ATHLETE, [], START, 0)
    assert empty.days == ()
    assert _rows(empty.cronometer_servings_csv) == [SERVINGS_HEADER]
    assert _rows(empty.mfp_nutrition_csv) == [MFP_HEADER]
    assert len(_rows(empty.cronometer_dailysummary_csv)) == 1
    with pytest.raises(ValueError):
        generate_nutrition_exports(ATHLETE, [], START, -1)


def test_without_training_intake_still_follows_resting_needs():
    exports = generate_nutrition_exports(ATHLETE, [], START, 2, seed=3)
    rest = daily_expenditure_kcal(ATHLETE, [], START)
    for d in exports.days:
        if d.logged:
            assert 1000 < d.energy_kcal < rest + 700


# --------------------------------------------------------------------------------------------
# The benchmark file
# --------------------------------------------------------------------------------------------


def test_servings_rows_for_benchmarks():
    began = time.perf_counter()
    data = cronometer_servings_rows(100_000)
    elapsed = time.perf_counter() - began
    print(f"cronometer_servings_rows(100_000): {elapsed:.2f} s, {len(data) / 1e6:.1f} MB")
    assert elapsed < 10.0  # "a few seconds"; well under one second on a laptop
    rows = _rows(data)
    assert rows[0] == SERVINGS_HEADER
    body = rows[1:]
    assert len(body) == 100_000
    assert all(len(row) == len(SERVINGS_HEADER) for row in body)
    per_day: dict[str, int] = defaultdict(int)
    for row in body:
        per_day[row[0]] += 1
    counts = list(per_day.values())
    assert all(4 <= n <= 6 for n in counts[:-1]) and 1 <= counts[-1] <= 6
    first, last = date.fromisoformat(body[0][0]), date.fromisoformat(body[-1][0])
    assert first == date(2016, 1, 1)
    assert (last - first).days + 1 == len(per_day)  # consecutive days, across years
    assert cronometer_servings_rows(500, seed=1) == cronometer_servings_rows(500, seed=1)
    assert cronometer_servings_rows(500, seed=1) != cronometer_servings_rows(500, seed=2)
    assert _rows(cronometer_servings_rows(0)) == [SERVINGS_HEADER]
    small = _rows(cronometer_servings_rows(7, start=date(2020, 2, 28)))
    assert len(small) == 8 and small[1][0] == "2020-02-28"
