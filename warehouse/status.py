"""Read-only queries behind `musclebalance status` (keys and counts, no health values)."""

from __future__ import annotations

import duckdb


def source_counts(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Files per athlete, kind and status."""
    return con.execute(
        "SELECT athlete_id, kind, status, count(*) FROM raw.source_files "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[tuple]:
    """The latest runs, newest first."""
    return con.execute(
        "SELECT strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S'), command, status, "
        "files_loaded, files_skipped, files_quarantined, records_loaded, rows_published, "
        "expectations_failed, round(seconds, 1) "
        "FROM marts.pipeline_runs ORDER BY started_at DESC LIMIT ?",
        [limit],
    ).fetchall()


def quarantined_files(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """Every quarantined file with its reason."""
    return con.execute(
        "SELECT athlete_id, path, error FROM raw.source_files WHERE status = 'quarantined' "
        "ORDER BY athlete_id, path"
    ).fetchall()
