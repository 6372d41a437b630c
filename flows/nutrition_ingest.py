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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger

from flows.runtime import RunSummary, io_task, pipeline_run, utc_now
from flows.settings import NutritionInputs, NutritionSourceSpec
from flows.sources import (
    CHANGED_WHILE_READ,
    ArchiveLimits,
    ChangedWhileRead,
    content_sha256,
    csv_kind,
    find_files,
    open_archive,
    read_unchanged,
    scratch_folder,
    unchanged_since,
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
    SourcePath,
    known_contents,
    known_paths,
    quarantined_or_holding_quarantined,
    record_athletes,
    upsert_source_files,
    upsert_source_paths,
)
from warehouse.nutrition_load import load_export, record_rejected


@dataclass(frozen=True)
class ExportFile:
    """An export content to read, with where it came from."""

    path: str
    read_path: str
    size_bytes: int
    sha256: str
    exported_at: datetime
    spec: NutritionSourceSpec
    path_row: SourcePath | None = None
    container_sha256: str | None = None
    explicit: bool = True  # named on the command line or in the config, not found in a folder


@dataclass
class NutritionPlan:
    athlete_id: str
    work: list[ExportFile] = field(default_factory=list)
    skipped: int = 0
    path_rows: list[SourcePath] = field(default_factory=list)
    archive_rows: list[SourceFile] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    known_quarantined: int = 0


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


def _mtime(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, UTC)


@io_task
def plan_nutrition_inputs(warehouse: str, inputs: NutritionInputs, scratch: str,
                          limits: ArchiveLimits, retry_quarantined: bool = False,
                          reread: bool = False) -> NutritionPlan:
    """Walk each source, skip unchanged paths and known contents, open archives, hash.
    `reread` (a backfill): read every export again, known or not, quarantined or not."""
    retry_quarantined = retry_quarantined or reread
    plan = NutritionPlan(inputs.athlete_id)
    athlete = inputs.athlete_id
    with connect(Path(warehouse)) as con:
        create_all(con)
        seen = known_paths(con, athlete)
        bad = quarantined_or_holding_quarantined(con, athlete)
        candidates: list[ExportFile] = []
        for spec in inputs.sources:
            found, problems = find_files([Path(spec.path)], csv_kind, "csv")
            plan.problems.extend(problems)
            explicit = Path(spec.path).expanduser().is_file()
            for f in found:
                before = seen.get(f.path)
                if (before and (before.size_bytes, before.mtime_ns) == (f.size_bytes, f.mtime_ns)
                        and not reread and not (retry_quarantined and before.sha256 in bad)):
                    plan.skipped += 1
                    plan.known_quarantined += before.sha256 in bad and f.kind != "zip"
                    continue
                try:
                    sha = content_sha256(f.path, f.kind, limits)
                except Exception as exc:
                    plan.problems.append((f.path, f"cannot read: {type(exc).__name__}: {exc}"))
                    continue
                row = SourcePath(athlete, f.path, f.size_bytes, f.mtime_ns, sha, f.kind,
                                 inputs.origin)
                if f.kind != "zip":
                    made = export_time_from_name(f.path) or _mtime(f.mtime_ns)
                    candidates.append(ExportFile(f.path, f.path, f.size_bytes, sha, made, spec,
                                                 row, None, explicit))
                    continue
                retry = reread or (retry_quarantined and sha in bad)
                candidates += _open_zip(plan, con, f.path, f.size_bytes, f.mtime_ns, sha, row,
                                        spec, Path(scratch), limits, retry)
        status = known_contents(con, athlete, sorted({c.sha256 for c in candidates}))
        queued: set[str] = set()
        for c in candidates:
            known = status.get(c.sha256)
            retry = reread or (retry_quarantined and known == QUARANTINED)
            if c.sha256 in queued or (known is not None and not retry):
                plan.skipped += 1
                plan.known_quarantined += known == QUARANTINED
                if c.path_row is not None:
                    plan.path_rows.append(c.path_row)
                continue
            queued.add(c.sha256)
            plan.work.append(c)
    plan.work.sort(key=lambda c: (c.exported_at, c.path))  # older first: the newest wins
    return plan


