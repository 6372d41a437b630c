"""`musclebalance demo`: a synthetic runner, put through the real nightly flow.

The demo writes, into one folder (owner-only: folders 0700, files 0600):

* ``garmin/``: the FIT files of :func:`synthetic.generate_athlete_files` with its
  default plan: intervals on Tuesdays, easy runs (one on a treadmill), a Sunday long run,
  the 23:30 run past midnight on the first Friday, a 2 h run across the clock change when the
  span holds one, 1-2 evening strength sessions a week, rest days.
* ``garmin/garmin_export/``: the runner's Garmin account export (``DI_CONNECT/...``) of
  :func:`synthetic.write_garmin_export`: sleep, resting HR, HRV and scale readings with body
  composition, which answer the training load and the energy balance; the scale's
  weigh-ins are there, not in the FIT files.
* ``food/``: the Cronometer export (``servings.csv`` and ``dailysummary.csv``) of
  :func:`synthetic.generate_nutrition_exports`, which follows the
  training and has a few unlogged days, deficit days and days low in protein.
* ``musclebalance.toml``: the config for that athlete, the warehouse at
  ``data/musclebalance.duckdb`` beside it; and the marker file :data:`MARKER`.

Dates: the shown span is the last ``weeks`` ISO weeks through yesterday (in the athlete's
time zone), so the last week is the current one and may be partial. A lead-in week before it
is generated too: a day is scored only once 7 days of watch data are known, so without it
the first shown week would have no score. The generators write whole weeks from the lead-in
Monday; what falls after yesterday is dropped (the food ingest quarantines an export that
holds days in the future).

Then the nightly flow (:func:`flows.nightly.nightly_flow`) ingests, builds, checks and
publishes it all, and the command prints what was generated, the last weeks' scores and
where the files are. A folder holding the marker is an earlier demo: it is emptied and
generated anew, so the command can be run again; any other non-empty folder is refused.
"""

from __future__ import annotations

import shlex
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.settings import UsageError
from synthetic import (
    DayIntake,
    GarminWellness,
    GeneratedFile,
    SyntheticAthlete,
    TrainingPlan,
    config_toml,
    garmin_wellness,
    generate_athlete_files,
    generate_nutrition_exports,
    write_garmin_export,
)
from warehouse.private import owner_only, private_dir, write_private

__all__ = [
    "DEFAULT_FOLDER",
    "DEFAULT_WEEKS",
    "MARKER",
    "MAX_WEEKS",
    "MIN_WEEKS",
    "DemoError",
    "DemoResult",
    "DemoSpan",
    "check_folder",
    "demo_command",
    "demo_span",
    "prepare_folder",
    "run_demo",
]

DEFAULT_FOLDER = Path("musclebalance-demo")
DEFAULT_WEEKS = 18
#: Fewest and most weeks the demo shows (more would only take longer: about 2.5 s a week).
MIN_WEEKS = 16
MAX_WEEKS = 104
#: The file that marks a folder as the demo's own (emptied and regenerated on a new run).
MARKER = ".musclebalance-demo"
#: Days of watch data generated before the shown span: a day's score needs 7 known days.
LEAD_IN_DAYS = 7
#: Seed of both generators: the same day gives the same demo.
SEED = 0
#: Protein below this many g/kg body mass counts as a low-protein day in the description.
LOW_PROTEIN_G_PER_KG = 1.2
FIT_FOLDER = "garmin"
#: The Garmin account export (sleep, resting HR, HRV, scale), inside the FIT folder where
#: the README tells Garmin users to put theirs.
GARMIN_EXPORT_FOLDER = "garmin_export"
FOOD_FOLDER = "food"
CONFIG_FILE = "musclebalance.toml"
WAREHOUSE_FILE = "data/musclebalance.duckdb"
ATHLETE = SyntheticAthlete()


class DemoError(UsageError):
    """The demo cannot run as asked (too few weeks, a folder that is not the demo's)."""


