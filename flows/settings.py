"""Turn the config file and command-line overrides into what a flow needs."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flows.sources import ArchiveLimits
from schemas.config import Config

DEFAULT_CONFIG = Path("musclebalance.toml")
DEFAULT_WAREHOUSE = Path("data/musclebalance.duckdb")


class UsageError(ValueError):
    """The command line and config together do not say what to do."""


@dataclass(frozen=True)
class AthleteInputs:
    """The FIT paths to ingest for one athlete."""

    athlete_id: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class IngestRequest:
    """Everything an ingest run needs, resolved."""

    warehouse: Path
    athletes: list[AthleteInputs]
    workers: int
    limits: ArchiveLimits


def ingest_request(
    config: Config | None,
    fit: Sequence[Path] | None = None,
    athlete: str | None = None,
    warehouse: Path | None = None,
    workers: int | None = None,
) -> IngestRequest:
    """Command-line values win over the config; without a config, --fit and --athlete are
    required. Raises UsageError naming what is missing."""
    limits = ArchiveLimits()
    configured_workers = None
    if config is not None:
        warehouse = warehouse or config.warehouse.path
        configured_workers = config.ingest.workers
        limits = _limits(config)
        chosen = config.athletes
        if athlete is not None:
            try:
                chosen = (config.athlete(athlete),)
            except KeyError as exc:
                raise UsageError(str(exc.args[0] if exc.args else exc)) from None
        if fit:
            if len(chosen) != 1:
                raise UsageError("--fit needs --athlete when the config lists several athletes")
            inputs = [AthleteInputs(chosen[0].id, tuple(str(p) for p in fit))]
        else:
            inputs = [AthleteInputs(a.id, tuple(str(p) for p in a.fit_paths)) for a in chosen]
    else:
        if not fit:
            raise UsageError("nothing to ingest: give --fit PATH, or --config FILE "
                             "(musclebalance init writes one)")
        if athlete is None:
            raise UsageError("--athlete ID is required without a config file")
        inputs = [AthleteInputs(athlete, tuple(str(p) for p in fit))]
    return IngestRequest(
        warehouse=Path(warehouse or DEFAULT_WAREHOUSE),
        athletes=inputs,
        workers=workers or configured_workers or os.cpu_count() or 1,
        limits=limits,
    )


def _limits(config: Config) -> ArchiveLimits:
    given = {
        "max_total_bytes": config.ingest.max_zip_bytes,
        "max_entries": config.ingest.max_zip_entries,
        "max_depth": config.ingest.max_zip_depth,
    }
    return ArchiveLimits(**{k: v for k, v in given.items() if v is not None})
