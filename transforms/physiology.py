"""Physiology building blocks as polars expressions: energy, heart-rate zones, load.

Pure functions, no I/O. Each metric takes its inputs as column names (``str``), polars
expressions, or plain numbers/dates (treated as literals) and returns a ``pl.Expr``, so
metrics compose inside ``with_columns``/``agg``. To pass a constant *string* (for
example a sex), use ``pl.lit("female")``: a bare string is always a column name.

Every constant is a module-level name with its source (see ``../shared/docs/science.md``)
and every function takes it as an overridable keyword argument, so a ``[scoring]``
configuration table can replace any of them.

Missing data stays missing: a null input gives a null output (no HR means no zone, no
weight means no resting energy); nothing here turns unknown into zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import polars as pl

from schemas.nutrition import KJ_PER_KCAL

#: Inputs accepted by the expression builders: a column name, an expression, or a literal.
ExprLike = pl.Expr | str | int | float | date | datetime

# --- Resting energy ------------------------------------------------------------------
# Mifflin MD, St Jeor ST et al. 1990, Am J Clin Nutr 51:241 (science.md, "Energy"):
# REE (kcal/day) = 10·W + 6.25·H − 5·A + 5 (men), … − 161 (women); W kg, H cm, A years.
MIFFLIN_WEIGHT_KCAL_PER_KG = 10.0
MIFFLIN_HEIGHT_KCAL_PER_CM = 6.25
MIFFLIN_AGE_KCAL_PER_YEAR = 5.0
MIFFLIN_MALE_OFFSET_KCAL = 5.0
MIFFLIN_FEMALE_OFFSET_KCAL = -161.0

# Cunningham JJ 1980, Am J Clin Nutr 33:2372 (science.md, "Energy"): 500 + 22·FFM kcal/day.
CUNNINGHAM_INTERCEPT_KCAL = 500.0
CUNNINGHAM_KCAL_PER_KG_FFM = 22.0

# --- Exercise energy -----------------------------------------------------------------
# Keytel LR et al. 2005, J Sports Sci 23:289 (science.md, "Energy"), model without VO2max.
# kJ/min = intercept + a·HR (bpm) + b·W (kg) + c·A (years); coefficients in that order.
KEYTEL_MALE_KJ_PER_MIN = (-55.0969, 0.6309, 0.1988, 0.2017)
KEYTEL_FEMALE_KJ_PER_MIN = (-20.4022, 0.4472, -0.1263, 0.074)

# --- Banister TRIMP ------------------------------------------------------------------
# Banister 1991; Morton, Fitz-Clarke & Banister 1990 (science.md, "Running volume,
# intensity and load"): TRIMP = minutes · HRr · a · e^(b·HRr).
TRIMP_MALE_A = 0.64
TRIMP_MALE_B = 1.92
TRIMP_FEMALE_B = 1.67
# Female multiplier: Morton, Fitz-Clarke & Banister 1990 published 0.86·e^(1.67·HRr) for
# women, and Runalyze uses 0.86; GoldenCheetah keeps 0.64 for both sexes. Open-source
# tools disagree (science.md), so it is a named, configurable choice. Default: 0.86.
TRIMP_FEMALE_A = 0.86

# --- Heart-rate zones ----------------------------------------------------------------
# Lower bounds of zones 2..5 as fractions; below the first bound is zone 1.
# %HRmax: the common 50/60/70/80/90 % five-zone scale (science.md: prefer configured or
# observed max HR, not 220 − age; Robergs & Landwehr 2002). Time below 50 % is counted in
# zone 1, so effectively Z1 < 60 %, Z2 60–70, Z3 70–80, Z4 80–90, Z5 ≥ 90 %.
HRMAX_ZONE_BOUNDS = (0.60, 0.70, 0.80, 0.90)
# Karvonen heart-rate reserve, same fractions applied to (HR − rest)/(max − rest).
HRR_ZONE_BOUNDS = (0.60, 0.70, 0.80, 0.90)
# Friel, running zones on lactate-threshold HR (science.md): Z1 < 85, Z2 85–89, Z3 90–94,
# Z4 95–99, Z5 ≥ 100 % of LTHR.
LTHR_ZONE_BOUNDS = (0.85, 0.90, 0.95, 1.00)

# Seiler's three-zone model (Seiler & Kjerland 2006; Seiler & Tønnessen 2009; Seiler 2010):
# "low" below the first ventilatory/lactate threshold (VT1/LT1), "threshold" between the
# two, "high" at or above the second (VT2/LT2). The thresholds are not measured here, so
# each zone model places them at its own physiological cut-offs, as fractions of its
# scale (first threshold, second threshold):
# - %HRmax: VT1 at about 77-82 % and VT2 at about 87-88 % of max HR in well-trained
#   endurance athletes (Seiler & Kjerland 2006; Seiler 2010): 0.80 and 0.88. The old
#   five-zone mapping put "high" at zone 4, from 80 %: steady running counted as hard.
# - %LTHR (Friel): LTHR is the second threshold, so "high" is at or above 100 % of LTHR
#   (Friel's zone 5); "low" is Friel's zones 1-2, below 90 % of LTHR (with LTHR at about
#   0.9 of max HR that is about 81 % of max HR, the first threshold above).
# - %HRR (Karvonen 1957): the %HRmax cut-offs written as reserve fractions,
#   (p·max − rest)/(max − rest), for a reference runner of max 190 and rest 55 bpm:
#   (0.80·190 − 55)/135 = 0.72 and (0.88·190 − 55)/135 = 0.83. For rest 40-70 and max
#   170-200 the %HRmax equivalent of 0.83 HRR is 0.86-0.90: within the 87-88 % of Seiler.
# A value on a cut-off belongs to the higher zone (as with the five zones).
HRMAX_SEILER_CUTOFFS = (0.80, 0.88)
HRR_SEILER_CUTOFFS = (0.72, 0.83)
LTHR_SEILER_CUTOFFS = (0.90, 1.00)
SEILER_LOW = "low"
SEILER_THRESHOLD = "threshold"
SEILER_HIGH = "high"
# The old approximation from five zones (z1–z2 low, z3 threshold, z4–z5 high), kept for
# `seiler_zone`; the facts use the cut-offs above (`seiler_zone_by_model`).
SEILER_FROM_ZONE5 = {1: SEILER_LOW, 2: SEILER_LOW, 3: SEILER_THRESHOLD, 4: SEILER_HIGH,
                     5: SEILER_HIGH}

# --- Load ----------------------------------------------------------------------------
# Williams S et al. 2017, Br J Sports Med 51:209 (science.md): EWMA with λ = 2/(N+1),
# acute 7 days, chronic 28 days; 42-day "fitness" as in TrainingPeaks/GoldenCheetah.
ACUTE_LOAD_DAYS = 7
CHRONIC_LOAD_DAYS = 28
FITNESS_LOAD_DAYS = 42

# --- Observed maximum heart rate -----------------------------------------------------
# Project heuristic (no published source; science.md asks to prefer an observed max HR over
# 220 − age). Samples outside (lower, upper) bpm are implausible for a running max and are
# dropped; an isolated spike is ignored by taking the max of a rolling median.
MAX_HR_PLAUSIBLE_LOWER_BPM = 100.0
MAX_HR_PLAUSIBLE_UPPER_BPM = 230.0
MAX_HR_WINDOW_SAMPLES = 10
MAX_HR_MIN_SAMPLES = 60


def _expr(value: ExprLike) -> pl.Expr:
    """A column name becomes ``pl.col``, an expression passes through, anything else is a
    literal."""
    if isinstance(value, pl.Expr):
        return value
    if isinstance(value, str):
        return pl.col(value)
    return pl.lit(value)


def _sex(sex: ExprLike) -> pl.Expr:
    """``sex`` as lower-case, trimmed text ("male"/"female"; anything else is unknown)."""
    return _expr(sex).cast(pl.String).str.strip_chars().str.to_lowercase()


def _by_sex(sex: ExprLike, male: pl.Expr, female: pl.Expr) -> pl.Expr:
    """``male`` where sex is "male", ``female`` where "female", null otherwise."""
    s = _sex(sex)
    return pl.when(s == "male").then(male).when(s == "female").then(female)


def _check_bounds(bounds: Sequence[float]) -> tuple[float, ...]:
    bounds = tuple(float(b) for b in bounds)
    if len(bounds) != 4 or any(b >= c for b, c in zip(bounds, bounds[1:], strict=False)):
        raise ValueError(f"zone bounds must be 4 strictly increasing fractions, got {bounds}")
    return bounds


def _zone_from_fraction(fraction: pl.Expr, bounds: Sequence[float]) -> pl.Expr:
    """Zone 1–5 (Int8): 1 + number of lower bounds ``fraction`` reaches; null stays null.

    A value exactly on a bound belongs to the higher zone (left-closed bins).
    """
    bounds = _check_bounds(bounds)
    chain = pl.when(fraction >= bounds[-1]).then(pl.lit(5, dtype=pl.Int8))
    for zone, bound in zip((4, 3, 2), reversed(bounds[:-1]), strict=True):
        chain = chain.when(fraction >= bound).then(pl.lit(zone, dtype=pl.Int8))
    return chain.when(fraction.is_not_null()).then(pl.lit(1, dtype=pl.Int8)).otherwise(
        pl.lit(None, dtype=pl.Int8)
    )


# --- Energy --------------------------------------------------------------------------


def mifflin_st_jeor_kcal(
    weight_kg: ExprLike, height_cm: ExprLike, age_years: ExprLike, sex: ExprLike,
    *,
    weight_coef: float = MIFFLIN_WEIGHT_KCAL_PER_KG,
    height_coef: float = MIFFLIN_HEIGHT_KCAL_PER_CM,
    age_coef: float = MIFFLIN_AGE_KCAL_PER_YEAR,
    male_offset: float = MIFFLIN_MALE_OFFSET_KCAL,
    female_offset: float = MIFFLIN_FEMALE_OFFSET_KCAL,
) -> pl.Expr:
    """Resting energy expenditure in **kcal/day** (Mifflin-St Jeor 1990, Am J Clin Nutr 51:241).

    Men: ``10·W + 6.25·H − 5·A + 5``; women: ``… − 161`` (W kg, H cm, A years).
    ``sex`` is "male" or "female" (case-insensitive); any other value, or a null input,
    gives null.
    """
    base = (
        weight_coef * _expr(weight_kg)
        + height_coef * _expr(height_cm)
        - age_coef * _expr(age_years)
    )
    return _by_sex(sex, base + male_offset, base + female_offset)


def cunningham_kcal(
    fat_free_mass_kg: ExprLike,
    *,
    intercept: float = CUNNINGHAM_INTERCEPT_KCAL,
    kcal_per_kg_ffm: float = CUNNINGHAM_KCAL_PER_KG_FFM,
) -> pl.Expr:
    """Resting energy expenditure in **kcal/day** from fat-free mass (kg):
    ``500 + 22·FFM`` (Cunningham 1980, Am J Clin Nutr 33:2372). Null stays null."""
    return intercept + kcal_per_kg_ffm * _expr(fat_free_mass_kg)


def fat_free_mass_kg(weight_kg: ExprLike, body_fat_pct: ExprLike) -> pl.Expr:
    """Fat-free mass in **kg**: ``W · (1 − body_fat_pct/100)`` (definition; body fat in %).

    A body-fat percentage outside [0, 100) is not a measurement and gives null, as does a
    null input. Used for Cunningham resting energy and energy availability (science.md).
    """
    pct = _expr(body_fat_pct)
    return pl.when((pct >= 0) & (pct < 100)).then(_expr(weight_kg) * (1 - pct / 100))


def keytel_kcal_per_min(
    heart_rate_bpm: ExprLike,
    weight_kg: ExprLike,
    age_years: ExprLike,
    sex: ExprLike,
    *,
    male_coefficients: Sequence[float] = KEYTEL_MALE_KJ_PER_MIN,
    female_coefficients: Sequence[float] = KEYTEL_FEMALE_KJ_PER_MIN,
    kj_per_kcal: float = KJ_PER_KCAL,
) -> pl.Expr:
    """Gross exercise energy expenditure in **kcal/min** from heart rate (Keytel et al. 2005,
    J Sports Sci 23:289, the model without VO2max).

    The equations give kJ/min — men ``−55.0969 + 0.6309·HR + 0.1988·W + 0.2017·A``, women
    ``−20.4022 + 0.4472·HR − 0.1263·W + 0.074·A`` — divided here by 4.184 kJ/kcal and
    clipped at 0 below (low heart rates would give negative values; the model was fitted on
    exercise heart rates, not rest). Multiply by sample minutes and sum for a session.
    This is a *gross* figure: for energy availability, subtract the resting energy of the
    same minutes or state that gross is used (science.md). Null or unknown sex → null.
    """
    hr, w, a = _expr(heart_rate_bpm), _expr(weight_kg), _expr(age_years)

    def kj(c: Sequence[float]) -> pl.Expr:
        return c[0] + c[1] * hr + c[2] * w + c[3] * a

    kj_per_min = _by_sex(sex, kj(male_coefficients), kj(female_coefficients))
    return (kj_per_min / kj_per_kcal).clip(lower_bound=0.0)


# --- Heart rate ----------------------------------------------------------------------


def _hrr_raw(hr: ExprLike, resting_hr: ExprLike, max_hr: ExprLike) -> pl.Expr:
    rest, top = _expr(resting_hr), _expr(max_hr)
    return pl.when(top > rest).then((_expr(hr) - rest) / (top - rest))


def heart_rate_reserve_fraction(
    hr: ExprLike, resting_hr: ExprLike, max_hr: ExprLike
) -> pl.Expr:
    """Heart-rate-reserve fraction, **unitless in [0, 1]**: ``(HR − rest)/(max − rest)``
    (Karvonen 1957; the HRr of Banister's TRIMP), clipped to [0, 1].

    Null when any input is null or when max HR is not above resting HR.
    """
    return _hrr_raw(hr, resting_hr, max_hr).clip(0.0, 1.0)


def banister_trimp(
    minutes: ExprLike,
    hr: ExprLike,
    resting_hr: ExprLike,
    max_hr: ExprLike,
    sex: ExprLike,
    *,
    female_multiplier: float = TRIMP_FEMALE_A,
    male_b: float = TRIMP_MALE_B,
    female_b: float = TRIMP_FEMALE_B,
    male_a: float = TRIMP_MALE_A,
) -> pl.Expr:
    """Banister training impulse in **TRIMP units** (arbitrary units, ~minutes weighted by
    intensity): ``minutes · HRr · a · e^(b·HRr)`` (Banister 1991; Morton, Fitz-Clarke &
    Banister 1990), HRr from `heart_rate_reserve_fraction` (clipped to [0, 1]).

    Men: a = 0.64, b = 1.92. Women: b = 1.67 and a = ``TRIMP_FEMALE_A`` = 0.86, the female
    weighting published by Morton et al. 1990 and used by Runalyze; GoldenCheetah keeps
    0.64 for women. Pass ``female_multiplier=0.64`` to match GoldenCheetah.

    Use per sample (``minutes`` = the sample's duration, then sum per session or day — the
    more accurate form) or per session with its mean HR (Banister's original form).
    Null input or unknown sex → null.
    """
    hrr = heart_rate_reserve_fraction(hr, resting_hr, max_hr)
    weight = _by_sex(
        sex,
        male_a * (male_b * hrr).exp(),
        female_multiplier * (female_b * hrr).exp(),
    )
    return _expr(minutes) * hrr * weight


def zone_hrmax(
    hr: ExprLike, max_hr: ExprLike, bounds: Sequence[float] = HRMAX_ZONE_BOUNDS
) -> pl.Expr:
    """Heart-rate zone **1–5 (Int8)** by fraction of maximum heart rate.

    Default bounds are the usual 50/60/70/80/90 % HRmax scale with time below 50 % counted
    in zone 1, so: Z1 < 60 %, Z2 60–70 %, Z3 70–80 %, Z4 80–90 %, Z5 ≥ 90 %. A value on a
    bound is in the higher zone. Use a configured or observed max HR, not 220 − age
    (Robergs & Landwehr 2002). Null HR (or max HR null/≤ 0) → null zone.
    """
    top = _expr(max_hr)
    fraction = pl.when(top > 0).then(_expr(hr) / top)
    return _zone_from_fraction(fraction, bounds)


def zone_hrr(
    hr: ExprLike,
    resting_hr: ExprLike,
    max_hr: ExprLike,
    bounds: Sequence[float] = HRR_ZONE_BOUNDS,
) -> pl.Expr:
    """Heart-rate zone **1–5 (Int8)** by heart-rate-reserve fraction (Karvonen):
    Z1 < 60 %, Z2 60–70 %, Z3 70–80 %, Z4 80–90 %, Z5 ≥ 90 % of (HR − rest)/(max − rest).

    A value on a bound is in the higher zone. Null when HR is null or max ≤ rest.
    """
    return _zone_from_fraction(_hrr_raw(hr, resting_hr, max_hr), bounds)


def zone_lthr(
    hr: ExprLike, lthr: ExprLike, bounds: Sequence[float] = LTHR_ZONE_BOUNDS
) -> pl.Expr:
    """Heart-rate zone **1–5 (Int8)** by fraction of lactate-threshold HR (Friel, running):
    Z1 < 85 %, Z2 85–89 %, Z3 90–94 %, Z4 95–99 %, Z5 ≥ 100 % of LTHR.

    Bins are left-closed on the fraction (89.5 % is Z2, 90 % is Z3). Null HR (or LTHR
    null/≤ 0) → null zone.
    """
    threshold = _expr(lthr)
    fraction = pl.when(threshold > 0).then(_expr(hr) / threshold)
    return _zone_from_fraction(fraction, bounds)


def seiler_zone(zone5: ExprLike) -> pl.Expr:
    """Seiler's three intensity zones (**String**: "low", "threshold", "high") from a 1–5
    zone (Seiler & Kjerland 2006; Seiler & Tønnessen 2009).

    An *approximation*: Seiler's zones are split at the first and second ventilatory
    thresholds (VT1/VT2), which are unknown here, so z1–z2 → "low", z3 → "threshold",
    z4–z5 → "high". Null or out-of-range zone → null.
    """
    return _expr(zone5).replace_strict(
        SEILER_FROM_ZONE5, default=None, return_dtype=pl.String
    )


def _seiler_from_fraction(fraction: pl.Expr, cutoffs: Sequence[float]) -> pl.Expr:
    """"low" below the first cut-off, "threshold" from it, "high" from the second; null
    stays null."""
    first, second = (float(c) for c in cutoffs)
    if not first < second:
        raise ValueError(f"Seiler cut-offs must be increasing, got {tuple(cutoffs)}")
    return (pl.when(fraction >= second).then(pl.lit(SEILER_HIGH))
            .when(fraction >= first).then(pl.lit(SEILER_THRESHOLD))
            .when(fraction.is_not_null()).then(pl.lit(SEILER_LOW))
            .otherwise(pl.lit(None, pl.String)))


def seiler_hrmax(hr: ExprLike, max_hr: ExprLike,
                 cutoffs: Sequence[float] = HRMAX_SEILER_CUTOFFS) -> pl.Expr:
    """Seiler zone (**String**: "low", "threshold", "high") by fraction of max heart rate:
    low < 80 %, threshold 80-88 %, high ≥ 88 % (VT1/VT2 of Seiler & Kjerland 2006 and
    Seiler 2010). Null HR or max HR null/≤ 0 → null."""
    top = _expr(max_hr)
    return _seiler_from_fraction(pl.when(top > 0).then(_expr(hr) / top), cutoffs)


def seiler_hrr(hr: ExprLike, resting_hr: ExprLike, max_hr: ExprLike,
               cutoffs: Sequence[float] = HRR_SEILER_CUTOFFS) -> pl.Expr:
    """Seiler zone (**String**) by heart-rate-reserve fraction (Karvonen 1957): low < 72 %,
    threshold 72-83 %, high ≥ 83 % HRR (the %HRmax cut-offs as reserve fractions, see
    `HRR_SEILER_CUTOFFS`). Null HR or max ≤ rest → null."""
    return _seiler_from_fraction(_hrr_raw(hr, resting_hr, max_hr), cutoffs)


def seiler_lthr(hr: ExprLike, lthr: ExprLike,
                cutoffs: Sequence[float] = LTHR_SEILER_CUTOFFS) -> pl.Expr:
    """Seiler zone (**String**) by fraction of lactate-threshold HR (Friel): low < 90 %
    (Friel's zones 1-2), threshold 90-100 %, high ≥ 100 % of LTHR (LTHR is the second
    threshold). Null HR or LTHR null/≤ 0 → null."""
    threshold = _expr(lthr)
    return _seiler_from_fraction(pl.when(threshold > 0).then(_expr(hr) / threshold), cutoffs)


# --- Load ----------------------------------------------------------------------------


def ewma(values: ExprLike, span_days: int, *, alpha: float | None = None) -> pl.Expr:
    """Exponentially weighted moving average of a **daily** series, in the unit of
    ``values`` (e.g. TRIMP/day), with λ = 2/(N+1) (Williams et al. 2017, Br J Sports Med
    51:209): ``EWMA_t = λ·x_t + (1 − λ)·EWMA_{t−1}``, seeded with the first day's value
    (``ewm_mean(alpha=λ, adjust=False)``).

    The rows must be one per day in date order with **missing days already present as 0
    load** (rest): a gap that is simply absent would be skipped, not decayed. Use
    `ewma_load` for a frame of several athletes. A null value (unknown load) gives a null
    EWMA that day; later days then weight the known days by their positions, treating the
    unknown day as neither rest nor load. ``alpha`` overrides λ (for example 1/42 to match
    TrainingPeaks' CTL time constant, which is not 2/(N+1)).
    """
    if span_days < 1:
        raise ValueError(f"span_days must be at least 1, got {span_days}")
    lam = 2.0 / (span_days + 1) if alpha is None else alpha
    return _expr(values).ewm_mean(alpha=lam, adjust=False)


def ewma_load(
    frame: pl.DataFrame,
    date_col: str,
    value_col: str,
    span_days: int,
    by: str | Sequence[str] | None = "athlete_id",
    *,
    name: str | None = None,
    alpha: float | None = None,
) -> pl.DataFrame:
    """``frame`` with one new column: the `ewma` of ``value_col`` over ``span_days`` days,
    computed per ``by`` group in ``date_col`` order (row order is kept).

    Grain: one row per athlete (``by``) and day, gaps already filled (rest days as 0 load).
    Raises ``ValueError`` when a group has a missing or duplicate day or a null date, since
    the EWMA would then silently be wrong. The new column is named
    ``{value_col}_ewma_{span_days}d`` unless ``name`` is given. Unit: that of ``value_col``.
    """
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    if frame[date_col].null_count():
        raise ValueError(f"{date_col} has null dates")
    day = pl.col(date_col).cast(pl.Date)
    counts = {
        "rows": pl.len(),
        "days": day.n_unique(),
        "span": (day.max() - day.min()).dt.total_days() + 1,
    }
    check = frame.group_by(keys).agg(**counts) if keys else frame.select(**counts)
    bad = check.filter((pl.col("rows") != pl.col("days")) | (pl.col("span") != pl.col("rows")))
    if bad.height:
        raise ValueError(
            "ewma_load needs exactly one row per day with no gaps (fill rest days with 0); "
            f"offending groups: {bad.select(keys).to_dicts() if keys else 'all rows'}"
        )
    result = ewma(value_col, span_days, alpha=alpha).over(keys or None, order_by=date_col)
    return frame.with_columns(result.alias(name or f"{value_col}_ewma_{span_days}d"))


# --- Athlete facts -------------------------------------------------------------------


def max_hr_observed(
    hr_samples: pl.Series,
    *,
    min_samples: int = MAX_HR_MIN_SAMPLES,
    window: int = MAX_HR_WINDOW_SAMPLES,
    lower_bpm: float = MAX_HR_PLAUSIBLE_LOWER_BPM,
    upper_bpm: float = MAX_HR_PLAUSIBLE_UPPER_BPM,
) -> float | None:
    """Highest *sustained, plausible* heart rate in **bpm** among time-ordered samples.

    Rule (project heuristic; science.md prefers an observed max HR to 220 − age):
    1. samples not strictly between ``lower_bpm`` (100) and ``upper_bpm`` (230), and nulls,
       are dropped (set to null in place, so they break windows);
    2. take the median of every run of ``window`` (10) consecutive samples that are all
       plausible, and return the largest such median.
    A spike of up to ``window // 2 - 1`` samples (4) inside any window cannot lift a
    10-sample median, so isolated strap/optical spikes are ignored; the value returned has
    been held for about half the window. Returns None with fewer than ``min_samples`` (60)
    plausible samples or no complete window. It cannot detect a sustained artefact such as
    an optical sensor locked onto cadence; review it before storing as the athlete's max.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    hr = pl.col("hr")
    kept = (
        hr_samples.cast(pl.Float64)
        .to_frame("hr")
        .select(pl.when((hr > lower_bpm) & (hr < upper_bpm)).then(hr).alias("hr"))
        .to_series()
    )
    if kept.count() < max(min_samples, window):
        return None
    best = kept.rolling_median(window, min_samples=window).max()
    return None if best is None else float(best)


def age_on(birth_year: ExprLike, on_date: ExprLike) -> pl.Expr:
    """Age in **whole years (Int32)** on ``on_date`` when only the birth year is known:
    ``year(on_date) − birth_year`` (the age reached during that calendar year, so up to one
    year above the exact age before the birthday). ``on_date`` is a Date/Datetime column,
    expression or literal date. Null in → null out.
    """
    return _expr(on_date).dt.year().cast(pl.Int32) - _expr(birth_year).cast(pl.Int32)
