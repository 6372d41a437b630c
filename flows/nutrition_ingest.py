"""The nutrition ingest flow: find export files, skip what is known, read, check and load
each one in its own transaction (a newer export replaces the days it covers).

`ingest_nutrition_flow` holds the warehouse's run lock and wires two tasks:
`plan_nutrition_inputs` (walk, compare with the manifest, open archives, hash) and
`load_nutrition_files` (read, detect the format, normalise, load or reject each file).
CSV exports read in milliseconds, so no worker processes are needed.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from prefect import flow, get_run_logger

from flows.plan import Found, IngestPlan, Policy, Retry, WorkItem, list_inputs, plan_inputs
from flows.runtime import RunSummary, io_task, pipeline_run, utc_now
from flows.settings import NutritionInputs, NutritionSourceSpec
from flows.sources import (
    ArchiveLimits,
    ChangedWhileRead,
    csv_kind,
    read_again_reason,
    read_unchanged,
    scratch_folder,
)
from flows.terminal import safe_text
from schemas.nutrition import (
    FORMAT_BY_NAME,
    FORMATS,
    ExportFormat,
    detect_format,
    generic_format,
)
from transforms.csv_read import to_frame
from transforms.nutrition import (
    AthleteFacts,
    covered_dates,
    export_time_from_name,
    file_name_range,
    normalize,
    read_export,
    summarize_problems,
)
from warehouse.connection import WarehouseInUse, connect, transaction
from warehouse.ddl import create_all
from warehouse.manifest import (
    IGNORED,
    LOADED,
    QUARANTINED,
    SourceFile,
    read_manifest,
    record_athletes,
    upsert_source_files,
    upsert_source_paths,
)
from warehouse.nutrition_load import load_export, record_rejected


@dataclass(frozen=True)
class ExportFile(WorkItem):
    """An export content to read, with its source's settings and the time it was made."""

    _: KW_ONLY
    exported_at: datetime
    spec: NutritionSourceSpec
    explicit: bool = True  # named on the command line or in the config, not found in a folder


@dataclass
class NutritionSummary(RunSummary):
    """What a nutrition ingest did for one athlete."""

    rows: int = 0
    days_replaced: int = 0
    days_kept_newer: int = 0
    deleted_rows_dropped: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # CSVs in folders that are no export

    @property
    def records(self) -> int:
        """Rows added (what marts.pipeline_runs counts as records for this kind of run)."""
        return self.rows


#: Nutrition inputs: CSV exports and zips of them; a new export replaces the days it
#: covers, not the rows of the path's earlier content.
NUTRITION = Policy(kind_of=csv_kind, default_kind="csv", supersede=False, note_unread=False)


@io_task
def plan_nutrition_inputs(warehouse: str, inputs: NutritionInputs, scratch: str,
                          limits: ArchiveLimits, retry_quarantined: bool = False,
                          reread: bool = False) -> IngestPlan:
    """Walk each source, skip unchanged paths and known contents, open archives, hash; the
    work is ExportFiles, oldest first (the newest export wins each day). `reread` (a
    backfill): read every export again, known or not, quarantined or not."""
    found: list[Found] = []
    problems: list[tuple[str, str]] = []
    for source, spec in enumerate(inputs.sources):
        in_source, walk_problems = list_inputs([Path(spec.path)], NUTRITION, inputs.origin,
                                               source)
        found += in_source
        problems += walk_problems
    with connect(Path(warehouse)) as con:
        create_all(con)
        manifest = read_manifest(con, inputs.athlete_id)
    retry = Retry(quarantined=retry_quarantined or reread, every_path=reread,
                  contents=frozenset(manifest.contents) if reread else frozenset())
    plan = plan_inputs(found, manifest, NUTRITION, retry, Path(scratch), limits)
    plan.problems[:0] = problems
    named = [Path(spec.path).expanduser().is_file() for spec in inputs.sources]
    plan.work = sorted((_export(item, inputs.sources[item.source], named[item.source])
                        for item in plan.work), key=lambda e: (e.exported_at, e.path))
    return plan


