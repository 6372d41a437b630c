"""One run at a time per warehouse: an advisory lock held for a whole flow run.

DuckDB's own lock only lasts while a connection is open, and a flow opens and closes
connections between tasks; this lock covers the gaps so two runs cannot interleave.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.connection import WarehouseBusy
from warehouse.private import private_dir


def lock_path(warehouse: Path) -> Path:
    """The lock file beside the warehouse file itself (a link to it shares its lock)."""
    warehouse = Path(warehouse).resolve()
    return warehouse.with_name(warehouse.name + ".lock")


@contextmanager
def run_lock(warehouse: Path) -> Iterator[None]:
    """Hold the warehouse's run lock, or raise WarehouseBusy at once if another run has it."""
    path = lock_path(Path(warehouse))
    private_dir(path.parent, restrict_existing=False)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(
                f"{warehouse}: another musclebalance run is working on this warehouse; "
                "this one stops without changing anything (try again when it has finished)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock
