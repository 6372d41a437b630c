"""The generated feature files (synthetic/fit_features.py), each read back by two independent
decoders - fitparse (CRC checks on) and Garmin's FIT SDK - which must return the values
written: the samples of `sample(i)`, and for each feature the values stated here by hand.

The SDK does not read compressed-timestamp headers and fitparse refuses a field whose size is
no multiple of its type; those files are checked with the decoder that reads them, and the
other one's refusal is asserted so that a change in either shows.
"""

from __future__ import annotations

import io
import math
import struct
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import fitparse
import pytest
from fitparse.utils import FitParseError
from garmin_fit_sdk import Decoder, Stream

from synthetic.fit_features import (
    CHAINED,
    COMPRESSED_OFFSETS_S,
    CSD_RECORDS,
    DESCRIPTOR,
    DEVICE_RELATIVE_S,
    FEATURES,
    FIRST_ABSOLUTE,
    GARMIN_PRODUCT,
    INVALID_ROWS,
    MISALIGNED_POWER,
    SPEED_1S,
    SPORT_NAME,
    START,
    TIME_IN_HR_ZONE,
    UNKNOWN_FIELD,
    UNKNOWN_MESSAGE,
    UNKNOWN_SPORT,
    altitude_value,
    dev_value,
    feature_files,
    sample,
)
from synthetic.fit_writer import crc16, to_fit_timestamp
from transforms.fit_decode import decode_fit

Messages = dict[str, list[dict[str, Any]]]
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)


@cache
def data_of(name: str) -> bytes:
    return FEATURES[name]()


@cache
def fitparse_read(name: str) -> Messages:
    out: Messages = {}
    fit = fitparse.FitFile(io.BytesIO(data_of(name)), check_crc=True)
    for message in fit.get_messages():
        out.setdefault(message.name, []).append(message.get_values())
    return out


@cache
def sdk_read(name: str) -> tuple[Messages, list[Exception]]:
    stream = Stream.from_byte_array(bytearray(data_of(name)))
    return Decoder(stream).read(enable_crc_check=True, merge_heart_rates=False)


def sdk_messages(name: str) -> Messages:
    messages, errors = sdk_read(name)
    assert errors == []
    return messages


def naive(moment: datetime) -> datetime:
    """fitparse's datetimes are naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def assert_sample(record: dict[str, Any], i: int, *, aware: bool, start: datetime = START
                  ) -> None:
    want = sample(i, start)
    stamp = want["timestamp"] if aware else naive(want["timestamp"])
    assert record["timestamp"] == stamp
    assert record["heart_rate"] == want["heart_rate"]
    assert math.isclose(record["distance"], want["distance"], abs_tol=0.005)
    assert math.isclose(record["enhanced_speed"], want["speed"], abs_tol=0.0005)
    assert record["position_lat"] == want["position_lat"]
    assert record["position_long"] == want["position_long"]


def test_feature_files_are_every_feature_and_deterministic() -> None:
    files = feature_files()
    assert set(files) == set(FEATURES)
    assert files == feature_files()


@pytest.mark.parametrize("name", sorted(FEATURES))
def test_every_segment_has_a_good_header_and_file_crc(name: str) -> None:
    """Walk the segments by their own headers: '.FIT', sizes adding up, and each CRC over a
    segment's header and data followed by the CRC itself gives 0 (CRC-16/ARC)."""
    data = data_of(name)
    at, segments = 0, 0
    while at < len(data):
        header_size, _protocol, _profile, size, signature = struct.unpack_from(
            "<BBHI4s", data, at)
        assert signature == b".FIT" and header_size in (12, 14)
        if header_size == 14 and data[at + 12:at + 14] != b"\0\0":
            assert crc16(data[at:at + 14]) == 0
        end = at + header_size + size + 2
        assert crc16(data[at:end]) == 0
        at, segments = end, segments + 1
    assert at == len(data)
    assert segments == (len(CHAINED) if name == "chained" else 1)


@pytest.mark.parametrize("name", ["plain", "developer_fields", "big_endian", "header_12",
                                  "header_14_crc_zero", "unknown_message_and_field",
                                  "arrays", "strings", "enums_and_subfields"])
