"""What the score reads of `marts.daily_recovery`: the week's measured sleep, the resting
HR and HRV against their own baselines, and whether fat-free mass is falling beyond what a
home scale varies (pure polars)."""

from __future__ import annotations

import polars as pl

from schemas.marts import HRV_SWC_CLIP
from schemas.scoring import WINDOW_DAYS, ScoreConstants
from transforms.scoring.score_windows import _mean_where

KEYS = ("athlete_id", "local_date")
#: Weeks in the fat-free-mass window (the mart's trend runs over 28 days).
FFM_WEEKS = 4.0

#: The columns `recovery_signals` adds, with their types (all null without recovery data).
SIGNALS: dict[str, pl.DataType] = {
    "sleep_h_7d": pl.Float64(),
    "resting_hr_delta_bpm": pl.Float64(),
    "hrv_delta_swc": pl.Float64(),
    "fat_free_mass_change_kg_28d": pl.Float64(),
    "ffm_weigh_ins_28d": pl.Int32(),
    "fat_free_mass_falling": pl.Boolean(),
}


def recovery_signals(recovery: pl.DataFrame | None, k: ScoreConstants) -> pl.DataFrame:
    """Per athlete and day of `recovery` (`marts.daily_recovery`, one row per calendar day):

    - `sleep_h_7d` (h): mean measured sleep of the week's nights (the day and the 6 before
      it), null with fewer than `min_sleep_nights` (4) measured nights: a default window is
      the watch's guess, not a measurement;
    - `resting_hr_delta_bpm` (bpm): the mart's 7-day mean minus its 28-day baseline;
    - `hrv_delta_swc` (smallest worthwhile changes, SWC = 0.5 SD of the baseline; Plews et
      al. 2013): the 7-day mean's distance from the baseline, negative below it, clipped to
      +-10 (`HRV_SWC_CLIP`); null without a baseline spread;
    - `fat_free_mass_change_kg_28d` (kg): the fat-free-mass trend's slope x 4 weeks, null
      unless `min_ffm_weigh_ins` (6) readings span `min_ffm_span_days` (21) days or more;
    - `fat_free_mass_falling`: that change below `-ffm_noise_kg` (1.5 kg, consumer
      bioimpedance noise; Kyle 2004), false otherwise, null when unknown."""
    if recovery is None or recovery.is_empty():
        return pl.DataFrame(schema={"athlete_id": pl.String, "local_date": pl.Date, **SIGNALS})
    sleep = pl.when(pl.col("sleep_measured")).then(pl.col("sleep_h"))
    enough_ffm = ((pl.col("ffm_weigh_ins_28d") >= k.min_ffm_weigh_ins)
                  & (pl.col("ffm_span_days_28d") >= k.min_ffm_span_days))
    change = pl.when(enough_ffm).then(
        (pl.col("fat_free_mass_rate_kg_per_week") * FFM_WEEKS).round(2))
    swc = pl.col("hrv_swc_ms")
    return (recovery.sort(*KEYS).select(
        *KEYS,
        _mean_where(sleep, sleep.is_not_null(), WINDOW_DAYS, k.min_sleep_nights)
        .round(2).alias("sleep_h_7d"),
        pl.col("resting_hr_delta_bpm").cast(pl.Float64),
        pl.when(swc > 0).then(pl.col("hrv_delta_ms") / swc).clip(-HRV_SWC_CLIP, HRV_SWC_CLIP)
        .round(2).alias("hrv_delta_swc"),
        change.alias("fat_free_mass_change_kg_28d"),
        pl.col("ffm_weigh_ins_28d").cast(pl.Int32),
    ).with_columns((pl.col("fat_free_mass_change_kg_28d") < -k.ffm_noise_kg)
                   .alias("fat_free_mass_falling")))


def with_recovery(windowed: pl.DataFrame, recovery: pl.DataFrame | None,
                  k: ScoreConstants) -> pl.DataFrame:
    """`windowed` (one row per athlete and day) with the `SIGNALS` columns, null on days
    without recovery data."""
    signals = recovery_signals(recovery, k).with_columns(
        pl.col("athlete_id").cast(pl.String), pl.col("local_date").cast(pl.Date))
    return windowed.join(signals, on=list(KEYS), how="left", maintain_order="left")
