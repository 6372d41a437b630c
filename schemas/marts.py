"""Contracts of the daily fact tables (BI contract): grain, columns in order, comments.

One row per athlete and local day, from each athlete's first to last data day. Every
column carries its unit in its name or in its comment.
"""

from __future__ import annotations

#: Minutes of an ordinary local day.
MINUTES_PER_DAY = 1440.0
#: The longest local day, min, of any IANA zone from 1990 to 2040 in the tz database
#: (Antarctica/Vostok's change of offset: 31 h; a DST fall-back day has 25 h). Minutes
#: summed over a day's samples are clipped to that day's length, and never above this.
LONGEST_LOCAL_DAY_MIN = 1860.0

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
    ("seiler_low_share", "Share of HR-covered running time below the first threshold "
                         "(zone model's cut-off: 80 % max HR, 72 % HRR or 90 % LTHR)"),
    ("seiler_threshold_share", "Share of HR-covered running time between the two thresholds"),
    ("seiler_high_share", "Share of HR-covered running time at or above the second threshold "
                          "(zone model's cut-off: 88 % max HR, 83 % HRR or 100 % LTHR)"),
    ("high_intensity_min", "Running minutes at or above the zone model's second threshold "
                           "(Seiler's high zone; null: running without heart rate)"),
    ("trimp", "Banister TRIMP over all activities with heart rate (null: activity without HR)"),
    ("acute_load", "7-day exponentially weighted TRIMP (Williams 2017); null before the "
                   "first day of watch data"),
    ("chronic_load", "28-day exponentially weighted TRIMP; null before the first watch day"),
    ("acute_chronic_ratio", "Acute / chronic load; descriptive only, not an injury predictor; "
                            "null until 28 days of watch data"),
    ("fitness_load", "42-day exponentially weighted TRIMP (CTL-like); null before the first "
                     "watch day"),
    ("strength_sessions", "Strength-training sessions"),
    ("strength_min", "Strength-training timer time, min"),
    ("strength_sets", "Active strength sets"),
    ("strength_reps", "Repetitions in active sets (null when no set records them)"),
    ("strength_volume_kg", "Sum of reps x load over active sets, kg"),
    ("strength_near_run_sessions",
     "Strength sessions less than 6 h from a run (Murach & Bagley 2016 advise 6-24 h apart)"),
    ("strength_near_run_credit",
     "The strength_near_run_sessions weighted by their hard sets, as strength_session_credit"),
    ("strength_session_credit",
     "Strength sessions weighted by their hard sets: min(1, sets / 6) each, a session "
     "without recorded sets counting 1 (null: strength not recorded)"),
    ("strength_source",
     "Where strength is recorded (config strength_source): watch (FIT strength "
     "activities), log (strength log CSV) or none (strength columns null: unknown)"),
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
    ("zone_model", "Zone model the zones and thresholds used: hrmax, hrr (heart-rate reserve) "
                   "or lthr (threshold HR); the config's auto resolved"),
)

#: Values of daily_nutrition.incomplete_source: who marked a logged day incomplete.
INCOMPLETE_SOURCES = ("config", "tracker")

DAILY_NUTRITION: tuple[tuple[str, str], ...] = KEYS + (
    ("logged", "Whether food was logged that day (false: intake unknown, not zero)"),
    ("very_low_intake", "Logged under the configured minimum kcal (800): very low or "
                        "incomplete; kept in the 7-day means unless marked incomplete "
                        "(null when not logged or energy unknown)"),
    ("incomplete", "Logged but marked incomplete (config incomplete_days, or a very low day "
                   "the tracker marks not completed): left out of every window"),
    ("incomplete_source", "Who marked the day incomplete: config or tracker (null: not marked)"),
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
     "(Intake - net exercise energy) / fat-free mass, kcal/kg FFM/day (Loucks 2011); net "
     "exercise energy = exercise_kcal - resting_kcal / 1440 x exercise_min, at least 0"),
    ("exercise_min", "Minutes of the sessions whose energy is in exercise_kcal, min (0 on a "
                     "day without sessions)"),
)

