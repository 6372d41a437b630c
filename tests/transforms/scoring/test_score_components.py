"""The seven components of the muscle-balance score (`transforms.scoring.score_components`): every
transfer function at and between its thresholds, with the expected numbers worked out by
hand from the constants of `ScoreConstants` (defaults unless a test says otherwise)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from schemas.scoring import COMPONENTS, ScoreConstants
from tests.factories import (
    REST_DAY,
    UNKNOWN_TRAINING,
    UNLOGGED,
    carbohydrate_need_by_hand,
    is_strength_day,
    make_facts,
    weigh_ins,
    window_frame,
)
from transforms.scoring.score_components import (
    component_parts,
    recovery_parts,
    recovery_score,
    strength_score,
)

HARD = {"high_intensity_min": 12.0}  # 12 min above the second threshold: a hard day


def last(facts, k: ScoreConstants | None = None) -> dict:
    """Components of the last day (one athlete)."""
    k = k or ScoreConstants()
    return component_parts(window_frame(facts, k), k).row(-1, named=True)


def test_a_good_week_scores_100_on_every_component() -> None:
    got = last(make_facts(28))
    for c in COMPONENTS:
        assert got[f"{c}_score"] == pytest.approx(100.0), c


# --------------------------------------------------------------------------------------
# Protein: amount 0.8 -> target (75 %), meals reaching 0.4 g/kg 0 -> 4 (25 %)
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("protein", "amount"), [
    (0.5, 0.0), (0.8, 0.0), (1.0, (1.0 - 0.8) / (1.6 - 0.8) * 100),
    (1.2, 50.0), (1.4, (1.4 - 0.8) / (1.6 - 0.8) * 100), (1.6, 100.0), (2.2, 100.0)])
def test_protein_amount_from_floor_to_target(protein: float, amount: float) -> None:
    got = last(make_facts(7, every={"protein_g_per_kg": protein}))
    assert got["protein_target_g_per_kg"] == 1.6
    assert got["protein_amount"] == pytest.approx(amount)
    assert got["protein_spread"] == pytest.approx(100.0)  # 4 meals
    assert got["protein_score"] == pytest.approx(0.75 * amount + 0.25 * 100)


@pytest.mark.parametrize(("balance", "target"), [
    (0.0, 1.6), (-250.0, 1.6), (-300.0, 1.6 + 0.7 * 50 / 500), (-301.0, 1.6 + 0.7 * 51 / 500),
    (-500.0, 1.95), (-750.0, 2.3), (-1200.0, 2.3)])
def test_protein_target_rises_linearly_with_the_deficit(balance: float, target: float) -> None:
    """1.6 g/kg at a 7-day balance of -250 kcal/day, 2.3 at -750, straight between: the
    old step at -300 is gone (-300 and -301 are 0.0014 g/kg apart)."""
    got = last(make_facts(7, every={"protein_g_per_kg": 1.6, "balance_kcal": balance}))
    assert got["protein_target_g_per_kg"] == pytest.approx(target)
    assert got["protein_amount"] == pytest.approx((1.6 - 0.8) / (target - 0.8) * 100)


@pytest.mark.parametrize(("protein", "amount"), [
    (0.8, 0.0), (1.55, (1.55 - 0.8) / (2.3 - 0.8) * 100),  # half way: 50
    (2.3, 100.0), (2.5, 100.0)])
def test_protein_amount_against_the_deficit_target(protein: float, amount: float) -> None:
    got = last(make_facts(7, every={"protein_g_per_kg": protein, "balance_kcal": -800.0}))
    assert got["protein_target_g_per_kg"] == pytest.approx(2.3)
    assert got["protein_amount"] == pytest.approx(amount)


def test_the_deficit_target_follows_the_7_day_mean_balance_not_one_day() -> None:
    # one day at -1500, six at 0: mean -214 above -250, so no raise
    got = last(make_facts(7, days={6: {"balance_kcal": -1500.0}}))
    assert got["balance_kcal_7d"] == pytest.approx(-1500 / 7)
    assert got["protein_target_g_per_kg"] == 1.6
    # two such days: mean -428.6, 178.6 of the 500 kcal from -250 to -750
    got = last(make_facts(7, days={5: {"balance_kcal": -1500.0}, 6: {"balance_kcal": -1500.0}}))
    assert got["protein_target_g_per_kg"] == pytest.approx(1.6 + 0.7 * (3000 / 7 - 250) / 500)


@pytest.mark.parametrize(("pct", "target"), [
    (0.0, 1.6), (-0.5, 1.6), (-0.75, 1.95), (-1.0, 2.3), (-1.5, 2.3), (0.8, 1.6)])
def test_protein_target_rises_linearly_with_the_weight_loss(pct: float, target: float) -> None:
    """At maintenance by the food log, a weight trend losing 0.5 %/week keeps 1.6 g/kg,
    1 %/week gives 2.3, straight between. The trend's % is of the window's mean weigh-in,
    so a line drawn at `pct` % of the last day's 60 kg reads slightly differently."""
    got = last(make_facts(28, every={"protein_g_per_kg": 1.6}, days=weigh_ins(pct)))
    # weigh-ins every other day from day 27 back to day 1: mean weight = the weight of
    # day 14 (the middle of 1..27), 60 + slope x (14 - 27)
    slope = 60.0 * pct / 100 / 7
    mean = 60.0 + slope * (14 - 27)
    shown = slope * 7 / mean * 100
    assert got["weight_trend_pct_per_week"] == pytest.approx(shown)
    assert got["trend_balance_kcal_per_day"] == pytest.approx(slope * 7700)
    by_trend = 1.6 + 0.7 * min(max((-shown - 0.5) / 0.5, 0.0), 1.0)
    assert got["protein_target_g_per_kg"] == pytest.approx(by_trend)
    assert by_trend == pytest.approx(target, abs=0.03)