# -------------------------------------------------------------------------------- the span


@dataclass(frozen=True)
class DemoSpan:
    """The days the demo generates: a lead-in week, then the shown ISO weeks.

    ``first_day`` (the lead-in Monday) and ``shown_from`` (the first shown Monday) are
    Mondays; ``last_day`` is yesterday, the last day with data.
    """

    first_day: date
    shown_from: date
    last_day: date

    @property
    def generated_weeks(self) -> int:
        """Whole weeks the generators write from ``first_day`` to cover ``last_day``."""
        days = (self.last_day - self.first_day).days + 1
        return -(-days // 7)

    @property
    def shown_weeks(self) -> list[tuple[int, int]]:
        """(ISO year, ISO week) of every shown week, oldest first."""
        weeks = (self.last_day - self.shown_from).days // 7 + 1
        return [(self.shown_from + timedelta(days=7 * k)).isocalendar()[:2]
                for k in range(weeks)]


def demo_span(weeks: int, today: date) -> DemoSpan:
    """The span for ``weeks`` shown ISO weeks through the day before ``today``."""
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise DemoError(f"--weeks must be at least {MIN_WEEKS} and at most {MAX_WEEKS} (got "
                        f"{weeks})")
    last_day = today - timedelta(days=1)
    shown_from = last_day - timedelta(days=last_day.weekday() + 7 * (weeks - 1))
    return DemoSpan(shown_from - timedelta(days=LEAD_IN_DAYS), shown_from, last_day)


def local_today(athlete: SyntheticAthlete = ATHLETE) -> date:
    """Today's date in the athlete's time zone."""
    return datetime.now(ZoneInfo(athlete.timezone)).date()


# ------------------------------------------------------------------------------ the folder


def check_folder(folder: Path) -> list[Path]:
    """What ``folder`` holds, when the demo may use it: it is missing, empty or an earlier
    demo's (it holds :data:`MARKER`). Raises :class:`DemoError` otherwise; touches nothing."""
    if not (folder.exists() or folder.is_symlink()):
        return []
    if not folder.is_dir():
        raise DemoError(f"{folder} exists and is not a folder; give another --folder")
    entries = sorted(folder.iterdir())
    if entries and not (folder / MARKER).is_file():
        raise DemoError(f"{folder} is not empty and is not an earlier demo folder (it has no "
                        f"{MARKER} file); nothing was changed: give a new or empty --folder")
    return entries


def prepare_folder(folder: Path) -> None:
    """Make ``folder`` an empty, owner-only demo folder holding only the marker.

    A missing folder is created; an empty one or an earlier demo's is used, the latter
    emptied first. Raises :class:`DemoError` (see :func:`check_folder`), touching nothing,
    for any other folder.
    """
    for entry in check_folder(folder):
        _remove(entry)
    private_dir(folder)
    write_private(folder / MARKER, b"Written by `musclebalance demo`. The next demo run with "
                  b"this folder deletes everything in it and generates it anew.\n")


def _remove(entry: Path) -> None:
    """Delete a file, a link (not its target) or a folder tree."""
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry)
    else:
        entry.unlink()


# -------------------------------------------------------------------------- the generated data


