"""What every flow shares: the current instant, the run's id, the run record with its lock,
and the retry policy of tasks that touch files or the warehouse."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from flows.sources import remove_stale_scratch
from flows.stopping import interrupted_error
from flows.terminal import safe_text
from warehouse.lock import run_lock
from warehouse.runs import BuildCounts

T = TypeVar("T")

#: Retries of a task that touches files or the warehouse, and the seconds before each: a
#: dashboard or DuckDB shell holding the warehouse open, a network drive that blinks.
TASK_RETRIES = 3
TASK_RETRY_DELAYS_S = (5.0, 20.0, 60.0)


@dataclass
class RunSummary:
    """What an ingest did for one athlete: counts and file names, never health values."""

    athlete_id: str
    loaded: int = 0
    skipped: int = 0
    known_quarantined: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    problems: list[tuple[str, str]] = field(default_factory=list)  # unreadable (path, reason)
    partial: list[tuple[str, str]] = field(default_factory=list)  # loaded in part (path, reason)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every input was read whole and none was quarantined in this run."""
        return not self.quarantined and not self.problems and not self.partial


def utc_now() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def run_id() -> str:
    """The Prefect flow-run id (with `-<n>` from its n-th attempt: a retried flow run keeps
    its id), or a fresh id outside a flow run."""
    from prefect.runtime import flow_run

    if flow_run.id is None:
        return str(uuid.uuid4())
    attempt = flow_run.run_count or 1
    return str(flow_run.id) if attempt <= 1 else f"{flow_run.id}-{attempt}"


@dataclass
class PipelineRun:
    """The run that holds a warehouse: its row in marts.pipeline_runs, the summaries its
    ingests and builds add, and the earlier runs it found crashed."""

    warehouse: Path
    run_id: str
    command: str
    started_at: datetime
    ingests: list[RunSummary] = field(default_factory=list)
    builds: list[BuildCounts] = field(default_factory=list)
    crashed: list[tuple[str, str, datetime]] = field(default_factory=list)
    finished: bool = False  # its end is recorded
    error: str | None = None  # the error recorded with its end

    def add(self, summaries: list[RunSummary]) -> None:
        """Count these ingest summaries in the run's row."""
        self.ingests.extend(summaries)

    def add_build(self, summary: BuildCounts) -> None:
        """Count a build's summary (flows.build.BuildSummary) in the run's row."""
        self.builds.append(summary)

    #: The run's end once the readers' files carry it (the warehouse row then says the same).
    finished_at: datetime | None = None

    def finish(self, con, error: str | None = None, table: str | None = None) -> None:
        """Write the run's end, status and counts so far into its row of `table` (default
        marts.pipeline_runs) on `con`."""
        from warehouse.runs import RUNS_TABLE, finish_run

        finish_run(con, self.run_id, self.started_at, self.finished_at or utc_now(),
                   self.ingests, self.builds, error, table or RUNS_TABLE)

    def save(self, error: str | None = None) -> None:
        """Write the run's end, status and counts so far (again at the very end)."""
        from warehouse.connection import connect

        def write() -> None:
            with connect(self.warehouse) as con:
                self.finish(con, error)

        when_free(write)
        self.finished, self.error = True, error


def error_text(exc: BaseException) -> str:
    """How a run's row records the error that stopped it."""
    return f"{type(exc).__name__}: {exc}"[:2000]


def clear_leftovers(warehouse: Path) -> None:
    """Remove what failed or killed runs may have left beside the warehouse, before a run
    writes anything (a disk they filled would fail it): scratch folders of extracted
    archives, a publish's temporary files (`published/.tmp-*`) and DuckDB's spill files of
    dead processes. Call only while holding the warehouse's run lock."""
    from warehouse.connection import remove_stale_temp_files
    from warehouse.publish import published_dir, remove_leftovers

    remove_stale_scratch(warehouse)
    remove_leftovers(published_dir(warehouse))
    remove_stale_temp_files(warehouse)


def reported_error(exc: BaseException, warehouse: Path) -> BaseException:
    """The error to record and report for `exc`: a full disk as DiskFull (one line naming
    the path and the space needed), anything else as it is."""
    from warehouse.diskfull import DiskFull, is_disk_full, size_bytes

    if isinstance(exc, DiskFull) or not is_disk_full(exc):
        return exc
    return DiskFull(warehouse, size_bytes(warehouse, Path(f"{warehouse}.wal")),
                    "writing the warehouse (up to its size)",
                    "what was committed before stays and the next run completes the work")


