"""Nutrition and body-weight export formats, as data.

Each format says which header columns identify it, which column holds each canonical
field (the first candidate present wins), the units, the date order and the grain. The
reader (`transforms/nutrition.py`) has one code path for all of them: supporting a new
export is a new `ExportFormat` here. Headers as real exports have them are listed in
`../shared/docs/formats.md`.

Canonical fields by kind:
- food: date, time, meal, food, energy, protein, carbohydrate, fat, fiber
- body: date, time, weight, body_fat (or, in long format, metric/unit/amount rows)
- exercise: date, exercise, minutes, energy
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal

Kind = Literal["food", "body", "exercise"]
Grain = Literal["entry", "meal", "day", "measurement", "session"]

#: kJ per kcal (thermochemical calorie, as food labels use). ISO 80000-5.
KJ_PER_KCAL = 4.184
#: kg per international avoirdupois pound (exact by definition, 1959).
KG_PER_LB = 0.45359237
#: One logged row above this is refused as absurd (a day's intake for an ultra-endurance
#: athlete rarely passes 10,000 kcal; no single food entry reaches 20,000).
MAX_ENERGY_KCAL_PER_ROW = 20_000.0
#: One logged row above this many grams of protein, carbohydrate, fat or fibre is refused.
MAX_MACRO_G_PER_ROW = 2_000.0
#: Plausible adult body weight, kg (the range the published-table expectations use too).
MIN_BODY_WEIGHT_KG = 25.0
MAX_BODY_WEIGHT_KG = 300.0
#: Plausible body fat, % (below essential fat, above any measured adult: a typo or a mass).
MIN_BODY_FAT_PCT = 2.0
MAX_BODY_FAT_PCT = 70.0
#: Body-mass index bounds used to tell kg from lb when a weight column carries no unit:
#: a reading outside them, when the other unit's reading falls inside, is refused (adult
#: runners sit well inside WHO's underweight-to-obese-II classes, BMI 16-40).
MIN_PLAUSIBLE_BMI = 16.0
MAX_PLAUSIBLE_BMI = 40.0
#: Without height or configured weight: the kg range a runner's median weight is judged in.
NO_REFERENCE_MIN_KG = 40.0
NO_REFERENCE_MAX_KG = 130.0
#: Dates before this (or after tomorrow) are typos, not diary days: a two-digit or
#: mistyped year must not make an export "cover" centuries of someone's history.
FIRST_PLAUSIBLE_DATE = date(1990, 1, 1)
#: Longest credible single exercise entry, minutes (one day).
MAX_EXERCISE_MINUTES = 1_440.0

#: Times of day as exports write them ("9:51 AM", "21:05", "21:05:33").
TIME_FORMATS: tuple[str, ...] = ("%I:%M %p", "%H:%M", "%H:%M:%S")
#: Cell texts that mean "no value".
MISSING_TOKENS: tuple[str, ...] = ("", "n/a", "N/A", "NA", "-", "--", "null")
#: Cell texts that mean "this row was deleted" (Lose It!) or "this day was completed"
#: (Cronometer).
TRUE_TOKENS: tuple[str, ...] = ("true", "TRUE", "True", "1", "yes", "Yes", "Y")
#: Cell texts that mean "no" in a true/false column (Cronometer's "Completed").
FALSE_TOKENS: tuple[str, ...] = ("false", "FALSE", "False", "0", "no", "No", "N")


def _m(**kw: tuple[str, ...] | str) -> Mapping[str, tuple[str, ...]]:
    """Canonical field -> candidate header names."""
    return MappingProxyType({k: (v,) if isinstance(v, str) else v for k, v in kw.items()})


def _u(**kw: str) -> Mapping[str, str]:
    """Canonical field -> unit."""
    return MappingProxyType(dict(kw))


@dataclass(frozen=True)
class ExportFormat:
    """One export file shape."""

    name: str
    family: str
    kind: Kind
    grain: Grain
    signature: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]]
    date_format: str = "%Y-%m-%d"
    units: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    deleted_column: str | None = None
    #: long format (one row per metric): canonical field -> metric names (prefix match,
    #: so "Weight" also takes "Weight (Garmin)")
    metrics: Mapping[str, tuple[str, ...]] | None = None
    #: file names that show the format inside an export folder or zip (fnmatch patterns)
    file_patterns: tuple[str, ...] = ()
    #: a free-text column that real exports write unquoted across lines
    free_text: tuple[str, ...] = ()
    #: the tracker's own "day completed" flag (true/false per day), if the format has one
    completed_column: str | None = None

    def column_for(self, canonical: str, header: tuple[str, ...]) -> str | None:
        """The header column holding a canonical field, or None."""
        return next((c for c in self.columns.get(canonical, ()) if c in header), None)


_MFP_FOOD = _m(date="Date", time="Time", meal="Meal", energy="Calories", protein="Protein (g)",
               carbohydrate="Carbohydrates (g)", fat="Fat (g)", fiber="Fiber")

FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        "myfitnesspal_nutrition", "myfitnesspal", "food", "meal",
        ("Date", "Meal", "Calories", "Fat (g)", "Carbohydrates (g)", "Protein (g)", "Fiber"),
        _MFP_FOOD, units=_u(energy="kcal"), file_patterns=("Nutrition-Summary-*.csv",),
        free_text=("Note",),
    ),
    ExportFormat(
        "myfitnesspal_measurement", "myfitnesspal", "body", "measurement",
        ("Date", "Weight"),
        _m(date="Date", weight="Weight",
           body_fat=("Body Fat", "Body Fat %", "Fitbit body fat %", "n_Body Fat")),
        units=_u(weight="setting", body_fat="%"), file_patterns=("Measurement-Summary-*.csv",),
    ),
    ExportFormat(
        "myfitnesspal_exercise", "myfitnesspal", "exercise", "session",
        ("Date", "Exercise", "Type", "Exercise Calories", "Exercise Minutes"),
        _m(date="Date", exercise="Exercise", minutes="Exercise Minutes",
           energy="Exercise Calories"),
        units=_u(energy="kcal"), file_patterns=("Exercise-Summary-*.csv",), free_text=("Note",),
    ),
    ExportFormat(
        "cronometer_dailysummary", "cronometer", "food", "day",
        ("Date", "Energy (kcal)", "Protein (g)", "Carbs (g)", "Fat (g)", "Completed"),
        _m(date="Date", energy="Energy (kcal)", protein="Protein (g)", carbohydrate="Carbs (g)",
           fat="Fat (g)", fiber="Fiber (g)"),
        units=_u(energy="kcal"), file_patterns=("dailysummary*.csv",),
        completed_column="Completed",
    ),
    ExportFormat(
        "cronometer_servings", "cronometer", "food", "entry",
        ("Day", "Time", "Group", "Food Name", "Energy (kcal)", "Protein (g)", "Carbs (g)"),
        _m(date="Day", time="Time", meal="Group", food="Food Name", energy="Energy (kcal)",
           protein="Protein (g)", carbohydrate="Carbs (g)", fat="Fat (g)", fiber="Fiber (g)"),
        units=_u(energy="kcal"), file_patterns=("servings*.csv",),
    ),
    ExportFormat(
        "cronometer_biometrics", "cronometer", "body", "measurement",
        ("Day", "Metric", "Unit", "Amount"),
        _m(date="Day", time="Time", metric="Metric", unit="Unit", amount="Amount"),
        metrics=_m(weight="Weight", body_fat="Body Fat"), file_patterns=("biometrics*.csv",),
    ),
    ExportFormat(
        "cronometer_exercises", "cronometer", "exercise", "session",
        ("Day", "Exercise", "Minutes", "Calories Burned"),
        _m(date="Day", exercise="Exercise", minutes="Minutes", energy="Calories Burned"),
        units=_u(energy="-kcal"), file_patterns=("exercises*.csv",),
    ),
    ExportFormat(
        "macrofactor", "macrofactor", "food", "entry",
        ("Date", "Food Name", "Calories (kcal)", "Protein (g)", "Carbs (g)", "Fat (g)"),
        _m(date="Date", time="Time", food="Food Name", energy="Calories (kcal)",
           protein="Protein (g)", carbohydrate="Carbs (g)", fat="Fat (g)", fiber="Fiber (g)"),
        units=_u(energy="kcal"), file_patterns=("MacroFactor-*.csv",),
    ),
    ExportFormat(
        "loseit_food", "loseit", "food", "entry",
        ("Date", "Name", "Calories", "Deleted", "Protein (g)", "Carbohydrates (g)"),
        _m(date="Date", meal=("Meal", "Type"), food="Name", energy="Calories",
           protein="Protein (g)", carbohydrate="Carbohydrates (g)", fat="Fat (g)",
           fiber="Fiber (g)"),
        date_format="%m/%d/%Y", units=_u(energy="kcal"), deleted_column="Deleted",
        file_patterns=("food-logs*.csv",),
    ),
    ExportFormat(
        "loseit_weights", "loseit", "body", "measurement",
        ("Date", "Weight", "Last Updated", "Deleted"),
        _m(date="Date", weight="Weight"),
        date_format="%m/%d/%Y", units=_u(weight="setting"), deleted_column="Deleted",
        file_patterns=("weights*.csv",),
    ),
)

FORMAT_BY_NAME: dict[str, ExportFormat] = {f.name: f for f in FORMATS}
#: Names accepted by --format and `format =`: a format name, or a family (then detected
#: among that family's formats), or "generic" (columns mapped in the config).
FAMILIES: tuple[str, ...] = tuple(sorted({f.family for f in FORMATS}))


def generic_format(mapping: Mapping[str, str], *, energy_unit: str = "kcal",
                   date_format: str = "%Y-%m-%d", name: str = "generic") -> ExportFormat:
    """A food format from a config mapping of canonical field -> header column."""
    required = ("date", "energy", "protein", "carbohydrate", "fat")
    missing = [k for k in required if not mapping.get(k)]
    if missing:
        raise ValueError(f"generic format needs columns for {', '.join(missing)}")
    return ExportFormat(
        name, "generic", "food", "entry" if mapping.get("time") else "meal",
        tuple(mapping[k] for k in required),
        _m(**{k: v for k, v in mapping.items() if v}),
        date_format=date_format, units=_u(energy=energy_unit),
    )


def canonical_header(name: str) -> str:
    """A header name with unit spellings unified: `mcg` and Greek `μg` are the micro sign
    `µg` that Cronometer writes; surrounding spaces dropped."""
    return name.strip().replace("(mcg)", "(\u00b5g)").replace("\u03bcg", "\u00b5g")


def detect_format(header: tuple[str, ...], allowed: tuple[ExportFormat, ...] = FORMATS
                  ) -> ExportFormat | None:
    """The format whose signature the header contains; the most specific one wins."""
    present = {canonical_header(h) for h in header}
    matches = [f for f in allowed if set(f.signature) <= present]
    if not matches:
        return None
    return max(matches, key=lambda f: len(f.signature))
