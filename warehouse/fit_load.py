"""Loading decoded FIT files into the raw tables, one transaction per batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from schemas.fit import FIT_FIELDS_TABLE, FIT_TABLES
from transforms.fit_decode import DecodedFit
from warehouse.connection import quote_ident, transaction
from warehouse.manifest import SourceFile, SourcePath, upsert_source_files, upsert_source_paths

_FIT_TABLE_NAMES = tuple(t.table for t in FIT_TABLES) + (FIT_FIELDS_TABLE,)


@dataclass
class FitBatch:
    """What one load commits together: decoded files, their manifest rows, paths seen."""

    athlete_id: str
    decoded: list[tuple[str, DecodedFit]]  # (sha256, frames)
    files: list[SourceFile]
    paths: list[SourcePath]
    replace: list[str]  # contents whose earlier rows must go first (re-tried or replaced)

    @property
    def record_count(self) -> int:
        return sum(d.record_count for _, d in self.decoded)


def _keyed(frame: pl.DataFrame, athlete_id: str, sha: str) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(athlete_id, pl.String).alias("athlete_id"),
        pl.lit(sha, pl.String).alias("source_sha256"),
    )


def delete_contents(con: duckdb.DuckDBPyConnection, athlete_id: str, shas: list[str]) -> None:
    """Remove every raw FIT row produced by these contents. Call inside a transaction."""
    if not shas:
        return
    for table in _FIT_TABLE_NAMES:
        con.execute(
            f"DELETE FROM raw.{quote_ident(table)} "  # noqa: S608 (table from schemas.fit)
            "WHERE athlete_id = ? AND source_sha256 IN (SELECT unnest(?::VARCHAR[]))",
            [athlete_id, shas],
        )


def load_fit_batch(con: duckdb.DuckDBPyConnection, batch: FitBatch, now: datetime) -> None:
    """Commit a batch in one transaction: old rows of replaced contents out, new rows in,
    manifest and paths updated. A failure leaves the warehouse as it was."""
    by_table: dict[str, list[pl.DataFrame]] = {}
    for sha, decoded in batch.decoded:
        for table, frame in decoded.tables.items():
            by_table.setdefault(table, []).append(_keyed(frame, batch.athlete_id, sha))
        by_table.setdefault(FIT_FIELDS_TABLE, []).append(
            _keyed(decoded.fields, batch.athlete_id, sha)
        )
    with transaction(con):
        delete_contents(con, batch.athlete_id, batch.replace)
        for table, frames in by_table.items():
            frame = pl.concat(frames, how="diagonal_relaxed")
            con.register("mb_batch", frame)
            try:
                con.execute(
                    f"INSERT INTO raw.{quote_ident(table)} BY NAME "  # noqa: S608 (schemas.fit)
                    "SELECT * FROM mb_batch"
                )
            finally:
                con.unregister("mb_batch")
        upsert_source_files(con, batch.files, now)
        upsert_source_paths(con, batch.paths, now)
