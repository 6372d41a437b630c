"""Turn the config file and command-line overrides into what a flow needs."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.sources import ArchiveLimits, not_regular_reason

if TYPE_CHECKING:  # the config model (pydantic) loads only where a config is read
    from schemas.config import Config

DEFAULT_CONFIG = Path("musclebalance.toml")
DEFAULT_WAREHOUSE = Path("data/musclebalance.duckdb")
#: Origin of paths given on the command line: kept until `forget` (warehouse.forget).
COMMAND_LINE = "command_line"


class UsageError(ValueError):
    """The command line and config together do not say what to do."""


@dataclass(frozen=True)
class AthleteInputs:
    """The FIT paths to ingest for one athlete."""

    athlete_id: str
    paths: tuple[str, ...]
    timezone: str | None = None
    origin: str = "config"  # or "command_line" (warehouse.forget)


@dataclass(frozen=True)
class NutritionSourceSpec:
    """One nutrition export path and how to read it."""

    path: str
    format: str | None = None  # a format name, a family (detected within it) or "generic"
    weight_unit: str | None = None
    columns: tuple[tuple[str, str], ...] = ()  # generic: canonical field -> header column
    energy_unit: str = "kcal"
    date_format: str = "%Y-%m-%d"


@dataclass(frozen=True)
class NutritionInputs:
    """The nutrition exports of one athlete, with what their checks need."""

    athlete_id: str
    sources: tuple[NutritionSourceSpec, ...]
    timezone: str | None = None
    weight_unit: str = "kg"
    height_cm: float | None = None
    weight_kg: float | None = None
    origin: str = "config"  # or "command_line" (warehouse.forget)


@dataclass(frozen=True)
class IngestRequest:
    """Everything an ingest run needs, resolved."""

    warehouse: Path
    athletes: list[AthleteInputs]
    workers: int
    limits: ArchiveLimits
    #: FIT decoder (schemas.fit.DECODERS): "fast" (a file it cannot read goes to
    #: fitparse) or "fitparse"
    decoder: str
    nutrition: list[NutritionInputs] = field(default_factory=list)
    #: strength log files of athletes with strength_source = "log" (from the config only)
    strength: list[AthleteInputs] = field(default_factory=list)


def ingest_request(
    config: Config | None,
    fit: Sequence[Path] | None = None,
    athlete: str | None = None,
    warehouse: Path | None = None,
    workers: int | None = None,
    nutrition: Sequence[Path] | None = None,
    nutrition_format: str | None = None,
    weight_unit: str | None = None,
    timezone: str | None = None,
    decoder: str | None = None,
) -> IngestRequest:
    """Command-line values win over the config; without a config, --fit/--nutrition and
    --athlete are required. Paths given on the command line replace the config's paths
    (both kinds) for the chosen athlete; --weight-unit and --timezone override the
    athlete's settings, --decoder the config's. Raises UsageError naming what is missing."""
    if timezone is not None:
        _check_timezone(timezone)
    if athlete is not None:
        _check_athlete(athlete)
    given = bool(fit or nutrition)
    if config is None:
        if not given:
            raise UsageError("nothing to ingest: give --fit PATH or --nutrition PATH, or "
                             "--config FILE (musclebalance init writes one)")
        if athlete is None:
            raise UsageError("--athlete ID is required without a config file")
        return IngestRequest(
            warehouse=Path(warehouse or DEFAULT_WAREHOUSE),
            athletes=[AthleteInputs(athlete, tuple(str(p) for p in fit or ()), timezone,
                                    COMMAND_LINE)] if fit else [],
            workers=workers or os.cpu_count() or 1,
            limits=ArchiveLimits(),
            nutrition=[NutritionInputs(athlete, _cli_sources(nutrition, nutrition_format),
                                       timezone, weight_unit or "kg", origin=COMMAND_LINE)]
            if nutrition else [],
            decoder=decoder or _default_decoder(),
        )
    chosen = config.athletes
    if athlete is not None:
        try:
            chosen = (config.athlete(athlete),)
        except KeyError as exc:
            raise UsageError(str(exc.args[0] if exc.args else exc)) from None
    if given and len(chosen) != 1:
        raise UsageError("--fit/--nutrition need --athlete when the config lists several "
                         "athletes")
    fit_inputs, food_inputs, strength_inputs = [], [], []
    for a in chosen:
        fit_paths = (tuple(str(p) for p in fit or ()) if given
                     else tuple(map(str, (*a.fit_paths, *a.health_paths))))
        sources = (_cli_sources(nutrition, nutrition_format) if given
                   else tuple(_config_source(n) for n in a.nutrition))
        zone = timezone or a.timezone
        origin = COMMAND_LINE if given else "config"
        if fit_paths:
            fit_inputs.append(AthleteInputs(a.id, fit_paths, zone, origin))
        if sources:
            food_inputs.append(NutritionInputs(a.id, sources, zone,
                                               weight_unit or a.weight_unit or "kg",
                                               a.height_cm, a.weight_kg, origin))
        if a.strength_log and not given:
            strength_inputs.append(AthleteInputs(a.id, tuple(map(str, a.strength_log)), zone))
    return IngestRequest(
        warehouse=Path(warehouse or config.warehouse.path),
        athletes=fit_inputs,
        workers=workers or config.ingest.workers or os.cpu_count() or 1,
        limits=_limits(config),
        nutrition=food_inputs,
        strength=strength_inputs,
        decoder=decoder or config.ingest.decoder,
    )


def missing_config_paths(config: Config, athlete_ids: Sequence[str] | None = None
                         ) -> list[str]:
    """One line per input path of the config (every athlete's, or those of `athlete_ids`)
    that does not exist, naming its key: `athletes[0].fit_paths[1]: /x/y does not exist`."""
    problems = []
    for i, athlete in enumerate(config.athletes):
        if athlete_ids is not None and athlete.id not in athlete_ids:
            continue
        keyed = [(f"athletes[{i}].fit_paths[{j}]", p) for j, p in enumerate(athlete.fit_paths)]
        keyed += [(f"athletes[{i}].health_paths[{j}]", p)
                  for j, p in enumerate(athlete.health_paths)]
        keyed += [(f"athletes[{i}].nutrition[{j}].path", n.path)
                  for j, n in enumerate(athlete.nutrition)]
        keyed += [(f"athletes[{i}].strength_log[{j}]", p)
                  for j, p in enumerate(athlete.strength_log)]
        problems += [f"{key}: {path} {problem}" for key, path in keyed
                     if (problem := _path_problem(Path(path))) is not None]
    return problems


def missing_option_paths(option: str, paths: Sequence[Path] | None) -> list[str]:
    """One line per path given to a command-line option that does not exist or is neither
    a regular file nor a folder (a device, FIFO or socket is never read)."""
    return [f"{option} {path}: {problem}" for path in paths or ()
            if (problem := _path_problem(Path(path).expanduser())) is not None]


def _path_problem(path: Path) -> str | None:
    """Why an input path cannot be read (it does not exist, or is a device, FIFO or
    socket), or None for a regular file or a folder."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "does not exist"
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    return not_regular_reason(mode, "regular files and folders")


def _check_athlete(athlete_id: str) -> None:
    """--athlete follows the config's rule for ids, with or without a config."""
    from schemas.config import ATHLETE_ID_RULE, is_athlete_id

    if not is_athlete_id(athlete_id):
        raise UsageError(f"--athlete {athlete_id!r}: an athlete id {ATHLETE_ID_RULE}")


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--timezone {name!r} is not an IANA time zone (such as "
                         "'Europe/Berlin')") from None


def _cli_sources(paths: Sequence[Path] | None, fmt: str | None
                 ) -> tuple[NutritionSourceSpec, ...]:
    if fmt == "generic":
        raise UsageError('--format generic needs a column mapping: use [[athletes.nutrition]] '
                         'with format = "generic" in the config')
    return tuple(NutritionSourceSpec(str(p), fmt) for p in paths or ())


def _config_source(source) -> NutritionSourceSpec:
    columns = ()
    if source.columns is not None:
        columns = tuple((k, v) for k, v in source.columns.model_dump().items() if v)
    return NutritionSourceSpec(
        path=str(source.path), format=source.format, weight_unit=source.weight_unit,
        columns=columns, energy_unit=source.energy_unit,
        date_format=source.strptime_date_format,
    )


def _default_decoder() -> str:
    from schemas.decoders import DEFAULT_DECODER

    return DEFAULT_DECODER


def _limits(config: Config) -> ArchiveLimits:
    given = {
        "max_total_bytes": config.ingest.max_zip_bytes,
        "max_entries": config.ingest.max_zip_entries,
        "max_depth": config.ingest.max_zip_depth,
    }
    return ArchiveLimits(**{k: v for k, v in given.items() if v is not None})
