"""Garmin wellness FIT files: resting heart rate, overnight HRV and sleep stages, decoded
with Garmin's FIT SDK (garmin-fit-sdk).

fitparse 1.2.0, which decodes every FIT file first (transforms/fit_decode.py), knows the
FIT profile of 2019: it returns the newer wellness messages as `unknown_211` etc. with
`unknown_N` fields and no scale (an HRV of 44 ms reads 5632). A file is read again here
with the FIT SDK when `is_wellness_fit` says it holds wellness (its file type, or those
messages among the ones fitparse did not keep); `read_wellness_fit` turns it into raw
wellness rows (schemas/wellness.py), source kind `garmin_fit`.

Messages read (FIT SDK profile 21.x; units after the profile's scale):

* `monitoring_hr_data` (211) -> `resting_hr`: `current_day_resting_heart_rate` is the
  day's resting HR (bpm), `resting_heart_rate` Garmin's 7-day average (bpm), kept apart.
  Its `local_date` is the local date of `timestamp` shifted by the UTC offset the file's
  `monitoring_info` states (`local_timestamp - timestamp`, the latest one at or before
  the message, else the first); a stamp at exactly 00:00:00 local is a summary of the day
  before and belongs to it (GarminDB subtracts 1 s from daily monitoring summaries; the
  format notes, formats-wellness.md section 2). GarminDB files the day's value under the
  file's creation day (its local midnight), the same day for any stamp after midnight.
  Without `monitoring_info` the date is null and the build takes the athlete's zone.
  A value of 0 or outside the physical heart-rate range (schemas/plausibility.py) is no
  measurement: that value is null, and the message is skipped when neither is left.
* `hrv_status_summary` (370) -> `hrv_measurements`, measure `garmin_overnight`:
  `last_night_average` (ms), the balanced baseline band `baseline_balanced_lower` ..
  `baseline_balanced_upper` (ms, 0 = none) and `status` (none, poor, low, unbalanced,
  balanced) as written, stamped at its `timestamp` (the wake-up); local date null (these
  files state no offset). An average of 0 or absent is no measurement (skipped).
  The night's 5-minute values (`hrv_value`, 371, about 79 a night) are not stored: the
  summary's average is Garmin's value of the night, and storing both as one measure
  would let the nightly values be averaged with their own summary. They stay in the file.
* `sleep_level` (275) -> one `sleep_sessions` row per file (a night): each level holds for
  the interval that ENDS at its timestamp (GarminDB applies it so; a Garmin account
  export's sleepData.json of the same night gives the same stage seconds). The night
  starts at the file's `time_created` when it precedes the first level by at most
  SLEEP_START_MAX_LEAD_S, else at the first level (whose own interval is then unknown and
  not counted), and ends at the last level. deep + light + REM is `asleep_s`, awake time
  `awake_s`; `unmeasurable` intervals count in neither. `rem_s` is null when no level is
  REM (watches without REM). A file with no measured stage is skipped ("no stages").
  `wake_date` is null: sleep files state no offset, the build takes the athlete's zone.

`weight_scale` (30) is decoded by fitparse into raw.fit_weight_scale already (its `bmi`,
unknown to fitparse's profile, lands in extra_fields as `unknown_13`); it is not read
here, so a weigh-in is never stored twice. `monitoring` heart-rate samples (some stamped
only with `timestamp_16`), stress, respiration and `sleep_assessment` scores are not
stored: no raw wellness table takes them.

Each row's `source_index` is the position of its data message in the file (counting
every data message from 0, as raw FIT tables' `message_seq` does); a night's is that of
its first `sleep_level`. `source_name` is the maker and product the file_id names.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import polars as pl
from garmin_fit_sdk import Decoder, Stream

from schemas.fit import FIT_EPOCH_UNIX_S, MAX_UTC_OFFSET_S, DecodedFit
from schemas.plausibility import HEART_RATE_MAX_BPM, HEART_RATE_MIN_BPM
from schemas.wellness import WELLNESS_TABLES, NotMeasurement, WellnessRead, frame_schema

SOURCE_KIND = "garmin_fit"
#: FIT file types (file_id.type) that carry wellness: 49 and 68 are not in the public
#: `file` enum, so decoders return the number (formats-wellness.md section 2).
WELLNESS_FILE_TYPES: dict[int, str] = {32: "monitoring_b", 49: "sleep", 68: "hrv_status"}
#: FIT message numbers read here, with their profile names.
WELLNESS_MESSAGES: dict[int, str] = {211: "monitoring_hr_data", 275: "sleep_level",
                                     370: "hrv_status_summary", 371: "hrv_value"}
_FILE_ID = 0
_MONITORING_INFO = 103
_READ = frozenset({_FILE_ID, _MONITORING_INFO, *WELLNESS_MESSAGES})
#: What fitparse's fit_file_id.file_type holds for a wellness file, and the names fitparse
#: gives the wellness messages (its profile does not know them).
_FILE_TYPE_VALUES = frozenset({*map(str, WELLNESS_FILE_TYPES), *WELLNESS_FILE_TYPES.values()})
_FITPARSE_NAMES = frozenset({*(f"unknown_{n}" for n in WELLNESS_MESSAGES),
                             *WELLNESS_MESSAGES.values()})
#: Longest time from a sleep file's creation to its first sleep level for the creation to
#: be taken as the night's start, s: no night lasts longer. A model choice, no study.
SLEEP_START_MAX_LEAD_S = 12 * 3600
_STAGES = ("deep", "light", "rem", "awake")


def is_wellness_fit(decoded: DecodedFit) -> bool:
    """Whether a file fitparse decoded may hold wellness messages: its file_id.type is
    monitoring_b (32), sleep (49) or HRV status (68), or fitparse met a wellness message
    (`unknown_211`, `unknown_275`, `unknown_370`, `unknown_371`). Costs nothing for the
    activity files that make up most folders."""
    ids = decoded.tables.get("fit_file_id")
    if ids is not None and "file_type" in ids.columns and (
            ids["file_type"].cast(pl.String).is_in(list(_FILE_TYPE_VALUES)).any()):
        return True
    return not _FITPARSE_NAMES.isdisjoint(decoded.other_messages)


def read_wellness_fit(data: bytes) -> WellnessRead | None:
    """The raw wellness rows of one FIT file (frames keyed by WELLNESS_TABLES names, only
    those the file feeds) and its records that are no measurement; None when the file
    holds no wellness message (and is no sleep file)."""
    messages = _decode(data)
    file_types = {m.get("type") for _, m in messages.get(_FILE_ID, [])}
    sleep_file = not file_types.isdisjoint({49, "sleep"})
    if not sleep_file and not any(messages.get(n) for n in WELLNESS_MESSAGES):
        return None
    name = _source_name(messages.get(_FILE_ID, []))
    read = WellnessRead(SOURCE_KIND)
    tables = {
        "resting_hr": _resting_hr(messages.get(211, []), messages.get(_MONITORING_INFO, []),
                                  read.skipped),
        "hrv_measurements": _hrv(messages.get(370, []), read.skipped),
        "sleep_sessions": _sleep(messages.get(275, []), messages.get(_FILE_ID, []),
                                 read.skipped) if sleep_file or 275 in messages else None,
    }
    for table, frame in tables.items():
        if frame is not None and frame.height:
            read.tables[table] = _provenance(frame, name, table)
    if not read.tables and not read.skipped:
        return None
    return read


Indexed = list[tuple[int, dict]]


def _decode(data: bytes) -> dict[int, Indexed]:
    """The messages read here, by number, each with its position among the file's data
    messages. A file that breaks part-way gives the messages before the fault (fitparse
    has reported the fault already)."""
    found: dict[int, Indexed] = {}
    position = 0

    def listen(number: int, message: dict) -> None:
        nonlocal position
        if number in _READ:
            found.setdefault(number, []).append((position, message))
        position += 1

    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    decoder.read(merge_heart_rates=False, mesg_listener=listen)
    return found


def _source_name(file_ids: Indexed) -> str | None:
    """'garmin fr255_music': maker and product of the first file_id."""
    if not file_ids:
        return None
    fid = file_ids[0][1]
    product = fid.get("garmin_product", fid.get("product"))
    parts = [str(p) for p in (fid.get("manufacturer"), product) if p is not None]
    return " ".join(parts) or None


def _provenance(frame: pl.DataFrame, name: str | None, table: str) -> pl.DataFrame:
    """The frame in its raw table's columns and order, with source kind and name."""
    schema = frame_schema(WELLNESS_TABLES[table])
    frame = frame.with_columns(pl.lit(SOURCE_KIND).alias("source_kind"),
                               pl.lit(name, pl.String).alias("source_name"))
    return frame.select(
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(dtype).alias(c)
        for c, dtype in schema.items())


