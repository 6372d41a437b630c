"""Checks at the door: FIT samples outside physical ranges become null, with a count per
reason; backward steps of the cumulative distance are counted; a file whose times cannot
be real is named with the reason.

The ranges and their sources live in `schemas.plausibility`. Everything here is polars
expressions over a decoded file's frames (no row loops), so the checks cost little next to
decoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from schemas.fit import FIT_EPOCH_UNIX_S, FIT_MIN_ABSOLUTE_TIMESTAMP
from schemas.plausibility import (
    DEVICE_RELATIVE_TIME,
    EARLIEST_LOCAL_DATE,
    LATEST_DAYS_AHEAD,
    RECORD_RULES,
    RangeRule,
)
from transforms.running_volume import RUNNING_SPORTS

_SPORT = "__sport"
#: The first date FIT can express (1998-07-04): smaller values are device-relative seconds.
_FIRST_FIT_DATE = datetime(1989, 12, 31) + timedelta(seconds=FIT_MIN_ABSOLUTE_TIMESTAMP)


def record_sports(records: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> pl.Series:
    """The sport of each record, in the records' order: that of the last session starting at
    or before it (a record before the first start, or without a date, takes the first
    session's); without sessions, the laps'; without laps, the file's `sport` message;
    else null. The same rule the daily facts place samples by."""
    for name in ("fit_sessions", "fit_laps"):
        frame = tables.get(name)
        if frame is not None and frame["sport"].drop_nulls().len():
            periods = frame.select(
                pl.coalesce("start_time_utc", "timestamp_utc").alias("start"), "sport",
            ).drop_nulls("sport")
            break
    else:
        sport = tables.get("fit_sport")
        first = None if sport is None else next(iter(sport["sport"].drop_nulls()), None)
        return pl.repeat(first, records.height, dtype=pl.String, eager=True).alias(_SPORT)
    timed = periods.drop_nulls("start").sort("start", maintain_order=True)
    if periods["sport"].n_unique() == 1 or timed.height == 0:
        return pl.repeat(periods["sport"][0], records.height, dtype=pl.String,
                         eager=True).alias(_SPORT)
    stamps = records["timestamp_utc"].fill_null(timed["start"][0])
    index = (timed["start"].search_sorted(stamps, side="right").cast(pl.Int64) - 1).clip(0)
    return timed["sport"].gather(index).alias(_SPORT)


def _out(rule: RangeRule) -> pl.Expr:
    """True where the rule nulls the value (null values are never out)."""
    value = pl.col(rule.column)
    out = value > rule.limit if rule.above else value < rule.limit
    if rule.running_only:
        out = out & pl.col(_SPORT).is_in(list(RUNNING_SPORTS))
    return out.fill_null(False)


def null_implausible(records: pl.DataFrame, sports: pl.Series,
                     rules: tuple[RangeRule, ...] = RECORD_RULES
                     ) -> tuple[pl.DataFrame, dict[str, int]]:
    """`records` with every value outside its range (schemas.plausibility) set to null, and
    how many values each rule nulled (rules that nulled none are left out). Record times
    that are device-relative (no date) are counted under DEVICE_RELATIVE_TIME."""
    rules = tuple(r for r in rules if r.column in records.columns)
    marked = records.with_columns(sports)
    counts_row = marked.select(
        *[_out(r).sum().alias(r.reason) for r in rules],
        (pl.col("timestamp_utc").is_null() & pl.col("timestamp_device_s").is_not_null())
        .sum().alias(DEVICE_RELATIVE_TIME),
    ).row(0, named=True)
    counts = {reason: int(n) for reason, n in counts_row.items() if n}
    nulled_rules = [r for r in rules if counts.get(r.reason)]
    if not nulled_rules:
        return records, counts
    columns = dict.fromkeys(r.column for r in nulled_rules)
    cleaned = marked.with_columns(
        pl.when(pl.any_horizontal(*[_out(r) for r in nulled_rules if r.column == c]))
        .then(None).otherwise(pl.col(c)).alias(c)
        for c in columns
    )
    return cleaned.drop(_SPORT), counts


def distance_resets(records: pl.DataFrame) -> int:
    """How often a file's cumulative distance goes back (a sample below the one before it,
    in time order within a segment; samples without distance are passed over). The daily
    facts sum only the increases (transforms.running_volume), so the distance after a
    reset still counts."""
    if "distance_m" not in records.columns:
        return 0
    ordered = records.filter(pl.col("distance_m").is_not_null()).sort(
        "segment", "timestamp_utc", "message_seq", nulls_last=True)
    back = (pl.col("distance_m").diff() < 0) & (pl.col("segment") == pl.col("segment").shift())
    return int(ordered.select(back.sum()).item() or 0)


@dataclass(frozen=True)
class DateWindow:
    """The local days a file's times may fall on: from EARLIEST_LOCAL_DATE to `last_day`
    (tomorrow) in the athlete's zone `zone`."""

    zone: str
    last_day: date

    @property
    def first_day(self) -> date:
        return EARLIEST_LOCAL_DATE

    def describe(self) -> str:
        return (f"expected times from {self.first_day.isoformat()} to "
                f"{self.last_day.isoformat()} (tomorrow) in {self.zone}")


