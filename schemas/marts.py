"""Contracts of the daily fact tables (BI contract): grain, columns in order, comments.

One row per athlete and local day, from each athlete's first to last data day. Every
column carries its unit in its name or in its comment.
"""

from __future__ import annotations

KEYS = (
    ("athlete_id", "Athlete id from the config"),
    ("local_date", "Day in the athlete's local time"),
)

DAILY_TRAINING: tuple[tuple[str, str], ...] = KEYS + (
    ("run_distance_km", "Running distance, km (null when recorded runs have no distance)"),
    ("run_moving_min", "Running moving time, min (gaps over 10 s are pauses)"),
    ("run_sessions", "Running files with samples that day"),
    ("longest_run_min", "Longest single run's moving time that day, min"),
    ("elevation_gain_m", "Altitude gained while running, m (as recorded, unsmoothed)"),
    ("z1_min", "Running minutes in heart-rate zone 1 (null: running without heart rate)"),
    ("z2_min", "Running minutes in heart-rate zone 2"),
    ("z3_min", "Running minutes in heart-rate zone 3"),
    ("z4_min", "Running minutes in heart-rate zone 4"),
    ("z5_min", "Running minutes in heart-rate zone 5"),
    ("hr_covered_min", "Running minutes with heart rate, min"),
    ("hr_coverage_pct", "Share of running time with heart rate, %"),
    ("seiler_low_share", "Share of HR-covered running time below threshold (zones 1-2)"),
    ("seiler_threshold_share", "Share of HR-covered running time at threshold (zone 3)"),
    ("seiler_high_share", "Share of HR-covered running time above threshold (zones 4-5)"),
    ("trimp", "Banister TRIMP over all activities with heart rate (null: activity without HR)"),
    ("acute_load", "7-day exponentially weighted TRIMP (Williams 2017)"),
    ("chronic_load", "28-day exponentially weighted TRIMP"),
    ("acute_chronic_ratio", "Acute / chronic load; descriptive only, not an injury predictor"),
    ("fitness_load", "42-day exponentially weighted TRIMP (CTL-like)"),
    ("strength_sessions", "Strength-training sessions"),
    ("strength_min", "Strength-training timer time, min"),
    ("strength_sets", "Active strength sets"),
    ("strength_reps", "Repetitions in active sets (null when no set records them)"),
    ("strength_volume_kg", "Sum of reps x load over active sets, kg"),
    ("cycling_min", "Cycling timer time, min"),
    ("swimming_min", "Swimming timer time, min"),
    ("walking_min", "Walking timer time, min"),
    ("hiking_min", "Hiking timer time, min"),
    ("rowing_min", "Rowing timer time, min"),
    ("other_cardio_min", "All non-running, non-strength activity timer time, min"),
    ("exercise_kcal", "Exercise energy, kcal (device total_calories, else Keytel 2005)"),
    ("exercise_kcal_method", "device, keytel or mixed: where exercise_kcal came from"),
    ("max_hr_bpm", "Max heart rate the zones and TRIMP used, bpm"),
    ("max_hr_source", "config, observed (highest sustained in records) or 220_minus_age"),
)

DAILY_NUTRITION: tuple[tuple[str, str], ...] = KEYS + (
    ("logged", "Whether food was logged that day (false: intake unknown, not zero)"),
    ("incomplete", "Logged but below the configured minimum kcal: likely partial"),
    ("energy_kcal", "Energy eaten, kcal (null when not logged)"),
    ("protein_g", "Protein, g"),
    ("carbohydrate_g", "Carbohydrate, g"),
    ("fat_g", "Fat, g"),
    ("fiber_g", "Fibre, g"),
    ("protein_g_per_kg", "Protein per kg of the day's body weight, g/kg"),
    ("carbohydrate_g_per_kg", "Carbohydrate per kg of the day's body weight, g/kg"),
    ("meals_logged", "Meals logged (null for day-grain sources)"),
    ("meals_reaching_protein_target", "Meals with >= 0.4 g/kg protein (Schoenfeld 2018)"),
    ("nutrition_source", "Export format the day's figures come from (one, never summed)"),
    ("nutrition_sources_available", "Every export format that covered the day"),
)

DAILY_ENERGY: tuple[tuple[str, str], ...] = KEYS + (
    ("weight_kg", "Body weight used, kg"),
    ("weight_source", "measured, interpolated, carried, configured or unknown"),
    ("body_fat_pct", "Body fat used, %"),
    ("fat_free_mass_kg", "Fat-free mass, kg (null without body fat)"),
    ("resting_kcal", "Resting energy, kcal/day"),
    ("resting_method", "cunningham (fat-free mass known) or mifflin_st_jeor"),
    ("exercise_kcal", "Exercise energy, kcal"),
    ("intake_kcal", "Energy eaten, kcal (null when not logged)"),
    ("expenditure_kcal", "Resting x 1.2 + exercise, kcal"),
    ("balance_kcal", "Intake - expenditure, kcal (null when not logged)"),
    ("energy_availability_kcal_per_kg_ffm",
     "(Intake - exercise) / fat-free mass, kcal/kg FFM/day (Loucks)"),
)

MARTS: dict[str, tuple[tuple[str, str], ...]] = {
    "daily_training": DAILY_TRAINING,
    "daily_nutrition": DAILY_NUTRITION,
    "daily_energy": DAILY_ENERGY,
}
TABLE_COMMENTS = {
    "daily_training": "Training per athlete and local day: running volume, zones, load, "
                      "strength, other cardio, exercise energy",
    "daily_nutrition": "Food per athlete and local day from one chosen export source",
    "daily_energy": "Body weight, resting and exercise energy, intake, balance and energy "
                    "availability per athlete and local day",
}