_COMPONENT_SCORES = (
    ("protein_score", "Protein component 0-100: 7-day g/kg against the target, and meal spread"),
    ("energy_score", "Energy component 0-100: scored_balance_kcal_per_day from -1000 (0) to "
                     "-250 kcal/day (100)"),
    ("carbohydrate_score", "Carbohydrate component 0-100: 7-day g/kg against the training band"),
    ("running_load_score", "Running-load component 0-100: weekly hours, progression, long run, "
                           "acute:chronic ratio"),
    ("intensity_score", "Intensity component 0-100: share of running at or above the second "
                        "threshold (seiler_high_share_7d), full credit from 10 %"),
    ("strength_score", "Strength component 0-100: sessions in 7 days weighted by their hard "
                       "sets (2 = full credit; null: strength not recorded)"),
    ("recovery_score", "Recovery component 0-100: the measured sleep, resting HR and HRV "
                       "against their baselines where present (recovery_basis), else easy "
                       "days and consecutive hard days"),
    ("energy_protein_penalty",
     "Points taken off the weighted mean of the components when energy and protein fall "
     "short together: 0.25 x (100 - energy_score) x (100 - protein_score) / 100, 0-25 (0 "
     "when either is unknown)"),
)
_VERDICT = (
    ("score", "Muscle-balance score 0-100 (higher = muscle better protected; null: too "
              "little data)"),
    ("band", "Risk band: low (score >= 70), moderate (>= 50) or high (thresholds in config)"),
    ("data_completeness", "Share of the model's weights whose inputs were known, 0-1"),
    ("main_factor", "Component that cost the most points (null: no score or none below 80)"),
    ("reasons", "Up to three costliest components in words, with number and target"),
)

_MEMORY = (
    ("score_28d", "Mean daily score 0-100 over the 28 days ending on the day, over the "
                  "scored days (null: fewer than 14 scored days)"),
    ("score_28d_previous", "The same mean over the 28 days before those (days -55..-28), "
                           "0-100"),
    ("trend_28d", "score_28d against score_28d_previous: better or worse beyond +-5 points, "
                  "else same (null: either unknown)"),
)

_WEIGHT_TREND = (
    ("weight_trend_pct_per_week",
     "Weight trend, %/week of body weight (negative: losing): least-squares slope of the "
     "measured weigh-ins of the last 28 days (null: under 4 weigh-ins, spanning under 14 "
     "days, or steeper than 5 %/week: weigh-ins that disagree)"),
    ("trend_balance_kcal_per_day",
     "Energy balance the weight trend implies, kcal/day: slope kg/day x 7700 kcal/kg "
     "(Wishnofsky 1958; Hall 2008: an average, early losses are partly water)"),
)

