"""The Garmin account-export JSON readers, over the example export in
../shared/fixtures/wellness/garmin_export and over JSON written here. Expected values are
the files' own numbers converted by hand (grams / 1000, stage seconds added up)."""

from __future__ import annotations

import json
import random
import zipfile
from datetime import UTC, date, datetime, time
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.garmin_export import garmin_json_role, garmin_not_used
from schemas.wellness import NotMeasurement, WellnessRead
from tests.helpers import SHARED
from transforms.wellness.garmin_export import read_garmin_json

EXPORT = SHARED / "fixtures" / "wellness" / "garmin_export"
AGGREGATOR = "DI_CONNECT/DI-Connect-Aggregator"
WELLNESS = "DI_CONNECT/DI-Connect-Wellness"
NEW_UDS = f"{AGGREGATOR}/UDSFile_2024-03-01_2024-06-09.json"
OLD_UDS = f"{AGGREGATOR}/UDSFile_2023-11-23_2024-03-02.json"
SLEEP = f"{WELLNESS}/2024-03-01_2024-06-09_123456789_sleepData.json"
HEALTH = f"{WELLNESS}/2024-03-01_2024-06-09_123456789_healthStatusData.json"
BIO = f"{WELLNESS}/123456789_userBioMetrics.json"


def example(member: str) -> WellnessRead:
    """The reader's result over one file of the example export (skips where it is absent)."""
    path = EXPORT / member
    if not path.exists():
        pytest.skip(f"the example Garmin export is not at {EXPORT} (the shared/ folder "
                    "beside the repository); the tests over JSON written here still run")
    return read_garmin_json(path.read_bytes(), str(path))


def read(records: list[dict], name: str) -> WellnessRead:
    return read_garmin_json(json.dumps(records).encode(), name)


def skipped(result: WellnessRead) -> set[tuple[int, str]]:
    return {(s.index, s.key) for s in result.skipped}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# ---- names ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "role"), [
    ("UDSFile_2024-03-01_2024-06-09.json", "uds"),
    ("export/DI-Connect-User/udsfile_2018-01-01_2018-04-10.JSON", "uds"),
    ("a_1.zip!DI_CONNECT/DI-Connect-Wellness/2024-03-01_2024-06-09_1_sleepData.json", "sleep"),
    ("C:\\x\\1_2_3_HEALTHSTATUSDATA.json", "health_status"),
    ("deep/er/still/123456789_userBioMetrics.json", "biometrics"),
    ("123_bioMetrics_latest.json", None),
    ("HydrationLogFile_2024-03-01_2024-06-09.json", None),
    ("sleepData.json.bak", None),
    ("UDSFile_2024.zip!readme.txt", None),
    ("notes.json", None),
])
def test_the_role_comes_from_the_base_name_in_any_case_folder_or_zip(name, role) -> None:
    assert garmin_json_role(name) == role


@pytest.mark.parametrize(("name", "words"), [
    ("HydrationLogFile_2024-03-01_2024-06-09.json", "hydration"),
    ("a.zip!DI_CONNECT/DI-Connect-Wellness/123_heartRateZones.json", "zone"),
    ("123_fitnessAgeData.json", "fitness age"),
    ("123_bioMetrics_latest.json", "biometrics"),
    ("runner@example.com_0_summarizedActivities.json", "FIT files are read instead"),
    ("MetricsAcuteTrainingLoad_20240101_20240410_1.json", "training load"),
    ("TrainingReadinessDTO_20240101_20240410_1.json", "readiness"),
    ("MetricsMaxMetData_20240101_20240410_1.json", "VO2max"),
    ("DI_CONNECT/DI-Connect-User/user_profile.json", "profile"),
])
def test_files_recognised_but_not_used_say_what_they_hold(name, words) -> None:
    assert words in garmin_not_used(name)
    assert garmin_json_role(name) is None


def test_read_files_and_unknown_files_are_not_listed_as_not_used() -> None:
    assert garmin_not_used("1_sleepData.json") is None
    assert garmin_not_used("holiday_photos.json") is None


