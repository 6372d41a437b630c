"""Warehouse loads: all-or-nothing transactions, data never read as SQL, one writer."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from synthetic import one_hour_run
from transforms.fit_decode import decode_fit
from warehouse.connection import WarehouseBusy, connect
from warehouse.ddl import create_all
from warehouse.fit_load import BatchEntry, FitBatch, load_fit_batch
from warehouse.manifest import SourceFile, SourcePath

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOSTILE = "o'brien\"; DROP TABLE raw.fit_records; --"


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "wh" / "w.duckdb"
    with connect(path) as con:
        create_all(con)
    return path


def _batch(athlete: str, path: str, duration_s: int = 60) -> FitBatch:
    run = one_hour_run(NOW, duration_s=duration_s)
    decoded = decode_fit(run.data)
    sha = "ab" * 32
    file = SourceFile(athlete, sha, path, len(run.data), "fit", "loaded")
    where = SourcePath(athlete, path, len(run.data), 1, sha, "fit")
    return FitBatch(athlete, [BatchEntry(file, decoded, where)])


def _counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM raw."{t}"').fetchone()[0]  # noqa: S608
                for t in tables}


def test_files_and_folder_are_private(warehouse: Path) -> None:
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o600
    assert stat.S_IMODE(warehouse.parent.stat().st_mode) == 0o700


def test_every_column_has_a_comment(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        missing = con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE schema_name IN ('raw', 'marts') AND (comment IS NULL OR comment = '')"
        ).fetchall()
    assert missing == []


def test_hostile_ids_and_paths_are_stored_as_data(warehouse: Path) -> None:
    batch = _batch(HOSTILE, f"/tmp/{HOSTILE}.fit")
    with connect(warehouse) as con:
        load_fit_batch(con, batch, NOW)
        rows = con.execute("SELECT athlete_id, path FROM raw.source_files").fetchall()
        (records,) = con.execute(
            "SELECT count(*) FROM raw.fit_records WHERE athlete_id = ?", [HOSTILE]).fetchone()
    assert rows == [(HOSTILE, f"/tmp/{HOSTILE}.fit")]
    assert records == 60


def test_a_failing_load_leaves_nothing_behind(warehouse: Path) -> None:
    before = _counts(warehouse)
    batch = _batch("runner", "/data/run.fit")
    decoded = batch.entries[0].decoded
    broken = decoded.tables["fit_records"].with_columns(pl.lit("x").alias("no_such_column"))
    decoded.tables["fit_records"] = broken  # fit_laps etc. insert first, then this fails
    with connect(warehouse) as con, pytest.raises(duckdb.Error):
        load_fit_batch(con, batch, NOW)
    assert _counts(warehouse) == before


def test_a_second_writer_gets_a_clear_message(warehouse: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); "
         "time.sleep(30)", str(warehouse)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match="in use by another process"):
            connect(warehouse)
        assert time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()


def test_a_warehouse_made_before_partial_files_is_migrated_and_readable(warehouse: Path
                                                                       ) -> None:
    """A warehouse whose raw.source_files and marts.pipeline_runs lack the columns of partial
    files: `status` (read-only) still reads it, and the next open for writing adds them."""
    from warehouse.status import partial_files, recent_runs

    with connect(warehouse) as con:
        con.execute("ALTER TABLE raw.source_files DROP COLUMN fault_offset_bytes")
        con.execute("ALTER TABLE marts.pipeline_runs DROP COLUMN files_partial")
        con.execute("ALTER TABLE marts.pipeline_runs DROP COLUMN files_decoded_by_fitparse")
        con.execute("INSERT INTO marts.pipeline_runs (run_id, command, started_at, status, "
                    "files_loaded) VALUES ('r1', 'ingest', ?, 'completed', 3)", [NOW])
    with connect(warehouse, read_only=True) as con:
        assert partial_files(con) == []
        (run,) = recent_runs(con)
        assert run[3:6] == (3, None, None)  # loaded; partial, by fitparse: unknown then
    with connect(warehouse) as con:
        create_all(con)
        batch = _batch("me", "cut.fit")
        entry = batch.entries[0]
        file = SourceFile("me", entry.file.sha256, "cut.fit", 10, "fit", "partial",
                          "truncated FIT file at byte 700 of 710", None, 5, 700)
        load_fit_batch(con, FitBatch("me", [BatchEntry(file, entry.decoded, entry.path)]), NOW)
        assert partial_files(con) == [("me", "cut.fit", "truncated FIT file at byte 700 of 710",
                                       700, 5)]
        comment = con.execute(
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'source_files' "
            "AND column_name = 'fault_offset_bytes'").fetchone()[0]
    assert "byte" in comment
