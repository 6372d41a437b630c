"""The files readers use: a published DuckDB file, and Parquet and CSV copies of each mart.

DuckDB allows one writer process or many read-only ones per file, so dashboards and
ad-hoc SQL never open the warehouse: they open `published/musclebalance.duckdb` (tables
`marts.*`, every column commented) or `published/parquet/<table>.parquet`. Each publish
writes complete new files under temporary names in the same folder and renames them into
place (`os.replace`, atomic on POSIX): a reader that has the old file open keeps reading
it, the next open sees the new one, and a crash at any point leaves the old files whole.
The Parquet and CSV sets are published as a whole: each publish writes a new
`exports-<run>` folder and swaps the `parquet` and `csv` symbolic links to it.

The DuckDB file is written in the oldest storage format DuckDB 2.0 can write
(`STORAGE_VERSION 'v0.10.0'`, which DuckDB reports as `v1.0.0+`) so that BI tools
bundling an older DuckDB can open it. CSV text cells that a spreadsheet would run as a
formula are neutralised with a leading apostrophe (OWASP CSV injection), and CSV floats
are rounded to the precision of their unit (`schemas.export_precision`); the Parquet and
DuckDB files keep full precision.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from schemas.export_precision import DEFAULT_DECIMALS, csv_decimals
from schemas.marts import MARTS, TABLE_COMMENTS
from warehouse.connection import OWNER_ONLY_DIR, OWNER_ONLY_FILE, quote_ident, sql_string
from warehouse.failpoint import failpoint

PUBLISHED_FILE = "musclebalance.duckdb"
#: The oldest storage format DuckDB 2.0 writes; read by DuckDB 0.10 and every 1.x and 2.x.
STORAGE_VERSION = "v0.10.0"
#: Also published: what ran and what was checked (keys and counts only).
PIPELINE_TABLES = ("pipeline_runs", "validation_results")
#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: DuckDB types the CSV export rounds (DOUBLE, and FLOAT as DuckDB names it).
FLOAT_TYPES = ("DOUBLE", "FLOAT")
TEMP_PREFIX = ".tmp-"
KEEP_EXPORTS = 2  # the current and the previous export folder (a reader may be in it)


def published_dir(warehouse: Path) -> Path:
    """Where a warehouse's published files go: `published/` beside it."""
    return warehouse.parent / "published"


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_DIR)
    os.chmod(path, OWNER_ONLY_DIR)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_leftovers(folder: Path) -> None:
    """Temporary files and folders of a publish that was killed."""
    if not folder.exists():
        return
    for leftover in folder.glob(f"{TEMP_PREFIX}*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    present = {t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
        "AND database_name = current_database()").fetchall()}
    return [t for t in (*MARTS, *PIPELINE_TABLES) if t in present]


def _write_duckdb(con: duckdb.DuckDBPyConnection, target: Path, tables: list[str]) -> None:
    """The marts, with their comments, into a new DuckDB file at `target`."""
    con.execute(f"ATTACH {sql_string(str(target))} AS mb_pub "
                f"(STORAGE_VERSION {sql_string(STORAGE_VERSION)})")
    try:
        con.execute("CREATE SCHEMA mb_pub.marts")
        comments = con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE schema_name = 'marts' AND database_name = current_database() "
            "AND comment IS NOT NULL").fetchall()
        table_comments = dict(con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts' "
            "AND database_name = current_database() AND comment IS NOT NULL").fetchall())
        for name in tables:
            target_table = f"mb_pub.marts.{quote_ident(name)}"
            con.execute(f"CREATE TABLE {target_table} AS "  # noqa: S608
                        f"SELECT * FROM marts.{quote_ident(name)}")
            comment = table_comments.get(name) or TABLE_COMMENTS.get(name)
            if comment:
                con.execute(f"COMMENT ON TABLE {target_table} IS {sql_string(comment)}")
        for table, column, comment in comments:
            if table in tables:
                con.execute(f"COMMENT ON COLUMN mb_pub.marts.{quote_ident(table)}."
                            f"{quote_ident(column)} IS {sql_string(comment)}")
    finally:
        con.execute("DETACH mb_pub")


