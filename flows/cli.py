"""The `musclebalance` command line: a thin loop over the flows.

Heavy packages (Prefect, polars, DuckDB) are imported inside the commands, so `--help`
answers at once.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from flows.settings import DEFAULT_CONFIG, DEFAULT_WAREHOUSE
from flows.terminal import safe_text

app = typer.Typer(
    name="musclebalance",
    help="Will my running make me lose muscle? Joins FIT files and food logs into a "
    "DuckDB warehouse and a daily muscle-balance verdict.",
    no_args_is_help=True,
    add_completion=False,
)
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


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: ./musclebalance.toml if present)."),
]
WarehouseOption = Annotated[
    Path | None, typer.Option("--warehouse", "-w", help="DuckDB warehouse file (overrides config).")
]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("musclebalance")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = "unknown (not installed)"
        out.print(f"musclebalance {number}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Print the version and exit.")] = False,
) -> None:
    """Will my running make me lose muscle? Joins FIT files and food logs into a DuckDB
    warehouse and a daily muscle-balance verdict."""


def _fail(message: str, code: int = 2, *, one_line: bool = False) -> typer.Exit:
    """Print `error: message` (`one_line`: never wrapped) and return the exit to raise."""
    err.print(f"[red]error:[/red] {safe_text(message, lines=True)}", highlight=False,
              soft_wrap=one_line)
    return typer.Exit(code)


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


def _report_disk_full_once() -> None:
    """Install _EngineDiskFull on Prefect's console handler (call after importing a flow:
    Prefect sets up its logging on import)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(
                isinstance(f, _EngineDiskFull) for f in handler.filters):
            handler.addFilter(_EngineDiskFull())


def _load_config(path: Path | None):
    from schemas.config import ConfigError, load_config

    if path is None:
        if not DEFAULT_CONFIG.exists():
            return None
        path = DEFAULT_CONFIG
    try:
        return load_config(path)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            err.print(f"[red]config error:[/red] {safe_text(line)}", highlight=False)
        raise typer.Exit(2) from None


