"""Heart-rate intensity per local day: time in zones while running, HR coverage, Seiler's
three-zone split, and Banister TRIMP over every activity with heart rate.

Inputs are the per-sample deltas of `transforms.running_volume.sample_deltas` (with
`heart_rate_bpm`, `sport`, `local_date`) and one row of heart-rate settings per athlete:
`athlete_id`, `zone_model` ("auto" | "hrmax" | "hrr" | "lthr", resolved by
`schemas.config.resolve_zone_model`), `max_hr`, `resting_hr`, `lthr`, `sex`. Each sample's
moving seconds count in its zone and in its Seiler zone (from the model's own threshold
cut-offs, not from the zone number); samples without heart rate count only towards
coverage. A day whose running has no heart rate at all has null zones, never zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.config import resolve_zone_model
from transforms.local_days import by_athlete
from transforms.physiology import (
    SEILER_HIGH,
    SEILER_LOW,
    SEILER_THRESHOLD,
    banister_trimp,
    max_hr_observed,
    seiler_hrmax,
    seiler_hrr,
    seiler_lthr,
    zone_hrmax,
    zone_hrr,
    zone_lthr,
)
from transforms.running_volume import is_running

ZONES = (1, 2, 3, 4, 5)


def zone_model_used(athlete: dict) -> str:
    """The resolved zone model of one athlete's settings row: "hrmax", "hrr" or "lthr"."""
    return resolve_zone_model(athlete["zone_model"], athlete["resting_hr"], athlete["lthr"])


def _lit(value: float | None) -> pl.Expr:
    return pl.lit(value, pl.Float64)


def sample_zone(athlete: dict) -> pl.Expr:
    """Zone 1-5 of a sample under one athlete's zone model and settings."""
    hr, model = pl.col("heart_rate_bpm"), zone_model_used(athlete)
    if model == "hrr":
        return zone_hrr(hr, _lit(athlete["resting_hr"]), _lit(athlete["max_hr"]))
    if model == "lthr":
        return zone_lthr(hr, _lit(athlete["lthr"]))
    return zone_hrmax(hr, _lit(athlete["max_hr"]))


def sample_seiler_zone(athlete: dict) -> pl.Expr:
    """Seiler zone ("low", "threshold", "high") of a sample from the physiological
    cut-offs of the athlete's zone model (`transforms.physiology`: 80/88 % of max HR,
    72/83 % of reserve, 90/100 % of LTHR)."""
    hr, model = pl.col("heart_rate_bpm"), zone_model_used(athlete)
    if model == "hrr":
        return seiler_hrr(hr, _lit(athlete["resting_hr"]), _lit(athlete["max_hr"]))
    if model == "lthr":
        return seiler_lthr(hr, _lit(athlete["lthr"]))
    return seiler_hrmax(hr, _lit(athlete["max_hr"]))


def _per_athlete(deltas: pl.DataFrame, settings: pl.DataFrame):
    """(settings row, that athlete's samples) for each athlete in the settings: the
    settings become literals, so millions of samples need no join."""
    frames = dict(by_athlete(deltas))
    for athlete in settings.iter_rows(named=True):  # one row per athlete, not per sample
        frame = frames.get(athlete["athlete_id"])
        if frame is not None and frame.height:
            yield athlete, frame


#: Columns of `zone_minutes_by_day`, after athlete_id and local_date.
_ZONE_COLUMNS = (*[f"z{z}_min" for z in ZONES], "hr_covered_min", "hr_coverage_pct",
                 "seiler_low_share", "seiler_threshold_share", "seiler_high_share",
                 "high_intensity_min")


def zone_minutes_by_day(deltas: pl.DataFrame, settings: pl.DataFrame) -> pl.DataFrame:
    """Per athlete and local day of running: `z1_min` … `z5_min` (min), `hr_covered_min`
    (running minutes with heart rate), `hr_coverage_pct` (%), `high_intensity_min`
    (running minutes at or above the zone model's second threshold, Seiler's high zone)
    and the Seiler shares `seiler_low_share`, `seiler_threshold_share`,
    `seiler_high_share` as fractions of the covered time, from the model's own cut-offs
    (`sample_seiler_zone`). Zones are null on days whose running has no heart rate.

    Clipped to their ranges by construction: each zone's minutes and the covered minutes
    are float sums of the same samples in different orders, so a zone can come out a few
    units in the last place above the covered minutes (1e-13 min) and a share above 1
    (1.0000000000000002). Each zone (and `high_intensity_min`) is therefore clipped to at
    most `hr_covered_min`, each share to 0-1 and `hr_coverage_pct` to 0-100: the published
    values never break their own expectations (schemas.expectations)."""
    return intensity_by_day(deltas, settings)[0]