def _export(item: WorkItem, spec: NutritionSourceSpec, named: bool) -> ExportFile:
    """The work item with its source's settings and the time the export was made (from its
    name, else the modification time of its file or archive)."""
    mtime_ns = item.path_row.mtime_ns if item.path_row is not None else 0
    made = export_time_from_name(item.path) or datetime.fromtimestamp(mtime_ns / 1e9, UTC)
    return ExportFile(**vars(item), exported_at=made, spec=spec,
                      explicit=named and item.container_sha256 is None)


def choose_format(header: tuple[str, ...], spec: NutritionSourceSpec) -> ExportFormat:
    """The format to read a file with: forced by name, detected within a family, or
    detected among all; raises UnknownExport naming the header when nothing fits."""
    if spec.format == "generic":
        fmt = generic_format(dict(spec.columns), energy_unit=spec.energy_unit,
                             date_format=spec.date_format,
                             name=f"generic:{Path(spec.path).name}")
        missing = [c for c in dict(spec.columns).values() if c not in header]
        if missing:
            raise ValueError(f"line 1: the header lacks {', '.join(map(repr, missing))}, "
                             "which the config's columns table names")
        return fmt
    if spec.format in FORMAT_BY_NAME:
        fmt = FORMAT_BY_NAME[spec.format]
        missing = [c for c in fmt.signature if c not in header]
        if missing:
            raise ValueError(f"line 1: the header lacks {', '.join(map(repr, missing))}, "
                             f"which format {fmt.name} has")
        return fmt
    allowed = tuple(f for f in FORMATS if spec.format in (None, f.family))
    fmt = detect_format(header, allowed)
    if fmt is None:
        shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
        within = f" of {spec.format}" if spec.format else ""
        raise UnknownExport(f"line 1: header ({shown}) matches no known export format{within}; "
                            "name one with --format or format = (generic CSVs need a column "
                            "mapping in the config)")
    return fmt


class UnknownExport(ValueError):
    """No export format matches the file's header."""


@io_task
def load_nutrition_files(warehouse: str, inputs: NutritionInputs, work: list[ExportFile],
                         limits: ArchiveLimits | None = None) -> NutritionSummary:
    """Read, check and load each export in its own transaction; reject bad ones whole."""
    summary = NutritionSummary(inputs.athlete_id)
    with connect(Path(warehouse)) as con:
        for item in work:
            _load_one(con, inputs, item, summary, limits or ArchiveLimits())
    return summary


def read_work_item(item: WorkItem, limits: ArchiveLimits) -> bytes:
    """A CSV work item's bytes, read once: those the plan hashed, at the size and time the
    walk saw (a file in an archive was extracted by this run and is checked by its hash)."""
    seen = None
    if item.container_sha256 is None and item.path_row is not None:
        seen = (item.path_row.size_bytes, item.path_row.mtime_ns)
    return read_unchanged(item.read_path, "csv", limits, item.sha256, seen)


def _load_one(con, inputs: NutritionInputs, item: ExportFile, summary: NutritionSummary,
              limits: ArchiveLimits) -> None:
    """Load one export, parsed from the bytes that were hashed; any failure rejects that
    file alone (the others still load); a file that changed since it was hashed is
    reported and left for the next run."""
    facts = AthleteFacts(item.spec.weight_unit or inputs.weight_unit, inputs.height_cm,
                         inputs.weight_kg)
    try:
        data = read_work_item(item, limits)
    except (ChangedWhileRead, OSError) as exc:  # nothing recorded: read again next run
        summary.problems.append((item.path, read_again_reason(exc)))
        return
    except ValueError as exc:  # grown past the size limit, or no longer a regular file
        summary.problems.append((item.path, f"cannot read: {exc}"))
        return
    try:
        fmt, table = read_export(data, lambda header: choose_format(header, item.spec))
        normalized = normalize(to_frame(table), fmt, decimal_comma=table.decimal_comma,
                               athlete=facts)
        if not normalized.ok:
            raise ValueError(summarize_problems(normalized.problems))
        covered = covered_dates(normalized.rows, file_name_range(item.path))
        loaded = load_export(
            con, kind=normalized.kind, rows=normalized.rows, covered=covered,
            file=_file_row(inputs, item, fmt.name, LOADED, None, normalized.rows.height),
            path=item.path_row, exported_at=item.exported_at, now=utc_now(),
        )
    except UnknownExport as exc:
        if item.explicit:
            _reject(con, inputs, item, summary, str(exc))
        else:  # a CSV beside the exports in a folder or archive: noted, not an error
            summary.ignored.append(item.path)
            record_rejected(con, _file_row(inputs, item, "csv", IGNORED, str(exc)),
                            item.path_row, utc_now())
        return
    except (duckdb.IOException, WarehouseInUse):
        raise  # the warehouse, not the file: the task is tried again
    except Exception as exc:  # one file's problem, whatever it is, rejects that file alone
        reason = str(exc) if isinstance(exc, ValueError | OSError) else (
            f"{type(exc).__name__}: {exc}")
        _reject(con, inputs, item, summary, reason)
        return
    summary.loaded += 1
    summary.rows += loaded.rows
    summary.days_replaced += loaded.days_replaced
    summary.days_kept_newer += loaded.days_kept_newer
    summary.deleted_rows_dropped += normalized.dropped_deleted
    summary.formats[fmt.name] = summary.formats.get(fmt.name, 0) + 1


