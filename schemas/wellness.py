"""Contracts of recovery and body-composition inputs: the raw tables they load into and the
frames the readers return.

Readers (`transforms/wellness/`) turn one input file into a `WellnessRead`: one polars
frame per raw table below (columns in this order, without `athlete_id` and
`source_sha256`, which the loader adds), and the records that are not measurements, each
named by file, index and key. Raw rows keep what the source says (its local day where it
states one, its instants in UTC, its device or app name); choosing one value per athlete,
day and measure among several sources happens downstream, by `PRECEDENCE`.

Units are converted at the reader boundary (Garmin grams to kg, Apple fraction body fat to
%, lb to kg), never later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

Columns = tuple[tuple[str, str, str], ...]

#: Where a row came from (raw.*.source_kind).
SOURCE_KINDS = ("garmin_json", "garmin_fit", "apple_health", "activity_fit")

_KEYS: Columns = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete measured"),
    ("source_sha256", "VARCHAR NOT NULL", "Content of the file the row came from "
     "(raw.source_files.sha256)"),
    ("source_kind", "VARCHAR NOT NULL", "garmin_json (Garmin account export), garmin_fit "
     "(wellness FIT file), apple_health (Apple Health export.xml)"),
    ("source_name", "VARCHAR", "Device or app that measured, as the file names it (Apple "
     "sourceName, Garmin sourceType or product); null when the file names none"),
    ("source_index", "INTEGER NOT NULL", "Position of the record in the file (JSON array "
     "index, XML record number or FIT message number), to find it again"),
)

SLEEP_SESSIONS: Columns = (
    *_KEYS,
    ("wake_date", "DATE", "Local day the sleep ended on, as the source states it (Garmin "
     "calendarDate); null: the build takes the local date of end_utc in the athlete's zone"),
    ("start_utc", "TIMESTAMPTZ", "Sleep start (UTC)"),
    ("end_utc", "TIMESTAMPTZ", "Sleep end, the wake-up (UTC)"),
    ("asleep_s", "DOUBLE", "Time asleep, s: deep + light + REM (or the source's asleep "
     "stages); awake and unmeasurable time excluded; null when no stage was measured"),
    ("deep_s", "DOUBLE", "Deep sleep, s"),
    ("light_s", "DOUBLE", "Light (core) sleep, s"),
    ("rem_s", "DOUBLE", "REM sleep, s (null on devices without REM)"),
    ("awake_s", "DOUBLE", "Awake time within the sleep window, s"),
    ("measured", "BOOLEAN NOT NULL", "Whether stages were measured (false: a default or "
     "in-bed window whose asleep time is the window itself)"),
    ("window_type", "VARCHAR", "The source's own label of the window: Garmin "
     "sleepWindowConfirmationType, Apple sleep value, FIT sleep_level"),
)

RESTING_HR: Columns = (
    *_KEYS,
    ("local_date", "DATE", "Local day the value is for, as the source states it; null: the "
     "build takes the local date of timestamp_utc in the athlete's zone"),
    ("timestamp_utc", "TIMESTAMPTZ", "When it was measured or stamped (UTC)"),
    ("resting_hr_bpm", "DOUBLE", "Resting heart rate of that day, bpm (Garmin "
     "currentDayRestingHeartRate / FIT current_day_resting_heart_rate, Apple "
     "RestingHeartRate)"),
    ("resting_hr_7d_bpm", "DOUBLE", "The source's own 7-day average resting HR, bpm (Garmin "
     "restingHeartRate / FIT resting_heart_rate), kept apart from the day's value"),
)

#: raw.hrv_measurements.measure: HRV is not one quantity; a person is compared only with
#: their own values of one measure.
HRV_MEASURES = ("garmin_overnight", "rmssd", "sdnn")

HRV_MEASUREMENTS: Columns = (
    *_KEYS,
    ("local_date", "DATE", "Local day the value is for, as the source states it; null: the "
     "build takes the local date of timestamp_utc in the athlete's zone"),
    ("timestamp_utc", "TIMESTAMPTZ", "When it was measured (UTC); null for daily values"),
    ("hrv_ms", "DOUBLE", "Heart-rate variability, ms, in the measure below"),
    ("measure", "VARCHAR NOT NULL", "garmin_overnight (Garmin's overnight average, "
     "rMSSD-based), rmssd, or sdnn (Apple Watch spot readings)"),
    ("baseline_low_ms", "DOUBLE", "The source's own baseline band, lower limit, ms"),
    ("baseline_high_ms", "DOUBLE", "The source's own baseline band, upper limit, ms"),
    ("status", "VARCHAR", "The source's status label (Garmin HRV status), as written"),
)

BODY_COMPOSITION: Columns = (
    *_KEYS,
    ("local_date", "DATE", "Local day of the weigh-in, as the source states it; null: the "
     "build takes the local date of timestamp_utc in the athlete's zone"),
    ("local_time", "TIME", "Local time of the weigh-in, if stated"),
    ("timestamp_utc", "TIMESTAMPTZ", "When the weigh-in happened (UTC)"),
    ("weight_kg", "DOUBLE", "Body weight, kg (Garmin grams / 1000; lb x 0.45359237)"),
    ("body_fat_pct", "DOUBLE", "Body fat, % (0-100; Apple's fraction x 100)"),
    ("muscle_mass_kg", "DOUBLE", "Skeletal muscle mass the scale estimates, kg"),
    ("bone_mass_kg", "DOUBLE", "Bone mass the scale estimates, kg"),
    ("fat_free_mass_kg", "DOUBLE", "Fat-free (lean body) mass, kg: as measured (Apple "
     "LeanBodyMass), else weight x (1 - body fat / 100)"),
    ("body_water_pct", "DOUBLE", "Body water, %"),
)

#: Apple Health food totals, one row per record (a logged food or meal); they load into
#: raw.nutrition_entries with source_format `apple_health` (grain `entry`).
NUTRITION_RECORDS: Columns = (
    ("local_date", "DATE NOT NULL", "Local day of the record (its stated offset)"),
    ("local_time", "TIME", "Local time of the record"),
    ("energy_kcal", "DOUBLE", "Energy, kcal (kJ / 4.184; Apple's Cal is kcal)"),
    ("protein_g", "DOUBLE", "Protein, g"),
    ("carbohydrate_g", "DOUBLE", "Carbohydrate, g"),
    ("source_name", "VARCHAR", "App that wrote the record (Apple sourceName)"),
    ("source_row", "INTEGER NOT NULL", "Record number in the file"),
)

#: Raw table name -> its columns (keys included).
WELLNESS_TABLES: dict[str, Columns] = {
    "sleep_sessions": SLEEP_SESSIONS,
    "resting_hr": RESTING_HR,
    "hrv_measurements": HRV_MEASUREMENTS,
    "body_composition": BODY_COMPOSITION,
}
WELLNESS_COMMENTS: dict[str, str] = {
    "sleep_sessions": "Sleep windows from Garmin exports, wellness FIT and Apple Health, one "
                      "row per night or nap record as the source wrote it",
    "resting_hr": "Resting heart rate per day and source, as the source wrote it",
    "hrv_measurements": "Heart-rate variability readings per source, with their measure "
                        "(never mixed downstream)",
    "body_composition": "Weigh-ins with body composition from Garmin exports and Apple "
                        "Health (FIT weight_scale messages are in raw.fit_weight_scale)",
}

_SQL_TO_POLARS: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(), "DOUBLE": pl.Float64(), "INTEGER": pl.Int32(),
    "BOOLEAN": pl.Boolean(), "DATE": pl.Date(), "TIME": pl.Time(),
    "TIMESTAMPTZ": pl.Datetime("us", "UTC"),
}
#: Columns the loader adds to a reader's frames.
LOADER_COLUMNS = ("athlete_id", "source_sha256")


def frame_schema(columns: Columns) -> pl.Schema:
    """The polars schema of a reader's frame for these raw columns (loader keys left out)."""
    return pl.Schema({name: _SQL_TO_POLARS[sql.removesuffix(" NOT NULL")]
                      for name, sql, _ in columns if name not in LOADER_COLUMNS})