def test_a_name_no_reader_reads_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Garmin export file read"):
        read_garmin_json(b"[]", "DI_CONNECT/x_summarizedActivities.json")


# ---- content that is not what the name promises ---------------------------------------------

@pytest.mark.parametrize(("data", "message"), [
    (b'[{"calendarDate": "2024-03-02",', "not JSON"),
    (b"\xff\xfe\x00garbage", "not JSON"),
    (b'{"calendarDate": "2024-03-02"}', "a JSON dict, not an array"),
    (b'[{"calendarDate": "2024-03-02"}, 7]', "element 1 is a int, not an object"),
    (b'[{"steps": 1}, {"other": 2}]', "none of its 2 records has any of calendarDate"),
])
def test_malformed_content_raises_naming_what_was_expected(data, message) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        read_garmin_json(data, "x/UDSFile_2024-01-01_2024-04-10.json")
    text = str(raised.value)
    assert "UDSFile_2024-01-01_2024-04-10.json" in text
    assert any(expected in text for expected in ("is a JSON array of records",
                                                 "not a Garmin daily summary (UDSFile)"))


def test_an_empty_array_is_a_file_without_rows() -> None:
    result = read([], "1_healthStatusData.json")
    assert result.source_kind == "garmin_json"
    assert {t: f.height for t, f in result.tables.items()} == {"hrv_measurements": 0,
                                                               "resting_hr": 0}
    assert result.skipped == []


# ---- UDSFile: resting HR ----------------------------------------------------------------------

def test_uds_keeps_the_day_and_7_day_resting_hr_apart() -> None:
    frame = example(NEW_UDS).tables["resting_hr"].sort("local_date")
    # the file's currentDayRestingHeartRate / restingHeartRate per day
    assert frame.select("local_date", "resting_hr_bpm", "resting_hr_7d_bpm").rows() == [
        (date(2024, 3, 2), 47.0, 49.0), (date(2024, 3, 3), 50.0, 49.0),
        (date(2024, 3, 4), 47.0, 49.0)]
    assert frame["source_index"].to_list() == [0, 1, 2]
    assert set(frame["source_kind"]) == {"garmin_json"}


def test_a_not_worn_day_is_not_a_measurement() -> None:
    result = example(NEW_UDS)
    assert skipped(result) == {(3, "currentDayRestingHeartRate")}
    assert result.skipped[0].value == "absent"


def test_a_day_in_two_overlapping_chunks_appears_once_per_file() -> None:
    frames = [example(member).tables["resting_hr"] for member in (NEW_UDS, OLD_UDS)]
    per_file = [f.filter(pl.col("local_date") == date(2024, 3, 2)).height for f in frames]
    assert per_file == [1, 1]
    assert pl.concat(frames)["local_date"].value_counts().filter(
        pl.col("count") > 1)["local_date"].to_list() == [date(2024, 3, 2)]


def test_the_2018_calendar_date_object_and_an_epoch_ms_stamp() -> None:
    # 2024-03-02T00:00Z is 1,704,067,200 s (2024-01-01) + 61 days x 86,400 s = 1,709,337,600 s;
    # + 4 h 40 min (16,800 s) = 1,709,354,400 s.
    result = read([{"calendarDate": {"date": "Mar 2, 2018 12:00:00 AM"},
                    "currentDayRestingHeartRate": 52, "restingHeartRate": 54},
                   {"calendarDate": "2024-03-02", "currentDayRestingHeartRate": 47,
                    "restingHeartRateTimestamp": 1_709_354_400_000}],
                  "DI-Connect-User/UDSFile_2018-01-01_2018-04-10.json")
    assert result.tables["resting_hr"].select(
        "local_date", "timestamp_utc", "resting_hr_bpm", "resting_hr_7d_bpm").rows() == [
        (date(2018, 3, 2), None, 52.0, 54.0),
        (date(2024, 3, 2), utc(2024, 3, 2, 4, 40), 47.0, None)]


