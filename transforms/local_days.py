"""Place every FIT sample on the athlete's local day, and on the sport of its session.

The rule (design.md: "local day of a record = its UTC instant converted with the offset
the file records for that moment, else the athlete's IANA zone"), made precise:

- a file whose activity states an offset that **equals** the home zone's offset at the
  activity's end was recorded at home: each sample takes the home zone's offset at its own
  instant, so a run across a DST change keeps every sample on its true wall-clock time;
- a file whose stated offset **differs** from home was recorded away (a trip): every sample
  takes the stated offset;
- a file that states no usable offset (absent, `local_timestamp = 0`, beyond ±14 h) takes
  the home zone, and says so in `offset_source`.

Samples without a UTC instant (device-relative times) get no local day.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl

from schemas.marts import MINUTES_PER_DAY

OFFSET_SOURCES = ("home_zone", "file", "home_zone_no_file_offset")


#: The column that identifies a file: its sha256, or a compact integer code of it
#: (`file_codes`), which groups, joins and sorts several times faster over millions of rows.
FILE_KEY = "source_sha256"


def file_codes(records: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`records` with a UInt32 `file_code` per distinct source_sha256, and the small table
    (source_sha256, file_code) to give other frames the same codes."""
    cat = records["source_sha256"].cast(pl.Categorical)
    distinct = cat.unique()  # distinct codes: cheap, no string hashing
    codes = pl.DataFrame({"source_sha256": distinct.cast(pl.String),
                          "file_code": distinct.to_physical().cast(pl.UInt32)})
    return records.with_columns(cat.to_physical().cast(pl.UInt32).alias("file_code")), codes


def per_file(key: str, table: pl.DataFrame, column: str) -> pl.Expr:
    """A per-file value looked up for every row by its file key (null for files missing
    from `table`): a column added without the full copy of the rows a join makes."""
    return pl.col(key).replace_strict(table[key], table[column], default=None,
                                      return_dtype=table.schema[column]).alias(column)