def _open_zip(plan: NutritionPlan, con, path: str, size: int, mtime_ns: int, sha: str,
              row: SourcePath, spec: NutritionSourceSpec, scratch: Path, limits: ArchiveLimits,
              retry: bool) -> list[ExportFile]:
    """The CSV members of a new archive; a refused archive is quarantined."""
    athlete = plan.athlete_id
    if known_contents(con, athlete, [sha]) and not retry:
        plan.skipped += 1
        plan.path_rows.append(row)
        return []
    try:
        members = open_archive(path, scratch / sha[:16], limits, csv_kind)
    except Exception as exc:
        plan.rejected.append((path, str(exc)))
        plan.archive_rows.append(SourceFile(athlete, sha, path, size, "zip", QUARANTINED,
                                            str(exc)))
        plan.path_rows.append(row)
        return []
    if not unchanged_since(path, (size, mtime_ns)):  # written to while it was hashed or opened
        plan.problems.append((path, CHANGED_WHILE_READ))
        return []
    files, complete = [], True
    for m in members:
        try:
            if m.read_path is None:
                raise OSError(m.error or "cannot read entry")
            member_sha = content_sha256(m.read_path, m.kind, limits)
        except Exception as exc:
            plan.problems.append((m.path, f"cannot read: {exc}"))
            complete = False
            continue
        member_row = SourcePath(athlete, m.path, m.size_bytes, mtime_ns, member_sha, m.kind,
                                row.origin)
        made = export_time_from_name(m.path) or _mtime(mtime_ns)
        files.append(ExportFile(m.path, str(m.read_path), m.size_bytes, member_sha, made, spec,
                                member_row, sha, False))
    if complete:  # else the archive is opened again next run
        plan.archive_rows.append(SourceFile(athlete, sha, path, size, "zip", LOADED))
        plan.path_rows.append(row)
    return files


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


def _read(item: ExportFile, limits: ArchiveLimits) -> bytes:
    """The export's bytes, read once: those the plan hashed, at the size and time the walk
    saw (a file in an archive was extracted by this run and is checked by its hash)."""
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
        data = _read(item, limits)
    except ChangedWhileRead as exc:  # nothing recorded: the next run reads it again
        summary.problems.append((item.path, str(exc)))
        return
    except OSError as exc:  # not the file's fault: read it again on the next run
        summary.problems.append((item.path, f"cannot read now: {type(exc).__name__}: {exc}; "
                                            "read again next run"))
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
def record_nutrition_paths(warehouse: str, plan: NutritionPlan, inputs: NutritionInputs) -> None:
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
    logger = get_run_logger()
    limits = limits or ArchiveLimits()
    summaries = []
    with pipeline_run(Path(warehouse), "ingest-nutrition") as run:
        for inputs in athletes:
            t0 = time.perf_counter()
            scratch = scratch_folder(Path(warehouse))
            try:
                plan = plan_nutrition_inputs(warehouse, inputs, str(scratch), limits,
                                             retry_quarantined, reread)
                summary = load_nutrition_files(warehouse, inputs, plan.work, limits)
                record_nutrition_paths(warehouse, plan, inputs)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            summary.skipped += plan.skipped
            summary.known_quarantined += plan.known_quarantined
            summary.quarantined[:0] = plan.rejected
            summary.problems[:0] = plan.problems
            summary.seconds = time.perf_counter() - t0
            logger.info("athlete %s: %d exports loaded, %d skipped, %d rejected, %d rows",
                        safe_text(inputs.athlete_id, markup=False), summary.loaded,
                        summary.skipped, len(summary.quarantined), summary.rows)
            summaries.append(summary)
        run.add(summaries)
    return summaries
