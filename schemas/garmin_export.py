"""The Garmin Connect account export ("Export your data") as data: which JSON files are read
for sleep, resting HR, HRV and body composition, which are recognised but not used, and the
keys and units the readers take from each (`transforms/wellness/garmin_export.py`).

Files are recognised by their base name alone, in any case, wherever they sit: a folder at
any depth (`DI_CONNECT/DI-Connect-Wellness/...`, or the 2018 layout's `DI-Connect-User`),
or a zip member written `export.zip!DI_CONNECT/.../x.json`. Every file is a top-level JSON
array of day or record objects. Shapes, units and hazards: `shared/docs/formats-wellness.md`
section 1 (sources listed there, section 6).
"""

from __future__ import annotations

import re
from typing import Literal

from schemas.nutrition import MAX_BODY_WEIGHT_KG, MIN_BODY_WEIGHT_KG
from schemas.plausibility import HEART_RATE_MIN_BPM

#: raw.*.source_kind of every row these files give.
SOURCE_KIND = "garmin_json"

Role = Literal["uds", "sleep", "health_status", "biometrics"]

#: Files read, by base-name pattern (any case): the reader role of each.
READ: tuple[tuple[re.Pattern[str], Role], ...] = (
    (re.compile(r"^udsfile_.*\.json$", re.IGNORECASE), "uds"),
    (re.compile(r"(?:^|_)sleepdata\.json$", re.IGNORECASE), "sleep"),
    (re.compile(r"(?:^|_)healthstatusdata\.json$", re.IGNORECASE), "health_status"),
    (re.compile(r"(?:^|_)userbiometrics\.json$", re.IGNORECASE), "biometrics"),
)

#: Files recognised but not used, by base-name pattern (any case): what each holds. Names
#: from formats-wellness.md section 1.1 and public loaders of the export.
NOT_USED: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), description) for pattern, description in (
        (r"^hydrationlogfile_.*\.json$", "Garmin hydration log"),
        (r"(?:^|_)heartratezones\.json$", "Garmin heart-rate zone settings"),
        (r"(?:^|_)fitnessagedata\.json$", "Garmin fitness age"),
        (r"(?:^|_)biometrics_latest\.json$",
         "Garmin latest biometrics snapshot (the weigh-ins are read from *_userBioMetrics.json)"),
        (r"(?:^|_)userbiometricprofiledata\.json$",
         "Garmin biometric profile (the weigh-ins are read from *_userBioMetrics.json)"),
        (r"(?:^|_)summarizedactivities\.json$",
         "Garmin activity summaries (the FIT files are read instead)"),
        (r"^metricsacutetrainingload_.*\.json$", "Garmin acute training load"),
        (r"^trainingreadinessdto_.*\.json$", "Garmin training readiness"),
        (r"^metricsmaxmetdata_.*\.json$", "Garmin VO2max estimates"),
        (r"^metricsheataltitudeacclimation_.*\.json$", "Garmin heat and altitude acclimation"),
        (r"^traininghistory_.*\.json$", "Garmin training status history"),
        (r"^endurancescore_.*\.json$", "Garmin endurance score"),
        (r"^hillscore_.*\.json$", "Garmin hill score"),
        (r"^runracepredictions_.*\.json$", "Garmin race time predictions"),
        (r"^user_profile\.json$", "Garmin user profile"),
    ))


def base_name(name: str) -> str:
    """The base name of a path or of a zip member written `archive.zip!folder/member`."""
    return re.split(r"[/\\!]", name)[-1]


def garmin_json_role(name: str) -> Role | None:
    """The reader role of a Garmin export file (any folder, or `zip!member`), or None."""
    base = base_name(name)
    return next((role for pattern, role in READ if pattern.search(base)), None)


def garmin_not_used(name: str) -> str | None:
    """What a Garmin export file recognised but not used holds, or None (read, or unknown)."""
    base = base_name(name)
    return next((text for pattern, text in NOT_USED if pattern.search(base)), None)


#: What a file of each role is, in messages to the user.
ROLE_TEXT: dict[Role, str] = {
    "uds": "Garmin daily summary (UDSFile)",
    "sleep": "Garmin sleep data",
    "health_status": "Garmin health status (HRV)",
    "biometrics": "Garmin biometrics (weigh-ins)",
}
#: What a file of each role holds; a non-empty array none of whose elements has any of
#: these keys is not that file.
SIGNATURE_KEYS: dict[Role, tuple[str, ...]] = {
    "uds": ("calendarDate", "currentDayRestingHeartRate", "restingHeartRate"),
    "sleep": ("calendarDate", "sleepStartTimestampGMT", "sleepEndTimestampGMT", "napList"),
    "health_status": ("metrics",),
    "biometrics": ("weight", "metaData"),
}
#: The raw tables (schemas/wellness.py) each role feeds.
TABLES: dict[Role, tuple[str, ...]] = {
    "uds": ("resting_hr",),
    "sleep": ("sleep_sessions",),
    "health_status": ("hrv_measurements", "resting_hr"),
    "biometrics": ("body_composition",),
}