def test_an_implausible_resting_hr_is_null_and_listed_the_other_kept() -> None:
    result = read([{"calendarDate": "2024-03-02", "currentDayRestingHeartRate": 0,
                    "restingHeartRate": 49},
                   {"calendarDate": "2024-03-03", "currentDayRestingHeartRate": 190,
                    "restingHeartRate": 0}], "UDSFile_a.json")
    assert result.tables["resting_hr"].select(
        "local_date", "resting_hr_bpm", "resting_hr_7d_bpm").rows() == [
        (date(2024, 3, 2), None, 49.0)]
    assert [(s.index, s.key, s.value) for s in result.skipped] == [
        (0, "currentDayRestingHeartRate", "0"), (1, "currentDayRestingHeartRate", "190")]


# ---- sleepData --------------------------------------------------------------------------------

def test_a_night_across_midnight_is_on_its_wake_up_day_with_deep_light_rem_asleep() -> None:
    frame = example(SLEEP).tables["sleep_sessions"]
    night = frame.filter(pl.col("window_type") == "ENHANCED_CONFIRMED_FINAL").row(0, named=True)
    # 21:41Z -> 05:19Z is 23:41 -> 07:19 in the runner's UTC+2: it ends on 2024-03-02,
    # the file's calendarDate. Asleep: deep 5,220 + light 15,360 + REM 6,000 s.
    assert night["wake_date"] == date(2024, 3, 2)
    assert (night["start_utc"], night["end_utc"]) == (utc(2024, 3, 1, 21, 41),
                                                       utc(2024, 3, 2, 5, 19))
    assert night["asleep_s"] == 5220 + 15360 + 6000
    assert (night["deep_s"], night["light_s"], night["rem_s"], night["awake_s"]) == (
        5220, 15360, 6000, 900)
    assert night["measured"] is True
    assert night["source_index"] == 1


def test_the_default_window_is_kept_unmeasured_and_off_wrist_is_not_a_measurement() -> None:
    result = example(SLEEP)
    default = result.tables["sleep_sessions"].filter(pl.col("window_type") == "UNCONFIRMED")
    assert default.select("wake_date", "asleep_s", "deep_s", "measured").rows() == [
        (date(2024, 3, 3), None, None, False)]
    assert skipped(result) == {(4, "sleepWindowConfirmationType")}
    assert result.skipped[0].value == "OFF_WRIST"


def test_a_nap_stub_gives_its_nap_as_a_row_of_its_own() -> None:
    naps = example(SLEEP).tables["sleep_sessions"].filter(pl.col("window_type") == "NAP")
    # napList item of record 0: 12:40Z -> 13:05Z, napTimeSec 1,500 (25 min)
    assert naps.select("source_index", "wake_date", "start_utc", "asleep_s", "deep_s",
                       "measured").rows() == [
        (0, date(2024, 3, 2), utc(2024, 3, 2, 12, 40), 1500.0, None, True)]


def test_sleep_in_epoch_ms_without_rem_and_nights_without_stages() -> None:
    # 2024-03-02T05:00Z = 1,709,337,600 s + 18,000 s; the start 8 h (28,800 s) before
    records = [
        {"calendarDate": "2024-03-02", "sleepStartTimestampGMT": 1_709_326_800_000,
         "sleepEndTimestampGMT": 1_709_355_600_000, "deepSleepSeconds": 3000,
         "lightSleepSeconds": 18000, "remSleepSeconds": None, "awakeSleepSeconds": 600,
         "sleepWindowConfirmationType": "ENHANCED_CONFIRMED"},
        {"calendarDate": "2024-03-03", "sleepStartTimestampGMT": "2024-03-02T21:00:00.0",
         "sleepEndTimestampGMT": "2024-03-03T05:00:00.0", "deepSleepSeconds": 0,
         "lightSleepSeconds": 0, "sleepWindowConfirmationType": "ENHANCED_CONFIRMED_FINAL"},
        {"retro": False},
        {"calendarDate": "2024-03-05", "sleepStartTimestampGMT": "2024-03-05T05:00:00.0",
         "sleepEndTimestampGMT": "2024-03-04T21:00:00.0", "deepSleepSeconds": 100}]
    result = read(records, "x_sleepData.json")
    assert result.tables["sleep_sessions"].select(
        "start_utc", "end_utc", "asleep_s", "rem_s").rows() == [
        (utc(2024, 3, 1, 21), utc(2024, 3, 2, 5), 3000.0 + 18000.0, None)]
    assert skipped(result) == {(1, "deepSleepSeconds,lightSleepSeconds,remSleepSeconds"),
                               (2, "calendarDate"), (3, "sleepEndTimestampGMT")}
    assert result.skipped[0].value.startswith("no stages")


