"""Nutrition-tracker exports of the synthetic athlete, consistent with its training.

:func:`generate_nutrition_exports` writes the days that :mod:`synthetic.food` plans as
MyFitnessPal and Cronometer CSV exports; :func:`cronometer_servings_rows` is a large
Cronometer servings.csv for benchmarks. Pure: functions return bytes, nothing is written
to disk, and the same arguments give byte-identical output.

The serving is the unit of truth: every serving's nutrient values are rounded to 0.01 (as
Cronometer writes them) and :class:`DayIntake` holds the exact sums of those rounded values.
Hence the tolerances of each export against :class:`DayIntake`:

* Cronometer ``servings.csv``: the per-day sum of a column equals the DayIntake value exactly
  (to float precision, i.e. ``round(sum, 2) == value``).
* Cronometer ``dailysummary.csv``: each value is that sum written with 2 decimals: exact.
* MyFitnessPal per-meal rows round each meal's sum (Calories to whole kcal, written ``518.0``
  like the real export; grams and mg to 0.1): the per-day sum of a column differs from the
  DayIntake value by at most 0.5 kcal (Calories) or 0.05 g per meal row of the day.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from synthetic.athlete import GeneratedFile, SyntheticAthlete
from synthetic.food import (
    CARBS,
    COLUMN,
    CRONOMETER_NUTRIENTS,
    ENERGY,
    FAT,
    FIBER,
    MEALS,
    MU,
    PROTEIN,
    DayIntake,
    Food,
    NutritionPlan,
    Serving,
    day_kind,
    day_servings,
    typical_servings,
)

__all__ = [
    "CRONOMETER_DAILYSUMMARY_HEADER",
    "CRONOMETER_SERVINGS_HEADER",
    "MFP_NUTRITION_HEADER",
    "NutritionExports",
    "cronometer_servings_rows",
    "generate_nutrition_exports",
]

# --------------------------------------------------------------------------------------------
# Headers, as real exports have them
# --------------------------------------------------------------------------------------------

#: Header of a real Cronometer ``servings.csv`` (shared/fixtures/nutrition/cronometer, 2022).
CRONOMETER_SERVINGS_HEADER: tuple[str, ...] = (
    "Day", "Time", "Group", "Food Name", "Amount", *CRONOMETER_NUTRIENTS, "Category",
)  # fmt: skip
#: Cronometer ``dailysummary.csv``: one row per day with the day's sums.
CRONOMETER_DAILYSUMMARY_HEADER: tuple[str, ...] = ("Date", *CRONOMETER_NUTRIENTS, "Completed")
#: MyFitnessPal ``Nutrition-Summary-….csv``, per-meal shape with ``Note`` (2024-2026 exports).
MFP_NUTRITION_HEADER: tuple[str, ...] = (
    "Date", "Meal", "Calories", "Fat (g)", "Saturated Fat", "Polyunsaturated Fat",
    "Monounsaturated Fat", "Trans Fat", "Cholesterol", "Sodium (mg)", "Potassium",
    "Carbohydrates (g)", "Fiber", "Sugar", "Protein (g)", "Vitamin A", "Vitamin C", "Calcium",
    "Iron", "Note",
)  # fmt: skip

#: MFP column -> (Cronometer column, divisor): the value written is sum / divisor. Vitamin A,
#: Vitamin C, Calcium and Iron are % of the FDA 2016 label daily values (900 µg RAE, 90 mg,
#: 1300 mg, 18 mg), so their divisor is DV / 100.
_MFP_SOURCES: tuple[tuple[str, float], ...] = (
    ("Fat (g)", 1.0),
    ("Saturated (g)", 1.0),
    ("Polyunsaturated (g)", 1.0),
    ("Monounsaturated (g)", 1.0),
    ("Trans-Fats (g)", 1.0),
    ("Cholesterol (mg)", 1.0),
    ("Sodium (mg)", 1.0),
    ("Potassium (mg)", 1.0),
    ("Carbs (g)", 1.0),
    ("Fiber (g)", 1.0),
    ("Sugars (g)", 1.0),
    ("Protein (g)", 1.0),
    (f"Vitamin A ({MU}g)", 9.0),
    ("Vitamin C (mg)", 0.9),
    ("Calcium (mg)", 13.0),
    ("Iron (mg)", 0.18),
)

#: Per-day notes of the MFP export (commas, quotes and a line break, all to be CSV-quoted).
_NOTES = (
    "Long run this morning, extra pasta at dinner",
    'Dinner out: "pizza night", portions estimated',
    "Forgot to log snacks, added them in the evening",
    "Travel day; airport food, guessed weights",
    "Felt flat on the run,\nate more carbs afterwards",
)


@dataclass(frozen=True)
class NutritionExports:
    """The generated exports (UTF-8 bytes, no BOM) and the per-day truth behind them."""

    days: tuple[DayIntake, ...]  # every local day of the span, in order
    mfp_nutrition_csv: bytes  # MyFitnessPal per-meal shape with Note; CRLF like 2026 exports
    mfp_file_name: str  # "Nutrition-Summary-<first day>-to-<last day>.csv"
    cronometer_servings_csv: bytes  # the real servings.csv header; LF like the real export
    cronometer_dailysummary_csv: bytes  # Date, the servings nutrient columns, Completed


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _quote(text: str) -> str:
    """A text field quoted the way Cronometer writes every text field."""
    return '"' + text.replace('"', '""') + '"'


def _clock(minute: int) -> str:
    """Local minute of the day as Cronometer's 12-hour ``9:51 AM``."""
    hour, mins = divmod(minute, 60)
    return f"{hour % 12 or 12}:{mins:02d} {'AM' if hour < 12 else 'PM'}"


