"""Running distance and moving time: a hand-made trace, day splits, and the real files'
own session totals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from tests.helpers import fit_manifest, require_fixtures
from transforms.fit_decode import decode_fit
from transforms.local_days import session_sport
from transforms.running_volume import MAX_GAP_S, running_by_day, running_by_file, sample_deltas

T0 = datetime(2026, 5, 4, 21, 59, 58, tzinfo=UTC)


def _trace(seconds: list[int], distances: list[float | None], days: list[date],
           sport: str = "running", sha: str = "f") -> pl.DataFrame:
    return pl.DataFrame({
        "athlete_id": ["ana"] * len(seconds), "source_sha256": [sha] * len(seconds),
        "segment": [0] * len(seconds),
        "timestamp_utc": [T0 + timedelta(seconds=s) for s in seconds],
        "distance_m": distances, "local_date": days, "sport": [sport] * len(seconds),
        "altitude_m": [100.0 + (s % 3) for s in seconds],
    }, schema_overrides={"distance_m": pl.Float64})


def test_gaps_longer_than_the_threshold_are_pauses_but_their_distance_counts() -> None:
    d1, d2 = date(2026, 5, 4), date(2026, 5, 5)
    trace = _trace([0, 1, 2, 62, 63, 64], [0, 3, 6, 6, 9, 12], [d1, d1, d2, d2, d2, d2])
    deltas = sample_deltas(trace)
    assert deltas["moving_s"].to_list() == [0, 1, 1, 0, 1, 1]  # 60 s gap > 10 s: a pause
    assert deltas["delta_distance_m"].to_list() == [0, 3, 3, 0, 3, 3]
    by_day = running_by_day(deltas)
    assert by_day.select("local_date", "run_distance_km", "run_moving_min").rows() == [
        (d1, pytest.approx(3 / 1000), pytest.approx(1 / 60)),
        (d2, pytest.approx(9 / 1000), pytest.approx(3 / 60))]  # split at local midnight
    assert by_day["run_sessions"].to_list() == [1, 1]
    # altitude 100 + (s mod 3): 100, 101, 102 | 102, 100, 101 -> climbs 1, 1 | 0, 0, 1
    assert by_day["elevation_gain_m"].to_list() == [1.0, 2.0]
    assert MAX_GAP_S == 10.0


def test_unknown_distance_stays_null_and_other_sports_do_not_count() -> None:
    d = date(2026, 5, 4)
    treadmill = _trace([0, 1, 2], [None, None, None], [d] * 3, sha="t")
    walk = _trace([0, 5], [0, 7], [d] * 2, sport="walking", sha="w")
    run = _trace([100, 101], [0, 4], [d] * 2, sha="r")
    out = running_by_day(sample_deltas(pl.concat([treadmill, walk, run]))).row(0, named=True)
    assert out["run_distance_km"] == pytest.approx(4 / 1000)
    assert out["run_moving_min"] == pytest.approx(3 / 60)  # 2 s treadmill + 1 s run
    assert (out["run_sessions"], out["longest_run_min"]) == (2, pytest.approx(2 / 60))
    only_treadmill = running_by_day(sample_deltas(treadmill)).row(0, named=True)
    assert only_treadmill["run_distance_km"] is None


def test_samples_of_one_second_count_in_file_order_however_the_rows_arrive() -> None:
    """A file can repeat a timestamp (7 records of a real FR110 file do). Its samples are
    taken in file order (message_seq), so the distance is the same whatever the order the
    warehouse returns the rows in. Here the distance at second 1 goes 3 -> 5 (file order),
    then 6 at second 2: increases 3 + 2 + 1 = 6 m; in the other order (5 then 3) the drop
    would be dropped and 5 + 0 + 3 = 8 m counted."""
    d = date(2026, 5, 4)
    trace = _trace([0, 1, 1, 2], [0, 3, 5, 6], [d] * 4).with_columns(
        pl.Series("message_seq", [10, 11, 12, 13], pl.Int32))
    expected = [0.0, 3.0, 2.0, 1.0]
    for order in ([0, 1, 2, 3], [0, 2, 1, 3], [3, 2, 1, 0], [2, 0, 3, 1]):
        deltas = sample_deltas(trace[order])
        assert deltas["message_seq"].to_list() == [10, 11, 12, 13], order
        assert deltas["delta_distance_m"].to_list() == expected, order
        (day,) = running_by_day(deltas).rows(named=True)
        assert day["run_distance_km"] == pytest.approx(6 / 1000), order


#: Files whose own session totals cannot be compared: the Suunto file lacks its final lap
#: (session distance 0), and device-relative timestamps give samples no instant.
UNCOMPARABLE = {"fit4s/Suunto-Ambit-3-Peak-without-final-lap.fit",
                "fitdecode/compressed-speed-distance.fit"}
RUNS = [r["path"] for r in fit_manifest()
        if r["fitparse_1_2_0_parses"] == "True" and "running" in r["sports"]
        and r["path"] not in UNCOMPARABLE]


@pytest.mark.parametrize("path", RUNS or ["<no fixtures>"])
def test_real_runs_agree_with_their_session_totals(path: str) -> None:
    """Distance within 1 % and moving time within 7 % or 3 min of the device's timer time
    (older watches record every few seconds, so gaps near the threshold differ)."""
    decoded = decode_fit((require_fixtures() / path).read_bytes())
    sessions = decoded.tables["fit_sessions"].with_columns(pl.lit("x").alias("source_sha256"))
    records = decoded.tables["fit_records"].with_columns(
        pl.lit("a").alias("athlete_id"), pl.lit("x").alias("source_sha256"))
    samples = session_sport(records.filter(pl.col("timestamp_utc").is_not_null()), sessions)
    (got,) = running_by_file(sample_deltas(samples)).rows(named=True)
    running = sessions.filter(pl.col("sport") == "running")
    km = running["total_distance_m"].sum() / 1000
    minutes = running["total_timer_time_s"].sum() / 60
    assert got["run_distance_km"] == pytest.approx(km, rel=0.01, abs=0.005)
    assert abs(got["run_moving_min"] - minutes) <= max(3.0, 0.07 * minutes)


def test_missing_samples_are_bridged_not_lost() -> None:
    d = date(2026, 5, 4)
    trace = _trace([0, 1, 2, 3, 4, 5], [0, 3, None, None, 12, 15], [d] * 6)
    out = running_by_day(sample_deltas(trace)).row(0, named=True)
    assert out["run_distance_km"] == pytest.approx(15 / 1000)


def test_sparse_recording_while_moving_is_not_a_pause() -> None:
    """A watch writing a sample every 15 s: 3 m/s across each gap is running."""
    d = date(2026, 5, 4)
    trace = _trace([0, 15, 30, 45, 105], [0, 45, 90, 135, 135], [d] * 5)  # then a 60 s stop
    out = running_by_day(sample_deltas(trace)).row(0, named=True)
    assert out["run_moving_min"] == pytest.approx(45 / 60)


def test_samples_out_of_order_are_ordered_by_file_segment_and_time_first() -> None:
    d = date(2026, 5, 4)
    first = _trace([0, 1, 2], [0, 3, 6], [d] * 3, sha="a")
    second = _trace([0, 5, 9], [0, 10, 30], [d] * 3, sha="b").with_columns(
        pl.col("segment") + 1)
    shuffled = pl.concat([second, first]).reverse()  # b's times backwards, then a's
    deltas = sample_deltas(shuffled)
    # per file and segment, in time order: a 3 m a second, b 10 m in 5 s, 20 m in 4 s
    by_file = {k: f.sort("timestamp_utc") for (k,), f in
               deltas.partition_by("source_sha256", as_dict=True).items()}
    assert by_file["a"]["delta_distance_m"].to_list() == [0, 3, 3]
    assert by_file["b"]["delta_distance_m"].to_list() == [0, 10, 20]
    assert by_file["b"]["moving_s"].to_list() == [0, 5, 4]
    assert deltas.equals(sample_deltas(deltas))  # ordered rows come back unchanged