# ---- healthStatusData -------------------------------------------------------------------------

def test_overnight_hrv_with_its_baseline_and_hrv_0_unknown_not_a_measurement() -> None:
    result = example(HEALTH)
    hrv = result.tables["hrv_measurements"]
    assert hrv.select("source_index", "local_date", "hrv_ms", "measure", "baseline_low_ms",
                      "baseline_high_ms", "status").rows() == [
        (0, date(2024, 3, 2), 51.0, "garmin_overnight", 42.0, 55.0, "IN_RANGE"),
        (2, date(2024, 3, 4), 48.0, "garmin_overnight", 42.0, 55.0, "IN_RANGE")]
    assert [(s.index, s.key, s.value) for s in result.skipped] == [
        (1, "metrics[HRV].value", "0.0")]
    assert "UNKNOWN" in result.skipped[0].expected
    assert result.tables["resting_hr"].select(
        "local_date", "resting_hr_bpm", "resting_hr_7d_bpm").rows() == [
        (date(2024, 3, 2), 47.0, None), (date(2024, 3, 4), 47.0, None)]


def test_the_latest_update_of_a_day_is_read_and_the_older_listed() -> None:
    def record(updated: str, hrv: float, low: float, high: float) -> dict:
        return {"calendarDate": "2024-03-02", "updateTimestampUTC": updated,
                "metrics": [{"type": "HRV", "value": hrv, "baselineLowerLimit": low,
                             "baselineUpperLimit": high, "status": "BALANCED"}]}

    result = read([record("2024-03-02T09:00:00.0", 50.0, -1.0, 1.0),
                   record("2024-03-02T04:00:00.0", 44.0, 42.0, 55.0)],
                  "1_healthStatusData.json")
    # record 0 was updated at 09:00, after record 1 (04:00); its band -1/1 is a placeholder
    assert result.tables["hrv_measurements"].select(
        "source_index", "hrv_ms", "baseline_low_ms", "baseline_high_ms").rows() == [
        (0, 50.0, None, None)]
    assert skipped(result) == {(1, "updateTimestampUTC")}
    assert "record 0" in result.skipped[0].expected


# ---- userBioMetrics ---------------------------------------------------------------------------

def test_grams_become_kg_and_fat_free_mass_follows_body_fat() -> None:
    frame = example(BIO).tables["body_composition"]
    first = frame.row(0, named=True)
    # weight 71,600 g, muscle 33,300 g, bone 3,220 g, body fat 15.1 %, water 59.2 %
    assert first["weight_kg"] == pytest.approx(71.6)
    assert first["muscle_mass_kg"] == pytest.approx(33.3)
    assert first["bone_mass_kg"] == pytest.approx(3.22)
    assert (first["body_fat_pct"], first["body_water_pct"]) == (15.1, 59.2)
    assert first["fat_free_mass_kg"] == pytest.approx(71.6 * 0.849)
    assert (first["local_date"], first["local_time"]) == (date(2024, 3, 2), time(7, 31, 10))
    assert first["timestamp_utc"] == utc(2024, 3, 2, 5, 31, 10)
    assert first["source_name"] == "INDEX_SCALE"
    # five weigh-ins; the profile record (index 5: height, thresholds) is not one
    assert frame["source_index"].to_list() == [0, 1, 2, 3, 4]
    assert frame["weight_kg"].to_list() == pytest.approx([71.6, 72.35, 71.45, 71.35,
                                                          71.5])