def _cents_text(value: int | None) -> str:
    """Hundredths as Cronometer's 2-decimal number; empty when unknown."""
    return "" if value is None else f"{value / 100:.2f}"


def _serving_tail(food: Food, quantity: float, cents: Sequence[int | None]) -> str:
    """``"Amount",<nutrients>,"Category"`` of one servings.csv row."""
    numbers = ",".join(_cents_text(v) for v in cents)
    return f"{_quote(f'{quantity:.2f} {food.unit}')},{numbers},{_quote(food.category)}"


def _servings_line(day: date, s: Serving) -> str:
    return (
        f"{day.isoformat()},{_clock(s.minute)},{_quote(s.group)},{_quote(s.food.name)},"
        f"{_serving_tail(s.food, s.quantity, s.cents)}"
    )


def _half_up(value: int, divisor: int) -> int:
    """``value / divisor`` rounded half away from zero (value >= 0 here)."""
    return (2 * value + divisor) // (2 * divisor)


def _mfp_row(day: date, meal: str, sums: Sequence[int], note: str) -> list[str]:
    """One MFP per-meal row from the meal's nutrient sums (hundredths)."""
    row = [day.isoformat(), meal, f"{_half_up(sums[ENERGY], 100)}.0"]
    for column, divisor in _MFP_SOURCES:
        value = sums[COLUMN[column]]
        tenths = _half_up(value, 10) if divisor == 1.0 else round(value / divisor / 10)
        row.append(f"{tenths // 10}.{tenths % 10}")
    row.append(note)
    return row


def _sum_cents(servings: Sequence[Serving]) -> list[int]:
    sums = [0] * len(CRONOMETER_NUTRIENTS)
    for s in servings:
        for i, v in enumerate(s.cents):
            if v is not None:
                sums[i] += v
    return sums


# --------------------------------------------------------------------------------------------
# Public generators
# --------------------------------------------------------------------------------------------


def _choose_days(
    rng: random.Random,
    n_days: int,
    weeks: int,
    random_unlogged: bool = True,
    forced_unlogged: frozenset[int] = frozenset(),
) -> tuple[set[int], set[int]]:
    """Indices of the unlogged days and of the deficit days of the span.

    The random unlogged days are drawn either way (``random_unlogged`` False then drops
    them); ``forced_unlogged`` days are added (a :class:`NutritionPlan`'s ``unlogged_from``).
    """
    unlogged = {i for i in range(n_days) if rng.random() < 1 / 15}
    if not unlogged and n_days >= 15:
        unlogged.add(rng.randrange(n_days))
    if not random_unlogged:
        unlogged = set()
    unlogged |= forced_unlogged
    cutting = [rng.random() < 0.25 for _ in range(weeks)]
    if weeks and not any(cutting):
        cutting[rng.randrange(weeks)] = True
    deficit: set[int] = set()
    for week, cut in enumerate(cutting):
        logged = [i for i in range(7 * week, 7 * week + 7) if i not in unlogged]
        count = rng.randint(3, 4) if cut else rng.choice((0, 0, 1))
        deficit.update(rng.sample(logged, min(count, len(logged))))
    return unlogged, deficit


