"""Loading decoded FIT files into the raw tables, one transaction per batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import numpy as np
import polars as pl

from schemas.fit import FIT_FIELDS_TABLE, FIT_TABLES, DecodedFit
from schemas.wellness import WELLNESS_TABLES
from warehouse.connection import quote_ident, transaction
from warehouse.manifest import SourceFile, SourcePath, upsert_source_files, upsert_source_paths

#: Wellness FIT files (sleep, HRV status, monitoring) also fill the wellness raw tables.
_FIT_TABLE_NAMES = (tuple(t.table for t in FIT_TABLES) + (FIT_FIELDS_TABLE,)
                    + tuple(WELLNESS_TABLES))


@dataclass(frozen=True)
class BatchEntry:
    """One content and everything committed with it."""

    file: SourceFile
    decoded: DecodedFit | None = None
    path: SourcePath | None = None
    replace: tuple[str, ...] = ()  # contents whose rows this one replaces


@dataclass
class FitBatch:
    """Contents committed together in one transaction."""

    athlete_id: str
    entries: list[BatchEntry] = field(default_factory=list)

    @property
    def record_count(self) -> int:
        return sum(e.decoded.record_count for e in self.entries if e.decoded is not None)

    def __len__(self) -> int:
        return len(self.entries)


def _keyed(frames: list[tuple[pl.DataFrame, str]], athlete_id: str) -> pl.DataFrame:
    """The frames of one table, each with the sha256 of its content, as one frame with the
    athlete and content keys."""
    frame = pl.concat([f for f, _sha in frames], how="diagonal_relaxed", rechunk=True)
    which = np.repeat(np.arange(len(frames)), [f.height for f, _sha in frames])
    shas = pl.Series("source_sha256", [sha for _f, sha in frames], pl.String)
    return frame.with_columns(pl.lit(athlete_id, pl.String).alias("athlete_id"),
                              shas.gather(which))


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


def forget_contents(con: duckdb.DuckDBPyConnection, athlete_id: str, shas: list[str]) -> None:
    """Remove contents from the manifest and their rows. Call inside a transaction."""
    if not shas:
        return
    delete_contents(con, athlete_id, shas)
    con.execute(
        "DELETE FROM raw.source_files WHERE athlete_id = ? "
        "AND sha256 IN (SELECT unnest(?::VARCHAR[]))",
        [athlete_id, shas],
    )


def load_fit_batch(con: duckdb.DuckDBPyConnection, batch: FitBatch, now: datetime) -> None:
    """Commit a batch in one transaction: rows of replaced contents and any earlier rows of
    these contents out, new rows in, manifest and paths updated. A failure leaves the
    warehouse as it was."""
    by_table: dict[str, list[tuple[pl.DataFrame, str]]] = {}
    athlete = batch.athlete_id
    for entry in batch.entries:
        if entry.decoded is None:
            continue
        sha = entry.file.sha256
        for table, frame in entry.decoded.tables.items():
            by_table.setdefault(table, []).append((frame, sha))
        by_table.setdefault(FIT_FIELDS_TABLE, []).append((entry.decoded.fields, sha))
    replaced = sorted({s for e in batch.entries for s in e.replace} - {
        e.file.sha256 for e in batch.entries})
    with transaction(con):
        forget_contents(con, athlete, replaced)
        delete_contents(con, athlete, sorted({e.file.sha256 for e in batch.entries}))
        for table, frames in by_table.items():
            frame = _keyed(frames, athlete)
            con.register("mb_batch", frame)
            try:
                con.execute(
                    f"INSERT INTO raw.{quote_ident(table)} BY NAME "  # noqa: S608 (schemas.fit)
                    "SELECT * FROM mb_batch"
                )
            finally:
                con.unregister("mb_batch")
        upsert_source_files(con, [e.file for e in batch.entries], now)
        upsert_source_paths(con, [e.path for e in batch.entries if e.path is not None], now)
