"""What the synthetic athlete eats: energy needs, foods and the servings of each day.

Pure like the rest of :mod:`synthetic`: nothing is written to disk, and the same arguments
give the same servings. :mod:`synthetic.exports` writes them out as tracker exports.

Units throughout: energy in kcal, macronutrients in grams, body mass in kg, micronutrients in the
unit their Cronometer column names (``mg``, ``µg`` = U+00B5, ``IU``). Days are local calendar
days in the athlete's IANA time zone.

What is generated (:func:`generate_nutrition_exports`), per local day:

* **Energy** follows :func:`daily_expenditure_kcal`: most days within ±250 kcal of it; some days
  in a deficit of 600-950 kcal (3-4 of them in "cutting" weeks, about 1 week in 4 and at least
  one per span; 0-1 in other weeks); a few surplus days (+300-600 kcal). Never below 1150 kcal.
* **Protein** 1.45-1.95 g/kg on most days (ISSN 1.4-2.0 g/kg, Jäger et al. 2017); some days
  0.85-1.05 g/kg (below 1.2 g/kg), only on days without a long run or intervals. High-carb
  days overshoot the protein target (grains carry protein), so a few days land above 2 g/kg.
* **Carbohydrate** by training load (Thomas et al. 2016): 6.5-8 g/kg on long-run, interval and
  other >= 75 min run days, 4.5-5.8 g/kg on other run days, 3-4.3 g/kg on rest days; lowered
  where the energy target leaves too little room for a minimum of fat.
* **Unlogged days**, about 1 in 15 (at least one in a span of 15+ days): nothing in any export.
* At least two low-protein days and one MFP note in a span of 2+ weeks; Cronometer marks about
  85 % of logged days ``Completed``.
* Meals Breakfast, Lunch, Dinner and (most days) Snacks, built from a table of real foods whose
  per-100 g composition is taken from typical USDA FoodData Central values (micronutrients of
  minor columns from food-group profiles: plausible, not authoritative).

A :class:`NutritionPlan` replaces parts of that mix with fixed rules for a test scenario: a
protein range for every day (then no low-protein days, and protein is met to within
±0.05 g/kg), a fixed deficit below expenditure (±40 kcal), another activity factor, and where
days go unlogged. Without a plan (or with ``NutritionPlan()``) the output is as described above.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from synthetic.athlete import (
    RUN_KCAL_PER_KG_KM,
    STRENGTH_KCAL_PER_KG_MIN,
    GeneratedFile,
    SyntheticAthlete,
)

__all__ = [
    "ACTIVITY_FACTOR",
    "CRONOMETER_NUTRIENTS",
    "MEALS",
    "DayIntake",
    "NutritionPlan",
    "daily_expenditure_kcal",
    "day_kind",
    "day_servings",
    "exercise_energy_kcal",
    "resting_energy_kcal",
    "typical_servings",
]

# --------------------------------------------------------------------------------------------
# Nutrient columns, as Cronometer names them
# --------------------------------------------------------------------------------------------

MU = "\u00b5"  # MICRO SIGN, as Cronometer writes it (not GREEK SMALL LETTER MU)

#: The nutrient columns of Cronometer's servings.csv (``Energy (kcal)`` .. ``Valine (g)``),
#: in file order; every food's composition and every serving is a vector in this order.
CRONOMETER_NUTRIENTS: tuple[str, ...] = (
    "Energy (kcal)", "Alcohol (g)", "Caffeine (mg)", "Water (g)",
    "B1 (Thiamine) (mg)", "B2 (Riboflavin) (mg)", "B3 (Niacin) (mg)",
    "B5 (Pantothenic Acid) (mg)", "B6 (Pyridoxine) (mg)", f"B12 (Cobalamin) ({MU}g)",
    f"Folate ({MU}g)", f"Vitamin A ({MU}g)", "Vitamin C (mg)", "Vitamin D (IU)",
    "Vitamin E (mg)", f"Vitamin K ({MU}g)", "Calcium (mg)", "Copper (mg)", "Iron (mg)",
    "Magnesium (mg)", "Manganese (mg)", "Phosphorus (mg)", "Potassium (mg)",
    f"Selenium ({MU}g)", "Sodium (mg)", "Zinc (mg)",
    "Carbs (g)", "Fiber (g)", "Starch (g)", "Sugars (g)", "Net Carbs (g)",
    "Fat (g)", "Cholesterol (mg)", "Monounsaturated (g)", "Polyunsaturated (g)",
    "Saturated (g)", "Trans-Fats (g)", "Omega-3 (g)", "Omega-6 (g)",
    "Cystine (g)", "Histidine (g)", "Isoleucine (g)", "Leucine (g)", "Lysine (g)",
    "Methionine (g)", "Phenylalanine (g)", "Protein (g)", "Threonine (g)", "Tryptophan (g)",
    "Tyrosine (g)", "Valine (g)",
)  # fmt: skip

MEALS: tuple[str, ...] = ("Breakfast", "Lunch", "Dinner", "Snacks")

COLUMN = {name: i for i, name in enumerate(CRONOMETER_NUTRIENTS)}
ENERGY, PROTEIN, CARBS, FAT, FIBER = (
    COLUMN["Energy (kcal)"], COLUMN["Protein (g)"], COLUMN["Carbs (g)"], COLUMN["Fat (g)"],
    COLUMN["Fiber (g)"],
)  # fmt: skip

# --------------------------------------------------------------------------------------------
# Energy expenditure
# --------------------------------------------------------------------------------------------

#: Multiplier on resting energy for daily living outside recorded exercise (thermic effect of
#: food plus non-exercise activity of a desk-bound person; FAO/WHO/UNU 2004 put the physical
#: activity level of sedentary lifestyles at 1.40-1.69). Exercise is added on top.
ACTIVITY_FACTOR = 1.4
#: Mifflin-St Jeor 1990 (Am J Clin Nutr 51:241), kcal/day: 10 W + 6.25 H - 5 A + s.
_MSJ_SEX_CONSTANT = {"male": 5.0, "female": -161.0}


def resting_energy_kcal(athlete: SyntheticAthlete, day: date) -> float:
    """Resting energy of ``athlete`` on ``day`` by Mifflin-St Jeor, kcal/day.

    Uses the athlete's nominal ``weight_kg`` and ``height_cm``; age is ``day.year -
    birth_year`` (no birthday is known). A sex other than male/female gets the mean constant.
    """
    s = _MSJ_SEX_CONSTANT.get(athlete.sex, sum(_MSJ_SEX_CONSTANT.values()) / 2)
    age = day.year - athlete.birth_year
    return 10.0 * athlete.weight_kg + 6.25 * athlete.height_cm - 5.0 * age + s


def exercise_energy_kcal(athlete: SyntheticAthlete, file: GeneratedFile) -> float:
    """Gross energy of one activity file, kcal (0 for weigh-ins).

    The formulas :mod:`synthetic` writes into ``total_calories``: runs
    ``1.0 kcal/kg/km x weight x distance``, other sessions ``0.08 kcal/kg/min x weight x timer
    time``.
    """
    if file.sport is None or file.kind == "weight":
        return 0.0
    if file.sport == "running" and file.total_distance_m:
        return athlete.weight_kg * file.total_distance_m / 1000.0 * RUN_KCAL_PER_KG_KM
    if file.total_timer_time_s:
        return athlete.weight_kg * file.total_timer_time_s / 60.0 * STRENGTH_KCAL_PER_KG_MIN
    return 0.0


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC-comparable instants of local midnight of ``day`` and of the next day (23-25 h)."""
    return (
        datetime.combine(day, time(), tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time(), tzinfo=zone),
    )


