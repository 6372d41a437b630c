"""rMSSD (ms) of an activity's first easy minutes, from the RR intervals of its FIT `hrv`
messages (raw.fit_hrv), for athletes who have no overnight HRV.

An activity file with HRV logging on writes every detected beat-to-beat interval in `hrv`
messages (`time[]`, s, raw.fit_hrv.rr_s), in beat order, without a timestamp. Here:

1. the intervals of an activity (athlete_id, source_sha256) are taken in file order
   (segment, message_seq, position in the message); an interval's end, s since the first
   beat, is the running sum of the intervals before it and its own. Undetected beats
   (null or 0xFFFF = RR_INVALID_S) have no length and add none;
2. a beat is clean when its interval lies within RR_MIN_S..RR_MAX_S and differs from the
   interval before it, itself within that range, by at most RR_MAX_CHANGE of it (the 20 %
   filter, Malik et al. 1993; the first beat, which has nothing to compare with, is not);
3. the window is the beats ending after RMSSD_SKIP_S and at most RMSSD_SKIP_S +
   RMSSD_WINDOW_S after the first beat (minutes 1-6 of the run, its warm-up);
4. rMSSD is the square root of the mean squared difference between successive clean
   intervals of the window, x 1000 to ms (Task Force of the ESC and NASPE 1996,
   Circulation 93:1043-1065): a difference is used only when both beats are clean and
   adjacent in the file, so none spans a removed beat;
5. with fewer than RMSSD_MIN_DIFFERENCES differences the activity has no value (null),
   never 0. Constants: schemas/plausibility.py.

rMSSD during running is not overnight HRV: exercise withdraws vagal tone, so values are a
fraction of resting ones and rise and fall with pace (Michael, Graham & Davis 2017, Front
Physiol 8:301). Kept as measure `rmssd` with source kind `activity_fit`, it is compared
only with the same athlete's own activity values, and used only when the athlete has no
other HRV measure (schemas/wellness.py PRECEDENCE lists activity_fit last); daily rMSSD
values are read as a trend, e.g. their 7-day mean (Plews et al. 2013, Sports Med
43:773-781).
"""

from __future__ import annotations

import polars as pl

from schemas.plausibility import (
    RMSSD_MIN_DIFFERENCES,
    RMSSD_SKIP_S,
    RMSSD_WINDOW_S,
    RR_INVALID_S,
    RR_MAX_CHANGE,
    RR_MAX_S,
    RR_MIN_S,
)
from schemas.wellness import HRV_MEASUREMENTS, frame_schema

SOURCE_KIND = "activity_fit"
KEYS = ("athlete_id", "source_sha256")

ACTIVITY_RMSSD_SCHEMA = pl.Schema({
    "athlete_id": pl.String(),
    "source_sha256": pl.String(),
    "source_index": pl.Int32(),  # message_seq of the activity's first hrv message
    "timestamp_utc": pl.Datetime("us", "UTC"),  # activity start: earliest session start
    "beats_in_window": pl.UInt32(),  # detected beats ending within the window
    "beats_used": pl.UInt32(),  # clean beats of the window
    "differences_used": pl.UInt32(),  # successive differences rMSSD is taken over
    "hrv_ms": pl.Float64(),  # rMSSD, ms; null below RMSSD_MIN_DIFFERENCES
})


def activity_rmssd(hrv: pl.DataFrame, sessions: pl.DataFrame, *,
                   skip_s: float = RMSSD_SKIP_S, window_s: float = RMSSD_WINDOW_S,
                   min_differences: int = RMSSD_MIN_DIFFERENCES) -> pl.DataFrame:
    """One row per activity with RR intervals (ACTIVITY_RMSSD_SCHEMA).

    `hrv`: raw.fit_hrv rows (athlete_id, source_sha256, segment, message_seq, rr_s);
    `sessions`: raw.fit_sessions rows (athlete_id, source_sha256, start_time_utc), which
    give each activity its start. The window and the fewest differences default to the
    constants of schemas/plausibility.py."""
    keys = list(KEYS)
    beats = (
        hrv.filter(pl.col("rr_s").list.len() > 0)
        .sort([*keys, "segment", "message_seq"])
        .select(*keys, "message_seq", pl.col("rr_s"))
        .explode("rr_s")
    )
    rr = pl.col("rr_s")
    detected = rr.is_not_null() & (rr < RR_INVALID_S)
    in_range = detected & rr.is_between(RR_MIN_S, RR_MAX_S)
    previous = rr.shift(1).over(keys)
    previous_in_range = previous.is_not_null() & previous.is_between(RR_MIN_S, RR_MAX_S)
    beats = beats.with_columns(
        pl.when(detected).then(rr).otherwise(0.0).cum_sum().over(keys).alias("end_s"),
        (in_range & previous_in_range
         & ((rr - previous).abs() <= RR_MAX_CHANGE * previous)).fill_null(False)
        .alias("clean"),
    )
    window = (pl.col("end_s") > skip_s) & (pl.col("end_s") <= skip_s + window_s) & detected
    beats = beats.with_columns(window.alias("in_window"))
    used = (pl.col("clean") & pl.col("in_window")
            & pl.col("clean").shift(1).over(keys) & pl.col("in_window").shift(1).over(keys)
            ).fill_null(False)
    difference = pl.when(used).then(rr - previous)
    per_activity = beats.group_by(keys, maintain_order=True).agg(
        pl.col("message_seq").min().cast(pl.Int32).alias("source_index"),
        pl.col("in_window").sum().cast(pl.UInt32).alias("beats_in_window"),
        (pl.col("clean") & pl.col("in_window")).sum().cast(pl.UInt32).alias("beats_used"),
        used.sum().cast(pl.UInt32).alias("differences_used"),
        ((difference ** 2).mean().sqrt() * 1000.0).alias("rmssd_ms"),
    )
    starts = sessions.group_by(keys).agg(pl.col("start_time_utc").min().alias("timestamp_utc"))
    return per_activity.join(starts, on=keys, how="left").select(
        *keys, "source_index", "timestamp_utc", "beats_in_window", "beats_used",
        "differences_used",
        pl.when(pl.col("differences_used") >= min_differences).then(pl.col("rmssd_ms"))
        .alias("hrv_ms"),
    ).cast(dict(ACTIVITY_RMSSD_SCHEMA))


def activity_hrv_measurements(rmssd: pl.DataFrame) -> pl.DataFrame:
    """The activities with a value, as raw.hrv_measurements rows (every column of
    HRV_MEASUREMENTS, keys included): measure `rmssd`, source kind `activity_fit`, stamped
    at the activity's start; local_date null (the build places it in the athlete's zone)."""
    schema = {key: pl.String() for key in KEYS} | dict(frame_schema(HRV_MEASUREMENTS))
    values = {"source_kind": pl.lit(SOURCE_KIND), "measure": pl.lit("rmssd")}
    return rmssd.filter(pl.col("hrv_ms").is_not_null()).select(
        (pl.col(name) if name in rmssd.columns else values.get(name, pl.lit(None)))
        .cast(dtype).alias(name) for name, dtype in schema.items())
