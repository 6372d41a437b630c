"""The strength log ingest: find each athlete's strength log CSVs (`strength_log` of an
athlete with `strength_source = "log"`), skip what is known, read and load each file.

The same planner as FIT files and nutrition exports (`flows.plan`): a path with last
run's size and time is skipped, a content is read once (by its sha256), a path's new
content replaces the rows of the one it held before (`Policy.supersede`, as for FIT
files). A row that does not read is left out and named (file, line, value, expected);
the other rows of the file load, and the file counts as loaded in part.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import duckdb
from prefect import flow

from flows.nutrition_ingest import ingest_each, read_work_item
from flows.plan import IngestPlan, Policy, Retry, WorkItem, list_inputs, plan_inputs
from flows.runtime import RunSummary, io_task, utc_now
from flows.settings import AthleteInputs
from flows.sources import ArchiveLimits, ChangedWhileRead, csv_kind, read_again_reason
from transforms.strength_log import read_strength_log
from warehouse.connection import WarehouseInUse, connect
from warehouse.ddl import create_all
from warehouse.manifest import LOADED, PARTIAL, QUARANTINED, SourceFile, read_manifest
from warehouse.nutrition_load import record_rejected
from warehouse.strength_load import load_strength_log

#: Strength logs: CSV files and zips of them; a path's new content replaces its old rows.
STRENGTH_LOG = Policy(kind_of=csv_kind, default_kind="csv", supersede=True, note_unread=False)
#: Rejected rows named in a file's message (the count says how many there were).
MAX_ROW_PROBLEMS = 5
#: raw.source_files.kind of a strength log.
KIND = "strength_log"


@dataclass
class StrengthSummary(RunSummary):
    """What a strength log ingest did for one athlete."""

    rows: int = 0
    rows_rejected: int = 0
    #: what the console adds after a file loaded in part
    partial_note: ClassVar[str] = "; the file's other rows are loaded"

    @property
    def records(self) -> int:
        """Rows added (what marts.pipeline_runs counts as records)."""
        return self.rows


@io_task
def plan_strength_inputs(warehouse: str, inputs: AthleteInputs, scratch: str,
                         limits: ArchiveLimits, retry_quarantined: bool = False,
                         reread: bool = False) -> IngestPlan:
    """Walk the athlete's strength log paths, skip unchanged paths and known contents,
    hash: the work is one item per content to read."""
    found, problems = list_inputs([Path(p) for p in inputs.paths], STRENGTH_LOG,
                                  inputs.origin)
    with connect(Path(warehouse)) as con:
        create_all(con)
        manifest = read_manifest(con, inputs.athlete_id)
    retry = Retry(quarantined=retry_quarantined or reread, every_path=reread,
                  contents=frozenset(manifest.contents) if reread else frozenset())
    plan = plan_inputs(found, manifest, STRENGTH_LOG, retry, Path(scratch), limits)
    plan.problems[:0] = problems
    return plan


def _problems_text(problems: tuple[str, ...], rejected: int) -> str:
    shown = "; ".join(problems[:MAX_ROW_PROBLEMS])
    more = len(problems) - MAX_ROW_PROBLEMS
    rows = "row" if rejected == 1 else "rows"
    return (f"{rejected} {rows} left out: {shown}" + (f"; and {more} more" if more > 0 else ""))


@io_task
def load_strength_files(warehouse: str, inputs: AthleteInputs, work: list[WorkItem],
                        limits: ArchiveLimits | None = None) -> StrengthSummary:
    """Read each strength log once and load its good rows in its own transaction."""
    summary = StrengthSummary(inputs.athlete_id)
    with connect(Path(warehouse)) as con:
        for item in work:
            _load_one(con, inputs, item, summary, limits or ArchiveLimits())
    return summary


def _file_row(inputs: AthleteInputs, item: WorkItem, status: str, error: str | None,
              count: int | None = None) -> SourceFile:
    return SourceFile(inputs.athlete_id, item.sha256, item.path, item.size_bytes, KIND,
                      status, error, item.container_sha256, count)


def _load_one(con, inputs: AthleteInputs, item: WorkItem, summary: StrengthSummary,
              limits: ArchiveLimits) -> None:
    """Load one strength log: its good rows load, its bad rows are named; a file that
    does not read at all is quarantined; one changed since it was hashed waits."""
    try:
        data = read_work_item(item, limits)
    except (ChangedWhileRead, OSError) as exc:  # nothing recorded: read again next run
        summary.problems.append((item.path, read_again_reason(exc)))
        return
    except ValueError as exc:
        summary.problems.append((item.path, f"cannot read: {exc}"))
        return
    try:
        read = read_strength_log(data)
        error = _problems_text(read.problems, read.rejected_rows) if read.problems else None
        status = PARTIAL if error else LOADED
        rows = load_strength_log(con, rows=read.rows,
                                 file=_file_row(inputs, item, status, error, read.rows.height),
                                 path=item.path_row, replace=item.replace, now=utc_now())
    except (duckdb.IOException, WarehouseInUse):
        raise  # the warehouse, not the file: the task is tried again
    except Exception as exc:  # the file as a whole does not read: it alone is quarantined
        reason = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        summary.quarantined.append((item.path, reason))
        record_rejected(con, _file_row(inputs, item, QUARANTINED, reason), item.path_row,
                        utc_now())
        return
    summary.loaded += 1
    summary.rows += rows
    summary.rows_rejected += read.rejected_rows
    if error:
        summary.partial.append((item.path, error))


@flow(name="ingest-strength-log")
def ingest_strength_flow(warehouse: str, athletes: list[AthleteInputs],
                         limits: ArchiveLimits | None = None, retry_quarantined: bool = False,
                         reread: bool = False) -> list[StrengthSummary]:
    """Ingest each athlete's strength log CSVs into raw.strength_log; `reread` reads every
    log again (a backfill)."""
    return ingest_each(warehouse, "ingest-strength-log", athletes, limits or ArchiveLimits(),
                       lambda inputs, scratch, limits: plan_strength_inputs(
                           warehouse, inputs, scratch, limits, retry_quarantined, reread),
                       lambda inputs, work, limits: load_strength_files(
                           warehouse, inputs, work, limits), "strength logs")