DAILY_MUSCLE_BALANCE: tuple[tuple[str, str], ...] = KEYS + _VERDICT + _COMPONENT_SCORES + (
    ("protein_g_per_kg_7d", "Mean protein over usable food-log days in the last 7 days, g/kg"),
    ("protein_g_per_lb_7d", "The same in grams per pound of body weight, g/lb (g/kg x "
                            "0.45359237)"),
    ("protein_target_g_per_kg",
     "Protein target used, g/kg: 1.6, rising to 2.3 with the 7-day deficit (250-750 "
     "kcal/day) or the weight loss (0.5-1 %/week); null without protein data"),
    ("protein_meals_per_day_7d", "Mean meals a day reaching 0.4 g/kg protein, last 7 days"),
    ("balance_kcal_7d", "Mean energy balance over usable food-log days, last 7 days, kcal/day"),
    ("below_resting_days_7d",
     "Usable days of the last 7 eaten below resting energy, each 0-1 (1 at 60 % of resting "
     "energy or less), 0-7: each costs the energy component 10 points"),
    ("scored_balance_kcal_per_day",
     "Balance the energy component scored, kcal/day: balance_kcal_7d, or "
     "trend_balance_kcal_per_day when that is lower (null without balance_kcal_7d)"),
    ("deficit_days_7d", "Days in the last 7 with a deficit above 500 kcal"),
    ("energy_availability_kcal_per_kg_ffm_7d",
     "Mean energy availability (intake - net exercise energy, per kg fat-free mass), last 7 "
     "days, kcal/kg FFM/day (null without body fat); a flag, not scored"),
    ("carbohydrate_g_per_kg_7d",
     "Mean carbohydrate over usable food-log days with known training, last 7 days, g/kg"),
    ("carbohydrate_need_g_per_kg_7d",
     "Mean lower bound of the days' carbohydrate bands (Thomas 2016), g/kg"),
    ("run_km_7d", "Running distance in the last 7 days, km"),
    ("run_h_7d", "Running moving time in the last 7 days, h"),
    ("chronic_run_km_per_week", "Own running km per week over the 21 days before the 7"),
    ("chronic_run_h_per_week", "Own running hours per week over the 21 days before the 7"),
    ("longest_run_min_7d", "Longest run in the last 7 days, min"),
    ("high_intensity_share_7d",
     "Share of HR-covered running in zones 4-5 (interval intensity), last 7 days, 0-1"),
    ("strength_sessions_7d", "Strength sessions in the last 7 days"),
    ("strength_session_credit_7d",
     "Strength sessions in the last 7 days weighted by their hard sets (full session: 6)"),
    ("strength_near_run_7d", "Of those, sessions less than 6 h from a run"),
    ("days_since_strength", "Days since the last strength session (or since watch data began)"),
    ("seiler_high_share_7d",
     "Share of HR-covered running at or above the zone model's second threshold (88 % max "
     "HR, 83 % HRR or 100 % LTHR), last 7 days, 0-1: the intensity component's input"),
    ("high_intensity_min_7d",
     "Running minutes at or above the zone model's second threshold in the last 7 days"),
    ("hard_days_7d", "Hard days (>= 10 min at or above the zone model's second threshold, "
                     "or a run >= 90 min) in the last 7"),
    ("max_hard_streak_7d", "Longest run of consecutive hard days within the last 7 days "
                           "(days before them not counted: 0-7)"),
    ("logged_days_7d", "Usable food-log days in the last 7 (logged, not marked incomplete)"),
    ("very_low_intake_days_7d",
     "Of those, days logged under the minimum kcal (800): very low or incomplete, 0-7"),
    ("known_days_7d", "Days with known training (watch data span) in the last 7"),
    ("acute_load", "7-day exponentially weighted TRIMP (Williams 2017); null before the "
                   "first day of watch data"),
    ("chronic_load", "28-day exponentially weighted TRIMP; null before the first watch day"),
    ("acute_chronic_ratio", "Acute / chronic load; descriptive only, not an injury predictor; "
                            "null until 28 days of watch data"),
    *_MEMORY,
    ("low_energy_availability",
     "7-day mean energy availability below 30 kcal/kg FFM/day (low: Loucks & Thuma 2003; IOC "
     "REDs 2023); null when energy availability is unknown"),
    *_WEIGHT_TREND,
    ("recovery_basis", "What the recovery component used: the measured signals present "
                       "(sleep, resting HR, HRV) or 'hard days'; null without a recovery "
                       "score"),
    ("sleep_h_7d", "Mean measured sleep of the last 7 nights, h (marts.daily_recovery; null "
                   "with fewer than 4 measured nights)"),
    ("resting_hr_delta_bpm", "Resting HR, 7-day mean minus 28-day baseline, bpm "
                             "(marts.daily_recovery)"),
    ("hrv_delta_swc", "HRV 7-day mean minus baseline, in smallest worthwhile changes (0.5 SD "
                      "of the baseline; Plews 2013); negative: below baseline"),
    ("fat_free_mass_change_kg_28d",
     "Fat-free mass change of the 28-day scale trend, kg (slope x 4 weeks); null with fewer "
     "than 6 readings or readings spanning under 21 days"),
    ("ffm_weigh_ins_28d", "Scale readings with fat-free mass in the 28 days"),
    ("fat_free_mass_falling",
     "Fat-free mass fell beyond a home impedance scale's noise (1.5 kg) in 28 days: a reason "
     "of its own and 20 points off the energy component; null when unknown"),
    ("model_version", "Scoring model version: changes with any constant or transfer function"),
)

#: How recovery_basis names the measured signals, in its order, and the hard-day count.
RECOVERY_SIGNAL_NAMES = ("sleep", "resting HR", "HRV")
HARD_DAYS_BASIS = "hard days"
#: Every recovery_basis value: the signals present, comma-separated, or the hard days.
RECOVERY_BASES = (*(", ".join(n for i, n in enumerate(RECOVERY_SIGNAL_NAMES) if mask >> i & 1)
                    for mask in range(1, 2 ** len(RECOVERY_SIGNAL_NAMES))), HARD_DAYS_BASIS)
#: hrv_delta_swc is clipped to +-10 smallest worthwhile changes (a baseline that barely
#: varies has a tiny SWC; beyond -3 the recovery ramp gives 0 anyway).
HRV_SWC_CLIP = 10.0