def generate_nutrition_exports(
    athlete: SyntheticAthlete,
    files: Sequence[GeneratedFile],
    start: date,
    weeks: int,
    seed: int = 0,
    plan: NutritionPlan | None = None,
) -> NutritionExports:
    """MyFitnessPal and Cronometer exports of ``weeks`` weeks from local date ``start``.

    ``files`` are the athlete's activities (e.g. from
    :func:`synthetic.generate_athlete_files` with the same span): intake follows
    :func:`daily_expenditure_kcal` of each day and carbohydrate the day's runs (see the module
    docstring for the mix of days). ``plan`` (:class:`NutritionPlan`) fixes protein, the
    energy deficit, the activity factor and the unlogged days instead; None gives the default
    mix. Same arguments, same bytes.
    """
    if weeks < 0:
        raise ValueError(f"weeks must be >= 0, got {weeks}")
    rng = random.Random(seed)
    n_days = 7 * weeks
    dates = [start + timedelta(days=i) for i in range(n_days)]
    plan = plan if plan is not None else NutritionPlan()
    forced = frozenset(
        i for i, d in enumerate(dates) if plan.unlogged_from is not None and d >= plan.unlogged_from
    )
    unlogged, deficit = _choose_days(rng, n_days, weeks, plan.random_unlogged, forced)
    exact_protein = plan.protein_g_per_kg is not None
    types = [day_kind(athlete, files, d) for d in dates]
    low_protein: set[int] = set()
    if not exact_protein:
        eligible = [i for i in range(n_days) if i not in unlogged and types[i] != "key"]
        low_protein = {i for i in eligible if rng.random() < 0.12}
        if len(low_protein) < 2 and len(eligible) >= 7:
            extra = rng.sample(sorted(set(eligible) - low_protein), 2 - len(low_protein))
            low_protein.update(extra)
    logged_days = [i for i in range(n_days) if i not in unlogged]
    note_days = {i for i in logged_days if rng.random() < 0.12}
    if not note_days and len(logged_days) >= 7:
        note_days.add(rng.choice(logged_days))

    days: list[DayIntake] = []
    servings_lines = [",".join(CRONOMETER_SERVINGS_HEADER)]
    summary = io.StringIO()
    summary_writer = csv.writer(summary, lineterminator="\n")
    summary_writer.writerow(CRONOMETER_DAILYSUMMARY_HEADER)
    mfp = io.StringIO()
    mfp_writer = csv.writer(mfp, lineterminator="\r\n")
    mfp_writer.writerow(MFP_NUTRITION_HEADER)

    for i, day in enumerate(dates):
        day_rng = random.Random(rng.getrandbits(64))
        servings = day_servings(
            day_rng, athlete, files, day, types[i], i in deficit, i in low_protein, plan
        )
        completed = day_rng.random() < 0.85 or day in plan.crash_days
        note = day_rng.choice(_NOTES) if i in note_days else ""
        sums = _sum_cents(servings)
        meals = [m for m in MEALS if any(s.group == m for s in servings)]
        days.append(
            DayIntake(
                day,
                i not in unlogged,
                sums[ENERGY] / 100,
                sums[PROTEIN] / 100,
                sums[CARBS] / 100,
                sums[FAT] / 100,
                sums[FIBER] / 100,
                0 if i in unlogged else len(meals),
            )
        )
        if i in unlogged:
            continue
        servings_lines.extend(_servings_line(day, s) for s in servings)
        summary_writer.writerow(
            [day.isoformat(), *(_cents_text(v) for v in sums), "true" if completed else "false"]
        )
        note_meal = day_rng.choice(meals)
        for meal in meals:
            meal_sums = _sum_cents([s for s in servings if s.group == meal])
            mfp_writer.writerow(_mfp_row(day, meal, meal_sums, note if meal == note_meal else ""))

    last = start + timedelta(days=max(n_days - 1, 0))
    return NutritionExports(
        days=tuple(days),
        mfp_nutrition_csv=mfp.getvalue().encode("utf-8"),
        mfp_file_name=f"Nutrition-Summary-{start.isoformat()}-to-{last.isoformat()}.csv",
        cronometer_servings_csv=("\n".join(servings_lines) + "\n").encode("utf-8"),
        cronometer_dailysummary_csv=summary.getvalue().encode("utf-8"),
    )


