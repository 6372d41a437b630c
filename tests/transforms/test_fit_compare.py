"""Comparing two decodings of a FIT file: every difference found, values shown only when
asked for (a user's `--verify-decoder` output names places, never health values)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import polars as pl
import pytest

from schemas.fit import DecodedFit
from synthetic import one_hour_run
from transforms.fit_compare import ROWS_NAMED, differences
from transforms.fit_decode import decode_fit_fitparse


@pytest.fixture(scope="module")
def decoded() -> DecodedFit:
    """A one-minute generated run as fitparse reads it."""
    return decode_fit_fitparse(one_hour_run(datetime(2025, 3, 3, 7, tzinfo=UTC),
                                            duration_s=60).data)


def _with_table(fit: DecodedFit, name: str, frame: pl.DataFrame) -> DecodedFit:
    return replace(fit, tables={**fit.tables, name: frame})


def _set_rows(frame: pl.DataFrame, column: str, rows: list[int], value: float) -> pl.DataFrame:
    index = pl.int_range(pl.len())
    return frame.with_columns(
        pl.when(index.is_in(rows)).then(pl.lit(value)).otherwise(pl.col(column)).alias(column))


def test_a_decoding_equals_itself(decoded: DecodedFit) -> None:
    assert differences(decoded, decoded) == []
    assert differences(decoded, decoded, values=False) == []


def test_changed_values_are_named_by_table_column_and_rows(decoded: DecodedFit) -> None:
    records = decoded.tables["fit_records"]
    tampered = _with_table(decoded, "fit_records",
                           _set_rows(records, "heart_rate_bpm", [3, 40], 251.0))

    (where,) = differences(tampered, decoded, values=False)
    assert where == "fit_records.heart_rate_bpm rows 3, 40 (2 rows differ)"
    (with_values,) = differences(tampered, decoded)
    assert with_values == (f"fit_records.heart_rate_bpm row 3 (of 2 rows): fast 251.0 != "
                           f"fitparse {records['heart_rate_bpm'][3]!r}")


def test_only_the_first_rows_are_named_and_floats_compare_by_bits(decoded: DecodedFit) -> None:
    records = decoded.tables["fit_records"]
    rows = list(range(0, 60, 2))  # 30 rows; the first ROWS_NAMED are named
    # -0.0 == 0.0 as numbers, but not bit for bit
    zero = _with_table(decoded, "fit_records", _set_rows(records, "power_w", rows, 0.0))
    negative_zero = _with_table(decoded, "fit_records",
                                _set_rows(records, "power_w", rows, -0.0))

    (where,) = differences(negative_zero, zero, values=False)
    named = ", ".join(str(r) for r in rows[:ROWS_NAMED])
    assert where == f"fit_records.power_w rows {named}, ... (30 rows differ)"


def test_extra_fields_name_their_keys_not_their_values(decoded: DecodedFit) -> None:
    laps = decoded.tables["fit_laps"]

    def tampered(obj: dict) -> DecodedFit:
        frame = laps.with_columns(pl.lit(json.dumps(obj)).alias("extra_fields"))
        return _with_table(decoded, "fit_laps", frame)

    obj = json.loads(laps["extra_fields"][0])
    obj["min_heart_rate"] += 1
    obj["not_in_the_file"] = None  # a null member is none (chunked framing drops them)
    (where,) = differences(tampered(obj), decoded, values=False)
    assert where == "fit_laps.extra_fields row 0: keys min_heart_rate"
    assert str(obj["min_heart_rate"]) not in where
    obj["lap_trigger"] = None  # decoded as "session_end": a value gone
    assert differences(tampered(obj), decoded, values=False) == [
        "fit_laps.extra_fields row 0: keys lap_trigger, min_heart_rate"]


def test_file_level_differences_and_the_limit(decoded: DecodedFit) -> None:
    records = decoded.tables["fit_records"]
    tampered = replace(
        _with_table(decoded, "fit_records", records.head(59)),
        distance_resets=decoded.distance_resets + 1)

    assert differences(tampered, decoded, values=False) == [
        f"distance_resets: fast {decoded.distance_resets + 1} != fitparse "
        f"{decoded.distance_resets}",
        "fit_records: 59 rows != 60",
    ]
    assert len(differences(tampered, decoded, limit=1)) == 1
