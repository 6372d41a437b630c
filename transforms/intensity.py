"""Heart-rate intensity per local day: time in zones while running, HR coverage, Seiler's
three-zone split, and Banister TRIMP over every activity with heart rate.

Inputs are the per-sample deltas of `transforms.running_volume.sample_deltas` (with
`heart_rate_bpm`, `sport`, `local_date`) and one row of heart-rate settings per athlete:
`athlete_id`, `zone_model` ("hrmax" | "hrr" | "lthr"), `max_hr`, `resting_hr`, `lthr`,
`sex`. Each sample's moving seconds count in its zone; samples without heart rate count
only towards coverage. A day whose running has no heart rate at all has null zones, never
zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.physiology import (
    SEILER_HIGH,
    SEILER_LOW,
    SEILER_THRESHOLD,
    banister_trimp,
    max_hr_observed,
    seiler_zone,
    zone_hrmax,
    zone_hrr,
    zone_lthr,
)
from transforms.running_volume import is_running

ZONES = (1, 2, 3, 4, 5)


def sample_zone() -> pl.Expr:
    """Zone 1-5 of a sample under its athlete's zone model (columns from the settings)."""
    hr = pl.col("heart_rate_bpm")
    return (
        pl.when(pl.col("zone_model") == "hrr")
        .then(zone_hrr(hr, pl.col("resting_hr"), pl.col("max_hr")))
        .when(pl.col("zone_model") == "lthr")
        .then(zone_lthr(hr, pl.col("lthr")))
        .otherwise(zone_hrmax(hr, pl.col("max_hr")))
    )


def zone_minutes_by_day(deltas: pl.DataFrame, settings: pl.DataFrame) -> pl.DataFrame:
    """Per athlete and local day of running: `z1_min` … `z5_min` (min), `hr_covered_min`
    (running minutes with heart rate), `hr_coverage_pct` (%), and the Seiler shares
    `seiler_low_share`, `seiler_threshold_share`, `seiler_high_share` (fractions of the
    covered time). Zones are null on days whose running has no heart rate."""
    running = (
        deltas.filter(is_running() & pl.col("local_date").is_not_null())
        .join(settings, on="athlete_id", how="left")
        .with_columns(sample_zone().alias("zone"))
        .with_columns(seiler_zone(pl.col("zone")).alias("seiler"))
    )
    covered = pl.col("zone").is_not_null()
    minutes = pl.col("moving_s") / 60

    def share(name: str) -> pl.Expr:
        return (minutes.filter(pl.col("seiler") == name).sum()
                / minutes.filter(covered).sum())

    out = running.group_by("athlete_id", "local_date").agg(
        *[minutes.filter(pl.col("zone") == z).sum().alias(f"z{z}_min") for z in ZONES],
        minutes.filter(covered).sum().alias("hr_covered_min"),
        (100 * minutes.filter(covered).sum() / minutes.sum()).alias("hr_coverage_pct"),
        share(SEILER_LOW).alias("seiler_low_share"),
        share(SEILER_THRESHOLD).alias("seiler_threshold_share"),
        share(SEILER_HIGH).alias("seiler_high_share"),
    )
    no_hr = pl.col("hr_covered_min") == 0
    nullable = [f"z{z}_min" for z in ZONES] + ["seiler_low_share", "seiler_threshold_share",
                                                "seiler_high_share"]
    return out.with_columns(
        [pl.when(no_hr).then(None).otherwise(pl.col(c)).alias(c) for c in nullable]
    ).sort("athlete_id", "local_date")


def trimp_by_day(deltas: pl.DataFrame, settings: pl.DataFrame, **trimp_constants: float
                 ) -> pl.DataFrame:
    """Per athlete and local day: Banister TRIMP (TRIMP units) summed over every sample with
    heart rate, any sport (Banister 1991; constants in `transforms.physiology`, overridable
    as keyword arguments of `banister_trimp`). Days
    without heart rate are absent (null in the calendar), never 0."""
    return (
        deltas.filter(pl.col("local_date").is_not_null() & pl.col("heart_rate_bpm").is_not_null())
        .join(settings, on="athlete_id", how="left")
        .with_columns(
            banister_trimp(pl.col("moving_s") / 60, pl.col("heart_rate_bpm"),
                           pl.col("resting_hr"), pl.col("max_hr"), pl.col("sex"),
                           **trimp_constants).alias("trimp")
        )
        .group_by("athlete_id", "local_date")
        .agg(pl.col("trimp").sum())
        .sort("athlete_id", "local_date")
    )


@dataclass(frozen=True)
class MaxHrChoice:
    """The max heart rate used for an athlete, and where it came from."""

    bpm: float | None
    source: str  # "config" | "observed" | "220_minus_age" | "unknown"


def choose_max_hr(configured: float | None, heart_rates: pl.Series, birth_year: int | None,
                  year: int) -> MaxHrChoice:
    """The configured max HR; else the highest plausible one observed in the athlete's own
    records (`transforms.physiology.max_hr_observed`); only when neither exists 220 - age,
    which has no scientific merit (Robergs & Landwehr 2002) and is labelled so."""
    if configured:
        return MaxHrChoice(float(configured), "config")
    observed = max_hr_observed(heart_rates)
    if observed is not None:
        return MaxHrChoice(observed, "observed")
    if birth_year:
        return MaxHrChoice(float(220 - (year - birth_year)), "220_minus_age")
    return MaxHrChoice(None, "unknown")
