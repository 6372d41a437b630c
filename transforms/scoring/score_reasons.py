"""Reasons in words: for each component, the number behind its score and the target.

Each `*_reason` returns a String expression over the columns of
`transforms.scoring.score_components.component_parts`; where a component has sub-parts, the text
names the sub-part that cost the most. `insufficient_data_reason` says what was missing
on a day without a score.
"""

from __future__ import annotations

import polars as pl

from schemas.scoring import WINDOW_DAYS, ScoreConstants

col = pl.col


def _num(expr: pl.Expr, decimals: int = 1) -> pl.Expr:
    """A number as text with fixed decimals (0: an integer)."""
    if decimals == 0:
        return expr.round(0).cast(pl.Int64, strict=False).cast(pl.String)
    return expr.round(decimals).cast(pl.String)


def _lit(value: float, decimals: int = 1) -> str:
    return f"{value:.{decimals}f}"


def _costliest(options: list[tuple[pl.Expr, float, pl.Expr]]) -> pl.Expr:
    """The text of the sub-part that cost the component the most points: options are
    (sub-score, its share in the component, text); cost = share x (100 - sub-score), null
    sub-scores left out, the first wins ties."""
    costs = [pl.when(score.is_not_null()).then(share * (100.0 - score))
             for score, share, _ in options]
    highest = pl.max_horizontal(*costs)
    out = pl.lit(None, pl.String)
    for cost, (_, _, text) in reversed(list(zip(costs, options, strict=True))):
        out = pl.when(cost == highest).then(text).otherwise(out)
    return out


def protein_reason(k: ScoreConstants, meal_g_per_kg: float) -> pl.Expr:
    """`protein 1.1 g/kg (target 1.6)` or the meal spread (meals reaching `meal_g_per_kg`,
    the daily facts' per-meal threshold); ` in a deficit` after a target raised above the
    base target (as shown, to one decimal)."""
    raised = col("protein_target_g_per_kg").round(1) > round(k.protein_target_g_per_kg, 1)
    deficit = pl.when(raised).then(pl.lit(" in a deficit")).otherwise(pl.lit(""))
    amount = pl.format("protein {} g/kg (target {}{})", _num(col("protein_g_per_kg_7d")),
                       _num(col("protein_target_g_per_kg")), deficit)
    spread = pl.format("protein reached {} g/kg in {} meals a day (target {})",
                       pl.lit(f"{meal_g_per_kg:g}"), _num(col("protein_meals_per_day_7d")),
                       pl.lit(_lit(k.protein_meals_target, 0)))
    return _costliest([(col("protein_amount"), k.protein_amount_share, amount),
                       (col("protein_spread"), 1.0 - k.protein_amount_share, spread)])


#: Days' worth eaten below resting energy from which the energy reason names them (less
#: is a day a few kcal under, not worth a word).
BELOW_RESTING_NAMED_FROM_DAYS = 0.5


def energy_reason(k: ScoreConstants) -> pl.Expr:
    """The weight trend's balance when the energy component scored it (lower than the
    food log's); else deficit days and mean balance, or the mean balance against its
    target; then the days eaten below resting energy, from half a day's worth."""
    trend = pl.format("weight trend {} %/week: a balance of about {} kcal/day (target {} or "
                      "above)", _num(col("weight_trend_pct_per_week"), 1),
                      _num(col("trend_balance_kcal_per_day"), 0),
                      pl.lit(_lit(k.balance_full_credit_kcal, 0)))
    deficit_days = pl.format("{} of the last {} days in deficit above {} kcal (mean balance {} "
                             "kcal/day)", col("deficit_days_7d"), pl.lit(WINDOW_DAYS),
                             pl.lit(_lit(k.deficit_day_kcal, 0)),
                             _num(col("balance_kcal_7d"), 0))
    mean = pl.format("mean balance {} kcal/day over the last {} days (target {} or above)",
                     _num(col("balance_kcal_7d"), 0), pl.lit(WINDOW_DAYS),
                     pl.lit(_lit(k.balance_full_credit_kcal, 0)))
    text = (pl.when(col("trend_balance_kcal_per_day") < col("balance_kcal_7d")).then(trend)
            .when(col("deficit_days_7d") > 0).then(deficit_days).otherwise(mean))
    below = pl.format(", and {} days' worth eaten below resting energy",
                      _num(col("below_resting_days_7d"), 1))
    return pl.when(col("below_resting_days_7d") >= BELOW_RESTING_NAMED_FROM_DAYS).then(
        pl.concat_str([text, below])).otherwise(text)


