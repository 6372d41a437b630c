"""The FIT ingest flow: find files, skip what is known, decode the rest in worker
processes, and load each batch in one transaction.

Read top to bottom: `ingest_fit_flow` holds the warehouse's run lock and wires three
kinds of task - `plan_fit_inputs` (walk, compare with the manifest, open archives, hash
new contents), `decode_and_load` (one per chunk of files) and `record_paths` (remember
what was seen). Tasks pass paths and hashes, never frames or connections.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from flows.fit_worker import DecodeResult, decode_file, decoding_pool
from flows.health_ingest import load_health_files
from flows.plan import Found, IngestPlan, Policy, Retry, WorkItem, list_inputs, plan_inputs
from flows.runtime import RunSummary, io_task, pipeline_run, utc_now
from flows.settings import AthleteInputs
from flows.sources import (
    ArchiveLimits,
    activity_or_health_kind,
    not_fit_advice,
    not_fit_type,
    scratch_folder,
)
from flows.terminal import safe_text
from schemas.fit import DEFAULT_DECODER, Decoder
from transforms.plausibility import DateWindow, date_window
from warehouse.connection import connect, transaction
from warehouse.ddl import create_all
from warehouse.failpoint import failpoint
from warehouse.fit_load import BatchEntry, FitBatch, forget_contents, load_fit_batch
from warehouse.manifest import (
    LOADED,
    PARTIAL,
    QUARANTINED,
    SourceFile,
    fit_contents_between,
    read_manifest,
    record_athletes,
    upsert_source_files,
    upsert_source_paths,
)
from warehouse.unread import record_unread, unread_under

#: A chunk (one Prefect task) holds at most this many files or bytes of FIT data.
CHUNK_FILES = 500
CHUNK_BYTES = 128 * 1024**2
#: Decoded files committed together; a kill loses at most one batch of work.
BATCH_FILES = 64
BATCH_RECORDS = 500_000
#: FIT bytes handed to decoding workers and not yet loaded, at most (beyond two files per
#: worker): a batch of one-hour runs, or one or two files of 10 MB.
IN_FLIGHT_BYTES = 16 * 1024**2


@dataclass
class Plan(IngestPlan):
    """What one athlete's FIT ingest must do: the shared plan, with the files that are not
    FIT, and its work in chunks (one decoding task each)."""

    unread: list[tuple[str, str, str]] = field(default_factory=list)  # path, type, advice

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
    replaced: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    partial: list[tuple[str, str]] = field(default_factory=list)
    nulled: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    distance_resets: list[tuple[str, int]] = field(default_factory=list)
    not_measurements: list[tuple[str, int, list[str]]] = field(default_factory=list)
    fallbacks: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class IngestSummary(RunSummary):
    """What a FIT ingest did for one athlete."""

    records: int = 0
    replaced: int = 0
    #: Files loaded with values outside their physical range (stored as null) or record
    #: times without a date: (path, count per reason).
    nulled: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    #: Files whose cumulative distance goes back: (path, how often).
    distance_resets: list[tuple[str, int]] = field(default_factory=list)
    #: Files under the athlete's FIT paths that are not FIT: (path, type, advice).
    unread: list[tuple[str, str, str]] = field(default_factory=list)
    #: Health files' records skipped as not measurements: (path, count, first few named).
    not_measurements: list[tuple[str, int, list[str]]] = field(default_factory=list)
    #: Files the fast decoder gave up on, loaded as fitparse read them: (path, the type of
    #: what the fast decoder raised). Worth sending to the developers (README).
    fallbacks: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Reread:
    """A backfill: read every path again (no skipping by size and time), retry quarantined
    files, and decode again the loaded contents dated `since` .. `until` (inclusive local
    days; both None = all), replacing their rows."""

    since: date | None = None
    until: date | None = None


#: FIT inputs: .fit, .fit.gz and zips of them; members that are not FIT are named in the
#: summary; a path's new content replaces the rows of the one it held before.
#: Garmin account-export and Apple Health files among them are read too (flows.health_ingest).
FIT = Policy(kind_of=activity_or_health_kind, default_kind="fit", supersede=True,
             note_unread=True)
#: Work item kinds the health loader reads (the others are FIT files).
HEALTH_KINDS = ("json", "xml")


@io_task
def plan_fit_inputs(
    warehouse: str,
    inputs: AthleteInputs,
    scratch: str,
    limits: ArchiveLimits,
    retry_quarantined: bool = False,
    reread: Reread | None = None,
) -> Plan:
    """Walk the inputs, skip unchanged paths, open changed archives, hash new contents."""
    loose: list[str] = []
    found, problems = list_inputs((Path(p) for p in inputs.paths), FIT, inputs.origin,
                                  unread=loose)
    with connect(Path(warehouse)) as con:
        create_all(con)
        manifest = read_manifest(con, inputs.athlete_id)
        again = (frozenset() if reread is None else frozenset(
            fit_contents_between(con, inputs.athlete_id, reread.since, reread.until)))
        retry = Retry(quarantined=retry_quarantined or reread is not None,
                      every_path=reread is not None, contents=again)
        plan = Plan(**vars(plan_inputs(found, manifest, FIT, retry, Path(scratch), limits)))
        plan.problems[:0] = problems
        _note_unread(con, plan, inputs, found, loose)
    return plan


def _note_unread(con, plan: Plan, inputs: AthleteInputs, found: list[Found],
                 loose: list[str]) -> None:
    """Record the files that are not FIT under the athlete's paths (in folders, and in the
    archives opened now) and put every one known under those paths on the plan."""
    roots = [str(Path(p).expanduser().resolve()) for p in inputs.paths]
    def described(path: str, in_archive: bool) -> tuple[str, str]:
        kind = not_fit_type(path)
        return kind, not_fit_advice(kind, in_archive, path)

    kinds = {path: described(path, False) for path in loose}
    kinds |= {path: described(path, True) for members in plan.unread_in_archives.values()
              for path in members}
    with transaction(con):
        record_unread(con, plan.athlete_id, roots, loose,
                      [f.file.path for f in found if f.file.kind == "zip"],
                      plan.unread_in_archives,
                      kinds, utc_now())
    plan.unread = unread_under(con, plan.athlete_id, roots)


@io_task
def decode_and_load(
    warehouse: str,
    athlete_id: str,
    chunk: list[WorkItem],
    workers: int,
    limits: ArchiveLimits,
    show_progress: bool = False,
    batch_files: int = BATCH_FILES,
    timezone: str | None = None,
    decoder: Decoder = DEFAULT_DECODER,
) -> ChunkResult:
    """Decode a chunk of files in worker processes with `decoder` and load them batch by
    batch; a file whose times lie outside 1990 .. tomorrow in the athlete's `timezone` is
    quarantined."""
    logger = get_run_logger()
    result = ChunkResult()
    batch = FitBatch(athlete_id)
    dates = date_window(timezone, utc_now())
    with connect(Path(warehouse)) as con, _progress(show_progress, len(chunk)) as bar:
        again = {item.sha256 for item in chunk if item.again}
        for item, decoded in _decode_all(chunk, workers, limits, dates, decoder):
            _add_to_batch(batch, result, item, decoded, logger)
            bar()
            if len(batch) >= batch_files or batch.record_count >= BATCH_RECORDS:
                _commit(con, batch, result, logger, again)
                batch = FitBatch(athlete_id)
        if len(batch):
            _commit(con, batch, result, logger, again)
    return result


def _decode_all(
    chunk: list[WorkItem], workers: int, limits: ArchiveLimits, dates: DateWindow | None = None,
    decoder: Decoder = DEFAULT_DECODER,
) -> Iterator[tuple[WorkItem, DecodeResult]]:
    """Decode in a pool; if a worker dies (killed, out of memory, crashed), decode what was
    left one file per fresh process, so only the file that kills its worker is lost.
    With `dates`, files whose times lie outside them come back quarantined."""
    done: set[str] = set()
    try:
        with decoding_pool(workers) as pool:
            for item, out in _decode_in_pool(pool, chunk, workers, limits, dates, decoder):
                done.add(item.sha256)
                yield item, out
        return
    except BrokenProcessPool:
        pass
    for item in chunk:
        if item.sha256 in done:
            continue
        try:
            with decoding_pool(1) as pool:
                out = pool.submit(decode_file, item.read_path, item.kind, limits,
                                  item.sha256, dates, decoder).result()
        except BrokenProcessPool:
            out = DecodeResult(None, "the decoding process died on this file (killed, out of "
                                     "memory or crashed)")
        yield item, out


def _decode_in_pool(
    pool, chunk: list[WorkItem], workers: int, limits: ArchiveLimits,
    dates: DateWindow | None = None, decoder: Decoder = DEFAULT_DECODER,
) -> Iterator[tuple[WorkItem, DecodeResult]]:
    """Results as workers finish them. Enough files are in flight that the workers go on
    decoding while this process loads a batch (a batch's worth), and few enough bytes that
    their decoded frames stay small (IN_FLIGHT_BYTES; at least two files per worker)."""
    window = max(2, 2 * workers) + BATCH_FILES
    todo = iter(chunk)
    pending: dict[Future, WorkItem] = {}
    held = 0
    while True:
        while len(pending) < window and (held < IN_FLIGHT_BYTES or len(pending) < 2 * workers) \
                and (item := next(todo, None)) is not None:
            future = pool.submit(decode_file, item.read_path, item.kind, limits, item.sha256,
                                 dates, decoder)
            pending[future] = item
            held += item.size_bytes
        if not pending:
            return
        finished = pool.first_done(pending)
        for future in sorted(finished, key=lambda f: pending[f].path):
            item = pending.pop(future)
            held -= item.size_bytes
            yield item, future.result()


def _add_to_batch(batch: FitBatch, result: ChunkResult, item: WorkItem, out: DecodeResult,
                  logger=None) -> None:
    if out.changed:
        result.problems.append((item.path, "changed while being read; it is read again on "
                                           "the next run"))
        return
    if out.unreadable or (out.decoded is None and item.again and not out.undatable):
        # Not the file's fault (an I/O error), or a file that loaded before: keep what it
        # gave and say so; a later run reads it again. (A file whose times cannot be real
        # is quarantined and its rows removed, however it loaded before.)
        result.problems.append((item.path, f"{out.reason}; what it gave before is kept"
                                if item.again else f"{out.reason}; read again next run"))
        return
    fault = None
    nulled = resets = None
    if out.decoded is not None:
        status, count = LOADED, sum(out.decoded.message_counts.values())
        result.loaded += 1
        result.records += out.decoded.record_count
        fault = out.decoded.partial
        nulled, resets = json.dumps(out.decoded.nulled), out.decoded.distance_resets
        if out.decoded.nulled:
            result.nulled.append((item.path, out.decoded.nulled))
        if resets:
            result.distance_resets.append((item.path, resets))
        if out.decoded.fallback is not None:
            _note_fallback(result, item, out.decoded.fallback, logger)
        skipped = out.decoded.not_measurements
        if skipped:
            result.not_measurements.append(
                (item.path, len(skipped), [m.describe(item.path) for m in skipped[:3]]))
        if fault is None:
            result.replaced += len(item.replace)
            replaces = item.replace
        else:  # loaded up to a fault: it does not wipe out what the path gave before
            status, replaces = PARTIAL, ()
            result.partial.append((item.path, fault.reason))
    else:
        status, count = QUARANTINED, None
        result.quarantined.append((item.path, out.reason or "unknown error"))
        replaces = ()  # a broken new version does not wipe out the good old one
    file = SourceFile(batch.athlete_id, item.sha256, item.path, item.size_bytes, item.kind,
                      status, out.reason if fault is None else fault.reason,
                      item.container_sha256, count, None if fault is None else fault.offset,
                      nulled, resets)
    batch.entries.append(BatchEntry(file, out.decoded, item.path_row, replaces))


def fallback_kind(reason: str) -> str:
    """The type of what the fast decoder raised, from `DecodedFit.fallback` ("Type: message"):
    the message may quote the file's values, the type never does."""
    return reason.split(":", 1)[0].strip() or "unknown"


def _note_fallback(result: ChunkResult, item: WorkItem, reason: str, logger) -> None:
    """Count a file the fast decoder handed to fitparse, and log its name and hash."""
    kind = fallback_kind(reason)
    result.fallbacks.append((item.path, kind))
    if logger is not None:
        logger.info("read by fitparse after the fast decoder gave up (%s): %s, sha256 %s",
                       kind, safe_text(item.path, markup=False), item.sha256)


def _commit(con, batch: FitBatch, result: ChunkResult, logger, again: set[str]) -> None:
    """Load the batch; if the warehouse refuses it, load file by file and quarantine the
    files it refuses, so one bad file cannot stop the others (a file decoded `again` keeps
    its earlier rows instead)."""
    try:
        load_fit_batch(con, batch, utc_now())
    except duckdb.Error:
        for entry in batch.entries:
            single = FitBatch(batch.athlete_id, [entry])
            try:
                load_fit_batch(con, single, utc_now())
            except duckdb.Error as exc:
                reason = f"could not be stored: {type(exc).__name__}: {exc}"
                if entry.decoded is not None:
                    result.loaded -= 1
                    result.records -= entry.decoded.record_count
                    path = entry.file.path
                    result.partial = [p for p in result.partial if p[0] != path]
                    result.nulled = [p for p in result.nulled if p[0] != path]
                    result.distance_resets = [p for p in result.distance_resets
                                              if p[0] != path]
                    result.not_measurements = [p for p in result.not_measurements
                                               if p[0] != path]
                    result.fallbacks = [p for p in result.fallbacks if p[0] != path]
                if entry.file.sha256 in again:
                    result.problems.append((entry.file.path,
                                            f"{reason}; what it gave before is kept"))
                    continue
                result.quarantined.append((entry.file.path, reason))
                file = replace(entry.file, status=QUARANTINED, error=reason, message_count=None,
                               fault_offset_bytes=None, values_nulled=None,
                               distance_resets=None)
                load_fit_batch(con, FitBatch(batch.athlete_id, [BatchEntry(file, None,
                                                                           entry.path)]), utc_now())
    logger.info("committed a batch of %d files, %d records", len(batch), batch.record_count)
    failpoint("ingest_batch_committed")


class _progress:
    """A rich progress bar on a terminal for ingests of more than a few files; the
    context value is a function that advances it by one file."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.progress = None
        if enabled and total > 0:
            self.progress = Progress(
                TextColumn("decoding FIT files"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), transient=True,
            )
        self.total = total

    def __enter__(self):
        if self.progress is None:
            return lambda: None
        self.progress.start()
        bar = self.progress.add_task("fit", total=self.total)
        return lambda: self.progress.advance(bar)

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()


@io_task
def record_paths(warehouse: str, plan: Plan, timezone: str | None = None) -> int:
    """In one transaction: remember paths whose content was already known and archives
    opened, and drop contents that a changed path no longer provides. Returns how many
    contents were dropped."""
    with connect(Path(warehouse)) as con, transaction(con):
        upsert_source_files(con, plan.archive_rows, utc_now())
        upsert_source_paths(con, plan.path_rows, utc_now())
        gone = sorted(set(plan.superseded))
        forget_contents(con, plan.athlete_id, gone)
        if timezone:
            record_athletes(con, [(plan.athlete_id, timezone)], utc_now())
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
    reread: Reread | None = None,
    decoder: Decoder = DEFAULT_DECODER,
) -> list[IngestSummary]:
    """Ingest FIT files for each athlete into the warehouse's raw tables, decoded with
    `decoder` (`reread`: a backfill, see Reread)."""
    logger = get_run_logger()
    limits = limits or ArchiveLimits()
    summaries = []
    with pipeline_run(Path(warehouse), "ingest") as run:
        for inputs in athletes:
            summaries.append(_ingest_athlete(warehouse, inputs, workers, limits,
                                             retry_quarantined, show_progress, batch_files,
                                             reread, decoder))
            s = summaries[-1]
            logger.info(
                "athlete %s: %d loaded (%d of them partial), %d skipped, %d replaced, "
                "%d quarantined, %d unreadable, %d records; %d values nulled in %d files, "
                "%d distance resets in %d files",
                safe_text(s.athlete_id, markup=False), s.loaded, len(s.partial), s.skipped,
                s.replaced,
                len(s.quarantined), len(s.problems), s.records,
                sum(sum(c.values()) for _, c in s.nulled), len(s.nulled),
                sum(n for _, n in s.distance_resets), len(s.distance_resets),
            )
            if s.fallbacks:
                logger.info("athlete %s: %d files read by fitparse after the fast decoder "
                            "gave up", safe_text(s.athlete_id, markup=False), len(s.fallbacks))
            if s.unread:
                logger.info("athlete %s: %d files not read (not FIT)",
                            safe_text(s.athlete_id, markup=False), len(s.unread))
        run.add(summaries)
    return summaries


def _add_health(summary: IngestSummary, health) -> None:
    """Fold what loading the health files did into the athlete's ingest summary."""
    summary.loaded += health.loaded
    summary.records += health.rows
    summary.quarantined.extend(health.quarantined)
    summary.problems.extend(health.problems)
    summary.not_measurements.extend(health.not_measurements)


def _ingest_athlete(warehouse: str, inputs: AthleteInputs, workers: int, limits: ArchiveLimits,
                    retry_quarantined: bool, show_progress: bool, batch_files: int,
                    reread: Reread | None = None, decoder: Decoder = DEFAULT_DECODER
                    ) -> IngestSummary:
    t0 = time.perf_counter()
    summary = IngestSummary(inputs.athlete_id)
    scratch = scratch_folder(Path(warehouse))
    try:
        plan = plan_fit_inputs(warehouse, inputs, str(scratch), limits, retry_quarantined,
                               reread)
        summary.skipped = plan.skipped
        summary.known_quarantined = plan.known_quarantined
        summary.quarantined.extend(plan.quarantined)
        summary.problems.extend(plan.problems)
        summary.unread = plan.unread
        health = [w for w in plan.work if w.kind in HEALTH_KINDS]
        plan.work = [w for w in plan.work if w.kind not in HEALTH_KINDS]
        if health:
            _add_health(summary, load_health_files(warehouse, inputs.athlete_id, health,
                                                   limits))
        for chunk in plan.chunks():
            done = decode_and_load(warehouse, inputs.athlete_id, chunk, workers, limits,
                                   show_progress, batch_files, inputs.timezone, decoder)
            summary.loaded += done.loaded
            summary.records += done.records
            summary.replaced += done.replaced
            summary.quarantined.extend(done.quarantined)
            summary.problems.extend(done.problems)
            summary.partial.extend(done.partial)
            summary.nulled.extend(done.nulled)
            summary.distance_resets.extend(done.distance_resets)
            summary.not_measurements.extend(done.not_measurements)
            summary.fallbacks.extend(done.fallbacks)
        summary.replaced += record_paths(warehouse, plan, inputs.timezone)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    summary.seconds = time.perf_counter() - t0
    return summary

