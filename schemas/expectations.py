"""The expectation suites of the published tables, defined in code (Great Expectations 1.x).

One suite per mart: keys not null and unique; value ranges with units; categories from
their closed sets; zone minutes within the covered minutes; the risk band consistent with
the score thresholds; one row per calendar day between each athlete's first and last day
(or per ISO week); and no fewer rows than the previous published build unless a reason is
given. `suites(...)` returns GX expectation objects (GX is imported on first use);
`warehouse.gx_runner.validate` runs them and returns one `CheckResult` each.

A failure that names rows of some athletes only (a value out of range, a band that
contradicts its score, a null where a value is required) holds those athletes back and
lets the others publish (`held_back`); a failure about the table as a whole (row counts,
keys unique across the table, a column missing, a row without an athlete) blocks every
athlete's publish.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from schemas.marts import (
    HRV_MS_RANGE,
    HRV_SERIES,
    HRV_SWC_CLIP,
    INCOMPLETE_SOURCES,
    LONGEST_LOCAL_DAY_MIN,
    MINUTES_PER_DAY,
    RECOVERY_BASES,
    RECOVERY_SOURCES,
    RESTING_HR_BPM_RANGE,
    SLEEP_H_RANGE,
)
from schemas.nutrition import (
    KG_PER_LB,
    MAX_BODY_FAT_PCT,
    MAX_BODY_WEIGHT_KG,
    MIN_BODY_FAT_PCT,
    MIN_BODY_WEIGHT_KG,
)


@dataclass(frozen=True)
class CheckResult:
    """One expectation's outcome (keys and counts only)."""

    expectation: str                    # GX type, e.g. expect_column_values_to_be_between
    columns: tuple[str, ...]            # the columns it reads
    settings: dict                      # its configuration (bounds, value set, condition)
    success: bool
    observed_value: Any = None          # table-level statistics only
    unexpected_count: int | None = None
    unexpected_keys: list[dict] = field(default_factory=list)
    error: str | None = None            # an expectation that could not run (missing column)
    failing_keys: list[dict] | None = None  # keys of every failing row (row expectations)


#: Great Expectations once imported (`import_gx`); the lock makes one import of it, also
#: with the runner's prewarm thread.
_gx_module: dict[str, Any] = {}
_gx_lock = threading.RLock()


def import_gx() -> Any:
    """Great Expectations, imported on first use with its process-wide side effects undone
    (analytics off, its logger at WARNING, warnings not routed to logging, no tqdm monitor
    thread). The import takes seconds, so light commands never call this."""
    with _gx_lock:
        if "gx" not in _gx_module:
            os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
            logging.getLogger("great_expectations").setLevel(logging.WARNING)
            capturing = logging._warnings_showwarning is not None  # type: ignore[attr-defined]
            import great_expectations as gx
            import tqdm.std

            if not capturing:  # GX routes every warning of the process to logging
                logging.captureWarnings(False)
            tqdm.std.tqdm.monitor_interval = 0  # no tqdm monitor thread
            _gx_module["gx"] = gx
        return _gx_module["gx"]


def expectations_module() -> Any:
    """`great_expectations.expectations` (imports GX on first use)."""
    import_gx()
    import great_expectations.expectations as gxe

    return gxe


#: Keys of each published table.
KEYS = {
    "daily_training": ("athlete_id", "local_date"),
    "daily_nutrition": ("athlete_id", "local_date"),
    "daily_energy": ("athlete_id", "local_date"),
    "daily_muscle_balance": ("athlete_id", "local_date"),
    "weekly_muscle_balance": ("athlete_id", "iso_year", "iso_week"),
    "daily_recovery": ("athlete_id", "local_date"),
}
#: Minute sums of a day's samples (running, zones, covered) are clipped to the day's
#: length in the athlete's zone: at most the longest local day (`schemas.marts`).
DAY_MIN = LONGEST_LOCAL_DAY_MIN
#: Session minutes (strength, other cardio) count wholly on the day a session starts, so
#: a 24-hour race or a multi-day hike recorded as one session passes a day: a week.
SESSION_MIN = 7 * MINUTES_PER_DAY
#: Hours in the 7 days of a week: each day's moving time at most its length.
WEEK_H = 7 * LONGEST_LOCAL_DAY_MIN / 60
#: Per kg of body weight: the day's bound over the lightest weight the door and the config
#: accept (25 kg, as the config's `weight_kg`).
PROTEIN_G_PER_KG = 800 / MIN_BODY_WEIGHT_KG
#: The same per pound of body weight (x 0.45359237 kg/lb).
PROTEIN_G_PER_LB = PROTEIN_G_PER_KG * KG_PER_LB
CARBOHYDRATE_G_PER_KG = 2_000 / MIN_BODY_WEIGHT_KG
#: Fat-free mass from the weights (25-300 kg) and body fat (2-70 %) the door accepts.
FFM_KG = (MIN_BODY_WEIGHT_KG * (1 - MAX_BODY_FAT_PCT / 100),
          MAX_BODY_WEIGHT_KG * (1 - MIN_BODY_FAT_PCT / 100))
