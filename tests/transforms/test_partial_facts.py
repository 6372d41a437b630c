"""A partial FIT file's records reach the daily facts: a run cut off before its session was
written still counts as running, its sport taken from its laps or its `sport` message."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import polars as pl
import pytest

from synthetic import one_hour_run
from tests.helpers import sdk_read
from transforms.daily_facts import daily_facts
from transforms.fit_decode import decode_fit
from warehouse.ddl import create_all
from warehouse.facts import read_raw
from warehouse.fit_load import BatchEntry, FitBatch, load_fit_batch
from warehouse.manifest import SourceFile

START = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)


def _athletes() -> pl.DataFrame:
    return pl.DataFrame({
        "athlete_id": ["a"], "timezone": ["Europe/Berlin"], "sex": ["female"],
        "birth_year": [1990], "height_cm": [168.0], "weight_kg": [60.0], "max_hr": [190.0],
        "resting_hr": [50.0], "lthr": [170.0], "zone_model": ["hrmax"]})


def _training_of(data: bytes) -> dict:
    """Decode, load as the ingest does (status partial) and build the day's facts."""
    decoded = decode_fit(data)
    assert decoded.partial is not None and "fit_sessions" not in decoded.tables
    con = duckdb.connect()
    create_all(con)
    file = SourceFile("a", "c" * 64, "cut.fit", len(data), "fit", "partial",
                      decoded.partial.reason, None, sum(decoded.message_counts.values()),
                      decoded.partial.offset)
    load_fit_batch(con, FitBatch("a", [BatchEntry(file, decoded)]), START)
    facts = daily_facts(read_raw(con, ["a"]), _athletes(), TODAY)
    (row,) = facts.training.filter(pl.col("run_distance_km").is_not_null()).rows(named=True)
    return row


def _expected_km(data: bytes) -> float:
    """Distance between the first and last record the SDK reads from the cut bytes (the
    generated run has no pauses and moves every second)."""
    from garmin_fit_sdk import Decoder, Stream

    records = Decoder(Stream.from_byte_array(bytearray(data))).read()[0]["record_mesgs"]
    return (records[-1]["distance"] - records[0]["distance"]) / 1000


@pytest.mark.parametrize("cut_fraction", [0.08, 0.7], ids=["sport-message-only", "with-laps"])
def test_a_run_cut_before_its_session_counts_as_running(cut_fraction: float) -> None:
    run = one_hour_run(START, seed=3, duration_s=1800)
    data = run.data[: int(len(run.data) * cut_fraction)]
    laps = decode_fit(data).tables.get("fit_laps")
    assert (laps is not None) == (cut_fraction > 0.5)  # the case the id names
    row = _training_of(data)
    assert row["run_distance_km"] == pytest.approx(_expected_km(data), rel=1e-9)
    assert row["run_sessions"] == 1
    records = sdk_read(data).records
    assert row["run_moving_min"] == pytest.approx((records - 1) / 60, rel=1e-9)
