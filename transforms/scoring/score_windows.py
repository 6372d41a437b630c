"""The rolling windows the muscle-balance components read, per athlete and local day.

Every window ends on (and includes) the scored day and is measured in calendar days by
`local_date` (`rolling_*_by`), so a missing row can never stretch a window. Nutrition
windows average over *usable* food-log days only (logged and not flagged incomplete): an
unlogged day is unknown, never zero intake. Training windows count *known* days (inside the
athlete's span of watch data, where no session means a known 0). Strength has its own
marker: an athlete whose strength is recorded nowhere (`strength_source = "none"`) has
known training and unknown strength, so the strength windows are null while the
running, intensity and recovery windows are not.
"""

from __future__ import annotations

import polars as pl

from schemas.scoring import WINDOW_DAYS, ScoreConstants

KEYS = ("athlete_id", "local_date")


def _days(n: int) -> str:
    return f"{n}d"


#: Decimals a rolling sum of floats keeps (see `_sum`).
SUM_DECIMALS = 6


def _rolling(expr: pl.Expr, days: int) -> pl.Expr:
    return expr.rolling_sum_by("local_date", _days(days)).over("athlete_id")


def _sum(expr: pl.Expr, days: int) -> pl.Expr:
    """Sum over the window of `days` ending on the row's day (nulls skipped), rounded to
    `SUM_DECIMALS` (6) decimals. The rolling sum adds each day as it enters the window and
    subtracts it as it leaves, which leaves float residue behind (+-1e-13 once values in
    the thousands have passed through): rounded, a window of zeros sums to exactly 0, so a
    sum of non-negative values is never below 0 (6 decimals of a minute, km or g/kg are far
    below what any input measures)."""
    return _rolling(expr, days).round(SUM_DECIMALS)


def _count(mask: pl.Expr, days: int) -> pl.Expr:
    """Rows in the window where `mask` holds (an integer sum: exact)."""
    return _rolling(mask.fill_null(False).cast(pl.Int32), days)


def _mean_where(value: pl.Expr, mask: pl.Expr, days: int, min_days: int) -> pl.Expr:
    """Mean of `value` over the window's rows where `mask` holds and `value` is known; null
    when fewer than `min_days` such rows."""
    picked = pl.when(mask.fill_null(False)).then(value)
    n = _count(picked.is_not_null(), days)
    return pl.when(n >= min_days).then(_sum(picked, days) / n)


def _non_negative(difference: pl.Expr) -> pl.Expr:
    """A difference of rolling sums with float residue removed: runs that have left both
    windows leave +-1e-15 behind, which must read as an empty baseline (+0.0, not -0.0 or
    a tiny negative that would flip the sign of a ratio)."""
    rounded = difference.round(6)
    return pl.when(rounded <= 0).then(0.0).otherwise(rounded)


def carbohydrate_need(training_min: pl.Expr, k: ScoreConstants) -> pl.Expr:
    """Lower bound of the day's carbohydrate band, g/kg (Thomas et al. 2016), from the
    day's endurance minutes (running, cycling, swimming, rowing; walks, hikes and strength
    sessions draw far less on glycogen and do not raise the band): light 3, moderate
    (45 min, about 1 h) 5, high (90 min, 1-3 h) 6, very high (240 min, over 4 h) 8; null
    when training is unknown."""
    return (pl.when(training_min >= k.carb_very_high_from_min).then(k.carb_very_high_g_per_kg)
            .when(training_min >= k.carb_high_from_min).then(k.carb_high_g_per_kg)
            .when(training_min >= k.carb_moderate_from_min).then(k.carb_moderate_g_per_kg)
            .when(training_min.is_not_null()).then(k.carb_light_g_per_kg))


