"""What the commands print, and how they report a failure: rich consoles for stdout and
stderr, the tables of ingest, build, scores, status and SQL results, the problem lines, and
`describe_failure`, the one mapping of an exception to what a person reads and the exit
code (used by the CLI, the demo and serve).

Text from data goes through `flows.terminal.safe_text`. Heavy packages (Prefect, polars,
DuckDB) are imported inside the functions, so importing this module costs little.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from flows.terminal import safe_text
from schemas.nutrition import KG_PER_LB

#: Width of rich output written to a file or a pipe (not a terminal) when COLUMNS is not
#: set: wide enough that tables and messages are not wrapped at 80 columns, so a log file
#: keeps each line whole.
UNWRAPPED_WIDTH = 1000


def _console(stderr: bool = False) -> Console:
    """A rich console: a terminal's own width; COLUMNS when set; else UNWRAPPED_WIDTH."""
    stream = sys.stderr if stderr else sys.stdout
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        terminal = False
    wide = not terminal and not os.environ.get("COLUMNS", "").strip().isdigit()
    return Console(stderr=stderr, width=UNWRAPPED_WIDTH if wide else None)


out = _console()
err = _console(stderr=True)


def fail(message: str, code: int = 2, *, one_line: bool = False) -> typer.Exit:
    """Print `error: message` (`one_line`: never wrapped) and return the exit to raise."""
    err.print(f"[red]error:[/red] {safe_text(message, lines=True)}", highlight=False,
              soft_wrap=one_line)
    return typer.Exit(code)


def print_problems(label: str, lines: list[str], *, soft_wrap: bool = True) -> None:
    """One `label: line` on stderr per problem (a config key, a missing path)."""
    for line in lines:
        err.print(f"[red]{label}:[/red] {safe_text(line)}", highlight=False, soft_wrap=soft_wrap)


class _EngineDiskFull(logging.Filter):
    """Drops the Prefect engine's console records of a task or flow that failed for a full
    disk (each with its traceback): the command prints that error in one line. Prefect's API
    still records them."""

    ENGINE_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")

    def filter(self, record: logging.LogRecord) -> bool:
        from warehouse.diskfull import disk_full_text, is_disk_full

        if not record.name.startswith(self.ENGINE_LOGGERS):
            return True
        exc = record.exc_info[1] if record.exc_info else None
        return not (is_disk_full(exc) or disk_full_text(record.getMessage()))


def report_disk_full_once() -> None:
    """Install _EngineDiskFull on Prefect's console handler (call after importing a flow:
    Prefect sets up its logging on import)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(
                isinstance(f, _EngineDiskFull) for f in handler.filters):
            handler.addFilter(_EngineDiskFull())


def quiet_prefect(verbose: bool) -> None:
    """Keep Prefect's console to warnings (its API still records every log) and its server
    from trying to send telemetry (the product makes no network calls)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # Without PREFECT_API_URL, Prefect starts a temporary local server; on a busy small
    # machine that can take longer than Prefect's default 20 s wait.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    # Log messages quote paths and ids (control characters escaped by safe_text): brackets
    # in them are text, never rich markup.
    os.environ["PREFECT_LOGGING_MARKUP"] = "false"


def print_removed(removed) -> None:
    """One line per file removed with its rows (gone from the configured folders, or
    forgotten)."""
    for r in removed:
        out.print(f"removed {safe_text(r.describe())}", highlight=False, soft_wrap=True)


def print_ingest(fit, nutrition, removed=(), strength=()) -> None:
    print_removed(removed)
    if fit:
        print_fit_summary(fit)
    if nutrition:
        print_nutrition_summary(nutrition)
    if strength:
        print_strength_summary(strength)
    _print_problems([*fit, *nutrition, *strength])
    _print_door(fit)
    _print_fallbacks(fit)
    _print_unread(fit)