@dataclass(frozen=True)
class DemoData:
    """What the demo wrote: the FIT files and the truth behind the food log, both through
    the span's last day."""

    span: DemoSpan
    files: tuple[GeneratedFile, ...]
    food_days: tuple[DayIntake, ...]
    wellness: GarminWellness

    def describe(self, athlete: SyntheticAthlete = ATHLETE) -> str:
        """One line: weeks, runs by kind, strength sessions, weigh-ins and food-log days."""
        kinds = Counter(f.kind for f in self.files)
        runs = Counter(f.kind for f in self.files if f.sport == "running")
        run_kinds = ", ".join(f"{count} {RUN_KINDS.get(kind, kind)}"
                              for kind, count in sorted(runs.items(), key=_by_count))
        logged = [d for d in self.food_days if d.logged]
        low = sum(1 for d in logged if d.protein_g / athlete.weight_kg < LOW_PROTEIN_G_PER_KG)
        span = self.span
        return (
            f"Generated {len(span.shown_weeks)} weeks for athlete {athlete.athlete_id!r} "
            f"({span.shown_from} to {span.last_day}) after a lead-in week from "
            f"{span.first_day}; in all {runs.total()} runs ({run_kinds}), "
            f"{kinds['strength']} strength sessions, "
            f"{len(logged)} days of food logged and {len(self.food_days) - len(logged)} days "
            f"unlogged ({low} logged days below {LOW_PROTEIN_G_PER_KG} g/kg protein), and a "
            f"Garmin account export of {len(self.wellness.days)} days of sleep, resting HR "
            f"and HRV with {len(self.wellness.weigh_ins)} scale weigh-ins."
        )


#: How the description names the generator's run kinds.
RUN_KINDS = {
    "easy_run": "easy",
    "intervals": "interval sessions",
    "long_run": "long",
    "midnight_run": "past midnight",
    "dst_run": "across the clock change",
}


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    """Most frequent kind first."""
    return -item[1], item[0]


def generate(folder: Path, span: DemoSpan, athlete: SyntheticAthlete = ATHLETE) -> DemoData:
    """Write the athlete's FIT files to ``folder/garmin`` and the Cronometer export to
    ``folder/food``, each through ``span.last_day``."""
    # the scale's readings come with the Garmin account export (as a Garmin scale's do),
    # so the FIT files hold none: one scale, not two
    generated = generate_athlete_files(athlete, span.first_day, span.generated_weeks, seed=SEED,
                                       plan=TrainingPlan(scale="none"))
    zone = ZoneInfo(athlete.timezone)
    files = tuple(f for f in generated if f.start_utc.astimezone(zone).date() <= span.last_day)
    fit = private_dir(folder / FIT_FOLDER)
    for f in files:
        write_private(fit / f.name, f.data)
    exports = generate_nutrition_exports(athlete, generated, span.first_day,
                                         span.generated_weeks, seed=SEED)
    food = private_dir(folder / FOOD_FOLDER)
    write_private(food / "servings.csv", _through(exports.cronometer_servings_csv,
                                                  span.last_day))
    write_private(food / "dailysummary.csv", _through(exports.cronometer_dailysummary_csv,
                                                      span.last_day))
    days = tuple(d for d in exports.days if d.local_date <= span.last_day)
    wellness = garmin_wellness(athlete, files, days, seed=SEED)
    write_garmin_export(fit / GARMIN_EXPORT_FOLDER, wellness)
    return DemoData(span, files, days, wellness)


def _through(csv_bytes: bytes, last_day: date) -> bytes:
    """The header and the rows up to ``last_day`` of a Cronometer export (each row starts
    with its ISO date, and no field spans lines)."""
    header, *rows = csv_bytes.decode("utf-8").splitlines(keepends=True)
    kept = [row for row in rows if date.fromisoformat(row[:10]) <= last_day]
    return "".join([header, *kept]).encode("utf-8")


# ----------------------------------------------------------------------------------- config


def config_text(athlete: SyntheticAthlete = ATHLETE) -> str:
    """The demo's ``musclebalance.toml``: paths are relative to the file's folder."""
    nutrition = [{"path": FOOD_FOLDER, "format": "cronometer"}]
    return config_toml(athlete.config(WAREHOUSE_FILE, [FIT_FOLDER], nutrition), comment=(
        "Written by `musclebalance demo` for its synthetic runner; the next demo run in",
        "this folder overwrites it. Relative paths are resolved against this folder.",
    ))