def by_athlete(frame: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """(athlete_id, rows) per athlete; a frame of one athlete is not copied (found by
    comparing every id with the first, several times faster than hashing them all)."""
    ids = frame["athlete_id"]
    if ids.len() and ids.null_count() == 0 and (ids == ids[0]).all():
        return [(ids[0], frame)]
    athletes = ids.unique()
    if athletes.len() == 1:
        return [(athletes[0], frame)]
    return [(k[0], f) for k, f in frame.partition_by("athlete_id", as_dict=True).items()]


def file_offsets(activity: pl.DataFrame, key: str = FILE_KEY) -> pl.DataFrame:
    """One stated offset per file: the last activity message's (s), with its end instant."""
    return (
        activity.filter(pl.col("utc_offset_s").is_not_null())
        .sort(key, "message_seq")
        .group_by(key, maintain_order=True)
        .agg(pl.col("utc_offset_s").last(), pl.col("timestamp_utc").last().alias("activity_end"))
    )


def _home_offset_s(instant: pl.Expr, zone: str) -> pl.Expr:
    """Offset (s) of `zone` at each UTC instant."""
    local = instant.dt.convert_time_zone(zone).dt.replace_time_zone(None)
    return (local - instant.dt.replace_time_zone(None)).dt.total_seconds().cast(pl.Int32)


def _transition(zone: ZoneInfo, first: datetime, last: datetime) -> datetime:
    """The first whole second between `first` and `last` at which the zone's offset differs
    from its offset at `first` (transitions fall on whole seconds), by bisection over
    integer seconds; files spanning a DST change are few."""
    start = first.astimezone(zone).utcoffset()
    low, high = int(first.timestamp()), int(last.timestamp()) + 1

    def changed(second: int) -> bool:
        return datetime.fromtimestamp(second, UTC).astimezone(zone).utcoffset() != start

    while high - low > 1:
        middle = (low + high) // 2
        if changed(middle):
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _with_transitions(files: pl.DataFrame, zone_name: str) -> pl.DataFrame:
    """Per file, `__change`: the instant the home offset changes within it (null when it
    does not, or when the file was recorded away)."""
    changing = files.filter(~pl.col("__away")
                            & (pl.col("__home_first") != pl.col("__home_last")))
    zone = ZoneInfo(zone_name)
    instants = [_transition(zone, a, b) for a, b in
                changing.select("__first", "__last").iter_rows()]  # a handful of files
    change = changing.select(pl.col(files.columns[0])).with_columns(
        pl.Series("__change", instants, pl.Datetime("us", "UTC")).cast(files.schema["__first"]))
    return files.join(change, on=files.columns[0], how="left").drop("__first", "__last")


def _sample_offset(files: pl.DataFrame, key: str) -> pl.Expr:
    """`utc_offset_s` of each sample from its file's row of `files`: the offset before the
    home offset changes (`__before`), and `__after` from the instant of the change
    (`__change`) on; files without a change (nearly all) need only the first lookup."""
    before = per_file(key, files, "__before")
    if files["__change"].null_count() == files.height:
        return before.alias("utc_offset_s")
    change = per_file(key, files, "__change")
    return (pl.when(change.is_null() | (pl.col("timestamp_utc") < change)).then(before)
            .otherwise(per_file(key, files, "__after")).alias("utc_offset_s"))


def _per_file_or_one(key: str, table: pl.DataFrame, column: str) -> pl.Expr:
    """`per_file`, or the one value as a literal when every file has the same (no lookup
    per row; every row's file must be in `table`)."""
    values = table[column]
    if values.n_unique() == 1:
        return pl.lit(values[0], values.dtype).alias(column)
    return per_file(key, table, column)


def day_length_min(zones: dict[str, str], longest_min: float) -> pl.Expr:
    """The length, min, of the row's `local_date` in its athlete's home zone (`zones`:
    athlete_id to IANA zone; missing athletes: UTC): 1380 or 1500 on a DST change, at least
    1440 (a day placed by a file's stated fixed offset has 24 h) and at most `longest_min`.
    A midnight the zone skips or repeats is read so that the day comes out longest."""
    start = pl.col("local_date").cast(pl.Datetime("us"))
    end = (pl.col("local_date") + pl.duration(days=1)).cast(pl.Datetime("us"))
    length = pl.lit(None, pl.Float64)
    for athlete, zone in zones.items():
        here = (end.dt.replace_time_zone(zone, ambiguous="latest", non_existent="null")
                - start.dt.replace_time_zone(zone, ambiguous="earliest",
                                             non_existent="null")).dt.total_minutes()
        length = pl.when(pl.col("athlete_id") == athlete).then(here).otherwise(length)
    return length.cast(pl.Float64).fill_null(MINUTES_PER_DAY).clip(MINUTES_PER_DAY, longest_min)


def local_times(samples: pl.DataFrame, activity: pl.DataFrame, zones: dict[str, str],
                key: str = FILE_KEY) -> pl.DataFrame:
    """`samples` (athlete_id, source_sha256, timestamp_utc, ...) with `local_time`
    (wall clock, no zone), `local_date`, `utc_offset_s` and `offset_source` added.

    `zones` maps athlete_id to the IANA zone of home (missing athletes: UTC). The home
    offset is looked up per file at its first and last sample; for a file whose home offset
    changes in between (a DST change mid-run) the instant of the change is found, and each
    sample takes the offset in force at its own instant.
    """
    offsets = file_offsets(activity, key)
    parts = []
    for athlete, frame in by_athlete(samples):
        zone = zones.get(athlete, "UTC")
        files = (
            frame.group_by(key)
            .agg(pl.col("timestamp_utc").min().alias("__first"),
                 pl.col("timestamp_utc").max().alias("__last"))
            .join(offsets, on=key, how="left")
            .with_columns(
                _home_offset_s(pl.col("__first"), zone).alias("__home_first"),
                _home_offset_s(pl.col("__last"), zone).alias("__home_last"),
                _home_offset_s(pl.col("activity_end"), zone).alias("__home_end"),
            )
            .with_columns(
                (pl.col("utc_offset_s").is_not_null()
                 & (pl.col("utc_offset_s") != pl.col("__home_end"))).fill_null(False)
                .alias("__away"),
            )
            .select(key, "utc_offset_s", "__away", "__home_first", "__home_last", "__first",
                    "__last")
        )
        files = _with_transitions(files, zone).select(
            key, "__change",
            pl.when(pl.col("__away")).then(pl.col("utc_offset_s"))
            .otherwise(pl.col("__home_first")).cast(pl.Int32).alias("__before"),
            pl.when(pl.col("__away")).then(pl.col("utc_offset_s"))
            .otherwise(pl.col("__home_last")).cast(pl.Int32).alias("__after"),
            pl.when(pl.col("__away")).then(pl.lit("file"))
            .when(pl.col("utc_offset_s").is_null()).then(pl.lit("home_zone_no_file_offset"))
            .otherwise(pl.lit("home_zone")).alias("offset_source"),
        )
        parts.append(frame.with_columns(_sample_offset(files, key), _per_file_or_one(
            key, files, "offset_source")))
    if not parts:
        return samples.with_columns(
            pl.lit(None, pl.Datetime("us")).alias("local_time"),
            pl.lit(None, pl.Date).alias("local_date"),
            pl.lit(None, pl.Int32).alias("utc_offset_s"),
            pl.lit(None, pl.String).alias("offset_source"),
        )
    placed = pl.concat(parts, how="vertical_relaxed")
    local = wall_clock(placed.schema["timestamp_utc"], pl.col("utc_offset_s"))
    return placed.with_columns(local.alias("local_time")).with_columns(
        pl.col("local_time").dt.date().alias("local_date"))


#: Zones whose wall clock is the UTC one: a column labelled with one of them (or with
#: none) holds the UTC instant as its wall-clock value.
_UTC_ZONES = (None, "UTC", "Etc/UTC")


def wall_clock(instant: pl.Datetime, offset_s: pl.Expr) -> pl.Expr:
    """The wall clock (naive datetime) of `timestamp_utc` (of dtype `instant`) shifted by
    `offset_s` seconds; null where the offset is. A UTC column's values are its UTC wall
    clock, so the shift is integer arithmetic on them: `dt.replace_time_zone(None)` looks
    every value up in the zone database, several times slower over millions of samples."""
    shifted = pl.col("timestamp_utc").dt.replace_time_zone(None) + pl.duration(seconds=offset_s)
    if instant.time_zone not in _UTC_ZONES:
        return shifted
    unit = "ns" if instant.time_unit == "ns" else "us"  # as the sum with a duration gives
    per_second = 1_000_000_000 if unit == "ns" else 1_000_000
    ticks = (pl.col("timestamp_utc").dt.cast_time_unit(unit).cast(pl.Int64)
             + offset_s.cast(pl.Int64) * per_second)
    return ticks.cast(pl.Datetime(unit))


def session_sport(samples: pl.DataFrame, sessions: pl.DataFrame, key: str = FILE_KEY
                  ) -> pl.DataFrame:
    """Each sample with the sport and sub-sport of the session it falls in: the last session
    of its file starting at or before the sample (a sample before the first start belongs
    to the first session). Files with one session (nearly all) are matched by a plain join;
    only multisport files are matched by time. Row order is not kept."""
    starts = sessions.select(
        key, pl.coalesce("start_time_utc", "timestamp_utc").alias("session_start"),
        "sport", "sub_sport",
    ).drop_nulls(key)
    counts = starts.group_by(key).agg(pl.len().alias("__sessions"),
                                      pl.col("sport").first(), pl.col("sub_sport").first())
    single = counts.filter(pl.col("__sessions") == 1).drop("__sessions")
    multi_keys = counts.filter(pl.col("__sessions") > 1).select(key)
    if multi_keys.height == 0:
        files = samples[key]
        covered = files.null_count() == 0 and files.unique().is_in(single[key].implode()).all()
        lookup = _per_file_or_one if covered else per_file  # the one sport of every file
        return samples.with_columns(lookup(key, single, c) for c in ("sport", "sub_sport"))
    plain = samples.join(multi_keys, on=key, how="anti").join(single, on=key, how="left")
    many = samples.join(multi_keys, on=key, how="semi")
    timed = starts.join(multi_keys, on=key, how="semi").drop_nulls("session_start")
    timed = timed.sort("session_start")
    matched = many.sort("timestamp_utc").join_asof(
        timed, left_on="timestamp_utc", right_on="session_start", by=key,
        strategy="backward", check_sortedness=False,  # both sorted above
    )
    first = timed.sort(key, "session_start").group_by(key, maintain_order=True).first()
    matched = matched.join(first.select(key, pl.col("sport").alias("__sport0"),
                                        pl.col("sub_sport").alias("__sub0")), on=key, how="left")
    matched = matched.with_columns(
        pl.coalesce("sport", "__sport0").alias("sport"),
        pl.coalesce("sub_sport", "__sub0").alias("sub_sport"),
    ).drop("__sport0", "__sub0", "session_start")
    return pl.concat([plain, matched], how="diagonal_relaxed")
