"""Warehouse DDL: schemas, raw tables from the contracts in `schemas/`, column comments."""

from __future__ import annotations

import duckdb

from schemas.fit import EXTRA_COLUMN, FIT_FIELDS_COLUMNS, FIT_FIELDS_TABLE, FIT_TABLES, KEY_COLUMNS
from schemas.wellness import WELLNESS_COMMENTS, WELLNESS_TABLES
from warehouse.connection import quote_ident, sql_string, transaction

Columns = tuple[tuple[str, str, str], ...]

SOURCE_FILES: Columns = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete the file belongs to"),
    ("sha256", "VARCHAR NOT NULL", "sha256 of the file content (FIT bytes after gunzip)"),
    ("path", "VARCHAR NOT NULL", "First path the content was seen at (zip!entry for members)"),
    ("size_bytes", "BIGINT NOT NULL", "Content size, bytes"),
    ("kind", "VARCHAR NOT NULL", "fit, fit.gz or zip"),
    ("container_sha256", "VARCHAR", "sha256 of the archive that delivered it, if any"),
    ("status", "VARCHAR NOT NULL", "loaded; partial (a FIT file that broke part-way: the "
     "messages before the fault are loaded); quarantined (nothing loaded); ignored"),
    ("error", "VARCHAR", "Why the file was quarantined, or where and why a partial file broke"),
    ("message_count", "INTEGER", "Data messages kept from the file"),
    ("ingested_at", "TIMESTAMPTZ NOT NULL", "When the content was first ingested (UTC)"),
    ("fault_offset_bytes", "BIGINT", "Partial FIT files: the byte at which the fault begins; "
     "every message ending at or before it was read"),
    ("values_nulled", "JSON", "FIT files loaded: record values stored as null because they "
     "lie outside their physical range, per reason (e.g. {\"heart_rate_bpm<25\": 30}; "
     "ranges and sources in schemas/plausibility.py), and record times without a date; {} "
     "when none; null for files loaded before this check"),
    ("distance_resets", "INTEGER", "FIT files loaded: how often the records' cumulative "
     "distance goes back (kept as recorded; the facts sum only its increases)"),
)
#: Columns added to raw.source_files after its first release (added on open).
SOURCE_FILES_ADDED = ("fault_offset_bytes", "values_nulled", "distance_resets")
SOURCE_PATHS: Columns = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete the path belongs to"),
    ("path", "VARCHAR NOT NULL", "File path as walked"),
    ("size_bytes", "BIGINT NOT NULL", "File size at the last run, bytes"),
    ("mtime_ns", "BIGINT NOT NULL", "File modification time at the last run, ns since epoch"),
    ("sha256", "VARCHAR NOT NULL", "Content at the last run (raw.source_files.sha256)"),
    ("kind", "VARCHAR NOT NULL", "fit, fit.gz or zip"),
    ("seen_at", "TIMESTAMPTZ NOT NULL", "When this path last changed (UTC)"),
    ("origin", "VARCHAR", "config (found under a configured path: removed with its rows when "
     "it vanishes or its path leaves the config) or command_line (given to ingest: kept "
     "until musclebalance forget); null: recorded before origins were (removed only when "
     "it vanishes from under a configured path)"),
)
#: Columns added to raw.source_paths after its first release (added on open).
SOURCE_PATHS_ADDED = ("origin",)
UNREAD_FILES: Columns = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete whose fit_paths hold the file"),
    ("path", "VARCHAR NOT NULL", "The file's path, or archive!entry for a member of a zip"),
    ("container_path", "VARCHAR", "Path of the zip that holds it (null: a file in a folder)"),
    ("file_type", "VARCHAR NOT NULL", "GPX, TCX, JSON, XML, CSV, ... from the file name"),
    ("advice", "VARCHAR NOT NULL", "Why it is not read and what to do about it"),
    ("seen_at", "TIMESTAMPTZ NOT NULL", "When a run last found it (UTC)"),
)
PIPELINE_RUNS: Columns = (
    ("run_id", "VARCHAR NOT NULL", "Prefect flow-run id, or a generated id"),
    ("command", "VARCHAR NOT NULL", "What ran (ingest, build, ...)"),
    ("started_at", "TIMESTAMPTZ NOT NULL", "Start (UTC)"),
    ("finished_at", "TIMESTAMPTZ", "End (UTC)"),
    ("status", "VARCHAR NOT NULL", "running (started, not finished), completed, "
     "completed_with_errors (files quarantined, unreadable or loaded in part), failed "
     "(expectations failed or an error; with rows_published set, athletes were held "
     "back and the others published) or crashed (killed mid-way: found still running "
     "by the next run)"),
    ("files_loaded", "INTEGER", "Files loaded in this run"),
    ("files_skipped", "INTEGER", "Files already in the warehouse"),
    ("files_quarantined", "INTEGER", "Files quarantined in this run"),
    ("records_loaded", "BIGINT", "Rows added: raw.fit_records for FIT, export rows for "
     "nutrition"),
    ("seconds", "DOUBLE", "Wall time, s"),
    ("rows_published", "BIGINT", "Mart rows a build published (null: nothing published; "
     "held-back athletes' kept rows not counted)"),
    ("expectations_failed", "INTEGER", "Expectations that failed in a build (null: none run)"),
    ("error", "VARCHAR", "Why a failed run stopped: the error's type and message (no values)"),
    ("files_partial", "INTEGER", "FIT files loaded in part in this run (they broke part-way; "
     "counted in files_loaded too)"),
    ("files_decoded_by_fitparse", "INTEGER", "FIT files the fast decoder gave up on in this "
     "run, read by fitparse (counted in files_loaded too)"),
)
#: Columns added to marts.pipeline_runs after its first release (added on open).
PIPELINE_RUNS_ADDED = ("rows_published", "expectations_failed", "error", "files_partial",
                       "files_decoded_by_fitparse")

