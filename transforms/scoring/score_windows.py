"""The rolling windows the muscle-balance components read, per athlete and local day.

Every window ends on (and includes) the scored day and is measured in calendar days by
`local_date` (`rolling_*_by`), so a missing row can never stretch a window. Nutrition
windows average over *usable* food-log days only (logged and not marked incomplete): an
unlogged day is unknown, never zero intake. A very-low-intake day (under
`min_logged_kcal`, "very low or incomplete") is usable: it counts in the means and as a
deficit day unless the athlete or the tracker marked it incomplete. Training windows count
*known* days (inside the athlete's span of watch data, where no session means a known 0).
Strength has its own
marker: an athlete whose strength is recorded nowhere (`strength_source = "none"`) has
known training and unknown strength, so the strength windows are null while the
running, intensity and recovery windows are not.
"""

from __future__ import annotations

import polars as pl

from schemas.scoring import MEMORY_DAYS, WINDOW_DAYS, ScoreConstants
from transforms.body_weight import WEIGHT_MEASURED
from transforms.scoring.score_functions import ramp

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
    sessions draw far less on glycogen and do not raise the band), read off a line through
    the band edges: light 3 at 0 min, moderate 5 at 45 min (about 1 h), high 6 at 90 min
    (1-3 h), very high 8 from 240 min (over 4 h), straight between (a model choice: a
    minute more never moves the need by a whole band); null when training is unknown."""
    edges = ((0.0, k.carb_light_g_per_kg), (k.carb_moderate_from_min, k.carb_moderate_g_per_kg),
             (k.carb_high_from_min, k.carb_high_g_per_kg),
             (k.carb_very_high_from_min, k.carb_very_high_g_per_kg))
    need = pl.lit(k.carb_light_g_per_kg)
    for (x0, y0), (x1, y1) in zip(edges, edges[1:], strict=False):
        need = need + (y1 - y0) * ramp(training_min, x0, x1) / 100.0
    return need


def daily_inputs(training: pl.DataFrame, nutrition: pl.DataFrame, energy: pl.DataFrame
                 ) -> pl.DataFrame:
    """The three fact frames side by side on the training calendar, sorted by athlete and
    day (the columns the score reads)."""
    nut = nutrition.select(*KEYS, "logged", "incomplete", "very_low_intake",
                           "protein_g_per_kg", "carbohydrate_g_per_kg",
                           "meals_reaching_protein_target")
    en = energy.select(*KEYS, "balance_kcal", "energy_availability_kcal_per_kg_ffm",
                       "weight_kg", "weight_source", "intake_kcal", "resting_kcal")
    return (training.join(nut, on=list(KEYS), how="full", coalesce=True)
            .join(en, on=list(KEYS), how="full", coalesce=True)
            .sort(*KEYS))


def below_resting(k: ScoreConstants) -> pl.Expr:
    """How far a day's intake fell below the day's resting energy, 0-1: 0 at or above
    resting energy, rising in a straight line to 1 at `below_resting_full_share` (0.6) of
    it or less; null when intake or resting energy is unknown. Eating below resting energy
    is a clinical red flag for low energy availability, and single days of deep
    within-day deficiency count beyond the week's mean (Fahrenholtz et al. 2018, Scand J
    Med Sci Sports 28:1139; IOC REDs 2023); the shape is a model choice."""
    short = (pl.col("resting_kcal") - pl.col("intake_kcal")) / pl.col("resting_kcal")
    return (short / (1.0 - k.below_resting_full_share)).clip(0.0, 1.0)


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
    high = pl.col("high_intensity_min")  # at or above the zone model's second threshold
    endurance_min = (pl.col("run_moving_min") + pl.col("cycling_min") + pl.col("swimming_min")
                     + pl.col("rowing_min"))
    hard = known & ((high >= k.hard_high_intensity_min).fill_null(False)
                    | (pl.col("longest_run_min") >= k.hard_long_run_min).fill_null(False))
    # a measured weigh-in: day number from the athlete's first day, weight less the
    # athlete's mean weigh-in (shifts that leave the slope as it is and keep sums small)
    measured = (pl.col("weight_source") == WEIGHT_MEASURED) & pl.col("weight_kg").is_not_null()
    day_number = (pl.col("local_date") - pl.col("local_date").min().over("athlete_id")
                  ).dt.total_days()
    weighed = pl.when(measured).then(pl.col("weight_kg"))
    # consecutive hard days: a streak breaks on a day that is not hard or after a gap
    gap = (pl.col("local_date").diff().over("athlete_id") != pl.duration(days=1)).fill_null(True)
    # a streak's length: rows since the last row that is not hard (or before a hard row
    # after a gap); every athlete's first row has a gap, so no streak crosses athletes
    row = pl.int_range(pl.len())
    streak_start = pl.when(~hard).then(row).when(gap).then(row - 1).forward_fill()
    staged = days.with_columns(
        pl.when(measured).then(day_number).alias("__weigh_day"),
        (weighed - weighed.mean().over("athlete_id")).alias("__weigh_kg"),
        weighed.mean().over("athlete_id").alias("__weigh_ref_kg"),
        usable.alias("__usable"), known.alias("__known"), hard.alias("__hard"),
        strength_known.alias("__strength_known"),
        carbohydrate_need(endurance_min, k).alias("carbohydrate_need_g_per_kg"),
        (~hard | gap).cast(pl.Int32).cum_sum().over("athlete_id").alias("__hard_group"),
        pl.when(pl.col("strength_sessions") > 0).then(pl.col("local_date"))
        .forward_fill().over("athlete_id").alias("__last_strength"),
        pl.when(strength_known).then(pl.col("local_date")).min().over("athlete_id")
        .alias("__first_known"),
        (row - streak_start).cast(pl.Int32).alias("__hard_streak"),
        # window counts read several times below, taken once (dropped at the end)
        _count(known, w).alias("__known_7d"), _count(known, c).alias("__known_chronic"),
        _count(strength_known, w).alias("__strength_known_7d"),
    )
    u = pl.col("__usable")
    very_low = u & pl.col("very_low_intake").fill_null(False)
    carb_days = u & pl.col("carbohydrate_g_per_kg").is_not_null() \
        & pl.col("carbohydrate_need_g_per_kg").is_not_null()
    # the baseline: the chronic window minus the scored week
    base_known = pl.col("__known_chronic") - pl.col("__known_7d")
    base_min = _non_negative(_sum(pl.col("run_moving_min"), c)
                             - _sum(pl.col("run_moving_min"), w))
    base_km = _non_negative(_sum(pl.col("run_distance_km"), c)
                            - _sum(pl.col("run_distance_km"), w))
    per_week = 7.0 / base_known.cast(pl.Float64)
    # a run without distance (a treadmill file without a foot pod) makes a km sum unknown
    km_unknown = (pl.col("run_moving_min") > 0) & pl.col("run_distance_km").is_null()
    week_km_unknown = _count(km_unknown, w) > 0
    base_km_unknown = (_count(km_unknown, c) - _count(km_unknown, w)) > 0
    full_week = pl.col("__known_7d") >= w  # training known on every day of the week

    full_strength_week = pl.col("__strength_known_7d") >= w

    def week(expr: pl.Expr) -> pl.Expr:
        """A training sum over the week: null unless every day's training is known."""
        return pl.when(full_week).then(expr)

    def strength_week(expr: pl.Expr) -> pl.Expr:
        """A strength sum over the week: null unless every day's strength is known."""
        return pl.when(full_strength_week).then(expr)

    return with_weight_trend(staged.with_columns(
        _count(u, w).alias("logged_days_7d"),
        _count(very_low, w).alias("very_low_intake_days_7d"),
        _dates_in_window(very_low, w).alias("very_low_intake_dates_7d"),
        _mean_where(pl.col("protein_g_per_kg"), u, w, k.min_logged_days)
        .alias("protein_g_per_kg_7d"),
        _mean_where(pl.col("meals_reaching_protein_target").cast(pl.Float64), u, w,
                    k.min_logged_days).alias("protein_meals_per_day_7d"),
        _mean_where(pl.col("balance_kcal"), u, w, k.min_logged_days).alias("balance_kcal_7d"),
        _count(u & (pl.col("balance_kcal") < -k.deficit_day_kcal), w).alias("deficit_days_7d"),
        _sum(pl.when(u).then(below_resting(k)), w).alias("below_resting_days_7d"),
        _mean_where(pl.col("energy_availability_kcal_per_kg_ffm"), u, w, k.min_logged_days)
        .alias("energy_availability_7d"),
        _mean_where(pl.col("carbohydrate_g_per_kg"), carb_days, w, k.min_logged_days)
        .alias("carbohydrate_g_per_kg_7d"),
        _mean_where(pl.col("carbohydrate_need_g_per_kg"), carb_days, w, k.min_logged_days)
        .alias("carbohydrate_need_g_per_kg_7d"),
        pl.col("__known_7d").alias("known_days_7d"),
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
        week(_sum(high, w)).alias("high_intensity_min_7d"),
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
    ), k).drop("__known_7d", "__known_chronic", "__strength_known_7d")