def _check_paths(cfg, config: Path | None, athlete_ids: list[str] | None = None) -> None:
    """Exit 2 before any work when an input path of the config does not exist, naming each
    key; after an unedited `init`, say which keys to edit."""
    from flows.settings import missing_config_paths
    from schemas.config import default_config_text

    problems = missing_config_paths(cfg, athlete_ids)
    if not problems:
        return
    source = config or DEFAULT_CONFIG
    for line in problems:
        err.print(f"[red]config error:[/red] {safe_text(f'{source}: {line}')}", highlight=False,
                  soft_wrap=True)
    try:
        template = source.expanduser().read_text(encoding="utf-8") == default_config_text()
    except OSError:
        template = False
    if template:
        hint = (f"{source} is the example `musclebalance init` wrote: edit athletes[0].fit_paths "
                "(your FIT files: a folder, .fit files or a Garmin export .zip), "
                "athletes[0].id, timezone, sex, birth_year and height_cm, and add your food "
                "export as an [[athletes.nutrition]] entry; then run again")
    else:
        hint = (f"nothing was read: correct these keys in {source} (or put the files there) "
                "and run again")
    err.print(safe_text(hint), highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@app.command()
def init(
    path: Annotated[Path, typer.Option("--path", help="Where to write the config.")] = (
        DEFAULT_CONFIG
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented musclebalance.toml to edit.

    Example: musclebalance init && $EDITOR musclebalance.toml
    """
    from schemas.config import default_config_text

    if path.exists() and not force:
        raise _fail(f"{path} exists; use --force to overwrite it")
    from warehouse.private import write_private

    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, default_config_text())
    out.print(f"wrote {safe_text(path)}: set your time zone, sex, birth year, height and "
              "fit_paths", highlight=False)


@app.command()
def ingest(
    config: ConfigOption = None,
    fit: Annotated[
        list[Path] | None,
        typer.Option("--fit", help="FIT file, folder or Garmin export zip (repeatable)."),
    ] = None,
    nutrition: Annotated[
        list[Path] | None,
        typer.Option("--nutrition", help="Nutrition or body-weight export: CSV file, folder or "
                     "zip (repeatable)."),
    ] = None,
    export_format: Annotated[
        str | None,
        typer.Option("--format", help="Export format of --nutrition files: a family "
                     "(myfitnesspal, cronometer, macrofactor, loseit) or a format name; "
                     "detected from the header when omitted."),
    ] = None,
    athlete: Annotated[
        str | None, typer.Option("--athlete", "-a", help="Athlete id the files belong to.")
    ] = None,
    weight_unit: Annotated[
        str | None, typer.Option("--weight-unit", help="Unit of weights in exports that state "
                                 "none: kg or lb (overrides the config).")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option("--timezone", help="The athlete's IANA time zone, e.g. "
                                 "Europe/Berlin (overrides the config).")
    ] = None,
    warehouse: WarehouseOption = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Decoding processes (default: cores).")
    ] = None,
    retry_quarantined: Annotated[
        bool, typer.Option("--retry-quarantined", help="Read quarantined files again (after "
                           "fixing the config, say).")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False,
) -> None:
    """Load FIT files and nutrition exports into the warehouse; unchanged files are skipped.
    Exits 1 when a file was quarantined, loaded only in part (a FIT file that broke
    part-way: the messages before the fault are loaded) or could not be read.

    Example: musclebalance ingest --fit ~/Downloads/garmin-export.zip --nutrition
    ~/Downloads/cronometer --athlete me
    """
    _quiet_prefect(verbose)
    with _stoppable():
        ok = _ingest(config, fit, nutrition, export_format, athlete, weight_unit, timezone,
                     warehouse, workers, retry_quarantined)
    if not ok:
        raise typer.Exit(1)


def _ingest(config, fit, nutrition, export_format, athlete, weight_unit, timezone, warehouse,
            workers, retry_quarantined) -> bool:
    """Run the ingest flows; print their summaries; True when nothing was rejected."""
    from flows.settings import UsageError, ingest_request
    from schemas.config import NUTRITION_FORMATS

    if export_format is not None and export_format not in NUTRITION_FORMATS:
        raise _fail(f"--format {export_format!r} is not a known format; use one of "
                    + ", ".join(NUTRITION_FORMATS))
    cfg = _load_config(config)
    try:
        if weight_unit not in (None, "kg", "lb"):
            raise UsageError(f"--weight-unit must be kg or lb (got {weight_unit!r})")
        request = ingest_request(cfg, fit, athlete, warehouse, workers,
                                 nutrition, export_format, weight_unit, timezone)
    except UsageError as exc:
        raise _fail(str(exc)) from None
    _check_ingest_paths(cfg, config, fit, nutrition, athlete)
    from flows.ingest import ingest_fit_flow
    from flows.nutrition_ingest import ingest_nutrition_flow
    from flows.prefect_server import guard
    from warehouse.connection import WarehouseBusy
    from warehouse.diskfull import DiskFull

    guard()
    _report_disk_full_once()
    fit_summaries, food_summaries = [], []
    try:
        if request.athletes:
            fit_summaries = ingest_fit_flow(
                warehouse=str(request.warehouse),
                athletes=request.athletes,
                workers=request.workers,
                limits=request.limits,
                retry_quarantined=retry_quarantined,
                show_progress=out.is_terminal,
            )
        if request.nutrition:
            food_summaries = ingest_nutrition_flow(
                warehouse=str(request.warehouse), athletes=request.nutrition,
                limits=request.limits, retry_quarantined=retry_quarantined,
            )
    except WarehouseBusy as exc:
        raise _fail(str(exc), 1) from None
    except DiskFull as exc:
        raise _fail(str(exc), 1, one_line=True) from None
    _print_ingest(fit_summaries, food_summaries)
    return all(s.ok for s in [*fit_summaries, *food_summaries])


def _check_ingest_paths(cfg, config, fit, nutrition, athlete) -> None:
    """Exit 2 before any work when a path to ingest does not exist: those given as
    --fit/--nutrition (which replace the config's), else the config's."""
    from flows.settings import missing_option_paths

    if fit or nutrition:
        problems = [*missing_option_paths("--fit", fit),
                    *missing_option_paths("--nutrition", nutrition)]
        for line in problems:
            err.print(f"[red]error:[/red] {safe_text(line)}", highlight=False, soft_wrap=True)
        if problems:
            raise typer.Exit(2)
        return
    if cfg is not None:
        _check_paths(cfg, config, None if athlete is None else [athlete])


FullOption = Annotated[bool, typer.Option(
    "--full", help="Rebuild every mart from the raw tables and accept fewer rows than the "
    "previous build (after removing an athlete or files).")]


@app.command()
def build(
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    full: FullOption = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False,
) -> None:
    """Rebuild the daily facts and the muscle-balance scores from the raw tables, check them
    against their expectations, publish them, then show the last 14 days and 8 weeks of
    scores. A failed expectation publishes nothing and exits 1; a full disk exits 1 with one
    line naming the path and the space needed, the previously published files unchanged.

    Example: musclebalance build --config musclebalance.toml
    """
    _quiet_prefect(verbose)
    with _stoppable():
        _build(config, warehouse, full)


def _build(config, warehouse, full: bool = False) -> None:
    cfg = _load_config(config)
    if cfg is None:
        raise _fail("build needs the athletes' settings: give --config FILE "
                    "(musclebalance init writes one)")
    from flows.build import build_flow

    _check_scoring(cfg)
    path = Path(warehouse or cfg.warehouse.path)
    summary = _guarded(path, lambda: build_flow(
        warehouse=str(path), athletes=list(cfg.athletes), scoring=dict(cfg.scoring), full=full))
    _print_build(summary, path, [a.id for a in cfg.athletes])


def _guarded(path: Path, call):
    """Run a flow; a busy warehouse, a full disk or failed expectations exit 1 with what
    happened."""
    from flows.build import ExpectationsFailed
    from flows.prefect_server import guard
    from warehouse.connection import WarehouseBusy
    from warehouse.diskfull import DiskFull

    guard()
    _report_disk_full_once()
    try:
        return call()
    except WarehouseBusy as exc:
        raise _fail(str(exc), 1) from None
    except DiskFull as exc:
        raise _fail(str(exc), 1, one_line=True) from None
    except ExpectationsFailed as exc:
        ingested = getattr(exc, "summary", None)
        if ingested is not None:
            _print_ingest(ingested.fit, ingested.nutrition, ingested.removed)
        for failure in exc.failures:
            err.print(f"[red]expectation failed:[/red] {safe_text(failure.describe(), lines=True)}",
                      highlight=False, soft_wrap=True)
        build = getattr(exc, "build", None)  # AthletesHeldBack: the others were published
        if build is not None:
            from flows.build import held_back_text

            raise _fail(f"{len(exc.failures)} expectations failed on rows of some athletes: "
                        f"held back {held_back_text(build.held_back)}; they keep their "
                        f"previously published marts in {path}, every other athlete was "
                        f"published (details: musclebalance status)", 1) from None
        raise _fail(f"{len(exc.failures)} expectations failed: nothing was published; the "
                    f"marts in {path} are as before (details: musclebalance status)", 1
                    ) from None


def _print_build(summary, path: Path, athlete_ids: list[str]) -> None:
    """The rows built, where readers find them, and the recent scores."""
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
    _print_scores(path, athlete_ids)


def _check_scoring(cfg) -> None:
    """Stop with exit 2 on a [scoring] key or value the model does not accept."""
    from flows.build import constants

    try:
        constants(dict(cfg.scoring))
    except ValueError as exc:
        raise _fail(f"config: {exc}") from None


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
                         justify="left" if column in ("day", "week", "risk") else "right")
    table.add_column(columns[-1], overflow="fold", ratio=1)
    return table


def _print_scores(path: Path, athlete_ids: list[str]) -> None:
    """The last 14 days and 8 weeks of each athlete's muscle-balance score."""
    from warehouse.connection import connect
    from warehouse.scores import recent_days, recent_weeks

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
            table = _score_table(f"Weekly, last {len(weeks)} weeks",
                                 ("week", "score", "risk", "worst", "run km", "g/kg",
                                  "lifts", "main reason"))
            for week, score, band, worst, km, protein, strength, reason in weeks:
                table.add_row(week, _number(score, 1), _band(band), _number(worst, 1),
                              _number(km),
                              _number(protein, 1), "-" if strength is None else str(strength),
                              safe_text(reason or ""))
            out.print(table)


@app.command()
def run(
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    retry_quarantined: Annotated[
        bool, typer.Option("--retry-quarantined", help="Read quarantined files again.")
    ] = False,
    full: FullOption = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False,
) -> None:
    """Ingest every configured source, then build: the nightly flow, as the schedule runs it.

    Example: musclebalance run --config musclebalance.toml
    """
    _quiet_prefect(verbose)
    with _stoppable():
        _pipeline(config, warehouse, "nightly", retry_quarantined=retry_quarantined, full=full)


@app.command()
def backfill(
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="First local day (YYYY-MM-DD) of FIT files to decode again.")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", help="Last local day (YYYY-MM-DD) of FIT files to decode again.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False,
) -> None:
    """Everything again from the raw files: every path re-read, quarantined files retried,
    FIT files decoded again (all, or those dated --since..--until) replacing their rows,
    every nutrition export read again; then a full rebuild and publish.

    Example: musclebalance backfill --config musclebalance.toml --since 2024-01-01
    """
    from datetime import date

    _quiet_prefect(verbose)
    try:
        first = date.fromisoformat(since) if since else None
        last = date.fromisoformat(until) if until else None
    except ValueError as exc:
        raise _fail(f"--since/--until must be dates like 2024-01-31 ({exc})") from None
    if first and last and first > last:
        raise _fail(f"--since {first} is after --until {last}")
    with _stoppable():
        _pipeline(config, warehouse, "backfill", since=first, until=last)


@app.command()
def forget(
    what: Annotated[str, typer.Argument(
        metavar="PATH|SHA256",
        help="A file's path as ingested (or the first path its content was seen at), or "
             "its sha256 (a prefix of 8 or more hex digits will do); an archive takes "
             "its members with it.")],
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False,
) -> None:
    """Remove one file from the warehouse at once: its rows in every raw table, its
    manifest row and paths; then, with a config, rebuild and publish the marts (fewer
    rows accepted). Exit 2 when no file matches. A file still in a configured folder comes
    back at the next run: move it out first.

    Example: musclebalance forget ~/Garmin/Activity/2026-03-05-07-12-44.fit
    """
    _quiet_prefect(verbose)
    cfg = _load_config(config)
    path = Path(warehouse or (cfg.warehouse.path if cfg else DEFAULT_WAREHOUSE))
    if not path.exists():
        raise _fail(f"no warehouse at {path}: give --warehouse PATH or --config FILE")
    if cfg is not None:
        _check_scoring(cfg)
    from flows.forget import forget_flow

    with _stoppable():
        result = _guarded(path, lambda: forget_flow(warehouse=str(path), what=what,
                                                    config=cfg))
    if not result.removed:
        raise _fail(f"no file in {path} matches {what!r}: give a path as ingested or a "
                    "sha256 (musclebalance status lists files)")
    _print_removed(result.removed)
    if result.build is None:
        out.print("the published marts still hold these files' days: run `musclebalance "
                  "build --full --config FILE` to rebuild them", highlight=False)
    else:
        _print_build(result.build, path, [a.id for a in cfg.athletes])


def _pipeline(config, warehouse, flow_name: str, **parameters) -> None:
    """Run a flow of flows.nightly that ingests and builds (nightly, backfill) with these
    parameters; print what it did; exit 1 when an input was rejected or loaded only in part
    or an expectation failed."""
    cfg = _load_config(config)
    if cfg is None:
        raise _fail("this command needs the athletes' settings: give --config FILE "
                    "(musclebalance init writes one)")
    _check_paths(cfg, config)  # before Prefect starts
    _check_scoring(cfg)  # before the ingest, not after it
    from flows import nightly

    path = Path(warehouse or cfg.warehouse.path)
    flow = getattr(nightly, f"{flow_name}_flow")
    summary = _guarded(path, lambda: flow(config=str(config or DEFAULT_CONFIG),
                                          warehouse=str(path), show_progress=out.is_terminal,
                                          **parameters))
    _print_ingest(summary.fit, summary.nutrition, summary.removed)
    _print_build(summary.build, path, [a.id for a in cfg.athletes])
    if not summary.ok:
        raise typer.Exit(1)


def _print_removed(removed) -> None:
    """One line per file removed with its rows (gone from the configured folders, or
    forgotten)."""
    for r in removed:
        out.print(f"removed {safe_text(r.describe())}", highlight=False, soft_wrap=True)


def _print_ingest(fit, nutrition, removed=()) -> None:
    _print_removed(removed)
    if fit:
        _print_summary(fit)
    if nutrition:
        _print_nutrition_summary(nutrition)
    _print_problems([*fit, *nutrition])
    _print_door(fit)
    _print_unread(fit)


def _stoppable():
    """SIGTERM or SIGINT stop the command within seconds, with one line on stderr: the run
    is recorded failed (interrupted), Prefect's temporary server and the decoding processes
    are stopped, and the exit code is 143 (SIGTERM) or 130 (SIGINT). See flows/stopping.py."""
    from flows.stopping import exit_on_signals

    return exit_on_signals()


def _quiet_prefect(verbose: bool) -> None:
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


def _print_summary(summaries) -> None:
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


def _print_nutrition_summary(summaries) -> None:
    table = Table(title="Nutrition ingest")
    for column in ("athlete", "loaded", "skipped", "rejected", "rows", "days replaced",
                   "days kept (newer)", "formats"):
        table.add_column(column, justify="left" if column in ("athlete", "formats") else "right")
    for s in summaries:
        formats = ", ".join(f"{k} ({v})" for k, v in sorted(s.formats.items()))
        table.add_row(safe_text(s.athlete_id), str(s.loaded), str(s.skipped),
                      str(len(s.quarantined)), f"{s.rows:,}", str(s.days_replaced),
                      str(s.days_kept_newer), formats)
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
                 "; the messages before the fault are loaded"),
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
        more = max(len(nulled) - DOOR_SHOWN, 0) + max(len(resets) - DOOR_SHOWN, 0)
        if more:
            err.print(f"  and {more} more file(s) of {safe_text(s.athlete_id)}: musclebalance "
                      "status sums them; raw.source_files has values_nulled and "
                      "distance_resets per file", highlight=False, soft_wrap=True)


def _print_unread(summaries) -> None:
    """Per athlete, the files under the FIT paths that are not FIT: how many of each type,
    the first few by name, and what to do (they never fail the run)."""
    from collections import defaultdict

    for s in summaries:
        unread = getattr(s, "unread", ())
        if not unread:
            continue
        groups: dict[str, list[str]] = defaultdict(list)
        advice = {}
        for path, file_type, text in unread:
            groups[file_type].append(path)
            advice[file_type] = text
        rows = [(t, advice[t], len(paths), paths[:UNREAD_SHOWN])
                for t, paths in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0]))]
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


