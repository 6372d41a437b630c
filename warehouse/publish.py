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

A publish that fails (a full disk, an error, SIGTERM) removes its temporary files before the
error goes on, and leaves the previous files as they were; a full disk is raised as
`DiskFull` naming the file and the space the new files need. `sources` lets the caller
publish a table from another relation than `marts.<table>`: the flows publish
`pipeline_runs` with this run's row as it ends, before the warehouse row is finished.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import duckdb

from schemas.export_precision import DEFAULT_DECIMALS, csv_decimals
from schemas.marts import MARTS, TABLE_COMMENTS
from warehouse.connection import quote_ident, sql_string
from warehouse.diskfull import DiskFull, is_disk_full, size_bytes
from warehouse.failpoint import failpoint
from warehouse.private import make_private, private_dir

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


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_leftovers(folder: Path) -> None:
    """Temporary files and folders of a publish that failed or was killed (call only while
    holding the warehouse's run lock: another run's temporaries would go too)."""
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


def _source(name: str, sources: Mapping[str, str]) -> str:
    """The relation a table is published from: `marts.<name>` unless `sources` names one."""
    return sources.get(name) or f"marts.{quote_ident(name)}"


def _write_duckdb(con: duckdb.DuckDBPyConnection, target: Path, tables: list[str],
                  sources: Mapping[str, str]) -> None:
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
                        f"SELECT * FROM {_source(name, sources)}")
            comment = table_comments.get(name) or TABLE_COMMENTS.get(name)
            if comment:
                con.execute(f"COMMENT ON TABLE {target_table} IS {sql_string(comment)}")
        for table, column, comment in comments:
            if table in tables:
                con.execute(f"COMMENT ON COLUMN mb_pub.marts.{quote_ident(table)}."
                            f"{quote_ident(column)} IS {sql_string(comment)}")
    finally:
        con.execute("DETACH mb_pub")


def _csv_select(con: duckdb.DuckDBPyConnection, name: str, source: str) -> str:
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
    return f"SELECT {', '.join(parts)} FROM {source}"  # noqa: S608


def _write_exports(con: duckdb.DuckDBPyConnection, folder: Path, tables: list[str],
                   sources: Mapping[str, str]) -> None:
    """Parquet and CSV of each table into `folder/parquet` and `folder/csv`."""
    private_dir(folder)
    for kind in ("parquet", "csv"):
        private_dir(folder / kind)
    for name in tables:
        parquet = folder / "parquet" / f"{name}.parquet"
        source = _source(name, sources)
        con.execute(f"COPY (SELECT * FROM {source}) TO {sql_string(str(parquet))} "  # noqa: S608
                    "(FORMAT parquet, COMPRESSION zstd)")
        csv = folder / "csv" / f"{name}.csv"
        con.execute(f"COPY ({_csv_select(con, name, source)}) TO {sql_string(str(csv))} "
                    "(FORMAT csv, HEADER)")
        for path in (parquet, csv):
            make_private(path)
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


def needed_bytes(con: duckdb.DuckDBPyConnection, folder: Path) -> int:
    """About the space a publish needs: what the published file and exports take now, or
    (the first publish) the warehouse file's size, which holds everything published."""
    current = folder / PUBLISHED_FILE
    exports = [(folder / kind).resolve() for kind in ("parquet", "csv")
               if (folder / kind).is_symlink()]
    published = size_bytes(current, *exports)
    if published:
        return published
    (path,) = con.execute("SELECT path FROM duckdb_databases() "
                          "WHERE database_name = current_database()").fetchone()
    return size_bytes(Path(path)) if path else 0


def publish_files(con: duckdb.DuckDBPyConnection, folder: Path, run: str,
                  sources: Mapping[str, str] | None = None) -> Path:
    """Write the published DuckDB file and the Parquet/CSV exports of the warehouse open
    on `con` into `folder`, replacing the previous ones atomically; returns the file.
    `sources`: tables to publish from another relation than `marts.<table>`. On any failure
    the temporary files are removed and the previous files stay; a full disk raises
    DiskFull."""
    private_dir(folder)
    remove_leftovers(folder)
    target = folder / PUBLISHED_FILE
    needed = needed_bytes(con, folder)
    try:
        _publish(con, folder, target, run, sources or {})
    except BaseException as exc:
        remove_leftovers(folder)
        if is_disk_full(exc) and not isinstance(exc, DiskFull):
            raise DiskFull(target, needed, "writing the published file and exports",
                           "the previously published files are unchanged") from exc
        raise
    _prune_exports(folder)
    return target


def _publish(con: duckdb.DuckDBPyConnection, folder: Path, target: Path, run: str,
             sources: Mapping[str, str]) -> None:
    tables = _tables(con)
    temporary = folder / f"{TEMP_PREFIX}{PUBLISHED_FILE}-{run}"
    _write_duckdb(con, temporary, tables, sources)
    make_private(temporary)
    _fsync(temporary)
    exports = folder / f"{TEMP_PREFIX}exports-{run}"
    _write_exports(con, exports, tables, sources)
    final_exports = folder / f"exports-{run}"
    failpoint("files_written")
    os.replace(exports, final_exports)
    os.replace(temporary, target)  # the DuckDB file first, then the export set
    for kind in ("parquet", "csv"):
        _swap_link(folder / kind, f"{final_exports.name}/{kind}", run)
    _fsync(folder)
