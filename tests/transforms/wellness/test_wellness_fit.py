"""Wellness FIT files read with Garmin's FIT SDK: every value checked against two decoders
(the SDK's own plain read, and fitparse's unscaled `unknown_N` fields scaled by hand with
the FIT profile's scales), against the values the fixture generator wrote, and the sleep
night against the Garmin account export's JSON of the same night."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import fitparse
import pytest
from garmin_fit_sdk import Decoder, Encoder, Profile, Stream

from schemas.fit import FIT_EPOCH_UNIX_S
from schemas.wellness import WELLNESS_TABLES, frame_schema
from tests.helpers import require_wellness_fixtures
from transforms.fit_decode import decode_fit
from transforms.wellness.wellness_fit import is_wellness_fit, read_wellness_fit

MN = Profile["mesg_num"]
#: hrv_status_summary / hrv_value values are ms with scale 128 (FIT SDK profile).
HRV_SCALE = 128


def _fixture(name: str) -> bytes:
    return (require_wellness_fixtures() / "fit" / name).read_bytes()


def _sdk(data: bytes) -> dict[str, list[dict]]:
    """The SDK's plain read of the file (no listener), by message list name."""
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read(
        merge_heart_rates=False)
    assert errors == []
    return messages


def _fitparse(data: bytes) -> list[tuple[str, dict]]:
    """fitparse 1.2.0's data messages in file order: (name, raw values)."""
    fit = fitparse.FitFile(io.BytesIO(data))
    return [(m.name, m.get_values()) for m in fit.get_messages()]


def _fit_utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds + FIT_EPOCH_UNIX_S, tz=UTC)


def _only(read, table: str) -> dict:
    frame = read.tables[table]
    assert frame.height == 1
    return frame.row(0, named=True)


def _read_fixture(name: str, table: str) -> tuple[bytes, dict]:
    """A wellness fixture's bytes and its one row, the only table it feeds, nothing
    skipped; fitparse's decoding of it already says it is a wellness file."""
    data = _fixture(name)
    assert is_wellness_fit(decode_fit(data))
    read = read_wellness_fit(data)
    assert read is not None and read.source_kind == "garmin_fit" and read.skipped == []
    assert set(read.tables) == {table}
    return data, _only(read, table)


# ---------------------------------------------------------------- the fixture files


def test_monitoring_file_gives_both_resting_heart_rates_on_their_local_day() -> None:
    data, row = _read_fixture("synthetic_monitoring_b_2024-03-04.fit", "resting_hr")
    messages = _fitparse(data)
    index, (_, raw) = next((i, m) for i, m in enumerate(messages) if m[0] == "unknown_211")
    sdk = _sdk(data)["monitoring_hr_data_mesgs"][0]
    # fitparse: unknown_0 = resting_heart_rate (7-day), unknown_1 = the day's (scale 1)
    assert row["resting_hr_bpm"] == raw["unknown_1"] == sdk["current_day_resting_heart_rate"]
    assert row["resting_hr_7d_bpm"] == raw["unknown_0"] == sdk["resting_heart_rate"]
    assert (row["resting_hr_bpm"], row["resting_hr_7d_bpm"]) == (47, 49)  # the generator's
    assert row["timestamp_utc"] == _fit_utc(raw["unknown_253"]) == sdk["timestamp"]
    assert row["source_index"] == index
    # monitoring_info states local 2024-03-04 00:00 at 2024-03-03 22:00Z: UTC+2, so the
    # stamp 2024-03-04 18:00Z is 20:00 local on 2024-03-04
    info = next(v for n, v in messages if n == "monitoring_info")
    offset = info["local_timestamp"] - info["timestamp"]
    assert offset == timedelta(hours=2)
    assert row["local_date"] == (row["timestamp_utc"] + offset).date() == date(2024, 3, 4)
    assert row["source_name"] == "garmin fr255_music"


