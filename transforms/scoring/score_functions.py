"""Transfer functions of the muscle-balance score: straight lines a reader can check by hand.

Every component score is built from `ramp` (0 at or below `zero_at`, 100 at or above
`full_at`, linear between) or its mirror (`zero_at` above `full_at`: higher is worse), and
sub-scores combine with `weighted_mean`, which leaves out null parts and renormalises the
remaining weights. All return polars expressions; null in gives null out.
"""

from __future__ import annotations

import polars as pl


def ramp(x: pl.Expr, zero_at: float | pl.Expr, full_at: float | pl.Expr) -> pl.Expr:
    """Score 0-100: 0 at `x <= zero_at`, 100 at `x >= full_at`, linear between. With
    `zero_at > full_at` the line falls: 100 at `x <= full_at`, 0 at `x >= zero_at`.

    Example: `ramp(protein, 0.8, 1.6)` gives 50 at 1.2 g/kg; `ramp(hours, 10, 4)` gives 50
    at 7 h."""
    zero = zero_at if isinstance(zero_at, pl.Expr) else pl.lit(float(zero_at))
    full = full_at if isinstance(full_at, pl.Expr) else pl.lit(float(full_at))
    fraction = (x.cast(pl.Float64) - zero) / (full - zero)
    return (fraction.clip(0.0, 1.0) * 100.0).alias("ramp")


def weighted_mean(parts: list[tuple[pl.Expr, float]]) -> pl.Expr:
    """Weighted mean of the non-null scores in `parts` ((score, weight) pairs), weights
    renormalised over the parts that are present; null when every part is null."""
    total = pl.lit(0.0)
    weight = pl.lit(0.0)
    for score, w in parts:
        present = score.is_not_null()
        total = total + pl.when(present).then(score * w).otherwise(0.0)
        weight = weight + pl.when(present).then(pl.lit(float(w))).otherwise(0.0)
    return pl.when(weight > 0).then(total / weight)


def present_weight(parts: list[tuple[pl.Expr, float]]) -> pl.Expr:
    """Sum of the weights of the non-null scores in `parts`."""
    weight = pl.lit(0.0)
    for score, w in parts:
        weight = weight + pl.when(score.is_not_null()).then(pl.lit(float(w))).otherwise(0.0)
    return weight
