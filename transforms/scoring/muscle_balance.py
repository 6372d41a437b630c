"""The muscle-balance verdict: daily score, band and reasons, and the weekly rollup.

Pure: the three daily fact frames in, `marts.daily_muscle_balance` and
`marts.weekly_muscle_balance` frames out (columns of `schemas.marts`). The score is a
training-log heuristic, not a diagnosis; `docs/scoring.md` documents the model.

Score = sum(weight x component) / sum(weight) over the components that are known;
`data_completeness` = that sum of weights / the sum of all weights; below
`min_completeness` (0.7) the day gets no score, band or main factor, and its reasons say
what was missing. A component's *cost* is weight x (100 - score); the reasons are the
costliest components scoring below 80, at most three; intensity is among them only when
`intensity_reasons` is set. The very-low-intake days the windows kept follow them.
"""

from __future__ import annotations

import polars as pl

from schemas.marts import DAILY_MUSCLE_BALANCE, WEEKLY_MUSCLE_BALANCE
from schemas.nutrition import KG_PER_LB
from schemas.scoring import COMPONENTS, FactConstants, ScoreConstants
from transforms.scoring.score_components import component_parts
from transforms.scoring.score_functions import present_weight, weighted_mean
from transforms.scoring.score_model import model_version
from transforms.scoring.score_reasons import (
    flag_reasons,
    insufficient_data_reason,
    low_intake_reason,
    reason_texts,
    unknown_inputs_note,
)
from transforms.scoring.score_recovery import with_recovery
from transforms.scoring.score_windows import KEYS, daily_inputs, score_memory, windows

col = pl.col
NO_REASON = "no component below {} of 100"
RENAMES = {"energy_availability_7d": "energy_availability_kcal_per_kg_ffm_7d",
           "zone45_share": "high_intensity_share_7d",
           "high_intensity_share": "seiler_high_share_7d"}


def band(score: pl.Expr, k: ScoreConstants) -> pl.Expr:
    """`low` (score >= 70), `moderate` (>= 50) or `high` risk; null without a score."""
    return (pl.when(score >= k.low_risk_min_score).then(pl.lit("low"))
            .when(score >= k.high_risk_below_score).then(pl.lit("moderate"))
            .when(score.is_not_null()).then(pl.lit("high")))


def per_lb(g_per_kg: pl.Expr) -> pl.Expr:
    """Grams per pound of body weight from grams per kg: x 0.45359237 kg/lb (the
    international pound, exact), so 1.8 g/kg is 0.816 g/lb."""
    return g_per_kg * KG_PER_LB


def energy_protein_penalty(k: ScoreConstants) -> pl.Expr:
    """Points taken off the weighted mean when energy and protein fall short together,
    0-25: `energy_protein_interaction` (0.25) x (100 - energy) x (100 - protein) / 100. A
    deficit costs lean mass mostly on low protein and low protein mostly in a deficit
    (Mettler 2010; Helms 2014; Longland 2016), so the pair costs more than the sum of its
    weights: 0 when either is at 100, 25 when both are 0; 0 when either is unknown. Smooth
    in both (a product of two ramps), so no step."""
    return (k.energy_protein_interaction * (100.0 - col("energy_score"))
            * (100.0 - col("protein_score")) / 100.0).fill_null(0.0)


def _verdict(parts: pl.DataFrame, k: ScoreConstants) -> pl.DataFrame:
    """Score, completeness and band from the component columns: the weighted mean of the
    known components less `energy_protein_penalty`, at least 0."""
    weighted = [(col(f"{c}_score"), k.weight(c)) for c in COMPONENTS]
    total = sum(k.weight(c) for c in COMPONENTS)
    completeness = present_weight(weighted) / total
    rounded = parts.with_columns([col(f"{c}_score").round(1) for c in COMPONENTS])
    penalised = rounded.with_columns(
        energy_protein_penalty(k).round(1).alias("energy_protein_penalty"))
    return penalised.with_columns(
        completeness.round(3).alias("data_completeness"),
        pl.when(completeness >= k.min_completeness - 1e-9)
        .then((weighted_mean(weighted) - col("energy_protein_penalty")).clip(lower_bound=0.0))
        .round(1).alias("score"),
    ).with_columns(band(col("score"), k).alias("band"))


