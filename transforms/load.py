"""Training load lines from daily TRIMP: acute, chronic, their ratio, and fitness."""

from __future__ import annotations

import polars as pl

from transforms.physiology import ACUTE_LOAD_DAYS, CHRONIC_LOAD_DAYS, FITNESS_LOAD_DAYS, ewma_load


def training_load(days: pl.DataFrame, *, acute_days: int = ACUTE_LOAD_DAYS,
                  chronic_days: int = CHRONIC_LOAD_DAYS,
                  fitness_days: int = FITNESS_LOAD_DAYS) -> pl.DataFrame:
    """`days` (athlete_id, local_date, trimp; a complete calendar) with `acute_load` and
    `chronic_load` (exponentially weighted 7- and 28-day TRIMP, λ = 2/(N+1), Williams et al.
    2017), `acute_chronic_ratio` (descriptive only: contested as an injury predictor,
    Impellizzeri et al. 2020; null while chronic load is 0) and `fitness_load` (42-day,
    λ = 1/42 as TrainingPeaks' CTL and GoldenCheetah). Days without heart rate count as 0
    load for these lines (the TRIMP column itself stays null); an athlete with no TRIMP at
    all (no resting HR configured, say) has null lines, not zero."""
    filled = days.with_columns(pl.col("trimp").fill_null(0.0).alias("__load"))
    known = pl.col("trimp").is_not_null().any().over("athlete_id")
    filled = ewma_load(filled, "local_date", "__load", acute_days, name="acute_load")
    filled = ewma_load(filled, "local_date", "__load", chronic_days, name="chronic_load")
    filled = ewma_load(filled, "local_date", "__load", fitness_days, name="fitness_load",
                       alpha=1 / fitness_days)
    filled = filled.with_columns(  # an athlete without any TRIMP has no load lines
        [pl.when(known).then(pl.col(c)).alias(c)
         for c in ("acute_load", "chronic_load", "fitness_load")])
    return filled.with_columns(
        pl.when(pl.col("chronic_load") > 0)
        .then(pl.col("acute_load") / pl.col("chronic_load"))
        .alias("acute_chronic_ratio")
    ).drop("__load")