#: The runs this context holds, by warehouse (a flow called inside another joins its run).
_current: ContextVar[tuple[tuple[Path, PipelineRun], ...]] = ContextVar("musclebalance_runs",
                                                                       default=())
#: Every run this process began, in order (flows/stopping.py records the last one when a
#: stop signal ends the process before the run could).
RUNS: list[PipelineRun] = []


@contextmanager
def pipeline_run(warehouse: Path, command: str) -> Iterator[PipelineRun]:
    """Hold the warehouse for a run and record it in marts.pipeline_runs.

    The outermost call takes the run lock (WarehouseBusy at once if another run has it),
    clears what a failed or killed run may have left (`clear_leftovers`: extracted health
    data must not linger, and leftovers must not keep the disk full) before anything is
    written, marks runs left `running` as `crashed`, and writes this run's row; when the
    block ends it writes the status and counts, `failed` with the error if one escaped (a
    full disk becomes DiskFull, recorded and raised with its one line; "interrupted by
    SIGTERM" once a stop signal arrived, whatever it was raised as). A
    flow called inside another's run (ingest and build within the nightly run) joins that
    run: one lock, one row, counts added up."""
    from prefect.logging import get_logger

    from warehouse.connection import connect
    from warehouse.ddl import create_all
    from warehouse.runs import begin_run, mark_crashed

    key = Path(warehouse).resolve()
    held = _current.get()
    outer = next((run for path, run in held if path == key), None)
    if outer is not None:
        yield outer
        return
    with run_lock(Path(warehouse)):
        clear_leftovers(Path(warehouse))
        run = PipelineRun(Path(warehouse), run_id(), command, utc_now())

        def begin() -> None:
            with connect(run.warehouse) as con:
                create_all(con)
                run.crashed = mark_crashed(con)
                begin_run(con, run.run_id, command, run.started_at)

        when_free(begin)
        RUNS.append(run)
        for crashed_id, crashed_command, started in run.crashed:
            get_logger("musclebalance").warning(
                "the %s run %s started %s did not finish (killed or crashed); this run "
                "completes its work", crashed_command, crashed_id,
                started.strftime("%Y-%m-%d %H:%M UTC"))
        token = _current.set((*held, (key, run)))
        try:
            yield run
        except BaseException as exc:
            error = reported_error(exc, run.warehouse)
            try:
                run.save(interrupted_error() or error_text(error))
            except Exception as lost:  # keep the run's own error; the next run finds the
                get_logger("musclebalance").warning(  # row `running` and marks it crashed
                    "could not record the failed run %s: %s", run.run_id,
                    safe_text(lost, markup=False))
            if error is not exc:
                raise error from exc
            raise
        else:
            run.save()
        finally:
            _current.reset(token)


def when_free(call: Callable[[], T]) -> T:
    """`call()`, tried again after each of TASK_RETRY_DELAYS_S while another process has
    the warehouse file open (the flows' own steps outside tasks)."""
    from warehouse.connection import WarehouseInUse

    for delay in TASK_RETRY_DELAYS_S:
        try:
            return call()
        except WarehouseInUse as exc:
            from prefect.logging import get_logger

            get_logger("musclebalance").warning("%s; trying again in %.0f s",
                                                safe_text(exc, markup=False), delay)
            time.sleep(delay)
    return call()


def retry_transient(task, task_run, state) -> bool:
    """Retry a task only on errors that may pass: the warehouse in use by another process,
    an I/O error. Not on bad data or a bug (those fail at once, with their message), nor on
    a full disk (it stays full while the task waits)."""
    import duckdb

    from warehouse.connection import WarehouseInUse
    from warehouse.diskfull import is_disk_full

    try:
        state.result()
    except BaseException as exc:
        if is_disk_full(exc):
            return False
        if isinstance(exc, (WarehouseInUse, duckdb.IOException)):
            return True
        if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError,
                            PermissionError)):
            return False
        return isinstance(exc, OSError)
    return False


def io_task(fn=None, **options):
    """A Prefect task that touches files or the warehouse: no result caching (tasks take
    paths and return counts), retries with backoff on transient errors only."""
    from prefect import task
    from prefect.cache_policies import NO_CACHE

    settings = {"cache_policy": NO_CACHE, "retries": TASK_RETRIES,
                "retry_delay_seconds": list(TASK_RETRY_DELAYS_S),
                "retry_condition_fn": retry_transient, **options}
    if fn is None:
        return lambda f: task(f, **settings)
    return task(fn, **settings)
