"""Strength sessions from a strength log CSV (`schemas.strength_log`): reading a file's
bytes into rows, and the rows into per-day strength facts.

Pure polars, no I/O. `read_strength_log` checks every cell with expressions and rejects a
bad row alone (its problems name the line, the column, the value and what was expected);
`strength_log_by_day` gives the columns of `transforms.daily_training.strength_by_day`
for athletes whose strength is logged; `log_sessions` places timed sessions in UTC so
the near-a-run rule of `transforms.daily_training.strength_near_run_by_day` applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.strength_log import (
    BOUNDS,
    COLUMNS,
    DATE_EXPECTED,
    REQUIRED,
    TIME_EXPECTED,
)
from transforms.csv_read import parse_numbers, read_csv, to_frame
from transforms.daily_training import DAY_KEYS, FULL_SESSION_SETS, SESSION_CREDIT, set_credit

#: The parsed columns of a strength log (`schemas.strength_log.RAW_COLUMNS` less the
#: athlete and source columns).
ROW_SCHEMA = {"source_line": pl.Int32, "local_date": pl.Date, "start_time_local": pl.Time,
              "minutes": pl.Float64, "sets": pl.Int32, "reps": pl.Int32,
              "volume_kg": pl.Float64}
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_TIME = r"^\d{1,2}:\d{2}$"


@dataclass(frozen=True)
class StrengthLogRead:
    """The rows of one strength log that read (`ROW_SCHEMA`), and one problem per bad
    cell, in line order: ``line 4: minutes 'abc': expected a number of minutes ...``."""

    rows: pl.DataFrame
    problems: tuple[str, ...]
    rejected_rows: int


def _text(name: str) -> pl.Expr:
    """The cell as stripped text, null when empty."""
    text = pl.col(name).str.strip_chars()
    return pl.when(text != "").then(text)


def read_strength_log(data: bytes) -> StrengthLogRead:
    """Read one strength log CSV (encoding, delimiter and decimal comma as
    `transforms.csv_read.read_csv` detects them). Raises ValueError (naming line 1) when
    the header lacks ``date`` or ``minutes``; `transforms.csv_read.CsvError` when the file
    does not split into rows."""
    table = read_csv(data, free_text_columns=())
    header = {name.strip().lower(): name for name in table.header}
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValueError(f"line 1: the header lacks {', '.join(map(repr, missing))} (a strength "
                         f"log has the columns {', '.join(REQUIRED)} and optionally "
                         f"{', '.join(c for c in COLUMNS if c not in REQUIRED)})")
    frame = to_frame(table).select(
        "source_line", *(pl.col(header[c]).alias(c) if c in header else
                         pl.lit(None, pl.String).alias(c) for c in COLUMNS))
    numbers = {name: parse_numbers(frame[name], decimal_comma=table.decimal_comma)
               for name in BOUNDS}
    checks: list[tuple[str, pl.Expr, str]] = []  # (column, bad, expected)
    parsed = frame.with_columns(
        *(number.alias(f"__{name}") for name, (number, _) in numbers.items()),
        *(invalid.alias(f"__{name}_invalid") for name, (_, invalid) in numbers.items()),
        _text("date").str.strptime(pl.Date, "%Y-%m-%d", strict=False).alias("__date"),
        _text("time").str.strptime(pl.Time, "%H:%M", strict=False).alias("__time"),
    )
    date, time = _text("date"), _text("time")
    checks.append(("date", date.is_null() | ~date.str.contains(_DATE) | pl.col("__date")
                   .is_null(), DATE_EXPECTED))
    checks.append(("time", time.is_not_null() & (~time.str.contains(_TIME)
                                                 | pl.col("__time").is_null()), TIME_EXPECTED))
    for name, bound in BOUNDS.items():
        value = pl.col(f"__{name}")
        low_ok = value > bound.low if bound.above else value >= bound.low
        out = ~low_ok | (value > bound.high)
        if bound.whole:
            out = out | (value != value.floor())
        bad = pl.col(f"__{name}_invalid") | out.fill_null(False)
        if name in REQUIRED:
            bad = bad | value.is_null()
        checks.append((name, bad, bound.expected))
    flagged = parsed.with_columns(*(bad.fill_null(True).alias(f"__bad_{name}")
                                    for name, bad, _ in checks))
    messages = pl.concat([
        flagged.filter(pl.col(f"__bad_{name}")).select(
            "source_line", pl.lit(i).alias("__order"),
            pl.format("line {}: {} {}: expected {}", "source_line", pl.lit(name),
                      pl.when(_text(name).is_null()).then(pl.lit("(empty)"))
                      .otherwise(pl.concat_str(pl.lit("'"), pl.col(name).str.strip_chars(),
                                               pl.lit("'"))),
                      pl.lit(expected)).alias("message"))
        for i, (name, _, expected) in enumerate(checks)
    ]).sort("source_line", "__order")
    good = ~pl.any_horizontal(*(pl.col(f"__bad_{name}") for name, _, _ in checks))
    rows = flagged.filter(good).select(
        pl.col("source_line").cast(pl.Int32), pl.col("__date").alias("local_date"),
        pl.col("__time").alias("start_time_local"), pl.col("__minutes").alias("minutes"),
        pl.col("__sets").cast(pl.Int32).alias("sets"),
        pl.col("__reps").cast(pl.Int32).alias("reps"),
        pl.col("__volume_kg").alias("volume_kg"),
    ).cast(ROW_SCHEMA)
    return StrengthLogRead(rows, tuple(messages["message"].to_list()),
                           frame.height - rows.height)


def _sum_or_null(expr: pl.Expr) -> pl.Expr:
    """Sum within a group, null when every value is null (unknown is not 0)."""
    return pl.when(expr.is_not_null().any()).then(expr.sum())


def strength_log_by_day(log: pl.DataFrame, *, full_session_sets: float = FULL_SESSION_SETS
                        ) -> pl.DataFrame:
    """Strength facts per athlete and local day from strength log rows (``raw.strength_log``:
    athlete_id, local_date, minutes, sets, reps, volume_kg), with the columns of
    `transforms.daily_training.strength_by_day`: ``strength_sessions`` (rows),
    ``strength_min`` (min, summed), ``strength_sets``, ``strength_reps`` and
    ``strength_volume_kg`` (kg) summed over the rows that log them (null when none does),
    and ``strength_session_credit`` (sessions: each row
    `transforms.daily_training.set_credit` of its sets, a whole session without sets)."""
    sets = pl.col("sets").cast(pl.Float64)
    return (
        log.group_by(*DAY_KEYS)
        .agg(
            pl.len().cast(pl.Int32).alias("strength_sessions"),
            pl.col("minutes").sum().cast(pl.Float64).alias("strength_min"),
            _sum_or_null(pl.col("sets")).cast(pl.Int32).alias("strength_sets"),
            _sum_or_null(pl.col("reps")).cast(pl.Int64).alias("strength_reps"),
            _sum_or_null(pl.col("volume_kg")).cast(pl.Float64).alias("strength_volume_kg"),
            set_credit(sets, pl.lit(1.0), full_session_sets).sum().cast(pl.Float64)
            .alias("strength_session_credit"),
        )
        .sort(*DAY_KEYS)
    )


def log_sessions(log: pl.DataFrame, zones: dict[str, str], *,
                 full_session_sets: float = FULL_SESSION_SETS) -> pl.DataFrame:
    """The timed rows of a strength log as strength sessions for
    `transforms.daily_training.strength_near_run_by_day`: sport ``training``/
    ``strength_training``, start (``timestamp_utc``) = local date and time in the athlete's
    zone (`zones`: athlete_id -> IANA name) in UTC, end (``session_end_utc``) = start +
    minutes, ``session_credit`` its `transforms.daily_training.set_credit`. Rows without a
    start time are left out: whether they were near a run is
    unknown, so they are not counted as near one. A local time that does not exist (a
    spring-forward gap) is not placed either; an ambiguous one is read as the earlier."""
    timed = log.filter(pl.col("start_time_local").is_not_null())
    parts = []
    for (athlete,), rows in timed.group_by("athlete_id"):  # one time zone per athlete
        start = (pl.col("local_date").dt.combine(pl.col("start_time_local"))
                 .dt.replace_time_zone(zones[str(athlete)], ambiguous="earliest",
                                       non_existent="null")
                 .dt.convert_time_zone("UTC"))
        parts.append(rows.with_columns(start.alias("timestamp_utc")))
    schema = {"athlete_id": pl.String, "source_sha256": pl.String, "segment": pl.Int32,
              "message_seq": pl.Int64, "local_date": pl.Date,
              "timestamp_utc": pl.Datetime("us", "UTC"),
              "session_end_utc": pl.Datetime("us", "UTC"), "sport": pl.String,
              "sub_sport": pl.String, SESSION_CREDIT: pl.Float64}
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts).select(
        "athlete_id", "source_sha256", pl.lit(0, pl.Int32).alias("segment"),
        pl.col("source_line").cast(pl.Int64).alias("message_seq"), "local_date",
        pl.col("timestamp_utc").dt.cast_time_unit("us"),
        (pl.col("timestamp_utc") + pl.duration(seconds=pl.col("minutes") * 60.0))
        .dt.cast_time_unit("us").alias("session_end_utc"),
        pl.lit("training").alias("sport"), pl.lit("strength_training").alias("sub_sport"),
        set_credit(pl.col("sets").cast(pl.Float64), pl.lit(1.0), full_session_sets)
        .alias(SESSION_CREDIT),
    ).cast(schema)
