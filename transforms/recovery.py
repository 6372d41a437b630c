"""Recovery and body composition per athlete and local day (`marts.daily_recovery`), pure
polars.

The raw wellness tables (`schemas.wellness`) keep every record as its source wrote it: the
same night from two Garmin chunks, from the Garmin JSON and its FIT twin, or from Garmin
and Apple's "Connect" copy, is there two or three times. Here each measure gets ONE value
per athlete and local day:

- **Local day.** The day the source states (`wake_date`, `local_date`), else the local
  date of the row's instant (`end_utc` for sleep, `timestamp_utc` otherwise) in the
  athlete's zone (UTC for an athlete without one) - formats-wellness.md §5: a night
  belongs to the day one wakes up.
- **Plausible values only.** A value outside its range (`schemas.marts`: sleep 0-16 h,
  resting HR 25-120 bpm, HRV 1-300 ms, weight 25-300 kg, body fat 2-70 %) is not a
  measurement and is never chosen: the next source may speak for the day.
- **Precedence.** The first source kind of `schemas.wellness.PRECEDENCE` with a value
  wins (weigh-ins of nutrition and scale exports, kind `export`, come after those listed).
  Within one kind: for sleep the measured session before a default window, then the
  longest; for every measure then the latest record (latest instant, then the highest
  `source_index`, then the file's sha256, so that the choice never depends on row order).
  The raw tables keep no file date, so "the newest file" is read as the latest record
  inside it; two chunks of one export carry the same night with the same values.
- **Sleep** is the longest session of the chosen source on the wake-up day: the night.
  Naps are left out rather than summed, because overlapping windows of one source (Apple's
  in-bed and asleep records, a nap inside a default window) would be counted twice, and
  the 7 h guideline (Watson et al. 2015) is about the night.

HRV statistics are taken on the values in ms, not on ln rMSSD as Plews et al. (2012, 2013)
do: the published means, SD and band read in the unit the watch shows, one rule serves
every measure of `HRV_SERIES` (SDNN and Garmin's overnight value included), and within
one athlete's 28 days the right skew that the logarithm evens out is small, so the flag
below the smallest worthwhile change differs from the ln one only at its edge (a model
choice).

Rolling statistics run over a complete calendar per athlete (every day from the first to
the last day any input covers), so a window of N rows is N calendar days.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from schemas.expectations import FFM_KG
from schemas.frames import RawFrames
from schemas.marts import (
    HRV_MS_RANGE,
    HRV_SERIES,
    RESTING_HR_BPM_RANGE,
    SLEEP_H_RANGE,
)
from schemas.nutrition import (
    MAX_BODY_FAT_PCT,
    MAX_BODY_WEIGHT_KG,
    MIN_BODY_FAT_PCT,
    MIN_BODY_WEIGHT_KG,
)
from schemas.scoring import WINDOW_DAYS, ScoreConstants
from schemas.wellness import (
    BODY_COMPOSITION,
    HRV_MEASUREMENTS,
    LOADER_COLUMNS,
    PRECEDENCE,
    RESTING_HR,
    SLEEP_SESSIONS,
    SOURCE_KINDS,
    Columns,
    frame_schema,
)
from transforms.physiology import fat_free_mass_kg
from transforms.scoring.score_windows import MAX_WEIGHT_TREND_PCT_PER_WEEK
from transforms.wellness.activity_hrv import activity_hrv_measurements, activity_rmssd

KEYS = ["athlete_id", "local_date"]

# --- Constants -----------------------------------------------------------------------
#: Days with a value the 7-day mean needs: Plews et al. 2014 (Int J Sports Physiol Perform
#: 9:783) found a weekly mean of ln rMSSD from 3 random days of the 7 within the smallest
#: worthwhile change of the full week's; the same rule serves resting HR.
MIN_DAYS_7D = 3
#: The baseline: the 28 days before the 7-day window (days -34..-7), so that the week
#: compared is never part of what it is compared with (Plews et al. 2012, 2013 compare the
#: rolling week with the weeks before it; 28 days as the score's memory, MEMORY_DAYS).
BASELINE_DAYS = 28
#: Days with a value the baseline needs: half of it (a model choice, no study: two weeks
#: of readings before a band is drawn, as Garmin's HRV status waits ~3 weeks).
MIN_BASELINE_DAYS = 14
#: The smallest worthwhile change, in standard deviations of the baseline: 0.5 (Plews et
#: al. 2013, Sports Med 43:773; Buchheit 2014, Front Physiol 5:73).
SWC_SD = 0.5
#: Decimals of the published values: far below any device's resolution; rounded values
#: are what comparisons (hrv_below_swc, expectations) read, so float residue of the
#: rolling sums (+-1e-13) cannot tip a comparison or a bound.
DECIMALS = 4

#: Weigh-ins of nutrition and scale exports: after the wellness sources.
EXPORT_KIND = "export"
BODY_PRECEDENCE = (*PRECEDENCE["body"], EXPORT_KIND)
#: Scale muscle mass and fat-free mass, kg: the fat-free mass the weights and body fats the
#: door accepts can give (25 kg at 70 % fat .. 300 kg at 2 %); muscle mass lies within it.
FFM_KG_RANGE = FFM_KG

#: The weigh-in series whose trends are published: (value column, column prefix).
BODY_SERIES = (("weight_kg", "weight"), ("fat_free_mass_kg", "fat_free_mass"),
               ("muscle_mass_kg", "muscle_mass"))


def _as_utc(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """`frame` with the instant `columns` in UTC (naive datetimes are read as UTC)."""
    fixed = []
    for c in columns:
        dtype = frame.schema[c]
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
            fixed.append(pl.col(c).dt.replace_time_zone("UTC"))
        elif isinstance(dtype, pl.Datetime):
            fixed.append(pl.col(c).dt.convert_time_zone("UTC"))
        else:
            fixed.append(pl.col(c).cast(pl.Datetime("us", "UTC")))
    return frame.with_columns(fixed)


def local_date(stated: str | None, instant: str, zones: dict[str, str]) -> pl.Expr:
    """The row's local day: `stated` where the source states it, else the date of
    `instant` (a UTC column) in the athlete's zone (`zones`: athlete id -> IANA zone;
    UTC for an athlete not in it)."""
    by_zone: dict[str, list[str]] = {}
    for athlete, zone in zones.items():
        by_zone.setdefault(zone, []).append(athlete)
    derived = pl.col(instant).dt.convert_time_zone("UTC").dt.date()
    for zone, athletes in sorted(by_zone.items()):
        derived = (pl.when(pl.col("athlete_id").is_in(athletes))
                   .then(pl.col(instant).dt.convert_time_zone(zone).dt.date())
                   .otherwise(derived))
    return derived if stated is None else pl.coalesce(pl.col(stated).cast(pl.Date), derived)


def choose(candidates: pl.DataFrame, order: Sequence[str], *,
           within: Sequence[pl.Expr] = (), group: Sequence[str] = KEYS) -> pl.DataFrame:
    """One row per `group` (athlete and day): the first `source_kind` of `order` (kinds not
    listed after those listed), then the rows ranked by the expressions `within` (best
    first: sort them descending), then the latest `instant`, the highest `source_index`,
    the highest `source_sha256`."""
    rank = pl.col("source_kind").replace_strict(
        {kind: i for i, kind in enumerate(order)}, default=len(order), return_dtype=pl.Int32)
    ranking = [rank, *within, pl.col("instant"), pl.col("source_index"),
               pl.col("source_sha256")]
    return (candidates.sort([*group, *ranking],
                            descending=[False] * len(group) + [False] + [True] * (len(ranking) - 1),
                            nulls_last=True)
            .unique(list(group), keep="first", maintain_order=True))


def _between(value: pl.Expr, bounds: tuple[float, float], *, low_open: bool = False) -> pl.Expr:
    low, high = bounds
    return ((value > low) if low_open else (value >= low)) & (value <= high)


def chosen_sleep(sleep: pl.DataFrame, zones: dict[str, str]) -> pl.DataFrame:
    """`athlete_id`, `local_date`, `sleep_h`, `sleep_source`, `sleep_measured`: the night of
    each wake-up day (see the module's docstring)."""
    frame = _as_utc(sleep, "start_utc", "end_utc")
    window_s = (pl.col("end_utc") - pl.col("start_utc")).dt.total_microseconds() / 1e6
    measured = pl.col("measured").fill_null(False)
    asleep_s = pl.when(measured).then(pl.col("asleep_s")).otherwise(
        pl.coalesce(pl.col("asleep_s"), window_s))
    candidates = frame.with_columns(
        local_date("wake_date", "end_utc", zones).alias("local_date"),
        (asleep_s / 3600.0).alias("sleep_h"), measured.alias("sleep_measured"),
        pl.col("end_utc").alias("instant"),
    ).filter(_between(pl.col("sleep_h"), SLEEP_H_RANGE, low_open=True)
             & pl.col("local_date").is_not_null())
    picked = choose(candidates, PRECEDENCE["sleep"],
                    within=[pl.col("sleep_measured"), pl.col("sleep_h")])
    return picked.select(*KEYS, "sleep_h", pl.col("source_kind").alias("sleep_source"),
                         "sleep_measured")


def chosen_resting_hr(resting_hr: pl.DataFrame, zones: dict[str, str]) -> pl.DataFrame:
    """`athlete_id`, `local_date`, `resting_hr_bpm`, `resting_hr_source`: the day's own
    resting HR (not the source's 7-day value), by precedence."""
    frame = _as_utc(resting_hr, "timestamp_utc")
    candidates = frame.with_columns(
        local_date("local_date", "timestamp_utc", zones).alias("local_date"),
        pl.col("timestamp_utc").alias("instant"),
    ).filter(_between(pl.col("resting_hr_bpm"), RESTING_HR_BPM_RANGE)
             & pl.col("local_date").is_not_null())
    return choose(candidates, PRECEDENCE["resting_hr"]).select(
        *KEYS, "resting_hr_bpm", pl.col("source_kind").alias("resting_hr_source"))


def chosen_hrv(hrv: pl.DataFrame, zones: dict[str, str]
               ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(`athlete_id`, `local_date`, `hrv_ms`, `hrv_source`; `athlete_id`, `hrv_measure`;
    the days with any HRV reading): one HRV series per athlete, never mixed. The series of
    a row is its measure, except rMSSD from activity files (`activity_rmssd`: taken during a
    run, not at rest). The athlete's series is the one with the most days (ties:
    `schemas.marts.HRV_SERIES` order); days with only another series have none. Within the
    series, one value per day by precedence."""
    frame = _as_utc(hrv, "timestamp_utc")
    series = (pl.when(pl.col("source_kind") == "activity_fit")
              .then(pl.lit("activity_rmssd")).otherwise(pl.col("measure")))
    candidates = frame.with_columns(
        local_date("local_date", "timestamp_utc", zones).alias("local_date"),
        pl.col("timestamp_utc").alias("instant"), series.alias("hrv_measure"),
    ).filter(_between(pl.col("hrv_ms"), HRV_MS_RANGE) & pl.col("local_date").is_not_null()
             & pl.col("hrv_measure").is_in(HRV_SERIES))
    order = {s: i for i, s in enumerate(HRV_SERIES)}
    athlete_series = (
        candidates.group_by("athlete_id", "hrv_measure")
        .agg(pl.col("local_date").n_unique().alias("days"))
        .sort("athlete_id", "days",
              pl.col("hrv_measure").replace_strict(order, return_dtype=pl.Int32),
              descending=[False, True, False])
        .unique("athlete_id", keep="first", maintain_order=True)
        .select("athlete_id", "hrv_measure"))
    kept = candidates.join(athlete_series, on=["athlete_id", "hrv_measure"], how="semi")
    picked = choose(kept, PRECEDENCE["hrv"]).select(
        *KEYS, "hrv_ms", pl.col("source_kind").alias("hrv_source"))
    return picked, athlete_series, candidates.select(KEYS)


def weigh_ins(body_composition: pl.DataFrame, fit_weight_scale: pl.DataFrame,
              body_measurements: pl.DataFrame, zones: dict[str, str]) -> pl.DataFrame:
    """Every weigh-in as `athlete_id`, `local_date`, `source_kind`, `instant`,
    `source_index`, `source_sha256`, `weight_kg`, `fat_free_mass_kg`, `muscle_mass_kg`:
    raw.body_composition (Garmin JSON, Apple Health), raw.fit_weight_scale (FIT
    `weight_scale`, kind `garmin_fit`, local day in the athlete's zone) and the export rows
    of raw.body_measurements (the view's FIT rows are the fit_weight_scale rows, read here
    with their muscle mass). Implausible values are null (not measurements); fat-free mass
    is measured lean mass, else weight x (1 - body fat / 100)."""
    values = ["weight_kg", "body_fat_pct", "fat_free_mass_kg", "muscle_mass_kg"]
    types = {"athlete_id": pl.String, "local_date": pl.Date, "source_kind": pl.String,
             "instant": pl.Datetime("us", "UTC"), "source_index": pl.Int64,
             "source_sha256": pl.String, **dict.fromkeys(values, pl.Float64)}

    def shaped(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select(pl.col(c).cast(t) if c in frame.columns
                            else pl.lit(None, t).alias(c) for c, t in types.items())

    composition = _as_utc(body_composition, "timestamp_utc").with_columns(
        local_date("local_date", "timestamp_utc", zones).alias("local_date"),
        pl.col("timestamp_utc").alias("instant"))
    fit = _as_utc(fit_weight_scale, "timestamp_utc").with_columns(
        local_date(None, "timestamp_utc", zones).alias("local_date"),
        pl.col("timestamp_utc").alias("instant"), pl.lit("garmin_fit").alias("source_kind"),
        pl.col("message_seq").alias("source_index"))
    exports = body_measurements.filter(
        ~pl.col("source").is_in(["fit", *SOURCE_KINDS])).with_columns(
        pl.lit(EXPORT_KIND).alias("source_kind"),
        # the local wall clock orders one day's export weigh-ins (no instant is stated)
        pl.col("local_date").dt.combine(pl.col("local_time")).dt.replace_time_zone("UTC")
        .alias("instant"))
    rows = pl.concat([shaped(f) for f in (composition, fit, exports)], how="vertical")
    weight = pl.col("weight_kg")
    fat = pl.when(_between(pl.col("body_fat_pct"), (MIN_BODY_FAT_PCT, MAX_BODY_FAT_PCT))
                  ).then(pl.col("body_fat_pct"))
    rows = rows.with_columns(
        pl.when(_between(weight, (MIN_BODY_WEIGHT_KG, MAX_BODY_WEIGHT_KG))).then(weight)
        .alias("weight_kg"), fat.alias("body_fat_pct"))
    ffm = pl.coalesce(pl.col("fat_free_mass_kg"), fat_free_mass_kg("weight_kg", "body_fat_pct"))
    return rows.with_columns(
        pl.when(_between(ffm, FFM_KG_RANGE)).then(ffm).alias("fat_free_mass_kg"),
        pl.when(_between(pl.col("muscle_mass_kg"), FFM_KG_RANGE)).then(pl.col("muscle_mass_kg"))
        .alias("muscle_mass_kg"),
    ).filter(pl.col("local_date").is_not_null())


def chosen_body(rows: pl.DataFrame) -> pl.DataFrame:
    """`athlete_id`, `local_date` and each of `BODY_SERIES`' values, each chosen on its own
    (the first kind of `BODY_PRECEDENCE` with that value, within it the latest weigh-in):
    the same weigh-in from FIT, Garmin JSON and Apple counts once."""
    out = rows.select(KEYS).unique()
    for column, _ in BODY_SERIES:
        picked = choose(rows.filter(pl.col(column).is_not_null()), BODY_PRECEDENCE)
        out = out.join(picked.select(*KEYS, column), on=KEYS, how="left")
    return out


def _window_count(mask: pl.Expr, days: int) -> pl.Expr:
    return mask.cast(pl.Int32).rolling_sum(days, min_samples=1).over("athlete_id")


def _window_sum(value: pl.Expr, days: int) -> pl.Expr:
    return value.fill_null(0.0).rolling_sum(days, min_samples=1).over("athlete_id")


def _before_week(expr: pl.Expr) -> pl.Expr:
    """The row `WINDOW_DAYS` days earlier of the same athlete (complete calendar)."""
    return expr.shift(WINDOW_DAYS).over("athlete_id")


def _rounded(expr: pl.Expr) -> pl.Expr:
    return expr.round(DECIMALS)


def baseline_columns(value: str, prefix: str, unit: str) -> list[pl.Expr]:
    """The 7-day mean (`{prefix}_7d_mean_{unit}`, >= MIN_DAYS_7D days), the baseline over
    the BASELINE_DAYS before the week (`{prefix}_baseline_{unit}`, >= MIN_BASELINE_DAYS
    days), the baseline's sample SD (`{prefix}_baseline_sd_{unit}`) and the 7-day mean less
    the baseline (`{prefix}_delta_{unit}`). Sums are of values less the athlete's mean (so
    the sum of squares loses no digits)."""
    known = pl.col(value).is_not_null()
    centre = pl.col(value).mean().over("athlete_id")
    centred = pl.col(value) - centre
    n7 = _window_count(known, WINDOW_DAYS)
    mean7 = pl.when(n7 >= MIN_DAYS_7D).then(_window_sum(centred, WINDOW_DAYS) / n7 + centre)
    n = _before_week(_window_count(known, BASELINE_DAYS))
    s = _before_week(_window_sum(centred, BASELINE_DAYS))
    ss = _before_week(_window_sum(centred * centred, BASELINE_DAYS))
    enough = n >= MIN_BASELINE_DAYS
    base = pl.when(enough).then(s / n + centre)
    variance = ((ss - s * s / n) / (n - 1)).clip(lower_bound=0.0)
    mean_name, base_name = f"{prefix}_7d_mean_{unit}", f"{prefix}_baseline_{unit}"
    return [
        _rounded(mean7).alias(mean_name), _rounded(base).alias(base_name),
        _rounded(pl.when(enough).then(variance.sqrt())).alias(f"{prefix}_baseline_sd_{unit}"),
    ]


def _delta(prefix: str, unit: str) -> pl.Expr:
    return _rounded(pl.col(f"{prefix}_7d_mean_{unit}") - pl.col(f"{prefix}_baseline_{unit}")
                    ).alias(f"{prefix}_delta_{unit}")


def body_trend_columns(frame: pl.DataFrame, value: str, prefix: str,
                       k: ScoreConstants) -> pl.DataFrame:
    """The least-squares line through the days with `value` in the window of
    `k.weight_trend_window_days` days ending on each day, the score's weight-trend rules
    (`transforms.scoring.score_windows.with_weight_trend`): null with fewer than
    `k.weight_trend_min_weighins` days or a span under `k.weight_trend_min_span_days`, or
    steeper than `MAX_WEIGHT_TREND_PCT_PER_WEEK` (5 %/week of the window's mean) either
    way. Adds `{prefix}_trend_kg` (the line at the day: window mean + slope x (day - mean
    day)), `{prefix}_rate_pct_per_week` (slope x 7 / mean x 100) and
    `{prefix}_rate_kg_per_week` (slope x 7), with the count and span of the days. Day
    numbers count from the athlete's first day (integers: exact sums); values enter less
    the athlete's mean.

    The fit is the score's, with its constants; `with_weight_trend` itself gives only the
    rate of the score's weigh-ins (it keeps neither the window means the line's level
    needs nor counts, and reads the score's own staged columns), so the same sums are
    taken here for any mass series (a test checks both rates agree)."""
    days = k.weight_trend_window_days
    y_raw = pl.col(value)
    day = (pl.col("local_date") - pl.col("local_date").min().over("athlete_id")).dt.total_days()
    x = pl.when(y_raw.is_not_null()).then(day).cast(pl.Float64)
    ref = y_raw.mean().over("athlete_id")
    y = y_raw - ref
    n = _window_count(y_raw.is_not_null(), days)
    sx, sy = _window_sum(x, days), _window_sum(y, days)
    sxx, sxy = _window_sum(x * x, days), _window_sum(x * y, days)
    first = x.rolling_min(days, min_samples=1).over("athlete_id")
    last = x.rolling_max(days, min_samples=1).over("athlete_id")
    staged = frame.with_columns(
        n.alias("__n"), (last - first).alias("__span"), sx.alias("__sx"), sy.alias("__sy"),
        sxx.alias("__sxx"), sxy.alias("__sxy"), ref.alias("__ref"), day.alias("__day"))
    n, span = pl.col("__n"), pl.col("__span")
    sx, sy, sxx, sxy = (pl.col(c) for c in ("__sx", "__sy", "__sxx", "__sxy"))
    enough = (n >= k.weight_trend_min_weighins) & (span >= k.weight_trend_min_span_days)
    slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    mean = sy / n + pl.col("__ref")
    staged = staged.with_columns(pl.when(enough).then(slope).alias("__slope"),
                                 pl.when(enough).then(mean).alias("__mean"))
    slope, mean = pl.col("__slope"), pl.col("__mean")
    pct = slope * 7.0 / mean * 100.0
    plausible = pct.abs() <= MAX_WEIGHT_TREND_PCT_PER_WEEK
    trend = mean + slope * (pl.col("__day") - sx / n)
    return staged.with_columns(
        n.fill_null(0).cast(pl.Int32).alias(f"{prefix}_weigh_ins_28d"),
        pl.when(n > 0).then(span).cast(pl.Int32).alias(f"{prefix}_span_days_28d"),
        _rounded(pl.when(plausible).then(trend)).alias(f"{prefix}_trend_kg"),
        _rounded(pl.when(plausible).then(pct)).alias(f"{prefix}_rate_pct_per_week"),
        _rounded(pl.when(plausible).then(slope * 7.0)).alias(f"{prefix}_rate_kg_per_week"),
    ).drop("__n", "__span", "__sx", "__sy", "__sxx", "__sxy", "__ref", "__day", "__slope",
           "__mean")


#: Columns of raw.hrv_measurements a frame of activity rMSSD may lack (null there).
_HRV_COLUMNS = {"athlete_id": pl.String, "source_sha256": pl.String, "source_kind": pl.String,
                "source_index": pl.Int64, "local_date": pl.Date,
                "timestamp_utc": pl.Datetime("us", "UTC"), "hrv_ms": pl.Float64,
                "measure": pl.String}


def _hrv_rows(hrv: pl.DataFrame, activity_hrv: pl.DataFrame | None) -> pl.DataFrame:
    frames = [hrv] if activity_hrv is None else [hrv, activity_hrv]
    return pl.concat([_as_utc(f.with_columns(pl.lit(None, _HRV_COLUMNS[c]).alias(c)
                                              for c in _HRV_COLUMNS if c not in f.columns),
                              "timestamp_utc")
                      .select(pl.col(c).cast(t) for c, t in _HRV_COLUMNS.items())
                      for f in frames])


def _calendar(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """Every day from each athlete's first to last day in any of `frames`."""
    days = pl.concat([f.select(pl.col("athlete_id").cast(pl.String),
                               pl.col("local_date").cast(pl.Date)) for f in frames])
    spans = days.group_by("athlete_id").agg(pl.col("local_date").min().alias("first"),
                                            pl.col("local_date").max().alias("last"))
    return (spans.select("athlete_id", pl.date_ranges("first", "last").alias("local_date"))
            .explode("local_date").sort(KEYS))


def daily_recovery(sleep: pl.DataFrame, resting_hr: pl.DataFrame, hrv: pl.DataFrame,
                   body_composition: pl.DataFrame, fit_weight_scale: pl.DataFrame,
                   body_measurements: pl.DataFrame, athletes: pl.DataFrame,
                   k: ScoreConstants | None = None,
                   activity_hrv: pl.DataFrame | None = None) -> pl.DataFrame:
    """`marts.daily_recovery`: one row per athlete and local day, from each athlete's first
    to last day any input covers, columns as `schemas.marts.DAILY_RECOVERY`.

    Inputs: the raw tables raw.sleep_sessions, raw.resting_hr, raw.hrv_measurements,
    raw.body_composition and raw.fit_weight_scale (`schemas.wellness`, `schemas.fit`), the
    view raw.body_measurements (only its export rows are read: its FIT rows are those of
    raw.fit_weight_scale), `athletes` (`athlete_id`, `timezone`), the score's constants
    `k` (the weight-trend window and rules; defaults when None) and optionally rMSSD of
    runs (`athlete_id`, `local_date`, `hrv_ms`, `measure` "rmssd", `source_kind`
    "activity_fit"). Missing data is null, never 0.
    """
    k = k or ScoreConstants()
    zones = {a: z for a, z in athletes.select("athlete_id", "timezone").iter_rows()
             if z is not None}
    slept = chosen_sleep(sleep, zones)
    rested = chosen_resting_hr(resting_hr, zones)
    varied, series, hrv_days = chosen_hrv(_hrv_rows(hrv, activity_hrv), zones)
    body = chosen_body(weigh_ins(body_composition, fit_weight_scale, body_measurements, zones))
    calendar = _calendar([slept, rested, hrv_days, body])
    frame = calendar
    for daily in (slept, rested, varied, body):
        frame = frame.join(daily, on=KEYS, how="left", maintain_order="left")
    frame = frame.join(series, on="athlete_id", how="left", maintain_order="left")
    frame = frame.with_columns(
        *baseline_columns("resting_hr_bpm", "resting_hr", "bpm"),
        *baseline_columns("hrv_ms", "hrv", "ms"))
    frame = frame.with_columns(
        _delta("resting_hr", "bpm"), _delta("hrv", "ms"),
        _rounded(SWC_SD * pl.col("hrv_baseline_sd_ms")).alias("hrv_swc_ms"))
    frame = frame.with_columns(
        (pl.col("hrv_7d_mean_ms") < pl.col("hrv_baseline_ms") - pl.col("hrv_swc_ms"))
        .alias("hrv_below_swc"))
    for value, prefix in BODY_SERIES:
        frame = body_trend_columns(frame, value, prefix, k)
    frame = frame.rename({"weight_weigh_ins_28d": "weigh_ins_28d",
                          "weight_span_days_28d": "weigh_in_span_days_28d",
                          "fat_free_mass_weigh_ins_28d": "ffm_weigh_ins_28d",
                          "fat_free_mass_span_days_28d": "ffm_span_days_28d",
                          "muscle_mass_weigh_ins_28d": "muscle_weigh_ins_28d",
                          "muscle_mass_span_days_28d": "muscle_span_days_28d"})
    return frame.select(pl.col(c).cast(t) for c, t in RECOVERY_TYPES.items())


_F, _S, _B, _I = pl.Float64, pl.String, pl.Boolean, pl.Int32
#: Column types of marts.daily_recovery, in the order of schemas.marts.DAILY_RECOVERY.
RECOVERY_TYPES: dict[str, pl.DataType | type[pl.DataType]] = {
    "athlete_id": _S, "local_date": pl.Date, "sleep_h": _F, "sleep_source": _S,
    "sleep_measured": _B, "resting_hr_bpm": _F, "resting_hr_source": _S,
    "resting_hr_7d_mean_bpm": _F, "resting_hr_baseline_bpm": _F, "resting_hr_delta_bpm": _F,
    "hrv_ms": _F, "hrv_measure": _S, "hrv_source": _S, "hrv_7d_mean_ms": _F,
    "hrv_baseline_ms": _F, "hrv_baseline_sd_ms": _F, "hrv_swc_ms": _F, "hrv_delta_ms": _F,
    "hrv_below_swc": _B, "weigh_ins_28d": _I, "weigh_in_span_days_28d": _I,
    "weight_trend_kg": _F, "weight_rate_pct_per_week": _F, "ffm_weigh_ins_28d": _I,
    "ffm_span_days_28d": _I, "fat_free_mass_trend_kg": _F,
    "fat_free_mass_rate_kg_per_week": _F, "muscle_weigh_ins_28d": _I,
    "muscle_span_days_28d": _I, "muscle_mass_trend_kg": _F,
    "muscle_mass_rate_kg_per_week": _F,
}


#: raw.fit_weight_scale and raw.body_measurements, the columns read here.
WEIGHT_SCALE_SCHEMA = pl.Schema({
    "athlete_id": pl.String, "source_sha256": pl.String, "message_seq": pl.Int32,
    "timestamp_utc": pl.Datetime("us", "UTC"), "weight_kg": pl.Float64,
    "body_fat_pct": pl.Float64, "muscle_mass_kg": pl.Float64})
BODY_MEASUREMENTS_SCHEMA = pl.Schema({
    "athlete_id": pl.String, "local_date": pl.Date, "local_time": pl.Time,
    "weight_kg": pl.Float64, "body_fat_pct": pl.Float64, "source": pl.String,
    "source_sha256": pl.String})


def raw_schema(columns: Columns) -> pl.Schema:
    """The polars schema of a raw wellness table, loader keys included."""
    return pl.Schema({**dict.fromkeys(LOADER_COLUMNS, pl.String()), **frame_schema(columns)})


def _or_empty(frame: pl.DataFrame | None, schema: pl.Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=schema) if frame is None else frame


def recovery_from_raw(raw: RawFrames, athletes: pl.DataFrame, k: ScoreConstants | None = None,
                      activity_hrv: pl.DataFrame | None = None) -> pl.DataFrame:
    """`daily_recovery` of the raw frames a build reads (a table not read: no rows); the
    activities' RR intervals (raw.fit_hrv) give their rMSSD unless `activity_hrv` is given."""
    if activity_hrv is None and raw.fit_hrv is not None and not raw.fit_hrv.is_empty():
        activity_hrv = activity_hrv_measurements(activity_rmssd(raw.fit_hrv, raw.sessions))
    return daily_recovery(
        _or_empty(raw.sleep_sessions, raw_schema(SLEEP_SESSIONS)),
        _or_empty(raw.resting_hr, raw_schema(RESTING_HR)),
        _or_empty(raw.hrv_measurements, raw_schema(HRV_MEASUREMENTS)),
        _or_empty(raw.body_composition, raw_schema(BODY_COMPOSITION)),
        _or_empty(raw.weight_scale, WEIGHT_SCALE_SCHEMA),
        _or_empty(raw.body_measurements, BODY_MEASUREMENTS_SCHEMA),
        athletes, k, activity_hrv)
