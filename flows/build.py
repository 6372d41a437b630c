"""The build flow: daily facts and the muscle-balance score from the raw tables, checked
and then published (write, audit, publish).

`build_flow` holds the warehouse's run lock, reads the raw tables of the configured
athletes, computes every daily fact (transforms.daily_facts) and score
(transforms.scoring.muscle_balance) into `staging.*`, checks each staged mart against its
expectation suite (schemas.expectations, Great Expectations in memory), records every
result in marts.validation_results, and only when all pass replaces the marts in one
transaction. When the failing rows belong to some athletes only, those athletes are held
back - they keep the rows they had in every published mart - and the others are published
(`AthletesHeldBack` names them and their days); a failure about a table as a whole, or
one that names every athlete, publishes nothing (`ExpectationsFailed`). Nothing is
incremental: every build starts from the raw tables.

The run is finished in marts.pipeline_runs only once the readers' files are in place: they
are written with the run's row as it ends (its status, counts and end), and the warehouse
row, `running` until then, is finished with the same values after the files are renamed
into place. A publish of the files that fails leaves the previous files and records the run
`failed` with the error (`DiskFull` for a full disk).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger

from flows.runtime import PipelineRun, error_text, io_task, pipeline_run, utc_now
from schemas.config import Athlete
from schemas.marts import MARTS
from schemas.scoring import Scoring
from transforms.daily_facts import daily_facts
from transforms.recovery import recovery_from_raw
from transforms.scoring.muscle_balance import (
    daily_muscle_balance,
    score_days,
    weekly_muscle_balance,
)
from warehouse.connection import connect, transaction
from warehouse.ddl import create_all
from warehouse.facts import publish, published_rows, read_raw, read_staging, write_staging
from warehouse.failpoint import failpoint
from warehouse.manifest import record_athletes
from warehouse.publish import publish_files, published_dir
from warehouse.runs import runs_as_published
from warehouse.validation import record_validation


@dataclass(frozen=True)
class Failure:
    """A failed expectation (keys and counts only, no values)."""

    table: str
    expectation: str
    columns: str
    unexpected_count: int | None
    observed_value: object
    error: str | None
    #: paths of the loaded files whose rows fall on the failing rows' days
    files: tuple[str, ...] = ()

    def describe(self, files_shown: int = 3) -> str:
        """One line for a person: table, expectation, columns, how many rows failed and the
        source files of those rows."""
        what = f"marts.{self.table}: {self.expectation}"
        if self.columns:
            what += f" ({self.columns})"
        if self.error:
            return f"{what}: could not run: {self.error}"
        if self.unexpected_count is not None:
            return f"{what}: {self.unexpected_count} rows failed{self.files_text(files_shown)}"
        return f"{what}: observed {self.observed_value}"

    def files_text(self, shown: int) -> str:
        """`; source files: a.fit, b.fit and 2 more (remove or fix them, or run ...)`."""
        if not self.files:
            return ""
        more = len(self.files) - shown
        listed = ", ".join(self.files[:shown]) + (f" and {more} more" if more > 0 else "")
        return (f"; source files: {listed} (remove or fix them, or run `musclebalance forget "
                "FILE`)")


class ExpectationsFailed(RuntimeError):
    """A build whose marts failed their expectations. `build` is None when nothing was
    published; else the failing rows belonged to some athletes only, who were held back,
    and `build` is what was published for the others (see AthletesHeldBack)."""

    failures: list[Failure]
    build: BuildSummary | None

    def __init__(self, failures: list[Failure], build: BuildSummary | None = None) -> None:
        self.failures = failures
        self.build = build
        super().__init__(f"{self.brief}: " + "; ".join(f.describe() for f in failures[:5]))

    @property
    def brief(self) -> str:
        """What happened, in counts and athlete ids only."""
        if self.build is None:
            return (f"{len(self.failures)} expectations failed; the published marts are "
                    "unchanged")
        held = self.build.held_back
        return (f"{len(self.failures)} expectations failed on rows of {len(held)} athletes: "
                f"{held_back_text(held)} held back (their published rows are as before); "
                "the other athletes were published")


class AthletesHeldBack(ExpectationsFailed):
    """A build whose failed expectations named rows of some athletes only: those athletes
    kept their previously published rows, every other athlete was published (`build`)."""

    build: BuildSummary

    def __init__(self, failures: list[Failure], build: BuildSummary) -> None:
        super().__init__(failures, build)


def held_back_text(held: dict[str, list[str]], days_shown: int = 5) -> str:
    """`a (2026-03-05, 2026-03-06), b (2026-W10)`: athletes and their failing days."""
    def days(labels: list[str]) -> str:
        more = len(labels) - days_shown
        return ", ".join(labels[:days_shown]) + (f" and {more} more" if more > 0 else "")

    return ", ".join(f"{a} ({days(labels)})" for a, labels in held.items())


@dataclass
class BuildSummary:
    """What a build wrote (counts only): every field is set by the build flow. Ingests have
    their own summaries (flows.runtime.RunSummary); a run's row counts both kinds."""

    #: rows staged per mart
    rows: dict[str, int]
    seconds: float
    expectations_failed: int = 0
    #: new rows published; None when nothing was published (expectations failed)
    rows_published: int | None = None
    #: the readers' DuckDB file, once written
    published: str | None = None
    #: athletes whose failing rows held them back, with those rows' days or ISO weeks
    held_back: dict[str, list[str]] = field(default_factory=dict)
    #: the report files written after the publish (published/report/*.html)
    reports: list[str] = field(default_factory=list)
    #: why the reports could not be written (the marts are published all the same)
    report_error: str | None = None

    @property
    def ok(self) -> bool:
        """True when every athlete's marts were published."""
        return not self.held_back