def daily_expenditure_kcal(
    athlete: SyntheticAthlete,
    files: Sequence[GeneratedFile],
    day: date,
    *,
    activity_factor: float = ACTIVITY_FACTOR,
) -> float:
    """Estimated total energy expenditure of local ``day``, kcal.

    ``resting_energy_kcal x activity_factor`` (default :data:`ACTIVITY_FACTOR`, a
    dimensionless multiplier) plus the gross exercise energy
    (:func:`exercise_energy_kcal`) of the runs and strength sessions in ``files``. An activity
    that crosses local midnight is split between the days in proportion to its elapsed time in
    each (the ``midnight_run``); a day containing a DST change is 23 or 25 hours long. The
    resting energy of the exercise minutes is not subtracted (gross figure).
    """
    zone = ZoneInfo(athlete.timezone)
    begin, end = _day_bounds(day, zone)
    exercise = 0.0
    for f in files:
        kcal = exercise_energy_kcal(athlete, f)
        if kcal == 0.0:
            continue
        span = (f.end_utc - f.start_utc).total_seconds()
        if span <= 0:
            exercise += kcal if begin <= f.start_utc < end else 0.0
            continue
        overlap = (min(f.end_utc, end) - max(f.start_utc, begin)).total_seconds()
        if overlap > 0:
            exercise += kcal * overlap / span
    return resting_energy_kcal(athlete, day) * activity_factor + exercise


# --------------------------------------------------------------------------------------------
# Foods: composition per 100 g
# --------------------------------------------------------------------------------------------

_MICROS = (
    "B1 (Thiamine) (mg)", "B2 (Riboflavin) (mg)", "B3 (Niacin) (mg)",
    "B5 (Pantothenic Acid) (mg)", "B6 (Pyridoxine) (mg)", f"B12 (Cobalamin) ({MU}g)",
    f"Folate ({MU}g)", f"Vitamin A ({MU}g)", "Vitamin C (mg)", "Vitamin D (IU)",
    "Vitamin E (mg)", f"Vitamin K ({MU}g)", "Copper (mg)", "Magnesium (mg)", "Manganese (mg)",
    "Phosphorus (mg)", f"Selenium ({MU}g)", "Zinc (mg)",
)  # fmt: skip
#: Typical micronutrients per 100 g of a food group (USDA-like values), columns ``_MICROS``:
#: B1 B2 B3 B5 B6 mg, B12 Folate VitA µg, VitC mg, VitD IU, VitE mg, VitK µg, Cu Mg Mn P mg,
#: Se µg, Zn mg.
_PROFILE_TABLE = """
#            B1   B2   B3   B5   B6  B12  Fol VitA VitC VitD VitE VitK   Cu   Mg   Mn    P   Se   Zn
poultry    0.07 0.11 13.7 0.97 0.60 0.34    4    6    0    5 0.27  0.3 0.05   29 0.02  228 27.6  1.0
beef       0.05 0.18  6.0 0.60 0.38 2.60    9    0    0    4 0.40  1.2 0.08   22 0.01  200 21.0  6.3
fish       0.34 0.14  8.0 1.50 0.65 2.80   34   69  3.7  526 1.10  0.5 0.05   30 0.01  252 41.0 0.43
tuna       0.03 0.07 13.3 0.22 0.35 2.55    4   17    0   47 0.33  0.0 0.05   27 0.01  163 80.0 0.77
egg        0.07 0.51 0.06 1.40 0.12 1.11   44  149    0   87 1.03  0.3 0.01   10 0.03  172 30.8 1.05
dairy      0.04 0.20 0.10 0.35 0.05 0.50    6   30  0.5   40 0.03  0.2 0.01   11 .005  100  3.5  0.5
cheese     0.03 0.38 0.06 0.41 0.07 1.10   18  265    0   24 0.71  2.8 0.03   28 0.03  512 14.0  3.1
butter     0.01 0.03 0.04 0.11 0.00 0.17    3  684    0   60 2.32  7.0 0.00    2 0.00   24  1.0 0.09
oats       0.46 0.16 1.13 1.12 0.10 0.00   32    0    0    0 0.42  2.0 0.39  138 3.63  410 28.9 3.64
grain      0.15 0.05 1.60 0.40 0.09 0.00   60    0    0    0 0.08  0.1 0.07   15 0.40   50 10.0  0.5
bread      0.40 0.17 4.40 0.60 0.20 0.00   42    0    0    0 0.30  7.8 0.25   75 2.00  212 25.0  1.8
fruit      0.03 0.04 0.40 0.20 0.10 0.00   15    5   10    0 0.30  2.0 0.06   12 0.10   15  0.3  0.1
veg        0.07 0.10 0.60 0.40 0.20 0.00   60  100   30    0 1.00  100 0.08   30 0.30   50  1.0  0.4
tuber      0.06 0.05 1.40 0.38 0.31 0.00   28    1  9.6    0 0.04  2.0 0.12   28 0.22   70  0.4 0.36
legume     0.10 0.10 3.00 0.50 0.20 0.00   30    0    0    0 2.00  1.0 0.40  100 1.00  250  5.0  2.0
nuts       0.21 1.14 3.62 0.47 0.14 0.00   44    0    0    0 25.6  0.0 1.03  270 2.18  481  4.1 3.12
oil        0.00 0.00 0.00 0.00 0.00 0.00    0    0    0    0 14.4 60.2 0.00    0 0.00    0  0.0  0.0
sweet      0.00 0.04 0.12 0.07 0.02 0.00    2    0  0.5    0 0.00  0.0 0.04    2 0.08    4  0.8 0.22
beverage   0.01 0.08 0.19 0.25 0.00 0.00    2    0    0    0 0.01  0.1 0.00    3 0.02    3  0.0 0.02
supplement 0.50 0.60 2.00 1.50 0.50 1.00   60  150   20  200 3.00 10.0 0.10   80 0.30  300 20.0  3.0
bar        0.55 0.40 5.00 2.20 0.50 1.50  100    0   22    0 5.00  6.0 0.40  100 0.90  200  8.0  4.4
recipe     0.12 0.12 3.50 0.50 0.22 0.20   30   40    5    5 0.60 15.0 0.10   35 0.40  150 10.0  1.2
"""
_PROFILES: dict[str, tuple[float, ...]] = {
    line.split()[0]: tuple(float(x) for x in line.split()[1:])
    for line in _PROFILE_TABLE.strip().splitlines()
    if not line.startswith("#")
}

_AMINOS = (
    "Cystine (g)", "Histidine (g)", "Isoleucine (g)", "Leucine (g)", "Lysine (g)",
    "Methionine (g)", "Phenylalanine (g)", "Threonine (g)", "Tryptophan (g)", "Tyrosine (g)",
    "Valine (g)",
)  # fmt: skip
#: Grams of each amino acid per gram of protein, in ``_AMINOS`` order.
_AMINO_PROFILES: dict[str, tuple[float, ...]] = {
    "meat": (0.012, 0.036, 0.047, 0.080, 0.088, 0.027, 0.040, 0.044, 0.012, 0.035, 0.050),
    "egg": (0.023, 0.024, 0.055, 0.086, 0.072, 0.031, 0.053, 0.048, 0.012, 0.041, 0.061),
    "dairy": (0.009, 0.027, 0.054, 0.098, 0.081, 0.026, 0.049, 0.045, 0.014, 0.048, 0.065),
    "whey": (0.024, 0.018, 0.063, 0.110, 0.096, 0.021, 0.032, 0.068, 0.019, 0.030, 0.058),
    "grain": (0.021, 0.023, 0.040, 0.078, 0.034, 0.019, 0.050, 0.033, 0.013, 0.031, 0.050),
    "legume": (0.014, 0.026, 0.046, 0.076, 0.064, 0.013, 0.051, 0.039, 0.013, 0.037, 0.048),
    "produce": (0.010, 0.020, 0.035, 0.055, 0.050, 0.012, 0.035, 0.035, 0.010, 0.025, 0.045),
}  # fmt: skip