def date_window(zone: str | None, now_utc: datetime) -> DateWindow:
    """The window for an athlete whose IANA zone is `zone` (UTC when unknown) at `now_utc`."""
    name = zone or "UTC"
    today = now_utc.astimezone(ZoneInfo(name)).date()
    return DateWindow(name, today + timedelta(days=LATEST_DAYS_AHEAD))


def _instant_columns(tables: dict[str, pl.DataFrame]) -> list[tuple[str, str, bool]]:
    """(table, column, is_utc) of every date column of the decoded frames: UTC instants
    and the wall-clock `local_timestamp`."""
    out = []
    for table, frame in sorted(tables.items()):
        for column, dtype in frame.schema.items():
            if isinstance(dtype, pl.Datetime):
                out.append((table, column, dtype.time_zone is not None))
    return out


def _device_relative_values(tables: dict[str, pl.DataFrame]) -> pl.Series:
    """Every device-relative time of the file, s since the device was switched on."""
    parts = [tables[t][c].drop_nulls().cast(pl.Int64) for t, c in
             (("fit_records", "timestamp_device_s"), ("fit_file_id", "time_created_device_s"))
             if t in tables]
    return pl.concat(parts) if parts else pl.Series([], dtype=pl.Int64)


def instant_problem(tables: dict[str, pl.DataFrame], window: DateWindow) -> str | None:
    """Why a decoded file's times cannot be real, or None when they can.

    A time before 1990-01-01 or after tomorrow in the athlete's zone is a wrong clock. FIT
    values below 0x10000000 are not dates but seconds since the device was switched on
    (a naive reader dates them 1989-12-31 to 1998): a file whose only times are such
    values, the wall-clock `local_timestamp` included, cannot be placed on any day. A file
    with a date and some device-relative record times is loaded; those records are
    counted (DEVICE_RELATIVE_TIME)."""
    first = datetime.combine(window.first_day, datetime.min.time())
    end = datetime.combine(window.last_day + timedelta(days=1), datetime.min.time())
    dated = 0
    for table, column, is_utc in _instant_columns(tables):
        stored = tables[table][column].drop_nulls()
        if is_utc:
            values = stored.dt.convert_time_zone(window.zone).dt.replace_time_zone(None)
        else:  # a wall-clock time below FIT's first date is device-relative as well
            stored = values = stored.filter(stored >= _FIRST_FIT_DATE)
        dated += values.len()
        outside = (values < first) | (values >= end)
        wrong = values.filter(outside)
        if wrong.len():
            example = stored.filter(outside).sort()[0 if wrong.min() < first else -1]
            when = (example.strftime("%Y-%m-%dT%H:%M:%SZ") if is_utc
                    else example.strftime("%Y-%m-%dT%H:%M:%S") + " (wall clock)")
            return (f"a time outside the possible dates: {table}.{column} is {when} "
                    f"({wrong.len()} value(s) outside; {window.describe()}); "
                    "the watch's clock was wrong when it recorded")
    relative = _device_relative_values(tables)
    if dated == 0 and relative.len():
        lowest = int(relative.min())
        naive = datetime.fromtimestamp(lowest + FIT_EPOCH_UNIX_S, tz=ZoneInfo("UTC"))
        return (f"no date in the file: its {relative.len()} times are device-relative "
                f"(seconds since the watch was switched on, from {lowest} s, which reads "
                f"as {naive.strftime('%Y-%m-%dT%H:%M:%SZ')}) and nothing in it places "
                f"them on a day; {window.describe()}")
    return None
