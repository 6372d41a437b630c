"""Checks at the door as a user meets them: one `musclebalance run` over a folder holding a
good run, a run with heart rate 0, a run whose distance resets, a run dated 2099 and one
with only device-relative times (written at 1989-12-31). The two undatable files are
quarantined with their reason and the run exits 1; the others load and publish; the
counts of nulled values and distance resets are in the run summary, in raw.source_files
and in `musclebalance status`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.helpers import REPO, activity_fit, athlete_config
from warehouse.publish import PUBLISHED_FILE

pytestmark = pytest.mark.flow  # every test here starts Prefect (prefect_server)

CONFIG = athlete_config("door", sex="female", birth_year=1990, height_cm=168, weight_kg=60,
                        max_hr=190)


def _cli(folder: Path, prefect_server: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows", *args, "--config", str(folder / "musclebalance.toml")],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PREFECT_API_URL": prefect_server, "COLUMNS": "300"})


def _lines(result: subprocess.CompletedProcess) -> dict[str, str]:
    """`<word> <path>: <text>` lines of the output, by file name."""
    named = {}
    for line in (result.stdout + result.stderr).splitlines():
        for word in ("quarantined ", "nulled ", "distance back "):
            if line.startswith(word) and ".fit: " in line:
                path, _, text = line[len(word):].partition(": ")
                named[f"{word.strip()} {Path(path).name}"] = text
    return named


@pytest.fixture(scope="module")
def door_run(tmp_path_factory, prefect_server: str):
    folder = tmp_path_factory.mktemp("door")
    fit = folder / "fit"
    fit.mkdir()
    (folder / "musclebalance.toml").write_text(CONFIG)
    day = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    steady = [{"t": i, "heart_rate": 150, "distance": 3.0 * i} for i in range(600)]
    (fit / "good.fit").write_bytes(activity_fit(steady, start=day - timedelta(days=3)))
    hr_zero = [{"t": i, "heart_rate": 0 if i < 300 else 150, "distance": 3.0 * i}
               for i in range(600)]
    (fit / "hr-zero.fit").write_bytes(activity_fit(hr_zero, start=day - timedelta(days=2)))
    reset = [{"t": i, "heart_rate": 140, "distance": 3.0 * (i if i < 300 else i - 300)}
             for i in range(600)]
    (fit / "reset.fit").write_bytes(activity_fit(reset, start=day - timedelta(days=1)))
    (fit / "future.fit").write_bytes(activity_fit(
        steady, start=datetime(2099, 1, 1, 6, 0, tzinfo=UTC)))
    (fit / "undated.fit").write_bytes(activity_fit(
        steady[:60], start=datetime(1989, 12, 31, 1, 0, tzinfo=UTC)))
    result = _cli(folder, prefect_server, "run")
    status = _cli(folder, prefect_server, "status")
    return folder, result, status


def test_undatable_files_are_quarantined_with_their_reason_and_the_run_exits_1(door_run):
    folder, result, _ = door_run
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    named = _lines(result)
    future = named["quarantined future.fit"]
    assert "2099-01-01T" in future and "from 1990-01-01 to" in future
    assert "(tomorrow) in Europe/Berlin" in future
    undated = named["quarantined undated.fit"]
    assert "device-relative" in undated and "1989-12-31T01:00:00Z" in undated
    assert not any(k.startswith("quarantined") for k in named
                   if k not in ("quarantined future.fit", "quarantined undated.fit"))
    with duckdb.connect(str(folder / "data" / "w.duckdb"), read_only=True) as con:
        status = dict(con.execute(
            "SELECT regexp_extract(path, '[^/]+$'), status FROM raw.source_files").fetchall())
    assert status == {"good.fit": "loaded", "hr-zero.fit": "loaded", "reset.fit": "loaded",
                      "future.fit": "quarantined", "undated.fit": "quarantined"}


def test_the_good_files_publish_and_no_day_lies_in_the_future(door_run):
    folder, _, _ = door_run
    published = folder / "data" / "published" / PUBLISHED_FILE
    with duckdb.connect(str(published), read_only=True) as con:
        days = con.execute("SELECT min(local_date), max(local_date), count(*) "
                           "FROM marts.daily_training WHERE run_moving_min > 0").fetchone()
    today = datetime.now(UTC).date()
    assert days[2] == 3 and today - timedelta(days=4) <= days[0] <= days[1] <= today


def test_counts_are_stored_and_shown_in_the_summary_and_in_status(door_run):
    folder, result, status = door_run
    with duckdb.connect(str(folder / "data" / "w.duckdb"), read_only=True) as con:
        rows = {Path(p).name: (json.loads(v) if v else v, r) for p, v, r in con.execute(
            "SELECT path, values_nulled, distance_resets FROM raw.source_files").fetchall()}
    assert rows["good.fit"] == ({}, 0)
    assert rows["hr-zero.fit"] == ({"heart_rate_bpm<25": 300}, 0)
    assert rows["reset.fit"] == ({}, 1)
    assert rows["future.fit"] == (None, None)
    named = _lines(result)
    assert named["nulled hr-zero.fit"].startswith("heart_rate_bpm<25: 300 ")
    assert "goes back 1 time(s)" in named["distance back reset.fit"]
    assert status.returncode == 0, status.stderr
    shown = status.stdout.splitlines()
    assert any(line.startswith("nulled (door) heart_rate_bpm<25: 300 value(s) in 1 file(s)")
               for line in shown), status.stdout
    assert any(line.startswith("distance back (door): 1 time(s) in 1 file(s)")
               for line in shown), status.stdout
    assert any("future.fit" in line and "2099" in line for line in shown)


def test_a_backfill_quarantines_a_2099_file_an_older_version_loaded(door_run, tmp_path,
                                                                    prefect_server):
    """A warehouse where the 2099 file loaded (as before these checks): a backfill decodes
    it again, quarantines it with the reason and removes its rows."""
    from transforms.fit_decode import decode_fit
    from warehouse.connection import connect
    from warehouse.fit_load import BatchEntry, FitBatch, load_fit_batch
    from warehouse.manifest import SourceFile

    folder = tmp_path / "copy"
    shutil.copytree(door_run[0], folder, symlinks=True)
    data = (folder / "fit" / "future.fit").read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    with connect(folder / "data" / "w.duckdb") as con:
        file = SourceFile("door", sha, str(folder / "fit" / "future.fit"), len(data), "fit",
                          "loaded")
        load_fit_batch(con, FitBatch("door", [BatchEntry(file, decode_fit(data))]),
                       datetime.now(UTC))
        assert con.execute("SELECT count(*) FROM raw.fit_records WHERE source_sha256 = ?",
                           [sha]).fetchone()[0] == 600
    result = _cli(folder, prefect_server, "backfill", "--since", "2090-01-01")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "2099-01-01T" in _lines(result)["quarantined future.fit"]
    with duckdb.connect(str(folder / "data" / "w.duckdb"), read_only=True) as con:
        assert con.execute("SELECT status FROM raw.source_files WHERE sha256 = ?",
                           [sha]).fetchone()[0] == "quarantined"
        assert con.execute("SELECT count(*) FROM raw.fit_records WHERE source_sha256 = ?",
                           [sha]).fetchone()[0] == 0