@dataclass(frozen=True)
class Food:
    """A food as Cronometer logs it: one serving unit, composition per 100 g."""

    key: str
    name: str  # Cronometer "Food Name"
    category: str  # Cronometer "Category" ("" for a user's custom recipe)
    unit: str  # serving unit written in "Amount", e.g. "g", "large", "cup"
    unit_g: float  # grams per unit
    step: float  # quantities are multiples of this, in units
    role: str  # protein | carb | fat | side (sides are not scaled by the day's targets)
    per100: tuple[float | None, ...]  # per 100 g, CRONOMETER_NUTRIENTS order; None = empty

    def values_cents(self, quantity: float) -> tuple[int | None, ...]:
        """Nutrients of ``quantity`` units, each rounded to 0.01 and returned in hundredths."""
        scale = quantity * self.unit_g  # grams x per-100-g value / 100 x 100 hundredths
        return tuple(None if v is None else round(v * scale) for v in self.per100)


def _food(
    key: str,
    name: str,
    category: str,
    unit: str,
    unit_g: float,
    step: float,
    role: str,
    profile: str,
    aminos: str,
    macros: tuple[float, ...],
    minerals: tuple[float, ...],
    *,
    omega3: float = 0.08,
    ruminant: bool = False,
    extra: dict[str, float] | None = None,
    blank: tuple[str, ...] = (),
) -> Food:
    """Build a food from its main values per 100 g plus food-group profiles.

    ``macros``: kcal, protein, carbs, fiber, sugars, fat, saturated, mono-, polyunsaturated
    (g); ``minerals``: cholesterol, sodium, potassium, calcium, iron (mg), water (g).
    ``omega3``: omega-3 share of polyunsaturated fat (the rest minus 5 % is omega-6);
    ``ruminant``: 4 % of saturated fat is trans fat. ``extra`` overrides any column,
    ``blank`` leaves columns empty (branded foods with an incomplete label).
    """
    kcal, protein, carbs, fiber, sugars, fat, sat, mono, poly = macros
    chol, sodium, potassium, calcium, iron, water = minerals
    values: dict[str, float | None] = dict(zip(_MICROS, _PROFILES[profile], strict=True))
    values.update(
        {
            "Energy (kcal)": kcal,
            "Alcohol (g)": 0.0,
            "Caffeine (mg)": 0.0,
            "Water (g)": water,
            "Calcium (mg)": calcium,
            "Iron (mg)": iron,
            "Potassium (mg)": potassium,
            "Sodium (mg)": sodium,
            "Carbs (g)": carbs,
            "Fiber (g)": fiber,
            "Starch (g)": max(0.0, carbs - fiber - sugars),
            "Sugars (g)": sugars,
            "Net Carbs (g)": max(0.0, carbs - fiber),
            "Fat (g)": fat,
            "Cholesterol (mg)": chol,
            "Monounsaturated (g)": mono,
            "Polyunsaturated (g)": poly,
            "Saturated (g)": sat,
            "Trans-Fats (g)": 0.04 * sat if ruminant else 0.0,
            "Omega-3 (g)": omega3 * poly,
            "Omega-6 (g)": max(0.0, 0.95 - omega3) * poly,
            "Protein (g)": protein,
        }
    )
    for amino, share in zip(_AMINOS, _AMINO_PROFILES[aminos], strict=True):
        values[amino] = share * protein
    values.update(extra or {})
    for column in blank:
        values[column] = None
    return Food(
        key,
        name,
        category,
        unit,
        unit_g,
        step,
        role,
        tuple(values[c] for c in CRONOMETER_NUTRIENTS),
    )


_DAIRY, _FRUIT = "Dairy and Egg Products", "Fruits and Fruit Juices"
_VEG = "Vegetables and Vegetable Products"
_GRAINS, _BAKED, _FATS = "Cereal Grains and Pasta", "Baked Products", "Fats and Oils"
_LEGUMES, _FISH = "Legumes and Legume Products", "Finfish and Shellfish Products"
_BRANDED_BLANKS = ("Alcohol (g)", "Caffeine (mg)", "Water (g)", "Starch (g)")