VALIDATION_RESULTS: Columns = (
    ("run_id", "VARCHAR NOT NULL", "Run that checked the table (marts.pipeline_runs.run_id)"),
    ("checked_at", "TIMESTAMPTZ NOT NULL", "When the suite ran (UTC)"),
    ("table_name", "VARCHAR NOT NULL", "Mart table the suite checks"),
    ("expectation", "VARCHAR NOT NULL", "Great Expectations expectation type"),
    ("columns", "VARCHAR", "Columns the expectation reads, comma-separated"),
    ("settings", "JSON", "The expectation's configuration: bounds, value set, condition"),
    ("success", "BOOLEAN NOT NULL", "Whether the table met the expectation"),
    ("observed_value", "JSON", "Table-level observation (row count); null for column "
     "statistics, which would be health values"),
    ("unexpected_count", "BIGINT", "Rows that failed the expectation"),
    ("unexpected_keys", "JSON", "Up to five keys (athlete and day or week) of failing rows, "
     "never their values"),
    ("error", "VARCHAR", "Why an expectation could not run (e.g. a missing column)"),
    ("held_back_keys", "JSON", "Keys (athlete and day or week) of every failing row when "
     "the build held those athletes back: they kept their previously published rows in "
     "every mart and the other athletes were published; null when nothing was held back"),
    ("source_files", "JSON", "Paths of the loaded files whose rows fall on the failing rows' "
     "days (a score's 7-day window included): remove or fix them, or `musclebalance "
     "forget` them; null when the expectation passed or names no rows"),
)
#: Columns added to marts.validation_results after its first release (added on open).
VALIDATION_RESULTS_ADDED = ("held_back_keys", "source_files")


STRENGTH_LOG: Columns = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete whose strength log this is"),
    ("source_sha256", "VARCHAR NOT NULL", "Content of the log file (raw.source_files.sha256)"),
    ("source_path", "VARCHAR NOT NULL", "Where the log file was read"),
    ("source_line", "INTEGER NOT NULL", "Line of the row in the file (the header is line 1)"),
    ("local_date", "DATE NOT NULL", "Day of the session in the athlete's local time"),
    ("start_time_local", "TIME", "Local start time (null: not logged; then the session is "
     "not counted as near a run)"),
    ("minutes", "DOUBLE NOT NULL", "Session duration, min"),
    ("sets", "INTEGER", "Hard (working) sets (null: not logged)"),
    ("reps", "INTEGER", "Repetitions over those sets (null: not logged)"),
    ("volume_kg", "DOUBLE", "Volume load, sum of repetitions x load, kg (null: not logged)"),
)


