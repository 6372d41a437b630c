"""Running volume from FIT samples: distance and moving time per sample, then per day.

Samples carry `local_date` and `sport` (see `transforms.local_days`). Within each file
(and chained segment) samples are ordered by time; each sample is credited with the time
and distance since the previous one. Time counts as moving only when the gap is at most
`max_gap_s`, or when the distance covered across a longer gap shows the athlete kept
moving (at least `MIN_MOVING_SPEED_M_S`); otherwise the gap is a pause (timer stopped, or
auto-pause, which records nothing). Missing distance samples are bridged by the file's
last distance. Distance deltas below zero (a reset) count as zero; the distance
covered across a pause still counts (the runner got there).
"""

from __future__ import annotations

import polars as pl

from transforms.local_days import by_athlete

#: Longest gap (s) between two samples still counted as moving time. Garmin's "smart
#: recording" writes a sample every 1-8 s while moving (Garmin support: "Smart Recording
#: records key points ... every 1 to 8 seconds"); 10 s leaves room without counting a stop
#: at a crossing as running. Overridable.
MAX_GAP_S = 10.0

#: A longer gap still counts as moving when the distance covered across it shows the
#: athlete kept going at least this fast, m/s (slow walking is ~1 m/s): a watch recording
#: every 15-30 s, or a GPS dropout, is not a pause; a stop (distance unchanged) is.
MIN_MOVING_SPEED_M_S = 1.0

#: FIT sports counted as running (sub-sports treadmill, trail, track, ... included);
#: walking and hiking are their own sports in FIT and are not counted.
RUNNING_SPORTS = ("running",)


def sample_deltas(samples: pl.DataFrame, max_gap_s: float = MAX_GAP_S,
                  key: str = "source_sha256") -> pl.DataFrame:
    """Samples with `delta_s` (time since the previous sample of the same file and segment),
    `moving_s` (delta_s when it is a moving gap, else 0), `delta_distance_m` (null where the
    file has no distance; gaps in a file's distance are bridged) and `climb_m` (altitude
    gained since the previous sample, m;
    barometric or GPS altitude as the file gives it, unsmoothed), first samples credited
    with nothing. Rows come back ordered by file, segment and time, and samples of one
    time by their place in the file (`message_seq`, when the frame has it), so the deltas
    never depend on the order the rows arrive in (a file can repeat a timestamp)."""
    # Files are sorted by a categorical code of their hash (4x faster than sorting the
    # 64-character strings); a row continues its file when file and segment equal the
    # previous row's, which is cheaper than three grouped diffs.
    code = pl.col(key)
    if samples.schema[key] == pl.String:
        code = code.cast(pl.Categorical).to_physical()
    ordered = samples.with_columns(code.alias("__file"))
    keys = ("__file", "segment", "timestamp_utc",
            *(("message_seq",) if "message_seq" in samples.columns else ()))
    if not _in_order(ordered, keys):  # rows read file by file are in order already: no sort
        ordered = ordered.sort(*keys)
    same = (pl.col("__file") == pl.col("__file").shift(1)) & (
        pl.col("segment") == pl.col("segment").shift(1))
    ordered = ordered.with_columns(_carried("distance_m").alias("__distance"))
    ordered = ordered.with_columns(
        pl.when(same).then(pl.col("timestamp_utc").diff().dt.total_microseconds() / 1e6)
        .alias("__dt"),
        pl.when(same).then(pl.col("__distance").diff()).alias("__dd"),
        pl.when(same).then(pl.col("altitude_m").diff().clip(lower_bound=0)).fill_null(0.0)
        .alias("climb_m"),
    )
    delta_t, delta_d = pl.col("__dt"), pl.col("__dd")
    kept_going = (delta_d >= MIN_MOVING_SPEED_M_S * delta_t).fill_null(False)
    return ordered.with_columns(
        delta_t.fill_null(0.0).alias("delta_s"),
        pl.when((delta_t <= max_gap_s) | kept_going).then(delta_t).otherwise(0.0)
        .fill_null(0.0).alias("moving_s"),
        pl.when(pl.col("distance_m").is_null()).then(None)
        .otherwise(delta_d.clip(lower_bound=0).fill_null(0.0)).alias("delta_distance_m"),
    ).drop("__file", "__distance", "__dt", "__dd")


