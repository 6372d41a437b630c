"""The strength log ingest: good rows load and bad ones are named, a second run adds
nothing, a changed file replaces its rows."""

from __future__ import annotations

import csv
import io
import os
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.settings import AthleteInputs
from flows.strength_ingest import ingest_strength_flow
from synthetic import LoggedLift, strength_log_csv, weekly_lifts

pytestmark = pytest.mark.usefixtures("prefect_server")


def _ingest(warehouse: Path, *paths: Path):
    (summary,) = ingest_strength_flow(
        warehouse=str(warehouse),
        athletes=[AthleteInputs("lifter", tuple(str(p) for p in paths), "Europe/Berlin")])
    return summary


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_good_rows_load_bad_rows_are_named_and_a_rerun_adds_nothing(tmp_path: Path) -> None:
    lifts = weekly_lifts(date(2026, 5, 4), 2)  # Tuesdays and Fridays: 4 sessions
    text = strength_log_csv(lifts)
    text += "2026-05-20,18:00,forty,,,\n"  # line 6: minutes that do not read
    log = tmp_path / "lifts.csv"
    log.write_text(text)
    rows = list(csv.DictReader(io.StringIO(text)))
    good = [r for r in rows if r["minutes"] != "forty"]
    assert (len(rows), len(good)) == (5, 4)

    summary = _ingest(tmp_path / "wh.duckdb", log)
    assert (summary.loaded, summary.rows, summary.rows_rejected) == (1, len(good), 1)
    assert summary.partial == [(str(log), "1 row left out: line 6: minutes 'forty': "
                                "expected a number of minutes above 0 and at most 1440")]
    stored = _query(tmp_path / "wh.duckdb",
                    "SELECT source_path, source_line, local_date, minutes, sets, reps, "
                    "volume_kg FROM raw.strength_log ORDER BY source_line")
    # 12 sets of 8 at 40 kg: 96 reps, 3840 kg (weekly_lifts' defaults)
    assert stored == [(str(log), line, date.fromisoformat(r["date"]), 50.0, 12, 96, 3840.0)
                      for line, r in enumerate(good, start=2)]
    assert _query(tmp_path / "wh.duckdb", "SELECT kind, status, message_count FROM "
                  "raw.source_files") == [("strength_log", "partial", len(good))]

    again = _ingest(tmp_path / "wh.duckdb", log)
    assert (again.loaded, again.skipped) == (0, 1)
    assert _query(tmp_path / "wh.duckdb", "SELECT count(*) FROM raw.strength_log") == [(4,)]


def test_a_changed_log_replaces_its_rows(tmp_path: Path) -> None:
    log = tmp_path / "lifts.csv"
    log.write_text(strength_log_csv(weekly_lifts(date(2026, 5, 4), 2)))
    os.utime(log, (1_700_000_000, 1_700_000_000))
    _ingest(tmp_path / "wh.duckdb", log)
    log.write_text(strength_log_csv([LoggedLift(date(2026, 5, 5), 35.0, sets=4)]))
    summary = _ingest(tmp_path / "wh.duckdb", log)
    assert (summary.loaded, summary.rows) == (1, 1)
    assert _query(tmp_path / "wh.duckdb", "SELECT local_date, minutes, sets, start_time_local "
                  "FROM raw.strength_log") == [(date(2026, 5, 5), 35.0, 4, None)]
    assert _query(tmp_path / "wh.duckdb", "SELECT count(*) FROM raw.source_files") == [(1,)]


def test_a_file_that_is_no_strength_log_is_quarantined(tmp_path: Path) -> None:
    log = tmp_path / "lifts.csv"
    log.write_text("day,duration\n2026-05-05,40\n")
    summary = _ingest(tmp_path / "wh.duckdb", log)
    assert summary.loaded == 0
    assert summary.quarantined == [(str(log), "line 1: the header lacks 'date', 'minutes' (a "
                                   "strength log has the columns date, minutes and optionally "
                                   "time, sets, reps, volume_kg)")]