def _ranks(costs: list[pl.Expr]) -> list[pl.Expr]:
    """Per row, each candidate's place among the candidates, 0 first: costliest first,
    ties in their order; null for a candidate whose cost is null (not a reason). The
    number of candidates placed before it, so no sort."""
    return [pl.when(cost_j.is_not_null()).then(pl.sum_horizontal([
        ((cost_i >= cost_j) if i < j else (cost_i > cost_j)).fill_null(False).cast(pl.Int32)
        for i, cost_i in enumerate(costs) if i != j]))
        for j, cost_j in enumerate(costs)]


def _reasons(scored: pl.DataFrame, k: ScoreConstants, facts: FactConstants) -> pl.DataFrame:
    """Per day: `main_factor` (costliest component) and `reasons`: the flags that are set
    (`flag_reasons`, in their order), then the components below 80 costliest first, at
    most `max_reasons` texts in all, then what the score could not look at
    (`unknown_inputs_note`)."""
    texts = reason_texts(k, facts.meal_protein_g_per_kg, facts.full_session_sets)
    named = [name for name in COMPONENTS
             if name != "intensity" or k.intensity_reasons]  # opt-in: still in the score
    flags = [text for _, text in flag_reasons(k)]
    # the candidates: the flags (an infinite cost when set), then the components below 80
    cost_exprs = [pl.when(text.is_not_null()).then(pl.lit(float("inf"))) for text in flags]
    for name in named:
        cost = pl.when(col(f"{name}_score") < k.reason_below_score).then(
            k.weight(name) * (100.0 - col(f"{name}_score")))
        cost_exprs.append(pl.when(cost > 0).then(cost))
    n = len(cost_exprs)
    cost = [col(f"__cost{j}") for j in range(n)]
    text = [col(f"__text{j}") for j in range(n)]
    rank = [col(f"__rank{j}") for j in range(n)]
    staged = scored.with_columns(
        *(e.alias(f"__cost{j}") for j, e in enumerate(cost_exprs)),
        *(e.alias(f"__text{j}") for j, e in enumerate([*flags, *(texts[c] for c in named)])))
    staged = staged.with_columns(r.alias(f"__rank{j}") for j, r in enumerate(_ranks(cost)))
    component_costs = cost[len(flags):]
    highest = pl.max_horizontal(component_costs)
    main = pl.lit(None, pl.String)
    for name, cost_j in reversed(list(zip(named, component_costs, strict=True))):
        main = pl.when(cost_j == highest).then(pl.lit(name)).otherwise(main)
    shown = []
    for place in range(k.max_reasons):
        text_at = pl.lit(None, pl.String)
        for rank_j, text_j in zip(reversed(rank), reversed(text), strict=True):
            text_at = pl.when(rank_j == place).then(text_j).otherwise(text_at)
        shown.append(text_at)
    scored_day = col("score").is_not_null()
    return staged.with_columns(
        pl.when(scored_day).then(main).alias("main_factor"),
        pl.concat_str([
            pl.when(~scored_day).then(insufficient_data_reason(k))
            .when(pl.any_horizontal([c.is_not_null() for c in cost]))
            .then(pl.concat_str(shown, separator="; ", ignore_nulls=True))
            .otherwise(pl.lit(NO_REASON.format(int(k.reason_below_score)))),
            unknown_inputs_note()], separator="; ", ignore_nulls=True)
        .alias("reasons")).drop(*(c.meta.output_name() for c in (*cost, *text, *rank)))


def _with_low_intake(scored: pl.DataFrame, min_logged_kcal: float) -> pl.DataFrame:
    """`reasons` followed by the very-low-intake days the windows kept, where there are any
    (a flag: it costs no points by itself and is never the main factor)."""
    return scored.with_columns(pl.concat_str(
        [col("reasons"), low_intake_reason(min_logged_kcal)], separator="; ",
        ignore_nulls=True).alias("reasons"))