# fmt: off
_FOODS: tuple[Food, ...] = (
    # ---- protein (scaled to the day's protein target)
    _food("chicken", "Chicken Breast, Skin Removed Before Cooking", "Poultry Products", "g", 1,
          5, "protein", "poultry", "meat", (165, 31.0, 0, 0, 0, 3.6, 1.0, 1.2, 0.8),
          (85, 74, 256, 15, 1.0, 65.3)),
    _food("eggs", "Egg, Whole, Cooked, Hard-Boiled", _DAIRY, "large", 50, 1, "protein", "egg",
          "egg", (155, 12.6, 1.1, 0, 1.1, 10.6, 3.3, 4.1, 1.4), (373, 124, 126, 50, 1.2, 74.6)),
    _food("yogurt", "Chobani, Greek Yogurt, Plain, Non-Fat", _DAIRY, "g", 1, 5, "protein",
          "dairy", "dairy", (59, 10.2, 3.6, 0, 3.2, 0.4, 0.1, 0.1, 0.0),
          (5, 36, 141, 110, 0.1, 85.1), ruminant=True),
    _food("salmon", "Salmon, Atlantic, Farmed, Cooked, Dry Heat", _FISH, "g", 1, 5, "protein",
          "fish", "meat", (206, 22.1, 0, 0, 0, 12.4, 2.5, 4.4, 4.5),
          (63, 61, 384, 15, 0.3, 64.8), omega3=0.55),
    _food("beef", "Beef, Ground, 90% Lean Meat / 10% Fat, Pan-Browned", "Beef Products", "g",
          1, 5, "protein", "beef", "meat", (217, 26.1, 0, 0, 0, 11.8, 4.6, 5.0, 0.5),
          (84, 72, 383, 12, 2.7, 61.2), ruminant=True),
    _food("cottage", "Cottage Cheese, Lowfat, 2% Milkfat", _DAIRY, "cup", 226, 0.25, "protein",
          "dairy", "dairy", (84, 11.0, 4.3, 0, 4.0, 2.3, 1.3, 0.6, 0.1),
          (10, 308, 125, 111, 0.2, 81.2), ruminant=True),
    _food("tuna", "Tuna, Light, Canned in Water, Drained", _FISH, "can", 165, 0.5, "protein",
          "tuna", "meat", (116, 25.5, 0, 0, 0, 0.8, 0.2, 0.2, 0.3),
          (30, 338, 237, 11, 1.5, 70.0), omega3=0.8),
    _food("whey", "Optimum Nutrition, Gold Standard 100% Whey, Double Rich Chocolate",
          "Supplements", "scoop", 30.4, 0.5, "protein", "supplement", "whey",
          (395, 79.0, 9.9, 3.3, 3.3, 4.9, 3.3, 0.8, 0.4), (99, 428, 658, 428, 1.6, 3.0),
          blank=_BRANDED_BLANKS),
    _food("tofu", "Tofu, Firm, Prepared with Calcium Sulfate", _LEGUMES, "g", 1, 5, "protein",
          "legume", "legume", (144, 17.3, 2.8, 2.3, 0.5, 8.7, 1.3, 1.9, 4.9),
          (0, 14, 237, 683, 2.7, 70.5), omega3=0.12),
    # ---- carbohydrate (scaled to the day's carbohydrate target)
    _food("oats", "Oats, Rolled, Dry", "Breakfast Cereals", "g", 1, 5, "carb", "oats", "grain",
          (379, 13.2, 67.7, 10.1, 1.0, 6.5, 1.1, 2.0, 2.3), (0, 6, 362, 52, 4.3, 8.5)),
    _food("rice", "Rice, White, Long-Grain, Enriched, Cooked", _GRAINS, "g", 1, 5, "carb",
          "grain", "grain", (130, 2.7, 28.2, 0.4, 0.1, 0.3, 0.1, 0.1, 0.1),
          (0, 1, 35, 10, 1.2, 68.4)),
    _food("pasta", "Pasta, Enriched, Cooked", _GRAINS, "g", 1, 5, "carb", "grain", "grain",
          (158, 5.8, 30.9, 1.8, 0.6, 0.9, 0.2, 0.1, 0.3), (0, 1, 44, 7, 1.3, 62.0)),
    _food("bread", "Bread, Whole-Wheat, Commercially Prepared", _BAKED, "slice", 32, 1, "carb",
          "bread", "grain", (252, 12.4, 42.7, 6.0, 4.4, 3.5, 0.7, 0.7, 1.5),
          (0, 450, 250, 161, 2.5, 38.7)),
    _food("banana", "Banana, Raw", _FRUIT, 'medium (7" to 7-7/8" long)', 118, 0.5, "carb",
          "fruit", "produce", (89, 1.1, 22.8, 2.6, 12.2, 0.3, 0.1, 0.0, 0.1),
          (0, 1, 358, 5, 0.3, 74.9), extra={"Vitamin C (mg)": 8.7, "B6 (Pyridoxine) (mg)": 0.37}),
    _food("potato", "Potato, Baked, Flesh and Skin", _VEG, "g", 1, 5, "carb", "tuber",
          "produce", (93, 2.5, 21.2, 2.2, 1.2, 0.1, 0.0, 0.0, 0.1),
          (0, 10, 535, 15, 1.1, 74.9)),
    _food("sweetpotato", "Sweet Potato, Cooked, Baked in Skin", _VEG, "g", 1, 5, "carb",
          "tuber", "produce", (90, 2.0, 20.7, 3.3, 6.5, 0.2, 0.1, 0.0, 0.1),
          (0, 36, 475, 38, 0.7, 75.8),
          extra={f"Vitamin A ({MU}g)": 961, "Vitamin C (mg)": 19.6}),
    _food("bagel", "Bagel, Plain, Enriched", _BAKED, 'medium (3-1/2" to 4" dia)', 105, 0.5,
          "carb", "bread", "grain", (257, 10.0, 50.5, 2.1, 5.1, 1.6, 0.2, 0.3, 0.7),
          (0, 430, 101, 20, 3.8, 33.6)),
    _food("honey", "Honey", "Sweets", "tbsp", 21, 0.5, "carb", "sweet", "produce",
          (304, 0.3, 82.4, 0.2, 82.1, 0.0, 0.0, 0.0, 0.0), (0, 4, 52, 6, 0.4, 17.1)),
    _food("oj", "Orange Juice, Raw", _FRUIT, "cup", 248, 0.25, "carb", "fruit", "produce",
          (45, 0.7, 10.4, 0.2, 8.4, 0.2, 0.0, 0.0, 0.0), (0, 1, 200, 11, 0.2, 88.3),
          extra={"Vitamin C (mg)": 50.0, f"Folate ({MU}g)": 30}),
    _food("sportsdrink", "Gatorade, Thirst Quencher, Lemon-Lime", "Beverages",
          "bottle (20 fl oz)", 591, 0.5, "carb", "beverage", "produce",
          (26, 0.0, 6.0, 0.0, 5.7, 0.0, 0.0, 0.0, 0.0), (0, 45, 13, 0, 0.0, 93.8),
          blank=("Alcohol (g)", "Caffeine (mg)", "Starch (g)")),
    _food("clifbar", "Clif Bar, Energy Bar, Chocolate Chip", "Snacks", "bar", 68, 1, "carb",
          "bar", "legume", (368, 14.7, 64.7, 5.9, 25.0, 7.4, 2.2, 2.9, 1.5),
          (0, 221, 338, 382, 4.4, 8.0), blank=_BRANDED_BLANKS),
    # ---- fat (scaled to the fat left by the energy target)
    _food("oil", "Olive Oil", _FATS, "tbsp", 13.5, 0.5, "fat", "oil", "produce",
          (884, 0.0, 0.0, 0.0, 0.0, 100.0, 13.8, 73.0, 10.5), (0, 2, 1, 1, 0.6, 0.0)),
    _food("pb", "Peanut Butter, Smooth Style, With Salt", _LEGUMES, "tbsp", 16, 0.5, "fat",
          "legume", "legume", (588, 25.1, 20.0, 6.0, 9.2, 50.4, 10.3, 24.7, 12.3),
          (0, 459, 649, 43, 1.9, 1.8), omega3=0.01,
          extra={"B3 (Niacin) (mg)": 13.4, "Vitamin E (mg)": 9.1, "Magnesium (mg)": 154}),
    _food("almonds", "Almonds", "Nut and Seed Products", "g", 1, 5, "fat", "nuts", "legume",
          (579, 21.2, 21.6, 12.5, 4.4, 49.9, 3.8, 31.6, 12.3), (0, 1, 733, 269, 3.7, 4.4),
          omega3=0.0),
    _food("avocado", "Hass Avocado", _FRUIT, "each", 136, 0.25, "fat", "fruit", "produce",
          (167, 2.0, 8.6, 6.8, 0.3, 15.4, 2.1, 9.8, 1.8), (0, 8, 507, 13, 0.6, 72.3),
          extra={f"Vitamin K ({MU}g)": 21.0, f"Folate ({MU}g)": 89, "Vitamin E (mg)": 1.97}),
    _food("cheddar", "Cheddar Cheese", _DAIRY, "oz", 28.35, 0.5, "fat", "cheese", "dairy",
          (403, 24.9, 1.3, 0.0, 0.5, 33.1, 21.1, 9.4, 0.9), (105, 621, 98, 721, 0.7, 36.8),
          ruminant=True),
    _food("butter", "Butter, Salted", _FATS, "tbsp", 14.2, 0.5, "fat", "butter", "dairy",
          (717, 0.9, 0.1, 0.0, 0.1, 81.1, 51.4, 21.0, 3.0), (215, 643, 24, 24, 0.0, 15.9),
          ruminant=True),
    # ---- sides (fixed amounts)
    _food("milk", "Milk, Reduced Fat, 2%", _DAIRY, "cup", 244, 0.25, "side", "dairy", "dairy",
          (50, 3.3, 4.8, 0.0, 5.1, 2.0, 1.1, 0.5, 0.1), (8, 47, 150, 120, 0.0, 89.3),
          ruminant=True, extra={"Vitamin D (IU)": 49, f"B12 (Cobalamin) ({MU}g)": 0.53}),
    _food("broccoli", "Broccoli, Cooked, Boiled, Drained", _VEG, "cup, chopped", 156, 0.5,
          "side", "veg", "produce", (35, 2.4, 7.2, 3.3, 1.4, 0.4, 0.1, 0.0, 0.2),
          (0, 41, 293, 40, 0.7, 89.3),
          extra={"Vitamin C (mg)": 64.9, f"Vitamin K ({MU}g)": 141.1}),
    _food("spinach", "Spinach, Raw", _VEG, "cup", 30, 1, "side", "veg", "produce",
          (23, 2.9, 3.6, 2.2, 0.4, 0.4, 0.1, 0.0, 0.2), (0, 79, 558, 99, 2.7, 91.4),
          omega3=0.7, extra={f"Vitamin A ({MU}g)": 469, f"Vitamin K ({MU}g)": 482.9,
                             f"Folate ({MU}g)": 194, "Magnesium (mg)": 79}),
    _food("tomato", "Tomatoes, Red, Ripe, Raw", _VEG, 'medium whole (2-3/5" dia)', 123, 0.5,
          "side", "veg", "produce", (18, 0.9, 3.9, 1.2, 2.6, 0.2, 0.0, 0.0, 0.1),
          (0, 5, 237, 10, 0.3, 94.5), extra={"Vitamin C (mg)": 13.7, f"Vitamin A ({MU}g)": 42}),
    _food("blueberries", "Blueberries, Fresh", _FRUIT, "cup", 148, 0.5, "side", "fruit",
          "produce", (57, 0.7, 14.5, 2.4, 10.0, 0.3, 0.0, 0.0, 0.1), (0, 1, 77, 6, 0.3, 84.2),
          extra={f"Vitamin K ({MU}g)": 19.3}),
    _food("apple", "Apple, Raw, With Skin", _FRUIT, 'medium (3" dia)', 182, 0.5, "side",
          "fruit", "produce", (52, 0.3, 13.8, 2.4, 10.4, 0.2, 0.0, 0.0, 0.1),
          (0, 1, 107, 6, 0.1, 85.6), extra={"Vitamin C (mg)": 4.6}),
    _food("salt", "Salt, Table", "Spices and Herbs", "tsp", 6, 0.25, "side", "oil", "produce",
          (0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0), (0, 38758, 8, 24, 0.3, 0.2),
          extra={"Vitamin E (mg)": 0.0, f"Vitamin K ({MU}g)": 0.0, "Magnesium (mg)": 1.0}),
    _food("coffee", "Coffee, Brewed from Grounds", "Beverages", "cup", 237, 1, "side",
          "beverage", "produce", (1, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
          (0, 2, 49, 2, 0.0, 99.4), extra={"Caffeine (mg)": 40.0}),
    # ---- the user's own recipes: no Category, logged in servings
    _food("overnight", "Overnight Oats with Berries", "", "serving", 250, 0.25, "carb",
          "recipe", "grain", (140, 6.0, 22.0, 3.0, 7.0, 3.0, 0.8, 1.0, 1.0),
          (4, 40, 220, 90, 1.2, 68.0)),
    _food("burrito", "Chicken Burrito Bowl", "", "serving", 350, 0.25, "protein", "recipe",
          "meat", (150, 11.0, 16.0, 2.5, 1.5, 4.5, 1.4, 1.8, 0.9),
          (25, 320, 300, 40, 1.1, 66.0)),
)
# fmt: on
_FOOD = {f.key: f for f in _FOODS}

#: Meal templates: (food key, base quantity in the food's unit). Each day draws one per meal
#: and scales the protein, carb and fat items of the whole day to its targets.
_TEMPLATES: dict[str, tuple[tuple[tuple[str, float], ...], ...]] = {
    "Breakfast": (
        (("oats", 70), ("milk", 1), ("banana", 1), ("whey", 1), ("coffee", 1)),
        (("eggs", 3), ("bread", 2), ("butter", 1), ("oj", 1), ("coffee", 1)),
        (("yogurt", 250), ("blueberries", 1), ("honey", 1), ("almonds", 20)),
        (("bagel", 1), ("pb", 1.5), ("cottage", 0.5), ("coffee", 1)),
        (("overnight", 1), ("whey", 1), ("banana", 0.5), ("almonds", 15)),
    ),
    "Lunch": (
        (("chicken", 150), ("rice", 200), ("broccoli", 1), ("oil", 1)),
        (("tuna", 1), ("bread", 2), ("avocado", 0.5), ("tomato", 1)),
        (("burrito", 1), ("chicken", 80), ("rice", 100), ("cheddar", 1)),
        (("tofu", 150), ("rice", 180), ("spinach", 2), ("oil", 1)),
        (("eggs", 2), ("pasta", 200), ("cheddar", 1), ("spinach", 1)),
    ),
    "Dinner": (
        (("salmon", 150), ("potato", 250), ("broccoli", 1), ("butter", 1)),
        (("beef", 150), ("pasta", 220), ("tomato", 2), ("oil", 1)),
        (("chicken", 160), ("sweetpotato", 250), ("spinach", 2), ("oil", 1)),
        (("tofu", 180), ("rice", 200), ("broccoli", 1), ("pb", 1)),
        (("salmon", 140), ("rice", 200), ("spinach", 1), ("avocado", 0.5)),
    ),
    "Snacks": (
        (("apple", 1), ("pb", 1.5)),
        (("cottage", 0.75), ("blueberries", 1)),
        (("clifbar", 1),),
        (("yogurt", 170), ("honey", 1)),
        (("banana", 1), ("almonds", 25)),
        (("whey", 1), ("milk", 1)),
    ),
}

#: Templates of low-protein days: starchy, sugary foods, little meat, fats without protein.
_LOW_PROTEIN_TEMPLATES: dict[str, tuple[tuple[tuple[str, float], ...], ...]] = {
    "Breakfast": (
        (("banana", 1), ("oj", 1), ("honey", 1), ("yogurt", 100), ("coffee", 1)),
        (("banana", 1), ("avocado", 0.5), ("oj", 1), ("eggs", 1), ("coffee", 1)),
    ),
    "Lunch": (
        (("potato", 300), ("butter", 1), ("tomato", 1), ("tuna", 0.5)),
        (("rice", 250), ("avocado", 0.5), ("spinach", 1), ("tofu", 60)),
    ),
    "Dinner": (
        (("rice", 250), ("chicken", 60), ("oil", 1.5), ("broccoli", 1)),
        (("sweetpotato", 300), ("butter", 1), ("beef", 60), ("spinach", 1)),
    ),
    "Snacks": (
        (("banana", 1), ("honey", 1)),
        (("apple", 1), ("oj", 1)),
    ),
}

#: Per-day notes of the MFP export (commas, quotes and a line break, all to be CSV-quoted).
# --------------------------------------------------------------------------------------------
# Day plans
# --------------------------------------------------------------------------------------------

#: Day types by training: "key" = long run, intervals or any run of 75+ min; "run"; "rest".
_CARB_G_PER_KG = {"key": (6.5, 8.0), "run": (4.5, 5.8), "rest": (3.0, 4.3)}
_PROTEIN_G_PER_KG = (1.45, 1.95)
_LOW_PROTEIN_G_PER_KG = (0.85, 1.05)
_DEFICIT_KCAL = (600.0, 950.0)
_SURPLUS_KCAL = (300.0, 600.0)
_BALANCE_SD = 0.04  # relative day-to-day noise of intake on balanced days
_BALANCE_MAX_KCAL = 250.0
_MIN_INTAKE_KCAL = 1150.0
_PLAN_ENERGY_NOISE_KCAL = 40.0  # NutritionPlan.deficit_kcal: uniform noise of the target, ±kcal
#: NutritionPlan.protein_g_per_kg: protein (g) above the target, after rounding and correction,
#: that sends the day to the low-protein menus.
_PROTEIN_SLACK_G = 1.0
#: A crash day's intake is at most NutritionPlan.crash_kcal + this, kcal.
_CRASH_SLACK_KCAL = 25.0
#: NutritionPlan.protein_g_per_kg: targets are drawn this far (g/kg, at most a quarter of the
#: range) inside each end of the range, so that the day's protein after rounding stays inside.
_PLAN_PROTEIN_MARGIN_G_PER_KG = 0.02
_SCALE_BOUNDS = (0.05, 6.0)  # how far the solver may scale a template's role items


@dataclass(frozen=True)
class DayIntake:
    """What the athlete ate on one local day: the truth the exports were written from.

    Energy in kcal, nutrients in g: sums of the day's servings as written (each rounded to
    0.01). When ``logged`` is False the day appears in no export (a reader must treat it as
    unknown, never as zero); its nutrient fields then hold what the athlete ate unrecorded.
    """

    local_date: date
    logged: bool  # False on unlogged days (no rows in any export)
    energy_kcal: float
    protein_g: float
    carbohydrate_g: float
    fat_g: float
    fiber_g: float
    meals: int  # meals logged that day (0 when not logged)


@dataclass(frozen=True)
class NutritionPlan:
    """Fixed rules for :func:`generate_nutrition_exports`; a field left at None keeps the default.

    ``NutritionPlan()`` generates exactly what ``plan=None`` does.

    * ``protein_g_per_kg``: (low, high) g protein per kg of the athlete's nominal
      ``weight_kg``; every day's protein target is drawn in this range (0.02 g/kg inside
      each end, if the range is wide enough) and there are no low-protein days. The day's
      foods are stepped back to the target after rounding to serving steps (days whose
      carbohydrate foods alone bring too much protein use the low-protein menus), so
      :attr:`DayIntake.protein_g` is within 1 g of the target and inside the range (checked
      for 0.8-2.6 g/kg, 48-80 kg).
    * ``deficit_kcal``: every day's intake target is the day's expenditure minus this many
      kcal, ±40 kcal noise, never below 1150 kcal; no surplus days, no other deficit days.
      The day's foods are stepped back to that target after rounding: energy is within
      10 kcal of it, except where a protein range's target plus the smallest servings of the
      day's other foods already exceed it (e.g. 2 g/kg or more with a 600 kcal deficit on a
      rest day): protein wins.
    * ``activity_factor``: multiplier on resting energy in the expenditure that intake
      follows (:func:`daily_expenditure_kcal`); default :data:`ACTIVITY_FACTOR`.
    * ``unlogged_from``: no day on or after this local date is logged (the days keep their
      :class:`DayIntake` with ``logged`` False and appear in no export).
    * ``random_unlogged``: False = no randomly unlogged days (only ``unlogged_from`` applies).
    * ``crash_days``: local dates logged as "crash days": the whole day's intake is
      planned at ``crash_kcal`` (default 650 kcal; 25 % of it protein, 50 % carbohydrate,
      25 % fat) and never above it by more than 25 kcal (servings are left out where the
      smallest ones add up to more), whatever the training, protein range or deficit say;
      Cronometer marks them ``Completed`` (the athlete logged everything).

    Carbohydrate still follows the day's training and fat fills the rest, as without a plan.
    """

    protein_g_per_kg: tuple[float, float] | None = None
    deficit_kcal: float | None = None
    activity_factor: float | None = None
    unlogged_from: date | None = None
    random_unlogged: bool = True
    crash_days: frozenset[date] = frozenset()
    crash_kcal: float = 650.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "crash_days", frozenset(self.crash_days))
        if not (math.isfinite(self.crash_kcal) and 300.0 <= self.crash_kcal <= 1000.0):
            raise ValueError(f"crash_kcal must be between 300 and 1000, got {self.crash_kcal}")
        if self.protein_g_per_kg is not None:
            low, high = (float(x) for x in self.protein_g_per_kg)
            if not (0.0 < low <= high and math.isfinite(high)):
                raise ValueError(
                    f"protein_g_per_kg must be (low, high) with 0 < low <= high,"
                    f" got {self.protein_g_per_kg}"
                )
            object.__setattr__(self, "protein_g_per_kg", (low, high))
        if self.deficit_kcal is not None and not math.isfinite(self.deficit_kcal):
            raise ValueError(f"deficit_kcal must be finite, got {self.deficit_kcal}")
        if self.activity_factor is not None and not (
            math.isfinite(self.activity_factor) and self.activity_factor > 0.0
        ):
            raise ValueError(f"activity_factor must be > 0, got {self.activity_factor}")