def test_the_protein_target_is_the_larger_of_deficit_and_weight_loss() -> None:
    # balance -500 (1.95) and a loss of 1.5 %/week (2.3): 2.3; balance -700 (2.23) and
    # weight stable (1.6): 2.23
    got = last(make_facts(28, every={"balance_kcal": -500.0}, days=weigh_ins(-1.5)))
    assert got["protein_target_g_per_kg"] == pytest.approx(2.3)
    got = last(make_facts(28, every={"balance_kcal": -700.0}, days=weigh_ins(0.0)))
    assert got["protein_target_g_per_kg"] == pytest.approx(1.6 + 0.7 * 450 / 500)


@pytest.mark.parametrize(("weighins", "every", "known"), [
    (3, 7, False),   # days 27, 20, 13: 3 weigh-ins (spanning 14 days)
    (4, 4, False),   # days 27, 23, 19, 15: 4, spanning 12 days
    (5, 3, False),   # days 27 .. 15: 5, spanning 12 days
    (4, 5, True),    # days 27, 22, 17, 12: 4, spanning 15 days
    (4, 7, True)])   # days 27, 20, 13, 6: 4, spanning 21 days
def test_the_weight_trend_needs_four_weigh_ins_over_fourteen_days(weighins: int, every: int,
                                                                   known: bool) -> None:
    days = {27 - every * j: {"weight_kg": 60.0 - 0.1 * j, "weight_source": "measured"}
            for j in range(weighins)}
    got = last(make_facts(28, days=days))
    assert (got["weight_trend_pct_per_week"] is not None) is known
    assert (got["trend_balance_kcal_per_day"] is not None) is known


def test_only_measured_weigh_ins_make_the_trend() -> None:
    # interpolated, carried and configured weights falling fast: no trend; weigh-ins of a
    # window's days 0..27 outside the 28-day window do not count either
    falling = {i: {"weight_kg": 70.0 - 0.2 * i, "weight_source": source}
               for i, source in zip(range(28), ["interpolated", "carried", "configured"] * 10,
                                    strict=False)}
    assert last(make_facts(28, days=falling))["weight_trend_pct_per_week"] is None
    # measured on days 0..6 only, then 28 days without: no trend on day 34
    early = {i: {"weight_kg": 70.0 - 0.2 * i, "weight_source": "measured"} for i in range(7)}
    assert last(make_facts(35, days=early))["weight_trend_pct_per_week"] is None


def test_the_weight_trend_is_the_least_squares_slope_of_the_weigh_ins() -> None:
    # weigh-ins (day, kg): (10, 61.0), (15, 60.0), (20, 60.6), (27, 59.2): x mean 18,
    # y mean 60.2; sum (x - 18)(y - 60.2) = (-8)(0.8) + (-3)(-0.2) + (2)(0.4) + (9)(-1.0)
    # = -6.4 + 0.6 + 0.8 - 9.0 = -14.0; sum (x - 18)^2 = 64 + 9 + 4 + 81 = 158
    points = {10: 61.0, 15: 60.0, 20: 60.6, 27: 59.2}
    days = {i: {"weight_kg": w, "weight_source": "measured"} for i, w in points.items()}
    got = last(make_facts(28, days=days))
    slope = -14.0 / 158  # kg/day
    assert got["trend_balance_kcal_per_day"] == pytest.approx(slope * 7700)  # -682.3
    assert got["weight_trend_pct_per_week"] == pytest.approx(slope * 7 / 60.2 * 100)


@pytest.mark.parametrize(("meals", "spread"), [
    (0, 0.0), (1, 25.0), (2, 50.0), (3, 75.0), (4, 100.0), (5, 100.0)])
def test_protein_spread_over_meals(meals: int, spread: float) -> None:
    got = last(make_facts(7, every={"meals_reaching_protein_target": meals}))
    assert got["protein_spread"] == pytest.approx(spread)
    assert got["protein_score"] == pytest.approx(0.75 * 100 + 0.25 * spread)


def test_protein_75_25_split_of_amount_and_spread() -> None:
    got = last(make_facts(7, every={"protein_g_per_kg": 1.2,
                                    "meals_reaching_protein_target": 1}))
    assert got["protein_score"] == pytest.approx(0.75 * 50 + 0.25 * 25)


def test_protein_without_meal_data_is_the_amount_alone() -> None:
    got = last(make_facts(7, every={"protein_g_per_kg": 1.2, "meals_logged": None,
                                    "meals_reaching_protein_target": None}))
    assert got["protein_spread"] is None
    assert got["protein_score"] == pytest.approx(50.0)


def test_protein_amount_share_is_configurable() -> None:
    k = ScoreConstants.model_validate({"protein_amount_share": 0.5,
                                       "protein_target_g_per_kg": 1.8})
    got = last(make_facts(7, every={"protein_g_per_kg": 1.3}), k)
    amount = (1.3 - 0.8) / (1.8 - 0.8) * 100
    assert got["protein_score"] == pytest.approx(0.5 * amount + 0.5 * 100)


def test_protein_is_null_without_four_usable_days() -> None:
    got = last(make_facts(7, days={i: dict(UNLOGGED) for i in range(4)}))
    assert got["protein_g_per_kg_7d"] is None
    assert got["protein_target_g_per_kg"] is None
    assert got["protein_amount"] is None
    assert got["protein_score"] is None
    assert got["energy_score"] is None
    assert got["carbohydrate_score"] is None