def trimp_by_day(deltas: pl.DataFrame, settings: pl.DataFrame, **trimp_constants: float
                 ) -> pl.DataFrame:
    """Per athlete and local day: Banister TRIMP (TRIMP units) summed over every sample with
    heart rate, any sport (Banister 1991; constants in `transforms.physiology`, overridable
    as keyword arguments of `banister_trimp`). Days without heart rate are absent (null in
    the calendar), never 0; without a resting heart rate TRIMP cannot be computed and is
    null too."""
    return intensity_by_day(deltas, settings, **trimp_constants)[1]


def intensity_by_day(deltas: pl.DataFrame, settings: pl.DataFrame, **trimp_constants: float
                     ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(`zone_minutes_by_day`, `trimp_by_day`) from one grouping of each athlete's samples
    by local day: each sample's zone, Seiler zone and TRIMP are computed once, and the
    running minutes per zone and the TRIMP of the samples with heart rate are sums over
    the same groups, each filtered to its samples (running ones for the zones, those with
    heart rate for TRIMP)."""
    minutes = pl.col("__min")
    running, with_hr = pl.col("__run"), pl.col("heart_rate_bpm").is_not_null()
    zone, band, trimp = pl.col("__zone"), pl.col("__band"), pl.col("__trimp").filter(with_hr)
    seiler = (SEILER_LOW, SEILER_THRESHOLD, SEILER_HIGH)
    parts = []
    for athlete, frame in _per_athlete(deltas, settings):
        per_sample = frame.filter(pl.col("local_date").is_not_null()).select(
            "local_date", "heart_rate_bpm", (pl.col("moving_s") / 60).alias("__min"),
            is_running().fill_null(False).alias("__run"),
            sample_zone(athlete).alias("__zone"), sample_seiler_zone(athlete).alias("__band"),
            banister_trimp(
                pl.col("moving_s") / 60, pl.col("heart_rate_bpm"),
                pl.lit(athlete["resting_hr"], pl.Float64),
                pl.lit(athlete["max_hr"], pl.Float64), pl.lit(athlete["sex"], pl.String),
                **trimp_constants).alias("__trimp"))
        parts.append(
            per_sample.group_by("local_date")  # one athlete: the date alone is the key
            .agg(
                *[minutes.filter(running & (zone == z)).sum().alias(f"z{z}_min")
                  for z in ZONES],
                minutes.filter(running & zone.is_not_null()).sum().alias("hr_covered_min"),
                *[minutes.filter(running & (band == name)).sum().alias(f"__{name}_min")
                  for name in seiler],
                minutes.filter(running).sum().alias("__all_min"),
                pl.when(trimp.is_not_null().any()).then(trimp.sum()).alias("trimp"),
                running.any().alias("__ran"),
                with_hr.any().alias("__hr"),
            )
            .with_columns(pl.lit(athlete["athlete_id"], pl.String).alias("athlete_id"))
        )
    if not parts:
        return (pl.DataFrame(schema={"athlete_id": pl.String, "local_date": pl.Date,
                                     **{f"z{z}_min": pl.Float64 for z in ZONES},
                                     "hr_covered_min": pl.Float64,
                                     "hr_coverage_pct": pl.Float64,
                                     "high_intensity_min": pl.Float64,
                                     "seiler_low_share": pl.Float64,
                                     "seiler_threshold_share": pl.Float64,
                                     "seiler_high_share": pl.Float64}),
                pl.DataFrame(schema={"athlete_id": pl.String, "local_date": pl.Date,
                                     "trimp": pl.Float64}))
    days = pl.concat(parts).sort("athlete_id", "local_date")
    covered = pl.col("hr_covered_min")
    no_hr = covered == 0
    zones = days.filter("__ran").with_columns(  # clipped: float sums in another order
        pl.when(pl.col("__all_min") > 0)      # overshoot by an ulp
        .then((100 * covered / pl.col("__all_min")).clip(0.0, 100.0))
        .alias("hr_coverage_pct"),
        *[(pl.col(f"__{name}_min") / covered).clip(0.0, 1.0).alias(f"seiler_{name}_share")
          for name in seiler],
        pl.min_horizontal(pl.col(f"__{SEILER_HIGH}_min"), covered).alias("high_intensity_min"),
        *[pl.min_horizontal(pl.col(f"z{z}_min"), covered).alias(f"z{z}_min") for z in ZONES],
    )
    nullable = ([f"z{z}_min" for z in ZONES] + ["high_intensity_min"]
                + [f"seiler_{n}_share" for n in seiler])
    zones = zones.with_columns(
        [pl.when(no_hr).then(None).otherwise(pl.col(c)).alias(c) for c in nullable]
    ).select("athlete_id", "local_date", *_ZONE_COLUMNS)
    return zones, days.filter("__hr").select("athlete_id", "local_date", "trimp")


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