@dataclass(frozen=True)
class Serving:
    group: str
    minute: int  # local minute of the day
    food: Food
    quantity: float  # in food.unit
    cents: tuple[int | None, ...]  # nutrients in hundredths, CRONOMETER_NUTRIENTS order


@dataclass(frozen=True)
class _Targets:
    energy_kcal: float
    protein_g: float
    carbohydrate_g: float
    fat_g: float


def day_kind(athlete: SyntheticAthlete, files: Sequence[GeneratedFile], day: date) -> str:
    """``key``, ``run`` or ``rest`` from the runs starting on local ``day``."""
    zone = ZoneInfo(athlete.timezone)
    kind = "rest"
    for f in files:
        if f.sport != "running" or f.start_utc.astimezone(zone).date() != day:
            continue
        if f.kind in ("long_run", "intervals") or (f.total_timer_time_s or 0) >= 75 * 60:
            return "key"
        kind = "run"
    return kind


def _local_minutes(
    files: Sequence[GeneratedFile], day: date, zone: ZoneInfo
) -> list[tuple[int, int, str]]:
    """(start minute, end minute, kind) of the day's activities, local wall clock."""
    out = []
    for f in files:
        if f.sport is None:
            continue
        start = f.start_utc.astimezone(zone)
        if start.date() != day:
            continue
        end = f.end_utc.astimezone(zone)
        end_min = end.hour * 60 + end.minute if end.date() == day else 24 * 60
        out.append((start.hour * 60 + start.minute, end_min, f.kind))
    return out