NUTRITION_ENTRIES: Columns = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete who logged the food"),
    ("local_date", "DATE NOT NULL", "Day in the athlete's local time, as the tracker logged it"),
    ("local_time", "TIME", "Time of day logged, if the export has one"),
    ("meal", "VARCHAR", "Meal or diary group as the athlete named it"),
    ("food", "VARCHAR", "Food name (entry-grain exports)"),
    ("energy_kcal", "DOUBLE", "Energy, kcal (kJ exports converted at 4.184 kJ/kcal)"),
    ("protein_g", "DOUBLE", "Protein, g"),
    ("carbohydrate_g", "DOUBLE", "Carbohydrate, g"),
    ("fat_g", "DOUBLE", "Fat, g"),
    ("fiber_g", "DOUBLE", "Fibre, g"),
    ("grain", "VARCHAR NOT NULL", "What one row is: entry, meal or day"),
    ("source_format", "VARCHAR NOT NULL", "Export format (schemas.nutrition)"),
    ("source_sha256", "VARCHAR NOT NULL", "sha256 of the export file (raw.source_files)"),
    ("source_row", "INTEGER NOT NULL", "Physical line of the row in the export file"),
    ("exported_at", "TIMESTAMPTZ NOT NULL", "When the export was made (file time), UTC"),
    ("day_completed", "BOOLEAN", "The tracker's own mark that the day's log is complete "
     "(Cronometer's Completed); null where the export has none"),
)
#: Columns added to raw.nutrition_entries after its first release (added on open).
NUTRITION_ENTRIES_ADDED = ("day_completed",)
BODY_IMPORTS: Columns = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete measured"),
    ("local_date", "DATE NOT NULL", "Day in the athlete's local time"),
    ("local_time", "TIME", "Time of day, if the export has one"),
    ("weight_kg", "DOUBLE", "Body weight, kg (lb converted at 0.45359237 kg/lb)"),
    ("body_fat_pct", "DOUBLE", "Body fat, %"),
    ("source_format", "VARCHAR NOT NULL", "Export format (schemas.nutrition)"),
    ("source_sha256", "VARCHAR NOT NULL", "sha256 of the export file"),
    ("source_row", "INTEGER NOT NULL", "Physical line in the export file"),
    ("exported_at", "TIMESTAMPTZ NOT NULL", "When the export was made (file time), UTC"),
)
REPORTED_EXERCISE: Columns = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete"),
    ("local_date", "DATE NOT NULL", "Day in the athlete's local time"),
    ("exercise", "VARCHAR", "Exercise as the tracker names it (not used as training data)"),
    ("minutes", "DOUBLE", "Duration the tracker reports, min"),
    ("energy_kcal", "DOUBLE", "Energy the tracker credits, kcal"),
    ("source_format", "VARCHAR NOT NULL", "Export format"),
    ("source_sha256", "VARCHAR NOT NULL", "sha256 of the export file"),
    ("source_row", "INTEGER NOT NULL", "Physical line in the export file"),
    ("exported_at", "TIMESTAMPTZ NOT NULL", "When the export was made (file time), UTC"),
)
EXPORT_COVERAGE: Columns = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete"),
    ("source_format", "VARCHAR NOT NULL", "Export format"),
    ("local_date", "DATE NOT NULL", "A day some export of this format spoke for"),
    ("exported_at", "TIMESTAMPTZ NOT NULL", "Time of the newest export covering the day, UTC"),
    ("source_sha256", "VARCHAR NOT NULL", "That export (raw.source_files)"),
)
ATHLETES: Columns = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete id from the config"),
    ("timezone", "VARCHAR NOT NULL", "IANA time zone that places the athlete's days"),
    ("updated_at", "TIMESTAMPTZ NOT NULL", "When the config last said so, UTC"),
)
#: FIT weigh-ins and imported measurements in one place; FIT local days use the
#: athlete's zone (weight files state no offset).
BODY_MEASUREMENTS_VIEW = """
CREATE OR REPLACE VIEW raw.body_measurements AS
SELECT athlete_id, local_date, local_time, weight_kg, body_fat_pct,
       source_format AS source, source_sha256
FROM raw.body_measurement_imports
UNION ALL
SELECT w.athlete_id,
       CAST(timezone(coalesce(a.timezone, 'UTC'), w.timestamp_utc) AS DATE),
       CAST(timezone(coalesce(a.timezone, 'UTC'), w.timestamp_utc) AS TIME),
       w.weight_kg, w.body_fat_pct, 'fit' AS source, w.source_sha256
FROM raw.fit_weight_scale w LEFT JOIN raw.athletes a USING (athlete_id)
WHERE w.timestamp_utc IS NOT NULL AND (w.weight_kg IS NOT NULL OR w.body_fat_pct IS NOT NULL)
UNION ALL
SELECT b.athlete_id,
       coalesce(b.local_date,
                CAST(timezone(coalesce(a.timezone, 'UTC'), b.timestamp_utc) AS DATE)),
       coalesce(b.local_time,
                CAST(timezone(coalesce(a.timezone, 'UTC'), b.timestamp_utc) AS TIME)),
       b.weight_kg, b.body_fat_pct, b.source_kind AS source, b.source_sha256
FROM raw.body_composition b LEFT JOIN raw.athletes a USING (athlete_id)
WHERE (b.local_date IS NOT NULL OR b.timestamp_utc IS NOT NULL)
  AND (b.weight_kg IS NOT NULL OR b.body_fat_pct IS NOT NULL)
"""
BODY_VIEW_COLUMNS: Columns = (
    *(c for c in BODY_IMPORTS if c[0] in ("athlete_id", "local_date", "local_time", "weight_kg",
                                           "body_fat_pct", "source_sha256")),
    ("source", "VARCHAR", "Export format; fit for FIT weight_scale messages; garmin_json or "
     "apple_health for the weigh-ins of raw.body_composition"),
)
BODY_VIEW_COMMENT = ("Body weight and fat per athlete and local day: imported exports, FIT "
                     "weight_scale messages (source = 'fit') and the weigh-ins of Garmin "
                     "account and Apple Health exports (raw.body_composition)")

#: FIT files the last build left out of the daily facts (transforms.activity_identity),
#: replaced by every build; raw.fit_files_used shows every FIT file against it.
FIT_FILES_SUPERSEDED: Columns = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete the file belongs to"),
    ("source_sha256", "VARCHAR NOT NULL", "The file left out (raw.source_files.sha256)"),
    ("superseded_by_sha256", "VARCHAR NOT NULL", "The file of the same activity the facts use"),
    ("reason", "VARCHAR NOT NULL", "same activity as <sha256> (file_id or sessions) or "
     "overlaps <sha256> (running sessions overlapping by more than half)"),
)
FIT_FILES_USED_VIEW = """
CREATE OR REPLACE VIEW raw.fit_files_used AS
SELECT f.athlete_id, f.sha256 AS source_sha256, f.path, f.status,
       f.status IN ('loaded', 'partial') AND s.source_sha256 IS NULL AS used_in_facts,
       s.superseded_by_sha256,
       CASE WHEN s.reason IS NOT NULL THEN s.reason
            WHEN f.status NOT IN ('loaded', 'partial') THEN f.status END AS reason
FROM raw.source_files f
LEFT JOIN staging.fit_files_superseded s
       ON s.athlete_id = f.athlete_id AND s.source_sha256 = f.sha256
WHERE f.kind IN ('fit', 'fit.gz')
"""
FIT_FILES_USED_COLUMNS: Columns = (
    ("athlete_id", "VARCHAR", "Athlete the file belongs to"),
    ("source_sha256", "VARCHAR", "sha256 of the FIT file (raw.source_files)"),
    ("path", "VARCHAR", "First path the content was seen at"),
    ("status", "VARCHAR", "Ingest status (raw.source_files)"),
    ("used_in_facts", "BOOLEAN", "Whether the daily facts of the last build use the file's "
     "rows: loaded (or partial) and not superseded by another file of the same activity"),
    ("superseded_by_sha256", "VARCHAR", "The file used instead, when superseded"),
    ("reason", "VARCHAR", "Why not used: same activity as <sha256>, overlaps <sha256>, or "
     "the ingest status (quarantined)"),
)
FIT_FILES_USED_COMMENT = ("Every FIT file and whether the daily facts use it: of two files of "
                          "one activity (same file_id, or running overlapping by more than "
                          "half) one is used; the raw tables keep both")


def fit_table_columns(table_name: str) -> Columns:
    """Every column of a raw FIT table, in order, with its SQL type and comment."""
    table = next(t for t in FIT_TABLES if t.table == table_name)
    typed = tuple((c.name, c.sql_type, c.comment) for c in table.columns)
    extra: Columns = ()
    if table.table == "fit_activity":
        extra = (
            ("utc_offset_s", "INTEGER", "UTC offset the file states (local - UTC), s; null if "
             "missing or implausible"),
            ("utc_offset_status", "VARCHAR", "stated, missing or implausible"),
        )
    return KEY_COLUMNS + typed + extra + (EXTRA_COLUMN,)