def write_config(folder: Path, athlete: SyntheticAthlete = ATHLETE) -> Path:
    """Write the demo's config into ``folder`` (0600); returns its path."""
    path = folder / CONFIG_FILE
    write_private(path, config_text(athlete).encode("utf-8"))
    return path


# ---------------------------------------------------------------------------------- running


@dataclass(frozen=True)
class DemoResult:
    """A finished demo: the data, the config, the warehouse and the published file."""

    data: DemoData
    config: Path
    warehouse: Path
    published: Path
    #: the runner's report (published/report/<athlete>.html); None when not written
    report: Path | None = None


def run_demo(folder: Path, weeks: int = DEFAULT_WEEKS, today: date | None = None) -> DemoResult:
    """Generate the demo in ``folder`` and run the nightly flow on it.

    Raises :class:`DemoError` before touching anything for too few weeks or a folder that is
    not the demo's; the flow's own errors (a failed expectation, a busy warehouse) propagate.
    """
    span = demo_span(weeks, today or local_today())
    folder = folder.expanduser().absolute()
    with owner_only():  # also what the flow writes: health data is the owner's only
        prepare_folder(folder)
        data = generate(folder, span)
        config = write_config(folder)
        private_dir(folder / Path(WAREHOUSE_FILE).parent)
        from flows.nightly import nightly_flow

        summary = nightly_flow(config=str(config))
    from warehouse.publish import PUBLISHED_FILE, published_dir

    warehouse = folder / WAREHOUSE_FILE
    published = Path(summary.published or published_dir(warehouse) / PUBLISHED_FILE)
    reports = summary.build.reports if summary.build else []
    return DemoResult(data, config, warehouse, published,
                      Path(reports[0]) if reports else None)


# ------------------------------------------------------------------------------ the command


def demo_command(folder: Path | None, weeks: int | None, verbose: bool = False) -> None:
    """`musclebalance demo`: run the demo and print what it made (exit 2 when refused, 1
    when the flow failed)."""
    from flows.console import fail, guarded, out, print_scores, quiet_prefect
    from flows.terminal import safe_text

    quiet_prefect(verbose)
    folder = (folder if folder is not None else DEFAULT_FOLDER).expanduser().absolute()
    weeks = weeks if weeks is not None else DEFAULT_WEEKS
    today = local_today()
    try:
        span = demo_span(weeks, today)
        check_folder(folder)
    except DemoError as exc:
        raise fail(str(exc)) from None
    out.print(f"Generating {len(span.shown_weeks)} weeks of a synthetic runner in "
              f"{safe_text(str(folder))} and running the nightly flow on them...",
              highlight=False, soft_wrap=True)
    from flows.prefect_server import guard

    guard()
    result = guarded(lambda: run_demo(folder, weeks, today), folder / WAREHOUSE_FILE)
    out.print(safe_text(result.data.describe()), highlight=False, soft_wrap=True)
    print_scores(result.warehouse, [ATHLETE.athlete_id])
    for line in where_lines(result):
        out.print(safe_text(line), highlight=False, soft_wrap=True)


def where_lines(result: DemoResult) -> list[str]:
    """Where the files are, and commands to try next."""
    published = result.published
    sql = ("SELECT iso_year, iso_week, round(score, 1) AS score, band, reasons "
           "FROM marts.weekly_muscle_balance ORDER BY week_start")
    config = shlex.quote(str(result.config))
    return [
        f"config:    {result.config}",
        f"warehouse: {result.warehouse}",
        f"published: {published} (for readers; Parquet in {published.parent / 'parquet'}, "
        f"CSV in {published.parent / 'csv'})",
        f"report:    {result.report} (open it in a browser; it works offline)"
        if result.report else "report:    not written (run `musclebalance report`)",
        "next:",
        f"  uv run musclebalance report --config {config} --open",
        f"  uv run musclebalance sql --config {config} {shlex.quote(sql)}",
        f"  uv run musclebalance status --config {config}",
        f"  uv run musclebalance build --config {config}",
    ]
