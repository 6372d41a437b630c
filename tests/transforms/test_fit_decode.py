"""Decoding real FIT files: every value checked against fitparse's own default decoding, and
what each file yields (records, first and last sample, where a broken file breaks) against
Garmin's FIT SDK."""

from __future__ import annotations

import functools
import io
import math
import struct
from datetime import UTC, datetime

import fitparse
import polars as pl
import pytest
from garmin_fit_sdk import Decoder, Stream

from schemas.fit import DecodedFit
from synthetic.fit_writer import crc16, to_fit_timestamp
from tests.helpers import (
    SDK_UNSUPPORTED,
    fit_manifest,
    reference_read,
    require_fixtures,
    sdk_read,
)
from transforms.fit_decode import FitDecodeError, decode_fit

ROWS = fit_manifest()
VALID = [r["path"] for r in ROWS if r["fitparse_1_2_0_parses"] == "True"]
EXPECTED_RECORDS = {r["path"]: int(r["record_messages"]) for r in ROWS}

#: The fixtures that break part-way, what their reason says (MANIFEST.tsv's description),
#: and where the fault begins, from the file's own header: the file CRC sits right after
#: the header and data the header declares; a chained file's second header right after that
#: CRC; a truncated file breaks where its last whole message ends (the SDK says where).
PARTIAL = {
    "fitdecode/activity-filecrc.fit": ("CRC", "file crc"),
    "fitdecode/activity-unexpected-eof.fit": ("truncated", "last whole message"),
    "fitdecode/activity-settings-corruptheader.fit": ("header", "second header"),
}
#: fitparse refuses these; they hold no data message before their fault (the SDK reads none).
REFUSED = {"fit4s/610464_no_defmsg.fit": "local message type"}
ALL_FIXTURES = [r["path"] for r in ROWS]


def _reference(data: bytes, name: str) -> list[dict]:
    """Messages as fitparse's default API gives them (default processor, values dict)."""
    return _reference_all(data).get(name, [])


@functools.cache
def _reference_all(data: bytes) -> dict[str, list[dict]]:
    return reference_read(_fitparse_all, data)


def _fitparse_all(data: bytes) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for m in fitparse.FitFile(io.BytesIO(data)).get_messages():
        out.setdefault(m.name, []).append(m.get_values())
    return out


@functools.cache
def _decoded(path: str) -> tuple[bytes, DecodedFit]:
    data = (require_fixtures() / path).read_bytes()
    return data, decode_fit(data)


