"""The FIT ingest flow: find files, skip what is known, decode the rest in worker
processes, and load each batch in one transaction.

Read top to bottom: `ingest_fit_flow` wires three kinds of task -
`plan_fit_inputs` (walk, compare with the manifest, open archives, hash new contents),
`decode_and_load` (one per chunk of files) and `record_paths` (remember what was seen).
Tasks pass paths and hashes, never frames or connections.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from flows.fit_worker import DecodeResult, decode_file, decoding_pool
from flows.settings import AthleteInputs, ingest_request
from flows.sources import (
    ArchiveLimits,
    ArchiveRefused,
    Kind,
    content_sha256,
    find_files,
    open_archive,
)
from schemas.config import load_config
from warehouse.connection import connect, transaction
from warehouse.ddl import create_all
from warehouse.fit_load import FitBatch, delete_contents, load_fit_batch
from warehouse.manifest import (
    LOADED,
    QUARANTINED,
    SourceFile,
    SourcePath,
    known_contents,
    known_paths,
    paths_still_using,
    upsert_source_files,
    upsert_source_paths,
)
from warehouse.runs import record_run

#: A chunk (one Prefect task) holds at most this many files or bytes of FIT data.
CHUNK_FILES = 500
CHUNK_BYTES = 128 * 1024**2
#: Decoded files committed together; a kill loses at most one batch of work.
BATCH_FILES = 64
BATCH_RECORDS = 500_000


@dataclass(frozen=True)
class WorkItem:
    """A new content to decode, with what must be committed alongside it."""

    path: str
    read_path: str
    kind: Kind
    size_bytes: int
    sha256: str
    container_sha256: str | None = None
    path_row: SourcePath | None = None
    replace: tuple[str, ...] = ()


@dataclass
class Plan:
    """What one athlete's ingest must do."""

    athlete_id: str
    work: list[WorkItem] = field(default_factory=list)
    skipped: int = 0
    path_rows: list[SourcePath] = field(default_factory=list)
    archive_rows: list[SourceFile] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    superseded: list[tuple[str, str]] = field(default_factory=list)  # (old sha, path)

    def chunks(self) -> Iterator[list[WorkItem]]:
        chunk: list[WorkItem] = []
        size = 0
        for item in self.work:
            if chunk and (len(chunk) >= CHUNK_FILES or size + item.size_bytes > CHUNK_BYTES):
                yield chunk
                chunk, size = [], 0
            chunk.append(item)
            size += item.size_bytes
        if chunk:
            yield chunk