def test_protein_target_is_null_without_protein_even_in_a_deficit() -> None:
    # logged every day at -500 kcal (a sustained deficit), but no body weight: protein
    # g/kg unknown, so there is no target (not the 2.3 deficit target)
    got = last(make_facts(7, every={"protein_g_per_kg": None, "balance_kcal": -500.0}))
    assert got["balance_kcal_7d"] == pytest.approx(-500.0)
    assert got["protein_g_per_kg_7d"] is None
    assert got["protein_target_g_per_kg"] is None
    assert got["protein_score"] is None


# --------------------------------------------------------------------------------------
# Energy: balance -1000 -> -250 kcal/day; energy availability a flag of its own
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("ea", "low"), [
    (20.0, True), (29.9, True), (30.0, False), (37.5, False), (45.0, False)])
def test_energy_availability_is_a_flag_not_a_scale(ea: float, low: bool) -> None:
    """The energy score is the balance's whatever the availability: 100 at balance 0 (the
    factory's days), with or without fat-free mass; availability below 30 sets the flag."""
    got = last(make_facts(7, every={"energy_availability_kcal_per_kg_ffm": ea}))
    assert got["energy_availability_7d"] == pytest.approx(ea)
    assert got["low_energy_availability"] is low
    assert got["energy_score"] == pytest.approx(100.0)


@pytest.mark.parametrize(("balance", "score"), [
    (-1200.0, 0.0), (-1000.0, 0.0), (-850.0, (-850 + 1000) / (-250 + 1000) * 100),
    (-625.0, 50.0), (-250.0, 100.0), (0.0, 100.0), (400.0, 100.0)])
def test_energy_is_the_7_day_balance(balance: float, score: float) -> None:
    for ea in (None, 25.0, 50.0):  # fat-free mass unknown, low or high availability
        got = last(make_facts(7, every={"balance_kcal": balance,
                                        "energy_availability_kcal_per_kg_ffm": ea}))
        assert got["energy_score"] == pytest.approx(score)


def test_the_low_availability_flag_is_null_when_availability_is_unknown() -> None:
    ea = {i: {"energy_availability_kcal_per_kg_ffm": 20.0} for i in (4, 5, 6)}
    got = last(make_facts(7, every={"balance_kcal": -625.0}, days=ea))
    assert got["energy_availability_7d"] is None  # 3 usable days with it, 4 needed
    assert got["low_energy_availability"] is None
    assert got["energy_score"] == pytest.approx(50.0)


def test_energy_uses_the_mean_over_usable_days() -> None:
    days: dict[int, dict[str, object]] = {i: {"balance_kcal": -1000.0} for i in range(3)}
    days[3] = {"incomplete": True, "balance_kcal": -3000.0}
    days[4] = dict(UNLOGGED)
    # usable: 0, 1, 2 (-1000), 5, 6 (0): mean -600
    got = last(make_facts(7, days=days))
    mean = (3 * -1000 + 2 * 0) / 5
    assert got["energy_score"] == pytest.approx((mean + 1000) / (-250 + 1000) * 100)



def test_days_eaten_below_resting_energy_cost_the_energy_component() -> None:
    # resting energy 1400 kcal every day (the factory's). Day 4 eaten at 700 kcal: 50 %
    # of resting, under 60 %: a whole day. Day 5 at 1120 kcal: (1400 - 1120) / 1400 = 20 %
    # short, of the 40 % that count whole: half a day. Day 6 at 1500: above, nothing. The
    # balances stay 0 (energy 100 before the days below resting): 100 - 10 x 1.5 = 85
    days: dict[int, dict[str, object]] = {4: {"intake_kcal": 700.0},
                                          5: {"intake_kcal": 1120.0},
                                          6: {"intake_kcal": 1500.0}}
    got = last(make_facts(7, days=days))
    assert got["below_resting_days_7d"] == pytest.approx(1.5)
    assert got["energy_score"] == pytest.approx(100 - 10 * 1.5)
    # an unusable day (marked incomplete) below resting counts for nothing
    days[4] = {"intake_kcal": 700.0, "incomplete": True}
    got = last(make_facts(7, days=days))
    assert got["below_resting_days_7d"] == pytest.approx(0.5)
    # a deep deficit and many such days: the component stops at 0
    deep = {i: {"intake_kcal": 300.0, "balance_kcal": -1500.0} for i in range(7)}
    assert last(make_facts(7, days=deep))["energy_score"] == pytest.approx(0.0)


# --------------------------------------------------------------------------------------
# Carbohydrate: 7-day mean eaten / 7-day mean band lower bound, 0.5 -> 1.0
# --------------------------------------------------------------------------------------

def _need(i: int) -> float:
    """The need of a day of `_carb_facts`: strength days add 30 min of cycling to the
    30-min run (60 endurance min: 5 + 15/45 g/kg), the others run 30 min (3 + 2 x 30/45)."""
    return carbohydrate_need_by_hand(60.0 if is_strength_day(i) else 30.0)


def _carb_facts(carbs: dict[int, float]):
    days: dict[int, dict[str, object]] = {
        i: {"carbohydrate_g_per_kg": c} for i, c in carbs.items()}
    for i in range(7):
        if is_strength_day(i):
            days.setdefault(i, {}).update({"cycling_min": 30.0, "other_cardio_min": 30.0})
    return make_facts(7, days=days)