def test_hrv_status_file_gives_the_nights_summary_not_its_five_minute_values() -> None:
    data, row = _read_fixture("synthetic_hrv_status_2024-03-04.fit", "hrv_measurements")
    messages = _fitparse(data)
    index, (_, raw) = next((i, m) for i, m in enumerate(messages) if m[0] == "unknown_370")
    sdk = _sdk(data)
    summary = sdk["hrv_status_summary_mesgs"][0]
    # fitparse leaves the values unscaled: unknown_1 last_night_average, unknown_4 / 5 the
    # balanced baseline band, unknown_6 the status (hrv_status enum: 4 = balanced)
    assert row["hrv_ms"] == raw["unknown_1"] / HRV_SCALE == summary["last_night_average"]
    assert row["hrv_ms"] == 48.5
    assert row["baseline_low_ms"] == raw["unknown_4"] / HRV_SCALE == 42.0
    assert row["baseline_high_ms"] == raw["unknown_5"] / HRV_SCALE == 55.0
    assert raw["unknown_6"] == 4 and row["status"] == summary["status"] == "balanced"
    assert row["measure"] == "garmin_overnight"
    assert row["timestamp_utc"] == _fit_utc(raw["unknown_253"]) == datetime(
        2024, 3, 4, 3, 46, tzinfo=UTC)
    assert row["local_date"] is None and row["source_index"] == index
    # the 8 five-minute values are in the file (the first 44 ms: 5632 / 128) but not stored
    values = [v for n, v in messages if n == "unknown_371"]
    assert len(values) == len(sdk["hrv_value_mesgs"]) == 8
    assert values[0]["unknown_0"] / HRV_SCALE == sdk["hrv_value_mesgs"][0]["value"] == 44.0


#: The generator's sleep levels: (level, minutes of the interval that ends at its stamp),
#: from a bedtime of 2024-03-03 21:12Z (generators/make_fit_examples.py).
LEVELS = [("awake", 6), ("light", 34), ("deep", 52), ("light", 41), ("rem", 24),
          ("light", 55), ("deep", 30), ("rem", 38), ("light", 47), ("awake", 4),
          ("light", 30), ("rem", 33)]
SLEEP_LEVEL = {0: "unmeasurable", 1: "awake", 2: "light", 3: "deep", 4: "rem"}  # FIT enum


def test_sleep_file_gives_the_night_with_each_level_ending_at_its_stamp() -> None:
    data, night = _read_fixture("synthetic_sleep_2024-03-04.fit", "sleep_sessions")
    by_hand = {stage: 60 * sum(m for level, m in LEVELS if level == stage)
               for stage in ("deep", "light", "rem", "awake")}
    assert by_hand == {"deep": 4920, "light": 12420, "rem": 5700, "awake": 600}
    # fitparse's stamps and levels (unknown_253, unknown_0), the file's creation as start
    messages = _fitparse(data)
    created = next(v for n, v in messages if n == "file_id")["time_created"]
    stamps = [(_fit_utc(v["unknown_253"]), SLEEP_LEVEL[v["unknown_0"]])
              for n, v in messages if n == "unknown_275"]
    assert [level for _, level in stamps] == [level for level, _ in LEVELS]
    from_fitparse = dict.fromkeys(by_hand, 0.0)
    previous = created.replace(tzinfo=UTC)
    for stamp, level in stamps:
        from_fitparse[level] += (stamp - previous).total_seconds()
        previous = stamp
    assert from_fitparse == by_hand
    assert night["start_utc"] == created.replace(tzinfo=UTC) == datetime(
        2024, 3, 3, 21, 12, tzinfo=UTC)
    assert night["end_utc"] == stamps[-1][0] == _sdk(data)["sleep_level_mesgs"][-1]["timestamp"]
    assert {s: night[f"{s}_s"] for s in by_hand} == by_hand
    assert night["asleep_s"] == by_hand["deep"] + by_hand["light"] + by_hand["rem"]
    assert night["measured"] is True and night["window_type"] == "sleep_level"
    assert night["wake_date"] is None
    assert night["source_index"] == next(i for i, (n, _) in enumerate(messages)
                                         if n == "unknown_275")


def test_sleep_file_night_equals_the_garmin_export_json_night() -> None:
    fixtures = require_wellness_fixtures()
    [path] = (fixtures / "garmin_export" / "DI_CONNECT" / "DI-Connect-Wellness").glob(
        "*_sleepData.json")
    with path.open(encoding="utf-8") as fh:
        [entry] = [e for e in json.load(fh) if e.get("calendarDate") == "2024-03-04"]
    read = read_wellness_fit(_fixture("synthetic_sleep_2024-03-04.fit"))
    assert read is not None
    night = _only(read, "sleep_sessions")

    def gmt(text: str) -> datetime:  # "2024-03-03T21:12:00.0", UTC without a zone
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    assert night["start_utc"] == gmt(entry["sleepStartTimestampGMT"])
    assert night["end_utc"] == gmt(entry["sleepEndTimestampGMT"])
    assert night["deep_s"] == entry["deepSleepSeconds"]
    assert night["light_s"] == entry["lightSleepSeconds"]
    assert night["rem_s"] == entry["remSleepSeconds"]
    assert night["awake_s"] == entry["awakeSleepSeconds"]
    assert night["asleep_s"] == (entry["deepSleepSeconds"] + entry["lightSleepSeconds"]
                                 + entry["remSleepSeconds"])
    # the night's local wake-up day in the fixture person's UTC+2 is the JSON's calendarDate
    assert (night["end_utc"] + timedelta(hours=2)).date().isoformat() == entry["calendarDate"]


def test_weight_file_stays_in_fit_weight_scale_only() -> None:
    data = _fixture("synthetic_weight_2024-03-04.fit")
    decoded = decode_fit(data)
    assert not is_wellness_fit(decoded) and read_wellness_fit(data) is None
    row = decoded.tables["fit_weight_scale"].row(0, named=True)
    sdk = _sdk(data)["weight_scale_mesgs"][0]
    # the generator's weigh-in, as the SDK reads it
    assert (row["weight_kg"], row["body_fat_pct"], row["hydration_pct"], row["bone_mass_kg"],
            row["muscle_mass_kg"]) == (sdk["weight"], sdk["percent_fat"],
                                       sdk["percent_hydration"], sdk["bone_mass"],
                                       sdk["muscle_mass"]) == (71.35, 14.8, 59.6, 3.21, 33.42)
    assert row["timestamp_utc"] == sdk["timestamp"] == datetime(2024, 3, 4, 5, 31, 10, tzinfo=UTC)
    # fitparse's profile lacks weight_scale.bmi (field 13, scale 10): kept unscaled
    assert json.loads(row["extra_fields"])["unknown_13"] / 10 == sdk["bmi"] == 22.1


def test_activity_file_is_not_wellness() -> None:
    data = _fixture("synthetic_activity_with_hrv.fit")
    assert not is_wellness_fit(decode_fit(data)) and read_wellness_fit(data) is None


@pytest.mark.parametrize("name", ["synthetic_monitoring_b_2024-03-04.fit",
                                  "synthetic_hrv_status_2024-03-04.fit",
                                  "synthetic_sleep_2024-03-04.fit"])
def test_frames_have_their_raw_tables_columns(name: str) -> None:
    read = read_wellness_fit(_fixture(name))
    assert read is not None
    for table, frame in read.tables.items():
        assert frame.schema == frame_schema(WELLNESS_TABLES[table])


# ---------------------------------------------------------------- generated edge cases

UTC2 = timedelta(hours=2)


def _encode(file_type: int | str, created: datetime, messages: list[tuple[str, dict]]
            ) -> bytes:
    encoder = Encoder()
    encoder.on_mesg(MN["FILE_ID"], {"type": file_type, "manufacturer": "garmin",
                                    "product": 1, "serial_number": 1,
                                    "time_created": created})
    for name, values in messages:
        encoder.on_mesg(MN[name], values)
    return bytes(encoder.close())


def _info(utc: datetime) -> tuple[str, dict]:
    local = int((utc + UTC2).timestamp()) - FIT_EPOCH_UNIX_S
    return "MONITORING_INFO", {"timestamp": utc, "local_timestamp": local}


def test_resting_hr_of_zero_is_no_measurement_and_midnight_belongs_to_the_day_before() -> None:
    midnight = datetime(2024, 3, 4, 22, 0, tzinfo=UTC)  # 2024-03-05 00:00 at UTC+2
    data = _encode("monitoring_b", midnight - timedelta(days=1), [
        _info(midnight - timedelta(days=1)),
        ("MONITORING_HR_DATA", {"timestamp": midnight, "resting_heart_rate": 50,
                                "current_day_resting_heart_rate": 46}),
        ("MONITORING_HR_DATA", {"timestamp": midnight + timedelta(hours=1),
                                "resting_heart_rate": 0, "current_day_resting_heart_rate": 0}),
        ("MONITORING_HR_DATA", {"timestamp": midnight + timedelta(hours=2),
                                "resting_heart_rate": 51, "current_day_resting_heart_rate": 0}),
    ])
    read = read_wellness_fit(data)
    assert read is not None
    rows = read.tables["resting_hr"].rows(named=True)
    # the summary stamped 00:00 local of 03-05 is 03-04's; 03:00 local of 03-05 is 03-05's
    assert [(r["local_date"], r["resting_hr_bpm"], r["resting_hr_7d_bpm"]) for r in rows] == [
        (date(2024, 3, 4), 46, 50), (date(2024, 3, 5), None, 51)]
    # message 0 is file_id, 1 monitoring_info: the zero pair is message 3, the lone zero 4
    assert [(s.index, s.key, s.value) for s in read.skipped] == [
        (3, "current_day_resting_heart_rate", "0.0"),
        (4, "current_day_resting_heart_rate", "0.0")]