#: The note after a low energy availability, by the athlete's sex (null: not known).
LOW_EA_NOTES = {
    "female": "a risk to menstrual function and bone (Loucks & Thuma 2003, IOC REDs 2023)",
    "male": "thresholds for men are less clear, about 25-30 (IOC REDs 2023)",
    None: "a risk to hormones and bone (thresholds set in women, for men about 25-30: IOC "
          "REDs 2023)",
}


def low_energy_availability_reason(k: ScoreConstants) -> pl.Expr:
    """`energy availability 27 kcal/kg FFM (low below 30): ` and a note by sex; null
    unless `low_energy_availability` is set."""
    note = pl.lit(LOW_EA_NOTES[None])
    for sex in ("male", "female"):
        note = pl.when(col("sex") == sex).then(pl.lit(LOW_EA_NOTES[sex])).otherwise(note)
    return pl.when(col("low_energy_availability")).then(pl.format(
        "energy availability {} kcal/kg FFM (low below {}): {}",
        _num(col("energy_availability_7d"), 0), pl.lit(_lit(k.ea_low_kcal_per_kg_ffm, 0)),
        note))


def weight_trend_reason(k: ScoreConstants) -> pl.Expr:
    """When the balance the weight trend implies and the food log's 7-day balance differ by
    more than `trend_disagreement_kcal` (500): `weight falling 1.2 %/week although the food
    log says maintenance: intake may be lower than logged or expenditure higher than
    estimated (the energy component scores the scale's balance)`, or the mirror case
    `weight stable although the food log says a deficit of 800 kcal/day: logging may be
    incomplete`; null otherwise. The log says maintenance within the energy component's
    full-credit band (+-250 kcal/day)."""
    pct = col("weight_trend_pct_per_week")
    shown = pct.round(1)
    weight = (pl.when(shown < 0).then(pl.format("weight falling {} %/week", _num(-pct)))
              .when(shown > 0).then(pl.format("weight rising {} %/week", _num(pct)))
              .otherwise(pl.lit("weight stable")))
    balance = col("balance_kcal_7d")
    band = abs(k.balance_full_credit_kcal)
    log = (pl.when(balance < -band).then(pl.format("a deficit of {} kcal/day", _num(-balance, 0)))
           .when(balance > band).then(pl.format("a surplus of {} kcal/day", _num(balance, 0)))
           .otherwise(pl.lit("maintenance")))
    gap = col("trend_balance_kcal_per_day") - balance
    cause = (pl.when(gap < -k.trend_disagreement_kcal)
             .then(pl.lit("intake may be lower than logged or expenditure higher than "
                          "estimated (the energy component scores the scale's balance)"))
             .when(gap > k.trend_disagreement_kcal).then(pl.lit("logging may be incomplete")))
    return pl.when(cause.is_not_null()).then(
        pl.format("{} although the food log says {}: {}", weight, log, cause))


def flag_reasons(k: ScoreConstants) -> list[tuple[str, pl.Expr]]:
    """Reasons that are no component's: (name, text, null when the flag is not set), in the
    order they lead the reasons."""
    return [("fat_free_mass_falling", fat_free_mass_reason(k)),
            ("low_energy_availability", low_energy_availability_reason(k)),
            ("weight_trend", weight_trend_reason(k))]


def carbohydrate_reason() -> pl.Expr:
    """`carbohydrate 3.9 g/kg (training calls for 5.2)`."""
    return pl.format("carbohydrate {} g/kg (training calls for {})",
                     _num(col("carbohydrate_g_per_kg_7d")),
                     _num(col("carbohydrate_need_g_per_kg_7d")))


