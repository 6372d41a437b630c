"""Model of the ``musclebalance.toml`` configuration file.

The file is read with :mod:`tomllib` and validated with pydantic v2. Every model forbids unknown
keys and is frozen. Validation problems are reported as a :class:`ConfigError` with one line per
problem, e.g.::

    musclebalance.toml: athletes[0].height_cm: must be between 100 and 250 cm (got -5)

Relative paths resolve against the folder holding the config file and a leading ``~`` expands to
the user's home folder, so every path on a loaded :class:`Config` is absolute.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from datetime import date, datetime
from difflib import get_close_matches
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from schemas.decoders import DEFAULT_DECODER, Decoder
from schemas.nutrition import FAMILIES, FORMATS
from schemas.scoring import Scoring

__all__ = [
    "NUTRITION_FORMATS",
    "Athlete",
    "Config",
    "ConfigError",
    "DisplaySettings",
    "IngestSettings",
    "NutritionSource",
    "UnknownAthleteError",
    "WarehouseSettings",
    "config_from_dict",
    "default_config_text",
    "load_config",
    "resolve_zone_model",
]

Sex = Literal["female", "male"]
WeightUnit = Literal["kg", "lb"]
ZoneModel = Literal["auto", "hrmax", "hrr", "lthr"]


def resolve_zone_model(zone_model: str, resting_hr: float | None, lthr: float | None) -> str:
    """The zone model used: an explicit "hrmax", "hrr" or "lthr" as given; "auto" is "hrr"
    (heart-rate reserve, Karvonen) when the resting HR is known, else "lthr" (Friel) when
    the threshold HR is known, else "hrmax". With both known, reserve comes first: a
    resting HR is measured every morning by the watch, an LTHR needs a field test and goes
    stale, and reserve zones account for the athlete's own range."""
    if zone_model != "auto":
        return zone_model
    if resting_hr is not None:
        return "hrr"
    return "lthr" if lthr is not None else "hrmax"


Units = Literal["metric", "imperial"]
#: Where an athlete's strength training is recorded: FIT strength activities of the watch,
#: a strength log CSV (`schemas.strength_log`), or nowhere (strength unknown, not zero).
StrengthSource = Literal["watch", "log", "none"]
#: Each name once: a family whose only format bears its name (macrofactor) is one entry.
NUTRITION_FORMATS: tuple[str, ...] = tuple(
    dict.fromkeys((*FAMILIES, "generic", *(f.name for f in FORMATS))))
NutritionFormat = Literal[NUTRITION_FORMATS]  # type: ignore[valid-type]

_ATHLETE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_MAX_REPR = 60

# Context keys a custom error may carry to refine how it is reported (see _format_error).
_CTX_AT = "at"  # loc suffix appended to the error's loc
_CTX_GOT = "got"  # value reported instead of the validator's input
_CTX_INPUT_SHOWN = "input_shown"  # the message already quotes the value: no "(got ...)"


class ConfigError(ValueError):
    """The config file is missing, unreadable or invalid.

    ``str(error)`` is the full report (one line per problem, each prefixed with the source);
    ``error.problems`` holds the same lines as a tuple.
    """

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(self.problems))


class UnknownAthleteError(KeyError):
    """Raised by :meth:`Config.athlete` for an id that is not configured."""

    def __str__(self) -> str:
        """Return the plain message (``KeyError`` would show it quoted)."""
        return str(self.args[0]) if self.args else ""


# --------------------------------------------------------------------------- field validators


def _between(low: int, high: int, unit: str = "") -> AfterValidator:
    """Validator for ``low <= value <= high`` (NaN fails too); ``unit`` is shown in the error."""
    suffix = f" {unit}" if unit else ""

    def check(value: float) -> float:
        if not low <= value <= high:
            raise PydanticCustomError("out_of_range", f"must be between {low} and {high}{suffix}")
        return value

    return AfterValidator(check)


