"""The seven components of the muscle-balance score, each 0 (muscle at risk) to 100
(protected), from the window columns of `transforms.scoring.score_windows`.

A component whose inputs are missing is null (never a guess); `docs/scoring.md` gives
each transfer function with its constants and sources. Sub-parts of a component combine
with `weighted_mean` (null parts left out, weights renormalised). Each function returns
expressions; `component_parts` also returns the sub-scores the reasons need.
"""

from __future__ import annotations

import polars as pl

from schemas.marts import HARD_DAYS_BASIS, RECOVERY_SIGNAL_NAMES
from schemas.scoring import WINDOW_DAYS, ScoreConstants
from transforms.scoring.score_functions import ramp, weighted_mean
from transforms.scoring.score_recovery import SIGNALS

col = pl.col


def protein_target(k: ScoreConstants) -> pl.Expr:
    """Protein target, g/kg/day: from `protein_target_g_per_kg` (1.6, Morton 2018) up to
    `protein_target_deficit_g_per_kg` (2.3, Jäger 2017), linearly as the 7-day mean
    deficit grows from 250 to 750 kcal/day, or as the weight trend falls from 0.5 to
    1.0 %/week (Helms 2014; Garthe 2011): the larger of the two, each left out when
    unknown (1.6 when both are); null when protein is unknown."""
    raise_by = k.protein_target_deficit_g_per_kg - k.protein_target_g_per_kg
    by_balance = ramp(-col("balance_kcal_7d"), k.protein_deficit_from_kcal,
                      k.protein_deficit_full_kcal)
    by_trend = ramp(-col("weight_trend_pct_per_week"), k.protein_loss_from_pct_per_week,
                    k.protein_loss_full_pct_per_week)
    raised = pl.max_horizontal(by_balance, by_trend).fill_null(0.0)
    return (pl.when(col("protein_g_per_kg_7d").is_not_null())
            .then(k.protein_target_g_per_kg + raise_by * raised / 100.0))


def protein_parts(k: ScoreConstants) -> dict[str, pl.Expr]:
    """Amount: ramp of 7-day mean g/kg from the floor (0.8) to the target; spread: ramp of
    meals a day reaching 0.4 g/kg from 0 to 4."""
    return {
        "protein_amount": ramp(col("protein_g_per_kg_7d"), k.protein_floor_g_per_kg,
                               col("protein_target_g_per_kg")),
        "protein_spread": ramp(col("protein_meals_per_day_7d"), 0.0, k.protein_meals_target),
    }


def protein_score(k: ScoreConstants) -> pl.Expr:
    """Protein, 0-100: 75 % amount, 25 % spread over meals (spread left out for day-grain
    exports); null without 4 usable food-log days with body weight."""
    return pl.when(col("protein_g_per_kg_7d").is_not_null()).then(weighted_mean([
        (col("protein_amount"), k.protein_amount_share),
        (col("protein_spread"), 1.0 - k.protein_amount_share),
    ]))


def scored_balance() -> pl.Expr:
    """The balance the energy component scores, kcal/day: the 7-day mean balance of the
    food log, or the balance the weigh-ins' 28-day trend implies when that is lower (the
    scale measures what the log and the expenditure estimate only estimate; a deficit
    either shows is a risk); null without the food log's balance."""
    return pl.when(col("balance_kcal_7d").is_not_null()).then(
        pl.min_horizontal("balance_kcal_7d", "trend_balance_kcal_per_day"))


def energy_score(k: ScoreConstants) -> pl.Expr:
    """Energy, 0-100: ramp of `scored_balance` (the 7-day mean energy balance, or the
    weight trend's when lower) from -1000 to -250 kcal/day (Garthe 2011), less
    `below_resting_day_points` (10) for each usable day of the week eaten below resting
    energy (`score_windows.below_resting`, a day at 60 % of it or less counting whole), at
    least 0, and less `ffm_fall_energy_points` (20) while the scale's fat-free mass falls
    beyond its noise (`fat_free_mass_falling`); whether or not fat-free mass is known
    (energy availability is a flag of its own, `low_energy_availability`); null without 4
    usable food-log days with a balance."""
    balance = ramp(col("scored_balance_kcal_per_day"), k.balance_zero_credit_kcal,
                   k.balance_full_credit_kcal)
    below = col("below_resting_days_7d").fill_null(0.0)
    falling = pl.when(col("fat_free_mass_falling").fill_null(False)).then(
        pl.lit(k.ffm_fall_energy_points)).otherwise(0.0)
    return (balance - k.below_resting_day_points * below - falling).clip(0.0, 100.0)