def _reject(con, inputs: NutritionInputs, item: ExportFile, summary: NutritionSummary,
            reason: str) -> None:
    summary.quarantined.append((item.path, reason))
    record_rejected(con, _file_row(inputs, item, "csv", QUARANTINED, reason), item.path_row,
                    utc_now())


def _file_row(inputs: NutritionInputs, item: ExportFile, kind: str, status: str,
              error: str | None, count: int | None = None) -> SourceFile:
    return SourceFile(inputs.athlete_id, item.sha256, item.path, item.size_bytes, kind, status,
                      error, item.container_sha256, count)


@io_task
def record_nutrition_paths(warehouse: str, plan: IngestPlan, inputs: NutritionInputs) -> None:
    """Remember archives opened, paths of known contents, and the athlete's time zone."""
    with connect(Path(warehouse)) as con, transaction(con):
        upsert_source_files(con, plan.archive_rows, utc_now())
        upsert_source_paths(con, plan.path_rows, utc_now())
        if inputs.timezone:
            record_athletes(con, [(inputs.athlete_id, inputs.timezone)], utc_now())


@flow(name="ingest-nutrition")
def ingest_nutrition_flow(
    warehouse: str,
    athletes: list[NutritionInputs],
    limits: ArchiveLimits | None = None,
    retry_quarantined: bool = False,
    reread: bool = False,
) -> list[NutritionSummary]:
    """Ingest each athlete's nutrition and body-weight exports into the raw tables;
    `reread` reads every export again (a backfill; the newest export still wins each day)."""
    return ingest_each(warehouse, "ingest-nutrition", athletes, limits or ArchiveLimits(),
                       lambda inputs, scratch, limits: plan_nutrition_inputs(
                           warehouse, inputs, scratch, limits, retry_quarantined, reread),
                       lambda inputs, work, limits: load_nutrition_files(
                           warehouse, inputs, work, limits), "exports")


def ingest_each(warehouse: str, command: str, athletes: list, limits: ArchiveLimits,
                plan: Callable[[Any, str, ArchiveLimits], IngestPlan],
                load: Callable[[Any, list, ArchiveLimits], RunSummary], noun: str) -> list:
    """One run of a CSV ingest (nutrition exports, strength logs): per athlete, `plan` in a
    scratch folder, `load` the work, record the paths, and fold the plan's counts into the
    summary `load` returns (which has a `rows` count)."""
    logger = get_run_logger()
    summaries = []
    with pipeline_run(Path(warehouse), command) as run:
        for inputs in athletes:
            t0 = time.perf_counter()
            scratch = scratch_folder(Path(warehouse))
            try:
                planned = plan(inputs, str(scratch), limits)
                summary = load(inputs, planned.work, limits)
                record_nutrition_paths(warehouse, planned, inputs)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            summary.skipped += planned.skipped
            summary.known_quarantined += planned.known_quarantined
            summary.quarantined[:0] = planned.quarantined
            summary.problems[:0] = planned.problems
            summary.seconds = time.perf_counter() - t0
            logger.info("athlete %s: %d %s loaded, %d skipped, %d quarantined, %d rows",
                        safe_text(inputs.athlete_id, markup=False), summary.loaded, noun,
                        summary.skipped, len(summary.quarantined), summary.rows)
            summaries.append(summary)
        run.add(summaries)
    return summaries