@pytest.mark.parametrize(("ratio", "score"), [
    (0.3, 0.0), (0.5, 0.0), (0.6, (0.6 - 0.5) / (1.0 - 0.5) * 100), (0.75, 50.0),
    (1.0, 100.0), (1.4, 100.0)])
def test_carbohydrate_ratio_to_the_band(ratio: float, score: float) -> None:
    got = last(_carb_facts({i: ratio * _need(i) for i in range(7)}))
    need = (2 * (5 + 15 / 45) + 5 * (3 + 2 * 30 / 45)) / 7
    assert "carbohydrate_ratio_7d" not in got
    assert got["carbohydrate_need_g_per_kg_7d"] == pytest.approx(need)
    assert got["carbohydrate_g_per_kg_7d"] == pytest.approx(ratio * need)
    # the 7-day sums keep 6 decimals: 1e-6 g/kg moves the score by 4e-5 at most
    assert got["carbohydrate_score"] == pytest.approx(score, abs=1e-4)


def test_carbohydrate_is_the_ratio_of_the_means_not_the_mean_of_the_ratios() -> None:
    # five days of a 30-min run (need 3 + 2 x 30/45 = 13/3) eating 13/3, two very high
    # days (30 + 210 = 240 endurance min, need 8) eating 2: mean eaten (65/3 + 4) / 7 =
    # (77/3) / 7, mean need (65/3 + 16) / 7 = (113/3) / 7, ratio 77/113 = 0.681 (the mean of
    # the daily ratios would be (5 x 1 + 2 x 0.25) / 7 = 0.786)
    days: dict[int, dict[str, object]] = {i: {"carbohydrate_g_per_kg": 13 / 3}
                                          for i in range(5)}
    for i in (5, 6):
        days[i] = {"carbohydrate_g_per_kg": 2.0, "cycling_min": 210.0,
                   "other_cardio_min": 210.0}
    got = last(make_facts(7, days=days))
    assert got["carbohydrate_g_per_kg_7d"] == pytest.approx((77 / 3) / 7)
    assert got["carbohydrate_need_g_per_kg_7d"] == pytest.approx((113 / 3) / 7)
    assert got["carbohydrate_score"] == pytest.approx((77 / 113 - 0.5) / (1.0 - 0.5) * 100,
                                                      abs=1e-4)


def test_carbohydrate_zero_credit_ratio_is_configurable() -> None:
    k = ScoreConstants.model_validate({"carb_zero_credit_ratio": 0.0})
    # 1.5 eaten, need 13/3 (a 30-min run): ratio 4.5/13
    got = last(make_facts(7, every={"carbohydrate_g_per_kg": 1.5}), k)
    assert got["carbohydrate_score"] == pytest.approx((4.5 / 13 - 0.0) / (1.0 - 0.0) * 100,
                                                      abs=1e-4)


def test_strength_minutes_do_not_lower_the_carbohydrate_score() -> None:
    # 4.5 g/kg on every day: enough for the need of a 30-min run (13/3), with or without a
    # 90-min strength session every day (counted, 120 min would need 6 + 2 x 30/150)
    plain = last(make_facts(7, every={"carbohydrate_g_per_kg": 4.5}))
    lifting = last(make_facts(7, every={"carbohydrate_g_per_kg": 4.5, "strength_sessions": 1,
                                        "strength_min": 90.0}))
    for got in (plain, lifting):
        assert got["carbohydrate_need_g_per_kg_7d"] == pytest.approx(13 / 3)
        assert got["carbohydrate_score"] == pytest.approx(100.0)


def test_carbohydrate_need_rises_with_training() -> None:
    # 4.5 g/kg every day; 100-min runs every day: need 6 + 2 x 10/150 = 6.133 g/kg
    got = last(make_facts(7, every={"carbohydrate_g_per_kg": 4.5, "run_moving_min": 100.0,
                                    "strength_min": 0.0}))
    need = 6 + 2 * 10 / 150
    assert got["carbohydrate_need_g_per_kg_7d"] == pytest.approx(need)
    assert got["carbohydrate_score"] == pytest.approx((4.5 / need - 0.5) / 0.5 * 100,
                                                      abs=1e-4)


# --------------------------------------------------------------------------------------
# Running load
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("hours", "score"), [
    (3.0, 100.0), (4.0, 100.0), (5.5, (5.5 - 10) / (4 - 10) * 100), (7.0, 50.0),
    (10.0, 0.0), (11.0, 0.0)])
def test_running_volume_4_to_10_hours(hours: float, score: float) -> None:
    minutes = hours * 60 / 7  # the same every day of 28: progression stays 1.0
    got = last(make_facts(28, every={"run_moving_min": minutes, "longest_run_min": 0.0}))
    assert got["run_h_7d"] == pytest.approx(hours)
    assert got["run_volume"] == pytest.approx(score)
    assert got["run_progression"] == pytest.approx(100.0)


def _progression_facts(ratio: float, *, km_only: bool = False):
    """21 days of 30 min / 6 km, then 7 days of `ratio` times that: the baseline is the
    21 days before the week (3.5 h, 42 km a week), so this week over it is `ratio`."""
    week = {"run_distance_km": 6.0 * ratio}
    if not km_only:
        week["run_moving_min"] = 30.0 * ratio
    return make_facts(28, days={i: week for i in range(21, 28)})


@pytest.mark.parametrize(("ratio", "score"), [
    (1.0, 100.0), (1.1, 100.0), (1.2, (1.2 - 1.5) / (1.1 - 1.5) * 100), (1.3, 50.0),
    (1.5, 0.0), (1.7, 0.0)])