def print_fit_summary(summaries) -> None:
    table = Table(title="FIT ingest")
    for column in ("athlete", "loaded", "of them partial", "skipped", "replaced",
                   "quarantined", "unreadable", "records", "values nulled", "seconds"):
        table.add_column(column, justify="left" if column == "athlete" else "right")
    for s in summaries:
        nulled = sum(sum(counts.values()) for _, counts in s.nulled)
        table.add_row(safe_text(s.athlete_id), str(s.loaded), str(len(s.partial)),
                      str(s.skipped),
                      str(s.replaced), str(len(s.quarantined)), str(len(s.problems)),
                      f"{s.records:,}", f"{nulled:,}", f"{s.seconds:.1f}")
    out.print(table)


def print_nutrition_summary(summaries) -> None:
    table = Table(title="Nutrition ingest")
    for column in ("athlete", "loaded", "skipped", "quarantined", "rows", "days replaced",
                   "days kept (newer)", "formats"):
        table.add_column(column, justify="left" if column in ("athlete", "formats") else "right")
    for s in summaries:
        formats = ", ".join(f"{k} ({v})" for k, v in sorted(s.formats.items()))
        table.add_row(safe_text(s.athlete_id), str(s.loaded), str(s.skipped),
                      str(len(s.quarantined)), f"{s.rows:,}", str(s.days_replaced),
                      str(s.days_kept_newer), formats)
    out.print(table)


def print_strength_summary(summaries) -> None:
    table = Table(title="Strength log ingest")
    for column in ("athlete", "loaded", "skipped", "quarantined", "rows", "rows left out"):
        table.add_column(column, justify="left" if column == "athlete" else "right")
    for s in summaries:
        table.add_row(safe_text(s.athlete_id), str(s.loaded), str(s.skipped),
                      str(len(s.quarantined)), f"{s.rows:,}", f"{s.rows_rejected:,}")
    out.print(table)


def _print_problems(summaries) -> None:
    earlier = sum(s.known_quarantined for s in summaries)
    if earlier:
        err.print(f"{earlier} file(s) quarantined in earlier runs were skipped; "
                  "`musclebalance status` lists them, --retry-quarantined reads them again",
                  highlight=False)
    for s in summaries:
        for path in getattr(s, "ignored", ()):
            err.print(f"[dim]ignored[/dim] {safe_text(path)}: not a known export (left alone)",
                      highlight=False, soft_wrap=True)
        for label, files, tail in (
                ("[yellow]partial[/yellow]", s.partial,
                 getattr(s, "partial_note", "; the messages before the fault are loaded")),
                ("[yellow]quarantined[/yellow]", s.quarantined, ""),
                ("[red]unreadable[/red]", s.problems, "")):
            for path, reason in files:
                err.print(f"{label} {safe_text(path)}: {safe_text(reason, lines=True)}{tail}",
                          highlight=False, soft_wrap=True)


#: Files named per type of file that is not FIT, in the run summary and in status.
UNREAD_SHOWN = 3
#: Files named per athlete with values nulled or a distance going back, in the run summary.
DOOR_SHOWN = 10


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{reason}: {n:,}" for reason, n in counts.items())


def _print_door(summaries) -> None:
    """Per athlete, the files loaded with values stored as null (outside their physical
    range, or record times without a date) and those whose distance goes back: counts
    only, the first DOOR_SHOWN files by name."""
    for s in summaries:
        nulled, resets = s.nulled, s.distance_resets
        for path, counts in nulled[:DOOR_SHOWN]:
            err.print(f"[yellow]nulled[/yellow] {safe_text(path)}: "
                      f"{safe_text(_counts_text(counts))} "
                      "(stored as null, schemas/plausibility.py gives the ranges; the file "
                      "is loaded)", highlight=False, soft_wrap=True)
        for path, n in resets[:DOOR_SHOWN]:
            err.print(f"[yellow]distance back[/yellow] {safe_text(path)}: its cumulative distance "
                      f"goes back {n:,} time(s); kept as recorded, the daily distance counts "
                      "only its increases", highlight=False, soft_wrap=True)
        skipped = getattr(s, "not_measurements", ())
        for path, n, first in skipped[:DOOR_SHOWN]:
            err.print(f"[yellow]not measurements[/yellow] {safe_text(path)}: {n:,} record(s) "
                      f"skipped, not stored as zeros ({safe_text('; '.join(first))}"
                      f"{'; ...' if n > len(first) else ''}); the file's other records are "
                      "loaded", highlight=False, soft_wrap=True)
        more = (max(len(nulled) - DOOR_SHOWN, 0) + max(len(resets) - DOOR_SHOWN, 0)
                + max(len(skipped) - DOOR_SHOWN, 0))
        if more:
            err.print(f"  and {more} more file(s) of {safe_text(s.athlete_id)}: musclebalance "
                      "status sums them; raw.source_files has values_nulled and "
                      "distance_resets per file", highlight=False, soft_wrap=True)