# ---- dates and instants -------------------------------------------------------------------
#: The local day of a record: `YYYY-MM-DD` (or a local date-time `YYYY-MM-DDTHH:MM:SS.0`),
#: or in 2018 exports an object {"date": "Jan 2, 2006 03:04:05 PM"} in this format.
CALENDAR_DATE = "calendarDate"
CALENDAR_DATE_2018_KEY = "date"
CALENDAR_DATE_2018_FORMAT = "%b %d, %Y %I:%M:%S %p"
#: Instants are ISO strings in UTC without a zone (`2024-03-01T21:41:00.0`) or epoch ms.

# ---- UDSFile_*.json: one object per local day ------------------------------------------------
#: Resting HR of that day only, bpm (FIT current_day_resting_heart_rate).
UDS_RHR_DAY = "currentDayRestingHeartRate"
#: Garmin's 7-day average resting HR, bpm (FIT resting_heart_rate), kept apart.
UDS_RHR_7D = "restingHeartRate"
#: When the day's resting HR was stamped, epoch ms (1 source).
UDS_RHR_TIMESTAMP = "restingHeartRateTimestamp"
#: Lowest resting HR kept, bpm: the edge of any human heart rate (schemas/plausibility.py).
RESTING_HR_MIN_BPM = HEART_RATE_MIN_BPM
#: Highest resting HR kept, bpm. A resting rate above 100 bpm is tachycardia (American Heart
#: Association); Garmin's resting HR is the day's lowest 30-minute average, which does not
#: reach 120 bpm in a person able to run. Above it is a device fault (trail-coach saw
#: outliers in currentDayRestingHeartRate on real data, formats-wellness.md 1.3).
RESTING_HR_MAX_BPM = 120.0

# ---- *_sleepData.json: one object per night (calendarDate = the wake-up day) ---------------
SLEEP_START = "sleepStartTimestampGMT"
SLEEP_END = "sleepEndTimestampGMT"
SLEEP_WINDOW = "sleepWindowConfirmationType"
#: Stage keys, s, and the raw.sleep_sessions column each fills. Asleep = deep + light + REM;
#: REM is absent or null on devices without REM, then asleep = deep + light.
SLEEP_STAGES: tuple[tuple[str, str], ...] = (
    ("deepSleepSeconds", "deep_s"),
    ("lightSleepSeconds", "light_s"),
    ("remSleepSeconds", "rem_s"),
)
SLEEP_AWAKE = "awakeSleepSeconds"
#: Windows Garmin did not confirm: a default window (no stages) and a watch off the wrist.
#: Their rows are `measured` false.
UNMEASURED_WINDOWS = ("UNCONFIRMED", "OFF_WRIST")
#: The window Garmin writes when it detected no sleep and set its default bedtime window.
DEFAULT_WINDOW = "UNCONFIRMED"
#: Naps: `napList` items (key names from one parser, formats-wellness.md 1.2), stored as
#: rows of window_type NAP_WINDOW.
NAP_LIST = "napList"
NAP_START = "napStartTimestampGMT"
NAP_END = "napEndTimestampGMT"
NAP_SECONDS = "napTimeSec"
NAP_WINDOW = "NAP"

# ---- *_healthStatusData.json: daily HRV and resting HR against Garmin's baselines ------------
METRICS = "metrics"
METRIC_TYPE = "type"
METRIC_VALUE = "value"
METRIC_LOW = "baselineLowerLimit"
METRIC_HIGH = "baselineUpperLimit"
METRIC_STATUS = "status"
#: Overnight HRV, ms (rMSSD-based per third-party descriptions): raw.hrv_measurements with
#: measure HRV_MEASURE.
METRIC_HRV = "HRV"
HRV_MEASURE = "garmin_overnight"
#: Resting HR of the day, bpm: raw.resting_hr with no 7-day value.
METRIC_HR = "HR"
#: Several records of one day in one file: the latest update wins.
HEALTH_UPDATED = "updateTimestampUTC"

# ---- *_userBioMetrics.json: profile snapshots; weigh-ins carry a nested `weight` object ------
BIO_META = "metaData"
#: metaData.calendarDate: the LOCAL date-time of the weigh-in (`2024-03-02T07:31:10.0`).
BIO_WEIGHT = "weight"
BIO_TIMESTAMP = "timestampGMT"
BIO_SOURCE = "sourceType"
GRAMS_PER_KG = 1000.0
#: Masses in grams: key -> raw.body_composition column in kg (weight itself is BIO_WEIGHT).
BIO_MASSES_G: tuple[tuple[str, str], ...] = (
    ("muscleMass", "muscle_mass_kg"),
    ("boneMass", "bone_mass_kg"),
)
#: Percentages 0-100: key -> column.
BIO_PERCENTS: tuple[tuple[str, str], ...] = (
    ("bodyFat", "body_fat_pct"),
    ("bodyWater", "body_water_pct"),
)
#: A weight outside this range, kg, is not a weigh-in (a value in kg or lb read as grams,
#: a typo): the range the nutrition weigh-in exports use (schemas/nutrition.py).
WEIGHT_MIN_KG = MIN_BODY_WEIGHT_KG
WEIGHT_MAX_KG = MAX_BODY_WEIGHT_KG