def _targets(
    rng: random.Random,
    athlete: SyntheticAthlete,
    expenditure: float,
    day_type: str,
    deficit: bool,
    low_protein: bool,
    plan: NutritionPlan | None = None,
) -> _Targets:
    """Energy, protein, carbohydrate and fat targets of one day (kcal, g).

    ``plan`` (its ``deficit_kcal`` and ``protein_g_per_kg``) overrides the day's energy and
    protein rules; without them the draws are those of the default generation.
    """
    kg = athlete.weight_kg
    plan_deficit = plan.deficit_kcal if plan is not None else None
    plan_protein = plan.protein_g_per_kg if plan is not None else None
    if plan_deficit is not None:
        noise = rng.uniform(-_PLAN_ENERGY_NOISE_KCAL, _PLAN_ENERGY_NOISE_KCAL)
        energy = expenditure - plan_deficit + noise
    elif deficit:
        energy = expenditure - rng.uniform(*_DEFICIT_KCAL)
    elif rng.random() < 0.07 and not low_protein:
        energy = expenditure + rng.uniform(*_SURPLUS_KCAL)
    else:
        noise = expenditure * rng.gauss(0.0, _BALANCE_SD)
        energy = expenditure + max(-_BALANCE_MAX_KCAL, min(_BALANCE_MAX_KCAL, noise))
    energy = max(energy, _MIN_INTAKE_KCAL)
    if plan_protein is not None:
        low, high = plan_protein
        margin = min(_PLAN_PROTEIN_MARGIN_G_PER_KG, (high - low) / 4.0)
        protein = kg * rng.uniform(low + margin, high - margin)
    else:
        protein = kg * rng.uniform(*(_LOW_PROTEIN_G_PER_KG if low_protein else _PROTEIN_G_PER_KG))
    carbs = kg * rng.uniform(*_CARB_G_PER_KG[day_type])
    # Fat takes what is left, kept between 0.5 g/kg or 20 % of energy and 35 % of energy;
    # carbohydrate gives way (or takes the excess) where fat would leave that band.
    fat_min = max(0.5 * kg, 0.2 * energy / 9.0)
    fat_max = max(fat_min, 0.35 * energy / 9.0)
    fat = min(fat_max, max(fat_min, (energy - 4.0 * protein - 4.0 * carbs) / 9.0))
    carbs = max(1.0 * kg, (energy - 4.0 * protein - 9.0 * fat) / 4.0)
    fat = max(0.3 * kg, (energy - 4.0 * protein - 4.0 * carbs) / 9.0)
    return _Targets(energy, protein, carbs, fat)