def _csv_select(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """SELECT of a mart with every text column neutralised against formula injection and
    every float column rounded to its unit's precision (``+ 0.0`` writes -0.0 as 0.0)."""
    columns = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'marts' "
        "AND table_name = ? AND database_name = current_database() ORDER BY column_index",
        [name]).fetchall()
    starts = ", ".join(sql_string(s) for s in FORMULA_STARTS)
    parts = []
    for column, data_type in columns:
        c = quote_ident(column)
        if data_type == "VARCHAR":
            parts.append(f"CASE WHEN left({c}, 1) IN ({starts}) THEN '''' || {c} ELSE {c} "
                         f"END AS {c}")
        elif data_type in FLOAT_TYPES:
            decimals = csv_decimals(column)
            decimals = DEFAULT_DECIMALS if decimals is None else decimals
            parts.append(f"round({c}, {decimals}) + 0.0 AS {c}")
        else:
            parts.append(c)
    return f"SELECT {', '.join(parts)} FROM marts.{quote_ident(name)}"  # noqa: S608


def _write_exports(con: duckdb.DuckDBPyConnection, folder: Path, tables: list[str]) -> None:
    """Parquet and CSV of each table into `folder/parquet` and `folder/csv`."""
    _private_dir(folder)
    for kind in ("parquet", "csv"):
        _private_dir(folder / kind)
    for name in tables:
        parquet = folder / "parquet" / f"{name}.parquet"
        con.execute(f"COPY marts.{quote_ident(name)} TO {sql_string(str(parquet))} "  # noqa: S608
                    "(FORMAT parquet, COMPRESSION zstd)")
        csv = folder / "csv" / f"{name}.csv"
        con.execute(f"COPY ({_csv_select(con, name)}) TO {sql_string(str(csv))} "
                    "(FORMAT csv, HEADER)")
        for path in (parquet, csv):
            os.chmod(path, OWNER_ONLY_FILE)
            _fsync(path)


def _swap_link(link: Path, target_name: str, run: str) -> None:
    """Point `link` at `target_name` atomically (a new link renamed over the old one)."""
    temporary = link.with_name(f"{TEMP_PREFIX}{link.name}-{run}")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target_name)
    os.replace(temporary, link)


def _prune_exports(folder: Path) -> None:
    exports = sorted((p for p in folder.glob("exports-*") if p.is_dir()),
                     key=lambda p: p.stat().st_mtime)
    for old in exports[:-KEEP_EXPORTS]:
        shutil.rmtree(old, ignore_errors=True)


def publish_files(con: duckdb.DuckDBPyConnection, folder: Path, run: str) -> Path:
    """Write the published DuckDB file and the Parquet/CSV exports of the warehouse open
    on `con` into `folder`, replacing the previous ones atomically; returns the file."""
    _private_dir(folder)
    remove_leftovers(folder)
    tables = _tables(con)
    target = folder / PUBLISHED_FILE
    temporary = folder / f"{TEMP_PREFIX}{PUBLISHED_FILE}-{run}"
    _write_duckdb(con, temporary, tables)
    os.chmod(temporary, OWNER_ONLY_FILE)
    _fsync(temporary)
    exports = folder / f"{TEMP_PREFIX}exports-{run}"
    _write_exports(con, exports, tables)
    final_exports = folder / f"exports-{run}"
    failpoint("files_written")
    os.replace(exports, final_exports)
    os.replace(temporary, target)  # the DuckDB file first, then the export set
    for kind in ("parquet", "csv"):
        _swap_link(folder / kind, f"{final_exports.name}/{kind}", run)
    _fsync(folder)
    _prune_exports(folder)
    return target