def running_load_reason(k: ScoreConstants) -> pl.Expr:
    """The running sub-part that cost the most, with its number and limit."""
    w = WINDOW_DAYS
    volume = pl.format("running {} h in {} days (full credit up to {} h)", _num(col("run_h_7d")),
                       pl.lit(w), pl.lit(_lit(k.run_full_credit_h_per_week, 0)))
    progression = pl.format("running {} h / {} km in {} days against an own average of {} h / "
                            "{} km a week", _num(col("run_h_7d")), _num(col("run_km_7d"), 0),
                            pl.lit(w), _num(col("chronic_run_h_per_week")),
                            _num(col("chronic_run_km_per_week"), 0))
    long_run = pl.format("longest run {} min in {} days (full credit up to {})",
                         _num(col("longest_run_min_7d"), 0), pl.lit(w),
                         pl.lit(_lit(k.long_run_full_credit_min, 0)))
    acwr = pl.format("acute:chronic load {} (descriptive; full credit up to {})",
                     _num(col("acute_chronic_ratio")), pl.lit(_lit(k.acwr_full_credit)))
    return _costliest([(col("run_volume"), k.run_volume_share, volume),
                       (col("run_progression"), k.run_ratio_share, progression),
                       (col("long_run"), k.long_run_share, long_run),
                       (col("acwr"), k.acwr_share, acwr)])


def intensity_reason(k: ScoreConstants) -> pl.Expr:
    """`8 % of running above the second threshold (target 10 %)`."""
    return pl.format("{} % of running above the second threshold (target {} %)",
                     _num(col("high_intensity_share") * 100.0, 0),
                     pl.lit(_lit(k.high_share_full_credit * 100.0, 0)))


def strength_reason(k: ScoreConstants, full_session_sets: float) -> pl.Expr:
    """Days since the last session, sessions near runs, sessions short of their sets, or
    sessions against the target."""
    none = pl.format("no strength session in {} days", col("days_since_strength"))
    near = pl.format("{} of {} strength sessions close to a run (target {} apart from runs)",
                     col("strength_near_run_7d"), col("strength_sessions_7d"),
                     pl.lit(_lit(k.strength_sessions_target, 0)))
    few = pl.format("strength sessions: {} in the last {} days (target {})",
                    col("strength_sessions_7d"), pl.lit(WINDOW_DAYS),
                    pl.lit(_lit(k.strength_sessions_target, 0)))
    light = pl.format("strength sessions: {} in the last {} days, worth {} full sessions by "
                      "their hard sets ({} a session; target {})",
                      col("strength_sessions_7d"), pl.lit(WINDOW_DAYS),
                      _num(col("strength_session_credit_7d")),
                      pl.lit(f"{full_session_sets:g}"),
                      pl.lit(_lit(k.strength_sessions_target, 0)))
    return (pl.when(col("strength_sessions_7d") == 0).then(none)
            .when(col("strength_near_run_7d") > 0).then(near)
            .when(col("strength_session_credit_7d") < col("strength_sessions_7d")).then(light)
            .otherwise(few))


#: The note on every day of an athlete whose strength training is recorded nowhere.
STRENGTH_UNKNOWN = "strength training not recorded (strength_source = none)"


def unknown_inputs_note() -> pl.Expr:
    """What the score could not look at although the data it had were enough: strength
    training, for an athlete with ``strength_source = "none"`` (the component is null and
    left out of the score, so no reason of the components can say so); null otherwise."""
    return pl.when(col("strength_source") == "none").then(pl.lit(STRENGTH_UNKNOWN))


