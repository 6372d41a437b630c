"""The strength log CSV: reading (good rows kept, bad rows named), the per-day facts, and
the daily facts for each strength_source (watch, log, none)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

import duckdb
import polars as pl
import pytest

from schemas.frames import RawFrames
from transforms.daily_facts import daily_facts
from transforms.strength_log import log_sessions, read_strength_log, strength_log_by_day
from warehouse.ddl import create_all
from warehouse.facts import read_raw

LOG = """\
Date,Minutes,Time,Sets,Reps,Volume_kg,Notes
2026-05-04,30,09:30,3,24,1200,upper body
2026-05-05,abc,,,,,typo in minutes
2026-05-06,60,,,,,no detail
2026/05/07,45,,,,,wrong date order
2026-05-08,40,7:05,12,96,4800.5,
2026-05-09,40,25:00,0,10.5,-3,three bad cells
2026-05-10,0,,,,,zero minutes
"""


def test_a_log_keeps_its_good_rows_and_names_each_bad_cell() -> None:
    read = read_strength_log(LOG.encode())
    records = list(csv.DictReader(io.StringIO(LOG)))
    # by hand: lines 3 (minutes abc), 5 (date 2026/05/07), 7 (time, sets, reps, volume)
    # and 8 (0 minutes) are bad; lines 2, 4 and 6 read
    bad_lines = {3, 5, 7, 8}
    good = [r for line, r in enumerate(records, start=2) if line not in bad_lines]
    assert read.rows.height == len(good) == 3
    assert read.rejected_rows == len(records) - len(good) == 4
    assert read.rows["source_line"].to_list() == [2, 4, 6]
    assert read.rows["local_date"].to_list() == [date.fromisoformat(r["Date"]) for r in good]
    assert read.rows["minutes"].to_list() == [float(r["Minutes"]) for r in good]
    assert read.rows["start_time_local"].to_list() == [time(9, 30), None, time(7, 5)]
    assert read.rows["sets"].to_list() == [3, None, 12]
    assert read.rows["reps"].to_list() == [24, None, 96]
    assert read.rows["volume_kg"].to_list() == [1200.0, None, 4800.5]
    assert read.problems == (
        "line 3: minutes 'abc': expected a number of minutes above 0 and at most 1440",
        "line 5: date '2026/05/07': expected a date YYYY-MM-DD",
        "line 7: time '25:00': expected a local start time HH:MM (00:00-23:59)",
        "line 7: sets '0': expected a whole number of sets from 1 to 100",
        "line 7: reps '10.5': expected a whole number of repetitions from 1 to 10000",
        "line 7: volume_kg '-3': expected a volume load in kg from 0 to 1000000",
        "line 8: minutes '0': expected a number of minutes above 0 and at most 1440",
    )


def test_a_log_without_minutes_is_refused_naming_the_header() -> None:
    with pytest.raises(ValueError, match=r"line 1: the header lacks 'minutes'"):
        read_strength_log(b"date,sets\n2026-05-04,3\n")


def test_per_day_sums_and_the_set_credit_of_each_session() -> None:
    log = pl.DataFrame({
        "athlete_id": ["a"] * 4, "local_date": [date(2026, 5, 4)] * 3 + [date(2026, 5, 5)],
        "minutes": [30.0, 20.0, 45.0, 60.0], "sets": [3, None, 12, 1],
        "reps": [24, None, 96, None], "volume_kg": [1200.0, None, None, None]})
    rows = {r["local_date"]: r for r in strength_log_by_day(log).iter_rows(named=True)}
    day = rows[date(2026, 5, 4)]
    assert (day["strength_sessions"], day["strength_min"]) == (3, 30 + 20 + 45)
    assert (day["strength_sets"], day["strength_reps"]) == (3 + 12, 24 + 96)
    assert day["strength_volume_kg"] == 1200.0
    # 3 of 6 sets: 0.5; no sets: a whole session; 12 sets: capped at 1
    assert day["strength_session_credit"] == pytest.approx(0.5 + 1 + 1)
    day = rows[date(2026, 5, 5)]
    assert day["strength_session_credit"] == pytest.approx(1 / 6)
    assert day["strength_reps"] is None and day["strength_volume_kg"] is None


def test_a_timed_row_is_placed_in_utc_and_an_untimed_one_is_not() -> None:
    log = pl.DataFrame({
        "athlete_id": ["a", "a"], "source_sha256": ["s", "s"], "source_line": [2, 3],
        "local_date": [date(2026, 5, 4), date(2026, 5, 5)],
        "start_time_local": [time(9, 30), None], "minutes": [30.0, 60.0], "sets": [2, None]})
    placed = log_sessions(log, {"a": "Europe/Berlin"})
    # Berlin is UTC+2 in May: 09:30 local is 07:30 UTC, 30 min later 08:00; 2 sets of 6
    assert placed.select("timestamp_utc", "session_end_utc", "session_credit").rows() == [
        (datetime(2026, 5, 4, 7, 30, tzinfo=UTC), datetime(2026, 5, 4, 8, 0, tzinfo=UTC),
         pytest.approx(2 / 6))]


# --- daily facts per strength_source -------------------------------------------------

RUN_START = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)  # 08:00 in Berlin; two days of runs


@pytest.fixture(scope="module")
def raw() -> RawFrames:
    """Runs of 10 min on May 4 and May 8 at 06:00 UTC (the watch's span: May 4-8), a
    45-min FIT strength session on May 4 at 15:00 UTC with 3 active sets and 1 rest set,
    and a strength log: May 4 09:30 local (07:30 UTC, 1 h 20 min after the run ended),
    3 sets; May 6, no time, no sets."""
    con = duckdb.connect()
    create_all(con)
    empty = read_raw(con, ["nobody"])
    n = 600
    records, sessions = [], []
    for day, sha in ((0, "r1"), (4, "r2")):
        start = RUN_START + timedelta(days=day)
        records.append(pl.DataFrame({
            "athlete_id": "a", "source_sha256": sha, "segment": 0, "message_seq": range(n),
            "timestamp_utc": [start + timedelta(seconds=i) for i in range(n)],
            "distance_m": [3.0 * i for i in range(n)], "altitude_m": 50.0,
            "heart_rate_bpm": 150.0}))
        sessions.append(pl.DataFrame({
            "athlete_id": ["a"], "source_sha256": [sha], "segment": [0], "message_seq": [1],
            "start_time_utc": [start], "timestamp_utc": [start + timedelta(seconds=n)],
            "sport": ["running"], "sub_sport": ["generic"], "total_timer_time_s": [600.0],
            "total_elapsed_time_s": [600.0], "total_distance_m": [1797.0],
            "total_calories_kcal": [120.0], "avg_heart_rate_bpm": [150.0]}))
    lift = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)
    sessions.append(pl.DataFrame({
        "athlete_id": ["a"], "source_sha256": ["gym"], "segment": [0], "message_seq": [1],
        "start_time_utc": [lift], "timestamp_utc": [lift + timedelta(minutes=45)],
        "sport": ["training"], "sub_sport": ["strength_training"],
        "total_timer_time_s": [2700.0], "total_elapsed_time_s": [2700.0],
        "total_distance_m": [None], "total_calories_kcal": [200.0],
        "avg_heart_rate_bpm": [110.0]}))
    sets = pl.DataFrame({
        "athlete_id": "a", "source_sha256": "gym", "timestamp_utc": lift,
        "start_time_utc": lift, "duration_s": 40.0,
        "set_type": ["active", "active", "rest", "active"], "repetitions": [10, 8, None, 6],
        "weight_kg": [50.0, 60.0, None, 70.0], "category": None})
    log = pl.DataFrame({
        "athlete_id": "a", "source_sha256": "log", "source_line": [2, 3],
        "local_date": [date(2026, 5, 4), date(2026, 5, 6)],
        "start_time_local": [time(9, 30), None], "minutes": [30.0, 60.0],
        "sets": [3, None], "reps": [24, None], "volume_kg": [None, None]})
    return RawFrames(pl.concat(records, how="diagonal_relaxed").cast(empty.records.schema),
                     pl.concat(sessions, how="diagonal_relaxed").cast(empty.sessions.schema),
                     empty.activity, sets.cast(empty.sets.schema), empty.nutrition_entries,
                     empty.body_measurements,
                     strength_log=log.cast(empty.strength_log.schema))


def _athlete(source: str) -> pl.DataFrame:
    return pl.DataFrame({
        "athlete_id": ["a"], "timezone": ["Europe/Berlin"], "sex": ["female"],
        "birth_year": [1990], "height_cm": [168.0], "weight_kg": [60.0], "max_hr": [190.0],
        "resting_hr": [50.0], "lthr": [170.0], "zone_model": ["hrmax"],
        "strength_source": [source]})


COLUMNS = ("strength_sessions", "strength_min", "strength_sets", "strength_session_credit",
           "strength_near_run_sessions", "strength_near_run_credit")


def _strength(raw: RawFrames, source: str) -> dict[date, tuple]:
    training = daily_facts(raw, _athlete(source), date(2026, 6, 1)).training
    assert set(training["strength_source"].to_list()) == {source}
    assert training["run_sessions"].null_count() == 0  # training known on every day
    return {r[0]: r[1:] for r in training.sort("local_date").select("local_date", *COLUMNS)
            .iter_rows()}


def test_watch_counts_the_fit_strength_session_by_its_active_sets(raw: RawFrames) -> None:
    days = _strength(raw, "watch")
    # 3 active sets of 6: half a session; 17:00 local is 8 h 50 min after the run: not near
    assert days[date(2026, 5, 4)] == (1, 45.0, 3, pytest.approx(3 / 6), 0, 0.0)
    assert days[date(2026, 5, 6)] == (0, 0.0, 0, 0.0, 0, 0.0)  # the log is not read


def test_log_replaces_the_watch_for_strength(raw: RawFrames) -> None:
    days = _strength(raw, "log")
    # the logged 30-min session of 3 sets only (the FIT gym session is not added), near the
    # run (it started 1 h 20 min after the run ended)
    assert days[date(2026, 5, 4)] == (1, 30.0, 3, pytest.approx(0.5), 1, pytest.approx(0.5))
    # no time logged: not counted as near a run; no sets: a whole session
    assert days[date(2026, 5, 6)] == (1, 60.0, None, 1.0, 0, 0.0)
    assert days[date(2026, 5, 5)] == (0, 0.0, 0, 0.0, 0, 0.0)  # known: no session logged


def test_none_leaves_strength_unknown_on_every_day(raw: RawFrames) -> None:
    days = _strength(raw, "none")
    assert set(days) == {date(2026, 5, d) for d in range(4, 9)}
    assert all(values == (None,) * len(COLUMNS) for values in days.values())
