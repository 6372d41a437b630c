"""Contracts of the raw FIT tables: which FIT messages are kept and how they are stored.

Each kept FIT message type has one table in the `raw` schema. A table has

* key columns every raw FIT table shares (`athlete_id`, `source_sha256`, `segment`,
  `message_seq`),
* typed columns with the unit in their name, each filled from one or more fitparse field
  names (the first non-null wins, so `enhanced_speed` is preferred to `speed`),
* `extra_fields`: a JSON object with every other field the message had in the file,
  developer fields included (their keys start with ``dev_``), so nothing decoded is lost.

Values are fitparse's values after scale and offset (metres, seconds, m/s, bpm, ...);
the conversions named here turn FIT timestamps into UTC instants and semicircles into
degrees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from schemas.decoders import DECODERS, DEFAULT_DECODER, Decoder  # noqa: F401 (re-exported)
from schemas.wellness import NotMeasurement

#: Seconds between the Unix epoch and the FIT epoch (1989-12-31T00:00:00Z). FIT SDK, "Timestamps".
FIT_EPOCH_UNIX_S = 631_065_600
#: FIT date_time values below this are seconds since device power-on, not dates. FIT SDK.
FIT_MIN_ABSOLUTE_TIMESTAMP = 0x10000000
#: Largest UTC offset any time zone uses (UTC+14, Line Islands); beyond it an offset is implausible.
MAX_UTC_OFFSET_S = 14 * 3600

Conversion = Literal["none", "utc", "local", "semicircles_deg", "device_s"]



@dataclass(frozen=True)
class Column:
    """One typed column of a raw FIT table."""

    name: str
    sql_type: str
    sources: tuple[str, ...]
    comment: str
    conversion: Conversion = "none"


@dataclass(frozen=True)
class FitTable:
    """The raw table that keeps one FIT message type."""

    message: str
    table: str
    comment: str
    columns: tuple[Column, ...]

    @property
    def source_fields(self) -> frozenset[str]:
        """fitparse field names consumed by typed columns (the rest go to `extra_fields`)."""
        return frozenset(s for c in self.columns for s in c.sources)


KEY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete the file belongs to"),
    ("source_sha256", "VARCHAR NOT NULL", "sha256 of the FIT file content (raw.source_files)"),
    ("segment", "INTEGER NOT NULL", "0-based FIT segment within a chained file"),
    ("message_seq", "INTEGER NOT NULL", "0-based position of the data message in the file"),
)
EXTRA_COLUMN = ("extra_fields", "JSON", "Every other field of the message, by fitparse name")

SQL_TO_POLARS: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "DOUBLE": pl.Float64(),
    "BIGINT": pl.Int64(),
    "INTEGER": pl.Int32(),
    "BOOLEAN": pl.Boolean(),
    "TIMESTAMPTZ": pl.Datetime("us", "UTC"),
    "TIMESTAMP": pl.Datetime("us"),
    "DOUBLE[]": pl.List(pl.Float64()),
}


def _utc(name: str, source: str, comment: str) -> Column:
    return Column(name, "TIMESTAMPTZ", (source,), comment, "utc")


_TS = _utc("timestamp_utc", "timestamp", "Instant of the message (UTC)")
_START = _utc("start_time_utc", "start_time", "Start of the session, lap or set (UTC)")
_SPORT = (
    Column("sport", "VARCHAR", ("sport",), "FIT sport (running, cycling, training, ...)"),
    Column("sub_sport", "VARCHAR", ("sub_sport",), "FIT sub-sport (trail, treadmill, ...)"),
)
_TOTALS = (
    Column("total_elapsed_time_s", "DOUBLE", ("total_elapsed_time",),
           "Elapsed time incl. pauses, s"),
    Column("total_timer_time_s", "DOUBLE", ("total_timer_time",), "Timer time excl. pauses, s"),
    Column("total_distance_m", "DOUBLE", ("total_distance",), "Distance, m"),
    Column("total_calories_kcal", "DOUBLE", ("total_calories",), "Energy expended, kcal"),
    Column("avg_heart_rate_bpm", "DOUBLE", ("avg_heart_rate",), "Mean heart rate, beats/min"),
    Column("max_heart_rate_bpm", "DOUBLE", ("max_heart_rate",), "Highest heart rate, beats/min"),
    Column("avg_speed_m_s", "DOUBLE", ("enhanced_avg_speed", "avg_speed"), "Mean speed, m/s"),
    Column("max_speed_m_s", "DOUBLE", ("enhanced_max_speed", "max_speed"), "Top speed, m/s"),
    Column("total_ascent_m", "DOUBLE", ("total_ascent",), "Elevation gained, m"),
    Column("total_descent_m", "DOUBLE", ("total_descent",), "Elevation lost, m"),
    Column("avg_cadence_rpm", "DOUBLE", ("avg_cadence",), "Mean cadence, rpm (strides/min)"),
    Column("avg_power_w", "DOUBLE", ("avg_power",), "Mean power, W"),
)

FIT_TABLES: tuple[FitTable, ...] = (
    FitTable(
        "file_id",
        "fit_file_id",
        "FIT file_id messages: what wrote the file and when",
        (
            Column("file_type", "VARCHAR", ("type",), "FIT file type (activity, weight, ...)"),
            Column("manufacturer", "VARCHAR", ("manufacturer",), "Device manufacturer"),
            Column("product", "VARCHAR", ("garmin_product", "product"), "Product name or number"),
            Column("serial_number", "BIGINT", ("serial_number",), "Device serial number"),
            _utc("time_created_utc", "time_created", "When the file was created (UTC)"),
            Column(
                "time_created_device_s",
                "BIGINT",
                ("time_created",),
                "Device-relative creation time (s since power-on) when not a date",
                "device_s",
            ),
        ),
    ),
    FitTable(
        "activity",
        "fit_activity",
        "FIT activity messages with the UTC offset the file states",
        (
            _TS,
            Column(
                "local_timestamp",
                "TIMESTAMP",
                ("local_timestamp",),
                "Wall-clock time at the device when the activity ended (no zone)",
                "local",
            ),
            Column("total_timer_time_s", "DOUBLE", ("total_timer_time",), "Timer time, s"),
            Column("num_sessions", "INTEGER", ("num_sessions",), "Sessions in the activity"),
            Column("activity_type", "VARCHAR", ("type",), "FIT activity type"),
            Column("event", "VARCHAR", ("event",), "FIT event"),
            Column("event_type", "VARCHAR", ("event_type",), "FIT event type"),
        ),
    ),
    FitTable(
        "session",
        "fit_sessions",
        "FIT session messages: one per sport segment of an activity",
        (_TS, _START, *_SPORT, *_TOTALS,
         Column("num_laps", "INTEGER", ("num_laps",), "Laps in the session")),
    ),
    FitTable("lap", "fit_laps", "FIT lap messages", (_TS, _START, *_SPORT, *_TOTALS)),
    FitTable(
        "sport",
        "fit_sport",
        "FIT sport messages: the sport an activity records, written as it starts (the sport "
        "of a file cut off before its session)",
        (*_SPORT, Column("name", "VARCHAR", ("name",), "Activity name the device shows")),
    ),
    FitTable(
        "record",
        "fit_records",
        "FIT record messages: the samples (usually 1 Hz) of an activity",
        (
            _TS,
            Column(
                "timestamp_device_s",
                "BIGINT",
                ("timestamp",),
                "Seconds since device power-on, when the file gives no date for the sample",
                "device_s",
            ),
            Column("position_lat_deg", "DOUBLE", ("position_lat",), "Latitude, degrees",
                   "semicircles_deg"),
            Column("position_long_deg", "DOUBLE", ("position_long",), "Longitude, degrees",
                   "semicircles_deg"),
            Column("distance_m", "DOUBLE", ("distance",), "Cumulative distance, m"),
            Column("speed_m_s", "DOUBLE", ("enhanced_speed", "speed"), "Speed, m/s"),
            Column("altitude_m", "DOUBLE", ("enhanced_altitude", "altitude"), "Altitude, m"),
            Column("heart_rate_bpm", "DOUBLE", ("heart_rate",), "Heart rate, beats/min"),
            Column("cadence_rpm", "DOUBLE", ("cadence",), "Cadence, rpm (strides/min running)"),
            Column("power_w", "DOUBLE", ("power",), "Power, W"),
            Column("temperature_c", "DOUBLE", ("temperature",), "Temperature, degrees C"),
        ),
    ),
    FitTable(
        "set",
        "fit_sets",
        "FIT set messages: strength-training sets",
        (
            _TS,
            _START,
            Column("duration_s", "DOUBLE", ("duration",), "Set duration, s"),
            Column("set_type", "VARCHAR", ("set_type",), "active or rest"),
            Column("repetitions", "INTEGER", ("repetitions",), "Repetitions in the set"),
            Column("weight_kg", "DOUBLE", ("weight",), "Load lifted, kg"),
            Column("category", "VARCHAR", ("category",), "Exercise category (FIT names)"),
        ),
    ),
    FitTable(
        "weight_scale",
        "fit_weight_scale",
        "FIT weight_scale messages: body weight and composition",
        (
            _TS,
            Column("weight_kg", "DOUBLE", ("weight",), "Body weight, kg"),
            Column("body_fat_pct", "DOUBLE", ("percent_fat",), "Body fat, %"),
            Column("hydration_pct", "DOUBLE", ("percent_hydration",), "Body water, %"),
            Column("muscle_mass_kg", "DOUBLE", ("muscle_mass",), "Muscle mass, kg"),
            Column("bone_mass_kg", "DOUBLE", ("bone_mass",), "Bone mass, kg"),
            Column("user_profile_index", "INTEGER", ("user_profile_index",),
                   "User on a multi-user scale"),
        ),
    ),
    FitTable(
        "user_profile",
        "fit_user_profile",
        "FIT user_profile messages: what the device knows of its user",
        (
            Column("gender", "VARCHAR", ("gender",), "FIT gender"),
            Column("age_years", "INTEGER", ("age",), "Age, years"),
            Column("height_m", "DOUBLE", ("height",), "Height, m"),
            Column("weight_kg", "DOUBLE", ("weight",), "Weight, kg"),
            Column("resting_heart_rate_bpm", "DOUBLE", ("resting_heart_rate",), "Resting HR, bpm"),
            Column("default_max_heart_rate_bpm", "DOUBLE", ("default_max_heart_rate",),
                   "Max HR set on the device, bpm"),
        ),
    ),
    FitTable(
        "zones_target",
        "fit_zones_target",
        "FIT zones_target messages: the athlete's zone settings on the device",
        (
            Column("max_heart_rate_bpm", "DOUBLE", ("max_heart_rate",), "Max HR, bpm"),
            Column("threshold_heart_rate_bpm", "DOUBLE", ("threshold_heart_rate",),
                   "Lactate-threshold HR, bpm"),
            Column("functional_threshold_power_w", "DOUBLE", ("functional_threshold_power",),
                   "FTP, W"),
            Column("hr_calc_type", "VARCHAR", ("hr_calc_type",), "How HR zones are computed"),
        ),
    ),
    FitTable(
        "hrv",
        "fit_hrv",
        "FIT hrv messages: beat-to-beat intervals",
        (Column("rr_s", "DOUBLE[]", ("time",), "Beat-to-beat intervals, s"),),
    ),
)

TABLE_BY_MESSAGE: dict[str, FitTable] = {t.message: t for t in FIT_TABLES}

FIT_FIELDS_TABLE = "fit_fields"
FIT_FIELDS_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete the file belongs to"),
    ("source_sha256", "VARCHAR NOT NULL", "sha256 of the FIT file content"),
    ("message", "VARCHAR NOT NULL", "FIT message name"),
    ("field", "VARCHAR NOT NULL", "fitparse field name (developer fields start with dev_)"),
    ("units", "VARCHAR", "Units the file or the FIT profile gives"),
    ("fit_type", "VARCHAR", "FIT type name"),
    ("is_developer_field", "BOOLEAN NOT NULL", "Whether a developer (app) field"),
    ("stored_in", "VARCHAR NOT NULL", "Typed column holding it, or extra_fields"),
)


@dataclass(frozen=True)
class Fault:
    """Where and why a file stopped being readable: every message that ends at or before
    byte `offset` was read; what lies from `offset` on was not (for a wrong CRC, the CRC
    itself at `offset` did not match the bytes before it)."""

    reason: str
    offset: int


@dataclass
class DecodedFit:
    """A decoded FIT file: one frame per kept raw table, plus what was seen; `partial` is
    set when the file broke part-way and only the messages before the fault are here."""

    tables: dict[str, pl.DataFrame]
    fields: pl.DataFrame
    segments: int
    message_counts: dict[str, int] = field(default_factory=dict)
    partial: Fault | None = None
    #: Record values stored as null because they lie outside their physical range, and
    #: record times without a date, per reason (transforms.plausibility).
    nulled: dict[str, int] = field(default_factory=dict)
    #: How often the records' cumulative distance goes back (it is kept as recorded).
    distance_resets: int = 0
    #: Data messages of types without a raw FIT table, by fitparse name (`unknown_275` for
    #: a message its profile does not know): counted, not stored.
    other_messages: dict[str, int] = field(default_factory=dict)
    #: Wellness records of the file that are no measurement (an HRV of 0, a night without
    #: stages), skipped: see transforms/wellness/wellness_fit.py.
    not_measurements: list[NotMeasurement] = field(default_factory=list)
    #: The decoder whose frames these are: "fast" or "fitparse".
    decoded_by: str = "fitparse"
    #: Why the fast decoder handed the file to fitparse (not a file fault: something it
    #: does not read, or a fault of its own), or None.
    fallback: str | None = None

    @property
    def record_count(self) -> int:
        """Number of `record` messages (1 Hz samples) in the file."""
        return self.message_counts.get("record", 0)