def test_records_hold_the_samples_written(name: str) -> None:
    parsed = fitparse_read(name)["record"]
    sdk = sdk_messages(name)["record_mesgs"]
    assert len(parsed) == len(sdk) > 0
    for i, (ours, theirs) in enumerate(zip(parsed, sdk, strict=True)):
        assert_sample(ours, i, aware=False)
        assert_sample(theirs, i, aware=True)
    for message in ("lap", "session"):
        (summary,) = fitparse_read(name)[message]
        assert summary["start_time"] == naive(START)
        assert summary["total_timer_time"] == len(parsed) - 1
        assert summary["max_heart_rate"] == max(120 + i % 40 for i in range(len(parsed)))


def test_compressed_timestamps_accumulate_across_rollovers_and_gaps() -> None:
    records = fitparse_read("compressed_timestamps")["record"]
    assert [r["timestamp"] for r in records] == [
        naive(START) + timedelta(seconds=s) for s in COMPRESSED_OFFSETS_S]
    # the five low bits the headers carry wrap from 31 to 0 within the compressed runs
    low_bits = [(to_fit_timestamp(START) + s) & 0x1F for s in COMPRESSED_OFFSETS_S[1:40]]
    assert any(b < a for a, b in zip(low_bits, low_bits[1:], strict=False))
    assert COMPRESSED_OFFSETS_S[40] - COMPRESSED_OFFSETS_S[39] > 32
    assert [r["heart_rate"] for r in records] == [120 + i % 40 for i in range(len(records))]
    # 87 s between records 64 and 65, bridged by three compressed-header events
    assert (COMPRESSED_OFFSETS_S[64], COMPRESSED_OFFSETS_S[65]) == (163, 250)
    events = fitparse_read("compressed_timestamps")["event"]
    assert [e["timestamp"] for e in events] == [naive(START) + timedelta(seconds=s)
                                                for s in (185, 210, 235)]
    assert {(e["event"], e["event_type"]) for e in events} == {("user_marker", "marker")}
    _messages, errors = sdk_read("compressed_timestamps")
    assert "Compressed timestamp" in str(errors[0])  # the SDK does not read them


def test_developer_fields_come_back_by_name_and_number() -> None:
    records = fitparse_read("developer_fields")["record"]
    sdk = sdk_messages("developer_fields")["record_mesgs"]
    assert len(records) == len(sdk) == 30
    for i, (ours, theirs) in enumerate(zip(records, sdk, strict=True)):
        want = dev_value(i)
        assert {k: ours[k] for k in want} == want  # float32 37 + i/4 is exact
        assert theirs["developer_fields"] == {0: want["grade_score"], 1: want["core_temp"],
                                              2: want["surface"]}
    (dev_id,) = fitparse_read("developer_fields")["developer_data_id"]
    assert dev_id["application_id"] == tuple(range(16, 32))
    fields = decode_fit(data_of("developer_fields"), "fitparse").fields
    dev = fields.filter(fields["is_developer_field"])
    assert sorted(dev["field"]) == ["dev_core_temp", "dev_grade_score", "dev_surface"]


def test_big_endian_definitions_say_so_and_read_the_same() -> None:
    data = data_of("big_endian")
    record_definition = struct.pack(">HB", 20, 6)  # global 20 (record), 6 fields
    at = data.index(b"\x00\x01" + record_definition)  # reserved 0, architecture 1
    assert data[at - 1] & 0x40
    (lap,) = sdk_messages("big_endian")["lap_mesgs"]
    assert lap["total_distance"] == 24 * 2.5 and lap["sport"] == "running"


def test_a_redefined_local_message_reads_with_its_latest_definition() -> None:
    parsed = fitparse_read("redefinition")
    sdk = sdk_messages("redefinition")
    assert len(parsed["record"]) == len(sdk["record_mesgs"]) == 30
    for i, record in enumerate(parsed["record"]):
        assert record["heart_rate"] == 120 + i % 40
        assert math.isclose(record["distance"], 2.5 * i)
        assert ("enhanced_speed" in record) == (10 <= i < 20)
    assert parsed["event"][0]["event_type"] == "stop_all"
    assert [len(parsed[m]) for m in ("lap", "session", "activity")] == [1, 1, 1]
    assert sdk["session_mesgs"][0]["total_distance"] == 29 * 2.5


def test_chained_files_are_read_in_turn() -> None:
    records = fitparse_read("chained")["record"]
    sdk = sdk_messages("chained")["record_mesgs"]
    want = [(i, start) for n, start in CHAINED for i in range(n)]
    assert len(records) == len(sdk) == len(want) == 12 + 18 + 9
    for ours, theirs, (i, start) in zip(records, sdk, want, strict=True):
        assert_sample(ours, i, aware=False, start=start)
        assert_sample(theirs, i, aware=True, start=start)
    assert len(fitparse_read("chained")["file_id"]) == 3
    assert decode_fit(data_of("chained"), "fitparse").segments == 3


