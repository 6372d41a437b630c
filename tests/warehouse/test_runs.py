"""warehouse/runs.py: a run's row in marts.pipeline_runs counts its ingests' files and
records and its builds' published rows and failed expectations, from two separate lists
(a real DuckDB file; the expected numbers are summed by hand in each test)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flows.build import BuildSummary
from flows.ingest import IngestSummary
from flows.nutrition_ingest import NutritionSummary
from warehouse.connection import connect
from warehouse.ddl import create_all
from warehouse.runs import (
    COMPLETED,
    COMPLETED_WITH_ERRORS,
    FAILED,
    begin_run,
    finish_run,
    run_status,
)

START = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
COLUMNS = ("status, files_loaded, files_skipped, files_quarantined, records_loaded, seconds, "
           "rows_published, expectations_failed, error, files_partial, files_decoded_by_fitparse")


def _row(path: Path, ingests: list, builds: list, error: str | None = None) -> tuple:
    with connect(path) as con:
        create_all(con)
        begin_run(con, "r1", "nightly", START)
        finish_run(con, "r1", START, START + timedelta(seconds=90), ingests, builds, error)
        return con.execute(f"SELECT {COLUMNS} FROM marts.pipeline_runs "  # noqa: S608
                           "WHERE run_id = 'r1'").fetchone()


def test_a_nightly_row_sums_ingests_and_the_build_apart(tmp_path: Path) -> None:
    fit = IngestSummary("a", loaded=3, skipped=2, records=1200,
                        partial=[("/fit/c.fit", "truncated")],
                        fallbacks=[("/fit/a.fit", "RuntimeError"), ("/fit/b.fit", "KeyError")])
    food = NutritionSummary("a", loaded=1, skipped=4, rows=35,
                            quarantined=[("/food/x.csv", "bad header")])
    build = BuildSummary(rows={"daily_training": 40, "daily_energy": 40}, seconds=2.0,
                         rows_published=80)
    row = _row(tmp_path / "w.duckdb", [fit, food], [build])
    # files 3 + 1 loaded, 2 + 4 skipped, 1 quarantined; records 1200 + 35 (the build's
    # 80 mart rows are published rows, not records); 90 s; one file loaded in part; two
    # read by fitparse after the fast decoder gave up (nutrition has no decoder: none)
    assert row == (COMPLETED_WITH_ERRORS, 4, 6, 1, 1235, 90.0, 80, 0, None, 1, 2)


def test_an_ingest_only_run_has_no_build_counts(tmp_path: Path) -> None:
    row = _row(tmp_path / "w.duckdb", [IngestSummary("a", loaded=2, records=10)], [])
    assert row == (COMPLETED, 2, 0, 0, 10, 90.0, None, None, None, 0, 0)


def test_a_build_only_run_whose_expectations_failed(tmp_path: Path) -> None:
    build = BuildSummary(rows={"daily_energy": 5}, seconds=1.0, expectations_failed=2)
    row = _row(tmp_path / "w.duckdb", [], [build], "ExpectationsFailed: 2 expectations")
    assert row == (FAILED, 0, 0, 0, 0, 90.0, None, 2, "ExpectationsFailed: 2 expectations", 0,
                   0)


def test_run_status_reads_each_kind_for_its_own_outcome() -> None:
    clean = IngestSummary("a", loaded=1)
    unreadable = IngestSummary("a", problems=[("/fit/z.fit", "not a FIT file")])
    built = BuildSummary(rows={}, seconds=0.0)
    assert run_status([clean], [built]) == COMPLETED
    assert run_status([unreadable], [built]) == COMPLETED_WITH_ERRORS
    assert run_status([clean], [BuildSummary(rows={}, seconds=0.0,
                                             expectations_failed=1)]) == FAILED
    assert run_status([clean], [], error="RuntimeError: boom") == FAILED
