"""Warehouse DDL: schemas, raw tables from the contracts in `schemas/`, column comments."""

from __future__ import annotations

import duckdb

from schemas.fit import EXTRA_COLUMN, FIT_FIELDS_COLUMNS, FIT_FIELDS_TABLE, FIT_TABLES, KEY_COLUMNS
from warehouse.connection import quote_ident, sql_string, transaction

Columns = tuple[tuple[str, str, str], ...]

SOURCE_FILES: Columns = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete the file belongs to"),
    ("sha256", "VARCHAR NOT NULL", "sha256 of the file content (FIT bytes after gunzip)"),
    ("path", "VARCHAR NOT NULL", "First path the content was seen at (zip!entry for members)"),
    ("size_bytes", "BIGINT NOT NULL", "Content size, bytes"),
    ("kind", "VARCHAR NOT NULL", "fit, fit.gz or zip"),
    ("container_sha256", "VARCHAR", "sha256 of the archive that delivered it, if any"),
    ("status", "VARCHAR NOT NULL", "loaded or quarantined"),
    ("error", "VARCHAR", "Why the file was quarantined"),
    ("message_count", "INTEGER", "Data messages kept from the file"),
    ("ingested_at", "TIMESTAMPTZ NOT NULL", "When the content was first ingested (UTC)"),
)
SOURCE_PATHS: Columns = (
    ("athlete_id", "VARCHAR NOT NULL", "Athlete the path belongs to"),
    ("path", "VARCHAR NOT NULL", "File path as walked"),
    ("size_bytes", "BIGINT NOT NULL", "File size at the last run, bytes"),
    ("mtime_ns", "BIGINT NOT NULL", "File modification time at the last run, ns since epoch"),
    ("sha256", "VARCHAR NOT NULL", "Content at the last run (raw.source_files.sha256)"),
    ("kind", "VARCHAR NOT NULL", "fit, fit.gz or zip"),
    ("seen_at", "TIMESTAMPTZ NOT NULL", "When this path last changed (UTC)"),
)
PIPELINE_RUNS: Columns = (
    ("run_id", "VARCHAR NOT NULL", "Prefect flow-run id, or a generated id"),
    ("command", "VARCHAR NOT NULL", "What ran (ingest, build, ...)"),
    ("started_at", "TIMESTAMPTZ NOT NULL", "Start (UTC)"),
    ("finished_at", "TIMESTAMPTZ", "End (UTC)"),
    ("status", "VARCHAR NOT NULL", "completed, completed_with_quarantine or failed"),
    ("files_loaded", "INTEGER", "Files loaded in this run"),
    ("files_skipped", "INTEGER", "Files already in the warehouse"),
    ("files_quarantined", "INTEGER", "Files quarantined in this run"),
    ("records_loaded", "BIGINT", "raw.fit_records rows added"),
    ("seconds", "DOUBLE", "Wall time, s"),
)


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
        ("raw", FIT_FIELDS_TABLE, FIT_FIELDS_COLUMNS, "Fields each FIT file had, with units",
         None),
        ("marts", "pipeline_runs", PIPELINE_RUNS, "One row per pipeline run", "run_id"),
    ]
    for t in FIT_TABLES:
        tables.append(("raw", t.table, fit_table_columns(t.table), t.comment, None))
    return tables


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