def low_energy_availability(k: ScoreConstants) -> pl.Expr:
    """True when the 7-day mean energy availability is below 30 kcal/kg FFM/day
    (`ea_low_kcal_per_kg_ffm`: Loucks & Thuma 2003; IOC REDs 2023), false at or above;
    null when it is unknown (no fat-free mass, or fewer than 4 usable days with it)."""
    return col("energy_availability_7d") < k.ea_low_kcal_per_kg_ffm


def carbohydrate_score(k: ScoreConstants) -> pl.Expr:
    """Carbohydrate, 0-100: ramp of (7-day mean eaten g/kg / 7-day mean of the lower bounds
    of the days' bands, Thomas 2016, over the same usable days) from 0.5 to 1.0."""
    ratio = col("carbohydrate_g_per_kg_7d") / col("carbohydrate_need_g_per_kg_7d")
    return ramp(ratio, k.carb_zero_credit_ratio, 1.0)


def running_load_parts(k: ScoreConstants) -> dict[str, pl.Expr]:
    """Volume: falling ramp of running hours in 7 days (100 up to 4 h, 0 from 10 h);
    progression: falling ramp of this week's hours or km (the larger) over the own weekly
    average of the 21 days before (100 up to 1.1, 0 from 1.5; left out when that average is
    under 1 h, a return from a break rather than a spike); long run: falling ramp of
    the longest run (100 up to 90 min, 0 from 180 min); acute:chronic TRIMP ratio (100 up
    to 1.3, 0 from 2.0, descriptive only)."""
    ratio_h = col("run_h_7d") / col("chronic_run_h_per_week")
    ratio_km = col("run_km_7d") / col("chronic_run_km_per_week")
    progression = (pl.when(col("run_h_7d") == 0).then(0.0)
                   .when(col("chronic_run_h_per_week") < k.min_baseline_h_per_week).then(None)
                   .otherwise(pl.max_horizontal(ratio_h, ratio_km)))
    return {
        "run_volume": ramp(col("run_h_7d"), k.run_zero_credit_h_per_week,
                           k.run_full_credit_h_per_week),
        "run_progression": ramp(progression, k.run_ratio_zero_credit, k.run_ratio_full_credit),
        "long_run": ramp(col("longest_run_min_7d").fill_null(0.0), k.long_run_zero_credit_min,
                         k.long_run_full_credit_min),
        "acwr": ramp(col("acute_chronic_ratio"), k.acwr_zero_credit, k.acwr_full_credit),
    }


def running_load_score(k: ScoreConstants) -> pl.Expr:
    """Running load, 0-100: volume 35 %, progression 30 %, long run 20 %, acute:chronic
    ratio 15 %; null unless all 7 days of training are known."""
    return pl.when(col("known_days_7d") >= WINDOW_DAYS).then(weighted_mean([
        (col("run_volume"), k.run_volume_share), (col("run_progression"), k.run_ratio_share),
        (col("long_run"), k.long_run_share), (col("acwr"), k.acwr_share),
    ]))


def _covered_share(minutes: str) -> pl.Expr:
    """`minutes` over the heart-rate-covered running minutes of the 7 days, 0-1; clipped,
    as the two window sums are rounded separately and may differ by an ulp."""
    return pl.when(col("hr_covered_min_7d") > 0).then(
        (col(minutes) / col("hr_covered_min_7d")).clip(0.0, 1.0))


def high_intensity_share() -> pl.Expr:
    """Share of heart-rate-covered running time at or above the zone model's second
    threshold (Seiler's high zone: interval intensity) over the 7 days, 0-1."""
    return _covered_share("high_intensity_min_7d")


def zone45_share() -> pl.Expr:
    """Share of heart-rate-covered running time in zones 4-5 over the 7 days, 0-1: the
    five-zone figure BI users read (not scored: zone 4 of %HRmax starts at 80 %, below
    the second threshold)."""
    return _covered_share("zone45_min_7d")


def intensity_score(k: ScoreConstants) -> pl.Expr:
    """Intensity, 0-100: ramp of the share of running at or above the second threshold
    from 0 to 10 % (higher is better up to 10 %);
    100 without running in 7 days; null with under 30 min of running heart rate."""
    return (pl.when(col("known_days_7d") < WINDOW_DAYS).then(None)
            .when(col("run_h_7d") == 0).then(100.0)
            .when(col("hr_covered_min_7d") >= k.min_hr_covered_min)
            .then(ramp(high_intensity_share(), 0.0, k.high_share_full_credit)))


def strength_effective_sessions(k: ScoreConstants) -> pl.Expr:
    """Sessions' worth of strength in 7 days: the sessions weighted by their hard sets
    (`strength_session_credit_7d`), a session less than 6 h from a run counting
    `near_run_session_credit` (half, Murach & Bagley 2016) of its credit
    (`strength_near_run_credit_7d`). Without sets every credit is 1: sessions - 0.5 x
    near sessions. Null when strength is unknown."""
    return (col("strength_session_credit_7d")
            - (1.0 - k.near_run_session_credit) * col("strength_near_run_credit_7d"))