#: Where the README tells what to do about a file the two FIT decoders read differently.
SEND_US = "README, section \"FIT decoder\""


def _print_fallbacks(summaries) -> None:
    """Per athlete, how many files the fast decoder gave up on (fitparse read them and
    they are loaded), the first DOOR_SHOWN by name with the type of what it raised."""
    for s in summaries:
        fallbacks = getattr(s, "fallbacks", ())
        if not fallbacks:
            continue
        err.print(f"[yellow]fitparse[/yellow]: {len(fallbacks)} file(s) of "
                  f"{safe_text(s.athlete_id)} read by fitparse after the fast decoder gave up "
                  f"(they are loaded; send them to us: see {SEND_US})",
                  highlight=False, soft_wrap=True)
        for path, kind in fallbacks[:DOOR_SHOWN]:
            err.print(f"  {safe_text(path)} ({safe_text(kind)})", highlight=False,
                      soft_wrap=True)
        if len(fallbacks) > DOOR_SHOWN:
            err.print(f"  and {len(fallbacks) - DOOR_SHOWN} more file(s)", highlight=False,
                      soft_wrap=True)


def print_verification(verdicts) -> None:
    """What `ingest --verify-decoder` found (flows.verify_decoder.Verdict): each file the
    decoders read differently with where (never the values), the files not compared, and
    a count line."""
    differ = [v for v in verdicts if v.differences]
    for v in differ:
        sha = f" (sha256 {v.sha256[:16]})" if v.sha256 else ""
        out.print(f"[red]differs[/red] {safe_text(v.path)}{sha}:", highlight=False,
                  soft_wrap=True)
        for line in v.differences:
            out.print(f"  {safe_text(line, lines=True)}", highlight=False, soft_wrap=True)
    for v in verdicts:
        if v.note is not None:
            err.print(f"[yellow]not compared[/yellow] {safe_text(v.path)}: "
                      f"{safe_text(v.note, lines=True)}", highlight=False, soft_wrap=True)
    compared = sum(1 for v in verdicts if v.note is None)
    out.print(f"{compared} FIT file(s) compared: {compared - len(differ)} the "
              f"same, {len(differ)} different", highlight=False)
    if differ:
        out.print(f"send the files that differ to us, with these lines: see {SEND_US}",
                  highlight=False, soft_wrap=True)


def _print_unread(summaries) -> None:
    """Per athlete, the files under the FIT paths that are not FIT: how many of each type,
    the first few by name, and what to do (they never fail the run)."""
    from collections import defaultdict

    for s in summaries:
        unread = getattr(s, "unread", ())
        if not unread:
            continue
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for path, file_type, text in unread:
            groups[(file_type, text)].append(path)
        rows = [(t, text, len(paths), paths[:UNREAD_SHOWN])
                for (t, text), paths in sorted(groups.items(),
                                               key=lambda g: (-len(g[1]), g[0]))]
        err.print(f"[yellow]not read[/yellow]: {len(unread)} file(s) under the FIT paths of "
                  f"{safe_text(s.athlete_id)} are not FIT files (the run goes on without them; "
                  "musclebalance status lists them again):", highlight=False, soft_wrap=True)
        _print_unread_groups(rows, err)


def _print_unread_groups(rows, console: Console) -> None:
    """One line per (type, advice, count, first paths): `2 GPX: a.gpx, b.gpx. <advice>`."""
    for file_type, advice, count, first in rows:
        names = ", ".join(first) + (f" and {count - len(first)} more" if count > len(first)
                                    else "")
        console.print(f"  {count} {safe_text(file_type)}: {safe_text(names)}. {safe_text(advice)}",
                      highlight=False, soft_wrap=True)


