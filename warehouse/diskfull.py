"""A full disk, said in one line: the path that could not be written, about how much space
the write needs and how much is free there.

DuckDB reports a full disk as an `IOException` whose text carries the operating system's
message (`Could not write file "...": No space left on device`, or `Could not write all
bytes` for a short write); Python as an `OSError` with `errno` ENOSPC or EDQUOT (a quota).
`is_disk_full` recognises both, also as the cause of another error, so that the run is
recorded `failed` with `DiskFull`'s line and the command line prints that line alone.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import duckdb

#: Lower-case fragments of a DuckDB or operating-system message that mean the disk is full.
FULL_MESSAGES = ("no space left on device", "disk quota exceeded", "could not write all bytes")
MB = 1_000_000


class DiskFull(RuntimeError):
    """A write failed because its disk is full (not retried: waiting does not free space)."""

    def __init__(self, path: Path, needed_bytes: int, what: str, outcome: str) -> None:
        self.path = Path(path)
        self.needed_bytes = needed_bytes
        self.free_bytes = free_bytes(self.path)
        super().__init__(
            f"{self.path}: no space left on device: {what} needs about "
            f"{megabytes(needed_bytes)}, {megabytes(self.free_bytes)} free there; {outcome}; "
            "free some space and run again")


def megabytes(size_bytes: int) -> str:
    """`2.6 MB` (decimal megabytes, one decimal)."""
    return f"{size_bytes / MB:.1f} MB"


def free_bytes(path: Path) -> int:
    """Free bytes on the disk holding `path` (or its nearest existing folder)."""
    for folder in (Path(path), *Path(path).parents):
        if folder.exists():
            return shutil.disk_usage(folder).free
    return 0


def disk_full_text(text: str) -> bool:
    """Whether an error message says the disk is full."""
    lowered = text.lower()
    return any(fragment in lowered for fragment in FULL_MESSAGES)


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether `exc` (or an error it was raised from) is a full disk."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DiskFull):
            return True
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(exc, duckdb.Error) and disk_full_text(str(exc)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def size_bytes(*paths: Path) -> int:
    """Bytes of these files and of every file under these folders (links not followed)."""
    total = 0
    for path in paths:
        if path.is_symlink() or not path.exists():
            continue
        if path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*")
                         if p.is_file() and not p.is_symlink())
        else:
            total += path.stat().st_size
    return total