def test_resting_hr_without_monitoring_info_has_no_local_date() -> None:
    stamp = datetime(2024, 3, 4, 18, 0, tzinfo=UTC)
    data = _encode("monitoring_b", stamp, [("MONITORING_HR_DATA", {
        "timestamp": stamp, "resting_heart_rate": 49, "current_day_resting_heart_rate": 47})])
    read = read_wellness_fit(data)
    assert read is not None
    assert _only(read, "resting_hr")["local_date"] is None


def test_hrv_of_zero_with_status_none_is_no_measurement() -> None:
    stamp = datetime(2024, 3, 4, 4, 0, tzinfo=UTC)
    data = _encode(68, stamp, [("HRV_STATUS_SUMMARY", {
        "timestamp": stamp, "last_night_average": 0.0, "baseline_balanced_lower": 0.0,
        "baseline_balanced_upper": 0.0, "status": "none"})])
    read = read_wellness_fit(data)
    assert read is not None and read.tables == {}
    [skipped] = read.skipped
    assert (skipped.index, skipped.key, skipped.value) == (1, "last_night_average", "0.0")


def test_a_sleep_file_without_stages_is_reported_not_stored() -> None:
    bed = datetime(2024, 3, 3, 21, 0, tzinfo=UTC)
    only_unmeasurable = _encode(49, bed, [
        ("SLEEP_LEVEL", {"timestamp": bed + timedelta(hours=h), "sleep_level": "unmeasurable"})
        for h in (1, 2)])
    no_levels = _encode(49, bed, [])
    for data in (only_unmeasurable, no_levels):
        read = read_wellness_fit(data)
        assert read is not None and read.tables == {}
        [skipped] = read.skipped
        assert (skipped.key, skipped.value) == ("sleep_level", "no stages")


def test_a_night_without_rem_has_null_rem_and_unmeasurable_time_counts_nowhere() -> None:
    bed = datetime(2024, 3, 3, 21, 0, tzinfo=UTC)
    levels = [("light", 30), ("unmeasurable", 20), ("deep", 60), ("awake", 5)]
    messages, t = [], bed
    for level, minutes in levels:
        t += timedelta(minutes=minutes)
        messages.append(("SLEEP_LEVEL", {"timestamp": t, "sleep_level": level}))
    read = read_wellness_fit(_encode(49, bed, messages))
    assert read is not None and read.skipped == []
    night = _only(read, "sleep_sessions")
    assert (night["light_s"], night["deep_s"], night["awake_s"], night["rem_s"]) == (
        30 * 60, 60 * 60, 5 * 60, None)
    assert night["asleep_s"] == 90 * 60
    assert (night["start_utc"], night["end_utc"]) == (bed, bed + timedelta(minutes=115))


def test_a_creation_time_after_the_first_level_is_not_the_start() -> None:
    """Then the night starts at its first level, whose own interval is unknown."""
    bed = datetime(2024, 3, 3, 21, 0, tzinfo=UTC)
    messages = [("SLEEP_LEVEL", {"timestamp": bed + timedelta(minutes=m), "sleep_level": lv})
                for m, lv in ((10, "awake"), (40, "light"), (70, "deep"))]
    read = read_wellness_fit(_encode(49, bed + timedelta(hours=8), messages))
    assert read is not None
    night = _only(read, "sleep_sessions")
    assert night["start_utc"] == bed + timedelta(minutes=10)
    assert (night["awake_s"], night["light_s"], night["deep_s"]) == (0, 1800, 1800)



def test_a_wellness_message_in_a_file_of_another_type_is_found_by_fitparse_names() -> None:
    stamp = datetime(2024, 3, 4, 18, 0, tzinfo=UTC)
    data = _encode("activity", stamp, [("MONITORING_HR_DATA", {
        "timestamp": stamp, "resting_heart_rate": 49, "current_day_resting_heart_rate": 47})])
    decoded = decode_fit(data)
    assert decoded.tables["fit_file_id"]["file_type"].to_list() == ["activity"]
    assert decoded.other_messages == {"unknown_211": 1}  # fitparse's name, counted
    assert is_wellness_fit(decoded)
    read = read_wellness_fit(data)
    assert read is not None and _only(read, "resting_hr")["resting_hr_bpm"] == 47


def test_fitparse_counts_the_monitoring_files_unstored_messages() -> None:
    """The generator wrote 1 full-stamp, 4 timestamp_16 and 2 counter monitoring messages,
    2 stress levels, 1 respiration rate (297) and 1 monitoring_hr_data (211)."""
    decoded = decode_fit(_fixture("synthetic_monitoring_b_2024-03-04.fit"))
    assert decoded.other_messages == {"monitoring_info": 1, "monitoring": 7, "stress_level": 2,
                                      "unknown_297": 1, "unknown_211": 1}
