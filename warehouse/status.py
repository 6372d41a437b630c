"""Read-only queries behind `musclebalance status` (keys and counts, no health values)."""

from __future__ import annotations

import duckdb


def source_counts(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Files per athlete, kind and status."""
    return con.execute(
        "SELECT athlete_id, kind, status, count(*) FROM raw.source_files "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()


def _or_null(con: duckdb.DuckDBPyConnection, table: str, column: str) -> str:
    """`column` of `table` (constants of this module), or NULL in a warehouse made before
    the column existed and not opened for writing since (status opens it read-only)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
        "AND table_name = ? AND column_name = ?", [table, column]).fetchone()
    return column if found and found[0] else "NULL"


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[tuple]:
    """The latest runs, newest first: files loaded, of them partial and read by fitparse
    after the fast decoder gave up, skipped, quarantined; records, rows published, failed
    expectations, seconds."""
    partial = _or_null(con, "pipeline_runs", "files_partial")  # a column name, or NULL
    by_fitparse = _or_null(con, "pipeline_runs", "files_decoded_by_fitparse")
    return con.execute(
        "SELECT strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S'), "  # noqa: S608
        f"command, status, files_loaded, {partial}, {by_fitparse}, files_skipped, "
        "files_quarantined, records_loaded, rows_published, "
        "expectations_failed, round(seconds, 1) "
        "FROM marts.pipeline_runs ORDER BY started_at DESC LIMIT ?",
        [limit],
    ).fetchall()


#: raw.source_files kinds of watch files; every other kind is a nutrition export format.
FIT_KINDS = ("fit", "fit.gz", "zip")


def quarantined_files(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, bool]]:
    """Every quarantined file with its reason, and whether it is a FIT file or archive (else
    a rejected nutrition or body-weight export)."""
    return con.execute(
        "SELECT athlete_id, path, error, kind IN (SELECT unnest(?::VARCHAR[])) "
        "FROM raw.source_files WHERE status = 'quarantined' ORDER BY athlete_id, path",
        [list(FIT_KINDS)],
    ).fetchall()


def partial_files(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, int, int]]:
    """Every FIT file loaded in part: athlete, path, what broke, the byte where the fault
    begins and the data messages kept from before it."""
    offset = _or_null(con, "source_files", "fault_offset_bytes")  # a column name, or NULL
    return con.execute(
        f"SELECT athlete_id, path, error, {offset}, message_count "  # noqa: S608
        "FROM raw.source_files "
        "WHERE status = 'partial' ORDER BY athlete_id, path"
    ).fetchall()


def crashed_runs(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Runs that never finished (killed or crashed), newest first, and any run still going
    (`running`: another process may be working on the warehouse now)."""
    return con.execute(
        "SELECT strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S'), command, "
        "status, run_id FROM marts.pipeline_runs WHERE status IN ('crashed', 'running') "
        "ORDER BY started_at DESC LIMIT 5"
    ).fetchall()


def freshness(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Per athlete: the last local day with a watch activity, with food logged and with a
    body-weight measurement (dates only), from the raw tables."""
    return con.execute(
        "WITH activity AS ("
        "  SELECT s.athlete_id, max(CAST(timezone(coalesce(a.timezone, 'UTC'), "
        "         coalesce(s.start_time_utc, s.timestamp_utc)) AS DATE)) AS last_day "
        "  FROM raw.fit_sessions s LEFT JOIN raw.athletes a USING (athlete_id) GROUP BY 1), "
        "food AS (SELECT athlete_id, max(local_date) AS last_day FROM raw.nutrition_entries "
        "         GROUP BY 1), "
        "weight AS (SELECT athlete_id, max(local_date) AS last_day FROM raw.body_measurements "
        "           WHERE weight_kg IS NOT NULL GROUP BY 1), "
        "athletes AS (SELECT athlete_id FROM activity UNION SELECT athlete_id FROM food "
        "             UNION SELECT athlete_id FROM weight) "
        "SELECT athletes.athlete_id, activity.last_day, food.last_day, weight.last_day "
        "FROM athletes LEFT JOIN activity USING (athlete_id) LEFT JOIN food USING (athlete_id) "
        "LEFT JOIN weight USING (athlete_id) ORDER BY 1"
    ).fetchall()


def nulled_values(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int, int, str]]:
    """Per athlete and reason: FIT record values stored as null (outside their physical
    range) or record times without a date, how many files had them, and the first such
    file by path. Empty in a warehouse made before the check (opened read-only)."""
    if _or_null(con, "source_files", "values_nulled") == "NULL":
        return []
    return con.execute(
        "WITH per_file AS ("
        "  SELECT athlete_id, path, values_nulled, unnest(json_keys(values_nulled)) AS reason "
        "  FROM raw.source_files WHERE values_nulled IS NOT NULL) "
        "SELECT athlete_id, reason, "
        "       sum(CAST(json_extract_string(values_nulled, '$.\"' || reason || '\"') "
        "           AS BIGINT)), count(*), min(path) "
        "FROM per_file GROUP BY ALL ORDER BY ALL"
    ).fetchall()


def distance_resets(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, int, str]]:
    """Per athlete: how often the cumulative distance of FIT files goes back, in how many
    files, and the first such file by path."""
    if _or_null(con, "source_files", "distance_resets") == "NULL":
        return []
    return con.execute(
        "SELECT athlete_id, sum(distance_resets), count(*), min(path) FROM raw.source_files "
        "WHERE distance_resets > 0 GROUP BY ALL ORDER BY ALL"
    ).fetchall()
