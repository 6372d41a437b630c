"""Read the JSON files of a Garmin Connect account export into the raw wellness tables.

`read_garmin_json(data, name)` reads one file, chosen by its base name
(`schemas.garmin_export.garmin_json_role`), into a `WellnessRead` of source kind
`garmin_json`. Every row keeps the array index of its record (`source_index`); a record
that is not a measurement is skipped and listed (`WellnessRead.skipped`: index, key, what it
held, what a measurement holds), never stored as zero; so is a value nulled in a row that
is kept (an implausible 7-day resting HR beside a good day's value, a muscle mass above the
weight, a nap without seconds in a night's record). A record with a date or instant the
reader cannot read is skipped, never half-read. Raw keeps what each file says:
a day that two overlapping chunks both hold gives a row per file, chosen once downstream.

Per file (keys and units: `schemas/garmin_export.py`):

* `UDSFile_*.json` -> resting_hr: the day's resting HR (`currentDayRestingHeartRate`) and
  Garmin's 7-day average (`restingHeartRate`) kept apart, on the local `calendarDate`
  (`YYYY-MM-DD`, or the 2018 object `{"date": "Mar 2, 2018 12:00:00 AM"}`), stamped by
  `restingHeartRateTimestamp` (epoch ms) where present. A value outside 25-120 bpm is null
  and listed; a day with neither value (not worn: header keys only) is skipped. Steps,
  stress, body battery, SpO2, respiration and hydration are not used.
* `*_sleepData.json` -> sleep_sessions, one row per night on its wake-up day
  (`calendarDate`), start and end from the GMT timestamps (UTC without a zone, or epoch
  ms). asleep_s = deep + light + REM (REM absent or null on devices without REM: deep +
  light). `measured` is true when a stage holds seconds and the window is confirmed.
  An `UNCONFIRMED` window without stages is Garmin's default bedtime window: kept as a
  row with `measured` false and asleep_s null, so the mart can say the night was a default
  window, not a measurement. A night without stage seconds of any other window (an
  `OFF_WRIST` night with zero stages) is skipped and listed. A record with no night
  (nap-only `{"napList": [...]}` or `{"retro": false}` stubs) gives no night row and is
  listed unless it held naps. Naps (`napList`) are rows of their own, window_type `NAP`,
  asleep_s = `napTimeSec`, no stages: a day's night sleep excludes them.
* `*_healthStatusData.json` -> hrv_measurements (measure `garmin_overnight`: metric `HRV`,
  ms, with Garmin's baseline band where it has formed: lower > 0 and upper > lower; status
  as written) and resting_hr (metric `HR`, bpm, the day's value only; no 7-day value, no
  instant), so a day whose UDS value is missing or implausible still has Garmin's own
  resting HR. HRV 0 (status UNKNOWN: not measured) is listed, not stored. Several records
  of one date in one file: the latest `updateTimestampUTC` is read (the later record on a
  tie), the others are listed as replaced. SpO2, respiration and skin temperature are not
  used.
* `*_userBioMetrics.json` -> body_composition, one row per element with a nested `weight`
  object: weight, muscle and bone mass in grams -> kg, body fat and water in %, a
  composition value of 0 (failed impedance) null while the weight is kept, fat-free mass
  = weight x (1 - body fat / 100) where body fat is known; local day and time from
  `metaData.calendarDate` (a local date-time), the instant from `weight.timestampGMT` (ISO
  or epoch ms), source_name from `weight.sourceType` (INDEX_SCALE, MANUAL, ...). A weight
  of 0 g or outside 25-300 kg is listed, not stored. Elements without a `weight` object
  are profile settings (height, thresholds, VO2max), not measurements: not read, not
  listed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time

import polars as pl

from schemas import garmin_export as g
from schemas.plausibility import EARLIEST_LOCAL_DATE
from schemas.wellness import WELLNESS_TABLES, NotMeasurement, WellnessRead, frame_schema

__all__ = ["read_garmin_json"]

Row = tuple[str, dict[str, object]]  # (raw table, its columns)
Note = Callable[[str, object, str], None]  # (key, value, expected): list a value not kept

#: A key the record does not have (shown as "absent"; JSON null is shown as "null").
_ABSENT = object()
_RHR_EXPECTED = (f"a resting HR of {g.RESTING_HR_MIN_BPM:.0f}-{g.RESTING_HR_MAX_BPM:.0f} bpm "
                 "; absent on a day the watch was not worn")
_INSTANT_EXPECTED = "a UTC date-time (ISO without zone, or epoch ms) since 1990"
_DATE_EXPECTED = "a local date YYYY-MM-DD (or the 2018 {\"date\": ...} object) since 1990"
_NO_STAGES_KEY = ",".join(key for key, _ in g.SLEEP_STAGES)


class _Skip(Exception):  # noqa: N818 (a control-flow signal, not an error)
    """The record is not a measurement: the key that says so, what it held, what a
    measurement holds."""

    def __init__(self, key: str, value: object, expected: str) -> None:
        super().__init__(key)
        self.key, self.value, self.expected = key, _shown(value), expected


def _shown(value: object) -> str:
    if value is _ABSENT:
        return "absent"
    if isinstance(value, str):
        return value
    return json.dumps(value)[:60]


# ---- reading values -------------------------------------------------------------------------

def _object(record: dict, key: str, where: str | None = None) -> dict | None:
    """The object under `key`, None where absent or null."""
    value = record.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise _Skip(where or key, value, "an object")


def _number(record: dict, key: str, where: str | None = None) -> float | None:
    """The finite number under `key`, None where absent or null."""
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Skip(where or key, value, "a number")
    return float(value)


def _seconds(record: dict, key: str, where: str | None = None) -> float | None:
    value = _number(record, key, where)
    if value is not None and value < 0:
        raise _Skip(where or key, record[key], "seconds, 0 or more")
    return value


def _text(record: dict, key: str) -> str | None:
    value = record.get(key)
    return None if value is None else value if isinstance(value, str) else json.dumps(value)


def _local_moment(value: object, where: str) -> tuple[date, time | None] | None:
    """A local day and, where written, time of day: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS.0`
    or the 2018 object {"date": "Jan 2, 2006 03:04:05 PM"}; None where absent or null."""
    if value is None:
        return None
    try:
        if isinstance(value, str) and len(value.strip()) == len("YYYY-MM-DD"):
            moment, clock = datetime.fromisoformat(value.strip()), None
        elif isinstance(value, str):
            moment = datetime.fromisoformat(value.strip())
            clock = moment.time()
        elif isinstance(value, dict) and isinstance(value.get(g.CALENDAR_DATE_2018_KEY), str):
            text = " ".join(value[g.CALENDAR_DATE_2018_KEY].replace("\u202f", " ").split())
            moment = datetime.strptime(text, g.CALENDAR_DATE_2018_FORMAT)
            clock = moment.time()
        else:
            raise ValueError(value)
    except ValueError:
        raise _Skip(where, value, _DATE_EXPECTED) from None
    if moment.date() < EARLIEST_LOCAL_DATE:
        raise _Skip(where, value, _DATE_EXPECTED)
    return moment.date(), clock


def _local_date(record: dict, key: str = g.CALENDAR_DATE, where: str | None = None
                ) -> date | None:
    moment = _local_moment(record.get(key), where or key)
    return None if moment is None else moment[0]


def _instant(record: dict, key: str, where: str | None = None) -> datetime | None:
    """A UTC instant: an ISO string (no zone: UTC) or epoch ms; None where absent or null."""
    value = record.get(key)
    if value is None:
        return None
    try:
        if isinstance(value, str):
            moment = datetime.fromisoformat(value.strip())
            moment = (moment.replace(tzinfo=UTC) if moment.tzinfo is None
                      else moment.astimezone(UTC))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(value / 1000, UTC)
        else:
            raise ValueError(value)
    except (ValueError, OverflowError, OSError):
        raise _Skip(where or key, value, _INSTANT_EXPECTED) from None
    if moment.date() < EARLIEST_LOCAL_DATE:
        raise _Skip(where or key, value, _INSTANT_EXPECTED)
    return moment


def _window(record: dict, start_key: str, end_key: str, where: str = ""
            ) -> tuple[datetime | None, datetime | None]:
    start = _instant(record, start_key, where + start_key)
    end = _instant(record, end_key, where + end_key)
    if start is not None and end is not None and end <= start:
        raise _Skip(where + end_key, record[end_key], f"an instant after {start_key}")
    return start, end


def _plausible_rhr(bpm: float | None) -> float | None:
    ok = bpm is not None and g.RESTING_HR_MIN_BPM <= bpm <= g.RESTING_HR_MAX_BPM
    return bpm if ok else None


# ---- UDSFile_*.json -----------------------------------------------------------------------

_UDS_VALUES = ((g.UDS_RHR_DAY, "resting_hr_bpm"), (g.UDS_RHR_7D, "resting_hr_7d_bpm"))


def _uds_rows(index: int, record: dict, note: Note) -> list[Row]:
    day = _required_day(record)
    stamped = _instant(record, g.UDS_RHR_TIMESTAMP)
    written = {key: _number(record, key) for key, _ in _UDS_VALUES}
    kept = {column: _plausible_rhr(written[key]) for key, column in _UDS_VALUES}
    wrong = [key for key, column in _UDS_VALUES
             if written[key] is not None and kept[column] is None]
    if all(value is None for value in kept.values()):
        key = wrong[0] if wrong else g.UDS_RHR_DAY
        raise _Skip(key, record.get(key, _ABSENT), _RHR_EXPECTED)
    for key in wrong:
        note(key, record[key], _RHR_EXPECTED)
    return [("resting_hr", {"source_name": None, "local_date": day,
                            "timestamp_utc": stamped, **kept})]


def _required_day(record: dict) -> date:
    day = _local_date(record)
    if day is None:
        raise _Skip(g.CALENDAR_DATE, record.get(g.CALENDAR_DATE, _ABSENT), _DATE_EXPECTED)
    return day


# ---- *_sleepData.json ---------------------------------------------------------------------

_NIGHT_KEYS = (g.CALENDAR_DATE, g.SLEEP_START, g.SLEEP_END, *(k for k, _ in g.SLEEP_STAGES))


def _sleep_rows(index: int, record: dict, note: Note) -> list[Row]:
    naps = _nap_rows(record, note)
    if not any(key in record for key in _NIGHT_KEYS):
        if naps:
            return naps
        raise _Skip(g.CALENDAR_DATE, _ABSENT, "a night: its wake-up day, window and stages")
    return [*naps, ("sleep_sessions", _night(record))]


def _night(record: dict) -> dict[str, object]:
    wake = _local_date(record)
    start, end = _window(record, g.SLEEP_START, g.SLEEP_END)
    if wake is None and end is None:
        raise _Skip(g.CALENDAR_DATE, record.get(g.CALENDAR_DATE, _ABSENT),
                    "the wake-up day (or at least the sleep end)")
    window = _text(record, g.SLEEP_WINDOW)
    stages = {column: _seconds(record, key) for key, column in g.SLEEP_STAGES}
    awake = _seconds(record, g.SLEEP_AWAKE)
    staged = any(seconds for seconds in stages.values())
    if not staged and not (window == g.DEFAULT_WINDOW and start and end):
        if window == "OFF_WRIST":
            raise _Skip(g.SLEEP_WINDOW, window, "a night the watch was worn, with stages")
        shown = ", ".join(_shown(record.get(key, _ABSENT)) for key, _ in g.SLEEP_STAGES)
        raise _Skip(_NO_STAGES_KEY, f"no stages ({shown})", "stage seconds above 0")
    if not staged:  # Garmin's default window: nothing measured in it
        stages = dict.fromkeys(stages)
    return {"source_name": None, "wake_date": wake, "start_utc": start, "end_utc": end,
            "asleep_s": sum(s for s in stages.values() if s) if staged else None,
            **stages, "awake_s": awake if staged else None,
            "measured": staged and window not in g.UNMEASURED_WINDOWS,
            "window_type": window}


def _nap_rows(record: dict, note: Note) -> list[Row]:
    naps = record.get(g.NAP_LIST)
    if naps is None:
        return []
    if not isinstance(naps, list):
        note(g.NAP_LIST, naps, "a list of naps")
        return []
    rows = []
    for position, nap in enumerate(naps):
        where = f"{g.NAP_LIST}[{position}]."
        try:
            rows.append(("sleep_sessions", _nap(nap, where)))
        except _Skip as skip:
            note(skip.key, skip.value, skip.expected)
    return rows


def _nap(nap: object, where: str) -> dict[str, object]:
    if not isinstance(nap, dict):
        raise _Skip(where.rstrip("."), nap, "an object")
    wake = _local_date(nap, where=where + g.CALENDAR_DATE)
    start, end = _window(nap, g.NAP_START, g.NAP_END, where)
    seconds = _seconds(nap, g.NAP_SECONDS, where + g.NAP_SECONDS)
    if not seconds:
        raise _Skip(where + g.NAP_SECONDS, nap.get(g.NAP_SECONDS, _ABSENT), "nap seconds above 0")
    if wake is None and end is None:
        raise _Skip(where + g.CALENDAR_DATE, _ABSENT, "the nap's day (or at least its end)")
    return {"source_name": None, "wake_date": wake, "start_utc": start, "end_utc": end,
            "asleep_s": seconds, "deep_s": None, "light_s": None, "rem_s": None,
            "awake_s": None, "measured": True, "window_type": g.NAP_WINDOW}


# ---- *_healthStatusData.json ------------------------------------------------------------------

def _health_rows(replaced: dict[int, int]) -> Callable[[int, dict, Note], list[Row]]:
    """The reader of health-status records, `replaced` mapping a record's index to the
    index of the later record of its date that is read instead."""

    def rows(index: int, record: dict, note: Note) -> list[Row]:
        day = _required_day(record)
        if index in replaced:
            raise _Skip(g.HEALTH_UPDATED, record.get(g.HEALTH_UPDATED, _ABSENT),
                        f"the latest record of its day (record {replaced[index]} replaces it)")
        metrics = record.get(g.METRICS)
        if not isinstance(metrics, list):
            raise _Skip(g.METRICS, record.get(g.METRICS, _ABSENT), "a list of metrics")
        by_type = {m[g.METRIC_TYPE]: m for m in reversed(metrics)
                   if isinstance(m, dict) and isinstance(m.get(g.METRIC_TYPE), str)}
        return [*_hrv_row(day, by_type.get(g.METRIC_HRV), note),
                *_health_rhr_row(day, by_type.get(g.METRIC_HR), note)]

    return rows


def _hrv_row(day: date, metric: dict | None, note: Note) -> list[Row]:
    if metric is None:
        return []
    where = f"{g.METRICS}[{g.METRIC_HRV}]."
    hrv = _number(metric, g.METRIC_VALUE, where + g.METRIC_VALUE)
    status = _text(metric, g.METRIC_STATUS)
    if hrv is None or hrv <= 0:
        note(where + g.METRIC_VALUE, metric.get(g.METRIC_VALUE, _ABSENT),
             f"an overnight HRV above 0 ms; status {status}")
        return []
    low = _number(metric, g.METRIC_LOW, where + g.METRIC_LOW)
    high = _number(metric, g.METRIC_HIGH, where + g.METRIC_HIGH)
    formed = low is not None and high is not None and 0 < low < high
    return [("hrv_measurements", {
        "source_name": None, "local_date": day, "timestamp_utc": None, "hrv_ms": hrv,
        "measure": g.HRV_MEASURE, "baseline_low_ms": low if formed else None,
        "baseline_high_ms": high if formed else None, "status": status})]


def _health_rhr_row(day: date, metric: dict | None, note: Note) -> list[Row]:
    if metric is None:
        return []
    where = f"{g.METRICS}[{g.METRIC_HR}].{g.METRIC_VALUE}"
    bpm = _plausible_rhr(_number(metric, g.METRIC_VALUE, where))
    if bpm is None:
        note(where, metric.get(g.METRIC_VALUE, _ABSENT), _RHR_EXPECTED)
        return []
    return [("resting_hr", {"source_name": None, "local_date": day, "timestamp_utc": None,
                            "resting_hr_bpm": bpm, "resting_hr_7d_bpm": None})]


def _replaced_records(records: list[dict]) -> dict[int, int]:
    """Index of each health-status record -> the index of the record of the same date read
    instead: the latest `updateTimestampUTC` (unreadable or absent: earliest), then the
    later position."""
    latest: dict[date, tuple[datetime, int]] = {}
    replaced: dict[int, int] = {}
    for index, record in enumerate(records):
        try:
            day = _local_date(record)
            updated = _instant(record, g.HEALTH_UPDATED)
        except _Skip:
            continue  # read (and listed) as it is
        if day is None:
            continue
        key = (updated or datetime.min.replace(tzinfo=UTC), index)
        if day in latest:
            loser, winner = sorted((latest[day], key))
            replaced[loser[1]] = winner[1]
            key = winner
        latest[day] = key
    return {loser: _final(replaced, winner) for loser, winner in replaced.items()}


def _final(replaced: dict[int, int], index: int) -> int:
    while index in replaced:
        index = replaced[index]
    return index


# ---- *_userBioMetrics.json --------------------------------------------------------------------

_WEIGHT_KEY = f"{g.BIO_WEIGHT}.{g.BIO_WEIGHT}"
_WEIGHT_EXPECTED = (f"a body weight of {g.WEIGHT_MIN_KG * g.GRAMS_PER_KG:.0f}-"
                    f"{g.WEIGHT_MAX_KG * g.GRAMS_PER_KG:.0f} g")


def _biometrics_rows(index: int, record: dict, note: Note) -> list[Row]:
    weighed = _object(record, g.BIO_WEIGHT)
    if weighed is None:
        return []  # a profile setting (height, thresholds), not a weigh-in
    grams = _number(weighed, g.BIO_WEIGHT, _WEIGHT_KEY)
    weight_kg = None if grams is None else grams / g.GRAMS_PER_KG
    if weight_kg is None or not g.WEIGHT_MIN_KG <= weight_kg <= g.WEIGHT_MAX_KG:
        raise _Skip(_WEIGHT_KEY, weighed.get(g.BIO_WEIGHT, _ABSENT), _WEIGHT_EXPECTED)
    where = f"{g.BIO_META}.{g.CALENDAR_DATE}"
    meta = _object(record, g.BIO_META) or {}
    local = _local_moment(meta.get(g.CALENDAR_DATE), where)
    stamped = _instant(weighed, g.BIO_TIMESTAMP, f"{g.BIO_WEIGHT}.{g.BIO_TIMESTAMP}")
    if local is None and stamped is None:
        raise _Skip(where, _ABSENT, f"a day for the weigh-in (or {g.BIO_WEIGHT}."
                                    f"{g.BIO_TIMESTAMP})")
    composition = _composition(weighed, weight_kg, note)
    fat = composition["body_fat_pct"]
    return [("body_composition", {
        "source_name": _text(weighed, g.BIO_SOURCE),
        "local_date": None if local is None else local[0],
        "local_time": None if local is None else local[1],
        "timestamp_utc": stamped, "weight_kg": weight_kg, **composition,
        "fat_free_mass_kg": None if fat is None else weight_kg * (1 - fat / 100)})]


def _composition(weighed: dict, weight_kg: float, note: Note) -> dict[str, float | None]:
    """Muscle and bone mass (g -> kg, below the weight) and body fat and water (%, 0-100).
    0 is a failed impedance reading: null. Other values out of range: null and listed."""
    out: dict[str, float | None] = {}
    for key, column, scale, limit, expected in (
            *((k, c, g.GRAMS_PER_KG, weight_kg, "grams below the body weight")
              for k, c in g.BIO_MASSES_G),
            *((k, c, 1.0, 100.0, "a percentage 0-100") for k, c in g.BIO_PERCENTS)):
        where = f"{g.BIO_WEIGHT}.{key}"
        try:
            value = _number(weighed, key, where)
        except _Skip as skip:
            note(skip.key, skip.value, skip.expected)
            value = None
        value = None if value is None else value / scale
        if value is not None and value != 0 and not 0 < value < limit:
            note(where, weighed[key], expected)
        out[column] = value if value is not None and 0 < value < limit else None
    return out


# ---- the file -------------------------------------------------------------------------------

_READERS: dict[g.Role, Callable[[list[dict]], Callable[[int, dict, Note], list[Row]]]] = {
    "uds": lambda _records: _uds_rows,
    "sleep": lambda _records: _sleep_rows,
    "health_status": lambda records: _health_rows(_replaced_records(records)),
    "biometrics": lambda _records: _biometrics_rows,
}


def read_garmin_json(data: bytes, name: str) -> WellnessRead:
    """The raw wellness rows of one Garmin export JSON file (`name`: its path or
    `zip!member`, only the base name counts), with the records that are not measurements.

    Raises ValueError, saying what was expected, when the name is not a file read here or
    the content is not what the name promises: not JSON, not a top-level array of objects,
    or no element with any key such a file has."""
    base = g.base_name(name)
    role = g.garmin_json_role(name)
    if role is None:
        raise ValueError(f"{base}: not a Garmin export file read for sleep, resting HR, HRV "
                         "or body composition")
    records = _records(data, base, role)
    rows, skipped = _walk(records, _READERS[role](records))
    tables = {table: pl.from_dicts(rows.get(table, []),
                                   schema=frame_schema(WELLNESS_TABLES[table]))
              for table in g.TABLES[role]}
    return WellnessRead(source_kind=g.SOURCE_KIND, tables=tables, skipped=skipped)


def _records(data: bytes, base: str, role: g.Role) -> list[dict]:
    what = f"a {g.ROLE_TEXT[role]} file is a JSON array of records"
    try:
        parsed = json.loads(data)
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{base}: not JSON ({error}); {what}: take it again from the "
                         "export zip") from None
    if not isinstance(parsed, list):
        raise ValueError(f"{base}: a JSON {type(parsed).__name__}, not an array; {what}")
    for index, record in enumerate(parsed):
        if not isinstance(record, dict):
            raise ValueError(f"{base}: element {index} is a {type(record).__name__}, not an "
                             f"object; {what}")
    keys = g.SIGNATURE_KEYS[role]
    if parsed and not any(key in record for record in parsed for key in keys):
        raise ValueError(f"{base}: none of its {len(parsed)} records has any of "
                         f"{', '.join(keys)}; not a {g.ROLE_TEXT[role]} file")
    return parsed


def _walk(records: Iterable[dict], rows_of: Callable[[int, dict, Note], list[Row]]
          ) -> tuple[dict[str, list[dict[str, object]]], list[NotMeasurement]]:
    """Rows per raw table of every record, each with its source kind and index, and the
    records and values that are not measurements."""
    rows: dict[str, list[dict[str, object]]] = {}
    skipped: list[NotMeasurement] = []
    for index, record in enumerate(records):
        def note(key: str, value: object, expected: str, index: int = index) -> None:
            skipped.append(NotMeasurement(index, key, _shown(value), expected))

        try:
            found = rows_of(index, record, note)
        except _Skip as skip:
            skipped.append(NotMeasurement(index, skip.key, skip.value, skip.expected))
            continue
        for table, row in found:
            rows.setdefault(table, []).append(
                {"source_kind": g.SOURCE_KIND, "source_index": index, **row})
    return rows, skipped