def _in_order(frame: pl.DataFrame, keys: tuple[str, ...]) -> bool:
    """True when the rows are ordered by `keys`, none null (checked row against row, an
    order of magnitude faster than sorting millions)."""
    if any(frame[k].null_count() for k in keys):
        return False
    later = pl.lit(True)  # the last key may repeat; each earlier one decides when it differs
    for key in reversed(keys):
        col = pl.col(key)
        later = (col > col.shift(1)) | ((col == col.shift(1)) & later)
    return bool(frame.select(later.fill_null(True).all()).item())


def _carried(column: str) -> pl.Expr:
    """`column` with gaps filled by the file's last value (rows sorted by file), so a
    difference across missing samples spans them instead of being lost; never filled
    from another file."""
    source = pl.when(pl.col(column).is_not_null()).then(pl.col("__file")).forward_fill()
    return pl.when(source == pl.col("__file")).then(pl.col(column).forward_fill())


def _sum_or_null(column: str) -> pl.Expr:
    """Sum, but null when every value is null (unknown distance is not 0 km)."""
    return pl.when(pl.col(column).is_not_null().any()).then(pl.col(column).sum())


def is_running() -> pl.Expr:
    """True for samples of a running session (FIT sport `running`, any sub-sport)."""
    return pl.col("sport").is_in(list(RUNNING_SPORTS))


def running_by_file(deltas: pl.DataFrame, key: str = "source_sha256") -> pl.DataFrame:
    """Per file: running distance (km) and moving time (min) - to compare with the
    session totals a device reports."""
    return (
        deltas.filter(is_running())
        .group_by("athlete_id", key)
        .agg(
            (_sum_or_null("delta_distance_m") / 1000).alias("run_distance_km"),
            (pl.col("moving_s").sum() / 60).alias("run_moving_min"),
        )
    )


def running_by_day(deltas: pl.DataFrame, key: str = "source_sha256") -> pl.DataFrame:
    """Per athlete and local day: `run_distance_km` (km), `run_moving_min` (min),
    `run_sessions` (running files with a sample that day), `longest_run_min` (min, the
    longest moving time of one running file within the day) and `elevation_gain_m` (m).
    Days without running are absent here (the calendar supplies them)."""
    athletes = by_athlete(deltas)
    if len(athletes) != 1:
        return _running_days(deltas, ["athlete_id", "local_date"], key)
    ((athlete, samples),) = athletes  # one athlete: grouped without its id, added after
    return _running_days(samples, ["local_date"], key).select(
        pl.lit(athlete, deltas.schema["athlete_id"]).alias("athlete_id"), pl.all())


def _running_days(deltas: pl.DataFrame, day: list[str], key: str) -> pl.DataFrame:
    """`running_by_day` grouped by the `day` columns."""
    per_file_day = (
        deltas.filter(is_running() & pl.col("local_date").is_not_null())
        .group_by(*day, key)
        .agg(
            (_sum_or_null("delta_distance_m") / 1000).alias("km"),
            (pl.col("moving_s").sum() / 60).alias("min"),
            pl.col("climb_m").sum().alias("climb"),
        )
    )
    return (
        per_file_day.group_by(*day)
        .agg(
            _sum_or_null("km").alias("run_distance_km"),
            pl.col("min").sum().alias("run_moving_min"),
            pl.len().cast(pl.Int32).alias("run_sessions"),
            pl.col("min").max().alias("longest_run_min"),
            pl.col("climb").sum().alias("elevation_gain_m"),
        )
        .sort(*day)
    )
