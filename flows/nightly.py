"""The scheduled and operator flows, each a thin wiring of the ingest and build flows under
one run of the warehouse (one lock, one row in marts.pipeline_runs). They call those flows'
functions (`.fn`), so one Prefect flow run holds every task: a flow run per stage would
cost a second each (Prefect joins each run's heartbeat thread at its end).

- `nightly_flow`: ingest every configured source (FIT files, nutrition exports, strength
  logs; new and changed files only), remove the
  files gone from the configured folders with their rows (flows.forget), then build facts
  and scores, check and publish them. What the `nightly` deployment and
  `musclebalance run` execute.
- `backfill_flow`: read every input again - FIT files decoded again (all, or those dated in
  a range) replacing their rows, every nutrition export re-read, quarantined files retried -
  then rebuild everything, accepting a smaller result.
- `rebuild_flow`: the marts only, from the raw tables (after changing [scoring] or an
  athlete's settings).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from prefect import flow

from flows.artifacts import publish_build_artifacts
from flows.build import BuildSummary, ExpectationsFailed, build_flow
from flows.forget import clear_vanished
from flows.ingest import IngestSummary, Reread, ingest_fit_flow
from flows.nutrition_ingest import NutritionSummary, ingest_nutrition_flow
from flows.runtime import pipeline_run
from flows.settings import ingest_request
from flows.strength_ingest import StrengthSummary, ingest_strength_flow
from schemas.config import Config, load_config
from schemas.fit import Decoder
from warehouse.forget import Removed


@dataclass
class NightlySummary:
    """What a nightly (or backfill) run did: the ingests' and the build's summaries."""

    fit: list[IngestSummary] = field(default_factory=list)
    nutrition: list[NutritionSummary] = field(default_factory=list)
    strength: list[StrengthSummary] = field(default_factory=list)
    build: BuildSummary | None = None
    #: files gone from the configured folders, removed with their rows before the build
    removed: list[Removed] = field(default_factory=list)

    @property
    def published(self) -> str | None:
        """The readers' DuckDB file the build wrote."""
        return self.build.published if self.build else None

    @property
    def ok(self) -> bool:
        """True when every input was read and none was quarantined in this run."""
        return all(s.ok for s in [*self.fit, *self.nutrition, *self.strength])


class RunExpectationsFailed(ExpectationsFailed):
    """A nightly or backfill run whose build failed its expectations after its ingest went
    through: the ingest's files are loaded, and `summary` says what it did (and, in
    `summary.build`, what was published for the athletes not held back), for the caller
    to show."""

    summary: NightlySummary

    def __init__(self, failed: ExpectationsFailed, summary: NightlySummary) -> None:
        self.summary = summary
        super().__init__(failed.failures, failed.build)


@contextmanager
def _with_summary(summary: NightlySummary) -> Iterator[None]:
    """Raise a build's ExpectationsFailed escaping the block as RunExpectationsFailed with
    the run's `summary` (outside pipeline_run, which records the error as the build raised
    it)."""
    try:
        yield
    except ExpectationsFailed as exc:
        raise RunExpectationsFailed(exc, summary) from exc


def _settings(config: str, warehouse: str | None) -> tuple[Config, Path]:
    settings = load_config(Path(config))
    return settings, Path(warehouse or settings.warehouse.path)


def _ingest_and_build(config: str, warehouse: str | None, command: str,
                      retry_quarantined: bool, full: bool, show_progress: bool,
                      reread: Reread | None, decoder: Decoder | None = None) -> NightlySummary:
    from warehouse.gx_runner import prewarm

    settings, path = _settings(config, warehouse)
    request = ingest_request(settings, warehouse=path, decoder=decoder)
    summary = NightlySummary()
    prewarm()  # Great Expectations loads while files are read and facts computed
    with _with_summary(summary), pipeline_run(path, command):
        if request.athletes:
            summary.fit = ingest_fit_flow.fn(
                warehouse=str(path), athletes=request.athletes, workers=request.workers,
                limits=request.limits, retry_quarantined=retry_quarantined,
                show_progress=show_progress, reread=reread, decoder=request.decoder)
        if request.nutrition:
            summary.nutrition = ingest_nutrition_flow.fn(
                warehouse=str(path), athletes=request.nutrition, limits=request.limits,
                retry_quarantined=retry_quarantined, reread=reread is not None)
        if request.strength:
            summary.strength = ingest_strength_flow.fn(
                warehouse=str(path), athletes=request.strength, limits=request.limits,
                retry_quarantined=retry_quarantined, reread=reread is not None)
        # after the ingest (a file moved within the folders is known again by its hash),
        # before the build: the rows of files no longer there leave in one transaction,
        # and the build may then publish fewer rows (as with --full)
        summary.removed = clear_vanished(str(path), settings)
        try:
            summary.build = build_flow.fn(warehouse=str(path),
                                          athletes=list(settings.athletes),
                                          scoring=settings.scoring,
                                          full=full or bool(summary.removed),
                                          units=settings.display.units)
        except ExpectationsFailed as exc:
            summary.build = exc.build  # None, or the athletes not held back were published
            raise
        finally:  # the night's verdict in the Prefect UI, whenever the build published
            publish_build_artifacts([a.id for a in settings.athletes], summary.build)
    return summary


@flow(name="nightly")
def nightly_flow(config: str, warehouse: str | None = None, retry_quarantined: bool = False,
                 full: bool = False, show_progress: bool = False,
                 decoder: Decoder | None = None) -> NightlySummary:
    """Ingest FIT files and nutrition exports as the config lists them (unchanged files are
    skipped), then rebuild, check and publish the marts; a failed expectation fails the run
    and publishes nothing. `warehouse` overrides the config's; `retry_quarantined` reads
    quarantined files again; `full` accepts fewer mart rows than the last build; `decoder`
    overrides the config's FIT decoder."""
    return _ingest_and_build(config, warehouse, "nightly", retry_quarantined, full,
                             show_progress, None, decoder)


@flow(name="backfill")
def backfill_flow(config: str, since: date | None = None, until: date | None = None,
                  warehouse: str | None = None, show_progress: bool = False,
                  decoder: Decoder | None = None) -> NightlySummary:
    """Everything again from the raw files: every path read and hashed (no skipping by size
    and time), quarantined files retried, loaded FIT files dated `since` .. `until` (local
    days, inclusive; none given = all) decoded again replacing their rows, every nutrition
    export read again (the newest export still wins each day); then a full rebuild that may
    publish fewer rows than before. `decoder` overrides the config's FIT decoder."""
    if since and until and since > until:
        raise ValueError(f"since {since} is after until {until}")
    return _ingest_and_build(config, warehouse, "backfill", True, True, show_progress,
                             Reread(since, until), decoder)


@flow(name="rebuild")
def rebuild_flow(config: str, warehouse: str | None = None) -> BuildSummary:
    """The marts only, from the raw tables: facts, scores, checks, publish, accepting fewer
    rows than before (after a [scoring] or athlete change, or files removed)."""
    settings, path = _settings(config, warehouse)
    with pipeline_run(path, "rebuild"):
        return build_flow.fn(warehouse=str(path), athletes=list(settings.athletes),
                             scoring=settings.scoring, full=True,
                             units=settings.display.units)
