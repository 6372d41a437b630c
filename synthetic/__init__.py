"""Generated test and demo data: a synthetic runner's FIT files and nutrition exports.

Not part of the pipeline: tests, benchmarks and ``musclebalance demo`` use it. Callers import
the generators from this package (``from synthetic import SyntheticAthlete,
generate_athlete_files``); the FIT encoder they are written with is
:mod:`synthetic.fit_writer`.

Modules, each importing only those above it: ``fit_writer`` (the encoder), ``athlete`` (the
runner, its heart rate and devices, weigh-ins), ``runs`` and ``strength`` (one activity
file each), ``schedule`` (the training weeks), ``food`` (energy needs, foods, a day's
servings), ``exports`` (the tracker CSV files), ``garmin_export`` (a Garmin account export:
sleep, resting HR, HRV and scale readings answering the training and the food).
"""

from synthetic.athlete import GeneratedFile, SyntheticAthlete, config_toml
from synthetic.exports import (
    CRONOMETER_DAILYSUMMARY_HEADER,
    CRONOMETER_SERVINGS_HEADER,
    MFP_NUTRITION_HEADER,
    STRENGTH_LOG_HEADER,
    LoggedLift,
    NutritionExports,
    cronometer_servings_rows,
    generate_nutrition_exports,
    strength_log_csv,
    weekly_lifts,
)
from synthetic.food import (
    ACTIVITY_FACTOR,
    CRONOMETER_NUTRIENTS,
    MEALS,
    DayIntake,
    NutritionPlan,
    daily_expenditure_kcal,
    exercise_energy_kcal,
    resting_energy_kcal,
)
from synthetic.garmin_export import (
    GarminWellness,
    WeighIn,
    WellnessDay,
    garmin_export_files,
    garmin_wellness,
    write_garmin_export,
    zip_garmin_export,
)
from synthetic.runs import one_hour_run
from synthetic.schedule import (
    MARATHONER_PLAN,
    MIXED_RUNNER_PLAN,
    TrainingPlan,
    generate_athlete_files,
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
    "STRENGTH_LOG_HEADER",
    "DayIntake",
    "GarminWellness",
    "GeneratedFile",
    "LoggedLift",
    "NutritionExports",
    "NutritionPlan",
    "SyntheticAthlete",
    "TrainingPlan",
    "WeighIn",
    "WellnessDay",
    "config_toml",
    "cronometer_servings_rows",
    "daily_expenditure_kcal",
    "exercise_energy_kcal",
    "garmin_export_files",
    "garmin_wellness",
    "generate_athlete_files",
    "generate_nutrition_exports",
    "one_hour_run",
    "resting_energy_kcal",
    "strength_log_csv",
    "weekly_lifts",
    "write_garmin_export",
    "zip_garmin_export",
]