def empty_frame(columns: Columns) -> pl.DataFrame:
    """A reader's frame with no rows."""
    return pl.DataFrame(schema=frame_schema(columns))


@dataclass(frozen=True)
class NotMeasurement:
    """A record that is not a measurement, skipped (never stored as zero): where it is and
    why, without its health value in logs beyond the offending key's."""

    index: int  # position in the file (array index, record number, message number)
    key: str  # the key, attribute or field that disqualifies it
    value: str  # what it held (e.g. "0.0", "UNKNOWN", "no stages")
    expected: str  # what a measurement holds

    def describe(self, path: str) -> str:
        return f"{path} [{self.index}] {self.key}={self.value}: not a measurement ({self.expected})"


@dataclass
class WellnessRead:
    """What one input file gave: a frame per raw table (keyed by WELLNESS_TABLES names; a
    table the file does not feed is absent or empty), Apple food records, and what was
    skipped."""

    source_kind: str
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    nutrition: pl.DataFrame | None = None  # NUTRITION_RECORDS frame (Apple Health)
    skipped: list[NotMeasurement] = field(default_factory=list)
    #: records recognised but not used, by type (Apple: HK type identifier or element name)
    not_used: dict[str, int] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        rows = sum(f.height for f in self.tables.values())
        return rows + (self.nutrition.height if self.nutrition is not None else 0)


#: Measures chosen downstream when several sources speak for one athlete and day: the first
#: source kind listed that has a value wins (within a kind, the latest record).
#: Garmin's export is the watch's own processed value; its FIT twin carries the same
#: night or reading; Apple's copies of Garmin data ("Connect") come last.
PRECEDENCE: dict[str, tuple[str, ...]] = {
    "sleep": ("garmin_json", "garmin_fit", "apple_health"),
    "resting_hr": ("garmin_json", "garmin_fit", "apple_health"),
    "hrv": ("garmin_json", "garmin_fit", "apple_health", "activity_fit"),
    "body": ("garmin_fit", "garmin_json", "apple_health"),
}