def _frame(messages: Indexed, fields: dict[str, pl.DataType]) -> pl.DataFrame:
    """One row per message: `source_index` and the fields asked for (null when absent)."""
    return pl.DataFrame(
        [{"source_index": i, **{f: m.get(f) for f in fields}} for i, m in messages],
        schema={"source_index": pl.Int32, **fields}, strict=False)


def _report(frame: pl.DataFrame, bad: pl.Expr, key: str, expected: str,
            skipped: list[NotMeasurement]) -> None:
    """Report the rows where `bad` holds as no measurement of `key`."""
    skipped.extend(NotMeasurement(index, key, str(value), expected) for index, value
                   in frame.filter(bad).select("source_index", key).iter_rows())


def _skip(frame: pl.DataFrame, valid: pl.Expr, key: str, expected: str,
          skipped: list[NotMeasurement]) -> pl.DataFrame:
    """The rows where `valid` holds; the others are reported as no measurement of `key`."""
    _report(frame, ~valid, key, expected, skipped)
    return frame.filter(valid)


def _heart_rate(name: str) -> pl.Expr:
    """Whether the column holds a heart rate (0 and sensor faults do not)."""
    return pl.col(name).is_between(HEART_RATE_MIN_BPM, HEART_RATE_MAX_BPM)


