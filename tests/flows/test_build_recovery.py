"""The build over a warehouse holding raw recovery rows: marts.daily_recovery is staged,
checked by its expectation suite and published with the other marts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows.build import build_flow
from schemas.config import config_from_dict
from synthetic import SyntheticAthlete
from tests.factories import START, raw_recovery, recovery_rows, weight_scale_rows
from warehouse.connection import connect
from warehouse.ddl import create_all

pytestmark = pytest.mark.usefixtures("prefect_server")
DAYS = 42


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    con.register("mb_rows", frame)
    try:
        con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM mb_rows")  # noqa: S608
    finally:
        con.unregister("mb_rows")


def test_a_build_publishes_the_recovery_mart_checked_by_its_suite(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    rows = recovery_rows(DAYS, athlete="a")
    with connect(warehouse) as con:
        create_all(con)
        _insert(con, "sleep_sessions", raw_recovery("sleep", rows["sleep"]))
        _insert(con, "resting_hr", raw_recovery("resting_hr", rows["resting_hr"]))
        _insert(con, "hrv_measurements", raw_recovery("hrv", rows["hrv"]))
        # the same night again from Apple's copy of Garmin's data: counted once
        _insert(con, "sleep_sessions", raw_recovery("sleep", [
            {**r, "source_kind": "apple_health", "source_name": "Connect",
             "source_sha256": "apple", "asleep_s": 1.5 * 3600} for r in rows["sleep"]]))
        _insert(con, "fit_weight_scale", weight_scale_rows(rows["scale"]).with_columns(
            pl.lit(0, pl.Int32).alias("segment")))
    config = config_from_dict(SyntheticAthlete(athlete_id="a").config(str(warehouse)),
                              base_dir=tmp_path)
    summary = build_flow(warehouse=str(warehouse), athletes=list(config.athletes))
    assert summary.ok and summary.rows["daily_recovery"] == DAYS
    last = START + timedelta(days=DAYS - 1)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        got = con.execute("SELECT count(*), count(DISTINCT local_date), min(local_date), "
                          "max(local_date) FROM marts.daily_recovery").fetchone()
        # day 41: 6.5 + (41 % 4) x 0.5 = 7.0 h from Garmin, not Apple's 1.5 h; the weigh-ins
        # of days 14, 16, .., 40 are the 14 of the 28 days ending on day 41
        day = con.execute("SELECT sleep_h, sleep_source, weigh_ins_28d, hrv_measure "
                          "FROM marts.daily_recovery WHERE local_date = ?", [last]).fetchone()
        checks = con.execute("SELECT count(*), bool_and(success) FROM marts.validation_results "
                             "WHERE table_name = 'daily_recovery'").fetchone()
        comments = con.execute("SELECT count(*) FROM duckdb_columns() WHERE schema_name = "
                               "'marts' AND table_name = 'daily_recovery' AND comment IS NULL"
                               ).fetchone()
    assert got == (DAYS, DAYS, START, last)
    assert day == (7.0, "garmin_json", 14, "garmin_overnight")
    assert checks[0] > 20 and checks[1] is True
    assert comments == (0,)
    with duckdb.connect(summary.published, read_only=True) as con:  # the readers' file
        assert con.execute("SELECT count(*) FROM marts.daily_recovery").fetchone() == (DAYS,)