def score_memory(scored: pl.DataFrame, k: ScoreConstants) -> pl.DataFrame:
    """`scored` (a `score` per athlete and day, a complete calendar) sorted by athlete and
    day, with its memory:

    - `score_28d`: the mean of the daily scores over the `MEMORY_DAYS` (28) calendar days
      ending on the day, over the days that have a score; null with fewer than
      `min_memory_scored_days` (14) scored days. Rounded to 0.1 like the score.
    - `score_28d_previous`: the same for the 28 days before those (days -55..-28): the
      `score_28d` of the day 28 days earlier.
    - `trend_28d`: `better` when `score_28d` exceeds `score_28d_previous` by more than
      `trend_same_within_points` (5), `worse` when it falls short by more, else `same`;
      null when either is null. The difference is taken of the rounded values shown."""
    score = pl.col("score")
    remembered = scored.sort(*KEYS).with_columns(
        _mean_where(score, score.is_not_null(), MEMORY_DAYS, k.min_memory_scored_days)
        .round(1).alias("score_28d"))
    before = remembered.select(
        "athlete_id", pl.col("local_date").dt.offset_by(f"{MEMORY_DAYS}d"),
        pl.col("score_28d").alias("score_28d_previous"))
    change = (pl.col("score_28d") - pl.col("score_28d_previous")).round(1)
    return remembered.join(before, on=list(KEYS), how="left", maintain_order="left"
                           ).with_columns(
        pl.when(change > k.trend_same_within_points).then(pl.lit("better"))
        .when(change < -k.trend_same_within_points).then(pl.lit("worse"))
        .when(change.is_not_null()).then(pl.lit("same")).alias("trend_28d"))