def _positive(value: int) -> int:
    """Validator for integers that must be at least 1."""
    if value < 1:
        raise PydanticCustomError("not_positive", "must be at least 1")
    return value


#: The rule every athlete id follows, in the config and on the command line.
ATHLETE_ID_RULE = "must be 1-64 characters of letters, digits, '_', '.' or '-'"


def is_athlete_id(value: str) -> bool:
    """Whether `value` follows ATHLETE_ID_RULE (ASCII only: no space, newline, control
    character or markup can reach a terminal or a file name through an id)."""
    return _ATHLETE_ID.fullmatch(value) is not None


def _check_athlete_id(value: str) -> str:
    """Athlete ids are 1-64 characters of letters, digits, ``_``, ``.`` and ``-``."""
    if not is_athlete_id(value):
        raise PydanticCustomError("athlete_id", ATHLETE_ID_RULE)
    return value


def _check_birth_year(value: int) -> int:
    """Birth years run from 1900 to the current year."""
    this_year = date.today().year
    if not 1900 <= value <= this_year:
        raise PydanticCustomError("out_of_range", f"must be between 1900 and {this_year}")
    return value


def _check_timezone(value: str) -> str:
    """Accept only names that :class:`zoneinfo.ZoneInfo` can load."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise PydanticCustomError(
            "unknown_timezone",
            "unknown time zone {zone} (expected an IANA name such as 'Europe/Berlin')",
            {"zone": repr(value), _CTX_INPUT_SHOWN: True},
        ) from None
    return value


def _check_day(value: object) -> date:
    """A calendar day: a TOML date (2025-03-03) or a string "YYYY-MM-DD"."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("day", 'expected a date "YYYY-MM-DD"')


Day = Annotated[date, BeforeValidator(_check_day)]


def _resolve_path(value: object, info: ValidationInfo) -> Path:
    """Turn a path string into an absolute path: expand ``~``, anchor relative paths.

    Relative paths are joined to ``info.context["base_dir"]`` (the config file's folder), or to
    the current directory when validating without that context.
    """
    if not isinstance(value, str | Path):
        raise PydanticCustomError("path_type", "expected a path string")
    if str(value) == "":
        raise PydanticCustomError("path_empty", "must not be empty")
    try:
        path = Path(value).expanduser()
    except RuntimeError:
        raise PydanticCustomError("path_home", "cannot expand '~' in this path") from None
    if path.is_absolute():
        return path
    base = (info.context or {}).get("base_dir")
    return Path(base or Path.cwd()) / path


def _default_workers() -> int:
    """Default worker count: one per CPU core."""
    return os.cpu_count() or 1


ConfigPath = Annotated[Path, BeforeValidator(_resolve_path)]
StrictInt = Annotated[int, Field(strict=True)]
StrictFloat = Annotated[float, Field(strict=True)]


# --------------------------------------------------------------------------------------- models