def daily_inputs(training: pl.DataFrame, nutrition: pl.DataFrame, energy: pl.DataFrame
                 ) -> pl.DataFrame:
    """The three fact frames side by side on the training calendar, sorted by athlete and
    day (the columns the score reads)."""
    nut = nutrition.select(*KEYS, "logged", "incomplete", "protein_g_per_kg",
                           "carbohydrate_g_per_kg", "meals_reaching_protein_target")
    en = energy.select(*KEYS, "balance_kcal", "energy_availability_kcal_per_kg_ffm")
    return (training.join(nut, on=list(KEYS), how="full", coalesce=True)
            .join(en, on=list(KEYS), how="full", coalesce=True)
            .sort(*KEYS))


def windows(days: pl.DataFrame, k: ScoreConstants) -> pl.DataFrame:
    """`days` (from `daily_inputs`) with the window columns the components and reasons
    read. Units in the names; `_7d` is the scored week (the day and the 6 before it); the
    running baseline is the `chronic_window_days - 7` days before that week.
    """
    w, c = WINDOW_DAYS, k.chronic_window_days
    usable = pl.col("logged").fill_null(False) & ~pl.col("incomplete").fill_null(False)
    # training known (inside the FIT span, where no run is a known 0); strength known: the
    # same days, unless strength is recorded nowhere (strength_source = "none")
    known = pl.col("run_sessions").is_not_null()
    strength_known = pl.col("strength_sessions").is_not_null()
    z45 = pl.col("z4_min") + pl.col("z5_min")
    endurance_min = (pl.col("run_moving_min") + pl.col("cycling_min") + pl.col("swimming_min")
                     + pl.col("rowing_min"))
    hard = known & ((z45 >= k.hard_zone45_min).fill_null(False)
                    | (pl.col("longest_run_min") >= k.hard_long_run_min).fill_null(False))
    # consecutive hard days: a streak breaks on a day that is not hard or after a gap
    gap = (pl.col("local_date").diff().over("athlete_id") != pl.duration(days=1)).fill_null(True)
    staged = days.with_columns(
        usable.alias("__usable"), known.alias("__known"), hard.alias("__hard"),
        strength_known.alias("__strength_known"),
        carbohydrate_need(endurance_min, k).alias("carbohydrate_need_g_per_kg"),
        (~hard | gap).cast(pl.Int32).cum_sum().over("athlete_id").alias("__hard_group"),
        pl.when(pl.col("strength_sessions") > 0).then(pl.col("local_date"))
        .forward_fill().over("athlete_id").alias("__last_strength"),
        pl.when(strength_known).then(pl.col("local_date")).min().over("athlete_id")
        .alias("__first_known"),
    ).with_columns(
        pl.col("__hard").cast(pl.Int32).cum_sum().over("athlete_id", "__hard_group")
        .alias("__hard_streak"),
    )
    u = pl.col("__usable")
    carb_days = u & pl.col("carbohydrate_g_per_kg").is_not_null() \
        & pl.col("carbohydrate_need_g_per_kg").is_not_null()
    # the baseline: the chronic window minus the scored week
    base_known = _count(pl.col("__known"), c) - _count(pl.col("__known"), w)
    base_min = _non_negative(_sum(pl.col("run_moving_min"), c)
                             - _sum(pl.col("run_moving_min"), w))
    base_km = _non_negative(_sum(pl.col("run_distance_km"), c)
                            - _sum(pl.col("run_distance_km"), w))
    per_week = 7.0 / base_known.cast(pl.Float64)
    # a run without distance (a treadmill file without a foot pod) makes a km sum unknown
    km_unknown = (pl.col("run_moving_min") > 0) & pl.col("run_distance_km").is_null()
    week_km_unknown = _count(km_unknown, w) > 0
    base_km_unknown = (_count(km_unknown, c) - _count(km_unknown, w)) > 0
    full_week = _count(pl.col("__known"), w) >= w  # training known on every day of the week

    full_strength_week = _count(pl.col("__strength_known"), w) >= w

    def week(expr: pl.Expr) -> pl.Expr:
        """A training sum over the week: null unless every day's training is known."""
        return pl.when(full_week).then(expr)

    def strength_week(expr: pl.Expr) -> pl.Expr:
        """A strength sum over the week: null unless every day's strength is known."""
        return pl.when(full_strength_week).then(expr)

    return staged.with_columns(
        _count(u, w).alias("logged_days_7d"),
        _mean_where(pl.col("protein_g_per_kg"), u, w, k.min_logged_days)
        .alias("protein_g_per_kg_7d"),
        _mean_where(pl.col("meals_reaching_protein_target").cast(pl.Float64), u, w,
                    k.min_logged_days).alias("protein_meals_per_day_7d"),
        _mean_where(pl.col("balance_kcal"), u, w, k.min_logged_days).alias("balance_kcal_7d"),
        _count(u & (pl.col("balance_kcal") < -k.deficit_day_kcal), w).alias("deficit_days_7d"),
        _mean_where(pl.col("energy_availability_kcal_per_kg_ffm"), u, w, k.min_logged_days)
        .alias("energy_availability_7d"),
        _mean_where(pl.col("carbohydrate_g_per_kg"), carb_days, w, k.min_logged_days)
        .alias("carbohydrate_g_per_kg_7d"),
        _mean_where(pl.col("carbohydrate_need_g_per_kg"), carb_days, w, k.min_logged_days)
        .alias("carbohydrate_need_g_per_kg_7d"),
        _count(pl.col("__known"), w).alias("known_days_7d"),
        week(_sum(pl.col("run_moving_min"), w) / 60.0).alias("run_h_7d"),
        week(pl.when(~week_km_unknown).then(_sum(pl.col("run_distance_km"), w)))
        .alias("run_km_7d"),
        pl.when(base_known >= k.min_chronic_known_days)
        .then(base_min / 60.0 * per_week).alias("chronic_run_h_per_week"),
        pl.when((base_known >= k.min_chronic_known_days) & ~base_km_unknown)
        .then(base_km * per_week).alias("chronic_run_km_per_week"),
        week(pl.col("longest_run_min").rolling_max_by("local_date", _days(w))
             .over("athlete_id")).alias("longest_run_min_7d"),
        week(_sum(z45, w)).alias("zone45_min_7d"),
        week(_sum(pl.col("hr_covered_min"), w)).alias("hr_covered_min_7d"),
        strength_week(_sum(pl.col("strength_sessions"), w)).alias("strength_sessions_7d"),
        strength_week(_sum(pl.col("strength_session_credit"), w))
        .alias("strength_session_credit_7d"),
        strength_week(_sum(pl.col("strength_near_run_sessions"), w))
        .alias("strength_near_run_7d"),
        strength_week(_sum(pl.col("strength_near_run_credit"), w))
        .alias("strength_near_run_credit_7d"),
        pl.when(strength_known).then(
            (pl.col("local_date") - pl.coalesce("__last_strength", pl.col("__first_known")
                                                - pl.duration(days=1))).dt.total_days()
        ).alias("days_since_strength"),
        week(_count(pl.col("__hard"), w)).alias("hard_days_7d"),
        week(_longest_streak_in_window(pl.col("__hard_streak"), w))
        .alias("max_hard_streak_7d"),
    )


def _longest_streak_in_window(streak: pl.Expr, days: int) -> pl.Expr:
    """The longest run of consecutive hard days inside the window of `days` ending on the
    row's day, counting only the days inside it: at most `days`, whatever came before.

    `streak` is the run's length up to and including each day. A day `j` of the window,
    `offset` days before the scored day, contributes the part of its run inside the
    window: min(streak_j, days - offset). The window holds at most `days` rows (one per
    calendar day), so the rows 0..days-1 before each row, by position within its athlete
    and taken only while their date lies in the window, are all of them (rows sorted by
    athlete and day)."""
    date = pl.col("local_date")
    parts = []
    for back in range(days):
        offset = (date - date.shift(back).over("athlete_id")).dt.total_days()
        inside = pl.min_horizontal(streak.shift(back).over("athlete_id"),
                                   pl.lit(days, pl.Int64) - offset)
        parts.append(pl.when(offset < days).then(inside))
    return pl.max_horizontal(parts).cast(pl.Int32)