def _totals(items: Sequence[tuple[Food, float]]) -> tuple[float, float, float, float]:
    """(energy kcal, protein g, carbs g, fat g) of (food, quantity) pairs, unrounded."""
    e = p = c = f = 0.0
    for food, qty in items:
        grams = food.unit_g * qty / 100.0
        v = food.per100
        e += (v[ENERGY] or 0.0) * grams
        p += (v[PROTEIN] or 0.0) * grams
        c += (v[CARBS] or 0.0) * grams
        f += (v[FAT] or 0.0) * grams
    return e, p, c, f


def _solve_scales(items: Sequence[tuple[Food, float]], targets: _Targets) -> dict[str, float]:
    """Scale factors for the protein, carb and fat items that meet the day's targets.

    Projected Gauss-Seidel on the 3x3 system "protein, carbohydrate and fat of all items =
    targets" (each role mostly supplies its own nutrient, so it converges), with the fat
    target corrected until the energy (real food energies, not 4/4/9) matches; where fat
    cannot fall further, carbohydrate gives way instead.
    """
    roles = ("protein", "carb", "fat")
    contrib = {r: _totals([(f, q) for f, q in items if f.role == r]) for r in roles}
    fixed = _totals([(f, q) for f, q in items if f.role == "side"])
    scale = dict.fromkeys(roles, 1.0)
    lo, hi = _SCALE_BOUNDS
    carb_target, fat_target = targets.carbohydrate_g, targets.fat_g
    for _ in range(6):
        goal = (targets.protein_g, carb_target, fat_target)
        for _ in range(60):
            for row, role in enumerate(roles, start=1):  # row: 1 protein, 2 carbs, 3 fat
                own = contrib[role][row]
                if own <= 0.0:
                    continue
                others = fixed[row] + sum(contrib[r][row] * scale[r] for r in roles if r != role)
                scale[role] = min(hi, max(lo, (goal[row - 1] - others) / own))
        energy = fixed[0] + sum(contrib[r][0] * scale[r] for r in roles)
        if scale["fat"] <= lo and energy > targets.energy_kcal:
            # the fat of protein foods and sides alone exceeds the target: cut carbohydrate
            carb_target = max(40.0, carb_target - (energy - targets.energy_kcal) / 4.0)
        else:
            fat_target += (targets.energy_kcal - energy) / 9.0
    return scale


def _quantize(quantity: float, step: float) -> float:
    """``quantity`` rounded to a multiple of ``step`` (0 when below half a step)."""
    return round(round(quantity / step) * step, 2)


def _choose_foods(
    rng: random.Random,
    day_type: str,
    templates: dict[str, tuple[tuple[tuple[str, float], ...], ...]],
) -> list[tuple[str, str, float]]:
    """(meal, food key, base quantity) of one day: a template per meal, drink, salt, gaps."""
    meals = ["Breakfast", "Lunch", "Dinner"]
    if rng.random() < 0.8 or day_type == "key":
        meals.append("Snacks")
    chosen: list[tuple[str, str, float]] = []
    for meal in meals:
        chosen.extend((meal, key, qty) for key, qty in rng.choice(templates[meal]))
    if day_type == "key":
        chosen.append(("Snacks", "sportsdrink", 1.0))
    for meal, chance in (("Lunch", 0.4), ("Dinner", 0.8)):  # salt added while cooking
        if rng.random() < chance:
            chosen.append((meal, "salt", rng.choice((0.25, 0.25, 0.5))))
    present = {_FOOD[key].role for _, key, _ in chosen}
    if "fat" not in present:
        chosen.append(("Dinner", "oil", 1.0))
    if "carb" not in present:
        chosen.append(("Lunch", "bread", 2.0))
    return chosen


def _plan_meals(
    rng: random.Random,
    day_type: str,
    targets: _Targets,
    low_protein: bool = False,
    exact_protein: bool = False,
    exact_energy: bool = False,
) -> list[tuple[str, Food, float]]:
    """(meal, food, quantity) of one day, scaled to ``targets`` and rounded to serving steps.

    ``exact_protein`` (a :class:`NutritionPlan` protein range): after rounding, protein and
    energy are both stepped back to their targets (:func:`_correct_exactly`) instead of
    energy alone by :func:`_correct_energy`, and a day that still ends above the protein
    target (its carbohydrate foods carry too much protein) is planned again from the
    low-protein menus. ``exact_energy`` (a plan's ``deficit_kcal``): energy alone is stepped
    back the same way.
    """
    chosen = _choose_foods(rng, day_type, _LOW_PROTEIN_TEMPLATES if low_protein else _TEMPLATES)
    planned = _scale_and_round(chosen, targets)
    if not exact_protein:
        if exact_energy:
            return _correct_exactly(planned, targets, protein=False)
        return _correct_energy(planned, targets.energy_kcal)
    planned = _correct_exactly(planned, targets)
    protein = _totals([(f, q) for _, f, q in planned])[1]
    if not low_protein and protein > targets.protein_g + _PROTEIN_SLACK_G:
        chosen = _choose_foods(rng, day_type, _LOW_PROTEIN_TEMPLATES)
        planned = _correct_exactly(_scale_and_round(chosen, targets), targets)
    return planned


def _scale_and_round(
    chosen: Sequence[tuple[str, str, float]], targets: _Targets
) -> list[tuple[str, Food, float]]:
    """(meal, food, quantity) of the chosen foods scaled to ``targets``, in serving steps."""
    items = [(_FOOD[key], qty) for _, key, qty in chosen]
    scale = _solve_scales(items, targets)
    planned = []
    for meal, key, qty in chosen:
        food = _FOOD[key]
        factor = 1.0 if food.role == "side" else scale[food.role]
        quantity = _quantize(qty * factor, food.step)
        if quantity > 0:
            planned.append((meal, food, quantity))
    return planned


def _step_towards(
    planned: list[tuple[str, Food, float]],
    roles: tuple[str, ...],
    column: int,
    goal: float,
    may_drop: bool,
    finest_only: bool = False,
) -> None:
    """Step the ``roles`` items of ``planned`` (in place) so that ``column`` approaches ``goal``.

    ``column`` is ``ENERGY`` (goal in kcal) or ``PROTEIN`` (goal in g). Items are tried
    coarsest first, each moved by whole serving steps as far as it helps, so the finest item
    has the last word: the remaining error is at most half of its step unless every item is
    at its smallest serving, which is one step, or 0 (item left out) when ``may_drop``.
    ``finest_only``: step only the finest item (small moves, little effect on other columns).
    """
    candidates = []
    for index, (_, food, _qty) in enumerate(planned):
        per_step = (food.per100[column] or 0.0) * food.unit_g * food.step / 100.0
        if food.role in roles and per_step > 0.0:
            candidates.append((per_step, index))
    position = {ENERGY: 0, PROTEIN: 1}[column]  # of the column in _totals' result
    candidates.sort(reverse=True)
    for per_step, index in candidates[-1:] if finest_only else candidates:
        meal, food, qty = planned[index]
        total = _totals([(f, q) for _, f, q in planned])[position]
        steps = round((goal - total) / per_step)
        if steps:
            smallest = 0.0 if may_drop else food.step
            quantity = max(smallest, _quantize(qty + steps * food.step, food.step))
            planned[index] = (meal, food, quantity)