@dataclass(frozen=True)
class Verdict:
    """The expectations' outcome: the failures, and the athletes held back for them ({}
    with failures: nothing may be published)."""

    failures: list[Failure]
    held_back: dict[str, list[str]]

    @property
    def publish(self) -> bool:
        """Whether any athlete's staged marts may be published."""
        return not self.failures or bool(self.held_back)


def athlete_frame(athletes: list[Athlete]) -> pl.DataFrame:
    """The configured athletes as one frame (what the metrics need of each)."""
    return pl.DataFrame(
        [{"athlete_id": a.id, "timezone": a.timezone, "sex": a.sex,
          "birth_year": a.birth_year, "height_cm": a.height_cm, "weight_kg": a.weight_kg,
          "max_hr": a.max_hr, "resting_hr": a.resting_hr, "lthr": a.lthr,
          "zone_model": a.zone_model, "incomplete_days": list(a.incomplete_days),
          "strength_source": a.strength_source}
         for a in athletes],
        schema={"athlete_id": pl.String, "timezone": pl.String, "sex": pl.String,
                "birth_year": pl.Int32, "height_cm": pl.Float64, "weight_kg": pl.Float64,
                "max_hr": pl.Float64, "resting_hr": pl.Float64, "lthr": pl.Float64,
                "zone_model": pl.String, "incomplete_days": pl.List(pl.Date),
                "strength_source": pl.String},
    )


@io_task
def previous_rows(warehouse: str, athlete_ids: list[str]) -> dict[str, int | None]:
    """Rows each published mart holds for these athletes (None: never built)."""
    with connect(Path(warehouse)) as con:
        create_all(con)
        return published_rows(con, list(MARTS), athlete_ids)


@io_task
def stage_marts(warehouse: str, athletes: list[Athlete], scoring: Scoring | None = None
                ) -> dict[str, int]:
    """Compute the daily facts, scores and recovery into `staging.*` with the config's
    [scoring] constants (defaults when None); returns rows per table."""
    frame = athlete_frame(athletes)
    scoring = scoring or Scoring()
    with connect(Path(warehouse)) as con:
        create_all(con)
        with transaction(con):
            record_athletes(con, [(a.id, a.timezone) for a in athletes], utc_now())
        raw = read_raw(con, [a.id for a in athletes])
        facts = daily_facts(raw, frame, utc_now().date(), scoring)
        recovery = recovery_from_raw(raw, frame, scoring)
        scored = score_days(facts.training, facts.nutrition, facts.energy, scoring, scoring,
                            athletes=frame, recovery=recovery)
        tables = {"daily_training": facts.training, "daily_nutrition": facts.nutrition,
                  "daily_energy": facts.energy,
                  "daily_muscle_balance": daily_muscle_balance(scored),
                  "weekly_muscle_balance": weekly_muscle_balance(scored, scoring),
                  "daily_recovery": recovery}
        write_staging(con, tables, facts.superseded)
    return {name: f.height for name, f in tables.items()}


