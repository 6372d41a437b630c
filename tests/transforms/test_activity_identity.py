"""Which of two files of one activity the daily facts use (transforms.activity_identity),
on hand-made frames whose expected outcome follows from the rules alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import duckdb
import polars as pl
import pytest

from schemas.frames import RawFrames
from transforms.activity_identity import count_once, superseded_files, without_files
from transforms.daily_facts import daily_facts
from warehouse.ddl import create_all
from warehouse.facts import read_raw

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
SERIAL = 3_912_345_678


def _sessions(*rows: tuple[str, str, datetime, float, str]) -> pl.DataFrame:
    """(athlete, sha, start, minutes, sport) per session."""
    return pl.DataFrame(
        [{"athlete_id": a, "source_sha256": sha, "segment": 0, "message_seq": 0,
          "start_time_utc": start, "timestamp_utc": start + timedelta(minutes=minutes),
          "sport": sport, "total_elapsed_time_s": minutes * 60.0}
         for a, sha, start, minutes, sport in rows],
        schema={"athlete_id": pl.String, "source_sha256": pl.String, "segment": pl.Int32,
                "message_seq": pl.Int32, "start_time_utc": pl.Datetime("us", "UTC"),
                "timestamp_utc": pl.Datetime("us", "UTC"), "sport": pl.String,
                "total_elapsed_time_s": pl.Float64})


def _records(**files: tuple[int, bool]) -> pl.DataFrame:
    """sha -> (records, with heart rate) for athlete `a`."""
    rows = [{"athlete_id": "a", "source_sha256": sha, "heart_rate_bpm": 140.0 if hr else None}
            for sha, (n, hr) in files.items() for _ in range(n)]
    return pl.DataFrame(rows, schema={"athlete_id": pl.String, "source_sha256": pl.String,
                                      "heart_rate_bpm": pl.Float64})


def _file_id(*rows: tuple[str, int | None, datetime | None]) -> pl.DataFrame:
    """(sha, serial, time created) of athlete `a`'s activity files."""
    return pl.DataFrame(
        [{"athlete_id": "a", "source_sha256": sha, "segment": 0, "message_seq": 0,
          "file_type": "activity", "serial_number": serial, "time_created_utc": created}
         for sha, serial, created in rows],
        schema={"athlete_id": pl.String, "source_sha256": pl.String, "segment": pl.Int32,
                "message_seq": pl.Int32, "file_type": pl.String, "serial_number": pl.Int64,
                "time_created_utc": pl.Datetime("us", "UTC")})


def _files(**status: str) -> pl.DataFrame:
    return pl.DataFrame({"athlete_id": ["a"] * len(status), "source_sha256": list(status),
                         "status": list(status.values())})


def _left_out(result: pl.DataFrame) -> dict[str, tuple[str, str]]:
    return {r["source_sha256"]: (r["superseded_by_sha256"], r["reason"])
            for r in result.iter_rows(named=True)}


def _twins(records: pl.DataFrame, files: pl.DataFrame | None = None) -> pl.DataFrame:
    """Two files with the same file_id; their sessions differ (a partial file has none)."""
    sessions = _sessions(("a", "s1", T0, 60, "running"))
    return superseded_files(sessions, records, _file_id(("s1", SERIAL, T0), ("s2", SERIAL, T0)),
                            files)


def test_same_file_id_the_complete_file_is_used_before_a_partial_one() -> None:
    # s1 is partial, though it has heart rate and more records
    out = _twins(_records(s1=(30, True), s2=(10, False)), _files(s1="partial", s2="loaded"))
    assert _left_out(out) == {"s1": ("s2", "same activity as s2")}


def test_same_file_id_then_heart_rate_then_more_records() -> None:
    assert _left_out(_twins(_records(s1=(30, False), s2=(10, True)))) == {
        "s1": ("s2", "same activity as s2")}
    assert _left_out(_twins(_records(s1=(30, True), s2=(31, True)))) == {
        "s1": ("s2", "same activity as s2")}


def test_same_file_id_tie_kept_by_smaller_sha_whatever_the_row_order() -> None:
    records = _records(s2=(10, True), s1=(10, True))
    assert _left_out(_twins(records)) == {"s2": ("s1", "same activity as s1")}
    assert _left_out(_twins(records.reverse())) == {"s2": ("s1", "same activity as s1")}


def test_files_that_are_not_activities_are_never_the_same_activity() -> None:
    # two weigh-in files of one scale with one file_id (as Garmin's SDK examples have)
    file_id = _file_id(("w1", SERIAL, T0), ("w2", SERIAL, T0)).with_columns(
        pl.lit("weight").alias("file_type"))
    assert superseded_files(_sessions(), _records(), file_id).height == 0


def test_missing_file_id_sessions_identify_the_activity() -> None:
    # a ride (not running) twice without serial numbers: same sport and span -> one
    sessions = _sessions(("a", "r1", T0, 90, "cycling"), ("a", "r2", T0, 90, "cycling"),
                         ("a", "r3", T0 + timedelta(minutes=1), 90, "cycling"))
    file_id = _file_id(("r1", None, T0), ("r2", None, T0), ("r3", None, T0))
    out = superseded_files(sessions, _records(r1=(5, True), r2=(9, True), r3=(9, True)),
                           file_id)
    assert _left_out(out) == {"r1": ("r2", "same activity as r2")}  # r3 starts 1 min later