def _dates_in_window(mask: pl.Expr, days: int) -> pl.Expr:
    """The dates, oldest first, of the rows where `mask` holds in the window of `days`
    ending on the row's day (a list; empty when none). Rows sorted by athlete and day, one
    per calendar day, as in `_longest_streak_in_window`."""
    picked = []
    for back in reversed(range(days)):
        picked.append(pl.when(_in_window(back, days) & mask.fill_null(False).shift(back)
                              .fill_null(False)).then(pl.col("local_date").shift(back)))
    return pl.concat_list(picked).list.drop_nulls()


def _days_before(back: int) -> pl.Expr:
    """Days from the row `back` rows earlier (in the frame) to the row's day."""
    return (pl.col("local_date") - pl.col("local_date").shift(back)).dt.total_days()


def _in_window(back: int, days: int) -> pl.Expr:
    """Whether the row `back` rows earlier is the same athlete's and inside the window of
    `days` ending on the row's day (rows sorted by athlete and day): a shift of the whole
    frame, cheaper than one per athlete; null on the frame's first rows."""
    athlete = pl.col("athlete_id")
    return (_days_before(back) < days) & (athlete.shift(back) == athlete)


#: The steepest weight trend taken as one, %/week either way: sustained loss in the
#: largest deficits is about 1-2 %/week after the first week's water (Hall 2008), so 5
#: leaves room for water and scale noise (a model choice).
MAX_WEIGHT_TREND_PCT_PER_WEEK = 5.0


