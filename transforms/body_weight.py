"""Body weight and body composition per athlete and local day (pure polars, no I/O).

Feeds ``marts.daily_energy`` ("body weight used (kg) and where it came from") and the
per-kg nutrition facts. A day never gets a weight out of thin air: every value says where
it came from in ``weight_source``, and without any weigh-in or configured weight the
weight stays null ("unknown"), never 0 (science.md, "What the score must never do").
"""

from __future__ import annotations

import polars as pl

from transforms.physiology import fat_free_mass_kg

# --- Constants -----------------------------------------------------------------------
# How long a body-fat measurement speaks for later days, in days. Project convention (the
# nutrition/energy brief; no published source): body composition changes slowly, and a
# four-week window matches the chronic-load horizon of science.md (28 days). Fat-free
# mass, and so Cunningham resting energy and energy availability, is unknown after it.
BODY_FAT_CARRY_DAYS = 28

#: ``weight_source`` values, best first.
WEIGHT_MEASURED = "measured"
WEIGHT_INTERPOLATED = "interpolated"
WEIGHT_CARRIED = "carried"
WEIGHT_CONFIGURED = "configured"
WEIGHT_UNKNOWN = "unknown"

#: ``body_fat_source`` values (null when there is no body fat for the day).
BODY_FAT_MEASURED = "measured"
BODY_FAT_CARRIED = "carried"

_KEYS = ["athlete_id", "local_date"]


