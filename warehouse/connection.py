"""Opening the warehouse file: owner-only permissions, one writer, clear errors."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.private import make_private, owner_only, private_dir

#: DuckDB 2's files of memory spilled to disk, in `<warehouse>.tmp/`, named after the
#: process that wrote them; DuckDB removes them on close, a killed process leaves them.
DUCKDB_TEMP_FILE = re.compile(r"duckdb_temp_(\d+)_")


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse."""


class WarehouseInUse(WarehouseBusy):
    """Another process (a run, a DuckDB shell, a dashboard) has the warehouse file open."""


def quote_ident(name: str) -> str:
    """A SQL identifier quoted for DuckDB (double quotes doubled inside)."""
    return '"' + name.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    """A SQL string literal (single quotes doubled), for statements that take no parameters."""
    return "'" + text.replace("'", "''") + "'"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale_temp_files(warehouse: Path) -> None:
    """Delete DuckDB's spill files that a killed process left in `<warehouse>.tmp/` (those
    of a live process, such as a DuckDB shell, stay), and the folder when empty."""
    folder = Path(f"{warehouse}.tmp")
    if not folder.is_dir() or folder.is_symlink():
        return
    for path in folder.iterdir():
        match = DUCKDB_TEMP_FILE.match(path.name)
        if match and path.is_file() and not _alive(int(match.group(1))):
            path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty: a live process's files, or others
        folder.rmdir()


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writer creates the file and its folder owner-only.

    DuckDB lets one process write a file (or many read it); a second writer gets
    `WarehouseBusy` naming the file instead of DuckDB's lock message.
    """
    path = Path(path)
    if not read_only:
        private_dir(path.parent, restrict_existing=False)
    try:
        with owner_only():
            con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseInUse(
                f"{path}: the warehouse is in use by another process (a musclebalance run, "
                "a DuckDB shell or a dashboard; DuckDB allows one writer); close it or wait "
                "for it to finish and try again"
            ) from exc
        raise
    if not read_only:
        make_private(path)
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One explicit transaction: everything inside commits together or not at all."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()