def with_weight_trend(frame: pl.DataFrame, k: ScoreConstants) -> pl.DataFrame:
    """`frame` with `weight_trend_pct_per_week` (%/week, negative: losing) and
    `trend_balance_kcal_per_day` (kcal/day) from the measured weigh-ins of the last 28
    days (`weight_trend_window_days`; interpolated, carried and configured weights never
    count): the ordinary least-squares slope of weight on day, kg/day, as % of the
    window's mean weigh-in x 7, and x 7700 kcal/kg (Wishnofsky 1958; Hall 2008). Null with
    fewer than 4 weigh-ins or when they span fewer than 14 days (a model choice).

    The slope weighs every weigh-in of the window alike, needs no weight on the days
    between them and can be checked with a spreadsheet's SLOPE(); an exponentially
    smoothed trend (Walker's Hacker's Diet, MacroFactor) reacts faster but depends on
    every weigh-in before the window and on how the days without one are filled. Sums of
    day numbers (integers) are exact; weights enter less the athlete's mean weigh-in. The
    window sums are taken once, in columns dropped again. A trend steeper than
    `MAX_WEIGHT_TREND_PCT_PER_WEEK` (5 %/week either way) is null: no diet moves a body
    that fast for weeks, so the weigh-ins disagree (two scales, lb read as kg, another
    person) and say nothing of the balance."""
    days = k.weight_trend_window_days
    x, y = pl.col("__weigh_day"), pl.col("__weigh_kg")
    sums = {"__n": x.is_not_null().cast(pl.Int64), "__sx": x, "__sxx": x * x, "__sy": y,
            "__sxy": x.cast(pl.Float64) * y}
    n, sx, sxx, sy, sxy = (pl.col(name) for name in sums)
    windowed = frame.with_columns(
        *(_rolling(expr, days).alias(name) for name, expr in sums.items()),
        (x.rolling_max_by("local_date", _days(days)) - x.rolling_min_by("local_date", _days(days))
         ).over("athlete_id").alias("__span"))
    enough = (n >= k.weight_trend_min_weighins) & (pl.col("__span")
                                                    >= k.weight_trend_min_span_days)
    spread = (n * sxx - sx * sx).cast(pl.Float64)
    windowed = windowed.with_columns(
        pl.when(enough).then((n * sxy - sx * sy) / spread).alias("__slope"))
    mean_kg = sy / n + pl.col("__weigh_ref_kg")
    pct = pl.col("__slope") * 7.0 / mean_kg * 100.0
    plausible = pct.abs() <= MAX_WEIGHT_TREND_PCT_PER_WEEK
    windowed = windowed.with_columns(
        pl.when(plausible).then(pl.col("__slope")).alias("__slope"))
    slope_kg_per_day = pl.col("__slope")
    return windowed.with_columns(
        (slope_kg_per_day * 7.0 / mean_kg * 100.0).alias("weight_trend_pct_per_week"),
        (slope_kg_per_day * k.weight_change_kcal_per_kg).alias("trend_balance_kcal_per_day"),
    ).drop(*sums, "__span", "__slope")


def _longest_streak_in_window(streak: pl.Expr, days: int) -> pl.Expr:
    """The longest run of consecutive hard days inside the window of `days` ending on the
    row's day, counting only the days inside it: at most `days`, whatever came before.

    `streak` is the run's length up to and including each day. A day `j` of the window,
    `offset` days before the scored day, contributes the part of its run inside the
    window: min(streak_j, days - offset). The window holds at most `days` rows (one per
    calendar day), so the rows 0..days-1 before each row, by position within its athlete
    and taken only while their date lies in the window, are all of them (rows sorted by
    athlete and day)."""
    parts = []
    for back in range(days):
        inside = pl.min_horizontal(streak.shift(back), pl.lit(days, pl.Int64) - _days_before(back))
        parts.append(pl.when(_in_window(back, days)).then(inside))
    return pl.max_horizontal(parts).cast(pl.Int32)