@dataclass
class ChunkResult:
    loaded: int = 0
    records: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class IngestSummary:
    """What an ingest did for one athlete."""

    athlete_id: str
    loaded: int = 0
    skipped: int = 0
    records: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every input was read and none was quarantined in this run."""
        return not self.quarantined and not self.problems


def _now() -> datetime:
    return datetime.now(UTC)


@task(cache_policy=NO_CACHE)
def plan_fit_inputs(
    warehouse: str,
    inputs: AthleteInputs,
    scratch: str,
    limits: ArchiveLimits,
    retry_quarantined: bool = False,
) -> Plan:
    """Walk the inputs, skip unchanged paths, open changed archives, hash new contents."""
    athlete = inputs.athlete_id
    plan = Plan(athlete)
    found, plan.problems = find_files(Path(p) for p in inputs.paths)
    with connect(Path(warehouse)) as con:
        create_all(con)
        seen = known_paths(con, athlete)
        candidates = []
        for f in found:
            before = seen.get(f.path)
            if before and before.size_bytes == f.size_bytes and before.mtime_ns == f.mtime_ns:
                plan.skipped += 1
            else:
                candidates.append((f, before))
        hashed: list[tuple[WorkItem, SourcePath | None]] = []
        for f, before in candidates:
            try:
                sha = content_sha256(f.path, f.kind, limits)
            except (OSError, EOFError, ArchiveRefused) as exc:
                sha = None
                reason = f"cannot read: {exc}"
            row = SourcePath(athlete, f.path, f.size_bytes, f.mtime_ns, sha or "", f.kind)
            if before and sha != before.sha256 and f.kind != "zip":
                plan.superseded.append((before.sha256, f.path))
            if sha is None:
                plan.problems.append((f.path, reason))
                continue
            if f.kind == "zip":
                hashed.extend(_open_zip(plan, f.path, sha, row, Path(scratch), limits, con))
                continue
            item = WorkItem(f.path, f.path, f.kind, f.size_bytes, sha, path_row=row)
            hashed.append((item, row))
        _keep_new_contents(plan, hashed, con, retry_quarantined)
    return plan


def _open_zip(
    plan: Plan, path: str, sha: str, row: SourcePath, scratch: Path, limits: ArchiveLimits, con
) -> list[tuple[WorkItem, SourcePath | None]]:
    """Members of a changed archive as work items; a refused archive is quarantined."""
    status = known_contents(con, plan.athlete_id, [sha]).get(sha)
    if status is not None:
        plan.path_rows.append(row)
        plan.skipped += 1
        return []
    size = row.size_bytes
    try:
        members = open_archive(path, scratch / sha[:16], limits)
    except (ArchiveRefused, OSError) as exc:
        reason = str(exc)
        plan.quarantined.append((path, reason))
        plan.archive_rows.append(SourceFile(plan.athlete_id, sha, path, size, "zip",
                                            QUARANTINED, reason))
        plan.path_rows.append(row)
        return []
    plan.archive_rows.append(SourceFile(plan.athlete_id, sha, path, size, "zip", LOADED))
    plan.path_rows.append(row)
    items = []
    for m in members:
        try:
            member_sha = content_sha256(m.read_path, "fit", limits)
        except OSError as exc:
            plan.problems.append((m.path, f"cannot read: {exc}"))
            continue
        items.append((WorkItem(m.path, str(m.read_path), "fit", m.size_bytes, member_sha,
                               container_sha256=sha), None))
    return items


def _keep_new_contents(
    plan: Plan, hashed: list[tuple[WorkItem, SourcePath | None]], con, retry_quarantined: bool
) -> None:
    """Queue contents the warehouse lacks (once each); the rest only record their path."""
    status = known_contents(con, plan.athlete_id, sorted({i.sha256 for i, _ in hashed}))
    queued: set[str] = set()
    for item, row in hashed:
        known = status.get(item.sha256)
        retry = known == QUARANTINED and retry_quarantined
        if item.sha256 in queued or (known is not None and not retry):
            plan.skipped += 1
            if row is not None:
                plan.path_rows.append(row)
            continue
        queued.add(item.sha256)
        if retry:
            item = WorkItem(**{**item.__dict__, "replace": (item.sha256,)})
        plan.work.append(item)


@task(cache_policy=NO_CACHE)
def decode_and_load(
    warehouse: str,
    athlete_id: str,
    chunk: list[WorkItem],
    workers: int,
    limits: ArchiveLimits,
    show_progress: bool = False,
    batch_files: int = BATCH_FILES,
) -> ChunkResult:
    """Decode a chunk of files in worker processes and load them batch by batch."""
    logger = get_run_logger()
    result = ChunkResult()
    batch = _empty_batch(athlete_id)
    with connect(Path(warehouse)) as con, decoding_pool(workers) as pool, _progress(
        show_progress, len(chunk)
    ) as (progress, bar):
        for item, decoded in _decode_in_pool(pool, chunk, workers, limits):
            _add_to_batch(batch, result, item, decoded)
            if progress is not None:
                progress.advance(bar)
            if len(batch.files) >= batch_files or batch.record_count >= BATCH_RECORDS:
                _commit(con, batch, logger)
                batch = _empty_batch(athlete_id)
        if batch.files:
            _commit(con, batch, logger)
    return result


def _commit(con, batch: FitBatch, logger) -> None:
    load_fit_batch(con, batch, _now())
    logger.info("committed a batch of %d files, %d records", len(batch.files),
                batch.record_count)


def _empty_batch(athlete_id: str) -> FitBatch:
    return FitBatch(athlete_id, [], [], [], [])


def _add_to_batch(batch: FitBatch, result: ChunkResult, item: WorkItem, out: DecodeResult) -> None:
    if out.decoded is not None:
        status, count = LOADED, sum(out.decoded.message_counts.values())
        batch.decoded.append((item.sha256, out.decoded))
        result.loaded += 1
        result.records += out.decoded.record_count
    else:
        status, count = QUARANTINED, None
        result.quarantined.append((item.path, out.reason or "unknown error"))
    batch.files.append(
        SourceFile(batch.athlete_id, item.sha256, item.path, item.size_bytes, item.kind, status,
                   out.reason, item.container_sha256, count)
    )
    if item.path_row is not None:
        batch.paths.append(item.path_row)
    batch.replace.extend(item.replace)


def _decode_in_pool(
    pool, chunk: list[WorkItem], workers: int, limits: ArchiveLimits
) -> Iterator[tuple[WorkItem, DecodeResult]]:
    """Results as workers finish them, with at most two files in flight per worker."""
    window = max(2, 2 * workers)
    todo = iter(chunk)
    pending: dict[Future, WorkItem] = {}
    while True:
        while len(pending) < window and (item := next(todo, None)) is not None:
            pending[pool.submit(decode_file, item.read_path, item.kind, limits)] = item
        if not pending:
            return
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in sorted(done, key=lambda f: pending[f].path):
            yield pending.pop(future), future.result()


class _progress:
    """A rich progress bar on a terminal for ingests of more than a few files."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.progress = None
        if enabled and total > 3:
            self.progress = Progress(
                TextColumn("decoding FIT files"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), transient=True,
            )
        self.total = total

    def __enter__(self):
        if self.progress is None:
            return None, None
        self.progress.start()
        return self.progress, self.progress.add_task("fit", total=self.total)

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()


