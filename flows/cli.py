"""The `musclebalance` command line: a thin loop over the flows.

Heavy packages (Prefect, polars, DuckDB) are imported inside the commands, so `--help`
answers at once.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from flows.console import (
    SQL_FORMATS,
    UNREAD_SHOWN,
    StatusReport,
    err,
    fail,
    guarded,
    out,
    print_build,
    print_ingest,
    print_problems,
    print_removed,
    print_result,
    print_status,
    quiet_prefect,
    report_disk_full_once,
)
from flows.settings import DEFAULT_CONFIG, DEFAULT_WAREHOUSE
from flows.terminal import safe_text
from schemas.decoders import Decoder
from schemas.nutrition import FAMILIES, FORMATS

app = typer.Typer(
    name="musclebalance",
    help="Will my running make me lose muscle? Joins FIT files and food logs into a "
    "DuckDB warehouse and a daily muscle-balance verdict.",
    no_args_is_help=True,
    add_completion=False,
)

#: What --format of `ingest` accepts: a family, "generic" or a format name (the config's
#: `format` key takes the same: schemas.config.NUTRITION_FORMATS, not imported here
#: because pydantic would slow `--help`).
NUTRITION_FORMAT_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys((*FAMILIES, "generic", *(f.name for f in FORMATS))))
NutritionFormatName = Literal[NUTRITION_FORMAT_NAMES]  # type: ignore[valid-type]
#: How --since and --until are written.
DAY_FORMAT = "%Y-%m-%d"
#: What --decoder accepts (schemas/decoders.py; no polars there, so `--help` stays quick).
DecoderName = Decoder

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: ./musclebalance.toml if present)."),
]
DemoFolderOption = Annotated[Path | None, typer.Option(
    "--folder", help="Folder to generate the demo in (default: ./musclebalance-demo); created, "
    "or an earlier demo folder emptied and generated anew.")]
DemoWeeksOption = Annotated[int | None, typer.Option(
    "--weeks", help="ISO weeks of scores to show, through yesterday (default 18; 16 to 104); "
    "a lead-in week is generated before them.")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")]
DecoderOption = Annotated[DecoderName | None, typer.Option(
    "--decoder", help="FIT decoder (overrides the config's [ingest] decoder): fast (default; "
    "a file it cannot read is read by fitparse and counted in the summary) or fitparse (the "
    "reference, slower).")]
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


def _load_config(path: Path | None):
    from schemas.config import ConfigError, load_config

    if path is None:
        if not DEFAULT_CONFIG.exists():
            return None
        path = DEFAULT_CONFIG
    try:
        return load_config(path)
    except ConfigError as exc:
        print_problems("config error", str(exc).splitlines(), soft_wrap=False)
        raise typer.Exit(2) from None


def _required_config(path: Path | None, command: str):
    """The config, for a command that needs the athletes' settings: exit 2 without one."""
    cfg = _load_config(path)
    if cfg is None:
        raise fail(f"{command} needs the athletes' settings: give --config FILE "
                   "(musclebalance init writes one)")
    return cfg


def _check_paths(cfg, config: Path | None, athlete_ids: list[str] | None = None) -> None:
    """Exit 2 before any work when an input path of the config does not exist, naming each
    key; after an unedited `init`, say which keys to edit."""
    from flows.settings import missing_config_paths
    from schemas.config import default_config_text

    problems = missing_config_paths(cfg, athlete_ids)
    if not problems:
        return
    source = config or DEFAULT_CONFIG
    print_problems("config error", [f"{source}: {line}" for line in problems])
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


