"""Crash safety of a whole run, in real processes: `kill -9` (SIGKILL, at named points via
MUSCLEBALANCE_FAILPOINT) during ingest, between validation and publishing, after the marts
are published, while the readers' files are written and once they are in place, and SIGTERM
during publishing.
After each kill the published file opens and holds either the previous complete build or
the next one, never a mix; the next run finishes the work and nothing is loaded twice.
A run killed before its readers' files are in place is left `running`, never `completed`,
with its new files unrenamed beside the previous ones, which stay byte for byte.
Two runs at once: the second stops with a clear message and changes nothing."""

from __future__ import annotations

import signal
from pathlib import Path

import duckdb
import pytest

from schemas.marts import MARTS
from tests.helpers import (
    SYNTHETIC_CONFIG,
    file_digests,
    fit_files_and_doubled_records,
    pipeline_runs,
    run_config_cli,
    write_synthetic_span,
)
from warehouse.failpoint import POINTS
from warehouse.lock import run_lock
from warehouse.publish import PUBLISHED_FILE, TEMP_PREFIX


def _snapshot(published: Path) -> dict[str, list[tuple]]:
    """Every mart of the published file (opened read-only, then closed)."""
    with duckdb.connect(str(published), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM marts.{t} ORDER BY ALL").fetchall()  # noqa: S608
                for t in MARTS}


def _kept(folder: Path) -> dict[str, str]:
    """sha256 of the published files readers see (not a publish's temporary files)."""
    return {k: v for k, v in file_digests(folder).items() if not k.startswith(TEMP_PREFIX)}


def _statuses(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [s for (s,) in con.execute("SELECT status FROM marts.pipeline_runs "
                                          "ORDER BY started_at").fetchall()]


def test_a_run_killed_anywhere_leaves_readers_a_whole_build_and_the_next_run_finishes(
    tmp_path: Path, prefect_server: str,
) -> None:
    env = {"PREFECT_API_URL": prefect_server}
    (tmp_path / "musclebalance.toml").write_text(SYNTHETIC_CONFIG)
    write_synthetic_span(tmp_path, 1)
    first = run_config_cli(tmp_path, env, "run")
    assert first.returncode == 0, first.stderr
    warehouse = tmp_path / "data" / "w.duckdb"
    published = tmp_path / "data" / "published" / PUBLISHED_FILE
    old = _snapshot(published)

    write_synthetic_span(tmp_path, 2)  # a week of new watch files and a longer food export
    seen, reported = [], []
    kills = [(point, signal.SIGKILL) for point in POINTS] + [
        ("files_written", signal.SIGTERM)]
    for point, sig in kills:
        name = point if sig == signal.SIGKILL else f"{point}:SIGTERM"
        before = _kept(published.parent)
        killed = run_config_cli(tmp_path, env, "run", failpoint=name)
        # SIGTERM stops the run promptly: recorded failed, exit 143 (128 + 15), one line
        expected = -sig if sig == signal.SIGKILL else 128 + sig
        assert killed.returncode == expected, (name, killed.stderr[-2000:])
        if name == "files_written":  # killed once the marts are published, before the
            # readers' files are: the run stays `running`, its new files unrenamed, the
            # previous files byte for byte
            assert _statuses(warehouse)[-1] == "running"
            assert list(published.parent.glob(f"{TEMP_PREFIX}*"))
            assert _kept(published.parent) == before
        seen.append((name, _snapshot(published)))  # opens: never half a file
        reported.append("did not finish (killed or crashed)" in killed.stderr)

    final = run_config_cli(tmp_path, env, "run")
    reported.append("did not finish (killed or crashed)" in final.stderr)
    # A run's row is finished only once the readers' files are in place, so a run killed at
    # any point, even after the files were renamed into place (files_published), is found
    # `running` by the next run, which marks it crashed, says so and publishes again.
    # reported[i]: run i found run i-1 unfinished (run 0 follows the first, complete run;
    # the last follows the SIGTERMed run, which recorded itself failed).
    assert reported == [False] + [True] * len(POINTS) + [False], reported
    # SIGTERM stops the run, which records itself failed ("interrupted by SIGTERM").
    assert _statuses(warehouse) == (["completed"] + ["crashed"] * len(POINTS)
                                    + ["failed", "completed"])
    assert pipeline_runs(published) == pipeline_runs(warehouse)  # readers see the record
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT error FROM marts.pipeline_runs WHERE status = 'failed'"
                           ).fetchall() == [("interrupted by SIGTERM",)]
    assert final.returncode == 0, final.stderr
    new = _snapshot(published)
    assert new != old
    assert new["daily_training"][-1][1] > old["daily_training"][-1][1]  # the second week
    for point, snapshot in seen:
        assert snapshot in (old, new), point  # the old build or the new one, never a mix
    files = len(list((tmp_path / "fit").iterdir()))
    assert fit_files_and_doubled_records(warehouse) == (files, 0)
    assert not list(published.parent.glob(f"{TEMP_PREFIX}*"))


@pytest.mark.usefixtures("prefect_server")
def test_a_second_run_while_one_holds_the_warehouse_stops_and_changes_nothing(
    tmp_path: Path, prefect_server: str,
) -> None:
    (tmp_path / "musclebalance.toml").write_text(SYNTHETIC_CONFIG)
    write_synthetic_span(tmp_path, 1)
    warehouse = tmp_path / "data" / "w.duckdb"
    with run_lock(warehouse):  # a run in progress
        second = run_config_cli(tmp_path, {"PREFECT_API_URL": prefect_server}, "build")
    assert second.returncode == 1
    assert "another musclebalance run is working on this warehouse" in second.stderr
    assert not (tmp_path / "data" / "published").exists()
