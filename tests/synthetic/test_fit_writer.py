"""Round-trip tests of the FIT encoder and the synthetic athlete, through two independent decoders.

Every generated file is decoded by fitparse (CRC checks on) and by Garmin's official FIT SDK;
the values they return are compared with the metadata the generator reports.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import fitparse
import pytest
from fitparse.records import Crc
from garmin_fit_sdk import Decoder, Stream

from synthetic import (
    GeneratedFile,
    SyntheticAthlete,
    generate_athlete_files,
    one_hour_run,
)
from synthetic.fit_writer import (
    FitEncodeError,
    FitWriter,
    chain,
    crc16,
    message_definition,
    to_fit_timestamp,
)
from tests.helpers import reference_read

START = date(2026, 3, 16)
WEEKS = 3  # 2026-03-16 .. 2026-04-05: contains the Europe/Berlin DST change of 2026-03-29
BERLIN = ZoneInfo("Europe/Berlin")

Messages = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Decoded:
    """One file as both decoders saw it."""

    fitparse_error: Exception | None
    fitparse: Messages  # message name -> [{field name: value}] (naive UTC datetimes)
    garmin_is_fit: bool
    garmin_integrity: bool
    garmin_errors: list[Exception]
    garmin: Messages  # "<name>_mesgs" -> [{field name: value}] (aware UTC datetimes)


def read_fitparse(data: bytes) -> Messages:
    """All data messages, fully consuming fitparse's iterator with CRC checks on."""
    messages: Messages = {}
    for message in fitparse.FitFile(io.BytesIO(data), check_crc=True).get_messages():
        messages.setdefault(message.name, []).append({f.name: f.value for f in message.fields})
    return messages


def garmin_decoder(data: bytes) -> Decoder:
    return Decoder(Stream.from_byte_array(bytearray(data)))


def decode(data: bytes) -> Decoded:
    """Decode with both libraries, capturing failures instead of raising."""
    try:
        parsed, error = read_fitparse(data), None
    except Exception as exc:  # reported by the test that asserts on it
        parsed, error = {}, exc
    # check_integrity() leaves the stream at its end, so every step gets its own decoder.
    messages, errors = garmin_decoder(data).read()
    return Decoded(
        fitparse_error=error,
        fitparse=parsed,
        garmin_is_fit=garmin_decoder(data).is_fit(),
        garmin_integrity=garmin_decoder(data).check_integrity(),
        garmin_errors=list(errors),
        garmin=messages,
    )


@pytest.fixture(scope="module")
def files() -> list[GeneratedFile]:
    return generate_athlete_files(SyntheticAthlete(), START, weeks=WEEKS)


@pytest.fixture(scope="module")
def decoded(files: list[GeneratedFile]) -> dict[str, Decoded]:
    return {f.name: reference_read(decode, f.data) for f in files}


def of_kind(files: list[GeneratedFile], *kinds: str) -> list[GeneratedFile]:
    return [f for f in files if f.kind in kinds]


def runs(files: list[GeneratedFile]) -> list[GeneratedFile]:
    return [f for f in files if f.sport == "running"]