def _days(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    """Whole days from ``earlier`` to ``later`` (Date columns) as Float64."""
    return (later - earlier).dt.total_days().cast(pl.Float64)


def daily_body_weight(
    calendar: pl.DataFrame,
    measurements: pl.DataFrame,
    configured: pl.DataFrame,
    *,
    body_fat_carry_days: int = BODY_FAT_CARRY_DAYS,
) -> pl.DataFrame:
    """Body weight (**kg**), body fat (**%**) and fat-free mass (**kg**) for every calendar day.

    Inputs:

    - ``calendar``: ``athlete_id``, ``local_date`` — one row per athlete and day, complete
      range; the result has exactly these rows, in this order, with its other columns kept.
    - ``measurements``: ``athlete_id``, ``local_date``, ``local_time`` (nullable),
      ``weight_kg`` (kg, nullable), ``body_fat_pct`` (%, nullable), ``source`` — the
      ``raw.body_measurements`` view (nutrition/scale exports and FIT ``weight_scale``).
      Several rows per day are allowed: the day's weight is the mean of its non-null
      weights, its body fat the mean of its non-null body fats (times of day are ignored).
    - ``configured``: ``athlete_id``, ``weight_kg`` (kg, nullable) — ``[[athletes]]
      weight_kg`` from ``musclebalance.toml``; at most one row per athlete.

    Columns added (per athlete, ``.over("athlete_id")`` in date order):

    - ``weight_kg`` (Float64, kg) and ``weight_source`` (String), first rule that applies:
      ``"measured"`` — the day has a weigh-in (day mean);
      ``"interpolated"`` — linear in days between the nearest measured days before and
      after: ``W0 + (W1 − W0)·(d − d0)/(d1 − d0)``;
      ``"carried"`` — the last measured weight before (no weigh-in after yet), or the first
      after when there is none before;
      ``"configured"`` — the configured weight; ``"unknown"`` — ``weight_kg`` null.
      Weigh-ins outside the calendar range still anchor interpolation and carrying.
    - ``body_fat_pct`` (Float64, %) and ``body_fat_source`` (String): ``"measured"`` that
      day, else ``"carried"`` from the last measurement at most ``body_fat_carry_days``
      (default 28, `BODY_FAT_CARRY_DAYS`, project convention) days before; null otherwise.
      Body fat is never interpolated nor carried backwards.
    - ``fat_free_mass_kg`` (Float64, kg): ``weight_kg · (1 − body_fat_pct/100)`` via
      `transforms.physiology.fat_free_mass_kg`, using the day's weight whatever its source;
      null without body fat or weight (science.md, "Energy": FFM for Cunningham and EA).
    """
    if body_fat_carry_days < 0:
        raise ValueError(f"body_fat_carry_days must be >= 0, got {body_fat_carry_days}")
    duplicated = configured.filter(pl.col("athlete_id").is_duplicated())
    if duplicated.height:
        raise ValueError(
            "configured weight must have at most one row per athlete; duplicated: "
            f"{sorted(duplicated['athlete_id'].unique().to_list())}"
        )

    key_types = {"athlete_id": pl.String, "local_date": pl.Date}
    days = calendar.select(pl.col(k).cast(t) for k, t in key_types.items()).unique()
    measured = (
        measurements.select(
            *(pl.col(k).cast(t) for k, t in key_types.items()),
            pl.col("weight_kg").cast(pl.Float64),
            pl.col("body_fat_pct").cast(pl.Float64),
        )
        .group_by(_KEYS)
        .agg(
            pl.col("weight_kg").mean().alias("measured_weight_kg"),
            pl.col("body_fat_pct").mean().alias("measured_body_fat_pct"),
        )
    )
    # Every calendar day plus every measured day (which may lie outside the calendar).
    timeline = days.join(measured, on=_KEYS, how="full", coalesce=True).sort(_KEYS)

    def per_athlete(expr: pl.Expr) -> pl.Expr:
        return expr.over("athlete_id", order_by="local_date")

    date = pl.col("local_date")
    weight = pl.col("measured_weight_kg")
    fat = pl.col("measured_body_fat_pct")
    timeline = timeline.with_columns(
        per_athlete(pl.when(weight.is_not_null()).then(date).forward_fill()).alias("_d0"),
        per_athlete(weight.forward_fill()).alias("_w0"),
        per_athlete(pl.when(weight.is_not_null()).then(date).backward_fill()).alias("_d1"),
        per_athlete(weight.backward_fill()).alias("_w1"),
        per_athlete(pl.when(fat.is_not_null()).then(date).forward_fill()).alias("_fd"),
        per_athlete(fat.forward_fill()).alias("_f0"),
    )

    w0, w1, d0, d1 = pl.col("_w0"), pl.col("_w1"), pl.col("_d0"), pl.col("_d1")
    interpolated = w0 + (w1 - w0) * _days(date, d0) / _days(d1, d0)
    configured_weight = pl.col("configured_weight_kg")
    weight_kg = (
        pl.when(weight.is_not_null()).then(weight)
        .when(w0.is_not_null() & w1.is_not_null()).then(interpolated)
        .when(w0.is_not_null()).then(w0)
        .when(w1.is_not_null()).then(w1)
        .otherwise(configured_weight)
    )
    weight_source = (
        pl.when(weight.is_not_null()).then(pl.lit(WEIGHT_MEASURED))
        .when(w0.is_not_null() & w1.is_not_null()).then(pl.lit(WEIGHT_INTERPOLATED))
        .when(w0.is_not_null() | w1.is_not_null()).then(pl.lit(WEIGHT_CARRIED))
        .when(configured_weight.is_not_null()).then(pl.lit(WEIGHT_CONFIGURED))
        .otherwise(pl.lit(WEIGHT_UNKNOWN))
    )
    fat_age_days = _days(date, pl.col("_fd"))
    body_fat_source = (
        pl.when(fat.is_not_null()).then(pl.lit(BODY_FAT_MEASURED))
        .when(pl.col("_f0").is_not_null() & (fat_age_days <= body_fat_carry_days))
        .then(pl.lit(BODY_FAT_CARRIED))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    body_fat_pct = pl.when(fat.is_not_null()).then(fat).when(
        pl.col("body_fat_source") == BODY_FAT_CARRIED
    ).then(pl.col("_f0"))

    configured_weights = configured.select(
        pl.col("athlete_id").cast(pl.String),
        pl.col("weight_kg").cast(pl.Float64).alias("configured_weight_kg"),
    )
    facts = (
        timeline.join(configured_weights, on="athlete_id", how="left")
        .with_columns(
            weight_kg.cast(pl.Float64).alias("weight_kg"),
            weight_source.alias("weight_source"),
            body_fat_source.alias("body_fat_source"),
        )
        .with_columns(body_fat_pct.cast(pl.Float64).alias("body_fat_pct"))
        .with_columns(
            fat_free_mass_kg("weight_kg", "body_fat_pct").cast(pl.Float64).alias(
                "fat_free_mass_kg"
            )
        )
        .select(
            *_KEYS, "weight_kg", "weight_source", "body_fat_pct", "body_fat_source",
            "fat_free_mass_kg",
        )
    )
    added = [c for c in facts.columns if c not in _KEYS]
    base = calendar.drop([c for c in added if c in calendar.columns]).with_columns(
        pl.col(k).cast(t) for k, t in key_types.items()
    )
    return base.join(facts, on=_KEYS, how="left", maintain_order="left")