def test_running_overlap_above_half_counts_one_file() -> None:
    # 60 min runs, the second starting 24 min later: 36 min overlap = 60 % of the shorter
    sessions = _sessions(("a", "w", T0, 60, "running"),
                         ("a", "p", T0 + timedelta(minutes=24), 60, "running"))
    out = superseded_files(sessions, _records(w=(3600, True), p=(1800, True)))
    assert _left_out(out) == {"p": ("w", "overlaps w")}


def test_running_overlap_below_half_counts_both() -> None:
    # the second starting 36 min later: 24 min overlap of two 60 min runs = 40 %
    sessions = _sessions(("a", "w", T0, 60, "running"),
                         ("a", "p", T0 + timedelta(minutes=36), 60, "running"))
    assert superseded_files(sessions, _records(w=(10, True), p=(10, True))).height == 0


def test_overlap_share_is_of_the_shorter_session() -> None:
    # a 20 min run inside a 120 min run: 100 % of the shorter, 17 % of the longer
    sessions = _sessions(("a", "long", T0, 120, "running"),
                         ("a", "short", T0 + timedelta(minutes=30), 20, "running"))
    out = superseded_files(sessions, _records(long=(7200, True), short=(1200, True)))
    assert _left_out(out) == {"short": ("long", "overlaps long")}


def test_a_run_and_a_strength_session_at_the_same_time_are_both_counted() -> None:
    sessions = _sessions(("a", "run", T0, 60, "running"), ("a", "gym", T0, 60, "training"))
    assert superseded_files(sessions, _records(run=(10, True), gym=(10, True))).height == 0


def test_other_athletes_runs_never_merge() -> None:
    sessions = _sessions(("a", "x", T0, 60, "running"), ("b", "y", T0, 60, "running"))
    assert superseded_files(sessions, _records(x=(10, True))).height == 0


def test_overlap_chain_keeps_files_the_used_file_does_not_overlap() -> None:
    # a overlaps b (60 %), b overlaps c (60 %), a and c 20 %: a (most records) is used,
    # b is left out, so c (which overlaps only b) is used too
    sessions = _sessions(("a", "a", T0, 60, "running"),
                         ("a", "b", T0 + timedelta(minutes=24), 60, "running"),
                         ("a", "c", T0 + timedelta(minutes=48), 60, "running"))
    out = superseded_files(sessions, _records(a=(30, True), b=(20, True), c=(10, True)))
    assert _left_out(out) == {"b": ("a", "overlaps a")}


def test_without_files_drops_only_the_superseded_files_rows() -> None:
    records = _records(w=(3, True), p=(2, True))
    gone = pl.DataFrame({"athlete_id": ["a"], "source_sha256": ["p"],
                         "superseded_by_sha256": ["w"], "reason": ["overlaps w"]})
    assert without_files(records, gone)["source_sha256"].to_list() == ["w"] * 3
    assert without_files(records, gone.clear()) is records


def test_count_once_drops_the_superseded_files_records_of_that_athlete_only() -> None:
    # athlete a has the run twice (w and p, no file_id: same sessions); athlete b has p alone
    sessions = _sessions(("a", "w", T0, 60, "running"), ("a", "p", T0, 60, "running"),
                         ("b", "p", T0, 60, "running"))
    records = pl.concat([_records(w=(4, True), p=(2, True)),
                         _records(p=(2, True)).with_columns(pl.lit("b").alias("athlete_id"))])
    kept, superseded = count_once(sessions, records)
    assert superseded.select("athlete_id", "source_sha256", "reason").rows() == [
        ("a", "p", "same activity as w")]
    assert kept.select("athlete_id", "source_sha256").rows() == [("a", "w")] * 4 + [("b", "p")] * 2


@pytest.fixture(scope="module")
def empty() -> RawFrames:
    con = duckdb.connect()
    create_all(con)
    return read_raw(con, ["nobody"])


@pytest.mark.parametrize(("second_start_min", "expected_km"), [(24, 10.8), (36, 21.6)])
def test_daily_facts_count_an_overlapping_run_once(empty: RawFrames, second_start_min: int,
                                                   expected_km: float) -> None:
    """Two 60 min runs at 1 Hz and 3 m/s (3601 samples, 10.8 km each), the second starting
    later: at 24 min (60 % overlap) the day has one run, at 36 min (40 %) both."""
    rows = []
    for sha, shift in (("w", 0), ("p", second_start_min)):
        start = T0 + timedelta(minutes=shift)
        rows += [{"athlete_id": "a", "source_sha256": sha, "segment": 0, "message_seq": s,
                  "timestamp_utc": start + timedelta(seconds=s), "distance_m": 3.0 * s,
                  "altitude_m": None, "heart_rate_bpm": 150.0} for s in range(3601)]
    records = pl.DataFrame(rows).cast(empty.records.schema)
    runs = _sessions(("a", "w", T0, 60, "running"),
                     ("a", "p", T0 + timedelta(minutes=second_start_min), 60, "running"))
    sessions = pl.concat([empty.sessions, runs.cast(
        {c: empty.sessions.schema[c] for c in runs.columns})], how="diagonal")
    raw = replace(empty, records=records, sessions=sessions)
    athletes = pl.DataFrame({
        "athlete_id": ["a"], "timezone": ["Europe/Berlin"], "sex": ["female"],
        "birth_year": [1990], "height_cm": [168.0], "weight_kg": [60.0], "max_hr": [190.0],
        "resting_hr": [50.0], "lthr": [170.0], "zone_model": ["hrmax"]})
    facts = daily_facts(raw, athletes, T0.date())
    day = facts.training.filter(pl.col("local_date") == T0.date()).row(0, named=True)
    assert day["run_distance_km"] == pytest.approx(expected_km)
    assert facts.superseded.height == (1 if expected_km == 10.8 else 0)