WEEKLY_MUSCLE_BALANCE: tuple[tuple[str, str], ...] = (
    ("athlete_id", "Athlete id from the config"),
    ("iso_year", "ISO 8601 week-numbering year"),
    ("iso_week", "ISO 8601 week number, 1-53"),
    ("week_start", "Monday of the ISO week (local date)"),
    ("days", "Days of the week in the calendar (fewer at the ends of the data)"),
    ("days_scored", "Days of the week with a score"),
    ("score", "Mean daily muscle-balance score 0-100 over the scored days"),
    ("band", "Risk band of the mean score: low, moderate or high"),
    ("worst_score", "Lowest daily score of the week, 0-100"),
    ("worst_day", "Day of the lowest score"),
    ("data_completeness", "Mean daily data completeness, 0-1"),
    ("main_factor",
     "Main factor of the week's last scored day (on a Sunday its windows are the week)"),
    ("reasons", "Reasons of the week's last scored day"),
) + tuple((name, f"Weekly mean of the daily {text[0].lower()}{text[1:]}")
          for name, text in _COMPONENT_SCORES) + (
    ("run_distance_km", "Running distance in the week, km"),
    ("run_hours", "Running moving time in the week, h"),
    ("protein_g_per_kg_mean", "Mean protein over the week's usable food-log days, g/kg"),
    ("protein_g_per_lb_mean", "The same in grams per pound of body weight, g/lb (g/kg x "
                              "0.45359237)"),
    ("balance_kcal_mean", "Mean energy balance over the week's usable food-log days, kcal/day"),
    ("logged_days", "Usable food-log days in the week"),
    ("very_low_intake_days", "Of those, days logged under the minimum kcal (800): very low "
                             "or incomplete"),
    ("incomplete_days", "Logged days of the week marked incomplete (config or tracker), "
                        "left out of the means"),
    ("strength_sessions", "Strength sessions in the week"),
    ("acute_load", "Acute load on the week's last day (7-day EWMA TRIMP)"),
    ("chronic_load", "Chronic load on the week's last day (28-day EWMA TRIMP)"),
    ("acute_chronic_ratio", "Acute:chronic ratio on the week's last day; descriptive only"),
    ("score_28d", "28-day score on the week's last day: mean daily score 0-100 over the 28 "
                  "days ending that day (null: fewer than 14 scored days)"),
    ("score_28d_previous", "The same mean over the 28 days before those, 0-100"),
    ("trend_28d", "Trend on the week's last day: better, same or worse than the 28 days "
                  "before (+-5 points)"),
    *((name, f"{text} (on the week's last day)") for name, text in _WEIGHT_TREND),
    ("model_version", "Scoring model version"),
)

#: Plausible values of the recovery measures (a value outside is not a measurement and is
#: never chosen): a night of sleep 0-16 h (a longer window is a watch left on the
#: nightstand); resting HR 25-120 bpm (elite endurance athletes reach the upper 20s; above
#: 120 at rest is not resting); HRV 1-300 ms (rMSSD and SDNN of healthy adults at rest
#: lie within 5-250 ms; 0 is Garmin's "not measured").
SLEEP_H_RANGE = (0.0, 16.0)
RESTING_HR_BPM_RANGE = (25.0, 120.0)
HRV_MS_RANGE = (1.0, 300.0)
#: marts.daily_recovery.hrv_measure values, in the order that breaks ties between measures
#: with as many days: Garmin's overnight value, rMSSD, Apple's SDNN, rMSSD of the first
#: easy minutes of runs (a different state from rest: never mixed with the others).
HRV_SERIES = ("garmin_overnight", "rmssd", "sdnn", "activity_rmssd")
#: marts.daily_recovery source kinds: schemas.wellness.SOURCE_KINDS, and `export` for the
#: weigh-ins of nutrition and scale exports (raw.body_measurement_imports).
RECOVERY_SOURCES = ("garmin_json", "garmin_fit", "apple_health", "activity_fit", "export")

_CHOSEN = ("chosen once per day: the first source kind of schemas.wellness.PRECEDENCE "
           "with a value, within it the latest record")
