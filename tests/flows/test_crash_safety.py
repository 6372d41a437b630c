"""Crash safety of a whole run, in real processes: `kill -9` (SIGKILL, at named points via
MUSCLEBALANCE_FAILPOINT) during ingest, between validation and publishing, after the marts
are published, while the readers' files are written and once they are in place, and SIGTERM
during publishing.
After each kill the published file opens and holds either the previous complete build or
the next one, never a mix; the next run finishes the work and nothing is loaded twice.
Two runs at once: the second stops with a clear message and changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from schemas.marts import MARTS
from synthetic import SyntheticAthlete, generate_athlete_files, generate_nutrition_exports
from tests.helpers import SYNTHETIC_CONFIG, fit_files_and_doubled_records
from warehouse.failpoint import ENV, POINTS
from warehouse.lock import run_lock
from warehouse.publish import PUBLISHED_FILE, TEMP_PREFIX

START = date(2026, 3, 2)
ATHLETE = SyntheticAthlete()


def _run(tmp: Path, env: dict, *args: str, failpoint: str | None = None
         ) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **env, "COLUMNS": "200"}
    full_env.pop(ENV, None)
    if failpoint:
        full_env[ENV] = failpoint
    return subprocess.run([sys.executable, "-m", "flows", *args, "--config",
                           str(tmp / "musclebalance.toml")], cwd=tmp, env=full_env,
                          capture_output=True, text=True, timeout=600)


def _snapshot(published: Path) -> dict[str, list[tuple]]:
    """Every mart of the published file (opened read-only, then closed)."""
    with duckdb.connect(str(published), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM marts.{t} ORDER BY ALL").fetchall()  # noqa: S608
                for t in MARTS}


def _write_span(tmp: Path, weeks: int) -> None:
    """The athlete's FIT files and Cronometer export for the first `weeks` weeks."""
    files = generate_athlete_files(ATHLETE, START, 3)
    last = START.toordinal() + 7 * weeks
    fit = tmp / "fit"
    fit.mkdir(exist_ok=True)
    for f in files:
        if f.start_utc.date().toordinal() < last:
            (fit / f.name).write_bytes(f.data)
    exports = generate_nutrition_exports(ATHLETE, files, START, weeks)
    food = tmp / "food"
    food.mkdir(exist_ok=True)
    (food / "servings.csv").write_bytes(exports.cronometer_servings_csv)


def test_a_run_killed_anywhere_leaves_readers_a_whole_build_and_the_next_run_finishes(
    tmp_path: Path, prefect_server: str,
) -> None:
    env = {"PREFECT_API_URL": prefect_server}
    (tmp_path / "musclebalance.toml").write_text(SYNTHETIC_CONFIG)
    _write_span(tmp_path, 2)
    first = _run(tmp_path, env, "run")
    assert first.returncode == 0, first.stderr
    published = tmp_path / "data" / "published" / PUBLISHED_FILE
    old = _snapshot(published)

    _write_span(tmp_path, 3)  # a week of new watch files and a longer food export
    seen, reported = [], []
    kills = [(point, signal.SIGKILL) for point in POINTS] + [
        ("files_written", signal.SIGTERM)]
    for point, sig in kills:
        name = point if sig == signal.SIGKILL else f"{point}:SIGTERM"
        killed = _run(tmp_path, env, "run", failpoint=name)
        # SIGTERM stops the run promptly: recorded failed, exit 143 (128 + 15), one line
        expected = -sig if sig == signal.SIGKILL else 128 + sig
        assert killed.returncode == expected, (name, killed.stderr[-2000:])
        seen.append((name, _snapshot(published)))  # opens: never half a file
        reported.append("did not finish (killed or crashed)" in killed.stderr)

    final = _run(tmp_path, env, "run")
    reported.append("did not finish (killed or crashed)" in final.stderr)
    # A run's row is finished only once the readers' files are in place, so a run killed at
    # any point, even after the files were renamed into place (files_published), is found
    # `running` by the next run, which marks it crashed, says so and publishes again.
    # reported[i]: run i found run i-1 unfinished (run 0 follows the first, complete run;
    # the last follows the SIGTERMed run, which recorded itself failed).
    assert reported == [False] + [True] * len(POINTS) + [False], reported
    with duckdb.connect(str(tmp_path / "data" / "w.duckdb"), read_only=True) as con:
        statuses = con.execute("SELECT status FROM marts.pipeline_runs ORDER BY started_at"
                               ).fetchall()
    # SIGTERM stops the run, which records itself failed ("interrupted by SIGTERM").
    assert [s for (s,) in statuses] == (["completed"] + ["crashed"] * len(POINTS)
                                        + ["failed", "completed"])
    with duckdb.connect(str(tmp_path / "data" / "w.duckdb"), read_only=True) as con:
        assert con.execute("SELECT error FROM marts.pipeline_runs WHERE status = 'failed'"
                           ).fetchall() == [("interrupted by SIGTERM",)]
    assert final.returncode == 0, final.stderr
    new = _snapshot(published)
    assert new != old
    assert new["daily_training"][-1][1] > old["daily_training"][-1][1]  # the third week
    for point, snapshot in seen:
        assert snapshot in (old, new), point  # the old build or the new one, never a mix
    files = len(list((tmp_path / "fit").iterdir()))
    assert fit_files_and_doubled_records(tmp_path / "data" / "w.duckdb") == (files, 0)
    assert not list(published.parent.glob(f"{TEMP_PREFIX}*"))


@pytest.mark.usefixtures("prefect_server")
def test_a_second_run_while_one_holds_the_warehouse_stops_and_changes_nothing(
    tmp_path: Path, prefect_server: str,
) -> None:
    (tmp_path / "musclebalance.toml").write_text(SYNTHETIC_CONFIG)
    _write_span(tmp_path, 1)
    warehouse = tmp_path / "data" / "w.duckdb"
    with run_lock(warehouse):  # a run in progress
        second = _run(tmp_path, {"PREFECT_API_URL": prefect_server}, "build")
    assert second.returncode == 1
    assert "another musclebalance run is working on this warehouse" in second.stderr
    assert not (tmp_path / "data" / "published").exists()