#: TRIMP of a day at maximal heart rate throughout (HRr 1: 4.6 TRIMP/min for women,
#: 4.4 for men, transforms.physiology) over the longest local day: 8,500; the loads are
#: weighted means of daily TRIMP.
TRIMP_MAX = 10_000
#: A weight trend no body shows (plausibility: 20 %/week; the balance of 20 % of the
#: heaviest weight the door accepts, 300 kg, a week at 7700 kcal/kg, rounded up).
WEIGHT_TREND_RANGES = (("weight_trend_pct_per_week", -5, 5),
                       ("trend_balance_kcal_per_day", -70_000, 70_000))
#: Points the energy-protein interaction may take off (energy_protein_interaction x 100 at
#: the most; the key is bounded only below, so 0-100 like the score).
PENALTY_RANGE = ("energy_protein_penalty", 0, 100)
#: Recovery: a mean, a baseline and their difference stay within the day's range; the
#: sample SD of values within a range of width w is at most w / 2 x sqrt(n / (n - 1)), under
#: w for the 14 days or more a baseline needs; the SWC is half of it.
_RHR_WIDTH = RESTING_HR_BPM_RANGE[1] - RESTING_HR_BPM_RANGE[0]
_HRV_WIDTH = HRV_MS_RANGE[1] - HRV_MS_RANGE[0]
#: A smoothed mass is the 28-day line read up to 27 days from the mean of its weigh-ins, at
#: most 5 %/week: within 20 % of the lightest and heaviest weigh-in the door accepts; its
#: slope at most 5 %/week of the heaviest (15 kg/week). Fat-free and muscle mass within
#: FFM_KG likewise.
TREND_KG = (MIN_BODY_WEIGHT_KG * 0.8, MAX_BODY_WEIGHT_KG * 1.2)
RATE_KG_PER_WEEK = MAX_BODY_WEIGHT_KG * 0.05
RECOVERY_RANGES = (
    ("sleep_h", *SLEEP_H_RANGE), ("resting_hr_bpm", *RESTING_HR_BPM_RANGE),
    ("resting_hr_7d_mean_bpm", *RESTING_HR_BPM_RANGE),
    ("resting_hr_baseline_bpm", *RESTING_HR_BPM_RANGE),
    ("resting_hr_delta_bpm", -_RHR_WIDTH, _RHR_WIDTH),
    ("hrv_ms", *HRV_MS_RANGE), ("hrv_7d_mean_ms", *HRV_MS_RANGE),
    ("hrv_baseline_ms", *HRV_MS_RANGE), ("hrv_baseline_sd_ms", 0, _HRV_WIDTH),
    ("hrv_swc_ms", 0, _HRV_WIDTH / 2), ("hrv_delta_ms", -_HRV_WIDTH, _HRV_WIDTH),
    *((f"{p}weigh_ins_28d", 0, 28) for p in ("", "ffm_", "muscle_")),
    *((c, 0, 27) for c in ("weigh_in_span_days_28d", "ffm_span_days_28d",
                           "muscle_span_days_28d")),
    ("weight_trend_kg", *TREND_KG), ("weight_rate_pct_per_week", -5, 5),
    ("fat_free_mass_trend_kg", FFM_KG[0] * 0.8, FFM_KG[1] * 1.2),
    ("muscle_mass_trend_kg", FFM_KG[0] * 0.8, FFM_KG[1] * 1.2),
    ("fat_free_mass_rate_kg_per_week", -RATE_KG_PER_WEEK, RATE_KG_PER_WEEK),
    ("muscle_mass_rate_kg_per_week", -RATE_KG_PER_WEEK, RATE_KG_PER_WEEK),
)
#: What the score reads of daily_recovery: the week's sleep within a night's range, the
#: resting-HR rise as the mart's, HRV in smallest worthwhile changes clipped to +-10, the
#: fat-free-mass change of 4 weeks at the mart's steepest rate.
SCORE_RECOVERY_RANGES = (
    ("sleep_h_7d", *SLEEP_H_RANGE), ("resting_hr_delta_bpm", -_RHR_WIDTH, _RHR_WIDTH),
    ("hrv_delta_swc", -HRV_SWC_CLIP, HRV_SWC_CLIP),
    ("fat_free_mass_change_kg_28d", -4 * RATE_KG_PER_WEEK, 4 * RATE_KG_PER_WEEK),
    ("ffm_weigh_ins_28d", 0, 28),
)
#: (column, min, max) per table (max None: no upper bound); units in the column names.
#: Bounds a column meets by construction (minutes, shares, counts of days, scores) can
#: never fail; the others (distance, energy, grams) are plausibility checks, whose
#: failure names the athlete, the days and the source files.
RANGES: dict[str, tuple[tuple[str, float, float | None], ...]] = {
    "daily_training": (
        ("run_distance_km", 0, 300), ("run_moving_min", 0, DAY_MIN),
        ("longest_run_min", 0, DAY_MIN),
        # the sum of every rise of unsmoothed altitude: a day of GPS noise has no limit
        ("elevation_gain_m", 0, None),
        *[(f"z{i}_min", 0, DAY_MIN) for i in range(1, 6)],
        ("hr_covered_min", 0, DAY_MIN), ("hr_coverage_pct", 0, 100),
        ("high_intensity_min", 0, DAY_MIN),
        ("seiler_low_share", 0, 1), ("seiler_threshold_share", 0, 1),
        ("seiler_high_share", 0, 1), ("trimp", 0, TRIMP_MAX), ("acute_load", 0, TRIMP_MAX),
        ("chronic_load", 0, TRIMP_MAX), ("fitness_load", 0, TRIMP_MAX),
        ("strength_sessions", 0, 20), ("strength_min", 0, SESSION_MIN),
        ("strength_near_run_sessions", 0, 20), ("strength_session_credit", 0, 20),
        ("strength_near_run_credit", 0, 20),
        ("other_cardio_min", 0, SESSION_MIN), ("exercise_kcal", 0, 15_000),
        # 220 - age, for the oldest birth year the config accepts (1900) until 2040
        ("max_hr_bpm", 80, 230),
    ),
"daily_nutrition": (
        ("energy_kcal", 0, 15_000), ("protein_g", 0, 800), ("carbohydrate_g", 0, 2_000),
        ("fat_g", 0, 1_000), ("fiber_g", 0, 300), ("protein_g_per_kg", 0, PROTEIN_G_PER_KG),
        ("carbohydrate_g_per_kg", 0, CARBOHYDRATE_G_PER_KG), ("meals_logged", 0, 20),
        ("meals_reaching_protein_target", 0, 20),
    ),
    "daily_energy": (
        ("weight_kg", 25, 300), ("body_fat_pct", 2, 70), ("fat_free_mass_kg", *FFM_KG),
        # Mifflin-St Jeor at 25 kg, 100 cm, 140 years; Cunningham at the largest FFM
        ("resting_kcal", 0, 7_000), ("exercise_kcal", 0, 15_000),
        ("intake_kcal", 0, 15_000), ("expenditure_kcal", 0, 25_000),
        ("balance_kcal", -25_000, 15_000),
        # (intake - exercise) / FFM: +-15,000 kcal over the smallest FFM
        ("energy_availability_kcal_per_kg_ffm", -2_000, 2_000),
        ("exercise_min", 0, SESSION_MIN),
    ),
    "daily_muscle_balance": (
        ("score", 0, 100), ("data_completeness", 0, 1),
        *[(f"{c}_score", 0, 100) for c in ("protein", "energy", "carbohydrate",
                                             "running_load", "intensity", "strength",
                                             "recovery")],
        ("protein_g_per_kg_7d", 0, PROTEIN_G_PER_KG), ("protein_g_per_lb_7d", 0, PROTEIN_G_PER_LB),
        ("run_km_7d", 0, 2_100),
        ("run_h_7d", 0, WEEK_H),
        ("strength_sessions_7d", 0, 140), ("strength_session_credit_7d", 0, 140),
        ("hard_days_7d", 0, 7),
        ("max_hard_streak_7d", 0, 7), ("logged_days_7d", 0, 7), ("known_days_7d", 0, 7),
        ("high_intensity_share_7d", 0, 1), ("seiler_high_share_7d", 0, 1),
        ("high_intensity_min_7d", 0, 7 * DAY_MIN),
        ("score_28d", 0, 100), ("score_28d_previous", 0, 100),
        ("very_low_intake_days_7d", 0, 7), *WEIGHT_TREND_RANGES, PENALTY_RANGE,
        ("scored_balance_kcal_per_day", -70_000, 15_000), ("below_resting_days_7d", 0, 7),
        *SCORE_RECOVERY_RANGES,
    ),
    "weekly_muscle_balance": (
        ("score", 0, 100), ("worst_score", 0, 100), ("data_completeness", 0, 1),
        ("days", 1, 7), ("days_scored", 0, 7), ("iso_week", 1, 53),
        ("run_distance_km", 0, 2_100), ("run_hours", 0, WEEK_H),
        ("protein_g_per_kg_mean", 0, PROTEIN_G_PER_KG),
        ("protein_g_per_lb_mean", 0, PROTEIN_G_PER_LB), ("logged_days", 0, 7),
        ("strength_sessions", 0, 140), ("score_28d", 0, 100), ("score_28d_previous", 0, 100),
        ("very_low_intake_days", 0, 7), ("incomplete_days", 0, 7), *WEIGHT_TREND_RANGES,
        PENALTY_RANGE,
    ),
    "daily_recovery": RECOVERY_RANGES,
}
#: (column, allowed values) per table.
SETS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "daily_training": (("exercise_kcal_method", ("device", "keytel", "mixed")),
                       ("max_hr_source", ("config", "observed", "220_minus_age")),
                       ("zone_model", ("hrmax", "hrr", "lthr")),
                       ("strength_source", ("watch", "log", "none"))),
    "daily_nutrition": (("incomplete_source", INCOMPLETE_SOURCES),),
    "daily_energy": (("weight_source", ("measured", "interpolated", "carried", "configured",
                                        "unknown")),
                     ("resting_method", ("cunningham", "mifflin_st_jeor"))),
    "daily_muscle_balance": (("band", ("low", "moderate", "high")),
                             ("trend_28d", ("better", "same", "worse")),
                             ("recovery_basis", RECOVERY_BASES)),
    "weekly_muscle_balance": (("band", ("low", "moderate", "high")),
                              ("trend_28d", ("better", "same", "worse"))),
    "daily_recovery": (("sleep_source", RECOVERY_SOURCES), ("resting_hr_source", RECOVERY_SOURCES),
                       ("hrv_source", RECOVERY_SOURCES), ("hrv_measure", HRV_SERIES)),
}
#: (g/kg column, its g/lb copy) per table: the copy is known exactly when the g/kg value is.
PER_LB: dict[str, tuple[str, str]] = {
    "daily_muscle_balance": ("protein_g_per_kg_7d", "protein_g_per_lb_7d"),
    "weekly_muscle_balance": ("protein_g_per_kg_mean", "protein_g_per_lb_mean"),
}
#: Never null: besides the keys.
NOT_NULL: dict[str, tuple[str, ...]] = {
    "daily_training": ("zone_model", "strength_source"),
    "daily_nutrition": ("logged",),
    "daily_muscle_balance": ("data_completeness", "model_version", "reasons",
                             "very_low_intake_days_7d", "energy_protein_penalty"),
    "weekly_muscle_balance": ("week_start", "days", "model_version", "very_low_intake_days",
                              "incomplete_days", "energy_protein_penalty"),
    "daily_recovery": ("weigh_ins_28d", "ffm_weigh_ins_28d", "muscle_weigh_ins_28d"),
}
#: daily_recovery: (column, the column it is known with): null exactly where the other is.
RECOVERY_TOGETHER = (
    ("sleep_source", "sleep_h"), ("sleep_measured", "sleep_h"),
    ("resting_hr_source", "resting_hr_bpm"), ("hrv_source", "hrv_ms"),
    ("hrv_baseline_sd_ms", "hrv_baseline_ms"), ("hrv_swc_ms", "hrv_baseline_ms"),
    ("weight_rate_pct_per_week", "weight_trend_kg"),
    ("fat_free_mass_rate_kg_per_week", "fat_free_mass_trend_kg"),
    ("muscle_mass_rate_kg_per_week", "muscle_mass_trend_kg"),
)