def test_a_failed_impedance_reading_keeps_the_weight_with_null_composition() -> None:
    result = example(BIO)
    failed = result.tables["body_composition"].filter(pl.col("source_index") == 2)
    assert failed.select("weight_kg", "body_fat_pct", "muscle_mass_kg", "bone_mass_kg",
                         "fat_free_mass_kg", "body_water_pct").rows() == [
        (71.45, None, None, None, None, None)]
    manual = result.tables["body_composition"].filter(pl.col("source_name") == "MANUAL")
    assert manual.select("local_date", "weight_kg", "body_fat_pct").rows() == [
        (date(2024, 3, 5), 71.5, None)]
    assert result.skipped == []


def test_a_0_g_weight_is_not_a_measurement_and_epoch_ms_stamps_are_read() -> None:
    result = read([
        {"metaData": {"calendarDate": "2024-03-02T07:31:10.0"},
         "weight": {"weight": 0.0, "sourceType": "INDEX_SCALE",
                    "timestampGMT": "2024-03-02T05:31:10.0"}},
        {"metaData": {"calendarDate": "2024-03-02"},
         "weight": {"weight": 80_000, "bodyFat": 20.0, "muscleMass": 85_000.0,
                    "timestampGMT": 1_709_354_400_000}},
        {"height": 179.0, "vo2Max": 56.0}], "1_userBioMetrics.json")
    assert [(s.index, s.key, s.value) for s in result.skipped] == [
        (0, "weight.weight", "0.0"), (1, "weight.muscleMass", "85000.0")]
    assert result.tables["body_composition"].select(
        "source_index", "local_date", "local_time", "timestamp_utc", "weight_kg",
        "muscle_mass_kg", "fat_free_mass_kg").rows() == [
        (1, date(2024, 3, 2), None, utc(2024, 3, 2, 4, 40), 80.0, None, 80.0 * 0.8)]


# ---- the same files read from a zip -----------------------------------------------------------

def test_a_zip_member_reads_as_the_file_in_the_folder(tmp_path: Path) -> None:
    members = [NEW_UDS, SLEEP, HEALTH, BIO]
    folder = [example(m) for m in members]
    archive = tmp_path / "export_1.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for member in members:
            zipped.write(EXPORT / member, member)
    with zipfile.ZipFile(archive) as zipped:
        zipped_reads = [read_garmin_json(zipped.read(m), f"{archive}!{m}") for m in members]
    for one, other in zip(folder, zipped_reads, strict=True):
        assert one.skipped == other.skipped
        assert one.tables.keys() == other.tables.keys()
        for table, frame in one.tables.items():
            assert frame.equals(other.tables[table])


# ---- whatever the records hold ----------------------------------------------------------------