@io_task
def validate_marts(warehouse: str, run: str, previous: dict[str, int | None],
                   scoring: Scoring | None = None, full: bool = False,
                   athlete_ids: list[str] | None = None) -> Verdict:
    """Check every staged mart against its expectation suite (schemas.expectations), decide
    which athletes the failures hold back (`schemas.expectations.held_back`; none when
    the failures name every athlete of `athlete_ids` or a table as a whole) and record
    every result in marts.validation_results."""
    from schemas.expectations import KEYS, SuiteInputs, held_back, suite
    from warehouse.gx_runner import validate

    k = scoring or Scoring()
    inputs = SuiteInputs(k.low_risk_min_score, k.high_risk_below_score, previous,
                         allow_fewer_rows=full)
    checked = []
    with connect(Path(warehouse)) as con:
        for name in MARTS:
            frame = read_staging(con, name)
            checked += [(name, r) for r in validate(frame, suite(name, frame, inputs),
                                                    KEYS[name])]
        held = held_back(checked) or {}
        if athlete_ids is not None and set(held) >= set(athlete_ids):
            held = {}  # every athlete failed: nothing to publish
        files = record_validation(con, run, utc_now(), checked, held_back=bool(held))
    failures = [Failure(name, r.expectation, ", ".join(r.columns), r.unexpected_count,
                        r.observed_value, r.error, tuple(paths))
                for (name, r), paths in zip(checked, files, strict=True) if not r.success]
    return Verdict(failures, held)


@io_task
def publish_marts(warehouse: str, held_back: list[str] | None = None) -> int:
    """Make the staged marts the published ones in one transaction; the athletes in
    `held_back` keep their published rows. Returns the new rows published."""
    with connect(Path(warehouse)) as con:
        rows = publish(con, list(MARTS), held_back)
    failpoint("marts_published")
    return rows


@io_task
def write_published_files(warehouse: str, run: PipelineRun, error: str | None = None) -> str:
    """Replace the readers' DuckDB file and Parquet/CSV exports (warehouse.publish) with the
    published marts and run records, this run's row as it ends (`error`: the error it ends
    with); returns the file. The warehouse's own row is left as it is."""
    with connect(Path(warehouse)) as con:
        runs = runs_as_published(con)
        run.finish(con, error, runs)
        return str(publish_files(con, published_dir(Path(warehouse)), run.run_id,
                                 {"pipeline_runs": runs}))


def publish_run_files(warehouse: str, run: PipelineRun, summary: BuildSummary,
                      error: str | None) -> None:
    """Write the readers' files with the run's row as it ends, then finish the warehouse's
    row the same way; when the files fail, the row is left for the run's error."""
    run.finished_at = utc_now()
    try:
        summary.published = write_published_files(warehouse, run, error)
    except BaseException:
        run.finished_at = None  # the run ends later, with this error
        raise
    failpoint("files_published")
    run.save(error)


@flow(name="build")
def build_flow(warehouse: str, athletes: list[Athlete], scoring: Scoring | None = None,
               full: bool = False, units: str = "metric") -> BuildSummary:
    """Rebuild every mart from the raw tables: stage, validate, publish (write-audit-
    publish). A failed expectation leaves the published marts as they were, records the
    run as failed and raises ExpectationsFailed; when the failing rows belong to some
    athletes only, the others are published first and AthletesHeldBack (an
    ExpectationsFailed) names the athletes held back and their days. `scoring`: the
    config's [scoring] table; `full`: accept fewer rows than the previous build (athletes
    or files removed); `units`: the config's [display] units, for the reports written after
    each publish (published/report/, flows.reports)."""
    from flows.reports import reports_after_publish
    from warehouse.gx_runner import prewarm

    logger = get_run_logger()
    t0 = time.perf_counter()
    prewarm()  # Great Expectations loads while the facts are computed
    ids = [a.id for a in athletes]
    with pipeline_run(Path(warehouse), "build") as run:
        previous = previous_rows(warehouse, ids)
        rows = stage_marts(warehouse, athletes, scoring)
        failpoint("marts_staged")
        verdict = validate_marts(warehouse, run.run_id, previous, scoring, full, ids)
        failpoint("marts_validated")
        published = (publish_marts(warehouse, list(verdict.held_back)) if verdict.publish
                     else None)
        summary = BuildSummary(rows=rows, seconds=time.perf_counter() - t0,
                               expectations_failed=len(verdict.failures),
                               rows_published=published, held_back=verdict.held_back)
        run.add_build(summary)
        held = AthletesHeldBack(verdict.failures, summary) if verdict.held_back else None
        if verdict.publish:
            publish_run_files(warehouse, run, summary, None if held is None else error_text(held))
            reports_after_publish(warehouse, athletes, scoring, units, summary)
        if held is not None:  # the run is recorded failed, with what was held back
            raise held
    if verdict.failures:
        raise ExpectationsFailed(verdict.failures)
    logger.info("built %s", ", ".join(f"{k}: {v} rows" for k, v in rows.items()))
    return summary