def _offsets(infos: Indexed) -> pl.DataFrame:
    """(info_utc, offset_s) of each monitoring_info: local_timestamp - timestamp, s, where
    both are there and the offset is a real one (within 14 h)."""
    frame = _frame(infos, {"timestamp": pl.Datetime("us", "UTC"), "local_timestamp": pl.Int64})
    utc_s = pl.col("timestamp").dt.epoch("s")
    offset = pl.col("local_timestamp") + FIT_EPOCH_UNIX_S - utc_s
    return (frame.select(pl.col("timestamp").alias("info_utc"), offset.alias("offset_s"))
            .drop_nulls().filter(pl.col("offset_s").abs() <= MAX_UTC_OFFSET_S)
            .sort("info_utc"))


def _resting_hr(messages: Indexed, infos: Indexed,
                skipped: list[NotMeasurement]) -> pl.DataFrame | None:
    if not messages:
        return None
    day, week = "current_day_resting_heart_rate", "resting_heart_rate"
    frame = _frame(messages, {"timestamp": pl.Datetime("us", "UTC"), day: pl.Float64,
                              week: pl.Float64})
    expected = f"a heart rate of {HEART_RATE_MIN_BPM:g}-{HEART_RATE_MAX_BPM:g} bpm"
    frame = _skip(frame, _heart_rate(day) | _heart_rate(week), day, expected, skipped)
    frame = _skip(frame, pl.col("timestamp").is_not_null(), "timestamp", "a date", skipped)
    for name in (day, week):  # the other value of a kept message may still be no reading
        _report(frame, pl.col(name).is_not_null() & ~_heart_rate(name), name, expected,
                skipped)
        frame = frame.with_columns(pl.when(_heart_rate(name)).then(pl.col(name)).alias(name))
    offsets = _offsets(infos)
    frame = frame.sort("timestamp").join_asof(
        offsets, left_on="timestamp", right_on="info_utc", strategy="backward")
    first = offsets["offset_s"][0] if offsets.height else None
    local = (pl.col("timestamp").dt.replace_time_zone(None)
             + pl.duration(seconds=pl.col("offset_s").fill_null(pl.lit(first, pl.Int64))))
    local = pl.when(local.dt.time() == time(0)).then(local - pl.duration(seconds=1)
                                                     ).otherwise(local)
    return frame.select(
        "source_index",
        local.dt.date().alias("local_date"),
        pl.col("timestamp").alias("timestamp_utc"),
        pl.col(day).alias("resting_hr_bpm"),
        pl.col(week).alias("resting_hr_7d_bpm"),
    ).sort("source_index")