def _warehouse_of(config: Path | None) -> Path:
    """The warehouse a config names, read without validating the whole file (so `status`
    starts at once); a config that does not parse is reported as the other commands do."""
    import tomllib

    path = config or DEFAULT_CONFIG
    if config is None and not path.exists():
        return DEFAULT_WAREHOUSE
    try:
        with path.expanduser().open("rb") as fh:
            named = tomllib.load(fh)["warehouse"]["path"]
        if not isinstance(named, str) or not named.strip():
            raise TypeError(named)
        return path.expanduser().absolute().parent / Path(named).expanduser()
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, RuntimeError):
        return Path(_load_config(path).warehouse.path)  # exits 2 with the config's errors


@app.command()
def status(
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Show files, data freshness per athlete, recent runs, files loaded in part,
    quarantined files, values nulled at the door and distance resets (counts per athlete)
    and the failed expectations of the last build.

    Example: musclebalance status --warehouse data/musclebalance.duckdb
    """
    path = warehouse or _warehouse_of(config)
    if not path.exists():
        raise _fail(f"{path}: no warehouse yet; run musclebalance ingest first")
    import duckdb

    from warehouse.connection import connect
    from warehouse.status import (
        crashed_runs,
        distance_resets,
        freshness,
        nulled_values,
        partial_files,
        quarantined_files,
        recent_runs,
        source_counts,
    )
    from warehouse.unread import unread_by_type
    from warehouse.validation import failed_expectations

    try:
        with connect(path, read_only=True) as con:
            counts = source_counts(con)
            fresh = freshness(con)
            runs = recent_runs(con)
            unfinished = crashed_runs(con)
            bad = quarantined_files(con)
            partial = partial_files(con)
            nulled = nulled_values(con)
            resets = distance_resets(con)
            failed = failed_expectations(con)
            unread = unread_by_type(con, UNREAD_SHOWN)
    except duckdb.IOException as exc:
        raise _fail(f"{path}: cannot open the warehouse now ({exc}); a run may be writing "
                    "it, try again when it has finished", 1) from None
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
    for column in ("started (UTC)", "command", "status", "loaded", "partial", "skipped", "bad",
                   "records", "published", "failed checks", "s"):
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
    for athlete_id, file_path, reason, is_fit in bad:
        label = "quarantined" if is_fit else "rejected export"
        out.print(f"{label} ({safe_text(athlete_id)}) {safe_text(file_path)}: "
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


SQL_FORMATS = ("table", "csv", "json")
#: Source files `status` names per failed expectation.
FILES_SHOWN = 5


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run, e.g. \"SELECT * FROM "
                                         "marts.daily_muscle_balance LIMIT 5\".")],
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    output: Annotated[str, typer.Option(
        "--format", "-f", help="How to print the result: table, csv or json.")] = "table",
) -> None:
    """Run SQL on the published file (data/published/musclebalance.duckdb beside the
    warehouse: tables marts.*), read-only: a statement that would write fails (exit 1).
    The warehouse itself is never opened, so this works while a run is going.

    Example: musclebalance sql "SELECT local_date, score, band FROM
    marts.daily_muscle_balance ORDER BY local_date DESC LIMIT 7" --format csv
    """
    if output not in SQL_FORMATS:
        raise _fail(f"--format must be one of {', '.join(SQL_FORMATS)} (got {output!r})")
    import duckdb

    from warehouse.publish import PUBLISHED_FILE, published_dir

    path = published_dir(Path(warehouse or _warehouse_of(config))) / PUBLISHED_FILE
    if not path.exists():
        raise _fail(f"{path}: nothing published yet; musclebalance run (or build) publishes "
                    "the marts there")
    try:  # no file access beyond the published file: no COPY TO, ATTACH or extensions
        with duckdb.connect(str(path), read_only=True,
                            config={"enable_external_access": False}) as con:
            cursor = con.execute(query)
            columns = [d[0] for d in cursor.description or ()]
            rows = cursor.fetchall() if columns else []
    except duckdb.IOException as exc:
        raise _fail(f"{path}: cannot open the published file ({exc})", 1) from None
    except (duckdb.InvalidInputException, duckdb.PermissionException) as exc:
        if "read-only" in str(exc) or "disabled by configuration" in str(exc):
            raise _fail(f"musclebalance sql only reads: the published file is opened "
                        f"read-only and no other file can be opened ({exc})", 1) from None
        raise _fail(f"SQL error: {exc}", 1) from None
    except duckdb.Error as exc:
        raise _fail(f"SQL error: {exc}", 1) from None
    _print_result(columns, rows, output)


def _print_result(columns: list[str], rows: list[tuple], output: str) -> None:
    """A query result as a rich table, CSV (header, empty for null) or a JSON array of
    objects (dates and times as ISO text, decimals as numbers)."""
    if output == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
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


@app.command()
def serve(
    config: ConfigOption = None,
    cron: Annotated[str | None, typer.Option(
        "--cron", help="When to run: a cron string in --timezone (default: '30 3 * * *', "
        "03:30 every night, as the nightly deployment in prefect.yaml).")] = None,
    timezone: Annotated[str | None, typer.Option(
        "--timezone", help="IANA time zone of the cron, e.g. Europe/Berlin (default: the "
        "first configured athlete's).")] = None,
    now: Annotated[bool, typer.Option(
        "--now", help="Run once at the start, then follow the schedule.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False,
) -> None:
    """Keep running the nightly schedule from this one process, without a Prefect server:
    for a laptop or a small always-on box. At each fire time it runs what `musclebalance
    run` does (Prefect records the run); a failed night is reported and the next one still
    runs. Stop it with Ctrl-C or SIGTERM. The alternative is prefect.yaml with a Prefect
    server and a worker (prefect deploy --all, then prefect worker start --pool
    musclebalance).

    Example: musclebalance serve --config musclebalance.toml --timezone Europe/Berlin --now
    """
    _quiet_prefect(verbose)
    cfg = _load_config(config)
    if cfg is None:
        raise _fail("serve needs the athletes' settings: give --config FILE "
                    "(musclebalance init writes one)")
    _check_paths(cfg, config)  # before Prefect loads (the cron check below uses it)
    from flows.schedule import NIGHTLY_CRON, next_fire
    from flows.serve import serve as serve_loop
    from flows.serve import utc_now

    cron = NIGHTLY_CRON if cron is None else cron
    timezone = cfg.athletes[0].timezone if timezone is None else timezone
    try:
        next_fire(cron, timezone, utc_now())
    except ValueError as exc:
        raise _fail(str(exc)) from None
    _check_scoring(cfg)
    path = (config or DEFAULT_CONFIG).resolve()
    from flows.prefect_server import guard
    from flows.stopping import exit_on_signals

    guard()
    with exit_on_signals(lambda signum: 0, interrupt=False):  # serve interrupts its runs
        code = serve_loop(path, cron, timezone, run_now=now)
    raise typer.Exit(code)


@app.command()
def demo(
    folder: Annotated[Path | None, typer.Option(
        "--folder", help="Folder to generate the demo in (default: ./musclebalance-demo); "
        "created, or an earlier demo folder emptied and generated anew.")] = None,
    weeks: Annotated[int | None, typer.Option(
        "--weeks", help="ISO weeks of scores to show, through yesterday (default 18; 16 "
        "to 104); a lead-in week is generated before them.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False,
) -> None:
    """Generate a synthetic runner's FIT files and Cronometer food log, run the nightly flow
    on them and show the scores, the files it made and what to try next.

    Example: musclebalance demo --folder /tmp/musclebalance-demo
    """
    from flows.demo import demo_command

    with _stoppable():
        demo_command(folder, weeks, verbose)


def main() -> None:
    """Console-script entry point."""
    from warehouse.private import owner_only

    with owner_only():  # everything the product writes is readable by its owner only
        app(prog_name="musclebalance")


if __name__ == "__main__":
    sys.exit(main())