def strength_score(k: ScoreConstants) -> pl.Expr:
    """Strength, 0-100: ramp of `strength_effective_sessions` in 7 days from 0 to 2; null
    when strength is recorded nowhere (strength_source = "none") or training is not
    known on all 7 days."""
    return pl.when(col("known_days_7d") >= WINDOW_DAYS).then(
        ramp(strength_effective_sessions(k), 0.0, k.strength_sessions_target))


def recovery_parts(k: ScoreConstants) -> dict[str, pl.Expr]:
    """Easy days: ramp of easy-or-rest days in 7 from 2 to 5; streak: falling ramp of the
    longest run of consecutive hard days from 1 (100) to 3 (0). Where measured: sleep, ramp
    of the week's mean measured sleep from 6 h (0) to 7 h (100; Watson 2015); resting HR,
    falling ramp of its 7-day rise over the 28-day baseline from +2 bpm (100) to +7 bpm (0;
    Buchheit 2014); HRV, ramp of the 7-day mean's distance from the baseline in smallest
    worthwhile changes from -3 (0) to -1 (100; Plews 2013). Null when not measured."""
    return {
        "easy_days": ramp(WINDOW_DAYS - col("hard_days_7d"), k.easy_days_zero_credit,
                          k.easy_days_full_credit),
        "hard_streak": ramp(col("max_hard_streak_7d"), k.hard_streak_zero_credit,
                            k.hard_streak_full_credit),
        "sleep_part": ramp(col("sleep_h_7d"), k.sleep_zero_credit_h, k.sleep_full_credit_h),
        "resting_hr_part": ramp(col("resting_hr_delta_bpm"), k.resting_hr_zero_credit_bpm,
                                k.resting_hr_full_credit_bpm),
        "hrv_part": ramp(col("hrv_delta_swc"), k.hrv_zero_credit_swc, k.hrv_full_credit_swc),
    }


#: The measured recovery signals (sub-score column, how `recovery_basis` names it).
RECOVERY_SIGNALS = tuple(zip(("sleep_part", "resting_hr_part", "hrv_part"),
                             RECOVERY_SIGNAL_NAMES, strict=True))


def _signals_score() -> pl.Expr:
    return weighted_mean([(col(part), 1.0) for part, _ in RECOVERY_SIGNALS])


def recovery_score(k: ScoreConstants) -> pl.Expr:
    """Recovery, 0-100: the mean of the measured signals present (sleep, resting HR, HRV;
    equal weights, `recovery_parts`) when any is; else the mean of the easy-days and
    hard-streak parts, null unless all 7 days of training are known."""
    hard = pl.when(col("known_days_7d") >= WINDOW_DAYS).then(
        weighted_mean([(col("easy_days"), 0.5), (col("hard_streak"), 0.5)]))
    return pl.coalesce(_signals_score(), hard)


def recovery_basis() -> pl.Expr:
    """What the recovery component used: the measured signals it had (`sleep, resting HR,
    HRV`, those present), or `hard days` when none was measured; null without a score."""
    named = pl.concat_str([pl.when(col(part).is_not_null()).then(pl.lit(name))
                           for part, name in RECOVERY_SIGNALS], separator=", ",
                          ignore_nulls=True)
    return (pl.when(_signals_score().is_not_null()).then(named)
            .when(col("recovery_score").is_not_null()).then(pl.lit(HARD_DAYS_BASIS)))


def component_parts(frame: pl.DataFrame, k: ScoreConstants) -> pl.DataFrame:
    """`frame` (window columns) with the protein target, the sub-scores and the seven
    `<component>_score` columns. Recovery signals (`score_recovery.SIGNALS`) the frame
    lacks are null: not measured."""
    frame = frame.with_columns(pl.lit(None, dtype).alias(name)
                               for name, dtype in SIGNALS.items() if name not in frame.columns)
    staged = frame.with_columns(protein_target(k).alias("protein_target_g_per_kg"),
                                scored_balance().alias("scored_balance_kcal_per_day"))
    staged = staged.with_columns(
        **{name: e for name, e in protein_parts(k).items()},
        **{name: e for name, e in running_load_parts(k).items()},
        **{name: e for name, e in recovery_parts(k).items()},
        high_intensity_share=high_intensity_share(),
        zone45_share=zone45_share(),
        low_energy_availability=low_energy_availability(k),
    )
    return staged.with_columns(
        protein_score=protein_score(k),
        energy_score=energy_score(k),
        carbohydrate_score=carbohydrate_score(k),
        running_load_score=running_load_score(k),
        intensity_score=intensity_score(k),
        strength_score=strength_score(k),
        recovery_score=recovery_score(k),
    ).with_columns(recovery_basis=recovery_basis())