class _Model(BaseModel):
    """Base for all config models: unknown keys are errors and instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class WarehouseSettings(_Model):
    """The ``[warehouse]`` table."""

    path: ConfigPath = Field(description="DuckDB database file (absolute after loading).")


class IngestSettings(_Model):
    """The optional ``[ingest]`` table; ``None`` limits mean "use the ingester's default"."""

    workers: Annotated[StrictInt, AfterValidator(_positive)] = Field(
        default_factory=_default_workers, description="Parallel parsers (default: CPU count)."
    )
    decoder: Decoder = Field(
        default=DEFAULT_DECODER, description='FIT decoder: "fast" (default; a file it cannot '
        'read goes to fitparse) or "fitparse" (the reference, slower).'
    )
    max_zip_bytes: Annotated[StrictInt, AfterValidator(_positive)] | None = Field(
        default=None, description="Largest total uncompressed size of one zip, in bytes."
    )
    max_zip_entries: Annotated[StrictInt, AfterValidator(_positive)] | None = Field(
        default=None, description="Most members one zip may hold."
    )
    max_zip_depth: Annotated[StrictInt, _between(1, 10)] | None = Field(
        default=None, description="Deepest nesting of zips inside zips."
    )


class DisplaySettings(_Model):
    """The optional ``[display]`` table: how the command line shows numbers. The marts
    always hold metric units (with g/lb beside g/kg)."""

    units: Units = Field(
        default="metric", description='"metric", or "imperial": protein also in g/lb of '
        'body weight beside g/kg, body weight in lb.')


class GenericColumns(_Model):
    """``[athletes.nutrition.columns]``: which header column holds each value of a generic
    CSV (format = "generic")."""

    date: str
    energy: str
    protein: str
    carbohydrate: str
    fat: str
    fiber: str | None = None
    time: str | None = None
    meal: str | None = None
    food: str | None = None


class NutritionSource(_Model):
    """One ``[[athletes.nutrition]]`` entry: a nutrition export file or folder."""

    path: ConfigPath
    format: NutritionFormat | None = None
    weight_unit: WeightUnit | None = None
    columns: Annotated[GenericColumns | None, Field(validate_default=True)] = None
    energy_unit: Literal["kcal", "kJ"] = "kcal"
    date_format: Literal["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY"] = "YYYY-MM-DD"

    @field_validator("columns")
    @classmethod
    def _columns_for_generic(cls, value: GenericColumns | None, info: ValidationInfo
                             ) -> GenericColumns | None:
        """A column mapping belongs to, and is required by, the generic format."""
        fmt = info.data.get("format")
        if value is not None and fmt != "generic":
            raise PydanticCustomError("columns_not_generic",
                                      'is only used with format = "generic"')
        if value is None and fmt == "generic":
            raise PydanticCustomError("columns_missing",
                                      'format = "generic" needs a columns table naming the '
                                      "date, energy, protein, carbohydrate and fat columns")
        return value

    @property
    def strptime_date_format(self) -> str:
        """The date order as a strptime format."""
        return {"YYYY-MM-DD": "%Y-%m-%d", "DD/MM/YYYY": "%d/%m/%Y", "MM/DD/YYYY": "%m/%d/%Y",
                "DD.MM.YYYY": "%d.%m.%Y"}[self.date_format]


class Athlete(_Model):
    """One ``[[athletes]]`` entry.

    Field order matters: ``resting_hr``, ``lthr`` and ``zone_model`` are checked against fields
    declared before them.
    """

    id: Annotated[str, Field(strict=True), AfterValidator(_check_athlete_id)]
    timezone: Annotated[str, Field(strict=True), AfterValidator(_check_timezone)]
    sex: Sex
    birth_year: Annotated[StrictInt, AfterValidator(_check_birth_year)]
    height_cm: Annotated[StrictFloat, _between(100, 250, "cm")]
    weight_kg: Annotated[StrictFloat, _between(25, 300, "kg")] | None = None
    max_hr: Annotated[StrictInt, _between(100, 230, "bpm")] | None = None
    resting_hr: Annotated[StrictInt, _between(25, 120, "bpm")] | None = None
    lthr: Annotated[StrictInt, _between(80, 220, "bpm")] | None = None
    fit_paths: tuple[ConfigPath, ...]
    weight_unit: WeightUnit | None = None
    zone_model: ZoneModel = "auto"
    nutrition: tuple[NutritionSource, ...] = ()
    #: Logged days the athlete marks incomplete (an unfinished log): left out of the
    #: nutrition windows, whatever their intake.
    incomplete_days: tuple[Day, ...] = ()
    strength_source: StrengthSource = "watch"
    strength_log: Annotated[tuple[ConfigPath, ...], Field(validate_default=True)] = ()
    #: Recovery and body-composition inputs kept apart from fit_paths: a Garmin account
    #: export (folder or zip), an Apple Health export (export.zip or export.xml), wellness
    #: FIT files. Read like fit_paths, which read them too.
    health_paths: tuple[ConfigPath, ...] = ()

    @field_validator("strength_log")
    @classmethod
    def _strength_log_for_log(cls, value: tuple[Path, ...], info: ValidationInfo
                              ) -> tuple[Path, ...]:
        """Strength log files belong to, and are required by, strength_source = "log"."""
        source = info.data.get("strength_source")
        if source == "log" and not value:
            raise PydanticCustomError(
                "strength_log_missing",
                'strength_source = "log" needs strength_log: a list of strength log CSV '
                "files or folders")
        if source is not None and source != "log" and value:
            raise PydanticCustomError(
                "strength_log_unused",
                f'is only read with strength_source = "log" (strength_source is "{source}")')
        return value

    @field_validator("resting_hr", "lthr")
    @classmethod
    def _below_max_hr(cls, value: int | None, info: ValidationInfo) -> int | None:
        """Resting HR and LTHR must be below max HR when both are given."""
        max_hr = info.data.get("max_hr")
        if value is not None and max_hr is not None and value >= max_hr:
            raise PydanticCustomError("not_below_max_hr", f"must be below max_hr ({max_hr})")
        return value

    @field_validator("zone_model")
    @classmethod
    def _zone_model_inputs(cls, value: str, info: ValidationInfo) -> str:
        """The ``hrr`` model needs ``resting_hr``; the ``lthr`` model needs ``lthr``."""
        needed = {"hrr": "resting_hr", "lthr": "lthr"}.get(value)
        # A key absent from info.data failed its own validation and is already reported.
        if needed and needed in info.data and info.data[needed] is None:
            raise PydanticCustomError("zone_model_input", f"needs {needed} to be set")
        return value

    @property
    def resolved_zone_model(self) -> str:
        """The zone model used ("hrmax", "hrr" or "lthr"; see `resolve_zone_model`)."""
        return resolve_zone_model(self.zone_model, self.resting_hr, self.lthr)

    @property
    def zoneinfo(self) -> ZoneInfo:
        """The athlete's time zone."""
        return ZoneInfo(self.timezone)


