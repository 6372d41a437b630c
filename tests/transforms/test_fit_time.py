"""Time in decoded FIT files: UTC instants, the offset a file states, DST and midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from synthetic import SyntheticAthlete, generate_athlete_files, one_hour_run
from synthetic.fit_writer import FitWriter
from transforms.fit_decode import decode_fit, utc_offset_columns


@pytest.fixture(scope="module")
def spring_files():
    """Six weeks around the Europe/Berlin spring-forward change (2026-03-29)."""
    return generate_athlete_files(SyntheticAthlete(), date(2026, 3, 2), weeks=6, seed=3)


def _offset_frame(local: list[datetime | None], utc: list[datetime | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"local_timestamp": local, "timestamp_utc": utc},
        schema={"local_timestamp": pl.Datetime("us"),
                "timestamp_utc": pl.Datetime("us", "UTC")},
    ).with_columns(utc_offset_columns())


UTC_END = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local", "offset", "status"),
    [
        (datetime(2026, 3, 29, 10, 0), 7200, "stated"),  # CEST
        (datetime(2026, 3, 29, 4, 30), -3 * 3600 - 1800, "stated"),  # Newfoundland
        (datetime(2026, 3, 29, 22, 0), 14 * 3600, "stated"),  # Kiribati, the widest offset
        (datetime(2026, 3, 29, 23, 0), None, "implausible"),  # +15 h
        (datetime(2026, 3, 28, 17, 0), None, "implausible"),  # -15 h
        (datetime(1989, 12, 31, 0, 0), None, "implausible"),  # a 0 that reached the frame
        (None, None, "missing"),
    ],
)
def test_offset_is_local_minus_utc_within_14_hours(local, offset, status) -> None:
    row = _offset_frame([local], [UTC_END]).row(0, named=True)
    assert (row["utc_offset_s"], row["utc_offset_status"]) == (offset, status)


def test_negative_offset_is_read_from_the_file() -> None:
    run = one_hour_run(datetime(2026, 5, 1, 6, 0, tzinfo=UTC), duration_s=120,
                       utc_offset_s=-(6 * 3600))
    activity = decode_fit(run.data).tables["fit_activity"].row(0, named=True)
    assert (activity["utc_offset_s"], activity["utc_offset_status"]) == (-6 * 3600, "stated")


def test_local_timestamp_zero_in_a_file_is_not_an_offset() -> None:
    """Some devices write local_timestamp = 0; that is no offset, not 1989."""
    writer = FitWriter()
    end = datetime(2026, 5, 1, 7, 0, tzinfo=UTC)
    writer.add("file_id", type="activity", manufacturer="development", product=1,
               serial_number=7, time_created=end)
    writer.add("activity", timestamp=end, local_timestamp=datetime(1989, 12, 31),
               num_sessions=1, total_timer_time=60.0)
    activity = decode_fit(writer.to_bytes()).tables["fit_activity"].row(0, named=True)
    assert activity["local_timestamp"] is None
    assert (activity["utc_offset_s"], activity["utc_offset_status"]) == (None, "missing")


def test_generated_runs_store_utc_and_the_stated_offset(spring_files) -> None:
    runs = [f for f in spring_files if f.sport == "running"]
    assert runs
    for f in runs:
        decoded = decode_fit(f.data)
        records = decoded.tables["fit_records"]
        assert records.height == f.record_count
        first = records["timestamp_utc"].min()
        last = records["timestamp_utc"].max()
        assert first == f.start_utc
        assert last <= f.end_utc
        activity = decoded.tables["fit_activity"].row(0, named=True)
        assert activity["utc_offset_s"] == f.utc_offset_s


def test_dst_run_keeps_its_duration_across_the_change(spring_files) -> None:
    (dst,) = [f for f in spring_files if f.kind == "dst_run"]
    decoded = decode_fit(dst.data)
    session = decoded.tables["fit_sessions"].row(0, named=True)
    records = decoded.tables["fit_records"]
    span = records["timestamp_utc"].max() - records["timestamp_utc"].min()
    # an hour vanishes from the wall clock, none from the run
    assert span <= dst.end_utc - dst.start_utc <= span + timedelta(minutes=5)
    assert session["total_elapsed_time_s"] == pytest.approx((dst.end_utc - dst.start_utc)
                                                            .total_seconds(), abs=1)
    assert dst.utc_offset_s == 7200  # CEST at the activity's end


def test_midnight_run_has_samples_on_both_local_days(spring_files) -> None:
    (run,) = [f for f in spring_files if f.kind == "midnight_run"]
    records = decode_fit(run.data).tables["fit_records"]
    local_days = records.select(
        pl.col("timestamp_utc").dt.convert_time_zone("Europe/Berlin").dt.date().unique()
    ).to_series().sort().to_list()
    assert len(local_days) == 2 and local_days[1] - local_days[0] == timedelta(days=1)


def test_strength_sets_and_weigh_ins_round_trip(spring_files) -> None:
    strength = [f for f in spring_files if f.kind == "strength"]
    weights = [f for f in spring_files if f.kind == "weight"]
    assert strength and weights
    for f in strength:
        sets = decode_fit(f.data).tables["fit_sets"]
        assert sets.height == f.set_count
        active = sets.filter(pl.col("set_type") == "active")
        assert active["repetitions"].drop_nulls().min() > 0
    for f in weights:
        scale = decode_fit(f.data).tables["fit_weight_scale"]
        assert scale["weight_kg"][0] == pytest.approx(f.weight_kg, abs=0.005)