def score_days(training: pl.DataFrame, nutrition: pl.DataFrame, energy: pl.DataFrame,
               k: ScoreConstants | None = None, facts: FactConstants | None = None,
               athletes: pl.DataFrame | None = None, recovery: pl.DataFrame | None = None
               ) -> pl.DataFrame:
    """Every window, sub-score and component per athlete and day, with the verdict and
    reasons (a superset of `marts.daily_muscle_balance`, for the weekly rollup). `k`: the
    model's constants; `facts`: the constants the daily facts were built with (both part
    of `model_version`); defaults when None. `athletes` (athlete_id, sex) gives the
    low-energy-availability reason its note by sex (a general note without it).
    `recovery` (`marts.daily_recovery`) gives the recovery component its measured signals
    and the energy component the fat-free-mass trend; None: none measured."""
    k = k or ScoreConstants()
    facts = facts or FactConstants()
    sexes = (athletes.select("athlete_id", pl.col("sex").cast(pl.String))
             if athletes is not None else
             pl.DataFrame(schema={"athlete_id": pl.String, "sex": pl.String}))
    inputs = daily_inputs(training, nutrition, energy).join(
        sexes, on="athlete_id", how="left", maintain_order="left")
    parts = component_parts(with_recovery(windows(inputs, k), recovery, k), k)
    scored = _with_low_intake(_reasons(_verdict(parts, k), k, facts),
                              facts.min_logged_kcal).rename(RENAMES)
    return score_memory(scored, k).with_columns(
        per_lb(col("protein_g_per_kg_7d")).alias("protein_g_per_lb_7d"),
        pl.lit(model_version(k, facts)).alias("model_version"))


def daily_muscle_balance(scored: pl.DataFrame) -> pl.DataFrame:
    """The `marts.daily_muscle_balance` columns of `score_days`' output."""
    return scored.select([c for c, _ in DAILY_MUSCLE_BALANCE])


def weekly_muscle_balance(scored: pl.DataFrame, k: ScoreConstants | None = None
                          ) -> pl.DataFrame:
    """Per athlete and ISO week: mean and worst daily score, the band of the mean, mean
    components, the week's running km and hours, mean protein g/kg and balance over the
    usable food-log days, strength sessions, the load lines, the 28-day score and trend and
    the weight trend on the week's last day, and the main factor and reasons of the week's
    last scored day (on a Sunday its 7-day windows are exactly the week)."""
    k = k or ScoreConstants()
    usable = col("__usable")
    latest = [col("score").is_not_null(), col("local_date")]
    weekly = (
        scored.with_columns(col("local_date").dt.iso_year().alias("iso_year"),
                            col("local_date").dt.week().cast(pl.Int32).alias("iso_week"),
                            col("local_date").dt.truncate("1w").alias("week_start"))
        .sort(*KEYS)
        .group_by("athlete_id", "iso_year", "iso_week", "week_start", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int32).alias("days"),
            col("score").count().cast(pl.Int32).alias("days_scored"),
            col("score").mean().round(1).alias("score"),
            col("score").min().alias("worst_score"),
            col("local_date").filter(col("score").is_not_null()).sort_by(
                col("score").filter(col("score").is_not_null())).first().alias("worst_day"),
            col("data_completeness").mean().round(3).alias("data_completeness"),
            *[col(f"{c}_score").mean().round(1).alias(f"{c}_score") for c in COMPONENTS],
            col("energy_protein_penalty").mean().round(1),
            pl.when(col("run_distance_km").is_not_null().any())
            .then(col("run_distance_km").sum()).alias("run_distance_km"),
            pl.when(col("run_moving_min").is_not_null().any())
            .then(col("run_moving_min").sum() / 60.0).alias("run_hours"),
            col("protein_g_per_kg").filter(usable).mean().alias("protein_g_per_kg_mean"),
            col("balance_kcal").filter(usable).mean().alias("balance_kcal_mean"),
            usable.sum().cast(pl.Int32).alias("logged_days"),
            (usable & col("very_low_intake").fill_null(False)).sum().cast(pl.Int32)
            .alias("very_low_intake_days"),
            col("incomplete").fill_null(False).sum().cast(pl.Int32).alias("incomplete_days"),
            pl.when(col("strength_sessions").is_not_null().any())
            .then(col("strength_sessions").sum()).cast(pl.Int32).alias("strength_sessions"),
            col("acute_load").last(), col("chronic_load").last(),
            col("acute_chronic_ratio").last(),
            col("score_28d").last(), col("score_28d_previous").last(), col("trend_28d").last(),
            col("weight_trend_pct_per_week").last(),
            col("trend_balance_kcal_per_day").last(),
            col("main_factor").sort_by(latest).last(),
            col("reasons").sort_by(latest).last(),
            col("model_version").first(),
        )
    )
    return weekly.with_columns(
        band(col("score"), k).alias("band"),
        per_lb(col("protein_g_per_kg_mean")).alias("protein_g_per_lb_mean")).select(
        [c for c, _ in WEEKLY_MUSCLE_BALANCE])