def print_build(summary, path: Path, athlete_ids: list[str], units: str = "metric") -> None:
    """The rows built, where readers find them, and the recent scores (`units`: the
    config's `[display] units`)."""
    table = Table(title="Build")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(f"marts.{name}", f"{rows:,}")
    out.print(table)
    if summary.published:
        folder = Path(summary.published).parent
        out.print(f"published for readers: {safe_text(summary.published)} (Parquet and CSV in "
                  f"{safe_text(str(folder / 'parquet'))}, {safe_text(str(folder / 'csv'))})",
                  highlight=False, soft_wrap=True)
    print_reports(summary)
    print_scores(path, athlete_ids, units)


def print_reports(summary) -> None:
    """The report files the build wrote, or why they could not be written."""
    for report in getattr(summary, "reports", []):
        out.print(f"report: {safe_text(report)}", highlight=False, soft_wrap=True)
    if getattr(summary, "report_error", None):
        out.print(f"[yellow]report not written:[/] {safe_text(summary.report_error)} (the "
                  "marts are published; `musclebalance report` writes it again)",
                  highlight=False, soft_wrap=True)


def _number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


BAND_STYLE = {"low": "green", "moderate": "yellow", "high": "red"}


def _band(band: str | None) -> str:
    if band is None:
        return "-"
    return f"[{BAND_STYLE.get(band, 'white')}]{safe_text(band)}[/]"


def _score_table(title: str, columns: tuple[str, ...]) -> Table:
    """A compact table whose last column (the reason) takes the remaining width."""
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns[:-1]:
        table.add_column(column, no_wrap=True,
                         justify="left" if column in ("day", "week", "risk", "trend") else "right")
    table.add_column(columns[-1], overflow="fold", ratio=1)
    return table


def weight_text(weight_kg: float | None, units: str) -> str:
    """Body weight to 0.1 kg, or under imperial units to 0.1 lb (kg / 0.45359237)."""
    if weight_kg is None:
        return "-"
    return _number(weight_kg / KG_PER_LB if units == "imperial" else weight_kg, 1)


def weekly_table(weeks: list[tuple], units: str = "metric") -> Table:
    """The weekly scores (rows of `warehouse.scores.recent_weeks`): score, band, worst
    day, the 28-day score and its trend, running km, protein g/kg (and g/lb beside it
    under imperial units), mean body weight (kg, or lb under imperial units), strength
    sessions and the first reason."""
    imperial = units == "imperial"
    columns = ("week", "score", "risk", "worst", "28 d", "trend", "run km", "g/kg",
               *(("g/lb",) if imperial else ()), "lb" if imperial else "kg", "lifts",
               "main reason")
    table = _score_table(f"Weekly, last {len(weeks)} weeks", columns)
    for (week, score, band, worst, score_28d, trend, km, per_kg, per_lb, weight_kg,
         strength, reason) in weeks:
        table.add_row(week, _number(score, 1), _band(band), _number(worst, 1),
                      _number(score_28d, 1), safe_text(trend or "-"), _number(km),
                      _number(per_kg, 1), *((_number(per_lb, 2),) if imperial else ()),
                      weight_text(weight_kg, units),
                      "-" if strength is None else str(strength), safe_text(reason or ""))
    return table


def print_scores(path: Path, athlete_ids: list[str], units: str = "metric") -> None:
    """The last 14 days and 8 weeks of each athlete's muscle-balance score, protein and
    body weight in `units` (the config's `[display] units`: "metric" or "imperial")."""
    from warehouse.connection import connect
    from warehouse.scores import recent_days, recent_recovery, recent_weeks

    with connect(path, read_only=True) as con:
        for athlete_id in athlete_ids:
            days = recent_days(con, athlete_id)
            weeks = recent_weeks(con, athlete_id)
            if not days:
                out.print(f"{safe_text(athlete_id)}: no days to score yet", highlight=False)
                continue
            table = _score_table(f"Muscle balance of {safe_text(athlete_id)}, last "
                                 f"{len(days)} days",
                                 ("day", "score", "risk", "data", "main reason"))
            for day, score, band, completeness, reason in days:
                table.add_row(day.isoformat(), _number(score, 1), _band(band),
                              f"{completeness:.0%}", safe_text(reason or ""))
            out.print(table)
            recovery = recent_recovery(con, athlete_id)
            if recovery:
                out.print(recovery_table(athlete_id, recovery))
            out.print(weekly_table(weeks, units))