def _close(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("path", VALID or ["<no fixtures>"])
def test_valid_fixture_records_match_fitparse(path: str) -> None:
    data, decoded = _decoded(path)
    reference = _reference(data, "record")
    assert decoded.record_count == len(reference) == EXPECTED_RECORDS[path]
    records = decoded.tables.get("fit_records")
    assert (0 if records is None else records.height) == len(reference)
    if not reference:
        return
    # heart rate outside 25-250 bpm is no reading and is stored as null (zwift_activity.fit
    # writes 0 throughout)
    ref_hr = [r.get("heart_rate") for r in reference]
    assert records["heart_rate_bpm"].to_list() == [
        None if v is None or not 25 <= v <= 250 else float(v) for v in ref_hr]
    ref_distance = [r.get("distance") for r in reference]
    assert all(_close(a, b) for a, b in zip(records["distance_m"].to_list(), ref_distance,
                                            strict=True))
    first = next((r["timestamp"] for r in reference if r.get("timestamp")), None)
    if isinstance(first, int):  # fitparse leaves device-relative times (< 0x10000000) as ints
        assert first < 0x10000000
        assert records["timestamp_utc"].null_count() == records.height  # never a 1990 date
        assert records["timestamp_device_s"].drop_nulls()[0] == first
    elif first is not None:
        assert records["timestamp_utc"].drop_nulls()[0] == first.replace(tzinfo=UTC)
        assert records["timestamp_device_s"].null_count() == records.height


@pytest.mark.parametrize("path", VALID or ["<no fixtures>"])
def test_valid_fixture_session_totals_match_fitparse(path: str) -> None:
    data, decoded = _decoded(path)
    reference = _reference(data, "session")
    sessions = decoded.tables.get("fit_sessions")
    assert (0 if sessions is None else sessions.height) == len(reference)
    pairs = {
        "total_distance_m": "total_distance",
        "total_timer_time_s": "total_timer_time",
        "total_elapsed_time_s": "total_elapsed_time",
        "total_calories_kcal": "total_calories",
        "avg_heart_rate_bpm": "avg_heart_rate",
        "total_ascent_m": "total_ascent",
    }
    for row, ref in zip(sessions.sort("message_seq").iter_rows(named=True) if reference else [],
                        reference, strict=True):
        for ours, theirs in pairs.items():
            assert _close(row[ours], ref.get(theirs)), (path, ours, row[ours], ref.get(theirs))
        assert row["sport"] == (None if ref.get("sport") is None else str(ref["sport"]))


def _first_last(decoded: DecodedFit) -> tuple[datetime | None, datetime | None]:
    records = decoded.tables.get("fit_records")
    if records is None:
        return None, None
    stamps = records.sort("segment", "message_seq")["timestamp_utc"].drop_nulls()
    return (stamps[0], stamps[-1]) if len(stamps) else (None, None)


@pytest.mark.parametrize("path", ALL_FIXTURES or ["<no fixtures>"])
def test_every_fixture_yields_what_the_garmin_sdk_reads(path: str) -> None:
    """Records and first/last sample time as the SDK reads them; a file the SDK reads only
    up to an error is partial here with the SDK's count up to that fault; a file the SDK
    reads no data message from is refused."""
    data = (require_fixtures() / path).read_bytes()
    sdk = sdk_read(data)
    if path in SDK_UNSUPPORTED:
        assert sdk.errors and "Compressed timestamp" in sdk.errors[0]
        pytest.skip("the SDK does not read compressed timestamps (fitparse's values are "
                    "checked in test_valid_fixture_records_match_fitparse)")
    if sdk.data_messages == 0:
        assert sdk.errors
        with pytest.raises(FitDecodeError) as info:
            decode_fit(data)
        assert REFUSED[path] in info.value.reason
        assert f"of {len(data)}" in info.value.reason  # says where in the file it broke
        return
    decoded = decode_fit(data)
    assert (decoded.partial is not None) == bool(sdk.errors) == (path in PARTIAL)
    assert decoded.record_count == sdk.records
    assert _first_last(decoded) == (sdk.first, sdk.last)


@pytest.mark.parametrize("path", sorted(PARTIAL) or ["<no fixtures>"])
def test_partial_fixture_says_why_and_where(path: str) -> None:
    data = (require_fixtures() / path).read_bytes()
    decoded = decode_fit(data)
    word, where = PARTIAL[path]
    declared_end = data[0] + int.from_bytes(data[4:8], "little")  # header + data sizes
    expected = {"file crc": declared_end, "second header": declared_end + 2,
                "last whole message": sdk_read(data).last_message_end}[where]
    assert decoded.partial is not None
    assert decoded.partial.offset == expected
    assert word.lower() in decoded.partial.reason.lower()
    assert f"at byte {expected} of {len(data)}" in decoded.partial.reason
    assert decoded.tables["fit_records"].height == decoded.record_count > 0


def test_misaligned_fixture_is_read_whole() -> None:
    """The COROS file declares a 1-byte uint32 field; fitparse refuses the file there, the
    SDK reads on (compared in test_every_fixture_yields_what_the_garmin_sdk_reads)."""
    data = (require_fixtures() / "python-fitparse/coros-pace-2-cycling-misaligned-fields.fit"
            ).read_bytes()
    with pytest.raises(fitparse.FitParseError, match="Invalid field size"):
        fitparse.FitFile(io.BytesIO(data)).parse()
    decoded = decode_fit(data)
    assert decoded.partial is None
    sessions = decoded.tables["fit_sessions"]
    (sdk_session,) = Decoder(Stream.from_byte_array(bytearray(data))).read()[0]["session_mesgs"]
    assert sessions["total_distance_m"].to_list() == [sdk_session["total_distance"]]


def _record_file(rows: list[tuple[int, int, bytes]]) -> bytes:
    """A FIT file by hand: record messages of timestamp (uint32), heart_rate (uint8) and
    power declared uint16 but 3 bytes long (no multiple of 2)."""
    definition = struct.pack("<BBBHB", 0x40, 0, 0, 20, 3) + bytes(
        [253, 4, 0x86, 3, 1, 0x02, 7, 3, 0x84])
    body = definition + b"".join(struct.pack("<BIB", 0, ts, hr) + power
                                 for ts, hr, power in rows)
    head = struct.pack("<BBHI4s", 14, 0x20, 2080, len(body), b".FIT")
    head += struct.pack("<H", crc16(head))
    return head + body + struct.pack("<H", crc16(body, crc16(head)))


def test_misaligned_field_is_null_and_its_message_kept() -> None:
    start = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
    rows = [(to_fit_timestamp(start) + i, 120 + i, bytes([i, 1, 2])) for i in range(5)]
    data = _record_file(rows)
    with pytest.raises(fitparse.FitParseError, match="Invalid field size"):
        fitparse.FitFile(io.BytesIO(data)).parse()
    sdk = Decoder(Stream.from_byte_array(bytearray(data))).read()[0]["record_mesgs"]
    decoded = decode_fit(data)
    records = decoded.tables["fit_records"]
    assert decoded.partial is None and records.height == len(sdk) == 5
    assert records["heart_rate_bpm"].to_list() == [float(m["heart_rate"]) for m in sdk]
    assert records["timestamp_utc"].to_list() == [m["timestamp"] for m in sdk]
    assert records["power_w"].to_list() == [None] * 5


def test_chained_file_loads_every_segment() -> None:
    data = (require_fixtures() / "fitdecode/activity-settings.fit").read_bytes()
    decoded = decode_fit(data)
    assert decoded.segments == 2
    assert decoded.tables["fit_file_id"]["segment"].to_list() == [0, 1]
    assert decoded.tables["fit_user_profile"]["segment"].to_list() == [1]
    assert decoded.record_count == len(_reference(data, "record"))


def test_developer_fields_kept_with_units() -> None:
    data = (require_fixtures() / "fitdecode/developer-types-sample.fit").read_bytes()
    decoded = decode_fit(data)
    fields = decoded.fields.filter(pl.col("is_developer_field"))
    assert fields.height > 0
    # each developer field appears in extra_fields with fitparse's value
    reference = _reference(data, "record")
    first_dev = fields.filter(pl.col("message") == "record")["field"][0]
    name = first_dev.removeprefix("dev_")
    extras = decoded.tables["fit_records"].select(
        pl.col("extra_fields").str.json_path_match(f"$['{first_dev}']")
    ).to_series()
    expected = [r.get(name) for r in reference]
    got = [None if v is None else float(v) for v in extras.to_list()]
    assert all(_close(a, b) for a, b in zip(got, expected, strict=True))


@pytest.mark.parametrize("decoder", ["fast", "fitparse"])
def test_developer_registry_does_not_leak_between_files(decoder: str) -> None:
    """fitparse keeps developer fields in a global; a worker decodes many files in turn."""
    fixtures = require_fixtures()
    plain = (fixtures / "fit4s/Standard.fit").read_bytes()
    alone = decode_fit(plain, decoder)
    decode_fit((fixtures / "fitdecode/developer-types-sample.fit").read_bytes(), decoder)
    after = decode_fit(plain, decoder)
    for table, frame in alone.tables.items():
        assert after.tables[table].equals(frame)
    if decoder == "fitparse":
        assert fitparse.records.DEV_TYPES == {}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"Date,Meal,Calories\n2024-01-01,Breakfast,500\n", "not a FIT file"),
        (bytes(range(256)) * 4, "not a FIT file"),
    ],
    ids=["zero-bytes", "csv-renamed", "random-bytes"],
)
def test_non_fit_input_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(FitDecodeError, match=reason):
        decode_fit(data)