class Config(_Model):
    """The whole ``musclebalance.toml`` file."""

    warehouse: WarehouseSettings
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    display: DisplaySettings = Field(default_factory=DisplaySettings)
    athletes: tuple[Athlete, ...]
    scoring: Scoring = Field(default_factory=Scoring,
                             description="The [scoring] table: constants of the model.")

    @field_validator("athletes")
    @classmethod
    def _athletes_unique(cls, athletes: tuple[Athlete, ...]) -> tuple[Athlete, ...]:
        """At least one athlete, and no athlete id used twice."""
        if not athletes:
            raise PydanticCustomError("no_athletes", "at least one [[athletes]] table is required")
        first_index: dict[str, int] = {}
        for index, athlete in enumerate(athletes):
            if athlete.id in first_index:
                raise PydanticCustomError(
                    "duplicate_athlete_id",
                    f"duplicate athlete id, already used by athletes[{first_index[athlete.id]}]",
                    {_CTX_AT: (index, "id"), _CTX_GOT: athlete.id},
                )
            first_index[athlete.id] = index
        return athletes

    def athlete(self, athlete_id: str) -> Athlete:
        """Return the athlete with this id; :class:`UnknownAthleteError` (a KeyError) if none."""
        for athlete in self.athletes:
            if athlete.id == athlete_id:
                return athlete
        known = ", ".join(repr(a.id) for a in self.athletes)
        raise UnknownAthleteError(f"unknown athlete id {athlete_id!r} (known: {known})")


# ------------------------------------------------------------------------------ error reporting

_MESSAGES: dict[str, str] = {
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "string_type": "expected a string",
    "bool_type": "expected true or false",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
    "path_type": "expected a path string",
}