@dataclass(frozen=True)
class SuiteInputs:
    """What a suite needs beyond the frame: the band thresholds, and per table the rows the
    previous published build had (None: nothing published) and whether fewer rows are
    accepted this time (a reason given)."""

    low_risk_min_score: float
    high_risk_below_score: float
    previous_rows: dict[str, int | None] = field(default_factory=dict)
    allow_fewer_rows: bool = False


def calendar_rows(frame: pl.DataFrame, table: str) -> int:
    """Rows the table must have: per athlete, every day (or ISO week) from the first to the
    last."""
    if frame.height == 0:
        return 0
    if table.startswith("daily_"):
        spans = frame.group_by("athlete_id").agg(
            (pl.col("local_date").max() - pl.col("local_date").min()).dt.total_days() + 1)
    else:
        spans = frame.group_by("athlete_id").agg(
            ((pl.col("week_start").max() - pl.col("week_start").min()).dt.total_days() // 7)
            + 1)
    return int(spans[spans.columns[1]].sum())


def _band_checks(gxe: Any, inputs: SuiteInputs) -> list[Any]:
    from great_expectations.expectations.row_conditions import Column

    score = Column("score")
    low, high = inputs.low_risk_min_score, inputs.high_risk_below_score
    return [
        gxe.ExpectColumnValuesToBeInSet(column="band", value_set=["low"],
                                        row_condition=score >= low),
        gxe.ExpectColumnValuesToBeInSet(column="band", value_set=["moderate"],
                                        row_condition=(score >= high) & (score < low)),
        gxe.ExpectColumnValuesToBeInSet(column="band", value_set=["high"],
                                        row_condition=score < high),
        gxe.ExpectColumnValuesToBeNull(column="band", row_condition=score.is_null()),
    ]


def _trend_checks(gxe: Any) -> list[Any]:
    """The 28-day trend agrees with the two means it compares: null exactly when either is
    unknown, `better` only above the earlier mean, `worse` only below it (the +-5 points
    between are a `[scoring]` key, so only the direction is checked here)."""
    from great_expectations.expectations.row_conditions import Column

    now, before, trend = Column("score_28d"), Column("score_28d_previous"), Column("trend_28d")
    return [
        gxe.ExpectColumnValuesToBeNull(column="trend_28d",
                                       row_condition=now.is_null() | before.is_null()),
        gxe.ExpectColumnValuesToNotBeNull(column="trend_28d",
                                          row_condition=now.is_not_null() & before.is_not_null()),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="score_28d", column_B="score_28d_previous", row_condition=trend == "better"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="score_28d_previous", column_B="score_28d", row_condition=trend == "worse"),
    ]