def test_a_misaligned_field_is_null_and_the_rest_of_the_record_stands() -> None:
    with pytest.raises(FitParseError, match="Invalid field size 3"):
        fitparse_read("misaligned_field")
    sdk = sdk_messages("misaligned_field")["record_mesgs"]
    assert len(sdk) == 15
    for i, record in enumerate(sdk):
        assert_sample(record, i, aware=True)
        assert record["power"] == list(MISALIGNED_POWER)  # the SDK's bytes, as uint8s
    records = decode_fit(data_of("misaligned_field"), "fitparse").tables["fit_records"]
    assert records["power_w"].null_count() == 15
    assert records["heart_rate_bpm"].to_list() == [120.0 + i for i in range(15)]


def test_invalid_values_read_as_absent() -> None:
    records = fitparse_read("invalid_values")["record"]
    sdk = sdk_messages("invalid_values")["record_mesgs"]
    fields = ("heart_rate", "distance", "enhanced_speed", "position_lat", "position_long",
              "altitude", "temperature", "cadence")
    for i, (ours, theirs) in enumerate(zip(records, sdk, strict=True)):
        assert ours["timestamp"] == naive(START) + timedelta(seconds=i)
        if i in INVALID_ROWS:
            assert all(ours[f] is None for f in fields), ours
            assert ours[f"unknown_{UNKNOWN_FIELD}"] is None  # all ones and a quiet NaN
            assert not set(fields) & set(theirs)
        else:
            assert_sample(ours, i, aware=False)
            assert math.isclose(ours["altitude"], 34.0 + i / 5, abs_tol=1e-9)
            assert (ours["temperature"], ours["cadence"]) == (18, 85)
            assert ours[f"unknown_{UNKNOWN_FIELD}"] == 1.5 * i
    (lap,) = fitparse_read("invalid_values")["lap"]
    assert [lap[f] for f in ("avg_heart_rate", "total_distance", "max_speed",
                             "avg_temperature", f"unknown_{UNKNOWN_FIELD}")] == [None] * 5
    assert lap["max_heart_rate"] == 120 + 11


def test_speed_and_altitude_expand_to_their_enhanced_fields() -> None:
    records = fitparse_read("speed_altitude_components")["record"]
    sdk = sdk_messages("speed_altitude_components")["record_mesgs"]
    for i, (ours, theirs) in enumerate(zip(records, sdk, strict=True)):
        speed = 2.5 + (i % 5) / 10
        for record in (ours, theirs):
            assert math.isclose(record["speed"], speed, abs_tol=5e-4)
            assert math.isclose(record["enhanced_speed"], speed, abs_tol=5e-4)
            assert math.isclose(record["enhanced_altitude"], altitude_value(i), abs_tol=1e-9)
    (lap,) = sdk_messages("speed_altitude_components")["lap_mesgs"]
    assert (lap["enhanced_avg_speed"], lap["enhanced_max_speed"]) == (2.7, 2.9)


def test_compressed_speed_distance_accumulates_past_its_12_bit_rollover() -> None:
    """4 m/s at 1 Hz is 64/16 m a second: the 12-bit distance (4096/16 = 256 m) wraps
    after record 63; the accumulated distance keeps growing by 4 m."""
    records = fitparse_read("compressed_speed_distance")["record"]
    sdk = sdk_messages("compressed_speed_distance")["record_mesgs"]
    assert len(records) == len(sdk) == CSD_RECORDS
    for i, (ours, theirs) in enumerate(zip(records, sdk, strict=True)):
        assert ours["distance"] == theirs["distance"] == 4.0 * i
        assert ours["speed"] == theirs["speed"] == 4.0
        assert ours["speed_1s"] == tuple(theirs["speed_1s"]) == (4.0,) * 4
    assert records[-1]["distance"] == 396.0 > 256


