"""Normalise a parsed export (strings + physical line numbers) into warehouse rows.

One code path for every format in `schemas.nutrition`: the format says which column is
which; this module parses dates in the format's fixed order, numbers in the file's
decimal convention, converts units (kJ to kcal, lb to kg), drops rows the export marks
deleted, and checks every value. Any problem rejects the whole file with messages that
name the line, the column, the value and what was expected; no row of a rejected file is
loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import polars as pl

from schemas.nutrition import (
    FALSE_TOKENS,
    FIRST_PLAUSIBLE_DATE,
    KG_PER_LB,
    KJ_PER_KCAL,
    MAX_BODY_FAT_PCT,
    MAX_BODY_WEIGHT_KG,
    MAX_ENERGY_KCAL_PER_ROW,
    MAX_EXERCISE_MINUTES,
    MAX_MACRO_G_PER_ROW,
    MAX_PLAUSIBLE_BMI,
    MIN_BODY_FAT_PCT,
    MIN_BODY_WEIGHT_KG,
    MIN_PLAUSIBLE_BMI,
    MISSING_TOKENS,
    NO_REFERENCE_MAX_KG,
    NO_REFERENCE_MIN_KG,
    TIME_FORMATS,
    TRUE_TOKENS,
    ExportFormat,
    canonical_header,
)
from transforms.csv_read import DEFAULT_FREE_TEXT, CsvTable, open_csv, parse_numbers, read_rows

#: Messages listed in full before the rest are counted.
MAX_LISTED_PROBLEMS = 20

FOOD_MEASURES = ("energy", "protein", "carbohydrate", "fat", "fiber")
FOOD_COLUMNS = {"energy": "energy_kcal", "protein": "protein_g",
                "carbohydrate": "carbohydrate_g", "fat": "fat_g", "fiber": "fiber_g"}


@dataclass(frozen=True)
class AthleteFacts:
    """What the checks need to know about the athlete."""

    weight_unit: str = "kg"
    height_cm: float | None = None
    weight_kg: float | None = None


@dataclass
class Normalized:
    """Rows ready for the warehouse, or the problems that reject the file."""

    kind: str
    rows: pl.DataFrame
    problems: list[str] = field(default_factory=list)
    dropped_deleted: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def read_export(data: bytes, choose: Callable[[tuple[str, ...]], ExportFormat]
                ) -> tuple[ExportFormat, CsvTable]:
    """The export's format, chosen from its header by `choose`, and its rows, split with
    that format's free-text column and date order: a note written across lines is joined
    back where none of its lines could start a row (`transforms.csv_read.read_csv`)."""
    opened = open_csv(data)
    fmt = choose(opened.header)
    table = read_rows(opened, free_text_columns=fmt.free_text or DEFAULT_FREE_TEXT,
                      date_format=fmt.date_format)
    return fmt, table


def _problems(frame: pl.DataFrame, mask: pl.Expr, column: str, value: pl.Expr, expected: str
              ) -> list[str]:
    """One message per offending row (the first MAX_LISTED_PROBLEMS, then a count)."""
    bad = frame.filter(mask).select(pl.col("source_line"), value.alias("value"))
    listed = [f"line {line}, column '{column}': {text!r} {expected}"
              for line, text in bad.head(MAX_LISTED_PROBLEMS).iter_rows()]
    if bad.height > MAX_LISTED_PROBLEMS:
        listed.append(f"{bad.height - MAX_LISTED_PROBLEMS} more rows in column '{column}'")
    return listed


def _text(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars()


def _is_missing(column: str) -> pl.Expr:
    return _text(column).is_null() | _text(column).is_in(list(MISSING_TOKENS))


def _date(frame: pl.DataFrame, fmt: ExportFormat, column: str, problems: list[str]
          ) -> pl.Series:
    text = _text(column)
    four_digit_year = text.str.contains(r"(^|\D)\d{4}(\D|$)")
    parsed = frame.select(
        pl.when(four_digit_year).then(text.str.to_date(fmt.date_format, strict=False))
    ).to_series()
    shown = fmt.date_format.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
    checked = frame.with_columns(parsed.alias("__date"))
    problems += _problems(checked, pl.col("__date").is_null(), column, pl.col(column),
                          f"is not a date in this export's order {shown}")
    last = date.today() + timedelta(days=1)
    problems += _problems(
        checked, (pl.col("__date") < FIRST_PLAUSIBLE_DATE) | (pl.col("__date") > last), column,
        pl.col(column), f"is outside {FIRST_PLAUSIBLE_DATE:%Y-%m-%d} to {last:%Y-%m-%d}",
    )
    return parsed


def _time(frame: pl.DataFrame, column: str | None, problems: list[str]) -> pl.Series:
    if column is None:
        return pl.Series("local_time", [None] * frame.height, pl.Time)
    text = _text(column).str.to_uppercase()
    parsed = frame.select(
        pl.coalesce([text.str.to_time(f, strict=False) for f in TIME_FORMATS])
    ).to_series()
    problems += _problems(
        frame.with_columns(parsed.alias("__time")),
        pl.col("__time").is_null() & ~_is_missing(column), column, pl.col(column),
        "is not a time of day like 9:51 AM or 21:05",
    )
    return parsed


def _number(frame: pl.DataFrame, column: str | None, decimal_comma: bool, problems: list[str]
            ) -> pl.Series:
    if column is None:
        return pl.Series([None] * frame.height, dtype=pl.Float64)
    raw = frame[column].str.strip_chars()
    values, invalid = parse_numbers(raw, decimal_comma=decimal_comma, missing=MISSING_TOKENS)
    example = "1.450,5 or 12,5" if decimal_comma else "1450.5 or 12.5"
    problems += _problems(frame.with_columns(invalid.alias("__bad")), pl.col("__bad"), column,
                          pl.col(column), f"is not a number (expected a number like {example})")
    return values


def _range(frame: pl.DataFrame, values: pl.Series, column: str, low: float, high: float,
           unit: str, problems: list[str]) -> None:
    checked = frame.with_columns(values.alias("__v"))
    problems += _problems(
        checked, (pl.col("__v") < low) | (pl.col("__v") > high), column, pl.col(column),
        f"is outside {low:,.0f}-{high:,.0f} {unit}",
    )


def _kept(frame: pl.DataFrame, fmt: ExportFormat) -> tuple[pl.DataFrame, int]:
    """Rows the export does not mark deleted."""
    if fmt.deleted_column is None or fmt.deleted_column not in frame.columns:
        return frame, 0
    deleted = _text(fmt.deleted_column).is_in(list(TRUE_TOKENS))
    kept = frame.filter(~deleted)
    return kept, frame.height - kept.height


def normalize(frame: pl.DataFrame, fmt: ExportFormat, *, decimal_comma: bool,
              athlete: AthleteFacts = AthleteFacts()) -> Normalized:
    """Warehouse rows of one export (see the module docstring)."""
    taken = set(frame.columns)
    renames = {}
    for c in frame.columns:  # unify unit spellings, unless that would collide
        new = canonical_header(c)
        if new != c and new not in taken:
            renames[c] = new
            taken.add(new)
    frame = frame.rename(renames)
    frame, dropped = _kept(frame, fmt)
    if fmt.kind == "food":
        result = _food(frame, fmt, decimal_comma)
    elif fmt.kind == "body":
        result = _body(frame, fmt, decimal_comma, athlete)
    else:
        result = _exercise(frame, fmt, decimal_comma)
    result.dropped_deleted = dropped
    return result


def _header(frame: pl.DataFrame) -> tuple[str, ...]:
    return tuple(frame.columns)


def _food(frame: pl.DataFrame, fmt: ExportFormat, decimal_comma: bool) -> Normalized:
    header = _header(frame)
    problems: list[str] = []
    col = {k: fmt.column_for(k, header) for k in ("date", "time", "meal", "food",
                                                   *FOOD_MEASURES)}
    local_date = _date(frame, fmt, col["date"], problems)
    local_time = _time(frame, col["time"], problems)
    values: dict[str, pl.Series] = {}
    for measure in FOOD_MEASURES:
        series = _number(frame, col[measure], decimal_comma, problems)
        if measure == "energy" and fmt.units.get("energy") == "kJ":
            series = series / KJ_PER_KCAL
        limit = MAX_ENERGY_KCAL_PER_ROW if measure == "energy" else MAX_MACRO_G_PER_ROW
        if col[measure] is not None:
            unit = "kcal per row" if measure == "energy" else "g per row"
            _range(frame, series, col[measure], 0, limit, unit, problems)
        values[FOOD_COLUMNS[measure]] = series
    rows = pl.DataFrame({
        "local_date": local_date,
        "local_time": local_time,
        "meal": _labels(frame, col["meal"]),
        "food": _labels(frame, col["food"]),
        **values,
        "day_completed": _flag(frame, fmt.completed_column, problems),
        "source_row": frame["source_line"].cast(pl.Int32),
    }).with_columns(pl.lit(fmt.grain).alias("grain"))
    return Normalized("food", rows, problems)


def _flag(frame: pl.DataFrame, column: str | None, problems: list[str]) -> pl.Series:
    """A true/false column (`TRUE_TOKENS`, `FALSE_TOKENS`): null where the cell is empty or
    the export has no such column; any other text is a problem."""
    if column is None or column not in frame.columns:
        return pl.Series([None] * frame.height, dtype=pl.Boolean)
    text = _text(column)
    parsed = frame.select(pl.when(text.is_in(list(TRUE_TOKENS))).then(True)
                          .when(text.is_in(list(FALSE_TOKENS))).then(False)).to_series()
    problems += _problems(frame.with_columns(parsed.alias("__flag")),
                          pl.col("__flag").is_null() & ~_is_missing(column), column,
                          pl.col(column), "is not true or false")
    return parsed


def _labels(frame: pl.DataFrame, column: str | None) -> pl.Series:
    if column is None:
        return pl.Series([None] * frame.height, dtype=pl.String)
    text = frame.select(_text(column)).to_series()
    return text.replace("", None)


def _body(frame: pl.DataFrame, fmt: ExportFormat, decimal_comma: bool, athlete: AthleteFacts
          ) -> Normalized:
    if fmt.metrics is not None:
        return _body_long(frame, fmt, decimal_comma)
    header = _header(frame)
    problems: list[str] = []
    col = {k: fmt.column_for(k, header) for k in ("date", "time", "weight", "body_fat")}
    weight = _number(frame, col["weight"], decimal_comma, problems)
    body_fat = _number(frame, col["body_fat"], decimal_comma, problems)
    unit = fmt.units.get("weight", "kg")
    if unit == "setting":
        unit = athlete.weight_unit
    keep = weight.is_not_null() | body_fat.is_not_null()  # sparse cells: days without either
    frame, weight, body_fat = frame.filter(keep), weight.filter(keep), body_fat.filter(keep)
    local_date = _date(frame, fmt, col["date"], problems)
    weight_kg = weight * KG_PER_LB if unit == "lb" else weight
    problems += _unit_check(weight, unit, col["weight"], athlete)
    _range(frame, weight_kg, col["weight"] or "Weight", MIN_BODY_WEIGHT_KG, MAX_BODY_WEIGHT_KG,
           "kg", problems)
    if col["body_fat"] is not None:
        _range(frame, body_fat, col["body_fat"], MIN_BODY_FAT_PCT, MAX_BODY_FAT_PCT, "%",
               problems)
    rows = pl.DataFrame({
        "local_date": local_date,
        "local_time": _time(frame, col["time"], problems),
        "weight_kg": weight_kg,
        "body_fat_pct": body_fat,
        "source_row": frame["source_line"].cast(pl.Int32),
    })
    return Normalized("body", rows, problems)


def _unit_check(weight: pl.Series, unit: str, column: str | None, athlete: AthleteFacts
                ) -> list[str]:
    """Refuse weights whose unit is most likely the other one (lb read as kg, or kg as lb).

    The median is read both ways. Against the athlete's configured weight, the reading
    further than x/÷1.6 from it is wrong; else against height, a reading outside BMI 16-40
    while the other reading falls inside is wrong; with neither known, a reading outside
    40-130 kg while the other falls inside is wrong. A wrong reading refuses the file.
    """
    median = weight.drop_nulls().median()
    if median is None:
        return []
    factor = {"kg": 1.0, "lb": KG_PER_LB}
    other = "lb" if unit == "kg" else "kg"
    as_unit, as_other = median * factor[unit], median * factor[other]
    if athlete.weight_kg:
        def plausible(kg: float) -> bool:
            return 1 / 1.6 <= kg / athlete.weight_kg <= 1.6  # type: ignore[operator]
    elif athlete.height_cm:
        def plausible(kg: float) -> bool:
            return MIN_PLAUSIBLE_BMI <= kg / (athlete.height_cm / 100) ** 2 <= MAX_PLAUSIBLE_BMI
    else:
        def plausible(kg: float) -> bool:
            return NO_REFERENCE_MIN_KG <= kg <= NO_REFERENCE_MAX_KG
    if plausible(as_unit) or not plausible(as_other):
        return []
    return [f"column '{column}': weights read as {unit} look like {other} (median "
            f"{median:.1f}: {as_unit:.1f} kg if {unit}, {as_other:.1f} kg if {other}); set "
            f"weight_unit = \"{other}\" for this export (or --weight-unit {other}) and run "
            "again with --retry-quarantined"]


def _body_long(frame: pl.DataFrame, fmt: ExportFormat, decimal_comma: bool) -> Normalized:
    """Body rows from a long export (one metric per row, unit in its own column)."""
    header = _header(frame)
    problems: list[str] = []
    col = {k: fmt.column_for(k, header) for k in ("date", "time", "metric", "unit", "amount")}
    assert fmt.metrics is not None
    metric = _text(col["metric"])

    def named(names: tuple[str, ...]) -> pl.Expr:  # "Weight" or "Weight (Garmin)", not more
        return pl.any_horizontal([metric.str.contains(rf"^{re.escape(m)}( \(.*\))?$")
                                  for m in names])

    is_weight, is_fat = named(fmt.metrics["weight"]), named(fmt.metrics["body_fat"])
    frame = frame.filter(is_weight | is_fat).with_columns(
        is_weight.alias("__weight"), _text(col["unit"]).str.to_lowercase().alias("__unit"))
    amount = _number(frame, col["amount"], decimal_comma, problems)
    problems += _problems(
        frame, pl.col("__weight") & ~pl.col("__unit").is_in(["kg", "lb", "lbs"]), col["unit"],
        pl.col(col["unit"]), "is not a unit of weight (kg, lb, lbs)")
    problems += _problems(frame, ~pl.col("__weight") & (pl.col("__unit") != "%"), col["unit"],
                          pl.col(col["unit"]), "is not the unit of body fat (%)")
    frame = frame.with_columns(amount.alias("__amount"))
    frame = frame.with_columns(
        pl.when(pl.col("__weight") & pl.col("__unit").is_in(["lb", "lbs"]))
        .then(pl.col("__amount") * KG_PER_LB)
        .when(pl.col("__weight")).then(pl.col("__amount")).alias("__kg"),
        pl.when(~pl.col("__weight")).then(pl.col("__amount")).alias("__fat"),
    )
    _range(frame, frame["__kg"], col["amount"], MIN_BODY_WEIGHT_KG, MAX_BODY_WEIGHT_KG, "kg",
           problems)
    _range(frame, frame["__fat"], col["amount"], MIN_BODY_FAT_PCT, MAX_BODY_FAT_PCT, "%",
           problems)
    local_date = _date(frame, fmt, col["date"], problems)
    local_time = _time(frame, col["time"], problems)
    rows = (
        pl.DataFrame({
            "local_date": local_date, "local_time": local_time,
            "weight_kg": frame["__kg"], "body_fat_pct": frame["__fat"],
            "source_row": frame["source_line"].cast(pl.Int32),
        })
        .group_by("local_date", "local_time", maintain_order=True)
        .agg(pl.col("weight_kg").drop_nulls().first(), pl.col("body_fat_pct").drop_nulls().first(),
             pl.col("source_row").min())
    )
    return Normalized("body", rows, problems)


def _exercise(frame: pl.DataFrame, fmt: ExportFormat, decimal_comma: bool) -> Normalized:
    header = _header(frame)
    problems: list[str] = []
    col = {k: fmt.column_for(k, header) for k in ("date", "exercise", "minutes", "energy")}
    energy = _number(frame, col["energy"], decimal_comma, problems)
    if fmt.units.get("energy") == "-kcal":
        energy = -energy
    minutes = _number(frame, col["minutes"], decimal_comma, problems)
    _range(frame, minutes, col["minutes"], 0, MAX_EXERCISE_MINUTES, "min", problems)
    shown = "kcal burned (negative in this export)" if fmt.units.get("energy") == "-kcal" else (
        "kcal")
    _range(frame, energy, col["energy"], 0, MAX_ENERGY_KCAL_PER_ROW, shown, problems)
    rows = pl.DataFrame({
        "local_date": _date(frame, fmt, col["date"], problems),
        "exercise": _labels(frame, col["exercise"]),
        "minutes": minutes,
        "energy_kcal": energy,
        "source_row": frame["source_line"].cast(pl.Int32),
    })
    return Normalized("exercise", rows, problems)


def covered_dates(rows: pl.DataFrame, stated: tuple[date, date] | None = None) -> pl.Series:
    """Every local day the export speaks for: from its first to its last row, widened to
    the range its file name states (MyFitnessPal's `…-2024-01-01-to-2024-06-30.csv`), so a
    day the newer export leaves empty - even at either end - replaces what an older one said.
    """
    ends = [] if rows.is_empty() else [rows["local_date"].min(), rows["local_date"].max()]
    if stated is not None:
        ends += list(stated)
    if not ends:
        return pl.Series("local_date", [], pl.Date)
    return pl.date_range(min(ends), max(ends), "1d", eager=True).alias("local_date")


_STAMP_IN_NAME = re.compile(r"MacroFactor-(\d{14})\.csv$")


def export_time_from_name(path: str) -> datetime | None:
    """When the export was made, where its file name says so (MacroFactor writes
    `MacroFactor-YYYYMMDDHHMMSS.csv`, local time; read as UTC, which only orders exports):
    more reliable than the file time, which copying can change."""
    found = _STAMP_IN_NAME.search(path)
    if not found:
        return None
    try:
        return datetime.strptime(found.group(1), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


_RANGE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})-to-(\d{4}-\d{2}-\d{2})")


def file_name_range(path: str) -> tuple[date, date] | None:
    """The date range an export's file name states, if it states one and it is plausible."""
    found = _RANGE_IN_NAME.search(path.rsplit("/", 1)[-1])
    if not found:
        return None
    try:
        first, last = (date.fromisoformat(g) for g in found.groups())
    except ValueError:
        return None
    if not FIRST_PLAUSIBLE_DATE <= first <= last <= date.today() + timedelta(days=1):
        return None
    return first, last


def summarize_problems(problems: list[str], limit: int = MAX_LISTED_PROBLEMS) -> str:
    """The problems as one message: the first `limit` listed, the rest counted."""
    shown = "; ".join(problems[:limit])
    more = len(problems) - limit
    return shown + (f"; and {more} more" if more > 0 else "")