def cronometer_servings_rows(n_rows: int, seed: int = 0, start: date = date(2016, 1, 1),
                             per_day: tuple[int, int] = (4, 6)) -> bytes:
    """A large Cronometer ``servings.csv`` (real header, then ``n_rows`` rows) for benchmarks.

    Consecutive days from ``start``, ``per_day`` (inclusive range) servings a day spread over
    Breakfast, Lunch, Dinner and Snacks (4-6 a day: about 20,000 days per 100,000 rows;
    24-31 a day, a meticulous logger: about ten years), foods from the same table
    as :func:`generate_nutrition_exports` in typical portions. Not tied to any training; rows
    are drawn from precomputed serving lines, so 100,000 rows take well under a second.
    """
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    rng = random.Random(seed)
    portions = (0.5, 0.75, 1.0, 1.0, 1.25, 1.5, 2.0)
    pools = {
        meal: [(_quote(f.name), _serving_tail(f, q, f.values_cents(q))) for f, q in pool]
        for meal, pool in typical_servings(portions).items()
    }
    windows = {
        "Breakfast": (6 * 60 + 30, 10 * 60),
        "Lunch": (11 * 60 + 45, 14 * 60),
        "Dinner": (18 * 60, 21 * 60),
        "Snacks": (15 * 60, 22 * 60),
    }
    clocks = [_clock(m) for m in range(24 * 60)]
    quoted = {m: _quote(m) for m in MEALS}
    lines = [",".join(CRONOMETER_SERVINGS_HEADER)]
    randint, choice, random_ = rng.randint, rng.choice, rng.random
    day = start
    written = 0
    while written < n_rows:
        n = min(randint(*per_day), n_rows - written)
        cycle = ("Breakfast", "Lunch", "Dinner", "Snacks", "Snacks", "Dinner")
        groups = [cycle[i % len(cycle)] for i in range(n)]
        if random_() < 0.3:
            groups[-1] = choice(MEALS)
        groups.sort(key=MEALS.index)
        prefix = day.isoformat()
        previous, minute = "", 0
        for group in groups:
            if group != previous:
                minute = randint(*windows[group])
                previous = group
            else:
                minute = min(minute + randint(0, 3), 24 * 60 - 1)
            name, tail = choice(pools[group])
            lines.append(f"{prefix},{clocks[minute]},{quoted[group]},{name},{tail}")
        written += n
        day += timedelta(days=1)
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- strength log (schemas.strength_log) -------------------------------------------------

#: The header `strength_log_csv` writes: every column of the strength log format.
STRENGTH_LOG_HEADER = ("date", "time", "minutes", "sets", "reps", "volume_kg")


@dataclass(frozen=True)
class LoggedLift:
    """One row of a strength log: a session on a local `day`, `minutes` long, started at
    local `start` ("HH:MM", None: not logged), with its hard `sets`, `reps` and
    `volume_kg` (sum of repetitions x load, kg) where logged (None: left empty)."""

    day: date
    minutes: float
    start: str | None = None
    sets: int | None = None
    reps: int | None = None
    volume_kg: float | None = None


def strength_log_csv(lifts: Sequence[LoggedLift]) -> str:
    """A strength log CSV (`STRENGTH_LOG_HEADER`) with one row per lift, in the given
    order; an unknown value is an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STRENGTH_LOG_HEADER)
    for lift in lifts:
        writer.writerow([lift.day.isoformat(), lift.start or "", f"{lift.minutes:g}",
                         "" if lift.sets is None else lift.sets,
                         "" if lift.reps is None else lift.reps,
                         "" if lift.volume_kg is None else f"{lift.volume_kg:g}"])
    return out.getvalue()


def weekly_lifts(start: date, weeks: int, *, weekdays: Sequence[int] = (1, 4),
                 minutes: float = 50.0, at: str | None = "18:00", sets: int | None = 12,
                 reps_per_set: int | None = 8, load_kg: float | None = 40.0
                 ) -> list[LoggedLift]:
    """A lifter's log: a session on each of `weekdays` (0 = Monday) of `weeks` weeks from
    `start`, each `minutes` long at local time `at`, with `sets` hard sets of
    `reps_per_set` repetitions at `load_kg` (volume = sets x reps x load); None leaves a
    column empty."""
    reps = None if sets is None or reps_per_set is None else sets * reps_per_set
    volume = None if reps is None or load_kg is None else reps * load_kg
    days = (start + timedelta(days=i) for i in range(7 * weeks))
    return [LoggedLift(d, minutes, at, sets, reps, volume) for d in days
            if d.weekday() in weekdays]