def _per_lb_checks(gxe: Any, per_kg: str, per_lb: str) -> list[Any]:
    """A g/lb column beside its g/kg column: null exactly when it is, and never above it
    (a pound is 0.45 kg)."""
    from great_expectations.expectations.row_conditions import Column

    return [
        gxe.ExpectColumnValuesToBeNull(column=per_lb, row_condition=Column(per_kg).is_null()),
        gxe.ExpectColumnValuesToNotBeNull(column=per_lb,
                                          row_condition=Column(per_kg).is_not_null()),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=per_kg, column_B=per_lb, or_equal=True,
            ignore_row_if="either_value_is_missing"),
    ]


def _known_together(gxe: Any, column: str, source: str) -> list[Any]:
    """`column` is null exactly where `source` (the value it is computed from) is."""
    from great_expectations.expectations.row_conditions import Column

    return [gxe.ExpectColumnValuesToBeNull(column=column,
                                           row_condition=Column(source).is_null()),
            gxe.ExpectColumnValuesToNotBeNull(column=column,
                                              row_condition=Column(source).is_not_null())]


def suite(table: str, frame: pl.DataFrame, inputs: SuiteInputs) -> list[Any]:
    """The expectations of one published table, given its built `frame`."""
    gxe = expectations_module()
    keys = KEYS[table]
    checks: list[Any] = [gxe.ExpectColumnValuesToNotBeNull(column=c)
                         for c in (*keys, *NOT_NULL.get(table, ()))]
    checks.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(keys)))
    checks.append(gxe.ExpectTableRowCountToEqual(value=calendar_rows(frame, table)))
    previous = inputs.previous_rows.get(table)
    if previous is not None and not inputs.allow_fewer_rows:
        checks.append(gxe.ExpectTableRowCountToBeBetween(min_value=previous))
    checks += [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=lo, max_value=hi)
               for c, lo, hi in RANGES.get(table, ())]
    checks += [gxe.ExpectColumnValuesToBeInSet(column=c, value_set=list(values))
               for c, values in SETS.get(table, ())]
    if table == "daily_training":  # no zone holds more minutes than heart rate covered
        checks += [gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="hr_covered_min", column_B=column, or_equal=True,
            ignore_row_if="either_value_is_missing")
            for column in (*(f"z{i}_min" for i in range(1, 6)), "high_intensity_min")]
    if table.endswith("_muscle_balance"):
        checks += (_band_checks(gxe, inputs) + _trend_checks(gxe)
                   + _per_lb_checks(gxe, *PER_LB[table]))
    if table == "daily_muscle_balance":
        checks += _known_together(gxe, "low_energy_availability",
                                  "energy_availability_kcal_per_kg_ffm_7d")
        checks += _known_together(gxe, "scored_balance_kcal_per_day", "balance_kcal_7d")
        checks += _known_together(gxe, "recovery_basis", "recovery_score")
        checks += _known_together(gxe, "fat_free_mass_falling", "fat_free_mass_change_kg_28d")
    if table.endswith("_muscle_balance"):
        checks += _known_together(gxe, "trend_balance_kcal_per_day",
                                  "weight_trend_pct_per_week")
    if table == "daily_recovery":
        checks += _recovery_checks(gxe)
    return checks


