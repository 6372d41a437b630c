"""Loading the recovery and body-composition files the FIT ingest's plan found: Garmin
account-export JSON files (sleep, daily summaries, HRV status, scale readings) and Apple
Health's export.xml, wherever they sit in an athlete's `fit_paths` or `health_paths`
(folders and zips at any depth).

The plan is the FIT ingest's (`flows.ingest`): a path with last run's size and time is
skipped, a content is read once (by its sha256), a path's new content replaces the rows of
the one it held before. Each file loads in its own transaction. A file that does not read
as what its name promises is quarantined with the reason; records in it that are not
measurements (a weight of 0 g, an HRV of 0 with status UNKNOWN, a night without stages)
are skipped, never stored as zeros, and named by file, index and key in the summary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import duckdb

from flows.plan import WorkItem
from flows.runtime import RunSummary, io_task, utc_now
from flows.sources import (
    ArchiveLimits,
    ChangedWhileRead,
    open_regular,
    read_again_reason,
    read_unchanged,
)
from schemas.wellness import WellnessRead
from transforms.wellness.apple_health import read_apple_health
from transforms.wellness.garmin_export import read_garmin_json
from warehouse.connection import WarehouseInUse, connect
from warehouse.health_load import load_wellness
from warehouse.manifest import LOADED, QUARANTINED, SourceFile
from warehouse.nutrition_load import record_rejected

#: Records that are not measurements named per file in the summary (the count says all).
MAX_NAMED_SKIPS = 3
#: raw.source_files.kind of each health input kind.
SOURCE_KIND = {"json": "garmin_json", "xml": "apple_health"}


@dataclass
class HealthSummary(RunSummary):
    """What loading the health files of one athlete did: counts and names, no values."""

    rows: int = 0
    #: Records skipped as not measurements: (path, count, the first few described).
    not_measurements: list[tuple[str, int, list[str]]] = field(default_factory=list)


class _HashingReader:
    """A binary stream that hashes what is read through it (Apple exports are streamed,
    never held whole: the hash is checked when the stream ends)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        self.digest.update(chunk)
        return chunk

    def readinto(self, buffer) -> int:  # noqa: ANN001 (a writable buffer)
        n = self._raw.readinto(buffer)
        self.digest.update(memoryview(buffer)[:n])
        return n


@contextmanager
def _streamed(item: WorkItem) -> Iterator[_HashingReader]:
    with open_regular(item.read_path) as raw:
        reader = _HashingReader(raw)
        yield reader
        while reader.read(1024 * 1024):  # what the parser left unread is hashed too
            pass
    if reader.digest.hexdigest() != item.sha256:
        raise ChangedWhileRead


def read_health_item(item: WorkItem, limits: ArchiveLimits) -> WellnessRead:
    """The rows of one health input: a Garmin JSON file from the bytes that were hashed, an
    Apple export streamed (its hash checked at the end). ChangedWhileRead when the file is
    not the content the plan hashed; ValueError when it is not what its name promises."""
    if item.kind == "xml":
        with _streamed(item) as stream:
            return read_apple_health(stream)
    seen = None
    if item.container_sha256 is None and item.path_row is not None:
        seen = (item.path_row.size_bytes, item.path_row.mtime_ns)
    data = read_unchanged(item.read_path, item.kind, limits, item.sha256, seen)
    return read_garmin_json(data, Path(item.path.rsplit("!", 1)[-1]).name)


def _file_row(athlete_id: str, item: WorkItem, status: str, error: str | None,
              count: int | None = None) -> SourceFile:
    return SourceFile(athlete_id, item.sha256, item.path, item.size_bytes,
                      SOURCE_KIND.get(item.kind, item.kind), status, error,
                      item.container_sha256, count)


def _exported_at(item: WorkItem) -> datetime:
    """When the file was exported: its modification time (a member: its archive's)."""
    if item.path_row is not None:
        return datetime.fromtimestamp(item.path_row.mtime_ns / 1e9, UTC)
    return utc_now()


@io_task
def load_health_files(warehouse: str, athlete_id: str, work: list[WorkItem],
                      limits: ArchiveLimits | None = None) -> HealthSummary:
    """Read each health file once and load its rows in its own transaction."""
    summary = HealthSummary(athlete_id)
    with connect(Path(warehouse)) as con:
        for item in work:
            _load_one(con, athlete_id, item, summary, limits or ArchiveLimits())
    return summary


def _load_one(con, athlete_id: str, item: WorkItem, summary: HealthSummary,
              limits: ArchiveLimits) -> None:
    """Load one file: its measurements load, records that are not are named; a file that
    does not read is quarantined; one changed since it was hashed waits for the next run."""
    try:
        read = read_health_item(item, limits)
    except (ChangedWhileRead, OSError) as exc:  # nothing recorded: read again next run
        summary.problems.append((item.path, read_again_reason(exc)))
        return
    except Exception as exc:  # the file as a whole does not read: it alone is quarantined
        reason = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        summary.quarantined.append((item.path, reason))
        record_rejected(con, _file_row(athlete_id, item, QUARANTINED, reason), item.path_row,
                        utc_now())
        return
    try:
        rows = load_wellness(con, read=read,
                             file=_file_row(athlete_id, item, LOADED, None, read.row_count),
                             path=item.path_row, replace=item.replace, now=utc_now(),
                             exported_at=_exported_at(item))
    except (duckdb.IOException, WarehouseInUse):
        raise  # the warehouse, not the file: the task is tried again
    summary.loaded += 1
    summary.rows += rows
    if read.skipped:
        summary.not_measurements.append(
            (item.path, len(read.skipped),
             [s.describe(item.path) for s in read.skipped[:MAX_NAMED_SKIPS]]))