@task(cache_policy=NO_CACHE)
def record_paths(warehouse: str, plan: Plan) -> int:
    """Remember paths whose content was already known, archives opened, and drop contents
    that a changed file no longer provides. Returns how many old contents were dropped."""
    with connect(Path(warehouse)) as con, transaction(con):
        upsert_source_files(con, plan.archive_rows, _now())
        upsert_source_paths(con, plan.path_rows, _now())
        gone = [
            sha for sha, path in plan.superseded
            if paths_still_using(con, plan.athlete_id, sha, path) == 0
        ]
        delete_contents(con, plan.athlete_id, gone)
        if gone:
            con.execute(
                "DELETE FROM raw.source_files WHERE athlete_id = ? "
                "AND sha256 IN (SELECT unnest(?::VARCHAR[]))",
                [plan.athlete_id, gone],
            )
    return len(gone)


@flow(name="ingest-fit")
def ingest_fit_flow(
    warehouse: str,
    athletes: list[AthleteInputs],
    workers: int = 2,
    limits: ArchiveLimits | None = None,
    retry_quarantined: bool = False,
    show_progress: bool = False,
    batch_files: int = BATCH_FILES,
) -> list[IngestSummary]:
    """Ingest FIT files for each athlete into the warehouse's raw tables."""
    logger = get_run_logger()
    limits = limits or ArchiveLimits()
    started = _now()
    summaries = []
    for inputs in athletes:
        t0 = time.perf_counter()
        summary = IngestSummary(inputs.athlete_id)
        with tempfile.TemporaryDirectory(prefix="musclebalance-") as scratch:
            plan = plan_fit_inputs(warehouse, inputs, scratch, limits, retry_quarantined)
            summary.skipped = plan.skipped
            summary.quarantined.extend(plan.quarantined)
            summary.problems.extend(plan.problems)
            for chunk in plan.chunks():
                done = decode_and_load(warehouse, inputs.athlete_id, chunk, workers, limits,
                                       show_progress, batch_files)
                summary.loaded += done.loaded
                summary.records += done.records
                summary.quarantined.extend(done.quarantined)
            record_paths(warehouse, plan)
        summary.seconds = time.perf_counter() - t0
        logger.info(
            "athlete %s: %d loaded, %d skipped, %d quarantined, %d unreadable, %d records",
            inputs.athlete_id, summary.loaded, summary.skipped, len(summary.quarantined),
            len(summary.problems), summary.records,
        )
        summaries.append(summary)
    record_run(Path(warehouse), _run_id(), "ingest", started, _now(), summaries)
    return summaries


def _run_id() -> str:
    from prefect.runtime import flow_run

    return str(flow_run.id or uuid.uuid4())


@flow(name="ingest-from-config")
def ingest_from_config_flow(config: str) -> list[IngestSummary]:
    """Ingest every athlete's fit_paths as the config file lists them (for deployments)."""
    request = ingest_request(load_config(Path(config)))
    return ingest_fit_flow(
        warehouse=str(request.warehouse),
        athletes=request.athletes,
        workers=request.workers,
        limits=request.limits,
    )
