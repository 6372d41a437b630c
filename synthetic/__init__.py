"""Generated test and demo data: a synthetic runner's FIT files and nutrition exports.

Not part of the pipeline: tests, benchmarks and ``musclebalance demo`` use it. Callers import
the generators from this package (``from synthetic import SyntheticAthlete,
generate_athlete_files``); the FIT encoder they are written with is
:mod:`synthetic.fit_writer`.
"""

from synthetic.food import (
    ACTIVITY_FACTOR,
    CRONOMETER_DAILYSUMMARY_HEADER,
    CRONOMETER_NUTRIENTS,
    CRONOMETER_SERVINGS_HEADER,
    MEALS,
    MFP_NUTRITION_HEADER,
    DayIntake,
    NutritionExports,
    NutritionPlan,
    cronometer_servings_rows,
    daily_expenditure_kcal,
    exercise_energy_kcal,
    generate_nutrition_exports,
    resting_energy_kcal,
)
from synthetic.runs import (
    MARATHONER_PLAN,
    MIXED_RUNNER_PLAN,
    GeneratedFile,
    SyntheticAthlete,
    TrainingPlan,
    generate_athlete_files,
    one_hour_run,
)

__all__ = [
    "ACTIVITY_FACTOR",
    "CRONOMETER_DAILYSUMMARY_HEADER",
    "CRONOMETER_NUTRIENTS",
    "CRONOMETER_SERVINGS_HEADER",
    "MARATHONER_PLAN",
    "MEALS",
    "MFP_NUTRITION_HEADER",
    "MIXED_RUNNER_PLAN",
    "DayIntake",
    "GeneratedFile",
    "NutritionExports",
    "NutritionPlan",
    "SyntheticAthlete",
    "TrainingPlan",
    "cronometer_servings_rows",
    "daily_expenditure_kcal",
    "exercise_energy_kcal",
    "generate_athlete_files",
    "generate_nutrition_exports",
    "one_hour_run",
    "resting_energy_kcal",
]
