"""The report's input: the published marts of one athlete, as read from the readers' DuckDB
file (warehouse.report_data) and drawn by report/. Every frame keeps the marts' column names
and units; a mart the athlete has no rows in is an empty frame with the mart's columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

#: Days drawn when the command does not say (`musclebalance report --days N`): a year.
DEFAULT_REPORT_DAYS = 365
#: Days and weeks in the report's tables (as the command line's summary).
TABLE_DAYS = 14
TABLE_WEEKS = 8
#: Units the report shows beside the metric ones (config [display] units).
UNITS = ("metric", "imperial")

#: The marts the report reads, by the name its frames carry.
REPORT_MARTS = ("daily_muscle_balance", "weekly_muscle_balance", "daily_nutrition",
                "daily_energy", "daily_training", "daily_recovery")


@dataclass(frozen=True)
class ReportFrames:
    """One athlete's published rows for the report's range (daily marts: `first_day` ..
    `last_day`; the weekly mart: the weeks that overlap them), sorted by day or week."""

    athlete_id: str
    first_day: date
    last_day: date
    #: when the published file was written (its newest finished run), UTC; None: unknown
    published_at: datetime | None
    daily_muscle_balance: pl.DataFrame
    weekly_muscle_balance: pl.DataFrame
    daily_nutrition: pl.DataFrame
    daily_energy: pl.DataFrame
    daily_training: pl.DataFrame
    daily_recovery: pl.DataFrame

    @property
    def days(self) -> int:
        """Calendar days in the range."""
        return (self.last_day - self.first_day).days + 1
