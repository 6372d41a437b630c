"""Files and folders readable by their owner only: everything the product writes holds health
data (or points at it), so files are 0600 and folders 0700 whatever the umask."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

OWNER_ONLY_FILE = 0o600
OWNER_ONLY_DIR = 0o700
#: The umask under which new files and folders are created owner-only.
OWNER_ONLY_UMASK = 0o077


def private_dir(path: Path, *, restrict_existing: bool = True) -> Path:
    """Create the folder `path` (and its parents) owner-only; returns it.

    `restrict_existing=False` is for a folder the user chose (the warehouse's): a folder
    that already exists keeps its mode, only one created here is owner-only."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_DIR)
    if restrict_existing:
        os.chmod(path, OWNER_ONLY_DIR)
    return path


def make_private(path: Path) -> None:
    """Restrict a file the product wrote (when it exists) to its owner: 0600."""
    if Path(path).exists():
        os.chmod(path, OWNER_ONLY_FILE)


def write_private(path: Path, data: bytes | str) -> Path:
    """Write `data` (text as UTF-8) to `path`, created or truncated, readable by its owner
    only (also when the file existed with a wider mode); returns the path."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY_FILE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(raw)
    os.chmod(path, OWNER_ONLY_FILE)
    return Path(path)


@contextmanager
def owner_only() -> Iterator[None]:
    """Within the block, files and folders created by this process (and by libraries such
    as DuckDB writing their own files) are owner-only: the umask is 077, then restored."""
    previous = os.umask(OWNER_ONLY_UMASK)
    try:
        yield
    finally:
        os.umask(previous)
