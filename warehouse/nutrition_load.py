"""Loading normalised exports: a newer export replaces the days it covers, atomically."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from warehouse.connection import transaction
from warehouse.manifest import SourceFile, SourcePath, upsert_source_files, upsert_source_paths

TABLE_FOR_KIND = {
    "food": "nutrition_entries",
    "body": "body_measurement_imports",
    "exercise": "reported_exercise",
}


@dataclass(frozen=True)
class ExportLoad:
    """What loading one export changed."""

    rows: int
    days_replaced: int
    days_kept_newer: int


def load_export(
    con: duckdb.DuckDBPyConnection,
    *,
    kind: str,
    rows: pl.DataFrame,
    covered: pl.Series,
    file: SourceFile,
    path: SourcePath | None,
    exported_at: datetime,
    now: datetime,
) -> ExportLoad:
    """In one transaction: for every day the export covers, replace this athlete's rows of
    the same format - unless a newer export already spoke for that day - and record the file.

    `covered` is every day from the export's first to its last (see
    transforms.nutrition.covered_dates), so a day emptied in the newer export is emptied
    here too. Exports are ordered by `exported_at` (the file's time); raw.export_coverage
    remembers which export spoke for each day, so an older export read later cannot bring
    back a day a newer one emptied.
    """
    table = TABLE_FOR_KIND[kind]  # a constant of this module, safe in SQL text
    athlete, fmt = file.athlete_id, file.kind
    days = pl.DataFrame({"local_date": covered.cast(pl.Date)})
    keyed = rows.with_columns(
        pl.lit(athlete).alias("athlete_id"),
        pl.lit(fmt).alias("source_format"),
        pl.lit(file.sha256).alias("source_sha256"),
        pl.lit(exported_at).dt.convert_time_zone("UTC").alias("exported_at"),
    )
    con.register("mb_days", days)
    con.register("mb_rows", keyed)
    try:
        with transaction(con):
            newer = {
                d for (d,) in con.execute(
                    "SELECT local_date FROM raw.export_coverage "
                    "WHERE athlete_id = ? AND source_format = ? AND exported_at > ? "
                    "AND local_date IN (SELECT local_date FROM mb_days)",
                    [athlete, fmt, exported_at],
                ).fetchall()
            }
            replace = days.filter(~pl.col("local_date").is_in(sorted(newer)))
            con.register("mb_replace", replace)
            con.execute(
                f"DELETE FROM raw.{table} WHERE athlete_id = ? AND source_format = ? "  # noqa: S608
                "AND local_date IN (SELECT local_date FROM mb_replace)",
                [athlete, fmt],
            )
            inserted = con.execute(
                f"INSERT INTO raw.{table} BY NAME SELECT * FROM mb_rows "  # noqa: S608
                "WHERE local_date IN (SELECT local_date FROM mb_replace)"
            ).fetchone()
            con.execute(
                "INSERT OR REPLACE INTO raw.export_coverage "
                "SELECT ?, ?, local_date, ?, ? FROM mb_replace",
                [athlete, fmt, exported_at, file.sha256],
            )
            upsert_source_files(con, [file], now)
            upsert_source_paths(con, [path] if path else [], now)
    finally:
        for name in ("mb_days", "mb_rows", "mb_replace"):
            with contextlib.suppress(duckdb.Error):
                con.unregister(name)
    return ExportLoad(int(inserted[0]) if inserted else 0, replace.height, len(newer))


def record_rejected(
    con: duckdb.DuckDBPyConnection, file: SourceFile, path: SourcePath | None, now: datetime
) -> None:
    """Record a rejected export; nothing else changes."""
    with transaction(con):
        upsert_source_files(con, [file], now)
        upsert_source_paths(con, [path] if path else [], now)
