"""The strength log CSV: one row per strength session, for athletes whose lifting is not
recorded by a watch (`[[athletes]] strength_source = "log"`).

Header (names in any letter case, any column order; other columns are ignored)::

    date,minutes[,time][,sets][,reps][,volume_kg]

* ``date``: the session's local date in the athlete's time zone, ``YYYY-MM-DD``;
* ``minutes``: the session's duration in minutes, above 0 and at most 1440;
* ``time`` (optional): the local start time ``HH:MM`` (24 h). With it the session is
  placed in time and counts as near a run when less than
  `transforms.daily_training.STRENGTH_NEAR_RUN_H` (6 h) from one; without it the
  session is not counted as near a run (its time is unknown);
* ``sets`` (optional): hard (working) sets, a whole number 1-100. A session with fewer
  sets than `transforms.daily_training.FULL_SESSION_SETS` counts as part of a session;
  without it the session counts whole;
* ``reps`` (optional): repetitions over those sets, a whole number 1-10,000;
* ``volume_kg`` (optional): volume load, the sum of repetitions x load, kg, 0-1,000,000.

A row with a value that does not read is rejected alone, with its file, line, value and
what was expected; the other rows load. An empty optional cell is unknown.
"""

from __future__ import annotations

from typing import NamedTuple

import polars as pl

__all__ = ["COLUMNS", "OPTIONAL", "RAW_COLUMNS", "REQUIRED", "Bound"]

REQUIRED = ("date", "minutes")
OPTIONAL = ("time", "sets", "reps", "volume_kg")
COLUMNS = REQUIRED + OPTIONAL


class Bound(NamedTuple):
    """The accepted range of a numeric column (inclusive; `above` excludes `low`)."""

    low: float
    high: float
    whole: bool
    expected: str  # what the rejection message says was expected
    above: bool = False


#: Numeric columns and their bounds.
BOUNDS: dict[str, Bound] = {
    "minutes": Bound(0, 1440, False, "a number of minutes above 0 and at most 1440",
                     above=True),
    "sets": Bound(1, 100, True, "a whole number of sets from 1 to 100"),
    "reps": Bound(1, 10_000, True, "a whole number of repetitions from 1 to 10000"),
    "volume_kg": Bound(0, 1_000_000, False, "a volume load in kg from 0 to 1000000"),
}
DATE_EXPECTED = "a date YYYY-MM-DD"
TIME_EXPECTED = "a local start time HH:MM (00:00-23:59)"

#: Columns of ``raw.strength_log`` (one row per accepted CSV row), with their dtypes.
RAW_COLUMNS: dict[str, pl.DataType] = {
    "athlete_id": pl.String(),
    "source_sha256": pl.String(),  # the file's content (raw.source_files.sha256)
    "source_path": pl.String(),  # where it was read
    "source_line": pl.Int32(),  # physical line of the row in the file (header: 1)
    "local_date": pl.Date(),
    "start_time_local": pl.Time(),  # null: start time not logged
    "minutes": pl.Float64(),
    "sets": pl.Int32(),
    "reps": pl.Int32(),
    "volume_kg": pl.Float64(),
}
