"""The calendar: one row per athlete per local day, first to last day with any data, so
a chart shows gaps as gaps and rolling windows see rest days."""

from __future__ import annotations

import polars as pl


def calendar(*frames: pl.DataFrame) -> pl.DataFrame:
    """Every (athlete_id, local_date) from each athlete's first to last data day in any of
    the frames (each has athlete_id and local_date; null dates are ignored)."""
    days = [f.select("athlete_id", "local_date") for f in frames if f.height]
    if not days:
        return pl.DataFrame(schema={"athlete_id": pl.String, "local_date": pl.Date})
    spans = (
        pl.concat(days).drop_nulls()
        .group_by("athlete_id")
        .agg(pl.col("local_date").min().alias("first"), pl.col("local_date").max().alias("last"))
    )
    return (
        spans.select(
            "athlete_id",
            pl.date_ranges("first", "last", "1d").alias("local_date"),
        )
        .explode("local_date")
        .sort("athlete_id", "local_date")
    )