def _recovery_checks(gxe: Any) -> list[Any]:
    """Sources, SD and rates known exactly with their values; a day's HRV only with the
    athlete's measure; deltas and the SWC flag null exactly when a mean or the baseline is
    unknown; a trend only over at least 2 days with a value (the score needs 4)."""
    from great_expectations.expectations.row_conditions import Column

    checks = [c for column, source in RECOVERY_TOGETHER
              for c in _known_together(gxe, column, source)]
    for prefix, unit in (("resting_hr", "bpm"), ("hrv", "ms")):
        mean, base = Column(f"{prefix}_7d_mean_{unit}"), Column(f"{prefix}_baseline_{unit}")
        checks += [
            gxe.ExpectColumnValuesToBeNull(column=f"{prefix}_delta_{unit}",
                                           row_condition=mean.is_null() | base.is_null()),
            gxe.ExpectColumnValuesToNotBeNull(column=f"{prefix}_delta_{unit}",
                                              row_condition=mean.is_not_null()
                                              & base.is_not_null())]
    mean, base = Column("hrv_7d_mean_ms"), Column("hrv_baseline_ms")
    checks += [
        gxe.ExpectColumnValuesToBeNull(column="hrv_below_swc",
                                       row_condition=mean.is_null() | base.is_null()),
        gxe.ExpectColumnValuesToNotBeNull(column="hrv_below_swc",
                                          row_condition=mean.is_not_null() & base.is_not_null()),
        gxe.ExpectColumnValuesToNotBeNull(column="hrv_measure",
                                          row_condition=Column("hrv_ms").is_not_null()),
    ]
    for count, trend in (("weigh_ins_28d", "weight_trend_kg"),
                         ("ffm_weigh_ins_28d", "fat_free_mass_trend_kg"),
                         ("muscle_weigh_ins_28d", "muscle_mass_trend_kg")):
        checks.append(gxe.ExpectColumnValuesToBeNull(column=trend,
                                                      row_condition=Column(count) < 2))
    return checks


