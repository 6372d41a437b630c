"""The scheduled path end to end under the session's Prefect test server: the nightly flow on
a generated athlete (FIT files, weigh-ins and a Cronometer export), a second nightly run
with nothing new, two runs started together, backfill and rebuild, and a step retried while
another process holds the warehouse."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from schemas.marts import MARTS
from synthetic import (
    GeneratedFile,
    SyntheticAthlete,
    generate_athlete_files,
    generate_nutrition_exports,
)
from tests.helpers import REPO, SYNTHETIC_CONFIG
from warehouse.publish import PUBLISHED_FILE

pytestmark = pytest.mark.flow  # every test here starts Prefect (prefect_server)

START = date(2026, 3, 2)
WEEKS = 3
ATHLETE = SyntheticAthlete()
ZONE = ZoneInfo(ATHLETE.timezone)


def write_athlete(folder: Path, weeks: int = WEEKS, scoring: str = "") -> list[GeneratedFile]:
    """Generated FIT files, a Cronometer export and the config in `folder`."""
    files = generate_athlete_files(ATHLETE, START, weeks)
    (folder / "fit").mkdir(parents=True)
    for f in files:
        (folder / "fit" / f.name).write_bytes(f.data)
    (folder / "food").mkdir()
    exports = generate_nutrition_exports(ATHLETE, files, START, weeks)
    (folder / "food" / "servings.csv").write_bytes(exports.cronometer_servings_csv)
    (folder / "musclebalance.toml").write_text(SYNTHETIC_CONFIG + scoring)
    return files


def query(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def published_marts(folder: Path) -> dict[str, list[tuple]]:
    """Every mart in the readers' file, rows sorted."""
    published = folder / "data" / "published" / PUBLISHED_FILE
    return {t: query(published, f"SELECT * FROM marts.{t} ORDER BY ALL")  # noqa: S608
            for t in MARTS}


def same_marts(a: dict[str, list[tuple]], b: dict[str, list[tuple]]) -> bool:
    """Equal, floats to 1e-9 (rows loaded again sit elsewhere in the raw tables, and sums
    taken in another order differ in the last bits)."""
    def same(x: object, y: object) -> bool:
        if isinstance(x, float) and isinstance(y, float):
            return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
        return x == y

    return a.keys() == b.keys() and all(
        len(a[t]) == len(b[t]) and all(len(r) == len(q) and all(map(same, r, q))
                                       for r, q in zip(a[t], b[t], strict=True))
        for t in a)


def runs(folder: Path) -> list[tuple]:
    return query(folder / "data" / "w.duckdb",
                 "SELECT run_id, command, status, files_loaded, files_skipped, "
                 "files_quarantined, rows_published, expectations_failed, seconds, "
                 "finished_at IS NOT NULL FROM marts.pipeline_runs ORDER BY started_at")


@pytest.fixture(scope="module")
def nightly_twice(tmp_path_factory, prefect_server: str):
    """One nightly run on three weeks of data, then a second with nothing new."""
    from flows.nightly import nightly_flow

    folder = tmp_path_factory.mktemp("nightly")
    files = write_athlete(folder)
    config = str(folder / "musclebalance.toml")
    first = nightly_flow(config=config)
    after_first = published_marts(folder)
    second = nightly_flow(config=config)
    return folder, files, first, second, after_first


def test_nightly_publishes_every_mart_checked_and_records_the_run(nightly_twice) -> None:
    folder, files, first, _, marts = nightly_twice
    assert first.ok and first.build is not None
    assert all(marts[t] for t in MARTS)
    run_id, command, status, loaded, skipped, bad, published, failed, seconds, done = (
        runs(folder)[0])
    assert (command, status, bad, failed, done) == ("nightly", "completed", 0, 0, True)
    assert loaded == len(files) + 1 and skipped == 0  # every FIT file and the export
    assert published == sum(len(rows) for rows in marts.values())
    checks = query(folder / "data" / "w.duckdb",
                   "SELECT table_name, bool_and(success), count(*) "
                   "FROM marts.validation_results WHERE run_id = ? GROUP BY 1", [run_id])
    assert {t for t, ok, n in checks if ok and n > 0} == set(MARTS)
    readers = folder / "data" / "published" / PUBLISHED_FILE
    assert query(readers, "SELECT command, status FROM marts.pipeline_runs WHERE run_id = ?",
                 [run_id]) == [("nightly", "completed")]  # the readers' copy shows the run


def test_a_second_nightly_run_with_nothing_new_publishes_the_same_and_is_faster(
    nightly_twice,
) -> None:
    folder, files, _, second, after_first = nightly_twice
    assert second.ok
    assert published_marts(folder) == after_first
    (_, _, _, _, _, _, _, _, first_s, _), (_, command, status, loaded, skipped, *_, second_s, _
                                           ) = runs(folder)
    assert (command, status, loaded, skipped) == ("nightly", "completed", 0, len(files) + 1)
    assert second_s < first_s
    records = query(folder / "data" / "w.duckdb", "SELECT records_loaded FROM "
                    "marts.pipeline_runs WHERE command = 'nightly' ORDER BY started_at")
    assert records[0][0] >= sum(f.record_count for f in files)  # FIT records, export rows
    assert records[1] == (0,)  # nothing new was loaded (the build's rows are not counted)


