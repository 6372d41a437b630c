"""Decoding real FIT files: every value checked against fitparse's own default decoding."""

from __future__ import annotations

import functools
import io
import math
from datetime import UTC

import fitparse
import polars as pl
import pytest

from tests.helpers import fit_manifest, require_fixtures
from transforms.fit_decode import DecodedFit, FitDecodeError, decode_fit

ROWS = fit_manifest()
VALID = [r["path"] for r in ROWS if r["fitparse_1_2_0_parses"] == "True"]
BROKEN = [r["path"] for r in ROWS if r["fitparse_1_2_0_parses"] == "False"]
EXPECTED_RECORDS = {r["path"]: int(r["record_messages"]) for r in ROWS}

#: What each broken fixture's reason must say (from MANIFEST.tsv's description).
BROKEN_REASONS = {
    "fitdecode/activity-filecrc.fit": "CRC",
    "fitdecode/activity-unexpected-eof.fit": "truncated",
    "fitdecode/activity-settings-corruptheader.fit": "header",
    "python-fitparse/coros-pace-2-cycling-misaligned-fields.fit": "field size",
    "fit4s/610464_no_defmsg.fit": "local message type",
}


def _reference(data: bytes, name: str) -> list[dict]:
    """Messages as fitparse's default API gives them (default processor, values dict)."""
    return _reference_all(data).get(name, [])


@functools.cache
def _reference_all(data: bytes) -> dict[str, list[dict]]:
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
    ref_hr = [r.get("heart_rate") for r in reference]
    assert records["heart_rate_bpm"].to_list() == [None if v is None else float(v)
                                                  for v in ref_hr]
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


@pytest.mark.parametrize("path", BROKEN or ["<no fixtures>"])
def test_broken_fixture_is_refused_with_its_reason(path: str) -> None:
    data = (require_fixtures() / path).read_bytes()
    with pytest.raises(FitDecodeError) as info:
        decode_fit(data)
    assert BROKEN_REASONS[path].lower() in info.value.reason.lower()
    assert f"of {len(data)}" in info.value.reason  # says where in the file it broke


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


def test_developer_registry_does_not_leak_between_files() -> None:
    """fitparse keeps developer fields in a global; a worker decodes many files in turn."""
    fixtures = require_fixtures()
    plain = (fixtures / "fit4s/Standard.fit").read_bytes()
    alone = decode_fit(plain)
    decode_fit((fixtures / "fitdecode/developer-types-sample.fit").read_bytes())
    after = decode_fit(plain)
    for table, frame in alone.tables.items():
        assert after.tables[table].equals(frame)
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


def test_truncated_copy_of_a_real_file_is_refused() -> None:
    data = (require_fixtures() / "fit4s/Standard.fit").read_bytes()
    with pytest.raises(FitDecodeError, match="truncated"):
        decode_fit(data[: len(data) // 2])


def test_activity_offset_from_local_timestamp() -> None:
    data = (require_fixtures() / "fitdecode/activity-small-fenix2-run.fit").read_bytes()
    activity = decode_fit(data).tables["fit_activity"].row(0, named=True)
    (ref,) = _reference(data, "activity")
    expected = (ref["local_timestamp"] - ref["timestamp"]).total_seconds()
    assert activity["utc_offset_s"] == expected
    assert activity["utc_offset_status"] == "stated"
