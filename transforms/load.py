"""Training load lines from daily TRIMP: acute, chronic, their ratio, and fitness."""

from __future__ import annotations

import polars as pl

from transforms.physiology import ACUTE_LOAD_DAYS, CHRONIC_LOAD_DAYS, FITNESS_LOAD_DAYS, ewma_load

LOAD_LINES = ("acute_load", "chronic_load", "fitness_load")


def training_load(days: pl.DataFrame, *, acute_days: int = ACUTE_LOAD_DAYS,
                  chronic_days: int = CHRONIC_LOAD_DAYS,
                  fitness_days: int = FITNESS_LOAD_DAYS,
                  watch_data: pl.Expr | None = None) -> pl.DataFrame:
    """`days` (athlete_id, local_date, trimp; a complete calendar) with `acute_load` and
    `chronic_load` (exponentially weighted 7- and 28-day TRIMP, λ = 2/(N+1), Williams et al.
    2017), `acute_chronic_ratio` (descriptive only: contested as an injury predictor,
    Impellizzeri et al. 2020) and `fitness_load` (42-day, λ = 1/42 as TrainingPeaks' CTL
    and GoldenCheetah), all in TRIMP/day.

    The lines start on the athlete's first day of watch data (the first day where
    `watch_data` holds; by default the first day with a known TRIMP): before it they are
    null, not a run of zeros, and the EWMA is seeded with that day's load. From then on a
    day without heart rate counts as 0 load (the TRIMP column itself stays null). The
    ratio is null until the chronic window is full (`chronic_days` days of watch data, the
    first day included) and while chronic load is 0. An athlete with no TRIMP at all (no
    resting HR configured, say) has null lines, not zero."""
    watch = pl.col("trimp").is_not_null() if watch_data is None else watch_data
    first = pl.when(watch).then(pl.col("local_date")).min().over("athlete_id")
    started = pl.col("local_date") >= first
    known = pl.col("trimp").is_not_null().any().over("athlete_id")
    span = days.with_columns(
        pl.when(started).then(pl.col("trimp").fill_null(0.0)).alias("__load"),
        (pl.col("local_date") - first).dt.total_days().alias("__watch_day"))
    lines = span.filter(pl.col("__load").is_not_null())
    lines = ewma_load(lines, "local_date", "__load", acute_days, name="acute_load")
    lines = ewma_load(lines, "local_date", "__load", chronic_days, name="chronic_load")
    lines = ewma_load(lines, "local_date", "__load", fitness_days, name="fitness_load",
                      alpha=1 / fitness_days)
    out = span.join(lines.select("athlete_id", "local_date", *LOAD_LINES),
                    on=["athlete_id", "local_date"], how="left", maintain_order="left")
    out = out.with_columns(  # an athlete without any TRIMP has no load lines
        [pl.when(known).then(pl.col(c)).alias(c) for c in LOAD_LINES])
    return out.with_columns(
        pl.when((pl.col("__watch_day") >= chronic_days - 1) & (pl.col("chronic_load") > 0))
        .then(pl.col("acute_load") / pl.col("chronic_load"))
        .alias("acute_chronic_ratio")
    ).drop("__load", "__watch_day")