#: Expectations about the table as a whole: their failure blocks every athlete's publish
#: (prefixes of GX expectation types).
TABLE_WIDE = ("expect_table_", "expect_compound_columns_to_be_unique")


def key_label(key: dict) -> str:
    """A failing row's day (`2026-03-05`) or ISO week (`2026-W10`), from its keys."""
    if "local_date" in key:
        return str(key["local_date"])
    return f"{key.get('iso_year')}-W{int(key.get('iso_week') or 0):02d}"


def held_back(checked: Sequence[tuple[str, CheckResult]]) -> dict[str, list[str]] | None:
    """The athletes the failed expectations name, each with the days (or ISO weeks) of its
    failing rows, sorted: {} when nothing failed. None when a failure is not about rows of
    known athletes - an expectation about the whole table (`TABLE_WIDE`), one that could not
    run, or a failing row without an athlete - so nothing may be published."""
    athletes: dict[str, set[str]] = {}
    for _, result in checked:
        if result.success:
            continue
        if (result.error or result.failing_keys is None
                or result.expectation.startswith(TABLE_WIDE)):
            return None
        for key in result.failing_keys:
            if key.get("athlete_id") is None:
                return None
            athletes.setdefault(str(key["athlete_id"]), set()).add(key_label(key))
    return {a: sorted(days) for a, days in sorted(athletes.items())}