def _signed(value: float | None, decimals: int) -> str:
    return "-" if value is None else f"{value:+.{decimals}f}"


def recovery_table(athlete_id: str, rows: list[tuple]) -> Table:
    """The last days of marts.daily_recovery: sleep (h; `~` marks a default window, not
    measured), resting HR and its 7-day rise over the baseline, HRV and its 7-day mean
    against the baseline (`low`: below the smallest worthwhile change), the weight and
    fat-free-mass trends."""
    table = _score_table(f"Recovery of {safe_text(athlete_id)}, last {len(rows)} days",
                         ("day", "sleep h", "rest HR", "7d vs base", "HRV ms",
                          "7d vs base", "weight kg", "FFM kg"))
    for (day, sleep, measured, rhr, rhr_delta, hrv, hrv_delta, low, weight, ffm) in rows:
        table.add_row(day.isoformat(),
                      "-" if sleep is None else f"{'' if measured else '~'}{sleep:.1f}",
                      _number(rhr, 0), _signed(rhr_delta, 1), _number(hrv, 0),
                      _signed(hrv_delta, 1) + (" low" if low else ""),
                      _number(weight, 1), _number(ffm, 1))
    return table


SQL_FORMATS = ("table", "csv", "json")
#: Source files `status` names per failed expectation.
FILES_SHOWN = 5


def print_result(columns: list[str], rows: list[tuple], output: str) -> None:
    """A query result as a rich table, CSV (header, empty for null; text that a spreadsheet
    would take for a formula starts with an apostrophe, as in the published CSV files) or a
    JSON array of objects (dates and times as ISO text, decimals as numbers)."""
    if output == "csv":
        import csv

        from warehouse.publish import FORMULA_STARTS

        def cell(value: object) -> object:
            if value is None:
                return ""
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                return "'" + value
            return value

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([cell(c) for c in columns])
        writer.writerows([cell(v) for v in row] for row in rows)
        return
    if output == "json":
        import json

        def plain(value):
            if hasattr(value, "isoformat"):
                return value.isoformat()
            if hasattr(value, "as_tuple"):  # Decimal
                return float(value)
            return str(value)

        records = [dict(zip(columns, row, strict=True)) for row in rows]
        sys.stdout.write(json.dumps(records, default=plain, ensure_ascii=False, indent=1) + "\n")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        table.add_column(safe_text(column), overflow="fold")
    for row in rows:
        table.add_row(*["[dim]null[/dim]" if v is None else safe_text(str(v)) for v in row])
    out.print(table)
    out.print(f"{len(rows):,} row{'s' if len(rows) != 1 else ''}", highlight=False)


def _print_status_unread(rows) -> None:
    """status: the files under FIT paths that are not FIT, per athlete and type."""
    for athlete_id in dict.fromkeys(r[0] for r in rows):
        mine = [r[1:] for r in rows if r[0] == athlete_id]
        out.print(f"not read ({safe_text(athlete_id)}): {sum(r[2] for r in mine)} file(s) "
                  "under the FIT paths are not FIT files (the table raw.unread_files lists "
                  "them all):", highlight=False, soft_wrap=True)
        _print_unread_groups(mine, out)



@dataclass(frozen=True)
class StatusReport:
    """What `musclebalance status` read from the warehouse (warehouse.status queries)."""

    counts: list
    fresh: list
    runs: list
    unfinished: list
    bad: list
    partial: list
    nulled: list
    resets: list
    failed: list
    unread: list