def test_running_progression_against_the_own_average(ratio: float, score: float) -> None:
    got = last(_progression_facts(ratio))
    week_h = 7 * 30 * ratio / 60
    average_h = 21 * 30 / 60 * 7 / 21
    assert got["run_h_7d"] == pytest.approx(week_h)
    assert got["chronic_run_h_per_week"] == pytest.approx(average_h)
    assert got["run_km_7d"] / got["chronic_run_km_per_week"] == pytest.approx(ratio)
    assert week_h / average_h == pytest.approx(ratio)
    assert got["run_progression"] == pytest.approx(score, abs=1e-6)


def test_a_doubled_week_scores_no_progression_credit() -> None:
    # baseline 3.5 h; this week 7 h: ratio 2.0 (with the week inside a 28-day average it
    # would be 7 / 4.375 = 1.6)
    got = last(_progression_facts(2.0))
    assert got["run_h_7d"] / got["chronic_run_h_per_week"] == pytest.approx(2.0)
    assert got["run_progression"] == pytest.approx(0.0)


def test_a_week_of_one_fifth_more_scores_by_the_baseline_without_the_week() -> None:
    # baseline 14 known days (days 0..13 of day 20's window 0..20), this week 1.2x
    days = {i: {"run_moving_min": 36.0, "run_distance_km": 7.2} for i in range(14, 21)}
    got = last(make_facts(21, days=days))
    assert got["chronic_run_h_per_week"] == pytest.approx(14 * 30 / 60 * 7 / 14)
    assert got["run_progression"] == pytest.approx((1.2 - 1.5) / (1.1 - 1.5) * 100)


def test_running_after_three_rest_weeks_gets_no_progression_credit() -> None:
    # days 0..20 rest: the baseline is 0 h and 0 km a week, under the 1 h of
    # min_baseline_h_per_week: a return from a break, not a spike, so the progression part
    # is left out (neither credit nor penalty). Acute:chronic 2.0 on day 27 (acwr 0) shows
    # the renormalisation: volume 3.5 h -> 100, longest 30 min -> 100
    days: dict[int, dict[str, object]] = {i: dict(REST_DAY) for i in range(21)}
    days[27] = {"acute_chronic_ratio": 2.0}
    got = last(make_facts(28, days=days))
    assert (got["chronic_run_h_per_week"], got["chronic_run_km_per_week"]) == (0.0, 0.0)
    assert got["run_h_7d"] == pytest.approx(7 * 30 / 60)
    assert got["run_progression"] is None
    assert (got["run_volume"], got["long_run"], got["acwr"]) == (100.0, 100.0, 0.0)
    expected = (0.35 * 100 + 0.20 * 100 + 0.15 * 0) / (0.35 + 0.20 + 0.15)   # 78.57
    assert got["running_load_score"] == pytest.approx(expected)


@pytest.mark.parametrize(("minutes", "progression"), [
    (8.0, None),                     # 21 * 8 min = 168 min: 0.93 h a week < 1 h
    (60 / 7 + 0.1, 0.0)])            # just over 1 h a week: this week's 3.5 h is a spike
def test_the_progression_needs_a_baseline_of_one_hour_a_week(
    minutes: float, progression: float | None,
) -> None:
    days = {i: {"run_moving_min": minutes, "run_distance_km": minutes / 5}
            for i in range(21)}
    got = last(make_facts(28, days=days))
    assert got["chronic_run_h_per_week"] == pytest.approx(21 * minutes / 60 * 7 / 21)
    assert got["run_progression"] == progression


def test_a_treadmill_baseline_without_distance_progresses_by_hours_alone() -> None:
    # days 0..20: 30 min without distance (no foot pod); days 21..27: 30 min / 6 km. The
    # km baseline is unknown, so the progression is the hours ratio alone: 3.5 / 3.5 = 1.0
    days: dict[int, dict[str, object]] = {i: {"run_distance_km": None} for i in range(21)}
    got = last(make_facts(28, days=days))
    assert got["chronic_run_km_per_week"] is None
    assert got["run_km_7d"] == pytest.approx(7 * 6.0)
    assert got["run_h_7d"] / got["chronic_run_h_per_week"] == pytest.approx(1.0)
    assert got["run_progression"] == pytest.approx(100.0)
    assert got["running_load_score"] == pytest.approx(100.0)
    # the same baseline and 1.3 times the hours this week: (1.3 - 1.5) / (1.1 - 1.5) = 50
    days.update({i: {"run_moving_min": 39.0} for i in range(21, 28)})
    got = last(make_facts(28, days=days))
    assert got["run_h_7d"] / got["chronic_run_h_per_week"] == pytest.approx(1.3)
    assert got["run_progression"] == pytest.approx(50.0)


def test_a_week_with_a_run_without_distance_progresses_by_hours_alone() -> None:
    # one run of the week without distance: this week's km are unknown; hours flat -> 100
    got = last(make_facts(28, days={25: {"run_distance_km": None}}))
    assert got["run_km_7d"] is None
    assert got["chronic_run_km_per_week"] == pytest.approx(42.0)
    assert got["run_progression"] == pytest.approx(100.0)