def as_utc(naive: datetime) -> datetime:
    """fitparse renders date_time fields as naive UTC datetimes."""
    return naive.replace(tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# 1. Both decoders accept every file
# --------------------------------------------------------------------------------------------


def test_generated_span_has_the_expected_variety(files: list[GeneratedFile]) -> None:
    kinds = {f.kind for f in files}
    assert {"easy_run", "long_run", "intervals", "strength", "weight"} <= kinds
    assert {"midnight_run", "dst_run"} <= kinds
    assert len({f.name for f in files}) == len(files)
    assert [f.start_utc for f in files] == sorted(f.start_utc for f in files)
    for f in files:
        assert f.start_utc.tzinfo is not None and f.end_utc >= f.start_utc
        assert f.name.endswith(".fit")


def test_every_file_is_read_by_fitparse_and_garmin_sdk(
    files: list[GeneratedFile], decoded: dict[str, Decoded]
) -> None:
    for f in files:
        result = decoded[f.name]
        assert result.fitparse_error is None, (f.name, result.fitparse_error)
        assert result.garmin_is_fit, f.name
        assert result.garmin_integrity, f.name
        assert result.garmin_errors == [], (f.name, result.garmin_errors)
        file_type = "weight" if f.kind == "weight" else "activity"
        assert result.fitparse["file_id"][0]["type"] == file_type
        assert result.garmin["file_id_mesgs"][0]["type"] == file_type


# --------------------------------------------------------------------------------------------
# 2. Values round-trip
# --------------------------------------------------------------------------------------------


def test_record_counts_match_metadata_and_both_decoders(
    files: list[GeneratedFile], decoded: dict[str, Decoded]
) -> None:
    for f in files:
        result = decoded[f.name]
        records = result.fitparse.get("record", [])
        assert len(records) == f.record_count, f.name
        assert len(result.garmin.get("record_mesgs", [])) == len(records), f.name


def test_run_records_are_plausible_1hz_samples(
    files: list[GeneratedFile], decoded: dict[str, Decoded]
) -> None:
    athlete = SyntheticAthlete()
    for f in runs(files):
        records = decoded[f.name].fitparse["record"]
        times = [as_utc(r["timestamp"]) for r in records]
        assert times[0] == f.start_utc
        assert all(b > a for a, b in zip(times, times[1:], strict=False)), f.name
        distances = [r["distance"] for r in records]
        assert all(b >= a for a, b in zip(distances, distances[1:], strict=False)), f.name
        for r in records:
            assert athlete.resting_hr <= r["heart_rate"] <= athlete.max_hr
            assert 0.5 < r["speed"] < 7.0 and r["enhanced_speed"] == r["speed"]
            assert 70 <= r["cadence"] <= 105  # strides per minute
            assert -10 < r["altitude"] < 200 and r["enhanced_altitude"] == r["altitude"]
        gaps = {round((b - a).total_seconds()) for a, b in zip(times, times[1:], strict=False)}
        assert 1 in gaps


def test_session_totals_match_records_and_metadata(
    files: list[GeneratedFile], decoded: dict[str, Decoded]
) -> None:
    for f in runs(files):
        result = decoded[f.name]
        session = result.fitparse["session"][0]
        records = result.fitparse["record"]
        assert session["total_distance"] == records[-1]["distance"] == f.total_distance_m
        assert session["total_timer_time"] == f.total_timer_time_s
        assert as_utc(session["start_time"]) == f.start_utc
        elapsed = (f.end_utc - f.start_utc).total_seconds()
        assert session["total_elapsed_time"] == elapsed >= session["total_timer_time"]
        assert session["sport"] == "running"
        assert 0 < session["avg_heart_rate"] <= session["max_heart_rate"]
        assert session["total_calories"] > 0
        garmin_session = result.garmin["session_mesgs"][0]
        assert garmin_session["total_distance"] == f.total_distance_m
        assert garmin_session["timestamp"] == f.end_utc


def test_laps_add_up_to_the_session(
    files: list[GeneratedFile], decoded: dict[str, Decoded]
) -> None:
    for f in runs(files):
        result = decoded[f.name]
        session, laps = result.fitparse["session"][0], result.fitparse["lap"]
        assert len(laps) == session["num_laps"]
        assert sum(lap["total_distance"] for lap in laps) == pytest.approx(
            session["total_distance"], abs=0.01 * len(laps)
        )
        assert sum(lap["total_timer_time"] for lap in laps) == session["total_timer_time"]
        assert sum(lap["total_elapsed_time"] for lap in laps) == session["total_elapsed_time"]
        assert sum(lap["total_calories"] for lap in laps) == session["total_calories"]


def test_every_activity_writes_the_local_offset_of_its_end(
    files: list[GeneratedFile], decoded: dict[str, Decoded]
) -> None:
    for f in files:
        if f.kind == "weight":
            continue
        activity = decoded[f.name].fitparse["activity"][0]
        written = (activity["local_timestamp"] - activity["timestamp"]).total_seconds()
        assert written == f.utc_offset_s, f.name
        zone_offset = f.end_utc.astimezone(BERLIN).utcoffset()
        assert zone_offset is not None and f.utc_offset_s == zone_offset.total_seconds()
        assert as_utc(activity["timestamp"]) == f.end_utc


def test_weigh_ins_round_trip(files: list[GeneratedFile], decoded: dict[str, Decoded]) -> None:
    weigh_ins = of_kind(files, "weight")
    assert len(weigh_ins) >= 2 * WEEKS
    for f in weigh_ins:
        result = decoded[f.name]
        scale = result.fitparse["weight_scale"]
        assert len(scale) == 1
        assert scale[0]["weight"] == f.weight_kg
        assert 5 < scale[0]["percent_fat"] < 50
        assert as_utc(scale[0]["timestamp"]) == f.start_utc
        assert result.garmin["weight_scale_mesgs"][0]["weight"] == f.weight_kg
        assert result.fitparse["user_profile"][0]["gender"] == "female"
        assert f.sport is None and f.record_count == 0 and f.utc_offset_s is None


def test_strength_sessions_have_their_sets(
    files: list[GeneratedFile], decoded: dict[str, Decoded]
) -> None:
    sessions = of_kind(files, "strength")
    weeks_with_strength = {f.start_utc.isocalendar()[1] for f in sessions}
    assert len(weeks_with_strength) == WEEKS
    for f in sessions:
        result = decoded[f.name]
        sets = result.fitparse["set"]
        assert len(sets) == f.set_count > 0
        assert len(result.garmin["set_mesgs"]) == f.set_count
        session = result.fitparse["session"][0]
        assert (session["sport"], session["sub_sport"]) == ("training", "strength_training")
        assert f.sport == "training" and f.total_distance_m is None
        active = [s for s in sets if s["set_type"] == "active"]
        rest = [s for s in sets if s["set_type"] == "rest"]
        assert active and rest
        for s in active:
            assert s["category"] is not None and s["duration"] > 0
            assert s["repetitions"] is not None or s["category"] == "plank"
            if s["weight"] is not None:
                assert s["weight_display_unit"] == "kilogram" and 0 < s["weight"] < 150
        assert sum(s["duration"] for s in sets) < session["total_elapsed_time"]


def test_treadmill_run_has_no_positions(
    files: list[GeneratedFile], decoded: dict[str, Decoded]
) -> None:
    sub_sports = {}
    for f in runs(files):
        session = decoded[f.name].fitparse["session"][0]
        sub_sports[f.name] = session["sub_sport"]
        has_positions = "position_lat" in decoded[f.name].fitparse["record"][0]
        assert has_positions == (session["sub_sport"] != "treadmill"), f.name
    assert "treadmill" in sub_sports.values()
    assert "trail" in sub_sports.values()


def test_some_run_pauses_its_timer(files: list[GeneratedFile], decoded: dict[str, Decoded]) -> None:
    paused = []
    for f in runs(files):
        events = decoded[f.name].fitparse["event"]
        stops = [e for e in events if e["event_type"] == "stop_all"]
        if len(stops) > 1:  # one more than the final stop
            paused.append(f)
            session = decoded[f.name].fitparse["session"][0]
            assert session["total_elapsed_time"] - session["total_timer_time"] >= 30
    assert paused


def test_intervals_vary_speed_and_heart_rate(
    files: list[GeneratedFile], decoded: dict[str, Decoded]
) -> None:
    for f in of_kind(files, "intervals"):
        result = decoded[f.name]
        laps = result.fitparse["lap"]
        fast = [lap for lap in laps if lap["intensity"] == "active"]
        easy = [lap for lap in laps if lap["intensity"] in ("rest", "warmup")]
        assert fast and easy
        assert min(lap["avg_speed"] for lap in fast) > max(lap["avg_speed"] for lap in easy)
        assert max(lap["max_heart_rate"] for lap in fast) > max(
            lap["avg_heart_rate"] for lap in easy
        )
        assert result.fitparse["hrv"] and len(result.garmin["hrv_mesgs"]) == len(
            result.fitparse["hrv"]
        )


def test_midnight_run_crosses_local_midnight(
    files: list[GeneratedFile], decoded: dict[str, Decoded]
) -> None:
    (f,) = of_kind(files, "midnight_run")
    assert f.start_utc.astimezone(BERLIN).date() != f.end_utc.astimezone(BERLIN).date()
    result = decoded[f.name]
    activity = result.fitparse["activity"][0]
    offset = activity["local_timestamp"] - activity["timestamp"]
    local_start = result.fitparse["session"][0]["start_time"] + offset
    assert local_start.date() != activity["local_timestamp"].date()


def test_dst_run_crosses_the_clock_change(
    files: list[GeneratedFile], decoded: dict[str, Decoded]
) -> None:
    (f,) = of_kind(files, "dst_run")
    assert f.start_utc.astimezone(BERLIN).date() == date(2026, 3, 29)
    start_offset = f.start_utc.astimezone(BERLIN).utcoffset()
    assert start_offset == timedelta(hours=1)
    activity = decoded[f.name].fitparse["activity"][0]
    end_offset = as_utc(activity["timestamp"]).astimezone(BERLIN).utcoffset()
    assert end_offset == timedelta(hours=2)
    assert f.utc_offset_s == end_offset.total_seconds() == 7200
    local = activity["local_timestamp"] - activity["timestamp"]
    assert local.total_seconds() == f.utc_offset_s
    assert (f.end_utc - f.start_utc) == timedelta(hours=2)


def test_dst_run_also_crosses_the_autumn_clock_change() -> None:
    autumn = generate_athlete_files(SyntheticAthlete(), date(2026, 10, 19), weeks=1)
    (f,) = of_kind(autumn, "dst_run")
    assert f.start_utc.astimezone(BERLIN).utcoffset() == timedelta(hours=2)
    assert f.end_utc.astimezone(BERLIN).utcoffset() == timedelta(hours=1)
    activity = read_fitparse(f.data)["activity"][0]
    local = activity["local_timestamp"] - activity["timestamp"]
    assert local.total_seconds() == f.utc_offset_s == 3600


def test_no_dst_run_without_a_clock_change() -> None:
    winter = generate_athlete_files(SyntheticAthlete(), date(2026, 1, 5), weeks=1)
    assert not of_kind(winter, "dst_run")
    assert len(of_kind(winter, "midnight_run")) == 1


def test_chained_file_yields_the_records_of_both() -> None:
    a = one_hour_run(datetime(2026, 3, 2, 6, tzinfo=UTC), seed=1, duration_s=600)
    b = one_hour_run(datetime(2026, 3, 3, 6, tzinfo=UTC), seed=2, duration_s=900)
    chained = chain(a.data, b.data)
    assert chained == a.data + b.data
    records = read_fitparse(chained)["record"]
    assert len(records) == a.record_count + b.record_count == 1500
    assert as_utc(records[0]["timestamp"]) == a.start_utc
    assert as_utc(records[-1]["timestamp"]) == b.end_utc - timedelta(seconds=1)
    messages, errors = garmin_decoder(chained).read()
    assert errors == []
    assert len(messages["record_mesgs"]) == 1500
    assert len(messages["session_mesgs"]) == 2


def test_chain_rejects_non_fit_input() -> None:
    a = one_hour_run(datetime(2026, 3, 2, 6, tzinfo=UTC), duration_s=60)
    with pytest.raises(ValueError):
        chain(a.data, b"not a fit file")
    with pytest.raises(ValueError):
        chain(a.data[:-1])


def test_one_hour_run_round_trips() -> None:
    start = datetime(2026, 6, 1, 5, 30, tzinfo=UTC)
    run = one_hour_run(start, seed=7)
    assert (run.kind, run.sport, run.record_count) == ("run", "running", 3600)
    assert run.utc_offset_s == 3600
    assert run.end_utc == start + timedelta(hours=1)
    result = decode(run.data)
    assert result.fitparse_error is None and result.garmin_errors == []
    assert result.garmin_integrity
    assert result.fitparse["file_id"][0]["manufacturer"] == "development"
    session = result.fitparse["session"][0]
    assert session["total_timer_time"] == session["total_elapsed_time"] == 3600
    assert session["total_distance"] == run.total_distance_m
    assert 9000 < session["total_distance"] < 12500  # ~2.8-3.2 m/s for an hour
    activity = result.fitparse["activity"][0]
    assert (activity["local_timestamp"] - activity["timestamp"]).total_seconds() == 3600


# --------------------------------------------------------------------------------------------
# 3. Determinism
# --------------------------------------------------------------------------------------------


def test_generation_is_deterministic(files: list[GeneratedFile]) -> None:
    again = generate_athlete_files(SyntheticAthlete(), START, weeks=WEEKS)
    assert [(f.name, f.data) for f in again] == [(f.name, f.data) for f in files]
    other_seed = generate_athlete_files(SyntheticAthlete(), START, weeks=WEEKS, seed=1)
    assert [f.data for f in other_seed] != [f.data for f in files]
    start = datetime(2026, 3, 2, 6, tzinfo=UTC)
    assert one_hour_run(start, seed=3).data == one_hour_run(start, seed=3).data
    assert one_hour_run(start, seed=3).data != one_hour_run(start, seed=4).data


# --------------------------------------------------------------------------------------------
# The encoder itself
# --------------------------------------------------------------------------------------------


def test_crc_matches_fitparse() -> None:
    rng = random.Random(0)
    for size in (0, 1, 2, 13, 1000):
        data = bytes(rng.getrandbits(8) for _ in range(size))
        assert crc16(data) == Crc.calculate(data)
    assert crc16(b"123456789") == 0xBB3D  # CRC-16/ARC check value


def test_header_and_file_crc_are_valid() -> None:
    data = one_hour_run(datetime(2026, 3, 2, 6, tzinfo=UTC), duration_s=30).data
    assert data[0] == 14 and data[8:12] == b".FIT"
    assert int.from_bytes(data[4:8], "little") == len(data) - 16
    assert int.from_bytes(data[12:14], "little") == crc16(data[:12])
    assert crc16(data) == 0  # a CRC over data plus its own CRC leaves no remainder


def test_writer_reuses_local_message_numbers_beyond_sixteen_definitions() -> None:
    start = datetime(2026, 3, 2, 6, tzinfo=UTC)
    writer = FitWriter()
    writer.add(
        "file_id",
        type="activity",
        manufacturer="development",
        product=1,
        serial_number=1,
        time_created=start,
    )
    extras = (
        "cadence",
        "distance",
        "speed",
        "power",
        "altitude",
        "temperature",
        "grade",
        "calories",
        "vertical_speed",
        "cycles",
        "total_cycles",
        "gps_accuracy",
        "resistance",
        "cycle_length",
        "accumulated_power",
        "left_right_balance",
        "activity_type",
    )
    layouts = [("timestamp", "heart_rate")] + [("timestamp", "heart_rate", x) for x in extras]
    definitions = [message_definition("record", list(layout)) for layout in layouts]
    assert len(definitions) > 16
    for second in range(3):  # every pass evicts and re-defines the least recently used slot
        for k, definition in enumerate(definitions):
            when = start + timedelta(seconds=second * 100 + k)
            writer.write(definition, {"timestamp": when, "heart_rate": 100 + k})
    data = writer.to_bytes()
    records = read_fitparse(data)["record"]
    assert [r["heart_rate"] for r in records] == [100 + k for k in range(len(layouts))] * 3
    messages, errors = garmin_decoder(data).read()
    assert errors == [] and len(messages["record_mesgs"]) == 3 * len(layouts)


def test_writer_converts_units_names_and_missing_values() -> None:
    start = datetime(2026, 3, 2, 6, tzinfo=UTC)
    writer = FitWriter()
    writer.add(
        "file_id",
        type="activity",
        manufacturer="garmin",
        product=2691,
        serial_number=42,
        time_created=start,
    )
    record = writer.define("record", ["timestamp", "distance", "altitude", "heart_rate"])
    writer.write_columns(
        record, [[start, start + timedelta(seconds=1)], [0.0, 3.21], [-12.4, 100.0], [None, 140]]
    )
    writer.add("hrv", time=[0.5, 0.51])
    writer.add("sport", sport="running", sub_sport="trail", name="Trail Run")
    parsed = read_fitparse(writer.to_bytes())
    assert parsed["file_id"][0]["garmin_product"] == "fr935"
    first, second = parsed["record"]
    assert first["heart_rate"] is None and second["heart_rate"] == 140
    assert first["altitude"] == pytest.approx(-12.4) and second["distance"] == 3.21
    assert as_utc(second["timestamp"]) == start + timedelta(seconds=1)
    assert parsed["hrv"][0]["time"] == (0.5, 0.51)
    assert parsed["sport"][0] == {"sport": "running", "sub_sport": "trail", "name": "Trail Run"}
    assert writer.message_counts["record"] == 2


def test_writer_rejects_values_it_cannot_encode() -> None:
    writer = FitWriter()
    record = message_definition("record", ["timestamp", "heart_rate"])
    with pytest.raises(FitEncodeError):
        writer.write(record, {"heart_rate": 255})  # 0xFF is uint8's "invalid" marker
    with pytest.raises(FitEncodeError):
        writer.write(record, {"heart_rate": -1})
    with pytest.raises(FitEncodeError):
        writer.write(record, {"timestamp": datetime(2026, 3, 2, 6)})  # naive
    with pytest.raises(FitEncodeError):
        writer.write(record, {"cadence": 80})  # not in the definition
    with pytest.raises(FitEncodeError):
        writer.add("session", sport="rowing machine")  # unknown enum name
    with pytest.raises(KeyError):
        message_definition("record", ["no_such_field"])
    assert to_fit_timestamp(datetime(1989, 12, 31, tzinfo=UTC)) == 0
