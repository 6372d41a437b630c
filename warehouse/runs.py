"""marts.pipeline_runs: one row per run, with counts only (no health values)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Protocol

from warehouse.connection import connect, transaction
from warehouse.ddl import create_all


class RunCounts(Protocol):
    loaded: int
    skipped: int
    records: int
    quarantined: list
    problems: list


def record_run(
    warehouse: Path,
    run_id: str,
    command: str,
    started_at: datetime,
    finished_at: datetime,
    summaries: list[RunCounts],
) -> None:
    """Append the run's outcome to marts.pipeline_runs."""
    quarantined = sum(len(s.quarantined) for s in summaries)
    problems = sum(len(s.problems) for s in summaries)
    failed = [getattr(s, "expectations_failed", None) for s in summaries]
    failed_total = None if all(f is None for f in failed) else sum(f or 0 for f in failed)
    published = [getattr(s, "rows_published", None) for s in summaries]
    published_total = (None if all(p is None for p in published)
                       else sum(p or 0 for p in published))
    status = ("failed" if failed_total else
              "completed" if not (quarantined or problems) else "completed_with_errors")
    with connect(warehouse) as con:
        create_all(con)
        with transaction(con):
            con.execute(
                "INSERT INTO marts.pipeline_runs (run_id, command, started_at, finished_at, "
                "status, files_loaded, files_skipped, files_quarantined, records_loaded, seconds, "
                "rows_published, expectations_failed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id, command, started_at, finished_at, status,
                    sum(s.loaded for s in summaries), sum(s.skipped for s in summaries),
                    quarantined, sum(s.records for s in summaries),
                    (finished_at - started_at).total_seconds(), published_total, failed_total,
                ],
            )
