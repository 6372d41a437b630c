"""The FIT worker reads wellness FIT files into the raw wellness tables: decode_file gives
their rows beside the fitparse tables, and the loader stores them in a real warehouse
(values by hand from the fixture generator)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from flows.fit_worker import decode_file
from flows.sources import ArchiveLimits
from tests.helpers import require_wellness_fixtures
from warehouse.connection import connect
from warehouse.ddl import create_all
from warehouse.fit_load import BatchEntry, FitBatch, load_fit_batch
from warehouse.manifest import SourceFile

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
#: file -> the wellness table it feeds (None: none)
FILES = {
    "synthetic_monitoring_b_2024-03-04.fit": "resting_hr",
    "synthetic_hrv_status_2024-03-04.fit": "hrv_measurements",
    "synthetic_sleep_2024-03-04.fit": "sleep_sessions",
    "synthetic_weight_2024-03-04.fit": None,
    "synthetic_activity_with_hrv.fit": None,
}


def _decoded(name: str):
    path = require_wellness_fixtures() / "fit" / name
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    out = decode_file(str(path), "fit", ArchiveLimits(), sha)
    assert out.reason is None and out.decoded is not None
    return path, sha, out.decoded


@pytest.mark.parametrize("name", list(FILES))
def test_decode_file_adds_the_wellness_rows_of_wellness_files_only(name: str) -> None:
    _, _, decoded = _decoded(name)
    wellness = {"resting_hr", "hrv_measurements", "sleep_sessions", "body_composition"}
    fed = FILES[name]
    assert set(decoded.tables) & wellness == ({fed} if fed else set())
    assert "fit_file_id" in decoded.tables and decoded.not_measurements == []
    if fed:
        assert decoded.tables[fed].height == 1


def test_wellness_rows_load_into_the_warehouse(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with connect(warehouse) as con:
        create_all(con)
        entries = []
        for name in FILES:
            path, sha, decoded = _decoded(name)
            entries.append(BatchEntry(SourceFile("me", sha, str(path), path.stat().st_size,
                                                 "fit", "loaded"), decoded))
        load_fit_batch(con, FitBatch("me", entries), NOW)
    sha = {name: hashlib.sha256((require_wellness_fixtures() / "fit" / name).read_bytes()
                                ).hexdigest() for name in FILES}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rhr = con.execute("SELECT source_sha256, source_kind, local_date, resting_hr_bpm, "
                          "resting_hr_7d_bpm FROM raw.resting_hr").fetchall()
        hrv = con.execute("SELECT source_sha256, measure, hrv_ms, baseline_low_ms, "
                          "baseline_high_ms, status FROM raw.hrv_measurements").fetchall()
        sleep = con.execute(
            "SELECT source_sha256, epoch(start_utc)::BIGINT, epoch(end_utc)::BIGINT, asleep_s, "
            "deep_s, light_s, rem_s, awake_s, measured FROM raw.sleep_sessions").fetchall()
        weights = con.execute("SELECT weight_kg FROM raw.fit_weight_scale").fetchall()
        body = con.execute("SELECT count(*) FROM raw.body_composition").fetchone()
    # generator: RHR 47 today, 49 over 7 days, on 2024-03-04 in UTC+2
    assert rhr == [(sha["synthetic_monitoring_b_2024-03-04.fit"], "garmin_fit",
                    date(2024, 3, 4), 47.0, 49.0)]
    # generator: last night 48.5 ms, balanced band 42-55 ms
    assert hrv == [(sha["synthetic_hrv_status_2024-03-04.fit"], "garmin_overnight", 48.5,
                    42.0, 55.0, "balanced")]
    # generator: bed 21:12Z, 394 min of levels; deep 82, light 207, REM 95, awake 10 min
    bed = int(datetime(2024, 3, 3, 21, 12, tzinfo=UTC).timestamp())
    assert sleep == [(sha["synthetic_sleep_2024-03-04.fit"], bed, bed + 394 * 60,
                      (82 + 207 + 95) * 60.0, 82 * 60.0, 207 * 60.0, 95 * 60.0, 10 * 60.0,
                      True)]
    assert weights == [(71.35,)] and body == (0,)  # the weigh-in once, in fit_weight_scale
