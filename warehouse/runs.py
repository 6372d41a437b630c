"""marts.pipeline_runs: one row per run, with counts only (no health values).

A run's row is written when it starts (status `running`) and completed when it ends. A row
still `running` when the next run takes the warehouse's run lock belongs to a run that was
killed or crashed (the lock proves it is not alive); that run marks it `crashed`.

A run that publishes the readers' files is finished in its row only after those files are in
place: the files carry a copy of marts.pipeline_runs with the run's row already as it ends
(`runs_as_published`), while the warehouse row stays `running` until the files are renamed
into place. A run killed in between is found `running`, hence `crashed`, by the next run,
which publishes again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import duckdb

from warehouse.connection import transaction

RUNNING = "running"
CRASHED = "crashed"
FAILED = "failed"
COMPLETED = "completed"
COMPLETED_WITH_ERRORS = "completed_with_errors"
RUNS_TABLE = "marts.pipeline_runs"
#: The copy of marts.pipeline_runs the readers' files are written from (this connection's).
PUBLISHED_RUNS = "temp.main.pipeline_runs_as_published"


class IngestCounts(Protocol):
    """What an ingest's summary gives its run's row (flows.runtime.RunSummary)."""

    loaded: int
    skipped: int
    quarantined: list
    problems: list
    partial: list

    @property
    def records(self) -> int: ...


class BuildCounts(Protocol):
    """What a build's summary gives its run's row (flows.build.BuildSummary)."""

    expectations_failed: int
    rows_published: int | None


def mark_crashed(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, datetime]]:
    """Mark every row still `running` as `crashed`; call only while holding the run lock.
    Returns those runs (id, command, start)."""
    with transaction(con):
        crashed = con.execute(
            "SELECT run_id, command, started_at FROM marts.pipeline_runs WHERE status = ? "
            "ORDER BY started_at", [RUNNING]).fetchall()
        con.execute("UPDATE marts.pipeline_runs SET status = ? WHERE status = ?",
                    [CRASHED, RUNNING])
    return crashed


def begin_run(con: duckdb.DuckDBPyConnection, run_id: str, command: str,
              started_at: datetime) -> None:
    """Record a run as `running` (its counts follow when it ends)."""
    with transaction(con):
        con.execute("INSERT INTO marts.pipeline_runs (run_id, command, started_at, status) "
                    "VALUES (?, ?, ?, ?)", [run_id, command, started_at, RUNNING])


def run_status(ingests: Sequence[IngestCounts], builds: Sequence[BuildCounts],
               error: str | None = None) -> str:
    """failed (an error, or expectations failed), completed_with_errors (files quarantined,
    unreadable or loaded in part) or completed."""
    if error or any(b.expectations_failed for b in builds):
        return FAILED
    if any(s.quarantined or s.problems or s.partial for s in ingests):
        return COMPLETED_WITH_ERRORS
    return COMPLETED


def runs_as_published(con: duckdb.DuckDBPyConnection) -> str:
    """A temporary copy of marts.pipeline_runs for the readers' files (finish this run's
    row in it with `finish_run(..., table=...)`); returns its name."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {PUBLISHED_RUNS} AS "  # noqa: S608
                f"SELECT * FROM {RUNS_TABLE}")
    return PUBLISHED_RUNS


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, started_at: datetime,
               finished_at: datetime, ingests: Sequence[IngestCounts],
               builds: Sequence[BuildCounts], error: str | None = None,
               table: str = RUNS_TABLE) -> None:
    """Write the run's end, status and counts into its row of `table` (marts.pipeline_runs,
    or the copy `runs_as_published` made): files and records summed over its ingests, rows
    published and failed expectations over its builds (null when it made no build)."""
    published = [b.rows_published for b in builds]
    with transaction(con):
        con.execute(
            f"UPDATE {table} SET finished_at = ?, status = ?, files_loaded = ?, "  # noqa: S608
            "files_skipped = ?, files_quarantined = ?, records_loaded = ?, "
            "seconds = ?, "
            "rows_published = ?, expectations_failed = ?, error = ?, files_partial = ?, "
            "files_decoded_by_fitparse = ? WHERE run_id = ?",
            [
                finished_at, run_status(ingests, builds, error),
                sum(s.loaded for s in ingests), sum(s.skipped for s in ingests),
                sum(len(s.quarantined) for s in ingests),
                sum(s.records for s in ingests),
                (finished_at - started_at).total_seconds(),
                None if all(p is None for p in published) else sum(p or 0 for p in published),
                sum(b.expectations_failed for b in builds) if builds else None,
                error, sum(len(s.partial) for s in ingests),
                sum(len(getattr(s, "fallbacks", ())) for s in ingests), run_id,
            ],
        )