#: Messages of pydantic's numeric bounds (Field(gt=...) and the like), from their ctx.
_BOUNDS: dict[str, str] = {
    "greater_than": "must be above {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be below {lt}",
    "less_than_equal": "must be at most {le}",
    "finite_number": "must be a finite number",
}


def _format_loc(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic loc as a key path: ``("athletes", 0, "sex")`` -> ``athletes[0].sex``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            key = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
            text += f".{key}" if text else key
    return text


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class whose table sits at ``loc`` (list indexes are skipped), if any."""
    model: type[BaseModel] = Config
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        nested = _find_model(field.annotation) if field else None
        if nested is None:
            return None
        model = nested
    return model


def _find_model(annotation: Any) -> type[BaseModel] | None:
    """The first BaseModel subclass inside a (possibly generic) annotation."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is None:
        return None
    for arg in get_args(annotation):
        found = _find_model(arg)
        if found is not None:
            return found
    return None


def _unknown_key_message(loc: tuple[int | str, ...]) -> str:
    """Suggest the closest allowed key, or list the allowed keys."""
    model = _model_at(loc[:-1])
    if model is None or not loc:
        return "unknown key"
    allowed = list(model.model_fields)
    close = get_close_matches(str(loc[-1]), allowed, n=1)
    unknown = f"unknown {getattr(model, 'key_noun', 'key')}"
    renamed = getattr(model, "renamed_keys", {}).get(str(loc[-1]))
    if renamed:
        return f"{unknown}, renamed to {renamed}"
    if close:
        return f"{unknown}, did you mean {close[0]!r}?"
    # A model with many keys (the [scoring] constants) points to its docs instead of a list.
    docs = getattr(model, "keys_documented_in", None)
    return f"{unknown} (see {docs})" if docs else f"{unknown} (allowed: {', '.join(allowed)})"


def _human_message(error: ErrorDetails) -> str:
    """A short, user-facing message for one pydantic error."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "missing required key"
    if kind == "extra_forbidden":
        return _unknown_key_message(tuple(error["loc"]))
    if kind == "literal_error":
        return f"expected {ctx['expected']}"
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind in _BOUNDS:
        return _BOUNDS[kind].format(**ctx)
    message = error["msg"]
    return message[:1].lower() + message[1:]


def _short_repr(value: object) -> str:
    """``repr(value)``, shortened for long tables and lists."""
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 3] + "..."


def _format_error(source: str, error: ErrorDetails) -> str:
    """``<source>: <key path>: <message> (got <value>)`` for one pydantic error."""
    ctx = error.get("ctx") or {}
    loc = tuple(error["loc"]) + tuple(ctx.get(_CTX_AT, ()))
    message = _human_message(error)
    if error["type"] != "missing" and not ctx.get(_CTX_INPUT_SHOWN):
        message += f" (got {_short_repr(ctx.get(_CTX_GOT, error['input']))})"
    key_path = _format_loc(loc)
    return f"{source}: {key_path}: {message}" if key_path else f"{source}: {message}"


def _config_error(source: str, exc: ValidationError) -> ConfigError:
    """Convert a pydantic ValidationError into a ConfigError, one line per problem."""
    return ConfigError([_format_error(source, error) for error in exc.errors()])


# ------------------------------------------------------------------------------------ public API


def config_from_dict(data: dict[str, Any], *, base_dir: Path, source: str = "<config>") -> Config:
    """Validate parsed TOML data; relative paths resolve against ``base_dir``.

    ``source`` names the origin in error messages. Raises :class:`ConfigError`.
    """
    context = {"base_dir": Path(base_dir).expanduser().absolute()}
    try:
        return Config.model_validate(data, context=context)
    except ValidationError as exc:
        raise _config_error(source, exc) from None


#: Largest config file read (the commented example is a few KB).
MAX_CONFIG_BYTES = 1024**2


def _read_toml(path: Path, source: str) -> dict[str, Any]:
    """Read and parse a TOML file, turning every failure into a ConfigError."""
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise ConfigError([f"{source}: cannot read config file: not a regular file (a "
                               "folder, device, FIFO or socket)"])
        with path.open("rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError([f"{source}: more than {MAX_CONFIG_BYTES:,} bytes: not a "
                               "musclebalance config"])
        text = raw.decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            [f"{source}: config file not found (create one with 'musclebalance init')"]
        ) from None
    except OSError as exc:
        raise ConfigError([f"{source}: cannot read config file: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [f"{source}: not valid UTF-8 (byte {exc.start}): TOML files must be UTF-8"]
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The message carries the position, e.g. "Invalid value (at line 2, column 5)".
        raise ConfigError([f"{source}: invalid TOML: {exc}"]) from None


def load_config(path: Path) -> Config:
    """Load and validate a ``musclebalance.toml`` file.

    Relative paths inside the file resolve against the file's folder. Raises
    :class:`ConfigError` for a missing or unreadable file, TOML syntax errors (with line and
    column) and invalid values.
    """
    path = Path(path)
    source = str(path)
    data = _read_toml(path.expanduser(), source)
    return config_from_dict(data, base_dir=path.expanduser().absolute().parent, source=source)


_TEMPLATE = """\
# musclebalance configuration, written by `musclebalance init`.
#
# Lines starting with '#' are comments. Optional keys are shown commented out with an
# example value: remove the leading '# ' to set one. Unknown keys are errors.
# Paths: a leading '~' is your home folder; relative paths are resolved against the folder
# that holds this file.

[warehouse]
# DuckDB database file the pipeline writes to (created on first run).
path = __WAREHOUSE_PATH__

# Optional ingest tuning. Uncomment the [ingest] line together with any key below it.
# [ingest]
# Files parsed in parallel; integer >= 1 (default: number of CPU cores).
# workers = 4
# FIT decoder: "fast" (default; a file it cannot read is read by fitparse and counted in
# the run summary) or "fitparse" (the reference decoder, many times slower).
# decoder = "fitparse"
# Largest total uncompressed size of one zip archive, in bytes; integer > 0.
# max_zip_bytes = 2_000_000_000
# Most files one zip archive may contain; integer > 0.
# max_zip_entries = 100_000
# Deepest nesting of zip archives inside zip archives; integer 1-10.
# max_zip_depth = 3

# Optional: how the command line shows numbers. Uncomment the [display] line with its key.
# [display]
# "metric" (default) or "imperial": imperial shows protein in g/lb of body weight beside
# g/kg, and body weight in lb. The published tables keep metric units either way.
# units = "imperial"

# One [[athletes]] table per athlete; at least one is required. The values below are
# examples: replace them with your own.
[[athletes]]
# Unique id: 1-64 characters of letters, digits, '_', '.' or '-'.
id = "me"
# IANA time zone that decides where your days start and end, e.g. "America/New_York".
timezone = "Europe/Berlin"
# "female" or "male".
sex = "female"
# Year of birth, 1900 to the current year.
birth_year = 1990
# Height in centimetres, 100-250.
height_cm = 168
# Body weight in kilograms, 25-300 (optional).
# weight_kg = 60
# Maximum heart rate in beats per minute (bpm), 100-230 (optional).
# max_hr = 188
# Resting heart rate in bpm, 25-120, below max_hr (optional; required by zone_model "hrr";
# with zone_model "auto" it selects heart-rate-reserve zones).
# resting_hr = 50
# Lactate threshold heart rate in bpm, 80-220, below max_hr (optional; required by "lthr").
# lthr = 170
# FIT activity sources: a list of .fit files, folders or .zip archives. A Garmin account
# export (its folder or zip) listed here is read for everything it holds: activities,
# sleep, resting HR, HRV and scale readings; an Apple Health export too.
fit_paths = ["fit"]
# Recovery and body-composition sources kept apart from fit_paths (optional): a Garmin
# account export (folder or zip), an Apple Health export (export.zip or export.xml), or
# a folder of Garmin wellness FIT files (sleep, HRV status, monitoring).
# health_paths = ["~/exports/apple_health_export/export.xml"]
# Default unit of body weights in nutrition exports: "kg" or "lb" (optional).
# weight_unit = "kg"
# Heart-rate zone model: "auto", "hrmax" (% of max HR), "hrr" (% of heart-rate reserve)
# or "lthr" (% of threshold HR). Optional; default "auto": "hrr" when resting_hr is set,
# else "lthr" when lthr is set, else "hrmax". Hard days and Seiler's three zones use the
# model's own thresholds (88 % of max HR, 83 % of reserve, 100 % of LTHR).
# zone_model = "auto"
# Logged days whose food log is unfinished, "YYYY-MM-DD" (optional). A logged day under
# 800 kcal (scoring.min_logged_kcal) counts as a very low intake day - in the means and as
# a deficit day - unless it is listed here (or marked not completed in Cronometer); a
# listed day is left out of the nutrition windows whatever its intake.
# incomplete_days = ["2025-03-03", "2025-03-05"]
# Where your strength training is recorded: "watch" (strength activities in your FIT
# files), "log" (a strength log CSV, see strength_log) or "none" (not recorded: the
# strength component is left out of the score, not counted as zero). Optional; default
# "watch".
# strength_source = "log"
# Strength log CSV files or folders, read only with strength_source = "log" (and then
# required). Header: date,minutes with optional time (HH:MM local start), sets, reps,
# volume_kg; one row per session, date as YYYY-MM-DD in your time zone.
# strength_log = ["~/training/strength-log.csv"]

# Nutrition exports of this athlete: one [[athletes.nutrition]] table per export file or
# folder (optional). Uncomment the table line together with its keys.
# [[athletes.nutrition]]
# Export file or folder.
# path = "~/exports/cronometer"
# Export format: __FORMATS__
# (optional).
# format = "cronometer"
# Unit of body weights in this export: "kg" or "lb" (optional; overrides the athlete's).
# weight_unit = "kg"
# A CSV from another app: format = "generic" with the header column of each value, the
# energy unit ("kcal" or "kJ") and the date order ("YYYY-MM-DD", "DD/MM/YYYY",
# "MM/DD/YYYY" or "DD.MM.YYYY").
# [[athletes.nutrition]]
# path = "~/exports/food-diary.csv"
# format = "generic"
# energy_unit = "kcal"
# date_format = "YYYY-MM-DD"
# [athletes.nutrition.columns]
# date = "Date"
# energy = "Energy"
# protein = "Protein"
# carbohydrate = "Carbs"
# fat = "Fat"
# fiber = "Fibre"
# time = "Time"
# meal = "Meal"
# food = "Food"

# Optional overrides of the model's constants (names and sources: docs/scoring.md).
# An unknown name or a value out of bounds stops every command that reads this file.
# [scoring]
# protein_target_g_per_kg = 1.6     # full protein credit from this 7-day mean, g/kg/day
# weight_intensity = 0.05           # component weights are renormalised over known inputs
# low_risk_min_score = 70           # band "low" from this score; "high" below 50
# intensity_reasons = false         # true: the zones 4-5 share may lead the reasons
"""


def default_config_text(warehouse_path: str = "data/musclebalance.duckdb") -> str:
    """The commented template that ``musclebalance init`` writes.

    It documents every key (unit and allowed values), shows optional keys commented out, and
    loads cleanly into a config with one athlete ``"me"``.
    """
    formats = ", ".join(f'"{name}"' for name in NUTRITION_FORMATS)
    text = _TEMPLATE.replace("__WAREHOUSE_PATH__", _toml_string(warehouse_path))
    return text.replace("__FORMATS__", formats)


def _toml_string(value: str) -> str:
    """Quote ``value`` as a TOML basic string (JSON string escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)