def recovery_reason(k: ScoreConstants) -> pl.Expr:
    """The measured signal that cost the most (`sleep 6.4 h a night over the last 7
    (target 7)`, `resting HR 4.0 bpm above its 28-day baseline`, `HRV 7-day mean 2.1
    smallest worthwhile changes below its baseline (Plews 2013)`) when any is measured;
    else hard days in the window, or the longest run of consecutive hard days."""
    hard = pl.format("{} hard days in the last {} (target at most {})", col("hard_days_7d"),
                     pl.lit(WINDOW_DAYS),
                     pl.lit(_lit(WINDOW_DAYS - k.easy_days_full_credit, 0)))
    streak = pl.format("{} hard days in a row", col("max_hard_streak_7d"))
    sleep = pl.format("sleep {} h a night over the last {} (target {})", _num(col("sleep_h_7d")),
                      pl.lit(WINDOW_DAYS), pl.lit(f"{k.sleep_full_credit_h:g}"))
    rhr = pl.format("resting HR {} bpm above its 28-day baseline",
                    _num(col("resting_hr_delta_bpm")))
    hrv = pl.format("HRV 7-day mean {} smallest worthwhile changes below its baseline "
                    "(Plews 2013)", _num(-col("hrv_delta_swc")))
    signals = _costliest([(col("sleep_part"), 1.0, sleep), (col("resting_hr_part"), 1.0, rhr),
                          (col("hrv_part"), 1.0, hrv)])
    return pl.coalesce(signals, _costliest([(col("easy_days"), 0.5, hard),
                                            (col("hard_streak"), 0.5, streak)]))


def fat_free_mass_reason(k: ScoreConstants) -> pl.Expr:
    """`fat-free mass down 2.1 kg in 28 days on 9 scale readings (a home scale varies
    +-1.5 kg): muscle may be being lost` while `fat_free_mass_falling`; null otherwise."""
    return pl.when(col("fat_free_mass_falling")).then(pl.format(
        "fat-free mass down {} kg in 28 days on {} scale readings (a home scale varies "
        "+-{} kg): muscle may be being lost", _num(-col("fat_free_mass_change_kg_28d")),
        col("ffm_weigh_ins_28d"), pl.lit(f"{k.ffm_noise_kg:g}")))


def reason_texts(k: ScoreConstants, meal_g_per_kg: float, full_session_sets: float
                 ) -> dict[str, pl.Expr]:
    """Component name -> its reason text expression (`meal_g_per_kg` and
    `full_session_sets`: the daily facts' constants)."""
    return {
        "protein": protein_reason(k, meal_g_per_kg),
        "energy": energy_reason(k),
        "carbohydrate": carbohydrate_reason(),
        "running_load": running_load_reason(k),
        "intensity": intensity_reason(k),
        "strength": strength_reason(k, full_session_sets),
        "recovery": recovery_reason(k),
    }


def low_intake_reason(min_logged_kcal: float) -> pl.Expr:
    """`2 days logged under 800 kcal (very low or incomplete): Mon 3 Mar, Wed 5 Mar - mark
    them incomplete if the log was unfinished`: the very-low-intake days the 7-day window
    kept (`min_logged_kcal`: the daily facts' threshold); null when there are none."""
    n = col("very_low_intake_days_7d")
    one = n == 1
    dates = col("very_low_intake_dates_7d").list.eval(
        pl.element().dt.strftime("%a %-d %b")).list.join(", ")
    return pl.when(n > 0).then(pl.format(
        "{} {} logged under {} kcal (very low or incomplete): {} - mark {} incomplete if the "
        "log was unfinished", n, pl.when(one).then(pl.lit("day")).otherwise(pl.lit("days")),
        pl.lit(f"{min_logged_kcal:g}"), dates,
        pl.when(one).then(pl.lit("it")).otherwise(pl.lit("them"))))


def insufficient_data_reason(k: ScoreConstants) -> pl.Expr:
    """What was missing on a day without a score."""
    food = pl.when(col("logged_days_7d") < k.min_logged_days).then(pl.format(
        "complete food logs on {} of the last {} days (need {})", col("logged_days_7d"),
        pl.lit(WINDOW_DAYS), pl.lit(k.min_logged_days)))
    watch = pl.when(col("known_days_7d") < WINDOW_DAYS).then(pl.format(
        "watch data on {} of the last {} days (need {})", col("known_days_7d"),
        pl.lit(WINDOW_DAYS), pl.lit(WINDOW_DAYS)))
    detail = pl.concat_str([food, watch], separator="; ", ignore_nulls=True)
    return pl.concat_str([pl.lit("not enough data: "), pl.when(detail != "").then(detail)
                          .otherwise(pl.lit("body weight or heart rate missing"))])