DAILY_RECOVERY: tuple[tuple[str, str], ...] = KEYS + (
    ("sleep_h", "Sleep of the night that ended this day (wake-up day, local), h: time asleep "
                "of the longest session of the chosen source (naps left out); a default or "
                "in-bed window counts as its length; " + _CHOSEN),
    ("sleep_source", "Source kind the sleep came from: garmin_json, garmin_fit or "
                     "apple_health (null: no sleep)"),
    ("sleep_measured", "Whether sleep stages were measured (false: a default or in-bed "
                       "window; null: no sleep)"),
    ("resting_hr_bpm", "Resting heart rate of the day, bpm (25-120), " + _CHOSEN),
    ("resting_hr_source", "Source kind the resting HR came from (null: none)"),
    ("resting_hr_7d_mean_bpm", "Mean resting HR over the days with a value among the last 7 "
                               "(this day and 6 before), bpm; null with fewer than 3"),
    ("resting_hr_baseline_bpm", "Baseline resting HR: mean over the days with a value among "
                                "the 28 days before the 7 (days -34..-7), bpm; null with "
                                "fewer than 14"),
    ("resting_hr_delta_bpm", "resting_hr_7d_mean_bpm - resting_hr_baseline_bpm, bpm "
                             "(positive: higher than usual; null when either is)"),
    ("hrv_ms", "HRV of the day, ms, in the athlete's one measure (hrv_measure); null on days "
               "with only another measure; " + _CHOSEN),
    ("hrv_measure", "The athlete's HRV measure, one for all days: the one with the most "
                    "days (ties: garmin_overnight, rmssd, sdnn, activity_rmssd); null: no HRV"),
    ("hrv_source", "Source kind the day's HRV came from (null: none)"),
    ("hrv_7d_mean_ms", "Mean HRV over the days with a value among the last 7, ms; null with "
                       "fewer than 3"),
    ("hrv_baseline_ms", "Baseline HRV: mean over the days with a value among the 28 days "
                        "before the 7 (days -34..-7), ms; null with fewer than 14"),
    ("hrv_baseline_sd_ms", "Sample standard deviation of those baseline days, ms"),
    ("hrv_swc_ms", "Smallest worthwhile change, ms: 0.5 x hrv_baseline_sd_ms (Plews et al. "
                   "2013; Buchheit 2014)"),
    ("hrv_delta_ms", "hrv_7d_mean_ms - hrv_baseline_ms, ms (negative: lower than usual)"),
    ("hrv_below_swc", "Whether hrv_7d_mean_ms < hrv_baseline_ms - hrv_swc_ms: HRV down by "
                      "more than the smallest worthwhile change (null when either is "
                      "unknown)"),
    ("weigh_ins_28d", "Days with a weigh-in among the 28 ending this day"),
    ("weigh_in_span_days_28d", "Days from the first to the last of those weigh-ins"),
    ("weight_trend_kg", "Smoothed body weight, kg: the least-squares line through the "
                        "weigh-ins of the 28 days ending this day, read at this day (null: "
                        "under 4 weigh-ins, spanning under 14 days, or steeper than 5 %/week)"),
    ("weight_rate_pct_per_week", "Slope of that line, %/week of the window's mean weigh-in "
                                 "(negative: losing); null as weight_trend_kg"),
    ("ffm_weigh_ins_28d", "Days with a fat-free mass among the 28 ending this day"),
    ("ffm_span_days_28d", "Days from the first to the last of those"),
    ("fat_free_mass_trend_kg", "Smoothed fat-free mass, kg (measured lean mass, else weight "
                               "x (1 - body fat/100)), the same line and rules as "
                               "weight_trend_kg; null where not measured"),
    ("fat_free_mass_rate_kg_per_week", "Slope of the fat-free-mass line, kg/week "
                                       "(negative: losing)"),
    ("muscle_weigh_ins_28d", "Days with a scale muscle mass among the 28 ending this day"),
    ("muscle_span_days_28d", "Days from the first to the last of those"),
    ("muscle_mass_trend_kg", "Smoothed skeletal muscle mass the scale estimates, kg, the "
                             "same line and rules; null where not measured"),
    ("muscle_mass_rate_kg_per_week", "Slope of the muscle-mass line, kg/week"),
)

MARTS: dict[str, tuple[tuple[str, str], ...]] = {
    "daily_training": DAILY_TRAINING,
    "daily_nutrition": DAILY_NUTRITION,
    "daily_energy": DAILY_ENERGY,
    "daily_muscle_balance": DAILY_MUSCLE_BALANCE,
    "weekly_muscle_balance": WEEKLY_MUSCLE_BALANCE,
    "daily_recovery": DAILY_RECOVERY,
}
TABLE_COMMENTS = {
    "daily_training": "Training per athlete and local day: running volume, zones, load, "
                      "strength, other cardio, exercise energy",
    "daily_nutrition": "Food per athlete and local day from one chosen export source",
    "daily_energy": "Body weight, resting and exercise energy, intake, balance and energy "
                    "availability per athlete and local day",
    "daily_muscle_balance": "Muscle-balance score per athlete and local day: verdict, band, "
                            "components, reasons (a training-log heuristic, not a diagnosis)",
    "weekly_muscle_balance": "Muscle-balance score rolled up per athlete and ISO week",
    "daily_recovery": "Sleep, resting HR, HRV and body-composition trends per athlete and "
                      "local day, one value per measure chosen among the wellness sources",
}
