"""Loading one recovery or body-composition file (a Garmin account-export JSON file, an
Apple Health export.xml): its rows in the wellness raw tables (and Apple's food records in
raw.nutrition_entries), replacing those of the content its path held before, in one
transaction."""

from __future__ import annotations

import contextlib
from datetime import datetime

import duckdb
import polars as pl

from schemas.wellness import WELLNESS_TABLES, WellnessRead
from warehouse.connection import quote_ident, transaction
from warehouse.forget import forget_contents
from warehouse.manifest import SourceFile, SourcePath, upsert_source_files, upsert_source_paths

#: raw.nutrition_entries.source_format of Apple Health food records.
APPLE_NUTRITION_FORMAT = "apple_health"


def _keyed(frame: pl.DataFrame, file: SourceFile) -> pl.DataFrame:
    return frame.with_columns(pl.lit(file.athlete_id, pl.String).alias("athlete_id"),
                              pl.lit(file.sha256, pl.String).alias("source_sha256"))


def _nutrition_rows(read: WellnessRead, file: SourceFile, exported_at: datetime
                    ) -> pl.DataFrame | None:
    """Apple food records as raw.nutrition_entries rows (one per record, grain `entry`)."""
    if read.nutrition is None or read.nutrition.is_empty():
        return None
    return _keyed(read.nutrition, file).select(
        "athlete_id", "local_date", "local_time",
        pl.lit(None, pl.String).alias("meal"),
        pl.col("source_name").alias("food"),
        "energy_kcal", "protein_g", "carbohydrate_g",
        pl.lit(None, pl.Float64).alias("fat_g"), pl.lit(None, pl.Float64).alias("fiber_g"),
        pl.lit("entry").alias("grain"), pl.lit(APPLE_NUTRITION_FORMAT).alias("source_format"),
        "source_sha256", "source_row",
        pl.lit(exported_at).cast(pl.Datetime("us", "UTC")).alias("exported_at"),
        pl.lit(None, pl.Boolean).alias("day_completed"),
    )


def load_wellness(con: duckdb.DuckDBPyConnection, *, read: WellnessRead, file: SourceFile,
                  path: SourcePath | None, replace: tuple[str, ...], now: datetime,
                  exported_at: datetime) -> int:
    """In one transaction: the rows of this content in the wellness raw tables (any earlier
    rows of the same content out first, so loading it again adds nothing), the contents its
    path held before (`replace`) removed with their rows, the file and path recorded.
    Returns the rows inserted."""
    frames = {name: _keyed(frame, file) for name, frame in read.tables.items()
              if name in WELLNESS_TABLES and not frame.is_empty()}
    food = _nutrition_rows(read, file, exported_at)
    if food is not None:
        frames["nutrition_entries"] = food
    registered: list[str] = []
    try:
        with transaction(con):
            upsert_source_paths(con, [path] if path else [], now)
            forget_contents(con, file.athlete_id, [s for s in replace if s != file.sha256],
                            keep_if_held=True)
            for table in (*WELLNESS_TABLES, "nutrition_entries"):
                con.execute(f"DELETE FROM raw.{quote_ident(table)} "  # noqa: S608 (constant)
                            "WHERE athlete_id = ? AND source_sha256 = ?",
                            [file.athlete_id, file.sha256])
            for table, frame in frames.items():
                view = f"mb_wellness_{table}"
                con.register(view, frame)
                registered.append(view)
                con.execute(f"INSERT INTO raw.{quote_ident(table)} BY NAME "  # noqa: S608
                            f"SELECT * FROM {view}")
            upsert_source_files(con, [file], now)
    finally:
        for view in registered:
            with contextlib.suppress(duckdb.Error):
                con.unregister(view)
    return sum(f.height for f in frames.values())