def _hrv(messages: Indexed, skipped: list[NotMeasurement]) -> pl.DataFrame | None:
    if not messages:
        return None
    average = "last_night_average"
    frame = _frame(messages, {"timestamp": pl.Datetime("us", "UTC"), average: pl.Float64,
                              "baseline_balanced_lower": pl.Float64,
                              "baseline_balanced_upper": pl.Float64, "status": pl.String})
    frame = _skip(frame, pl.col(average) > 0, average, "an overnight HRV above 0 ms", skipped)
    frame = _skip(frame, pl.col("timestamp").is_not_null(), "timestamp", "a date", skipped)

    def band(name: str) -> pl.Expr:
        return pl.when(pl.col(name) > 0).then(pl.col(name))

    return frame.select(
        "source_index",
        pl.col("timestamp").alias("timestamp_utc"),
        pl.col(average).alias("hrv_ms"),
        pl.lit("garmin_overnight").alias("measure"),
        band("baseline_balanced_lower").alias("baseline_low_ms"),
        band("baseline_balanced_upper").alias("baseline_high_ms"),
        "status",
    )


def _sleep(messages: Indexed, file_ids: Indexed,
           skipped: list[NotMeasurement]) -> pl.DataFrame | None:
    """One night from the file's sleep levels (see the module's docstring)."""
    created = file_ids[0][1].get("time_created") if file_ids else None
    levels = _frame(messages, {"timestamp": pl.Datetime("us", "UTC"), "sleep_level": pl.String})
    levels = levels.filter(pl.col("timestamp").is_not_null()).sort("timestamp", "source_index")
    if not levels.height or not levels["sleep_level"].is_in(_STAGES).any():
        index = messages[0][0] if messages else (file_ids[0][0] if file_ids else 0)
        skipped.append(NotMeasurement(index, "sleep_level", "no stages",
                                      "a night with deep, light, REM or awake levels"))
        return None
    first = levels["timestamp"][0]
    start = first
    if isinstance(created, datetime) and 0 < (first - created).total_seconds() <= (
            SLEEP_START_MAX_LEAD_S):
        start = created.astimezone(UTC)
    seconds = (pl.col("timestamp") - pl.col("timestamp").shift(1).fill_null(start)
               ).dt.total_seconds().cast(pl.Float64)

    def stage(name: str) -> pl.Expr:
        return seconds.filter(pl.col("sleep_level") == name).sum().alias(f"{name}_s")

    night = levels.select(
        pl.col("source_index").first(),
        pl.lit(start, pl.Datetime("us", "UTC")).alias("start_utc"),
        pl.col("timestamp").last().alias("end_utc"),
        *(stage(name) for name in _STAGES),
        (pl.col("sleep_level") == "rem").any().alias("has_rem"),
    )
    return night.select(
        "source_index", "start_utc", "end_utc",
        (pl.col("deep_s") + pl.col("light_s") + pl.col("rem_s")).alias("asleep_s"),
        "deep_s", "light_s",
        pl.when(pl.col("has_rem")).then(pl.col("rem_s")).alias("rem_s"),
        "awake_s",
        pl.lit(True).alias("measured"),
        pl.lit("sleep_level").alias("window_type"),
    )