def test_a_run_that_left_the_windows_does_not_turn_a_zero_baseline_negative() -> None:
    # day 0: 45.3 min / 9.06 km; days 1..21 rest; days 22..28 run 42.2 min / 8.44 km. The
    # baseline of day 28 is days 1..21: 0 h, 0 km, exactly as in the test above
    days: dict[int, dict[str, object]] = {0: {"run_moving_min": 45.3,
                                              "run_distance_km": 45.3 / 5}}
    days.update({i: dict(REST_DAY) for i in range(1, 22)})
    days.update({i: {"run_moving_min": 42.2, "run_distance_km": 42.2 / 5}
                 for i in range(22, 29)})
    got = last(make_facts(29, days=days))
    # exactly +0.0 (no float residue, no -0.0), not a tiny negative
    for c in ("chronic_run_h_per_week", "chronic_run_km_per_week"):
        assert got[c] == 0.0, c
        assert math.copysign(1.0, got[c]) == 1.0, c
    # under 1 h a week: the progression part is left out, not 0
    assert got["run_progression"] is None
    # the other parts: 7 x 42.2 min = 4.923 h -> volume (4.923 - 10) / (4 - 10); longest
    # run 30 min (the default) -> 100; acute:chronic 1.0 -> 100
    week_h = 7 * 42.2 / 60
    volume = (week_h - 10) / (4 - 10) * 100                  # 84.61
    assert got["run_volume"] == pytest.approx(volume)
    expected = (0.35 * volume + 0.20 * 100 + 0.15 * 100) / (0.35 + 0.20 + 0.15)
    assert got["running_load_score"] == pytest.approx(expected)   # 92.31


def test_running_progression_takes_the_larger_of_hours_and_km() -> None:
    got = last(_progression_facts(1.3, km_only=True))  # hours flat, km up 1.3x
    assert got["run_h_7d"] / got["chronic_run_h_per_week"] == pytest.approx(1.0)
    assert got["run_progression"] == pytest.approx(50.0)


def test_no_running_this_week_is_full_progression_credit() -> None:
    facts = make_facts(28, days={i: dict(REST_DAY) for i in range(21, 28)})
    got = last(facts)
    assert got["run_h_7d"] == 0
    assert got["run_progression"] == pytest.approx(100.0)
    assert got["run_volume"] == pytest.approx(100.0)
    assert got["long_run"] == pytest.approx(100.0)


@pytest.mark.parametrize(("minutes", "score"), [
    (60.0, 100.0), (90.0, 100.0), (112.5, (112.5 - 180) / (90 - 180) * 100), (135.0, 50.0),
    (180.0, 0.0), (200.0, 0.0)])
def test_long_run_90_to_180_minutes(minutes: float, score: float) -> None:
    got = last(make_facts(28, days={24: {"longest_run_min": minutes}}))
    assert got["longest_run_min_7d"] == minutes
    assert got["long_run"] == pytest.approx(score)


@pytest.mark.parametrize(("ratio", "score"), [
    (0.8, 100.0), (1.3, 100.0), (1.475, (1.475 - 2.0) / (1.3 - 2.0) * 100), (1.65, 50.0),
    (2.0, 0.0), (2.4, 0.0)])
def test_acute_chronic_ratio_1_3_to_2_0(ratio: float, score: float) -> None:
    got = last(make_facts(28, days={27: {"acute_chronic_ratio": ratio}}))
    assert got["acwr"] == pytest.approx(score)


def test_running_load_weights_its_four_parts() -> None:
    # 60 min a day: 7 h (volume 50), progression 1.0 (100), longest 60 (100), ratio 2.0 (0)
    got = last(make_facts(28, every={"run_moving_min": 60.0, "longest_run_min": 60.0},
                          days={27: {"acute_chronic_ratio": 2.0}}))
    expected = 0.35 * 50 + 0.30 * 100 + 0.20 * 100 + 0.15 * 0
    assert got["running_load_score"] == pytest.approx(expected)


def test_running_load_renormalises_without_the_chronic_baseline() -> None:
    # 20 days: 13 days before the week (under 14), so no baseline and no progression part
    got = last(make_facts(20, every={"run_moving_min": 60.0, "longest_run_min": 60.0}))
    assert got["chronic_run_h_per_week"] is None
    assert got["run_progression"] is None
    expected = (0.35 * 50 + 0.20 * 100 + 0.15 * 100) / (0.35 + 0.20 + 0.15)
    assert got["running_load_score"] == pytest.approx(expected)


def test_running_load_renormalises_without_baseline_and_load_ratio() -> None:
    got = last(make_facts(7, every={"run_moving_min": 60.0, "longest_run_min": 60.0,
                                    "acute_chronic_ratio": None}))
    expected = (0.35 * 50 + 0.20 * 100) / (0.35 + 0.20)
    assert got["running_load_score"] == pytest.approx(expected)


def test_training_components_need_seven_known_days() -> None:
    got = last(make_facts(7, days={0: dict(UNKNOWN_TRAINING)}))
    for c in ("running_load", "intensity", "strength", "recovery"):
        assert got[f"{c}_score"] is None, c
    assert got["protein_score"] == pytest.approx(100.0)


# --------------------------------------------------------------------------------------
# Intensity: share of HR-covered running at or above the second threshold, 0 -> 10 %
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("share", "score"), [
    (0.0, 0.0), (0.025, 25.0), (0.05, 50.0), (0.075, 75.0), (0.1, 100.0), (0.2, 100.0),
    (0.3, 100.0)])
def test_intensity_high_share(share: float, score: float) -> None:
    got = last(make_facts(7, every={"hr_covered_min": 30.0, "high_intensity_min": 30.0 * share}))
    assert got["high_intensity_share"] == pytest.approx(share)
    assert got["intensity_score"] == pytest.approx(score)