SAMPLES = {
    "UDSFile_a.json": [
        {"calendarDate": "2024-03-02", "currentDayRestingHeartRate": 47,
         "restingHeartRate": 49, "restingHeartRateTimestamp": 1_709_354_400_000,
         "allDayStress": {"aggregatorList": [{"type": "TOTAL", "averageStressLevel": -1}]}},
        {"calendarDate": {"date": "Mar 2, 2018 12:00:00 AM"}, "includesWellnessData": False}],
    "1_sleepData.json": [
        {"napList": [{"calendarDate": "2024-03-02", "napStartTimestampGMT": "2024-03-02T12:40:00.0",
                      "napEndTimestampGMT": "2024-03-02T13:05:00.0", "napTimeSec": 1500}]},
        {"calendarDate": "2024-03-02", "sleepStartTimestampGMT": "2024-03-01T21:41:00.0",
         "sleepEndTimestampGMT": "2024-03-02T05:19:00.0", "deepSleepSeconds": 5220,
         "lightSleepSeconds": 15360, "remSleepSeconds": 6000, "awakeSleepSeconds": 900,
         "sleepWindowConfirmationType": "ENHANCED_CONFIRMED_FINAL"},
        {"calendarDate": "2024-03-03", "sleepStartTimestampGMT": "2024-03-02T21:00:00.0",
         "sleepEndTimestampGMT": "2024-03-03T05:00:00.0",
         "sleepWindowConfirmationType": "UNCONFIRMED"}],
    "1_healthStatusData.json": [
        {"calendarDate": "2024-03-02", "updateTimestampUTC": "2024-03-02T04:02:13.0",
         "metrics": [{"type": "HRV", "value": 51.0, "baselineLowerLimit": 42.0,
                      "baselineUpperLimit": 55.0, "status": "IN_RANGE"},
                     {"type": "HR", "value": 47.0}]},
        {"calendarDate": "2024-03-03", "metrics": [{"type": "HRV", "value": 0.0,
                                                    "status": "UNKNOWN"}]}],
    "1_userBioMetrics.json": [
        {"metaData": {"calendarDate": "2024-03-02T07:31:10.0"},
         "weight": {"weight": 71600.0, "bodyFat": 15.1, "muscleMass": 33300.0,
                    "sourceType": "INDEX_SCALE", "timestampGMT": "2024-03-02T05:31:10.0"}},
        {"metaData": {"calendarDate": "2024-03-03T07:40:05.0"},
         "weight": {"weight": 0, "timestampGMT": 1_709_354_400_000}},
        {"height": 179.0}],
}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**15, 10**15) | st.floats(allow_nan=False)
    | st.text(max_size=12), lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


def _mutated(record: object, rng: random.Random, extra: list[tuple[str, object]],
             value: object) -> object:
    """The record with keys dropped at random, unknown keys added, and now and then a known
    key's value replaced, at every depth."""
    if isinstance(record, list):
        return [_mutated(item, rng, extra, value) for item in record]
    if not isinstance(record, dict):
        return value if rng.random() < 0.1 else record
    out = {k: _mutated(v, rng, extra, value) for k, v in record.items() if rng.random() > 0.2}
    out.update((f"x_{k}", v) for k, v in extra)
    return dict(rng.sample(sorted(out.items(), key=str), len(out)))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SAMPLES)), seed=st.integers(0, 2**32),
       extra=st.lists(st.tuples(st.text(max_size=5), json_values), max_size=3),
       value=json_values)
def test_any_order_extra_or_missing_keys_never_raise_nor_give_a_0_value(
        name, seed, extra, value) -> None:
    rng = random.Random(seed)
    records = [_mutated(r, rng, extra, value) for r in SAMPLES[name]]
    records.append(dict(SAMPLES[name][0]))  # the file stays recognisable
    rng.shuffle(records)
    result = read(records, name)
    for frame in result.tables.values():
        assert frame["source_index"].is_between(0, len(records) - 1).all()
    for column in ("weight_kg", "hrv_ms", "resting_hr_bpm", "asleep_s"):
        for frame in result.tables.values():
            if column in frame.columns:
                assert (frame[column].drop_nulls() > 0).all(), column
    assert all(isinstance(s, NotMeasurement) and 0 <= s.index < len(records)
               for s in result.skipped)


def test_a_metric_type_that_is_no_name_is_passed_over() -> None:
    # a metric whose type is a list (found by the property test) names no measure; the
    # record's HRV metric is still read
    records = [{"calendarDate": "2024-03-04", "metrics": [
        {"type": [], "value": 1.0},
        {"type": "HRV", "value": 48.0, "baselineLowerLimit": 42.0, "baselineUpperLimit": 55.0,
         "status": "IN_RANGE"}]}]
    read = read_garmin_json(json.dumps(records).encode(), "1_healthStatusData.json")
    assert read.tables["hrv_measurements"]["hrv_ms"].to_list() == [48.0]
