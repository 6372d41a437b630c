"""The muscle-balance verdict (`transforms.scoring.muscle_balance`): the weighted score, data
completeness, bands, reasons, the daily mart and the weekly rollup, with every expected
number worked out by hand from the default constants."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from schemas.marts import DAILY_MUSCLE_BALANCE, WEEKLY_MUSCLE_BALANCE
from schemas.scoring import COMPONENTS, FactConstants, ScoreConstants
from tests.factories import (
    START,
    UNLOGGED,
    carbohydrate_need_by_hand,
    concat_facts,
    is_strength_day,
    make_facts,
    on,
    weigh_ins,
)
from transforms.scoring.muscle_balance import (
    _verdict,
    band,
    daily_muscle_balance,
    score_days,
    weekly_muscle_balance,
)
from transforms.scoring.score_model import model_version
from transforms.scoring.score_reasons import protein_reason, recovery_reason, running_load_reason

W = {"protein": 0.25, "energy": 0.25, "carbohydrate": 0.10, "running_load": 0.12,
     "intensity": 0.05, "strength": 0.15, "recovery": 0.08}
HARD = {"high_intensity_min": 12.0}  # 12 min above the second threshold: a hard day
#: Intensity may be a reason (off by default).
INTENSITY_ON = ScoreConstants(intensity_reasons=True)


def last(scored: pl.DataFrame) -> dict:
    return scored.sort("athlete_id", "local_date").row(-1, named=True)


def _verdict_facts(*, hr_covered: float | None = None):
    """28 days; the last week (days 21..27) scores, by hand:

    - protein: 1.4 g/kg at a balance of -625 kcal/day, 375 of the 500 kcal from -250 to
      -750: target 1.6 + 0.7 x 375 / 500 = 2.125; amount (1.4 - 0.8) / (2.125 - 0.8) =
      45.28; 4 meals: spread 100 -> 0.75 x 45.28 + 25 = 58.96, shown 59.0
    - energy: balance -625 -> (-625 + 1000) / (-250 + 1000) = 50
    - carbohydrate: 0.75 x each day's need (strength days add 30 min of cycling to the
      30-min run: 60 endurance min, 5 + 15/45 g/kg; the others 3 + 2 x 30/45) -> 50
    - running load: 3.5 h, ratio 1.0, longest 30 min, acute:chronic 1.0 -> 100
    - intensity: 100 (above the second threshold: 6 of 30 min a day, 20 %, above the 10 %
      of full credit)
    - strength: one session (day 22; day 25's is dropped) -> 50
    - recovery: hard days 21, 23, 26: 4 easy days (2/3 of the way) and streak 1 (100)
    """
    strength_days = {i for i in range(28) if is_strength_day(i)} - {25}
    days: dict[int, dict[str, object]] = {}
    for i in range(28):
        need = carbohydrate_need_by_hand(60.0 if i in strength_days else 30.0)
        days[i] = {"carbohydrate_g_per_kg": 0.75 * need}
        if i in strength_days:
            days[i].update({"cycling_min": 30.0, "other_cardio_min": 30.0})
    days[25].update({"strength_sessions": 0, "strength_min": 0.0, "strength_sets": 0,
                     "strength_reps": None, "strength_volume_kg": 0.0})
    every: dict[str, object] = {"protein_g_per_kg": 1.4, "balance_kcal": -625.0}
    if hr_covered is None:
        for i in (21, 23, 26):
            days[i]["high_intensity_min"] = 12.0
    else:
        every.update({"hr_covered_min": hr_covered, "z4_min": hr_covered * 0.2, "z1_min": 0.0,
                      "z2_min": hr_covered * 0.8, "high_intensity_min": hr_covered * 0.2})
    return make_facts(28, every=every, days=days)


# --------------------------------------------------------------------------------------
# The verdict
# --------------------------------------------------------------------------------------

def test_the_score_is_the_weighted_mean_of_the_seven_components_less_the_penalty() -> None:
    row = last(score_days(*_verdict_facts()))
    recovery = round(((4 - 2) / (5 - 2) * 100 + 100) / 2, 1)   # 83.3
    components = {"protein": 59.0, "energy": 50.0, "carbohydrate": 50.0,
                  "running_load": 100.0, "intensity": 100.0, "strength": 50.0,
                  "recovery": recovery}
    for c, v in components.items():
        assert row[f"{c}_score"] == pytest.approx(v), c
    expected = sum(W[c] * v for c, v in components.items()) / sum(W.values())
    # 0.25*59 + 0.25*50 + 0.1*50 + 0.12*100 + 0.05*100 + 0.15*50 + 0.08*83.3 = 63.414
    assert expected == pytest.approx(63.414)
    # energy 50 and protein 59 short together: 0.25 x 50 x 41 / 100 = 5.125, shown 5.1
    assert row["energy_protein_penalty"] == pytest.approx(5.1)
    assert row["score"] == pytest.approx(round(expected - 5.1, 1))  # 58.3
    assert row["data_completeness"] == pytest.approx(1.0)
    assert row["band"] == "moderate"
    assert row["protein_target_g_per_kg"] == pytest.approx(2.125)


def test_a_null_component_is_left_out_and_the_weights_renormalised() -> None:
    # 4 min of heart rate a day: 28 < 30 min in the week, so intensity is unknown
    row = last(score_days(*_verdict_facts(hr_covered=4.0)))
    assert row["intensity_score"] is None
    assert row["recovery_score"] == pytest.approx(100.0)
    known = {"protein": 59.0, "energy": 50.0, "carbohydrate": 50.0, "running_load": 100.0,
             "strength": 50.0, "recovery": 100.0}
    expected = sum(W[c] * v for c, v in known.items()) / (1.0 - W["intensity"])
    assert expected == pytest.approx(59.75 / 0.95)
    # the penalty is not renormalised: 0.25 x (100 - 50) x (100 - 59) / 100 = 5.1
    assert row["score"] == pytest.approx(round(expected - 5.1, 1))
    assert row["data_completeness"] == pytest.approx(0.95)


def test_scores_are_rounded_to_one_decimal() -> None:
    scored = score_days(*_verdict_facts())
    for c in ("score", "recovery_score", "protein_score"):
        values = scored[c].drop_nulls().to_list()
        assert values, c
        assert all(v == pytest.approx(round(v, 1), abs=1e-9) for v in values), c


def test_the_first_days_have_no_score_and_say_what_is_missing() -> None:
    scored = score_days(*make_facts(28))
    first = on(scored, 0)
    assert first["score"] is None and first["band"] is None and first["main_factor"] is None
    assert first["data_completeness"] == 0.0
    assert first["reasons"] == ("not enough data: complete food logs on 1 of the last 7 days "
                                "(need 4); watch data on 1 of the last 7 days (need 7)")
    # day 3: four food-log days: protein, energy, carbohydrate known = 0.25+0.25+0.10 = 0.6,
    # below min_completeness 0.7: no score yet, the components are still shown
    fourth = on(scored, 3)
    assert fourth["data_completeness"] == pytest.approx(0.25 + 0.25 + 0.10)
    assert fourth["score"] is None and fourth["band"] is None
    assert fourth["main_factor"] is None
    assert fourth["protein_score"] == pytest.approx(100.0)
    assert fourth["running_load_score"] is None
    assert fourth["reasons"] == "not enough data: watch data on 4 of the last 7 days (need 7)"
    # days 4 and 5 likewise; day 6: seven known days, every component known
    assert [on(scored, i)["score"] for i in (4, 5)] == [None, None]
    seventh = on(scored, 6)
    assert seventh["data_completeness"] == pytest.approx(1.0)
    assert seventh["score"] == pytest.approx(100.0)
    assert seventh["band"] == "low"
    assert seventh["reasons"] == "no component below 80 of 100"
    assert seventh["main_factor"] is None


def test_no_score_below_min_completeness() -> None:
    # the last week: food on 3 days only -> only training known: 0.12+0.05+0.15+0.08 = 0.4
    facts = make_facts(28, days={i: dict(UNLOGGED) for i in (23, 24, 25, 26)})
    row = last(score_days(*facts))
    assert row["data_completeness"] == pytest.approx(0.12 + 0.05 + 0.15 + 0.08)
    assert row["score"] is None and row["band"] is None and row["main_factor"] is None
    assert row["strength_score"] == pytest.approx(100.0)  # components still shown
    assert row["reasons"] == "not enough data: complete food logs on 3 of the last 7 days (need 4)"


def test_without_body_weight_the_reason_says_so() -> None:
    no_weight = {"weight_kg": None, "protein_g_per_kg": None, "carbohydrate_g_per_kg": None,
                 "meals_reaching_protein_target": None, "balance_kcal": None,
                 "resting_kcal": None, "expenditure_kcal": None}
    row = last(score_days(*make_facts(14, every=no_weight)))
    assert row["score"] is None
    assert row["data_completeness"] == pytest.approx(0.4)
    assert row["reasons"].startswith("not enough data")
    assert row["reasons"] == "not enough data: body weight or heart rate missing"


def test_min_completeness_is_configurable() -> None:
    default = score_days(*make_facts(10))
    assert on(default, 3)["score"] is None             # 0.6 < 0.7
    assert on(default, 3)["reasons"].startswith("not enough data")
    k = ScoreConstants.model_validate({"min_completeness": 0.6})
    scored = score_days(*make_facts(10), k)
    assert on(scored, 3)["score"] == pytest.approx(100.0)  # 0.6 >= 0.6: food alone
    assert on(scored, 3)["reasons"] == "no component below 80 of 100"
    assert on(scored, 2)["score"] is None                  # 3 food-log days: 0.0
    assert on(scored, 6)["score"] == pytest.approx(100.0)  # 1.0


def _components(**scores: float) -> dict[str, float | None]:
    return {f"{c}_score": scores.get(c) for c in COMPONENTS}


@pytest.mark.parametrize(("scores", "completeness", "expected"), [
    # food alone: 0.25 + 0.25 + 0.10 = 0.6 < 0.7
    (_components(protein=100.0, energy=100.0, carbohydrate=100.0), 0.6, None),
    # food and strength: 0.6 + 0.15 = 0.75; (25 + 25 + 10 + 0.15 * 0) / 0.75 = 80
    (_components(protein=100.0, energy=100.0, carbohydrate=100.0, strength=0.0), 0.75,
     80.0),
    # food, running load and intensity: 0.6 + 0.12 + 0.05 = 0.77;
    # (25 + 25 + 10 + 0.12 * 50 + 0.05 * 100) / 0.77 = 71 / 0.77 = 92.21 -> 92.2
    (_components(protein=100.0, energy=100.0, carbohydrate=100.0, running_load=50.0,
                 intensity=100.0), 0.77, 92.2),
    # exactly 0.7: protein, energy, running load, recovery (0.25 + 0.25 + 0.12 + 0.08);
    # (0.25 * 40 + 25 + 12 + 8) / 0.7 = 55 / 0.7 = 78.57 -> 78.6
    (_components(protein=40.0, energy=100.0, running_load=100.0, recovery=100.0), 0.7, 78.6),
    # everything but protein and recovery: 1 - 0.25 - 0.08 = 0.67 < 0.7
    (_components(energy=100.0, carbohydrate=100.0, running_load=100.0, intensity=100.0,
                 strength=100.0), 0.67, None),
    # training alone: 0.12 + 0.05 + 0.15 + 0.08 = 0.4
    (_components(running_load=100.0, intensity=100.0, strength=100.0, recovery=100.0), 0.4,
     None),
])
def test_min_completeness_0_7_on_literal_components(scores: dict, completeness: float,
                                                    expected: float | None) -> None:
    frame = pl.DataFrame([scores], schema={c: pl.Float64 for c in scores})
    row = _verdict(frame, ScoreConstants()).row(0, named=True)
    assert row["data_completeness"] == pytest.approx(completeness)
    if expected is None:
        assert row["score"] is None and row["band"] is None
    else:
        assert row["score"] == pytest.approx(expected)
        assert row["band"] == "low"


# --------------------------------------------------------------------------------------
# Bands
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("score", "expected"), [
    (100.0, "low"), (70.0, "low"), (69.9, "moderate"), (50.0, "moderate"), (49.9, "high"),
    (0.0, "high"), (None, None)])
def test_band_thresholds(score: float | None, expected: str | None) -> None:
    frame = pl.DataFrame({"s": [score]}, schema={"s": pl.Float64})
    assert frame.select(band(pl.col("s"), ScoreConstants())).item() == expected


def test_band_thresholds_are_configurable() -> None:
    k = ScoreConstants.model_validate({"low_risk_min_score": 80, "high_risk_below_score": 60})
    frame = pl.DataFrame({"s": [80.0, 79.9, 60.0, 59.9]})
    assert frame.select(band(pl.col("s"), k)).to_series().to_list() == [
        "low", "moderate", "moderate", "high"]


# --------------------------------------------------------------------------------------
# Reasons and main factor
# --------------------------------------------------------------------------------------

def test_reasons_are_the_three_costliest_components_below_80() -> None:
    row = last(score_days(*_verdict_facts()))
    # cost = weight x (100 - score): energy 0.25*50 = 12.5, protein 0.25*41 = 10.25,
    # strength 0.15*50 = 7.5, carbohydrate 0.10*50 = 5 (fourth: left out), recovery 83.3
    # is not below 80; the target 2.125 is shown to one decimal
    assert row["main_factor"] == "energy"
    assert row["reasons"] == "; ".join([
        "7 of the last 7 days in deficit above 500 kcal (mean balance -625 kcal/day)",
        "protein 1.4 g/kg (target 2.1 in a deficit)",
        "strength sessions: 1 in the last 7 days (target 2)",
    ])


def test_max_reasons_is_configurable_and_carbohydrate_text_has_number_and_need() -> None:
    k = ScoreConstants.model_validate({"max_reasons": 5})
    row = last(score_days(*_verdict_facts(), k))
    parts = row["reasons"].split("; ")
    assert len(parts) == 4  # only four components are below 80
    # the last week's needs: day 22 has 30 + 30 endurance min (5 + 15/45 g/kg), the other
    # six 30 min (3 + 2 x 30/45; day 25 has no strength, and strength minutes would not
    # count anyway)
    need = (16 / 3 + 6 * 13 / 3) / 7  # 4.48
    eaten = 0.75 * need               # 3.36
    assert parts[3] == f"carbohydrate {eaten:.1f} g/kg (training calls for {need:.1f})"
    assert parts[3] == "carbohydrate 3.4 g/kg (training calls for 4.5)"


def test_protein_reason_with_number_and_target() -> None:
    row = last(score_days(*make_facts(14, every={"protein_g_per_kg": 1.1})))
    # amount (1.1 - 0.8) / 0.8 = 37.5, spread 100: 0.75 * 37.5 + 25 = 53.125 -> 53.1
    assert row["protein_score"] == pytest.approx(53.1)
    assert row["main_factor"] == "protein"
    assert row["reasons"] == "protein 1.1 g/kg (target 1.6)"


def test_protein_reason_names_the_meal_spread_when_it_costs_more() -> None:
    row = last(score_days(*make_facts(14, every={"meals_reaching_protein_target": 0})))
    assert row["protein_score"] == pytest.approx(75.0)
    assert row["reasons"] == "protein reached 0.4 g/kg in 0.0 meals a day (target 4)"


def test_protein_spread_reason_names_the_daily_facts_meal_threshold() -> None:
    facts = FactConstants(meal_protein_g_per_kg=0.3)
    row = last(score_days(*make_facts(14, every={"meals_reaching_protein_target": 0}),
                          facts=facts))
    assert row["protein_score"] == pytest.approx(75.0)
    assert row["reasons"] == "protein reached 0.3 g/kg in 0.0 meals a day (target 4)"
    assert row["model_version"] == model_version(ScoreConstants(), facts)


@pytest.mark.parametrize(("share", "intensity", "is_reason"), [
    (0.08, 80.0, False), (0.07, 70.0, True)])
def test_only_components_below_80_are_reasons(share: float, intensity: float,
                                              is_reason: bool) -> None:
    # share of the 30-min runs above the second threshold; intensity = share / 0.10 x 100
    row = last(score_days(*make_facts(14, every={"high_intensity_min": 30.0 * share}),
                          INTENSITY_ON))
    assert row["intensity_score"] == pytest.approx(intensity)
    if is_reason:
        assert row["main_factor"] == "intensity"
        assert row["reasons"] == "7 % of running above the second threshold (target 10 %)"
        assert row["score"] == pytest.approx(100 - W["intensity"] * (100 - 70))  # 98.5
    else:
        assert row["main_factor"] is None
        assert row["reasons"] == "no component below 80 of 100"
        assert row["score"] == pytest.approx(100 - W["intensity"] * (100 - 80))  # 99.0


def test_equal_costs_keep_the_component_order() -> None:
    # energy 50 (balance -625) and protein 50: target 2.125 at -625 kcal/day, 1.4625 g/kg
    # is half way from 0.8 (amount 50), 2 meals (spread 50); both cost 0.25 * 50 = 12.5;
    # protein comes first in COMPONENTS
    facts = make_facts(14, every={"protein_g_per_kg": 1.4625, "balance_kcal": -625.0,
                                  "meals_reaching_protein_target": 2})
    row = last(score_days(*facts))
    assert (row["protein_score"], row["energy_score"]) == (pytest.approx(50.0),
                                                           pytest.approx(50.0))
    assert row["main_factor"] == "protein"
    assert row["reasons"] == ("protein 1.5 g/kg (target 2.1 in a deficit); 7 of the last 7 "
                              "days in deficit above 500 kcal (mean balance -625 kcal/day)")


FEMALE = pl.DataFrame({"athlete_id": ["a"], "sex": ["female"]})
MALE = pl.DataFrame({"athlete_id": ["a"], "sex": ["male"]})


@pytest.mark.parametrize(("athletes", "note"), [
    (FEMALE, "a risk to menstrual function and bone (Loucks & Thuma 2003, IOC REDs 2023)"),
    (MALE, "thresholds for men are less clear, about 25-30 (IOC REDs 2023)")])
def test_low_energy_availability_is_a_reason_with_a_note_by_sex(athletes: pl.DataFrame,
                                                                note: str) -> None:
    # every component at 100 (balance 0): the flag alone is the reason, no main factor
    row = last(score_days(*make_facts(14, every={"energy_availability_kcal_per_kg_ffm": 27.0}),
                          athletes=athletes))
    assert row["score"] == pytest.approx(100.0)
    assert row["low_energy_availability"] is True
    assert row["main_factor"] is None
    assert row["reasons"] == f"energy availability 27 kcal/kg FFM (low below 30): {note}"


def test_an_energy_availability_at_30_sets_no_flag() -> None:
    row = last(score_days(*make_facts(14, every={"energy_availability_kcal_per_kg_ffm": 30.0}),
                          athletes=FEMALE))
    assert row["low_energy_availability"] is False
    assert row["reasons"] == "no component below 80 of 100"


def test_a_flag_leads_the_reasons_and_counts_toward_max_reasons() -> None:
    # the verdict week (energy 12.5, protein 10.25, strength 7.5 points) with availability
    # 25: the flag first, then the two costliest components; the score is unchanged (63.414
    # less the energy-protein penalty 5.1)
    facts = _verdict_facts()
    facts = facts._replace(energy=facts.energy.with_columns(
        pl.lit(25.0).alias("energy_availability_kcal_per_kg_ffm")))
    row = last(score_days(*facts, athletes=MALE))
    assert row["score"] == pytest.approx(58.3)
    assert row["main_factor"] == "energy"
    assert row["reasons"] == "; ".join([
        "energy availability 25 kcal/kg FFM (low below 30): thresholds for men are less "
        "clear, about 25-30 (IOC REDs 2023)",
        "7 of the last 7 days in deficit above 500 kcal (mean balance -625 kcal/day)",
        "protein 1.4 g/kg (target 2.1 in a deficit)",
    ])


def test_a_weight_trend_falling_faster_than_the_log_says_is_a_reason() -> None:
    # weigh-ins every other day on a line losing 1.2 % of 60 kg a week (0.1029 kg/day,
    # -792 kcal/day at 7700 kcal/kg), food log at balance 0: 792 > 500 kcal apart. The
    # trend is % of the mean weigh-in (day 14 of 1..27: 60 + 0.1029 x 13 = 61.34 kg):
    # 0.1029 x 7 / 61.34 = 1.17 %/week, which also raises the protein target to 2.3
    # (protein 1.8: amount (1.8 - 0.8) / 1.5 = 66.7, score 75). The trend's -792 kcal/day
    # is below the log's 0, so energy scores it: (1000 - 792) / 750 x 100 = 27.7
    row = last(score_days(*make_facts(28, days=weigh_ins(-1.2))))
    slope = 60 * 0.012 / 7
    assert row["trend_balance_kcal_per_day"] == pytest.approx(-slope * 7700)
    assert row["weight_trend_pct_per_week"] == pytest.approx(-slope * 7 / (60 + slope * 13)
                                                             * 100)
    assert row["balance_kcal_7d"] == pytest.approx(0.0)
    assert row["scored_balance_kcal_per_day"] == pytest.approx(-slope * 7700)
    assert row["energy_score"] == pytest.approx(round((1000 - slope * 7700) / 750 * 100, 1))
    assert row["protein_score"] == pytest.approx(75.0)
    assert row["main_factor"] == "energy"
    assert row["reasons"] == (
        "weight falling 1.2 %/week although the food log says maintenance: intake may be "
        "lower than logged or expenditure higher than estimated (the energy component "
        "scores the scale's balance); weight trend -1.2 %/week: a balance of about -792 "
        "kcal/day (target -250 or above); protein 1.8 g/kg (target 2.3 in a deficit)")


def test_a_stable_weight_against_a_logged_deficit_is_a_reason() -> None:
    # weight level (trend 0 kcal/day), food log -800 kcal/day: 800 > 500 apart
    row = last(score_days(*make_facts(28, every={"balance_kcal": -800.0},
                                      days=weigh_ins(0.0))))
    assert row["weight_trend_pct_per_week"] == pytest.approx(0.0, abs=1e-9)
    assert row["reasons"].split("; ")[0] == ("weight stable although the food log says a "
                                             "deficit of 800 kcal/day: logging may be "
                                             "incomplete")


def test_a_weight_trend_close_to_the_log_is_no_reason() -> None:
    # losing 0.5 % of 60 kg a week: 60 x 0.005 / 7 x 7700 = -330 kcal/day, log -300:
    # 30 kcal apart; a log 500 kcal from the trend (-330 + 500 = 170) is no reason either
    for balance in (-300.0, -330.0 + 499.0):
        row = last(score_days(*make_facts(28, every={"balance_kcal": balance},
                                          days=weigh_ins(-0.5))))
        assert "weight" not in row["reasons"], balance


def test_the_weekly_rollup_carries_the_weight_trend_of_the_week_s_last_day() -> None:
    scored = score_days(*make_facts(28, days=weigh_ins(-1.0)))
    weekly = weekly_muscle_balance(scored).sort("week_start")
    sunday = on(scored, 27)  # START is a Monday: day 27 is the fourth week's Sunday
    assert weekly["weight_trend_pct_per_week"][-1] == sunday["weight_trend_pct_per_week"]
    assert weekly["trend_balance_kcal_per_day"][-1] == pytest.approx(-60 * 0.01 / 7 * 7700)


def test_strength_reason_counts_days_since_the_last_session() -> None:
    # no sessions in the last week: the last was on day 18 (a Friday); day 27 - 18 = 9
    days = {i: {"strength_sessions": 0} for i in (22, 25)}
    row = last(score_days(*make_facts(28, days=days)))
    assert row["strength_score"] == 0.0
    assert row["main_factor"] == "strength"
    assert row["reasons"] == "no strength session in 9 days"


def test_recovery_reason_names_the_costlier_part() -> None:
    # 5 hard days (easy 2 -> 0) with a streak of 2 (50): the hard-day count costs more
    row = last(score_days(*make_facts(14, days={i: HARD for i in (7, 8, 10, 12, 13)})))
    assert row["recovery_score"] == pytest.approx((0 + 50) / 2)
    assert "5 hard days in the last 7 (target at most 2)" in row["reasons"]


@pytest.mark.parametrize(("every", "days", "text"), [
    # 70 min a day: 7 * 70 / 60 = 8.2 h, volume (8.17 - 10) / (4 - 10) = 30.6
    ({"run_moving_min": 70.0, "longest_run_min": 70.0}, {},
     "running 8.2 h in 7 days (full credit up to 4 h)"),
    # one 180-min run: long-run part 0 costs 0.20 * 100 = 20; volume (6 h: 66.7) costs
    # 0.35 * 33.3 = 11.7; no baseline (progression null); acute:chronic 1.0 costs 0
    ({}, {12: {"run_moving_min": 180.0, "longest_run_min": 180.0}},
     "longest run 180 min in 7 days (full credit up to 90)"),
    # three hard days in a row: streak part 0 costs 0.5 * 100 = 50 (easy days 4: 66.7,
    # cost 0.5 * 33.3 = 16.7)
    ({}, {11: HARD, 12: HARD, 13: HARD}, "3 hard days in a row"),
    # two sessions, one within 6 h of a run: (2 - 0.5) / 2 = 75
    ({}, {11: {"strength_near_run_sessions": 1}},
     "1 of 2 strength sessions close to a run (target 2 apart from runs)"),
    # availability 27, below 30: a flag, the athlete's sex unknown here
    ({"energy_availability_kcal_per_kg_ffm": 27.0}, {},
     "energy availability 27 kcal/kg FFM (low below 30): a risk to hormones and bone "
     "(thresholds set in women, for men about 25-30: IOC REDs 2023)"),
    # -450 a day: no day above a 500 kcal deficit; (-450 + 1000) / 750 = 73.3
    ({"balance_kcal": -450.0}, {},
     "mean balance -450 kcal/day over the last 7 days (target -250 or above)"),
])
def test_reason_texts_carry_the_number_and_the_target(every: dict, days: dict,
                                                      text: str) -> None:
    row = last(score_days(*make_facts(14, every=every, days=days)))
    assert text in row["reasons"].split("; ")


def test_intensity_reason_does_not_count_zone_4_below_the_second_threshold() -> None:
    # 6 min in zone 4 of 30 each day, none at or above the second threshold: 0 %
    every = {"z1_min": 4.0, "z2_min": 20.0, "z3_min": 0.0, "z4_min": 6.0, "z5_min": 0.0,
             "high_intensity_min": 0.0}
    row = last(score_days(*make_facts(14, every=every), INTENSITY_ON))
    assert row["high_intensity_share_7d"] == pytest.approx(6 / 30)  # zones 4-5, as before
    assert row["seiler_high_share_7d"] == pytest.approx(0.0)
    assert row["intensity_score"] == pytest.approx(0.0)
    assert row["main_factor"] == "intensity"
    assert row["reasons"] == "0 % of running above the second threshold (target 10 %)"


def test_intensity_reason_counts_the_minutes_above_the_second_threshold() -> None:
    # per 30-min run: 1 min zone 4 and 0.5 min zone 5, all above the second threshold:
    # 1.5 / 30 = 5 % -> 5 / 10 x 100 = 50; cost 0.05 * 50 = 2.5, the only component below 80
    every = {"z1_min": 4.0, "z2_min": 21.5, "z3_min": 3.0, "z4_min": 1.0, "z5_min": 0.5,
             "high_intensity_min": 1.5}
    row = last(score_days(*make_facts(14, every=every), INTENSITY_ON))
    assert row["high_intensity_share_7d"] == pytest.approx(0.05)
    assert row["seiler_high_share_7d"] == pytest.approx(0.05)
    assert row["high_intensity_min_7d"] == pytest.approx(7 * 1.5)
    assert row["intensity_score"] == pytest.approx(50.0)
    assert row["main_factor"] == "intensity"
    assert row["reasons"] == "5 % of running above the second threshold (target 10 %)"
    assert row["score"] == pytest.approx(100 - 0.05 * 50)


def test_intensity_is_never_a_reason_by_default_but_still_counts_in_the_score() -> None:
    # No minute above the second threshold: intensity 0, cost 0.05 x 100 = 5, the only
    # component below 80. Default: no reason, no main factor; the score still loses the 5
    # points: 95.
    no_intervals = {"z1_min": 4.0, "z2_min": 26.0, "z4_min": 0.0, "z5_min": 0.0,
                    "high_intensity_min": 0.0}
    off = last(score_days(*make_facts(14, every=no_intervals)))
    assert off["intensity_score"] == pytest.approx(0.0)
    assert off["score"] == pytest.approx(100 - W["intensity"] * 100)  # 95.0
    assert off["main_factor"] is None
    assert off["reasons"] == "no component below 80 of 100"
    on_ = last(score_days(*make_facts(14, every=no_intervals), INTENSITY_ON))
    assert on_["score"] == off["score"]
    assert on_["main_factor"] == "intensity"
    assert on_["reasons"] == "0 % of running above the second threshold (target 10 %)"


def test_without_the_opt_in_intensity_is_left_out_of_the_list_not_only_the_lead() -> None:
    # 30 min of running a day: carbohydrate need 3 + (5 - 3) x 30/45 = 13/3 g/kg; eaten
    # 52/15 g/kg is 0.8 of it -> (0.8 - 0.5) / 0.5 x 100 = 60, cost 0.10 x 40 = 4.
    # Intensity 0 costs 0.05 x 100 = 5: with the opt-in it leads, carbohydrate second;
    # without it, carbohydrate is the main factor and the only reason.
    every = {"z1_min": 4.0, "z2_min": 26.0, "z4_min": 0.0, "z5_min": 0.0,
             "high_intensity_min": 0.0, "carbohydrate_g_per_kg": 52 / 15}
    off = last(score_days(*make_facts(14, every=every)))
    assert off["carbohydrate_score"] == pytest.approx(60.0)
    assert off["main_factor"] == "carbohydrate"
    assert off["reasons"] == "carbohydrate 3.5 g/kg (training calls for 4.3)"
    on_ = last(score_days(*make_facts(14, every=every), INTENSITY_ON))
    assert on_["main_factor"] == "intensity"
    assert on_["reasons"] == ("0 % of running above the second threshold (target 10 %); "
                              "carbohydrate 3.5 g/kg (training calls for 4.3)")


CRASH = {"very_low_intake": True, "energy_kcal": 700.0}


def test_a_reason_names_the_very_low_intake_days_the_week_kept() -> None:
    # 14 days from Monday 2 March 2026; very low on day 9 (Wed 11 Mar) and day 11 (Fri 13
    # Mar), other values those of a good day so no component is below 80; day 12 is very
    # low too but marked incomplete (left out, not named). Scored day 13: Sun 15 Mar.
    days = {9: CRASH, 11: CRASH, 12: {**CRASH, "incomplete": True,
                                       "incomplete_source": "tracker"}}
    scored = score_days(*make_facts(14, days=days))
    row = last(scored)
    assert row["very_low_intake_days_7d"] == 2
    assert row["main_factor"] is None  # a flag, not a component: it costs no points
    assert row["reasons"] == (
        "no component below 80 of 100; 2 days logged under 800 kcal (very low or "
        "incomplete): Wed 11 Mar, Fri 13 Mar - mark them incomplete if the log was unfinished")
    assert len(row["reasons"].split("; ")) == 2  # one reason: reasons split on "; "
    assert daily_muscle_balance(scored).row(-1, named=True)["very_low_intake_days_7d"] == 2
    # ISO week 11 (9-15 March): 6 usable days of which 2 very low, 1 incomplete
    week = weekly_muscle_balance(scored).sort("iso_week").row(-1, named=True)
    assert (week["iso_week"], week["logged_days"], week["very_low_intake_days"],
            week["incomplete_days"]) == (11, 6, 2, 1)
    # day 10 (Thu 12 Mar): its window (days 4-10) holds day 9 only
    day10 = scored.filter(pl.col("local_date") == START + timedelta(days=10)).row(0, named=True)
    assert day10["reasons"].endswith(
        "1 day logged under 800 kcal (very low or incomplete): Wed 11 Mar - mark it incomplete "
        "if the log was unfinished")


def test_the_low_intake_reason_follows_the_component_reasons_and_the_threshold() -> None:
    # strength: no session on days 8 and 11 -> 0 in the week, last session day 4 (Fri),
    # 13 - 4 = 9 days; the threshold of the daily facts is named.
    days = {8: {"strength_sessions": 0}, 11: {"strength_sessions": 0, **CRASH}}
    row = last(score_days(*make_facts(14, days=days), facts=FactConstants(min_logged_kcal=1000)))
    assert row["main_factor"] == "strength"
    assert row["reasons"] == (
        "no strength session in 9 days; 1 day logged under 1000 kcal (very low or "
        "incomplete): Fri 13 Mar - mark it incomplete if the log was unfinished")


# --------------------------------------------------------------------------------------
# A component's reason names the sub-part that cost the most: share x (100 - sub-score)
# --------------------------------------------------------------------------------------

def test_protein_reason_names_the_amount_when_it_costs_more_than_the_lowest_spread() -> None:
    # days 7, 8 unlogged: the week of day 13 has 5 usable days (9..13)
    # amount: 0.904 g/kg -> (0.904 - 0.8) / 0.8 = 13, cost 0.75 * 87 = 65.25
    # spread: 1 meal on day 9, 0 on the others: 1 / 5 = 0.2 a day -> 5, cost 0.25 * 95 = 23.75
    # the spread has the lower sub-score, the amount costs more
    days: dict[int, dict[str, object]] = {7: dict(UNLOGGED), 8: dict(UNLOGGED),
                                          9: {"meals_reaching_protein_target": 1}}
    facts = make_facts(14, every={"protein_g_per_kg": 0.904,
                                  "meals_reaching_protein_target": 0}, days=days)
    scored = score_days(*facts)
    row = last(scored)
    assert row["logged_days_7d"] == 5
    assert row["protein_meals_per_day_7d"] == pytest.approx(0.2)
    assert row["protein_score"] == pytest.approx(0.75 * 13 + 0.25 * 5)   # 11.0
    assert row["main_factor"] == "protein"
    assert row["reasons"] == "protein 0.9 g/kg (target 1.6)"


def test_protein_reason_names_the_spread_when_it_costs_more() -> None:
    # amount: 1.52 g/kg -> (1.52 - 0.8) / 0.8 = 90, cost 0.75 * 10 = 7.5
    # spread: no meal reaching 0.4 g/kg -> 0, cost 0.25 * 100 = 25
    row = last(score_days(*make_facts(14, every={"protein_g_per_kg": 1.52,
                                                 "meals_reaching_protein_target": 0})))
    assert row["protein_score"] == pytest.approx(0.75 * 90 + 0.25 * 0)    # 67.5
    assert row["main_factor"] == "protein"
    assert row["reasons"] == "protein reached 0.4 g/kg in 0.0 meals a day (target 4)"


def test_running_load_reason_names_the_costliest_part_not_the_lowest() -> None:
    # 60 min a day for 28 days: volume 7 h -> 50 (cost 0.35 * 50 = 17.5), progression 1.0
    # and longest run 60 min -> 100 (cost 0), acute:chronic 2.0 on the day -> 0 (the
    # lowest sub-score, cost 0.15 * 100 = 15): the volume costs the most
    facts = make_facts(28, every={"run_moving_min": 60.0, "longest_run_min": 60.0},
                       days={27: {"acute_chronic_ratio": 2.0}})
    row = last(score_days(*facts))
    assert row["running_load_score"] == pytest.approx(0.35 * 50 + 0.30 * 100 + 0.20 * 100)
    assert row["reasons"].split("; ")[0] == "running 7.0 h in 7 days (full credit up to 4 h)"
    assert "acute:chronic" not in row["reasons"]


K = ScoreConstants()


def _text(expr: pl.Expr, **columns: object) -> str | None:
    """One reason expression on a one-row frame of literal columns."""
    frame = pl.DataFrame({name: value if isinstance(value, pl.Series) else [value]
                          for name, value in columns.items()})
    return frame.select(expr).item()


PROTEIN_COLUMNS = {"protein_g_per_kg_7d": 1.0, "protein_target_g_per_kg": 1.6,
                   "protein_meals_per_day_7d": 1.0}
AMOUNT_TEXT = "protein 1.0 g/kg (target 1.6)"
SPREAD_TEXT = "protein reached 0.4 g/kg in 1.0 meals a day (target 4)"


@pytest.mark.parametrize(("amount", "spread", "text"), [
    (13.0, 5.0, AMOUNT_TEXT),     # 0.75 * 87 = 65.25 > 0.25 * 95 = 23.75
    (90.0, 0.0, SPREAD_TEXT),     # 0.75 * 10 = 7.5 < 0.25 * 100 = 25
    (70.0, 10.0, AMOUNT_TEXT),    # 0.75 * 30 = 22.5 = 0.25 * 90 = 22.5: the first wins
    (80.0, 10.0, SPREAD_TEXT),    # 0.75 * 20 = 15 < 22.5
    (100.0, 100.0, AMOUNT_TEXT),  # both cost 0: the first
    (100.0, None, AMOUNT_TEXT),   # a null sub-score is left out
    (20.0, None, AMOUNT_TEXT),
    (None, 50.0, SPREAD_TEXT),
    (None, None, None),
])
def test_protein_reason_on_literal_sub_scores(amount: float | None, spread: float | None,
                                              text: str | None) -> None:
    got = _text(protein_reason(K, 0.4), **PROTEIN_COLUMNS,
                protein_amount=pl.Series([amount], dtype=pl.Float64),
                protein_spread=pl.Series([spread], dtype=pl.Float64))
    assert got == text


RUN_COLUMNS = {"run_h_7d": 7.0, "run_km_7d": 84.0, "chronic_run_h_per_week": 5.0,
               "chronic_run_km_per_week": 60.0, "longest_run_min_7d": 150.0,
               "acute_chronic_ratio": 1.8}
RUN_TEXTS = {
    "volume": "running 7.0 h in 7 days (full credit up to 4 h)",
    "progression": "running 7.0 h / 84 km in 7 days against an own average of 5.0 h / "
                   "60 km a week",
    "long_run": "longest run 150 min in 7 days (full credit up to 90)",
    "acwr": "acute:chronic load 1.8 (descriptive; full credit up to 1.3)",
}


@pytest.mark.parametrize(("volume", "progression", "long_run", "acwr", "part"), [
    # costs: volume 0.35 x, progression 0.30 x, long run 0.20 x, acwr 0.15 x (100 - sub)
    (50.0, 100.0, 100.0, 0.0, "volume"),        # 17.5 vs acwr 15: not the lowest
    (55.0, 50.0, 100.0, 100.0, "volume"),       # 15.75 vs progression 15: not the lowest
    (60.0, 50.0, 100.0, 100.0, "progression"),  # 14 < 15
    (100.0, 50.0, 100.0, 0.0, "progression"),   # 15 = 15: the first listed wins
    (100.0, 100.0, 30.0, 0.0, "acwr"),          # long run 14 < acwr 15
    (100.0, 100.0, 20.0, 0.0, "long_run"),      # 16 > 15
    (None, None, 100.0, 40.0, "acwr"),          # nulls left out: long run 0 < acwr 9
    (None, None, None, None, None),
])
def test_running_load_reason_on_literal_sub_scores(volume: float | None,
                                                   progression: float | None,
                                                   long_run: float | None,
                                                   acwr: float | None,
                                                   part: str | None) -> None:
    got = _text(running_load_reason(K), **RUN_COLUMNS,
                run_volume=pl.Series([volume], dtype=pl.Float64),
                run_progression=pl.Series([progression], dtype=pl.Float64),
                long_run=pl.Series([long_run], dtype=pl.Float64),
                acwr=pl.Series([acwr], dtype=pl.Float64))
    assert got == (None if part is None else RUN_TEXTS[part])


@pytest.mark.parametrize(("easy", "streak", "text"), [
    (0.0, 50.0, "5 hard days in the last 7 (target at most 2)"),   # 50 > 25
    (66.7, 0.0, "3 hard days in a row"),                           # 16.65 < 50
    (50.0, 50.0, "5 hard days in the last 7 (target at most 2)"),  # 25 = 25: the first
    (None, 50.0, "3 hard days in a row"),
])
def test_recovery_reason_on_literal_sub_scores(easy: float | None, streak: float | None,
                                               text: str) -> None:
    got = _text(recovery_reason(K), hard_days_7d=5, max_hard_streak_7d=3,
                easy_days=pl.Series([easy], dtype=pl.Float64),
                hard_streak=pl.Series([streak], dtype=pl.Float64), **UNMEASURED)
    assert got == text


#: Recovery signals not measured: the reason counts hard days.
UNMEASURED = {c: pl.Series([None], dtype=pl.Float64) for c in (
    "sleep_part", "resting_hr_part", "hrv_part", "sleep_h_7d", "resting_hr_delta_bpm",
    "hrv_delta_swc")}


@pytest.mark.parametrize(("sleep", "rhr", "hrv", "text"), [
    # sleep 6.4 h: (6.4 - 6) / (7 - 6) = 40 costs 60; resting HR +3 bpm: (7 - 3) / 5 = 80
    (6.4, 3.0, None, "sleep 6.4 h a night over the last 7 (target 7)"),
    # HRV 2.5 SWC below: (-2.5 + 3) / 2 = 25 costs 75 > sleep's 60
    (6.4, None, -2.5, "HRV 7-day mean 2.5 smallest worthwhile changes below its baseline "
                      "(Plews 2013)"),
    # resting HR +6 bpm: (7 - 6) / 5 = 20 costs 80, the most
    (6.4, 6.0, -2.5, "resting HR 6.0 bpm above its 28-day baseline"),
])
def test_recovery_reason_names_the_costliest_measured_signal(
        sleep: float | None, rhr: float | None, hrv: float | None, text: str) -> None:
    def part(value: float | None, zero: float, full: float) -> pl.Series:
        return pl.Series([None if value is None else
                          min(max((value - zero) / (full - zero), 0.0), 1.0) * 100],
                         dtype=pl.Float64)

    got = _text(recovery_reason(K), hard_days_7d=5, max_hard_streak_7d=3,
                easy_days=pl.Series([0.0]), hard_streak=pl.Series([0.0]),
                sleep_h_7d=pl.Series([sleep], dtype=pl.Float64),
                resting_hr_delta_bpm=pl.Series([rhr], dtype=pl.Float64),
                hrv_delta_swc=pl.Series([hrv], dtype=pl.Float64),
                sleep_part=part(sleep, 6.0, 7.0), resting_hr_part=part(rhr, 7.0, 2.0),
                hrv_part=part(hrv, -3.0, -1.0))
    assert got == text


def test_model_version_on_every_row() -> None:
    defaults = model_version(ScoreConstants(), FactConstants())
    scored = score_days(*make_facts(10))
    assert scored["model_version"].to_list() == [defaults] * 10
    k = ScoreConstants.model_validate({"weight_intensity": 0.0})
    other = score_days(*make_facts(10), k)["model_version"].unique().to_list()
    assert other == [model_version(k, FactConstants())]
    assert other[0] != defaults


def test_model_version_follows_the_daily_fact_constants() -> None:
    defaults = model_version(ScoreConstants(), FactConstants())
    explicit = score_days(*make_facts(10), ScoreConstants(), FactConstants())
    assert explicit["model_version"].unique().to_list() == [defaults]
    facts = FactConstants(activity_factor=1.3)
    other = score_days(*make_facts(10), facts=facts)
    assert other["model_version"].unique().to_list() == [model_version(ScoreConstants(), facts)]
    assert model_version(ScoreConstants(), facts) != defaults
    # the fact constants change the version only: the scores are those of the given facts
    assert other["score"].to_list() == explicit["score"].to_list()


def test_the_daily_mart_has_the_contract_columns_in_order() -> None:
    daily = daily_muscle_balance(score_days(*make_facts(10)))
    assert daily.columns == [c for c, _ in DAILY_MUSCLE_BALANCE]
    assert daily.height == 10
    assert daily["local_date"].to_list() == [START + timedelta(days=i) for i in range(10)]


# --------------------------------------------------------------------------------------
# Several athletes
# --------------------------------------------------------------------------------------

def test_athletes_do_not_mix() -> None:
    a = make_facts(14, athlete="a")
    # b eats 1.2 g/kg and never lifts
    b = make_facts(14, athlete="b", every={"protein_g_per_kg": 1.2, "strength_sessions": 0,
                                           "strength_min": 0.0})
    scored = score_days(*concat_facts(b, a))
    assert scored.select("athlete_id", "local_date").rows() == sorted(
        scored.select("athlete_id", "local_date").rows())
    ra, rb = on(scored, 13, athlete="a"), on(scored, 13, athlete="b")
    assert ra["score"] == pytest.approx(100.0)
    assert ra["days_since_strength"] == 13 - 11  # a's last session: day 11 (a Friday)
    # b: protein 0.75 * 50 + 25 = 62.5, strength 0; the rest 100
    expected = (W["protein"] * 62.5 + W["energy"] * 100 + W["carbohydrate"] * 100
                + W["running_load"] * 100 + W["intensity"] * 100 + W["strength"] * 0
                + W["recovery"] * 100)
    assert rb["score"] == pytest.approx(round(expected, 1))
    assert rb["strength_sessions_7d"] == 0
    assert rb["main_factor"] == "strength"
    assert rb["reasons"] == "no strength session in 14 days; protein 1.2 g/kg (target 1.6)"

    weekly = weekly_muscle_balance(scored)
    assert weekly.height == 4
    by = {(r["athlete_id"], r["iso_week"]): r for r in weekly.iter_rows(named=True)}
    assert by[("a", 10)]["strength_sessions"] == 2
    assert by[("b", 10)]["strength_sessions"] == 0
    assert by[("a", 11)]["protein_g_per_kg_mean"] == pytest.approx(1.8)
    assert by[("b", 11)]["protein_g_per_kg_mean"] == pytest.approx(1.2)


# --------------------------------------------------------------------------------------
# The weekly rollup
# --------------------------------------------------------------------------------------

YEAR_END = date(2026, 12, 28)  # a Monday: ISO week 2026-53 (2026 starts on a Thursday)


def _weekly_facts():
    """14 days from Monday 2026-12-28 (strength on days 1, 4, 8, 11 and 13):

    - day 1 unlogged, day 4 logged but incomplete (0.5 g/kg, -1500 kcal: never counted)
    - protein 1.7 on day 0 and 2.3 on day 2, 1.8 otherwise; balance -200 on day 0, else 0
    - day 2: a 60-min, 12-km run (else 30 min, 6 km)
    - acute:chronic ratio 2.0 on days 6 and 9 (else 1.0); acute load 10 x day

    Daily scores by hand: days 0..4 none (under 4 usable food days, under 7 known days);
    day 5 none (nutrition only: completeness 0.6 < 0.7); day 6 and day 9: running load (no
    baseline: under 14 known days before the week, so volume 35 % + long run 20 % + ratio
    15 % renormalised) = (35 + 20 + 0) / 0.7 = 78.6 -> 0.88 * 100 + 0.12 * 78.6 = 97.4;
    other days 100.
    """
    days: dict[int, dict[str, object]] = {i: {"acute_load": 10.0 * i} for i in range(14)}
    days[0].update({"protein_g_per_kg": 1.7, "balance_kcal": -200.0})
    days[1].update(UNLOGGED)
    days[2].update({"protein_g_per_kg": 2.3, "run_moving_min": 60.0, "run_distance_km": 12.0,
                    "longest_run_min": 60.0})
    days[4].update({"incomplete": True, "protein_g_per_kg": 0.5, "balance_kcal": -1500.0})
    days[6].update({"acute_chronic_ratio": 2.0})
    days[9].update({"acute_chronic_ratio": 2.0})
    days[13].update({"strength_sessions": 1, "strength_min": 40.0})
    return make_facts(14, start=YEAR_END, days=days)


def test_weekly_rollup_across_a_year_boundary() -> None:
    scored = score_days(*_weekly_facts())
    low_day = round(0.88 * 100 + 0.12 * round((35 + 20 + 0) / 0.7, 1), 1)
    assert low_day == pytest.approx(97.4)
    daily = {i: on(scored, i, start=YEAR_END)["score"] for i in range(14)}
    assert [daily[i] for i in range(6)] == [None] * 6
    assert on(scored, 5, start=YEAR_END)["data_completeness"] == pytest.approx(0.6)
    assert daily[6] == pytest.approx(low_day) and daily[9] == pytest.approx(low_day)

    weekly = weekly_muscle_balance(scored)
    assert weekly.columns == [c for c, _ in WEEKLY_MUSCLE_BALANCE]
    assert weekly.select("athlete_id", "iso_year", "iso_week", "week_start").rows() == [
        ("a", 2026, 53, date(2026, 12, 28)), ("a", 2027, 1, date(2027, 1, 4))]
    w1, w2 = weekly.row(0, named=True), weekly.row(1, named=True)

    assert (w1["days"], w1["days_scored"]) == (7, 1)      # day 6 only
    assert w1["score"] == pytest.approx(low_day)
    assert w1["band"] == "low"
    assert w1["worst_score"] == pytest.approx(low_day)
    assert w1["worst_day"] == date(2027, 1, 3)
    assert w1["data_completeness"] == pytest.approx(round((0.6 + 1.0) / 7, 3))
    assert w1["running_load_score"] == pytest.approx(78.6)
    assert w1["protein_score"] == pytest.approx(100.0)
    assert w1["run_distance_km"] == pytest.approx(6 * 6.0 + 12.0)
    assert w1["run_hours"] == pytest.approx((6 * 30 + 60) / 60)
    assert w1["protein_g_per_kg_mean"] == pytest.approx((1.7 + 2.3 + 1.8 + 1.8 + 1.8) / 5)
    assert w1["balance_kcal_mean"] == pytest.approx((-200 + 0 + 0 + 0 + 0) / 5)
    assert w1["logged_days"] == 5
    assert w1["strength_sessions"] == 2
    assert (w1["acute_load"], w1["chronic_load"], w1["acute_chronic_ratio"]) == (60.0, 50.0,
                                                                                  2.0)
    assert w1["main_factor"] == "running_load"  # of day 6, the week's last scored day
    assert w1["reasons"] == "acute:chronic load 2.0 (descriptive; full credit up to 1.3)"

    assert (w2["days"], w2["days_scored"]) == (7, 7)
    assert w2["score"] == pytest.approx(round((6 * 100 + low_day) / 7, 1))
    assert w2["worst_score"] == pytest.approx(low_day)
    assert w2["worst_day"] == date(2027, 1, 6)
    assert w2["data_completeness"] == pytest.approx(1.0)
    assert w2["running_load_score"] == pytest.approx(round((6 * 100 + 78.6) / 7, 1))
    assert w2["run_distance_km"] == pytest.approx(7 * 6.0)
    assert w2["run_hours"] == pytest.approx(7 * 30 / 60)
    assert w2["protein_g_per_kg_mean"] == pytest.approx(1.8)
    assert w2["logged_days"] == 7
    assert w2["strength_sessions"] == 3
    assert (w2["acute_load"], w2["acute_chronic_ratio"]) == (130.0, 1.0)
    assert w2["main_factor"] is None
    assert w2["reasons"] == "no component below 80 of 100"
    assert w1["model_version"] == w2["model_version"] == model_version(ScoreConstants(),
                                                                        FactConstants())


def test_a_week_without_any_score() -> None:
    # three days only: nothing scored, the reasons say why
    weekly = weekly_muscle_balance(score_days(*make_facts(3)))
    row = weekly.row(0, named=True)
    assert (row["days"], row["days_scored"]) == (3, 0)
    assert row["score"] is None and row["band"] is None and row["worst_score"] is None
    assert row["worst_day"] is None
    assert row["reasons"].startswith("not enough data")
    assert row["run_distance_km"] == pytest.approx(3 * 6.0)
    assert row["logged_days"] == 3


def test_the_28_day_score_and_trend_daily_and_weekly() -> None:
    # nine weeks from a Monday: good days, then from day 35 on protein 1.0 g/kg (the
    # protein component falls, so the daily score does); the 28-day means are recomputed
    # here in plain Python from the daily scores
    low = {"protein_g_per_kg": 1.0, "protein_g": 60.0}
    scored = score_days(*make_facts(63, days={i: low for i in range(35, 63)}))
    daily = {i: on(scored, i)["score"] for i in range(63)}

    def mean_28d(i: int) -> float | None:
        known = [daily[j] for j in range(i - 27, i + 1) if j >= 0 and daily[j] is not None]
        return round(sum(known) / len(known), 1) if len(known) >= 14 else None

    for i in (12, 19, 20, 27, 40, 47, 55, 62):
        row = on(scored, i)
        now, before = mean_28d(i), mean_28d(i - 28) if i >= 28 else None
        assert (row["score_28d"], row["score_28d_previous"]) == (
            pytest.approx(now) if now is not None else None,
            pytest.approx(before) if before is not None else None), i
    assert mean_28d(62) < mean_28d(34) - 5  # type: ignore[operator]
    assert on(scored, 62)["trend_28d"] == "worse"
    assert on(scored, 27)["trend_28d"] is None  # nothing 28 days before
    assert daily_muscle_balance(scored).columns == [c for c, _ in DAILY_MUSCLE_BALANCE]

    weekly = weekly_muscle_balance(scored)
    for week in range(9):  # the value on each week's Sunday
        sunday = on(scored, 7 * week + 6)
        row = weekly.row(week, named=True)
        assert (row["score_28d"], row["score_28d_previous"], row["trend_28d"]) == (
            sunday["score_28d"], sunday["score_28d_previous"], sunday["trend_28d"])
    assert weekly.row(8, named=True)["trend_28d"] == "worse"


def test_protein_per_pound_beside_per_kg_daily_and_weekly() -> None:
    # 1 lb = 0.45359237 kg exactly, so g/lb = g/kg x 0.45359237: 1.8 g/kg is 0.816466266
    # g/lb; a week of 2.0 g/kg is 0.90718474 g/lb
    scored = score_days(*make_facts(14, days={i: {"protein_g_per_kg": 2.0}
                                              for i in range(7, 14)}))
    assert on(scored, 6)["protein_g_per_lb_7d"] == pytest.approx(0.816466266, abs=1e-12)
    assert on(scored, 13)["protein_g_per_lb_7d"] == pytest.approx(0.90718474, abs=1e-12)
    assert on(scored, 2)["protein_g_per_lb_7d"] is None  # 3 logged days: no 7-day mean
    weekly = weekly_muscle_balance(scored)
    assert weekly["protein_g_per_lb_mean"].to_list() == pytest.approx(
        [0.816466266, 0.90718474], abs=1e-12)


# --------------------------------------------------------------------------------------
# The worked example of docs/scoring.md
# --------------------------------------------------------------------------------------

def _worked_example_facts():
    """docs/scoring.md's worked example: 21 days of 5 h / 50 km a week (300/7 min a day,
    easy), then the scored week (days 21..27, Monday to Sunday)."""
    week = {  # day: (run min, km, zone 4 min, cycling min, balance kcal)
        21: (60.0, 10.0, 0.0, 30.0, -700.0), 22: (0.0, 0.0, 0.0, 0.0, -450.0),
        23: (50.0, 8.0, 18.0, 0.0, -700.0), 24: (60.0, 10.0, 0.0, 0.0, -450.0),
        25: (50.0, 9.0, 0.0, 0.0, -700.0), 26: (120.0, 18.0, 0.0, 0.0, -450.0),
        27: (20.0, 5.0, 0.0, 25.0, -400.0)}
    days: dict[int, dict[str, object]] = {}
    for i in range(28):
        run, km, z4, cycling, balance = week.get(i, (300 / 7, 50 / 7, 0.0, 0.0, 0.0))
        days[i] = {"run_moving_min": run, "longest_run_min": run, "run_distance_km": km,
                   "run_sessions": int(run > 0), "hr_covered_min": run, "z1_min": 0.0,
                   "z2_min": run - z4, "z3_min": 0.0, "z4_min": z4, "z5_min": 0.0,
                   "high_intensity_min": z4, "cycling_min": cycling, "other_cardio_min": cycling,
                   "balance_kcal": balance}
        if i >= 21:
            days[i].update({"protein_g_per_kg": 1.4, "meals_reaching_protein_target": 2,
                            "carbohydrate_g_per_kg": 4.5})
    # one strength session in the week, on the day without a run (day 22)
    days[25].update({"strength_sessions": 0, "strength_min": 0.0, "strength_sets": 0,
                     "strength_reps": None, "strength_volume_kg": 0.0})
    return make_facts(28, every={"acute_chronic_ratio": 1.1}, days=days)


def test_the_worked_example_of_the_documentation() -> None:
    row = last(score_days(*_worked_example_facts()))
    target = 1.6 + 0.7 * (550 - 250) / 500                        # 2.02
    protein = 0.75 * 100 * (1.4 - 0.8) / (target - 0.8) + 0.25 * 50  # 49.39
    # needs of 90, 0, 50, 60, 50, 120, 45 endurance minutes
    needs = [6, 3, 5 + 5 / 45, 5 + 15 / 45, 5 + 5 / 45, 6 + 2 * 30 / 150, 5]
    carbohydrate = 100 * (4.5 / (sum(needs) / 7) - 0.5) / 0.5        # 75.2
    running = 0.35 * 100 * 4 / 6 + 0.30 * 75 + 0.20 * 100 * 60 / 90 + 0.15 * 100  # 74.17
    expected = {"protein": 49.4, "energy": 60.0, "carbohydrate": 75.2, "running_load": 74.2,
                "intensity": 50.0, "strength": 50.0, "recovery": 100.0}
    assert (round(protein, 1), round(carbohydrate, 1), round(running, 1)) == (49.4, 75.2, 74.2)
    for c, v in expected.items():
        assert row[f"{c}_score"] == pytest.approx(v), c
    assert row["protein_target_g_per_kg"] == pytest.approx(target)
    assert row["balance_kcal_7d"] == pytest.approx(-550.0)
    total = sum(W[c] * v for c, v in expected.items())  # 61.774
    assert total == pytest.approx(61.774)
    penalty = 0.25 * (100 - 60.0) * (100 - 49.4) / 100            # 5.06
    assert row["energy_protein_penalty"] == pytest.approx(round(penalty, 1))
    assert row["score"] == pytest.approx(round(total - round(penalty, 1), 1))  # 56.7
    assert row["main_factor"] == "protein"
    assert row["reasons"] == (
        "protein 1.4 g/kg (target 2.0 in a deficit); 3 of the last 7 days in deficit above "
        "500 kcal (mean balance -550 kcal/day); strength sessions: 1 in the last 7 days "
        "(target 2)")


def test_the_worked_example_with_five_reasons_and_with_a_low_availability() -> None:
    facts = _worked_example_facts()
    five = last(score_days(*facts, ScoreConstants(max_reasons=5)))
    assert five["reasons"].split("; ")[3:] == [
        "running 6.0 h in 7 days (full credit up to 4 h)",
        "carbohydrate 4.5 g/kg (training calls for 5.1)"]
    five = last(score_days(*facts, ScoreConstants(max_reasons=5, intensity_reasons=True)))
    assert five["reasons"].split("; ")[3:] == [
        "running 6.0 h in 7 days (full credit up to 4 h)",
        "5 % of running above the second threshold (target 10 %)"]
    low = facts._replace(energy=facts.energy.with_columns(
        pl.lit(28.0).alias("energy_availability_kcal_per_kg_ffm")))
    row = last(score_days(*low, athletes=FEMALE))
    assert row["score"] == pytest.approx(56.7)
    assert row["reasons"].split("; ") == [
        "energy availability 28 kcal/kg FFM (low below 30): a risk to menstrual function and "
        "bone (Loucks & Thuma 2003, IOC REDs 2023)",
        "protein 1.4 g/kg (target 2.0 in a deficit)",
        "3 of the last 7 days in deficit above 500 kcal (mean balance -550 kcal/day)"]


# --------------------------------------------------------------------------------------
# Strength recorded nowhere (strength_source = "none")
# --------------------------------------------------------------------------------------

STRENGTH_UNKNOWN = {"strength_sessions": None, "strength_min": None, "strength_sets": None,
                    "strength_reps": None, "strength_volume_kg": None,
                    "strength_near_run_sessions": None, "strength_session_credit": None,
                    "strength_near_run_credit": None, "strength_source": "none"}


def test_strength_recorded_nowhere_is_left_out_of_the_score_and_said() -> None:
    row = last(score_days(*make_facts(14, every=STRENGTH_UNKNOWN)))
    assert row["strength_score"] is None
    # the other six are known: completeness 1 - 0.15 = 0.85, above min_completeness 0.7
    assert row["data_completeness"] == pytest.approx(1 - W["strength"])
    known = {c: row[f"{c}_score"] for c in COMPONENTS if c != "strength"}
    assert None not in known.values()
    expected = sum(W[c] * v for c, v in known.items()) / (1 - W["strength"])
    assert row["score"] == pytest.approx(round(expected, 1))
    assert row["reasons"].endswith("strength training not recorded (strength_source = none)")
    assert row["main_factor"] != "strength"


def test_a_lifter_without_watch_strength_gets_no_strength_penalty_with_none() -> None:
    # no strength session at all for 14 days: "watch" scores strength 0, "none" leaves it out
    watch = last(score_days(*make_facts(14, every={"strength_sessions": 0,
                                                   "strength_min": 0.0})))
    assert watch["strength_score"] == 0.0
    assert watch["reasons"].startswith("no strength session in 14 days")
    none = last(score_days(*make_facts(14, every=STRENGTH_UNKNOWN)))
    assert none["score"] > watch["score"]
    assert "no strength session" not in none["reasons"]


def test_sessions_short_of_their_sets_are_named_with_their_worth() -> None:
    # Tuesdays and Fridays, 3 hard sets each: 2 sessions worth 2 x 3/6 = 1.0 in the week
    half = {i: {"strength_session_credit": 0.5} for i in range(14) if is_strength_day(i)}
    row = last(score_days(*make_facts(14, days=half)))
    assert row["strength_score"] == pytest.approx(1.0 / 2 * 100)
    assert row["main_factor"] == "strength"
    assert row["reasons"].startswith("strength sessions: 2 in the last 7 days, worth 1.0 full "
                                     "sessions by their hard sets (6 a session; target 2)")


def test_days_eaten_below_resting_energy_are_named_in_the_energy_reason() -> None:
    # days 9-13 eaten at 700 kcal against 1400 kcal of resting energy (each a whole day):
    # the balance stays 0, energy 100 - 10 x 5 = 50, cost 12.5: the only reason
    days = {i: {"intake_kcal": 700.0} for i in range(9, 14)}
    row = last(score_days(*make_facts(14, days=days)))
    assert row["energy_score"] == pytest.approx(50.0)
    assert row["main_factor"] == "energy"
    assert row["reasons"] == ("mean balance 0 kcal/day over the last 7 days (target -250 or "
                              "above), and 5.0 days' worth eaten below resting energy")


def test_a_weight_trend_steeper_than_5_percent_a_week_is_unknown() -> None:
    # a line losing 4.9 % of 60 kg a week is a trend (the slope recovers it); weigh-ins of
    # 60 kg and then 132 kg (lb read as kg) two weeks later are no trend: null, and the
    # energy component falls back on the food log's balance (0: full credit)
    steep = last(score_days(*make_facts(28, days=weigh_ins(-4.9))))
    slope = 60 * 0.049 / 7  # kg/day; % of the mean weigh-in, as in the test above
    assert steep["weight_trend_pct_per_week"] == pytest.approx(-slope * 7 / (60 + slope * 13)
                                                               * 100)
    mixed = {i: {"weight_kg": 60.0 if i < 14 else 132.0, "weight_source": "measured"}
             for i in range(0, 28, 3)}
    row = last(score_days(*make_facts(28, days=mixed)))
    assert row["weight_trend_pct_per_week"] is None
    assert row["trend_balance_kcal_per_day"] is None
    assert row["energy_score"] == pytest.approx(100.0)