def print_status(path: Path, report: StatusReport) -> None:
    """The status tables and lines: files, freshness, runs, unfinished runs, files loaded
    in part, quarantined files, values nulled, distance resets, files not read and the
    failed expectations of the last build with the files to fix."""
    counts, fresh, runs, unfinished = report.counts, report.fresh, report.runs, report.unfinished
    bad, partial, nulled, resets = report.bad, report.partial, report.nulled, report.resets
    failed, unread = report.failed, report.unread
    table = Table(title=f"source files in {safe_text(path)}")
    for column in ("athlete", "kind", "status", "files"):
        table.add_column(column)
    for row in counts:
        table.add_row(*[safe_text(v) for v in row])
    out.print(table)
    fresh_table = Table(title="data freshness (last local day)")
    for column in ("athlete", "activity", "food logged", "weight"):
        fresh_table.add_column(column)
    for athlete_id, *days in fresh:
        fresh_table.add_row(safe_text(athlete_id),
                            *["-" if d is None else d.isoformat() for d in days])
    out.print(fresh_table)
    runs_table = Table(title="recent runs")
    for column in ("started (UTC)", "command", "status", "loaded", "partial", "by fitparse",
                   "skipped", "bad", "records", "published", "failed checks", "s"):
        runs_table.add_column(column)
    for row in runs:
        runs_table.add_row(*["-" if v is None else safe_text(v) for v in row])
    out.print(runs_table)
    for started, command, state, run in unfinished:
        what = ("did not finish (killed or crashed); the next run completed its work"
                if state == "crashed" else "has not finished: it is running now, or was "
                "killed and the next run will say so")
        out.print(f"[yellow]{safe_text(state)}[/yellow] the {safe_text(command)} run "
                  f"{safe_text(run)} started {started} UTC {what}", highlight=False, soft_wrap=True)
    for athlete_id, file_path, reason, offset, messages in partial:
        out.print(f"partial ({safe_text(athlete_id)}) {safe_text(file_path)}: "
                  f"{safe_text(reason, lines=True)}; "
                  f"{messages} messages before byte {offset} are loaded",
                  highlight=False, soft_wrap=True)
    for athlete_id, file_path, reason, _is_fit in bad:  # FIT and exports: one rule, one name
        out.print(f"quarantined ({safe_text(athlete_id)}) {safe_text(file_path)}: "
                  f"{safe_text(reason, lines=True)}",
                  highlight=False, soft_wrap=True)
    for athlete_id, reason, values, files, first in nulled:
        out.print(f"nulled ({safe_text(athlete_id)}) {safe_text(reason)}: {values:,} value(s) in "
                  f"{files} file(s), e.g. {safe_text(first)}", highlight=False, soft_wrap=True)
    for athlete_id, count, files, first in resets:
        out.print(f"distance back ({safe_text(athlete_id)}): {count:,} time(s) in {files} "
                  f"file(s), e.g. {safe_text(first)}; the daily distance counts only increases",
                  highlight=False, soft_wrap=True)
    _print_status_unread(unread)
    for run, table, expectation, columns, count, keys, error, observed, files in failed:
        detail = (f"could not run: {error}" if error else
                  f"{count} rows failed, e.g. {keys}" if count is not None else
                  f"observed {observed}")
        out.print(f"expectation failed in run {safe_text(run)}: marts.{safe_text(table)} "
                  f"{safe_text(expectation)} ({safe_text(columns or '')}): {safe_text(detail)}",
                  highlight=False, soft_wrap=True)
        sources = json.loads(files) if files else []
        for source in sources[:FILES_SHOWN]:
            out.print(f"  to clear it: remove or fix {safe_text(source)}, or run `musclebalance "
                      f"forget {safe_text(source)}`", highlight=False, soft_wrap=True)
        if len(sources) > FILES_SHOWN:
            out.print(f"  and {len(sources) - FILES_SHOWN} more files with rows on those days "
                      "(marts.validation_results.source_files)", highlight=False)


# ------------------------------------------------------------------------------- failures