def test_intensity_counts_the_second_threshold_not_zones_4_and_5() -> None:
    # per day of 30 min: 6 min in zones 4-5 (from 80 % of max HR), of which 1 min at or
    # above the second threshold: the score reads 1/30, the five-zone share 6/30
    got = last(make_facts(7, every={"hr_covered_min": 30.0, "z3_min": 0.0, "z4_min": 5.0,
                                    "z5_min": 1.0, "high_intensity_min": 1.0}))
    assert got["zone45_min_7d"] == pytest.approx(7 * 6.0)
    assert got["high_intensity_min_7d"] == pytest.approx(7 * 1.0)
    assert got["zone45_share"] == pytest.approx(6 / 30)
    assert got["high_intensity_share"] == pytest.approx(1 / 30)
    assert got["intensity_score"] == pytest.approx((1 / 30) / 0.1 * 100)  # 33.3


def test_intensity_zone_4_below_the_second_threshold_does_not_count() -> None:
    got = last(make_facts(7, every={"hr_covered_min": 30.0, "z1_min": 0.0, "z2_min": 0.0,
                                    "z4_min": 30.0, "high_intensity_min": 0.0}))
    assert got["zone45_share"] == pytest.approx(1.0)
    assert got["high_intensity_share"] == pytest.approx(0.0)
    assert got["intensity_score"] == pytest.approx(0.0)


def test_intensity_full_credit_share_is_configurable() -> None:
    k = ScoreConstants.model_validate({"high_share_full_credit": 0.2})
    got = last(make_facts(7, every={"hr_covered_min": 30.0, "high_intensity_min": 3.0}), k)
    assert got["high_intensity_share"] == pytest.approx(0.1)
    assert got["intensity_score"] == pytest.approx(0.1 / 0.2 * 100)


def test_intensity_without_running_is_100() -> None:
    got = last(make_facts(7, every=dict(REST_DAY)))
    assert got["intensity_score"] == 100.0


def test_intensity_with_too_little_heart_rate_is_unknown() -> None:
    # 4 min of HR a day: 28 < 30 min in the week
    got = last(make_facts(7, every={"hr_covered_min": 4.0, "high_intensity_min": 1.0}))
    assert got["hr_covered_min_7d"] == pytest.approx(28.0)
    assert got["intensity_score"] is None
    # exactly 30 min on one day is enough: 1.5 of 30 min above the threshold is 5 %
    days = {i: {"hr_covered_min": 0.0, "high_intensity_min": 0.0} for i in range(6)}
    days[6] = {"hr_covered_min": 30.0, "high_intensity_min": 1.5}
    got = last(make_facts(7, days=days))
    assert got["high_intensity_share"] == pytest.approx(0.05)
    assert got["intensity_score"] == pytest.approx(50.0)


def test_intensity_without_any_heart_rate_is_unknown() -> None:
    no_hr = {"hr_covered_min": 0.0, "z1_min": None, "z2_min": None, "z3_min": None,
             "z4_min": None, "z5_min": None, "high_intensity_min": None}
    got = last(make_facts(7, every=no_hr))
    assert got["high_intensity_share"] is None
    assert got["zone45_share"] is None
    assert got["intensity_score"] is None


# --------------------------------------------------------------------------------------
# Strength: sessions in 7 days, 0 -> 2; a session near a run counts half
# --------------------------------------------------------------------------------------

def _strength(sessions: dict[int, tuple[int, int]]):
    days = {i: {"strength_sessions": 0, "strength_near_run_sessions": 0} for i in range(7)}
    for i, (n, near) in sessions.items():
        days[i] = {"strength_sessions": n, "strength_near_run_sessions": near}
    return make_facts(7, days=days)


@pytest.mark.parametrize(("sessions", "score"), [
    ({}, 0.0), ({3: (1, 0)}, 50.0), ({1: (1, 0), 4: (1, 0)}, 100.0),
    ({1: (1, 0), 3: (1, 0), 5: (1, 0)}, 100.0),
    ({1: (1, 0), 4: (1, 1)}, (2 - 0.5 * 1) / 2 * 100),     # 75
    ({4: (1, 1)}, (1 - 0.5 * 1) / 2 * 100),                 # 25
    ({2: (2, 2)}, (2 - 0.5 * 2) / 2 * 100)])                # 50
def test_strength_sessions(sessions: dict[int, tuple[int, int]], score: float) -> None:
    got = last(_strength(sessions))
    assert got["strength_score"] == pytest.approx(score)


def test_strength_sessions_older_than_7_days_do_not_count() -> None:
    days = {i: {"strength_sessions": 0} for i in range(14)}
    days[6] = {"strength_sessions": 2}  # outside the window 7..13
    got = last(make_facts(14, days=days))
    assert got["strength_score"] == 0.0
    assert got["days_since_strength"] == 13 - 6


def test_strength_near_run_credit_is_configurable() -> None:
    k = ScoreConstants.model_validate({"near_run_session_credit": 0.0})
    got = last(_strength({1: (1, 0), 4: (1, 1)}), k)
    assert got["strength_score"] == pytest.approx(50.0)


def test_strength_on_literal_windows() -> None:
    # without sets every session's credit is 1: credit = sessions
    frame = pl.DataFrame({"known_days_7d": [7, 7, 6], "strength_sessions_7d": [1, 3, 2],
                          "strength_session_credit_7d": [1.0, 3.0, 2.0],
                          "strength_near_run_7d": [1, 1, 0],
                          "strength_near_run_credit_7d": [1.0, 1.0, 0.0]})
    got = frame.select(strength_score(ScoreConstants())).to_series().to_list()
    assert got == [pytest.approx((1 - 0.5) / 2 * 100), 100.0, None]