def _guarded(warehouse: Path, call):
    """Run flows on `warehouse` (`call()`, after checking Prefect can start); an error
    flows.console.describe_failure knows (a busy warehouse, a full disk, failed
    expectations) is printed with what happened and exits 1."""
    from flows.prefect_server import guard

    guard()
    report_disk_full_once()
    return guarded(call, warehouse)


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
        raise fail(f"{path} exists; use --force to overwrite it")
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
        NutritionFormatName | None,
        typer.Option("--format", metavar="FORMAT", help="Export format of --nutrition files: "
                     "a family (myfitnesspal, cronometer, macrofactor, loseit) or a format "
                     "name; detected from the header when omitted."),
    ] = None,
    athlete: Annotated[
        str | None, typer.Option("--athlete", "-a", help="Athlete id the files belong to.")
    ] = None,
    weight_unit: Annotated[
        Literal["kg", "lb"] | None,
        typer.Option("--weight-unit", help="Unit of weights in exports that state none: kg "
                     "or lb (overrides the config)."),
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
    decoder: DecoderOption = None,
    verify_decoder: Annotated[bool, typer.Option(
        "--verify-decoder", help="Load nothing: decode every FIT file with both decoders "
        "(fast and fitparse) and name each file, table.column and row where they differ "
        "(never the values). Exits 1 when a file differs: send it to us (see README).")
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Load FIT files and nutrition exports into the warehouse; unchanged files are skipped.
    Exits 1 when a file was quarantined, loaded only in part (a FIT file that broke
    part-way: the messages before the fault are loaded) or could not be read.
    With --verify-decoder it loads nothing and compares the two FIT decoders instead.

    Example: musclebalance ingest --fit ~/Downloads/garmin-export.zip --nutrition
    ~/Downloads/cronometer --athlete me
    """
    quiet_prefect(verbose)
    if verify_decoder:
        if nutrition:
            raise fail("--verify-decoder reads FIT files only: leave out --nutrition")
        from flows.verify_decoder import verify_command

        with _stoppable():
            ok = verify_command(_ingest_request(config, fit, None, athlete))
    else:
        with _stoppable():
            ok = _ingest(config, fit, nutrition, export_format, athlete, weight_unit,
                         timezone, warehouse, workers, retry_quarantined, decoder)
    if not ok:
        raise typer.Exit(1)


def _ingest(config, fit, nutrition, export_format, athlete, weight_unit, timezone, warehouse,
            workers, retry_quarantined, decoder=None) -> bool:
    """Run the ingest flows; print their summaries; True when nothing was quarantined or
    read in part."""
    request = _ingest_request(config, fit, nutrition, athlete, warehouse, workers,
                              nutrition_format=export_format, weight_unit=weight_unit,
                              timezone=timezone, decoder=decoder)
    from flows.ingest import ingest_fit_flow
    from flows.nutrition_ingest import ingest_nutrition_flow
    from flows.strength_ingest import ingest_strength_flow

    def flows() -> tuple[list, list, list]:
        fit_summaries, food_summaries, strength_summaries = [], [], []
        if request.athletes:
            fit_summaries = ingest_fit_flow(
                warehouse=str(request.warehouse),
                athletes=request.athletes,
                workers=request.workers,
                limits=request.limits,
                retry_quarantined=retry_quarantined,
                show_progress=out.is_terminal,
                decoder=request.decoder,
            )
        if request.nutrition:
            food_summaries = ingest_nutrition_flow(
                warehouse=str(request.warehouse), athletes=request.nutrition,
                limits=request.limits, retry_quarantined=retry_quarantined,
            )
        if request.strength:
            strength_summaries = ingest_strength_flow(
                warehouse=str(request.warehouse), athletes=request.strength,
                limits=request.limits, retry_quarantined=retry_quarantined)
        return fit_summaries, food_summaries, strength_summaries

    fit_summaries, food_summaries, strength_summaries = _guarded(request.warehouse, flows)
    print_ingest(fit_summaries, food_summaries, strength=strength_summaries)
    return all(s.ok for s in [*fit_summaries, *food_summaries, *strength_summaries])


def _ingest_request(config, fit, nutrition, athlete, *args, **kwargs):
    """The ingest request (flows.settings.ingest_request) of the config and the command
    line; exit 2 on a usage error or an input path that does not exist."""
    from flows.settings import UsageError, ingest_request

    cfg = _load_config(config)
    try:
        request = ingest_request(cfg, fit, athlete, *args, nutrition=nutrition, **kwargs)
    except UsageError as exc:
        raise fail(str(exc)) from None
    _check_ingest_paths(cfg, config, fit, nutrition, athlete)
    return request


def _check_ingest_paths(cfg, config, fit, nutrition, athlete) -> None:
    """Exit 2 before any work when a path to ingest does not exist: those given as
    --fit/--nutrition (which replace the config's), else the config's."""
    from flows.settings import missing_option_paths

    if fit or nutrition:
        problems = [*missing_option_paths("--fit", fit),
                    *missing_option_paths("--nutrition", nutrition)]
        print_problems("error", problems)
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
    verbose: VerboseOption = False,
) -> None:
    """Rebuild the daily facts and the muscle-balance scores from the raw tables, check them
    against their expectations, publish them, then show the last 14 days and 8 weeks of
    scores. A failed expectation publishes nothing and exits 1; a full disk exits 1 with one
    line naming the path and the space needed, the previously published files unchanged.

    Example: musclebalance build --config musclebalance.toml
    """
    quiet_prefect(verbose)
    with _stoppable():
        _build(config, warehouse, full)


def _build(config, warehouse, full: bool = False) -> None:
    cfg = _required_config(config, "build")
    from flows.build import build_flow

    path = Path(warehouse or cfg.warehouse.path)
    summary = _guarded(path, lambda: build_flow(
        warehouse=str(path), athletes=list(cfg.athletes), scoring=cfg.scoring, full=full,
        units=cfg.display.units))
    print_build(summary, path, [a.id for a in cfg.athletes], cfg.display.units)


@app.command()
def run(
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    retry_quarantined: Annotated[
        bool, typer.Option("--retry-quarantined", help="Read quarantined files again.")
    ] = False,
    full: FullOption = False,
    decoder: DecoderOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Ingest every configured source, then build: the nightly flow, as the schedule runs it.

    Example: musclebalance run --config musclebalance.toml
    """
    quiet_prefect(verbose)
    with _stoppable():
        _pipeline(config, warehouse, "nightly", retry_quarantined=retry_quarantined, full=full,
                  decoder=decoder)


@app.command()
def backfill(
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    since: Annotated[datetime | None, typer.Option(
        "--since", formats=[DAY_FORMAT], metavar="YYYY-MM-DD",
        help="First local day (YYYY-MM-DD) of FIT files to decode again.")] = None,
    until: Annotated[datetime | None, typer.Option(
        "--until", formats=[DAY_FORMAT], metavar="YYYY-MM-DD",
        help="Last local day (YYYY-MM-DD) of FIT files to decode again.")] = None,
    decoder: DecoderOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Everything again from the raw files: every path re-read, quarantined files retried,
    FIT files decoded again (all, or those dated --since..--until) replacing their rows,
    every nutrition export read again; then a full rebuild and publish.

    Example: musclebalance backfill --config musclebalance.toml --since 2024-01-01
    """
    quiet_prefect(verbose)
    first = since.date() if since else None
    last = until.date() if until else None
    if first and last and first > last:
        raise fail(f"--since {first} is after --until {last}")
    with _stoppable():
        _pipeline(config, warehouse, "backfill", since=first, until=last, decoder=decoder)


@app.command()
def forget(
    what: Annotated[str, typer.Argument(
        metavar="PATH|SHA256",
        help="A file's path as ingested (or the first path its content was seen at), or "
             "its sha256 (a prefix of 8 or more hex digits will do); an archive takes "
             "its members with it.")],
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Remove one file from the warehouse at once: its rows in every raw table, its
    manifest row and paths; then, with a config, rebuild and publish the marts (fewer
    rows accepted). Exit 2 when no file matches. A file still in a configured folder comes
    back at the next run: move it out first.

    Example: musclebalance forget ~/Garmin/Activity/2026-03-05-07-12-44.fit
    """
    quiet_prefect(verbose)
    cfg = _load_config(config)
    path = Path(warehouse or (cfg.warehouse.path if cfg else DEFAULT_WAREHOUSE))
    if not path.exists():
        raise fail(f"no warehouse at {path}: give --warehouse PATH or --config FILE")
    from flows.forget import forget_flow

    with _stoppable():
        result = _guarded(path, lambda: forget_flow(warehouse=str(path), what=what,
                                                    config=cfg))
    if not result.removed:
        raise fail(f"no file in {path} matches {what!r}: give a path as ingested or a "
                   "sha256 (musclebalance status lists files)")
    print_removed(result.removed)
    if result.build is None:
        out.print("the published marts still hold these files' days: run `musclebalance "
                  "build --full --config FILE` to rebuild them", highlight=False)
    else:
        print_build(result.build, path, [a.id for a in cfg.athletes], cfg.display.units)


def _pipeline(config, warehouse, flow_name: str, **parameters) -> None:
    """Run a flow of flows.nightly that ingests and builds (nightly, backfill) with these
    parameters; print what it did; exit 1 when an input was quarantined or loaded only in part
    or an expectation failed."""
    cfg = _required_config(config, "this command")
    _check_paths(cfg, config)  # before Prefect starts
    from flows import nightly

    path = Path(warehouse or cfg.warehouse.path)
    flow = getattr(nightly, f"{flow_name}_flow")
    summary = _guarded(path, lambda: flow(config=str(config or DEFAULT_CONFIG),
                                          warehouse=str(path), show_progress=out.is_terminal,
                                          **parameters))
    print_ingest(summary.fit, summary.nutrition, summary.removed, summary.strength)
    print_build(summary.build, path, [a.id for a in cfg.athletes], cfg.display.units)
    if not summary.ok:
        raise typer.Exit(1)


def _stoppable():
    """SIGTERM or SIGINT stop the command within seconds, with one line on stderr: the run
    is recorded failed (interrupted), Prefect's temporary server and the decoding processes
    are stopped, and the exit code is 143 (SIGTERM) or 130 (SIGINT). See flows/stopping.py."""
    from flows.stopping import exit_on_signals

    return exit_on_signals()


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
        raise fail(f"{path}: no warehouse yet; run musclebalance ingest first")
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
            report = StatusReport(
                counts=source_counts(con), fresh=freshness(con), runs=recent_runs(con),
                unfinished=crashed_runs(con), bad=quarantined_files(con),
                partial=partial_files(con), nulled=nulled_values(con),
                resets=distance_resets(con), failed=failed_expectations(con),
                unread=unread_by_type(con, UNREAD_SHOWN))
    except duckdb.IOException as exc:
        raise fail(f"{path}: cannot open the warehouse now ({exc}); a run may be writing "
                   "it, try again when it has finished", 1) from None
    print_status(path, report)


@app.command()
def report(
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    athlete: Annotated[list[str] | None, typer.Option(
        "--athlete", help="Only this athlete's report (repeatable; default: every athlete).")
    ] = None,
    days: Annotated[int | None, typer.Option(
        "--days", min=1, help="Days drawn, ending on the last published day (default 365).")
    ] = None,
    open_: Annotated[bool, typer.Option(
        "--open", help="Open the report in the default browser when written.")] = False,
) -> None:
    """Write each athlete's report from the published marts: one self-contained HTML page,
    published/report/<athlete>.html beside the published files (and index.html for several
    athletes), readable by its owner only and working offline. The nightly run, `build` and
    `demo` write it after every publish; this writes it again (another range, or after a
    \\[display] change). Exits 1 when nothing was published yet.

    Example: musclebalance report --config musclebalance.toml --days 90 --open
    """
    cfg = _required_config(config, "report")
    known = {a.id: a for a in cfg.athletes}
    unknown = [a for a in athlete or [] if a not in known]
    if unknown:
        raise fail(f"--athlete {', '.join(unknown)}: not in the config (athletes: "
                   f"{', '.join(known)})")
    chosen = [known[a] for a in athlete] if athlete else list(cfg.athletes)
    from flows.reports import write_reports

    path = Path(warehouse or cfg.warehouse.path)
    try:
        files = write_reports(path, chosen, days=days, units=cfg.display.units,
                              scoring=cfg.scoring)
    except FileNotFoundError as exc:
        raise fail(str(exc), 1) from None
    if not files:
        raise fail(f"no published day for {', '.join(a.id for a in chosen)}: run "
                   "`musclebalance run` first", 1)
    for file in files:
        out.print(f"report: {safe_text(str(file))}", highlight=False, soft_wrap=True)
    if open_:
        import webbrowser

        if not webbrowser.open(files[-1].absolute().as_uri()):
            out.print("no browser to open here: open the file above in one", highlight=False)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run, e.g. \"SELECT * FROM "
                                         "marts.daily_muscle_balance LIMIT 5\".")],
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    output: Annotated[Literal[SQL_FORMATS], typer.Option(  # type: ignore[valid-type]
        "--format", "-f", help="How to print the result: table, csv or json.")] = "table",
) -> None:
    """Run SQL on the published file (data/published/musclebalance.duckdb beside the
    warehouse: tables marts.*), read-only: a statement that would write fails (exit 1).
    The warehouse itself is never opened, so this works while a run is going.

    Example: musclebalance sql "SELECT local_date, score, band FROM
    marts.daily_muscle_balance ORDER BY local_date DESC LIMIT 7" --format csv
    """
    import duckdb

    from warehouse.publish import PUBLISHED_FILE, published_dir

    path = published_dir(Path(warehouse or _warehouse_of(config))) / PUBLISHED_FILE
    if not path.exists():
        raise fail(f"{path}: nothing published yet; musclebalance run (or build) publishes "
                   "the marts there")
    try:  # no file access beyond the published file: no COPY TO, ATTACH or extensions
        with duckdb.connect(str(path), read_only=True,
                            config={"enable_external_access": False}) as con:
            cursor = con.execute(query)
            columns = [d[0] for d in cursor.description or ()]
            rows = cursor.fetchall() if columns else []
    except duckdb.IOException as exc:
        raise fail(f"{path}: cannot open the published file ({exc})", 1) from None
    except (duckdb.InvalidInputException, duckdb.PermissionException) as exc:
        if "read-only" in str(exc) or "disabled by configuration" in str(exc):
            raise fail(f"musclebalance sql only reads: the published file is opened "
                       f"read-only and no other file can be opened ({exc})", 1) from None
        raise fail(f"SQL error: {exc}", 1) from None
    except duckdb.Error as exc:
        raise fail(f"SQL error: {exc}", 1) from None
    print_result(columns, rows, output)


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
    verbose: VerboseOption = False,
) -> None:
    """Keep running the nightly schedule from this one process, without a Prefect server:
    for a laptop or a small always-on box. At each fire time it runs what `musclebalance
    run` does (Prefect records the run); a failed night is reported and the next one still
    runs. Stop it with Ctrl-C or SIGTERM. The alternative is prefect.yaml with a Prefect
    server and a worker (prefect deploy --all, then prefect worker start --pool
    musclebalance).

    Example: musclebalance serve --config musclebalance.toml --timezone Europe/Berlin --now
    """
    quiet_prefect(verbose)
    cfg = _required_config(config, "serve")
    _check_paths(cfg, config)  # before Prefect loads (the cron check below uses it)
    from flows.schedule import NIGHTLY_CRON, next_fire
    from flows.serve import serve as serve_loop
    from flows.serve import utc_now

    cron = NIGHTLY_CRON if cron is None else cron
    timezone = cfg.athletes[0].timezone if timezone is None else timezone
    try:
        next_fire(cron, timezone, utc_now())
    except ValueError as exc:
        raise fail(str(exc)) from None
    path = (config or DEFAULT_CONFIG).resolve()
    from flows.prefect_server import guard
    from flows.stopping import exit_on_signals

    guard()
    with exit_on_signals(lambda signum: 0, interrupt=False):  # serve interrupts its runs
        code = serve_loop(path, cron, timezone, run_now=now)
    raise typer.Exit(code)


@app.command()
def demo(
    folder: DemoFolderOption = None,
    weeks: DemoWeeksOption = None,
    verbose: VerboseOption = False,
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