def _correct_exactly(
    planned: list[tuple[str, Food, float]], targets: _Targets, protein: bool = True
) -> list[tuple[str, Food, float]]:
    """Undo the protein and energy errors of rounding (plan days); energy alone if not ``protein``.

    Protein is stepped with the protein items (which may be left out entirely: a half can of
    tuna is 21 g), then energy with the carbohydrate and fat items (which carry protein too:
    a slice of bread 4 g), three times over; then twice more with only the finest protein
    item and the finest carbohydrate or fat item, whose steps barely touch the other target
    (5 g of chicken: 1.6 g protein, 8 kcal; 5 g of rice: 6.5 kcal, 0.1 g protein). Ends
    within about half a step of both targets: < 1 g protein (5 g of chicken, salmon, beef or
    tofu is in every normal dinner) and < 10 kcal.
    """
    planned = list(planned)
    for finest_only in (False, False, False, True, True):
        if protein:
            _step_towards(planned, ("protein",), PROTEIN, targets.protein_g, True, finest_only)
        _step_towards(planned, ("carb", "fat"), ENERGY, targets.energy_kcal, False, finest_only)
    return [item for item in planned if item[2] > 0]


def _correct_energy(
    planned: list[tuple[str, Food, float]], energy_kcal: float
) -> list[tuple[str, Food, float]]:
    """Undo most of the energy error of rounding by stepping the finest carb or fat item."""
    energy = _totals([(f, q) for _, f, q in planned])[0]
    best, best_step = None, 0.0
    for index, (_, food, _qty) in enumerate(planned):
        if food.role not in ("carb", "fat"):
            continue
        step_kcal = (food.per100[ENERGY] or 0.0) * food.unit_g * food.step / 100.0
        if step_kcal > 0 and (best is None or step_kcal < best_step):
            best, best_step = index, step_kcal
    if best is None:
        return planned
    meal, food, qty = planned[best]
    steps = round((energy_kcal - energy) / best_step)
    new_qty = max(food.step, _quantize(qty + steps * food.step, food.step))
    planned[best] = (meal, food, new_qty)
    return planned


def _meal_minutes(
    rng: random.Random, meals: Sequence[str], activities: Sequence[tuple[int, int, str]]
) -> dict[str, int]:
    """Local minute of each meal, after the morning run and the evening session."""
    morning_end = max((e for s, e, _ in activities if s < 11 * 60), default=0)
    evening_end = max((e for s, e, _ in activities if 15 * 60 <= s < 21 * 60), default=0)
    minutes = {
        "Breakfast": max(rng.randint(6 * 60 + 45, 9 * 60 + 30), morning_end + rng.randint(20, 50)),
        "Lunch": rng.randint(12 * 60, 13 * 60 + 45),
        "Dinner": max(rng.randint(18 * 60 + 30, 20 * 60 + 30), evening_end + rng.randint(20, 45)),
        "Snacks": rng.choice((rng.randint(15 * 60, 16 * 60 + 45), rng.randint(21 * 60, 22 * 60))),
    }
    return {m: min(minutes[m], 23 * 60 + 50) for m in meals}


def _servings(
    rng: random.Random,
    planned: Sequence[tuple[str, Food, float]],
    activities: Sequence[tuple[int, int, str]],
) -> list[Serving]:
    """Timed servings in export order: by meal (Breakfast, Lunch, Dinner, Snacks), then time."""
    meals = [m for m in MEALS if any(p[0] == m for p in planned)]
    minutes = _meal_minutes(rng, meals, activities)
    out = []
    for meal in meals:
        minute = minutes[meal]
        for group, food, qty in planned:
            if group != meal:
                continue
            out.append(Serving(meal, minute, food, qty, food.values_cents(qty)))
            minute = min(minute + rng.choice((0, 0, 1, 2, 3)), 23 * 60 + 59)
    return out


def day_servings(
    rng: random.Random,
    athlete: SyntheticAthlete,
    files: Sequence[GeneratedFile],
    day: date,
    kind: str,
    deficit: bool,
    low_protein: bool,
    plan: NutritionPlan,
) -> list[Serving]:
    """The timed servings of local ``day`` in export order, planned to the day's targets.

    Intake follows the day's expenditure (:func:`daily_expenditure_kcal` with ``plan``'s
    activity factor, default :data:`ACTIVITY_FACTOR`) and ``kind`` (:func:`day_kind`);
    ``deficit`` and ``low_protein`` mark the span's deficit and low-protein days; ``plan``'s
    protein range and deficit replace those rules as :class:`NutritionPlan` describes.
    """
    factor = plan.activity_factor if plan.activity_factor is not None else ACTIVITY_FACTOR
    expenditure = daily_expenditure_kcal(athlete, files, day, activity_factor=factor)
    targets = _targets(rng, athlete, expenditure, kind, deficit, low_protein, plan)
    exact_protein = plan.protein_g_per_kg is not None
    exact_energy = plan.deficit_kcal is not None
    if day in plan.crash_days:
        kcal = plan.crash_kcal
        targets = _Targets(kcal, 0.25 * kcal / 4.0, 0.5 * kcal / 4.0, 0.25 * kcal / 9.0)
        kind, exact_protein, exact_energy = "rest", True, True
    planned = _plan_meals(rng, kind, targets, low_protein, exact_protein, exact_energy)
    if day in plan.crash_days:
        planned = _trim(planned, plan.crash_kcal + _CRASH_SLACK_KCAL)
    return _servings(rng, planned, _local_minutes(files, day, ZoneInfo(athlete.timezone)))


def _trim(planned: list[tuple[str, Food, float]], most_kcal: float
          ) -> list[tuple[str, Food, float]]:
    """``planned`` without servings until its energy is at most ``most_kcal``: each time the
    smallest serving that removes the excess alone, else the largest (a crash day's smallest
    servings can add up to more than its target)."""
    planned = list(planned)
    while (excess := _totals([(f, q) for _, f, q in planned])[0] - most_kcal) > 0:
        energies = [_totals([(f, q)])[0] for _, f, q in planned]
        enough = [i for i, e in enumerate(energies) if e >= excess]
        drop = (min(enough, key=energies.__getitem__) if enough
                else max(range(len(planned)), key=energies.__getitem__))
        del planned[drop]
    return planned


def typical_servings(portions: Sequence[float]) -> dict[str, list[tuple[Food, float]]]:
    """Meal -> (food, quantity) of every food in the meal's templates, once per portion.

    A quantity is the food's template quantity times the portion, in serving steps (at least
    one step); foods in the order the templates first name them.
    """
    pools: dict[str, list[tuple[Food, float]]] = {}
    for meal, templates in _TEMPLATES.items():
        seen: dict[str, float] = {}
        for template in templates:
            for key, qty in template:
                seen.setdefault(key, qty)
        pool = []
        for key, qty in seen.items():
            food = _FOOD[key]
            pool.extend((food, max(food.step, _quantize(qty * p, food.step))) for p in portions)
        pools[meal] = pool
    return pools