def _all_tables() -> list[tuple[str, str, Columns, str, str | None]]:
    tables: list[tuple[str, str, Columns, str, str | None]] = [
        ("raw", "source_files", SOURCE_FILES, "One row per distinct input content",
         "athlete_id, sha256"),
        ("raw", "source_paths", SOURCE_PATHS, "Paths seen, to skip unchanged files",
         "athlete_id, path"),
        ("raw", "unread_files", UNREAD_FILES,
         "Files among the FIT inputs (folders and zips) that are not FIT files and are not "
         "read, as last seen; operating-system files (.DS_Store, __MACOSX/, ._*, Thumbs.db) "
         "are left out", "athlete_id, path"),
        ("raw", FIT_FIELDS_TABLE, FIT_FIELDS_COLUMNS, "Fields each FIT file had, with units",
         None),
        ("marts", "pipeline_runs", PIPELINE_RUNS, "One row per pipeline run", "run_id"),
        ("marts", "validation_results", VALIDATION_RESULTS,
         "Every expectation checked on a built mart before publishing, per run", None),
        ("raw", "nutrition_entries", NUTRITION_ENTRIES,
         "Food logged, one row per export row (entry, meal or day grain)", None),
        ("raw", "body_measurement_imports", BODY_IMPORTS,
         "Body weight and fat from nutrition and scale exports", None),
        ("raw", "strength_log", STRENGTH_LOG,
         "Strength sessions from strength log CSVs (athletes with strength_source = log), "
         "one row per accepted CSV row", "athlete_id, source_sha256, source_line"),
        ("raw", "reported_exercise", REPORTED_EXERCISE,
         "Exercise as trackers report it (not training data)", None),
        ("raw", "export_coverage", EXPORT_COVERAGE,
         "Which export speaks for each day (the newest covering it wins)",
         "athlete_id, source_format, local_date"),
        ("raw", "athletes", ATHLETES, "Athletes and their time zones, from the config",
         "athlete_id"),
        ("staging", "fit_files_superseded", FIT_FILES_SUPERSEDED,
         "FIT files the last build left out: another file holds the same activity",
         "athlete_id, source_sha256"),
    ]
    for t in FIT_TABLES:
        tables.append(("raw", t.table, fit_table_columns(t.table), t.comment, None))
    for name, columns in WELLNESS_TABLES.items():
        tables.append(("raw", name, columns, WELLNESS_COMMENTS[name], None))
    return tables


def _add_columns(con: duckdb.DuckDBPyConnection, table: str, columns: Columns,
                 added: tuple[str, ...]) -> None:
    """Add to `table` (a constant of this module) the `added` columns a warehouse made
    before them lacks, with their comments."""
    for column in added:
        sql, text = next((sql, text) for c, sql, text in columns if c == column)
        con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {quote_ident(column)} {sql}")
        con.execute(f"COMMENT ON COLUMN {table}.{quote_ident(column)} IS {sql_string(text)}")


def create_all(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and tables that do not exist yet, with comments (idempotent)."""
    existing = {
        (s, t)
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = current_database()"
        ).fetchall()
    }
    with transaction(con):
        for schema in ("raw", "staging", "marts"):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for schema, name, columns, comment, key in _all_tables():
            if (schema, name) in existing:
                continue
            target = f"{schema}.{quote_ident(name)}"
            body = ", ".join(f"{quote_ident(c)} {sql}" for c, sql, _ in columns)
            if key:
                body += f", PRIMARY KEY ({key})"
            con.execute(f"CREATE TABLE {target} ({body})")
            con.execute(f"COMMENT ON TABLE {target} IS {sql_string(comment)}")
            for column, _, text in columns:
                con.execute(
                    f"COMMENT ON COLUMN {target}.{quote_ident(column)} IS {sql_string(text)}"
                )
        _add_columns(con, "marts.pipeline_runs", PIPELINE_RUNS, PIPELINE_RUNS_ADDED)
        _add_columns(con, "marts.validation_results", VALIDATION_RESULTS,
                     VALIDATION_RESULTS_ADDED)
        _add_columns(con, "raw.source_files", SOURCE_FILES, SOURCE_FILES_ADDED)
        _add_columns(con, "raw.source_paths", SOURCE_PATHS, SOURCE_PATHS_ADDED)
        _add_columns(con, "raw.nutrition_entries", NUTRITION_ENTRIES, NUTRITION_ENTRIES_ADDED)
        _create_view(con, "raw.body_measurements", BODY_MEASUREMENTS_VIEW, BODY_VIEW_COMMENT,
                     BODY_VIEW_COLUMNS)
        _create_view(con, "raw.fit_files_used", FIT_FILES_USED_VIEW, FIT_FILES_USED_COMMENT,
                     FIT_FILES_USED_COLUMNS)


def _create_view(con: duckdb.DuckDBPyConnection, name: str, sql: str, comment: str,
                 columns: Columns) -> None:
    """(Re)create a view with its comments."""
    con.execute(sql)
    con.execute(f"COMMENT ON VIEW {name} IS {sql_string(comment)}")
    for column, _, text in columns:
        con.execute(f"COMMENT ON COLUMN {name}.{quote_ident(column)} IS {sql_string(text)}")
