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

import polars as pl

OFFSET_SOURCES = ("home_zone", "file", "home_zone_no_file_offset")


def file_offsets(activity: pl.DataFrame) -> pl.DataFrame:
    """One stated offset per file: the last activity message's (s), with its end instant."""
    return (
        activity.filter(pl.col("utc_offset_s").is_not_null())
        .sort("source_sha256", "message_seq")
        .group_by("source_sha256", maintain_order=True)
        .agg(pl.col("utc_offset_s").last(), pl.col("timestamp_utc").last().alias("activity_end"))
    )


def _home_offset_s(instant: pl.Expr, zone: str) -> pl.Expr:
    """Offset (s) of `zone` at each UTC instant."""
    local = instant.dt.convert_time_zone(zone).dt.replace_time_zone(None)
    return (local - instant.dt.replace_time_zone(None)).dt.total_seconds().cast(pl.Int32)


def local_times(samples: pl.DataFrame, activity: pl.DataFrame, zones: dict[str, str]
                ) -> pl.DataFrame:
    """`samples` (athlete_id, source_sha256, timestamp_utc, ...) with `local_time`
    (wall clock, no zone), `local_date`, `utc_offset_s` and `offset_source` added.

    `zones` maps athlete_id to the IANA zone of home (missing athletes: UTC).
    """
    offsets = file_offsets(activity)
    parts = []
    for athlete, frame in samples.partition_by("athlete_id", as_dict=True).items():
        zone = zones.get(athlete[0], "UTC")
        stated = offsets.with_columns(
            _home_offset_s(pl.col("activity_end"), zone).alias("home_at_end")
        )
        joined = frame.join(stated, on="source_sha256", how="left").with_columns(
            _home_offset_s(pl.col("timestamp_utc"), zone).alias("home_offset_s")
        )
        away = pl.col("utc_offset_s").is_not_null() & (
            pl.col("utc_offset_s") != pl.col("home_at_end"))
        parts.append(
            joined.with_columns(
                pl.when(away).then(pl.col("utc_offset_s"))
                .otherwise(pl.col("home_offset_s")).alias("utc_offset_s"),
                pl.when(away).then(pl.lit("file"))
                .when(pl.col("utc_offset_s").is_null()).then(pl.lit("home_zone_no_file_offset"))
                .otherwise(pl.lit("home_zone")).alias("offset_source"),
            ).drop("home_at_end", "home_offset_s", "activity_end")
        )
    if not parts:
        return samples.with_columns(
            pl.lit(None, pl.Datetime("us")).alias("local_time"),
            pl.lit(None, pl.Date).alias("local_date"),
            pl.lit(None, pl.Int32).alias("utc_offset_s"),
            pl.lit(None, pl.String).alias("offset_source"),
        )
    placed = pl.concat(parts, how="vertical_relaxed")
    local = (pl.col("timestamp_utc").dt.replace_time_zone(None)
             + pl.duration(seconds=pl.col("utc_offset_s")))
    return placed.with_columns(local.alias("local_time"), local.dt.date().alias("local_date"))


def session_sport(samples: pl.DataFrame, sessions: pl.DataFrame) -> pl.DataFrame:
    """Each sample with the sport and sub-sport of the session it falls in (multisport
    files have several): the last session of the file starting at or before the sample."""
    starts = (
        sessions.select("source_sha256", "segment",
                        pl.coalesce("start_time_utc", "timestamp_utc").alias("session_start"),
                        "sport", "sub_sport")
        .drop_nulls("session_start")
        .sort("session_start")
    )
    ordered = samples.with_row_index("__order").sort("timestamp_utc")
    matched = ordered.join_asof(
        starts.drop("segment"), left_on="timestamp_utc", right_on="session_start",
        by="source_sha256", strategy="backward", check_sortedness=False,  # sorted above
    )
    # a sample just before its file's first session start still belongs to that session
    first = starts.group_by("source_sha256").agg(pl.all().sort_by("session_start").first())
    matched = matched.join(first.select("source_sha256", pl.col("sport").alias("__sport0"),
                                        pl.col("sub_sport").alias("__sub0")),
                           on="source_sha256", how="left")
    return (
        matched.with_columns(
            pl.coalesce("sport", "__sport0").alias("sport"),
            pl.coalesce("sub_sport", "__sub0").alias("sub_sport"),
        )
        .sort("__order")
        .drop("__order", "__sport0", "__sub0", "session_start")
    )