def _definition(local: int, global_num: int, fields: list[tuple[int, int, int]],
                dev: list[tuple[int, int, int]] | None = None) -> bytes:
    header = 0x40 | local | (0x20 if dev else 0)
    out = struct.pack("<BBBHB", header, 0, 0, global_num, len(fields)) + bytes(
        b for f in fields for b in f)
    return out + (bytes([len(dev), *(b for d in dev for b in d)]) if dev else b"")


def test_misaligned_developer_field_is_null_and_the_stream_stays_aligned() -> None:
    """A developer field declared uint16 but 3 bytes long: fitparse reads 2 of the 3 bytes
    and loses its place; the SDK stops there. Its value is null here, the records whole."""
    start = to_fit_timestamp(datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    body = (_definition(0, 207, [(3, 1, 0x02), (1, 16, 0x0D)]) + bytes([0, 0]) + bytes(16)
            + _definition(1, 206, [(0, 1, 0x02), (1, 1, 0x02), (2, 1, 0x02), (3, 8, 0x07),
                                   (8, 4, 0x07)])
            + bytes([1, 0, 0, 0x84]) + b"power2\0\0" + b"W\0\0\0"
            + _definition(2, 20, [(253, 4, 0x86), (3, 1, 0x02)], dev=[(0, 3, 0)])
            + b"".join(struct.pack("<BIB", 2, start + i, 120 + i) + bytes([i, 1, 2])
                       for i in range(4)))
    head = struct.pack("<BBHI4s", 14, 0x20, 2080, len(body), b".FIT")
    head += struct.pack("<H", crc16(head))
    data = head + body + struct.pack("<H", crc16(body, crc16(head)))
    decoded = decode_fit(data)
    records = decoded.tables["fit_records"]
    assert decoded.partial is None and decoded.record_count == 4
    assert records["heart_rate_bpm"].to_list() == [120.0, 121.0, 122.0, 123.0]
    assert records["extra_fields"].to_list() == [None] * 4  # dev_power2: null in every row
    assert decoded.fields.filter(pl.col("is_developer_field"))["field"].to_list() == [
        "dev_power2"]


def test_truncated_copy_of_a_real_file_keeps_what_the_sdk_reads() -> None:
    data = (require_fixtures() / "fit4s/Standard.fit").read_bytes()
    cut = data[: len(data) // 2]
    sdk = sdk_read(cut)
    decoded = decode_fit(cut)
    assert decoded.partial is not None and "truncated" in decoded.partial.reason
    assert decoded.partial.offset == sdk.last_message_end
    assert 0 < decoded.record_count == sdk.records < int(EXPECTED_RECORDS["fit4s/Standard.fit"])
    assert _first_last(decoded) == (sdk.first, sdk.last)


def test_a_cut_before_any_data_message_is_refused() -> None:
    data = (require_fixtures() / "fit4s/Standard.fit").read_bytes()
    with pytest.raises(FitDecodeError, match="truncated.*no data message before it"):
        decode_fit(data[:20])  # the header and part of the first definition


def test_activity_offset_from_local_timestamp() -> None:
    data = (require_fixtures() / "fitdecode/activity-small-fenix2-run.fit").read_bytes()
    activity = decode_fit(data).tables["fit_activity"].row(0, named=True)
    (ref,) = _reference(data, "activity")
    expected = (ref["local_timestamp"] - ref["timestamp"]).total_seconds()
    assert activity["utc_offset_s"] == expected
    assert activity["utc_offset_status"] == "stated"