@dataclass(frozen=True)
class FailureReport:
    """How a command reports an exception (`describe_failure`)."""

    #: exit code: 2 for a request refused before any work, 1 for a run that failed
    code: int
    #: the `error:` line of a command
    message: str
    #: one line for serve's log: the error's type and counts, never health values
    brief: str
    #: serve's word for the night: `failed`, or `skipped` (another run held the warehouse)
    outcome: str = "failed"
    #: lines printed before the message (each failed expectation)
    details: tuple[str, ...] = ()
    #: the message is printed unwrapped (a full disk: one line to grep for)
    one_line: bool = False
    #: False for an error no mapping knows (a bug): the CLI lets its traceback show
    expected: bool = True
    #: what the ingest of the failed run did (flows.nightly.NightlySummary), to show first
    ingested: Any = None


#: Longest exception message in a brief.
MAX_MESSAGE = 200


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else ""
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE - 3] + "..."
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def describe_failure(exc: BaseException, warehouse: Path | None = None) -> FailureReport:
    """What to tell a person about `exc`, raised by a command's work on `warehouse`.

    A refused request (the demo's folder or weeks, a bad option) exits 2; a busy warehouse,
    a full disk or failed expectations exit 1 with what happened and what stays as it was;
    an expectation failure is told by counts and athlete ids, never observed values. Any
    other error is `expected=False`, described by its type and first line."""
    try:
        from flows.build import ExpectationsFailed, held_back_text
        from flows.nightly import RunExpectationsFailed
        from flows.settings import UsageError
        from warehouse.connection import WarehouseBusy, WarehouseInUse
        from warehouse.diskfull import DiskFull
    except ImportError:  # the run failed importing them: describe that error itself
        return FailureReport(1, _first_line(exc), _first_line(exc), expected=False)
    if isinstance(exc, UsageError):  # the demo's DemoError too
        return FailureReport(2, str(exc), _first_line(exc))
    if isinstance(exc, WarehouseInUse):
        return FailureReport(1, str(exc), (
            "the warehouse file is open in another process (a DuckDB shell or a dashboard?); "
            "close it; the next run completes the work"))
    if isinstance(exc, WarehouseBusy):
        return FailureReport(1, str(exc), (
            "another musclebalance run holds the warehouse (WarehouseBusy); waiting for the "
            "next fire time"), outcome="skipped")
    if isinstance(exc, DiskFull):
        return FailureReport(1, str(exc), _first_line(exc), one_line=True)
    if isinstance(exc, ExpectationsFailed):
        details = tuple(f.describe() for f in exc.failures)
        ingested = exc.summary if isinstance(exc, RunExpectationsFailed) else None
        where = f"the marts in {warehouse}" if warehouse is not None else "the published marts"
        count = len(exc.failures)
        if exc.build is None:
            return FailureReport(
                1, f"{count} expectations failed: nothing was published; {where} are as before "
                "(details: musclebalance status)",
                f"ExpectationsFailed: {count} expectations failed; nothing was published "
                "(details: musclebalance status)", details=details, ingested=ingested)
        held = held_back_text(exc.build.held_back)
        where = f" in {warehouse}" if warehouse is not None else ""
        return FailureReport(
            1, f"{count} expectations failed on rows of some athletes: held back {held}; "
            f"they keep their previously published marts{where}, every other athlete was "
            "published (details: musclebalance status)",
            f"AthletesHeldBack: {exc.brief} (details: musclebalance status)",
            details=details, ingested=ingested)
    return FailureReport(1, _first_line(exc), _first_line(exc), expected=False)


def report_failure(report: FailureReport) -> typer.Exit:
    """Print a failure as the commands do (the failed run's ingest first, then each failed
    expectation, then `error: ...`); returns the exit to raise."""
    if report.ingested is not None:
        print_ingest(report.ingested.fit, report.ingested.nutrition, report.ingested.removed,
                     report.ingested.strength)
    for line in report.details:
        err.print(f"[red]expectation failed:[/red] {safe_text(line, lines=True)}",
                  highlight=False, soft_wrap=True)
    return fail(report.message, report.code, one_line=report.one_line)


def guarded(call, warehouse: Path | None = None):
    """`call()`; an error `describe_failure` knows is printed and exits with its code (any
    other propagates with its traceback)."""
    try:
        return call()
    except Exception as exc:
        report = describe_failure(exc, warehouse)
        if not report.expected:
            raise
        raise report_failure(report) from None
