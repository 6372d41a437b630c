"""marts.validation_results: every expectation checked before a publish (keys and counts)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import duckdb

from warehouse.connection import transaction


def record_validation(con: duckdb.DuckDBPyConnection, run_id: str, checked_at: datetime,
                      results: Iterable[tuple[str, object]], held_back: bool = False
                      ) -> list[list[str]]:
    """Append (table, schemas.expectations.CheckResult) pairs of one run, in one transaction;
    `held_back`: the build held back the athletes of the failing rows (their keys are
    recorded in full). Returns, per result, the source files of its failing rows
    (`source_files_of`; [] for a success)."""
    results = list(results)
    files = [[] if r.success else source_files_of(con, table, r.failing_keys
                                                  or r.unexpected_keys)
             for table, r in results]
    rows = [
        [run_id, checked_at, table, r.expectation, ", ".join(r.columns),
         json.dumps(r.settings, default=str), r.success,
         None if r.observed_value is None else json.dumps(r.observed_value, default=str),
         r.unexpected_count, json.dumps(r.unexpected_keys, default=str), r.error,
         json.dumps(r.failing_keys, default=str) if held_back and not r.success else None,
         json.dumps(paths) if paths else None]
        for (table, r), paths in zip(results, files, strict=True)
    ]
    if not rows:
        return files
    with transaction(con):
        con.executemany(
            "INSERT INTO marts.validation_results (run_id, checked_at, table_name, expectation, "
            "columns, settings, success, observed_value, unexpected_count, unexpected_keys, "
            "error, held_back_keys, source_files) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return files


def failed_expectations(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[tuple]:
    """Failed expectations of the latest validated run: table, expectation, columns,
    unexpected count, example keys, error, observed value, source files (JSON text; NULL
    in a warehouse made before the column and not opened for writing since)."""
    files = ("CAST(source_files AS VARCHAR)" if con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
        "AND table_name = 'validation_results' AND column_name = 'source_files'").fetchone()[0]
        else "NULL")
    return con.execute(
        "WITH latest AS (SELECT run_id FROM marts.validation_results "  # noqa: S608
        "                ORDER BY checked_at DESC LIMIT 1) "
        "SELECT run_id, table_name, expectation, columns, unexpected_count, "
        "       CAST(unexpected_keys AS VARCHAR), error, CAST(observed_value AS VARCHAR), "
        f"       {files} "
        "FROM marts.validation_results WHERE run_id IN (SELECT run_id FROM latest) "
        "AND NOT success ORDER BY table_name, expectation, columns LIMIT ?", [limit],
    ).fetchall()


#: Days before a failing row's day whose files can change it: the scores read 7-day
#: windows (the day and the 6 before it); the daily facts read the day.
WINDOW_BEFORE_DAYS = {"daily_muscle_balance": 6, "weekly_muscle_balance": 6}

#: Per FIT file, the local days its samples and sessions span: by the offset the file
#: states (a file recorded away), else in the athlete's zone.
_FILE_DAYS = """
WITH spans AS (
  SELECT athlete_id, source_sha256, min(timestamp_utc) AS lo, max(timestamp_utc) AS hi
  FROM raw.fit_records GROUP BY ALL
  UNION ALL
  SELECT athlete_id, source_sha256, min(coalesce(start_time_utc, timestamp_utc)),
         max(timestamp_utc) FROM raw.fit_sessions GROUP BY ALL),
offsets AS (
  SELECT athlete_id, source_sha256, max(utc_offset_s) AS offset_s FROM raw.fit_activity
  GROUP BY ALL),
fit AS (
  SELECT s.athlete_id, s.source_sha256,
         CASE WHEN o.offset_s IS NULL
              THEN CAST(timezone(coalesce(a.timezone, 'UTC'), min(s.lo)) AS DATE)
              ELSE CAST(timezone('UTC', min(s.lo)) + to_seconds(o.offset_s) AS DATE)
         END AS first_day,
         CASE WHEN o.offset_s IS NULL
              THEN CAST(timezone(coalesce(a.timezone, 'UTC'), max(s.hi)) AS DATE)
              ELSE CAST(timezone('UTC', max(s.hi)) + to_seconds(o.offset_s) AS DATE)
         END AS last_day
  FROM spans s LEFT JOIN raw.athletes a USING (athlete_id)
  LEFT JOIN offsets o USING (athlete_id, source_sha256)
  GROUP BY s.athlete_id, s.source_sha256, a.timezone, o.offset_s),
food AS (
  SELECT athlete_id, source_sha256, local_date AS first_day, local_date AS last_day
  FROM raw.nutrition_entries
  UNION SELECT athlete_id, source_sha256, local_date, local_date
  FROM raw.body_measurement_imports),
days AS (SELECT * FROM fit UNION ALL SELECT * FROM food)
SELECT DISTINCT f.path
FROM mb_failing k
JOIN days d ON d.athlete_id = k.athlete_id AND d.first_day <= k.last_day
            AND d.last_day >= k.first_day
JOIN raw.source_files f ON f.athlete_id = d.athlete_id AND f.sha256 = d.source_sha256
WHERE f.status IN ('loaded', 'partial')
ORDER BY f.path
"""


def _day_range(table: str, key: dict) -> tuple[date, date] | None:
    """The local days whose data can make the row of `key` fail."""
    before = timedelta(days=WINDOW_BEFORE_DAYS.get(table, 0))
    if key.get("local_date") is not None:
        day = date.fromisoformat(str(key["local_date"])[:10])
        return day - before, day
    if key.get("iso_year") is not None and key.get("iso_week") is not None:
        monday = date.fromisocalendar(int(key["iso_year"]), int(key["iso_week"]), 1)
        return monday - before, monday + timedelta(days=6)
    return None


def source_files_of(con: duckdb.DuckDBPyConnection, table: str, keys: list[dict] | None
                    ) -> list[str]:
    """Paths of the loaded files whose rows fall on the days of these failing keys (athlete
    and day or ISO week; a score's 7-day window included), sorted."""
    ranges = [(str(k["athlete_id"]), *span) for k in keys or ()
              if k.get("athlete_id") is not None and (span := _day_range(table, k))]
    if not ranges:
        return []
    import polars as pl  # here, not at the top: `status` reads this module without it

    frame = pl.DataFrame(ranges, schema={"athlete_id": pl.String, "first_day": pl.Date,
                                         "last_day": pl.Date}, orient="row").unique()
    con.register("mb_failing", frame)
    try:
        return [r[0] for r in con.execute(_FILE_DAYS).fetchall()]
    finally:
        con.unregister("mb_failing")
