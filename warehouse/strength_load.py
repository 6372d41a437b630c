"""Loading a strength log file: its accepted rows replace those of the content its path
held before, in one transaction."""

from __future__ import annotations

import contextlib
from datetime import datetime

import duckdb
import polars as pl

from warehouse.connection import transaction
from warehouse.forget import forget_contents
from warehouse.manifest import SourceFile, SourcePath, upsert_source_files, upsert_source_paths


def load_strength_log(con: duckdb.DuckDBPyConnection, *, rows: pl.DataFrame, file: SourceFile,
                      path: SourcePath | None, replace: tuple[str, ...], now: datetime) -> int:
    """In one transaction: the rows (`transforms.strength_log.ROW_SCHEMA`) of this content
    in raw.strength_log (any earlier rows of the same content out first, so loading it
    again adds nothing), the contents its path held before (`replace`) removed with their
    rows, the file and path recorded. Returns the rows inserted."""
    keyed = rows.with_columns(
        pl.lit(file.athlete_id).alias("athlete_id"),
        pl.lit(file.sha256).alias("source_sha256"),
        pl.lit(file.path).alias("source_path"),
    )
    con.register("mb_strength", keyed)
    try:
        with transaction(con):
            # the path now holds this content; an earlier one no other path holds leaves
            upsert_source_paths(con, [path] if path else [], now)
            forget_contents(con, file.athlete_id, [s for s in replace if s != file.sha256],
                            keep_if_held=True)
            con.execute("DELETE FROM raw.strength_log WHERE athlete_id = ? AND "
                        "source_sha256 = ?", [file.athlete_id, file.sha256])
            con.execute("INSERT INTO raw.strength_log BY NAME SELECT * FROM mb_strength")
            upsert_source_files(con, [file], now)
    finally:
        with contextlib.suppress(duckdb.Error):
            con.unregister("mb_strength")
    return keyed.height