def test_strength_sessions_count_by_their_hard_sets() -> None:
    # Tuesday 2 sets (2/6 of a full session), Friday 12 sets (capped at 1), Sunday 3 sets
    # (3/6), no set count on Wednesday (a whole session): credit 2/6 + 1 + 3/6 + 1
    credits = {1: 2 / 6, 2: 1.0, 4: 1.0, 6: 3 / 6}
    days = {i: {"strength_sessions": 1 if i in credits else 0,
                "strength_session_credit": credits.get(i, 0.0)} for i in range(7)}
    got = last(make_facts(7, days=days))
    assert got["strength_session_credit_7d"] == pytest.approx(2 / 6 + 1 + 1 + 3 / 6)
    assert got["strength_score"] == 100.0  # 2.83 sessions' worth >= the target 2
    light = {1: 1 / 6, 4: 3 / 6}  # one set on Tuesday, three on Friday
    days = {i: {"strength_sessions": 1 if i in light else 0,
                "strength_session_credit": light.get(i, 0.0)} for i in range(7)}
    got = last(make_facts(7, days=days))
    assert got["strength_score"] == pytest.approx((1 / 6 + 3 / 6) / 2 * 100)  # 33.3
    # Friday's session near a run: its 3/6 counts half, 4/6 - 0.5 x 3/6 = 5/12 sessions
    days[4].update({"strength_near_run_sessions": 1, "strength_near_run_credit": 3 / 6})
    got = last(make_facts(7, days=days))
    assert got["strength_score"] == pytest.approx((4 / 6 - 0.5 * 3 / 6) / 2 * 100)  # 20.8


def test_strength_recorded_nowhere_is_null_while_training_stays_known() -> None:
    unknown = {"strength_sessions": None, "strength_min": None, "strength_sets": None,
               "strength_reps": None, "strength_volume_kg": None,
               "strength_near_run_sessions": None, "strength_session_credit": None,
               "strength_near_run_credit": None,
               "strength_source": "none"}
    got = last(make_facts(14, every=unknown))
    assert got["strength_score"] is None
    assert got["strength_sessions_7d"] is None and got["days_since_strength"] is None
    assert got["known_days_7d"] == 7  # runs are known: the other training components stay
    for c in ("running_load", "intensity", "recovery"):
        assert got[f"{c}_score"] is not None, c


# --------------------------------------------------------------------------------------
# Recovery: easy days 2 -> 5 (50 %), hard streak 1 -> 3 (50 %)
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("hard", "easy_score", "streak_score"), [
    ((), 100.0, 100.0),
    ((0, 2), 100.0, 100.0),                                   # easy 5, streak 1
    ((0, 2, 4), (4 - 2) / (5 - 2) * 100, 100.0),              # easy 4
    ((0, 2, 4, 6), (3 - 2) / (5 - 2) * 100, 100.0),           # easy 3
    ((0, 1), 100.0, (2 - 3) / (1 - 3) * 100),                 # streak 2: 50
    ((0, 1, 2), (4 - 2) / (5 - 2) * 100, 0.0),                # streak 3
    ((0, 1, 3, 5, 6), 0.0, 50.0),                             # easy 2, streaks 2
    ((0, 1, 2, 3, 4, 5, 6), 0.0, 0.0)])                       # easy 0, streak 7
def test_recovery(hard: tuple[int, ...], easy_score: float, streak_score: float) -> None:
    got = last(make_facts(7, days={i: HARD for i in hard}))
    assert got["hard_days_7d"] == len(hard)
    assert got["easy_days"] == pytest.approx(easy_score)
    assert got["hard_streak"] == pytest.approx(streak_score)
    assert got["recovery_score"] == pytest.approx((easy_score + streak_score) / 2)


def test_a_missing_row_between_hard_days_keeps_the_streak_part_full() -> None:
    # hard on 4 and 6, no row for 5: on day 6 the week has 6 known days, so the counts,
    # the parts and the recovery score are null
    got = last(make_facts(7, missing=[5], days={4: HARD, 6: HARD}))
    assert (got["hard_days_7d"], got["max_hard_streak_7d"]) == (None, None)
    assert got["hard_streak"] is None
    assert got["recovery_score"] is None
    # day 12 (window 6..12, all known): day 6 did not continue day 4's streak (streak 1,
    # not 2): hard streak 100, 6 easy days 100
    got = last(make_facts(13, missing=[5], days={4: HARD, 6: HARD}))
    assert (got["hard_days_7d"], got["max_hard_streak_7d"]) == (1, 1)
    assert got["hard_streak"] == pytest.approx(100.0)
    assert got["recovery_score"] == pytest.approx(100.0)


def test_recovery_transfer_functions_at_fractional_thresholds() -> None:
    # 7 - 3.5 = 3.5 easy-day equivalents: half way from 2 to 5; a streak of 1.5 is a
    # quarter of the way from 1 to 3
    k = ScoreConstants()
    frame = pl.DataFrame({"hard_days_7d": [5.0, 3.5, 2.0], "max_hard_streak_7d": [3.0, 1.5, 1.0],
                          "known_days_7d": [7, 7, 7],
                          **{c: pl.Series([None] * 3, dtype=pl.Float64) for c in (
                              "sleep_h_7d", "resting_hr_delta_bpm", "hrv_delta_swc")}})
    parts = frame.with_columns(**recovery_parts(k))
    assert parts["easy_days"].to_list() == [0.0, pytest.approx(50.0), 100.0]
    assert parts["hard_streak"].to_list() == [0.0, pytest.approx(75.0), 100.0]
    scores = parts.select(recovery_score(k)).to_series().to_list()
    assert scores == [0.0, pytest.approx((50 + 75) / 2), 100.0]