def test_strings_unterminated_multibyte_and_invalid_utf8() -> None:
    parsed, sdk = fitparse_read("strings"), sdk_messages("strings")
    assert parsed["sport"][0]["name"] == sdk["sport_mesgs"][0]["name"] == SPORT_NAME
    (ours,), (theirs,) = parsed["device_info"], sdk["device_info_mesgs"]
    assert ours["descriptor"] == theirs["descriptor"] == DESCRIPTOR
    assert ours["product_name"] == "Edge\ufffd\ufffd 530"  # fitparse replaces bad bytes
    assert theirs["product_name"] == "Edge 530"  # the SDK drops them
    assert parsed["file_id"][0]["product_name"] == "FR965"
    sport = decode_fit(data_of("strings"), "fitparse").tables["fit_sport"]
    assert sport.row(0, named=True)["name"] == SPORT_NAME


def test_arrays_keep_every_element_and_their_invalid_ones() -> None:
    records = fitparse_read("arrays")["record"]
    sdk = sdk_messages("arrays")
    for i, (ours, theirs) in enumerate(zip(records, sdk["record_mesgs"], strict=True)):
        want = SPEED_1S if i % 2 else (*SPEED_1S[:3], None)
        assert ours["speed_1s"] == want
        assert theirs["speed_1s"][:3] == list(SPEED_1S[:3])
    (lap,) = fitparse_read("arrays")["lap"]
    assert lap["time_in_hr_zone"] == TIME_IN_HR_ZONE
    (sdk_lap,) = sdk["lap_mesgs"]
    assert sdk_lap["time_in_hr_zone"][:4] == list(TIME_IN_HR_ZONE[:4])


def test_device_relative_timestamps_and_the_fit_epoch() -> None:
    records = fitparse_read("device_timestamps")["record"]
    stamps = [r["timestamp"] for r in records]
    assert stamps[:10] == list(DEVICE_RELATIVE_S)  # fitparse leaves them as seconds
    assert stamps[10] == naive(FIT_EPOCH) + timedelta(seconds=FIRST_ABSOLUTE)
    assert stamps[11:] == [naive(START) + timedelta(seconds=i) for i in range(11, 21)]
    assert fitparse_read("device_timestamps")["file_id"][0]["time_created"] == 0
    assert fitparse_read("device_timestamps")["lap"][0]["start_time"] == 0
    decoded = decode_fit(data_of("device_timestamps"), "fitparse").tables["fit_records"]
    assert decoded["timestamp_device_s"].to_list()[:11] == [*DEVICE_RELATIVE_S, None]
    assert decoded["timestamp_utc"].null_count() == 10
    assert sdk_messages("device_timestamps")["record_mesgs"][10]["timestamp"] == (
        FIT_EPOCH + timedelta(seconds=FIRST_ABSOLUTE))


def test_unknown_enum_values_and_subfields() -> None:
    parsed, sdk = fitparse_read("enums_and_subfields"), sdk_messages("enums_and_subfields")
    assert parsed["file_id"][0]["manufacturer"] == "garmin"
    assert parsed["file_id"][0]["garmin_product"] == GARMIN_PRODUCT  # no name in fitparse
    assert sdk["file_id_mesgs"][0]["garmin_product"] == "fr945"
    assert [e["timer_trigger"] for e in parsed["event"]] == ["manual", "fitness_equipment"]
    assert [e["timer_trigger"] for e in sdk["event_mesgs"]] == ["manual", "fitness_equipment"]
    assert parsed["lap"][0]["sport"] == sdk["lap_mesgs"][0]["sport"] == UNKNOWN_SPORT
    assert parsed["sport"][0]["sport"] == UNKNOWN_SPORT


def test_unknown_messages_and_fields_are_read_by_number() -> None:
    parsed = fitparse_read("unknown_message_and_field")
    sdk = sdk_messages("unknown_message_and_field")
    unknown = parsed[f"unknown_{UNKNOWN_MESSAGE}"]
    assert [(m["unknown_0"], m["unknown_1"]) for m in unknown] == [(0, 1000), (1, 1001),
                                                                    (2, 1002)]
    assert [m[1] for m in sdk[str(UNKNOWN_MESSAGE)]] == [1000, 1001, 1002]
    assert [r[f"unknown_{UNKNOWN_FIELD}"] for r in parsed["record"]] == [7 * i for i in
                                                                         range(10)]
    assert [r[UNKNOWN_FIELD] for r in sdk["record_mesgs"]] == [7 * i for i in range(10)]


def test_older_header_forms() -> None:
    assert data_of("header_12")[0] == 12
    assert data_of("header_14_crc_zero")[0] == 14
    assert data_of("header_14_crc_zero")[12:14] == b"\0\0"
    assert sdk_messages("header_12")["record_mesgs"][9]["heart_rate"] == 129
