"""Checks at the door, on FIT files written here and decoded by the product: each physical
range at its edges (the raw values read back by Garmin's SDK, the stored values null where
the hand-written expectation says), heart rate 0 out of the zones and the coverage, a
distance reset counted and its kilometres summed by hand, and files whose times cannot be
real named with the reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import polars as pl
import pytest

from tests.helpers import activity_fit as fit_file
from tests.helpers import sdk_records
from transforms.daily_facts import daily_facts
from transforms.fit_decode import decode_fit
from transforms.plausibility import date_window, instant_problem
from warehouse.ddl import create_all
from warehouse.facts import read_raw
from warehouse.fit_load import BatchEntry, FitBatch, load_fit_batch
from warehouse.manifest import SourceFile

#: 2026-06-01 14:00 in Berlin (UTC+2): tomorrow is 2026-06-02, which ends at 21:59:59 UTC.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
WINDOW = date_window("Europe/Berlin", NOW)


#: One value per record at each edge: (FIT field, value written, stored column, stored value).
EDGES = [
    ("heart_rate", 24, "heart_rate_bpm", None),
    ("heart_rate", 25, "heart_rate_bpm", 25.0),
    ("heart_rate", 250, "heart_rate_bpm", 250.0),
    ("heart_rate", 251, "heart_rate_bpm", None),
    ("heart_rate", 0, "heart_rate_bpm", None),
    ("enhanced_speed", 12.5, "speed_m_s", 12.5),
    ("enhanced_speed", 12.51, "speed_m_s", None),
    ("cadence", 150, "cadence_rpm", 150.0),
    ("cadence", 151, "cadence_rpm", None),
    ("power", 3000, "power_w", 3000.0),
    ("power", 3001, "power_w", None),
    ("enhanced_altitude", 9000.0, "altitude_m", 9000.0),
    ("enhanced_altitude", 9000.2, "altitude_m", None),
]


def _edge_file(sport: str) -> bytes:
    return fit_file([{"t": i, field: value} for i, (field, value, _, _) in enumerate(EDGES)],
                    sessions=((sport, 0, None),))


def test_each_range_at_its_edges_in_a_running_file() -> None:
    data = _edge_file("running")
    sdk = sdk_records(data)
    decoded = decode_fit(data)
    records = decoded.tables["fit_records"].sort("message_seq")
    for i, (field, value, column, stored) in enumerate(EDGES):
        assert sdk[i][field] == pytest.approx(value), (field, value)  # the file holds it
        assert records[column][i] == (None if stored is None else pytest.approx(stored)), (
            field, value)
    assert decoded.nulled == {"heart_rate_bpm<25": 2, "heart_rate_bpm>250": 1,
                              "speed_m_s>12.5 (running)": 1, "cadence_rpm>150 (running)": 1,
                              "power_w>3000": 1, "altitude_m>9000": 1}


def test_running_limits_leave_other_sports_alone() -> None:
    """A cyclist rides faster than 12.5 m/s and pedals above 150 rpm; heart rate, power and
    altitude keep their limits in every sport."""
    data = _edge_file("cycling")
    records = decode_fit(data).tables["fit_records"].sort("message_seq")
    by_field = {(f, v): i for i, (f, v, _, _) in enumerate(EDGES)}
    assert records["speed_m_s"][by_field[("enhanced_speed", 12.51)]] == pytest.approx(12.51)
    assert records["cadence_rpm"][by_field[("cadence", 151)]] == 151.0
    assert records["heart_rate_bpm"][by_field[("heart_rate", 0)]] is None
    assert records["power_w"][by_field[("power", 3001)]] is None


def test_a_multisport_file_nulls_running_speed_only_in_its_running_session() -> None:
    data = fit_file([{"t": 5, "enhanced_speed": 13.0}, {"t": 15, "enhanced_speed": 13.0}],
                    sessions=(("running", 0, 10), ("cycling", 10, 20)))
    decoded = decode_fit(data)
    speeds = decoded.tables["fit_records"].sort("message_seq")["speed_m_s"].to_list()
    assert [r["enhanced_speed"] for r in sdk_records(data)] == [13.0, 13.0]
    assert speeds == [None, 13.0]
    assert decoded.nulled == {"speed_m_s>12.5 (running)": 1}


def test_distance_is_never_altered_even_when_speed_is_nulled() -> None:
    """An hour at 100 m/s: its speed samples are null, its 360 km stay as recorded."""
    records = [{"t": i, "distance": 100.0 * i, "enhanced_speed": 100.0}
               for i in range(0, 3601, 60)]
    decoded = decode_fit(fit_file(records))
    stored = decoded.tables["fit_records"].sort("message_seq")
    assert stored["distance_m"].max() == pytest.approx(360_000.0)
    assert stored["speed_m_s"].null_count() == len(records)
    assert decoded.nulled == {"speed_m_s>12.5 (running)": len(records)}


def _facts(data: bytes, athlete: str = "a") -> pl.DataFrame:
    """The day's training facts of one file, loaded into a warehouse and built as `build`
    builds them."""
    con = duckdb.connect()
    create_all(con)
    decoded = decode_fit(data)
    file = SourceFile(athlete, "c" * 64, "/x.fit", len(data), "fit", "loaded")
    load_fit_batch(con, FitBatch(athlete, [BatchEntry(file, decoded)]), NOW)
    athletes = pl.DataFrame({
        "athlete_id": [athlete], "timezone": ["Europe/Berlin"], "sex": ["female"],
        "birth_year": [1990], "height_cm": [168.0], "weight_kg": [60.0], "max_hr": [190.0],
        "resting_hr": [50.0], "lthr": [170.0], "zone_model": ["hrmax"]})
    training = daily_facts(read_raw(con, [athlete]), athletes, NOW.date()).training
    return training.filter(pl.col("run_moving_min") > 0)


def test_heart_rate_0_counts_in_no_zone_and_lowers_the_coverage() -> None:
    """A 10-minute run at 1 Hz: HR 0 for its first 300 samples, 150 bpm after. Moving time
    599 s (the first sample is credited nothing); heart rate covers the 300 s credited to
    samples 300..599; 150 bpm is 79 % of 190, zone 3 of the hrmax model (70-80 %)."""
    data = fit_file([{"t": i, "heart_rate": 0 if i < 300 else 150, "distance": 3.0 * i}
                     for i in range(600)])
    day = _facts(data).row(0, named=True)
    assert day["hr_covered_min"] == pytest.approx(300 / 60)
    assert day["hr_coverage_pct"] == pytest.approx(100 * 300 / 599)
    assert day["z3_min"] == pytest.approx(5.0)
    assert day["z1_min"] == day["z2_min"] == day["z4_min"] == day["z5_min"] == 0


def test_a_distance_reset_is_counted_and_the_km_after_it_still_count() -> None:
    """Cumulative distance 0..897 m, then from 0 again to 897 m: one reset, and the day's
    distance is the sum of the increases, 0.897 + 0.897 km."""
    records = [{"t": i, "distance": 3.0 * (i if i < 300 else i - 300), "heart_rate": 140}
               for i in range(600)]
    data = fit_file(records)
    assert decode_fit(data).distance_resets == 1
    assert _facts(data).row(0, named=True)["run_distance_km"] == pytest.approx(1.794)


def test_a_time_after_tomorrow_in_the_athletes_zone_is_named() -> None:
    end_of_tomorrow = datetime(2026, 6, 2, 21, 59, 58, tzinfo=UTC)  # 23:59:58 in Berlin
    ok = decode_fit(fit_file([{"t": 0}], start=end_of_tomorrow, local_offset_s=None))
    assert instant_problem(ok.tables, WINDOW) is None
    late = decode_fit(fit_file([{"t": 0}, {"t": 2}], start=end_of_tomorrow,
                               local_offset_s=None))
    reason = instant_problem(late.tables, WINDOW)
    assert reason is not None
    assert "2026-06-02T22:00:00Z" in reason or "2026-06-02T22:00:01Z" in reason
    assert "to 2026-06-02 (tomorrow) in Europe/Berlin" in reason


def test_a_2099_file_is_named_with_the_time_found() -> None:
    decoded = decode_fit(fit_file([{"t": 0, "heart_rate": 120}],
                                  start=datetime(2099, 1, 1, 8, 0, tzinfo=UTC)))
    reason = instant_problem(decoded.tables, WINDOW)
    assert reason is not None and "2099-01-01T" in reason
    assert "from 1990-01-01 to 2026-06-02" in reason


def test_a_file_with_only_device_relative_times_is_named() -> None:
    """Written at 1989-12-31T01:00Z: FIT value 3600, below 0x10000000, so seconds since the
    device was switched on; its wall clock (1989-12-31T03:00) is no date either."""
    start = datetime(1989, 12, 31, 1, 0, tzinfo=UTC)
    for offset in (7200, None):
        decoded = decode_fit(fit_file([{"t": 0}, {"t": 1}], start=start,
                                      local_offset_s=offset))
        assert decoded.tables["fit_records"]["timestamp_utc"].null_count() == 2
        reason = instant_problem(decoded.tables, WINDOW)
        assert reason is not None
        assert "device-relative" in reason and "from 3600 s" in reason
        assert "1989-12-31T01:00:00Z" in reason and "from 1990-01-01" in reason


def test_device_relative_records_in_a_dated_file_load_and_are_counted() -> None:
    """Records from power-on (3600 s on) in a file whose activity states a real wall clock
    (as the compressed-timestamp files of old Forerunners do): loaded, the records counted
    as without a date."""
    start = datetime(1989, 12, 31, 1, 0, tzinfo=UTC)
    writer_file = fit_file([{"t": 0}, {"t": 1}, {"t": 2}], start=start, local_offset_s=None)
    decoded = decode_fit(writer_file)
    assert decoded.nulled == {"timestamp device-relative (no date)": 3}
    dated = decoded.tables["fit_activity"].with_columns(
        pl.lit(datetime(2012, 2, 13, 12, 21, 3)).alias("local_timestamp"))
    assert instant_problem({**decoded.tables, "fit_activity": dated}, WINDOW) is None


def test_the_window_is_the_athletes_tomorrow() -> None:
    late_evening_utc = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)  # already 2 June in Berlin
    assert date_window("Europe/Berlin", late_evening_utc).last_day == date(2026, 6, 3)
    assert date_window("America/New_York", late_evening_utc).last_day == date(2026, 6, 2)
    assert date_window(None, late_evening_utc).zone == "UTC"