def _cli(folder: Path, env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flows", *args, "--config", str(folder / "musclebalance.toml")],
        cwd=REPO, env={**os.environ, **env, "COLUMNS": "200"}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def test_two_nightly_runs_started_together_one_is_refused_and_nothing_doubles(
    tmp_path: Path, prefect_server: str,
) -> None:
    files = write_athlete(tmp_path, weeks=2)
    env = {"PREFECT_API_URL": prefect_server}
    started = [_cli(tmp_path, env, "run"), _cli(tmp_path, env, "run")]
    outcomes = [(p.wait(timeout=600), p.stderr.read()) for p in started]
    codes = sorted(code for code, _ in outcomes)
    recorded = runs(tmp_path)
    if codes == [0, 1]:  # the usual case: they overlapped, the later one was refused
        refused = next(text for code, text in outcomes if code == 1)
        assert "another musclebalance run is working on this warehouse" in refused
        assert [(r[1], r[2]) for r in recorded] == [("nightly", "completed")]
    else:  # one finished before the other started: the second found nothing new
        assert codes == [0, 0], outcomes
        assert [r[3] for r in recorded] == [len(files) + 1, 0]
    warehouse = tmp_path / "data" / "w.duckdb"
    assert query(warehouse, "SELECT count(*) FROM raw.source_files WHERE kind = 'fit'") == [
        (len(files),)]
    assert query(warehouse, "SELECT count(*) FROM raw.fit_records") == [
        (sum(f.record_count for f in files),)]
    days = query(warehouse, "SELECT count(*), count(DISTINCT local_date) "
                            "FROM marts.daily_training")
    assert days[0][0] == days[0][1]


def test_backfill_decodes_again_only_the_files_dated_in_its_range_and_rebuild_rebuilds(
    tmp_path: Path, prefect_server: str,
) -> None:
    from flows.nightly import backfill_flow, nightly_flow, rebuild_flow

    files = write_athlete(tmp_path, weeks=2)
    config = str(tmp_path / "musclebalance.toml")
    nightly_flow(config=config)
    before = published_marts(tmp_path)
    since, until = START + timedelta(days=7), START + timedelta(days=9)
    in_range = [f for f in files if since <= f.start_utc.astimezone(ZONE).date() <= until]
    assert in_range
    summary = backfill_flow(config=config, since=since, until=until)
    assert summary.ok
    fit_loaded = sum(s.loaded for s in summary.fit)
    assert fit_loaded == len(in_range)
    assert sum(s.loaded for s in summary.nutrition) == 1  # every export read again
    assert same_marts(published_marts(tmp_path), before)
    warehouse = tmp_path / "data" / "w.duckdb"
    assert query(warehouse, "SELECT count(*) FROM raw.fit_records") == [
        (sum(f.record_count for f in files),)]
    last = runs(tmp_path)[-1]
    assert (last[1], last[2], last[3]) == ("backfill", "completed", len(in_range) + 1)

    # rebuild: the marts only, from the raw tables (here after a [scoring] change)
    version = "SELECT DISTINCT model_version FROM marts.daily_muscle_balance"
    before_version = query(warehouse, version)
    (tmp_path / "musclebalance.toml").write_text(
        SYNTHETIC_CONFIG + "\n[scoring]\nprotein_target_g_per_kg = 1.8\n")
    rebuilt = rebuild_flow(config=config)
    assert rebuilt.rows_published == sum(rebuilt.rows.values())
    assert query(warehouse, version) != before_version
    last = runs(tmp_path)[-1]
    assert (last[1], last[2], last[3], last[4]) == ("rebuild", "completed", 0, 0)


def test_a_run_waits_for_another_process_to_close_the_warehouse(
    tmp_path: Path, prefect_server: str, caplog: pytest.LogCaptureFixture,
) -> None:
    from flows.nightly import nightly_flow, rebuild_flow

    write_athlete(tmp_path, weeks=1)
    config = str(tmp_path / "musclebalance.toml")
    nightly_flow(config=config)
    warehouse = tmp_path / "data" / "w.duckdb"
    holder = subprocess.Popen(  # a DuckDB shell holding the warehouse for 3 s
        [sys.executable, "-c", "import duckdb, sys, time\n"
         f"con = duckdb.connect({str(warehouse)!r}, read_only=True)\n"
         "print('open', flush=True)\ntime.sleep(3)\ncon.close()"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        t0 = time.monotonic()
        summary = rebuild_flow(config=config)
    finally:
        holder.wait(timeout=60)
    assert summary.rows_published
    assert time.monotonic() - t0 >= 3  # it waited for the file, then went on
    assert "in use by another process" in caplog.text
    assert runs(tmp_path)[-1][1:3] == ("rebuild", "completed")
