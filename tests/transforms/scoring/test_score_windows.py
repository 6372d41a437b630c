"""The rolling windows of the muscle-balance score (`transforms.scoring.score_windows`), on
small daily fact frames built by hand (`make_facts` in tests/factories.py).
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from schemas.marts import DAILY_ENERGY, DAILY_NUTRITION, DAILY_TRAINING
from schemas.scoring import ScoreConstants
from tests.factories import (
    REST_DAY,
    START,
    UNKNOWN_TRAINING,
    UNLOGGED,
    carbohydrate_need_by_hand,
    concat_facts,
    make_facts,
    on,
    window_frame,
)
from transforms.scoring.score_windows import carbohydrate_need, score_memory

# --------------------------------------------------------------------------------------
# The builder matches the contracts
# --------------------------------------------------------------------------------------

def test_the_builder_makes_the_contract_columns_in_order() -> None:
    facts = make_facts(3)
    assert facts.training.columns == [c for c, _ in DAILY_TRAINING]
    assert facts.nutrition.columns == [c for c, _ in DAILY_NUTRITION]
    assert facts.energy.columns == [c for c, _ in DAILY_ENERGY]
    assert facts.training.schema["local_date"] == pl.Date
    assert facts.nutrition.schema["logged"] == pl.Boolean
    assert facts.training.schema["strength_sessions"] == pl.Int32
    assert facts.training.height == facts.nutrition.height == facts.energy.height == 3


def test_the_default_week_has_two_strength_days_and_a_full_food_log() -> None:
    w = on(window_frame(make_facts(7)), 6)
    assert w["strength_sessions_7d"] == 2
    assert w["logged_days_7d"] == 7
    assert w["known_days_7d"] == 7
    assert w["protein_g_per_kg_7d"] == pytest.approx(1.8)
    assert w["run_h_7d"] == pytest.approx(7 * 30 / 60)
    assert w["run_km_7d"] == pytest.approx(7 * 6.0)


# --------------------------------------------------------------------------------------
# Windows by calendar date
# --------------------------------------------------------------------------------------

def test_a_missing_row_does_not_stretch_the_window() -> None:
    # 10 calendar days, day 5 has no row at all: the window of day 9 is days 3..9
    facts = make_facts(10, missing=[5], every={"run_distance_km": 5.0},
                       days={2: {"run_distance_km": 100.0, "protein_g_per_kg": 0.1}})
    w = on(window_frame(facts), 9)
    assert w["known_days_7d"] == 6          # days 3, 4, 6, 7, 8, 9
    assert w["logged_days_7d"] == 6
    assert w["protein_g_per_kg_7d"] == pytest.approx(1.8)  # day 2 (0.1) stays outside
    # training is known on 6 of the 7 days: the week's training sums are unknown (a
    # stretched window would have reached day 2 and its 100 km)
    for c in ("run_h_7d", "run_km_7d", "strength_sessions_7d", "hard_days_7d"):
        assert w[c] is None, c


def test_the_window_ends_on_and_includes_the_day() -> None:
    facts = make_facts(10, every={"run_distance_km": 1.0},
                       days={2: {"run_distance_km": 10.0}, 3: {"run_distance_km": 100.0}})
    frame = window_frame(facts)
    assert on(frame, 8)["run_km_7d"] == pytest.approx(10.0 + 100.0 + 5 * 1.0)  # days 2..8
    assert on(frame, 9)["run_km_7d"] == pytest.approx(100.0 + 6 * 1.0)         # days 3..9
    assert on(frame, 6)["run_km_7d"] == pytest.approx(1.0 + 1.0 + 10.0 + 100.0 + 3 * 1.0)
    # day 3: the window 0..3 reaches before the first day (4 known days): unknown
    assert on(frame, 3)["known_days_7d"] == 4
    assert on(frame, 3)["run_km_7d"] is None


# --------------------------------------------------------------------------------------
# Nutrition windows: usable days only
# --------------------------------------------------------------------------------------

def test_unlogged_and_incomplete_days_are_left_out_of_the_means_never_zero() -> None:
    protein = {0: 1.0, 2: 1.2, 4: 1.4, 6: 1.6}
    days: dict[int, dict[str, object]] = {
        i: {"protein_g_per_kg": p, "carbohydrate_g_per_kg": 2 * p, "balance_kcal": -100.0 * i}
        for i, p in protein.items()}
    days[1] = dict(UNLOGGED)
    days[3] = dict(UNLOGGED)
    # incomplete: logged but likely partial; its low numbers must not count either
    days[5] = {"incomplete": True, "protein_g_per_kg": 0.3, "carbohydrate_g_per_kg": 0.5,
               "balance_kcal": -2000.0, "meals_reaching_protein_target": 0}
    w = on(window_frame(make_facts(7, days=days)), 6)
    assert w["logged_days_7d"] == 4
    assert w["protein_g_per_kg_7d"] == pytest.approx((1.0 + 1.2 + 1.4 + 1.6) / 4)
    assert w["carbohydrate_g_per_kg_7d"] == pytest.approx((2.0 + 2.4 + 2.8 + 3.2) / 4)
    assert w["balance_kcal_7d"] == pytest.approx((0 - 200 - 400 - 600) / 4)
    assert w["protein_meals_per_day_7d"] == pytest.approx(4.0)
    assert w["deficit_days_7d"] == 1  # day 6 (-600); the incomplete -2000 does not count


def test_very_low_intake_days_are_kept_in_the_means_and_as_deficit_days() -> None:
    # Days 0-6 of a runner: protein 1.8, balance 0, except two crash days logged under
    # 800 kcal (very low, not marked incomplete): day 2 (protein 0.5, balance -1800) and
    # day 4 (protein 0.6, balance -1600); day 5 is marked incomplete (config) and left out.
    # Usable: days 0, 1, 2, 3, 4, 6 -> 6 days.
    # protein: (4 x 1.8 + 0.5 + 0.6) / 6 = 8.3 / 6; balance: (-1800 - 1600) / 6;
    # deficit days (below -500): days 2 and 4 -> 2.
    crash = {"very_low_intake": True, "energy_kcal": 700.0, "intake_kcal": 700.0}
    days: dict[int, dict[str, object]] = {
        2: {**crash, "protein_g_per_kg": 0.5, "balance_kcal": -1800.0},
        4: {**crash, "protein_g_per_kg": 0.6, "balance_kcal": -1600.0},
        5: {**crash, "incomplete": True, "incomplete_source": "config",
            "protein_g_per_kg": 0.2, "balance_kcal": -2000.0},
    }
    w = on(window_frame(make_facts(7, days=days)), 6)
    assert w["logged_days_7d"] == 6
    assert w["very_low_intake_days_7d"] == 2
    assert w["very_low_intake_dates_7d"] == [START + timedelta(days=2),
                                             START + timedelta(days=4)]
    assert w["protein_g_per_kg_7d"] == pytest.approx((4 * 1.8 + 0.5 + 0.6) / 6)
    assert w["balance_kcal_7d"] == pytest.approx((-1800 - 1600) / 6)
    assert w["deficit_days_7d"] == 2
    # day 9: its window (days 3-9) holds day 4 only; days 7-9 are ordinary days
    w9 = on(window_frame(make_facts(10, days=days)), 9)
    assert (w9["very_low_intake_days_7d"], w9["very_low_intake_dates_7d"]) == (
        1, [START + timedelta(days=4)])
    # a gap in the rows does not stretch the window: day 2's row is 7 rows back from day 9
    # once day 8 is missing, but 7 calendar days back, outside the window
    gap = on(window_frame(make_facts(10, days=days, missing=[8])), 9)
    assert gap["very_low_intake_dates_7d"] == [START + timedelta(days=4)]


@pytest.mark.parametrize(("usable", "expected"), [(3, None), (4, 1.2)])
def test_protein_needs_min_logged_days(usable: int, expected: float | None) -> None:
    unlogged = {i: dict(UNLOGGED) for i in range(7 - usable)}
    w = on(window_frame(make_facts(7, every={"protein_g_per_kg": 1.2}, days=unlogged)), 6)
    assert w["logged_days_7d"] == usable
    if expected is None:
        for c in ("protein_g_per_kg_7d", "balance_kcal_7d", "carbohydrate_g_per_kg_7d",
                  "carbohydrate_need_g_per_kg_7d", "protein_meals_per_day_7d"):
            assert w[c] is None, c
    else:
        assert w["protein_g_per_kg_7d"] == pytest.approx(expected)
        assert w["balance_kcal_7d"] == pytest.approx(0.0)


def test_min_logged_days_is_configurable() -> None:
    k = ScoreConstants.model_validate({"min_logged_days": 2})
    days = {i: dict(UNLOGGED) for i in range(5)}  # 2 usable days: 5 and 6
    w = on(window_frame(make_facts(7, days=days), k), 6)
    assert w["protein_g_per_kg_7d"] == pytest.approx(1.8)


def test_deficit_days_count_usable_days_below_minus_500() -> None:
    balances = {0: -600.0, 1: -501.0, 2: -500.0, 3: -499.0, 4: 200.0}
    days: dict[int, dict[str, object]] = {i: {"balance_kcal": b} for i, b in balances.items()}
    days[5] = {"incomplete": True, "balance_kcal": -1500.0}
    days[6] = dict(UNLOGGED)
    w = on(window_frame(make_facts(7, days=days)), 6)
    assert w["deficit_days_7d"] == 2  # -600 and -501; exactly -500 is not "above 500"
    assert w["balance_kcal_7d"] == pytest.approx((-600 - 501 - 500 - 499 + 200) / 5)


def test_energy_availability_needs_min_logged_days_with_it_known() -> None:
    # fat-free mass known on three days only: the 7-day mean is unknown
    ea = {4: 40.0, 5: 44.0, 6: 48.0}
    days = {i: {"energy_availability_kcal_per_kg_ffm": v} for i, v in ea.items()}
    w = on(window_frame(make_facts(7, days=days)), 6)
    assert w["energy_availability_7d"] is None
    days[3] = {"energy_availability_kcal_per_kg_ffm": 36.0}
    w = on(window_frame(make_facts(7, days=days)), 6)
    assert w["energy_availability_7d"] == pytest.approx((36 + 40 + 44 + 48) / 4)


# --------------------------------------------------------------------------------------
# Carbohydrate need (Thomas et al. 2016 lower bounds)
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("minutes", "need"), [
    (0.0, 3.0), (22.5, 4.0), (44.9, 3 + 2 * 44.9 / 45), (45.0, 5.0), (67.5, 5.5),
    (89.9, 5 + 44.9 / 45), (90.0, 6.0), (165.0, 7.0), (239.9, 6 + 2 * 149.9 / 150),
    (240.0, 8.0), (400.0, 8.0), (None, None)])
def test_carbohydrate_need_is_a_line_through_the_band_edges(minutes: float | None,
                                                           need: float | None) -> None:
    """3 g/kg at 0 min, 5 at 45, 6 at 90, 8 from 240 (Thomas 2016's lower bounds at the
    band edges), straight between: a minute more never moves the need by a whole band."""
    frame = pl.DataFrame({"m": [minutes]}, schema={"m": pl.Float64})
    got = frame.select(carbohydrate_need(pl.col("m"), ScoreConstants())).item()
    assert got == (None if need is None else pytest.approx(need))


@pytest.mark.parametrize(("run", "strength", "cycling", "endurance"), [
    (44.9, 0.0, 0.0, 44.9),
    (30.0, 0.0, 15.0, 45.0),      # 30 + 15
    (30.0, None, 15.0, 45.0),     # unknown strength minutes do not matter
    (60.0, 20.0, 29.9, 89.9),     # strength minutes do not count
    (60.0, 20.0, 30.0, 90.0),
    (200.0, 0.0, 39.9, 239.9),
    (200.0, 0.0, 40.0, 240.0),
    (0.0, 0.0, 240.0, 240.0)])    # cycling alone
def test_the_day_s_endurance_minutes_add_running_and_cycling(
    run: float, strength: float | None, cycling: float, endurance: float,
) -> None:
    # other_cardio_min is all non-running, non-strength minutes: here the ride
    day = {"run_moving_min": run, "strength_min": strength, "cycling_min": cycling,
           "other_cardio_min": cycling}
    frame = window_frame(make_facts(7, days={6: day}))
    assert on(frame, 6)["carbohydrate_need_g_per_kg"] == pytest.approx(
        carbohydrate_need_by_hand(endurance))


@pytest.mark.parametrize(("sport", "minutes", "endurance"), [
    ("cycling_min", 60.0, 90.0),  # 30 + 60
    ("swimming_min", 60.0, 90.0),
    ("rowing_min", 60.0, 90.0),
    ("walking_min", 60.0, 30.0),  # walks and hikes do not count: the 30-min run alone
    ("hiking_min", 240.0, 30.0)])
def test_endurance_minutes_are_running_cycling_swimming_and_rowing(
    sport: str, minutes: float, endurance: float,
) -> None:
    day = {sport: minutes, "other_cardio_min": minutes}
    frame = window_frame(make_facts(7, days={6: day}))
    assert on(frame, 6)["carbohydrate_need_g_per_kg"] == pytest.approx(
        carbohydrate_need_by_hand(endurance))


#: The need of the default day (a 30-min run): 3 + 2 x 30 / 45 g/kg.
RUN_30_NEED = 3 + 2 * 30 / 45


def test_unclassified_other_cardio_does_not_raise_the_carbohydrate_need() -> None:
    # 300 min of cardio of no listed sport (other_cardio_min alone): 30 endurance min;
    # other_cardio_min is not read, so an unknown one does not hide the need either
    frame = window_frame(make_facts(7, days={5: {"other_cardio_min": 300.0},
                                             6: {"other_cardio_min": None}}))
    assert on(frame, 5)["carbohydrate_need_g_per_kg"] == pytest.approx(RUN_30_NEED)
    assert on(frame, 6)["carbohydrate_need_g_per_kg"] == pytest.approx(RUN_30_NEED)


@pytest.mark.parametrize(("run", "strength", "cycling"), [
    (44.9, 15.0, 0.0),       # with strength 59.9 min, but 44.9 endurance
    (30.0, 60.0, 0.0),       # a long gym session on a short-run day
    (60.0, 120.0, 29.9),     # 89.9 endurance, whatever the gym
    (200.0, 40.0, 0.0),      # 200 endurance (with strength it would be 240)
    (0.0, 300.0, 0.0)])      # a strength-only day: 3 g/kg
def test_strength_minutes_do_not_raise_the_carbohydrate_need(
    run: float, strength: float, cycling: float,
) -> None:
    day = {"run_moving_min": run, "strength_min": strength, "cycling_min": cycling,
           "other_cardio_min": cycling, "strength_sessions": 1}
    frame = window_frame(make_facts(7, days={6: day}))
    assert on(frame, 6)["carbohydrate_need_g_per_kg"] == pytest.approx(
        carbohydrate_need_by_hand(run + cycling))


@pytest.mark.parametrize("unknown", [("run_moving_min",), ("cycling_min",), ("swimming_min",),
                                     ("rowing_min",), ("run_moving_min", "cycling_min")])
def test_unknown_endurance_minutes_give_no_carbohydrate_need(unknown: tuple[str, ...]) -> None:
    frame = window_frame(make_facts(7, days={6: dict.fromkeys(unknown)}))
    assert on(frame, 6)["carbohydrate_need_g_per_kg"] is None
    assert on(frame, 5)["carbohydrate_need_g_per_kg"] == pytest.approx(RUN_30_NEED)


def test_unknown_training_gives_no_carbohydrate_need() -> None:
    frame = window_frame(make_facts(7, days={6: dict(UNKNOWN_TRAINING)}))
    assert on(frame, 6)["carbohydrate_need_g_per_kg"] is None


def test_carbohydrate_and_need_means_over_usable_days() -> None:
    # days 1 and 4 add 30 min of cycling (30 + 30 = 60 endurance min) -> need
    # 5 + 15/45; the others run 30 min -> need 3 + 2 x 30/45
    carbs = {0: 3.0, 1: 5.0, 2: 1.5, 3: 6.0, 4: 2.5, 5: 9.0, 6: 3.0}
    days: dict[int, dict[str, object]] = {
        i: {"carbohydrate_g_per_kg": c} for i, c in carbs.items()}
    for i in (1, 4):
        days[i].update({"cycling_min": 30.0, "other_cardio_min": 30.0})
    days[5] = {"incomplete": True, "carbohydrate_g_per_kg": 9.0}
    w = on(window_frame(make_facts(7, days=days)), 6)
    assert "carbohydrate_ratio_7d" not in w
    short, long = 3 + 2 * 30 / 45, 5 + 15 / 45
    needs = [short, long, short, short, long, short]  # day 5 left out
    assert w["carbohydrate_need_g_per_kg_7d"] == pytest.approx(sum(needs) / 6)
    assert w["carbohydrate_g_per_kg_7d"] == pytest.approx((3 + 5 + 1.5 + 6 + 2.5 + 3) / 6)


def test_carbohydrate_means_use_the_same_days_for_eaten_and_need() -> None:
    # day 2: training unknown (no need), day 3: carbohydrate unknown (logged, no weight):
    # both left out of both means; days 0, 1, 4, 5, 6 remain
    days: dict[int, dict[str, object]] = {
        0: {"carbohydrate_g_per_kg": 2.0},
        1: {"carbohydrate_g_per_kg": 4.0, "run_moving_min": 100.0},   # 6 + 2 x 10/150
        2: {**UNKNOWN_TRAINING, "carbohydrate_g_per_kg": 10.0},
        3: {"carbohydrate_g_per_kg": None, "cycling_min": 300.0,
            "other_cardio_min": 300.0},                                # need 8, no carbs
        4: {"carbohydrate_g_per_kg": 3.0},
        5: {"carbohydrate_g_per_kg": 5.0, "cycling_min": 20.0,
            "other_cardio_min": 20.0},                                 # 50 min: 5 + 5/45
        6: {"carbohydrate_g_per_kg": 6.0},
    }
    frame = window_frame(make_facts(7, days=days))
    w = on(frame, 6)
    assert on(frame, 2)["carbohydrate_need_g_per_kg"] is None
    assert on(frame, 3)["carbohydrate_need_g_per_kg"] == 8.0
    assert w["carbohydrate_g_per_kg_7d"] == pytest.approx((2 + 4 + 3 + 5 + 6) / 5)
    short = 3 + 2 * 30 / 45
    assert w["carbohydrate_need_g_per_kg_7d"] == pytest.approx(
        (short + (6 + 2 * 10 / 150) + short + (5 + 5 / 45) + short) / 5)


@pytest.mark.parametrize(("with_both", "known"), [(3, False), (4, True)])
def test_carbohydrate_means_need_min_logged_days_with_eaten_and_need(with_both: int,
                                                                     known: bool) -> None:
    # all 7 days usable for protein, but training unknown on 7 - with_both of them
    days = {i: dict(UNKNOWN_TRAINING) for i in range(7 - with_both)}
    w = on(window_frame(make_facts(7, days=days)), 6)
    assert w["logged_days_7d"] == 7
    assert w["protein_g_per_kg_7d"] == pytest.approx(1.8)
    if known:
        assert w["carbohydrate_g_per_kg_7d"] == pytest.approx(6.0)
        assert w["carbohydrate_need_g_per_kg_7d"] == pytest.approx(RUN_30_NEED)
    else:
        assert w["carbohydrate_g_per_kg_7d"] is None
        assert w["carbohydrate_need_g_per_kg_7d"] is None


# --------------------------------------------------------------------------------------
# Training windows: known days, chronic baseline
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "known"), [(19, 13), (20, 14), (27, 21)])
def test_the_chronic_baseline_needs_min_chronic_known_days(day: int, known: int) -> None:
    # 30 min / 6 km a day on days 0..13, then 60 min / 9 km; the baseline of day d is the
    # days before its week, 0..d-7 (d - 6 days, all known)
    later = {i: {"run_moving_min": 60.0, "run_distance_km": 9.0} for i in range(14, 28)}
    w = on(window_frame(make_facts(28, days=later)), day)
    assert day - 6 == known
    if known < 14:
        assert w["chronic_run_h_per_week"] is None
        assert w["chronic_run_km_per_week"] is None
        return
    later_days = known - 14                # baseline days from day 14 on
    minutes = 14 * 30 + later_days * 60
    km = 14 * 6 + later_days * 9
    assert w["chronic_run_h_per_week"] == pytest.approx(minutes / 60 * 7 / known)
    assert w["chronic_run_km_per_week"] == pytest.approx(km * 7 / known)


def test_the_baseline_excludes_the_scored_week() -> None:
    # 21 days of 30 min / 6 km, then a week of 60 min / 12 km: the baseline is the 21 days
    # alone (3.5 h, 42 km a week), not the 28 days with the week in them (4.375 h)
    week = {i: {"run_moving_min": 60.0, "run_distance_km": 12.0} for i in range(21, 28)}
    w = on(window_frame(make_facts(28, days=week)), 27)
    assert w["chronic_run_h_per_week"] == pytest.approx(21 * 30 / 60 * 7 / 21)   # 3.5
    assert w["chronic_run_km_per_week"] == pytest.approx(21 * 6.0 * 7 / 21)      # 42
    assert w["run_h_7d"] == pytest.approx(7 * 60 / 60)
    assert w["run_km_7d"] == pytest.approx(7 * 12.0)
    assert w["chronic_run_h_per_week"] != pytest.approx((21 * 30 + 7 * 60) / 60 * 7 / 28)


def test_the_week_s_own_running_does_not_move_the_baseline() -> None:
    # the same 21 days before, two very different weeks: the same baseline
    quiet = on(window_frame(make_facts(28, days={i: dict(REST_DAY) for i in range(21, 28)})),
               27)
    huge = {i: {"run_moving_min": 200.0, "run_distance_km": 40.0} for i in range(21, 28)}
    busy = on(window_frame(make_facts(28, days=huge)), 27)
    for w in (quiet, busy):
        assert w["chronic_run_h_per_week"] == pytest.approx(3.5)
        assert w["chronic_run_km_per_week"] == pytest.approx(42.0)


def test_unknown_days_do_not_count_towards_the_chronic_baseline() -> None:
    # days 0..4 before the first watch file: unknown; from day 5 known. The baseline of
    # day d is d-27..d-7, so it holds days 5..d-7: d - 11 known days
    facts = make_facts(26, days={i: dict(UNKNOWN_TRAINING) for i in range(5)})
    frame = window_frame(facts)
    assert on(frame, 24)["chronic_run_h_per_week"] is None  # 24 - 11 = 13 known days
    w = on(frame, 25)                                        # 14 known days: 5..18
    assert w["chronic_run_h_per_week"] == pytest.approx(14 * 30 / 60 * 7 / 14)
    assert w["chronic_run_km_per_week"] == pytest.approx(14 * 6.0 * 7 / 14)
    assert on(frame, 8)["known_days_7d"] == 4  # days 5..8 of the window 2..8


def test_the_baseline_scales_its_known_days_to_a_week() -> None:
    # 28 days; 5 unknown days inside the baseline (days 3..7): 21 - 5 = 16 known days of
    # 30 min / 6 km, scaled by 7 / 16
    facts = make_facts(28, days={i: dict(UNKNOWN_TRAINING) for i in range(3, 8)})
    w = on(window_frame(facts), 27)
    assert w["chronic_run_h_per_week"] == pytest.approx(16 * 30 / 60 * 7 / 16)
    assert w["chronic_run_km_per_week"] == pytest.approx(16 * 6.0 * 7 / 16)
    # 8 unknown days (0..7): 13 known < 14, no baseline
    facts = make_facts(28, days={i: dict(UNKNOWN_TRAINING) for i in range(8)})
    assert on(window_frame(facts), 27)["chronic_run_h_per_week"] is None


def test_unequal_baseline_days_are_averaged_to_a_week() -> None:
    # baseline days 0..20 (of day 27): 14 days of 30 min and 7 of 90 min, 3 of them
    # missing rows: 18 known days
    days = {i: {"run_moving_min": 90.0, "run_distance_km": 15.0} for i in range(14, 21)}
    facts = make_facts(28, days=days, missing=[0, 1, 15])
    w = on(window_frame(facts), 27)
    minutes = 12 * 30 + 6 * 90     # days 2..13, and 14..20 without 15
    km = 12 * 6.0 + 6 * 15.0
    assert w["chronic_run_h_per_week"] == pytest.approx(minutes / 60 * 7 / 18)
    assert w["chronic_run_km_per_week"] == pytest.approx(km * 7 / 18)


def test_min_chronic_known_days_is_configurable() -> None:
    k = ScoreConstants.model_validate({"min_chronic_known_days": 21})
    frame = window_frame(make_facts(28), k)
    assert on(frame, 26)["chronic_run_h_per_week"] is None   # 20 baseline days
    assert on(frame, 27)["chronic_run_h_per_week"] == pytest.approx(3.5)


def test_the_chronic_window_is_28_calendar_days() -> None:
    # 40 days: the first 12 run 90 min and leave the 28-day window of day 39 (12..39);
    # day 12 (60 min) is the first baseline day, day 32 (45 min) the last, day 33 (120 min)
    # is in the week; the baseline 12..32 holds 21 days
    days = {i: {"run_moving_min": 90.0, "longest_run_min": 90.0} for i in range(12)}
    days[12] = {"run_moving_min": 60.0}
    days[32] = {"run_moving_min": 45.0}
    days[33] = {"run_moving_min": 120.0}
    w = on(window_frame(make_facts(40, days=days)), 39)
    assert w["chronic_run_h_per_week"] == pytest.approx((19 * 30 + 60 + 45) / 60 * 7 / 21)
    assert w["run_h_7d"] == pytest.approx((6 * 30 + 120) / 60)


WEEK_SUMS = ("run_h_7d", "run_km_7d", "longest_run_min_7d", "zone45_min_7d",
             "high_intensity_min_7d",
             "hr_covered_min_7d", "strength_sessions_7d", "strength_near_run_7d",
             "hard_days_7d", "max_hard_streak_7d")


@pytest.mark.parametrize(("day", "since_strength"), [(0, 1), (3, 3 - 1), (5, 5 - 4)])
def test_the_week_s_training_sums_need_all_seven_days_known(day: int,
                                                          since_strength: int) -> None:
    # the first days of the data: the window reaches before day 0
    w = on(window_frame(make_facts(7)), day)
    assert w["known_days_7d"] == day + 1
    for c in WEEK_SUMS:
        assert w[c] is None, c
    # still given: strength on days 1 and 4; none yet on day 0 (one day of watch data)
    assert w["days_since_strength"] == since_strength


def test_one_unknown_day_makes_the_week_s_training_sums_unknown() -> None:
    facts = make_facts(28, days={24: dict(UNKNOWN_TRAINING)})
    frame = window_frame(facts)
    w = on(frame, 27)
    assert w["known_days_7d"] == 6
    for c in WEEK_SUMS:
        assert w[c] is None, c
    # still given: the known-day count, days since strength (day 25, a Friday) and the
    # baseline (days 0..20, all known: 3.5 h, 42 km a week)
    assert w["days_since_strength"] == 27 - 25
    assert w["chronic_run_h_per_week"] == pytest.approx(3.5)
    assert w["chronic_run_km_per_week"] == pytest.approx(42.0)
    # day 23 (window 17..23) is whole again
    assert on(frame, 23)["run_h_7d"] == pytest.approx(7 * 30 / 60)
    assert on(frame, 23)["strength_sessions_7d"] == 2


def test_a_run_without_distance_makes_the_week_s_km_unknown() -> None:
    # day 10: a 30-min treadmill run without distance; hours still count
    facts = make_facts(28, days={10: {"run_distance_km": None}})
    frame = window_frame(facts)
    for i in range(10, 17):             # every week that holds day 10
        w = on(frame, i)
        assert w["run_km_7d"] is None, i
        assert w["run_h_7d"] == pytest.approx(7 * 30 / 60), i
    assert on(frame, 9)["run_km_7d"] == pytest.approx(7 * 6.0)
    assert on(frame, 17)["run_km_7d"] == pytest.approx(7 * 6.0)  # window 11..17


def test_a_run_without_distance_in_the_baseline_makes_the_km_baseline_unknown() -> None:
    # day 10 without distance: in the baseline (d-27..d-7) of days 17..37
    facts = make_facts(40, days={10: {"run_distance_km": None}})
    frame = window_frame(facts)
    for i in (20, 27, 37):
        w = on(frame, i)
        assert w["chronic_run_km_per_week"] is None, i
        assert w["chronic_run_h_per_week"] == pytest.approx(3.5), i
    # day 38: baseline 11..31, the run has left it
    assert on(frame, 38)["chronic_run_km_per_week"] == pytest.approx(42.0)
    # a rest day without distance is no run of unknown distance
    rest = make_facts(28, days={10: {**REST_DAY, "run_distance_km": None}})
    assert on(window_frame(rest), 27)["chronic_run_km_per_week"] is not None


# --------------------------------------------------------------------------------------
# Hard days and streaks
# --------------------------------------------------------------------------------------

def test_hard_days_by_minutes_above_the_second_threshold_or_a_long_run() -> None:
    days = {
        0: {"high_intensity_min": 10.0},        # 10 min above the second threshold: hard
        1: {"high_intensity_min": 9.9},         # 9.9: easy
        2: {"longest_run_min": 90.0, "run_moving_min": 90.0},   # long run: hard
        3: {"longest_run_min": 89.9, "run_moving_min": 89.9},   # easy
        4: {"z4_min": None, "z5_min": None, "high_intensity_min": None,
            "hr_covered_min": 0.0},             # no HR: not hard
        5: {"high_intensity_min": 12.0},        # hard
        6: {},
    }
    w = on(window_frame(make_facts(7, days=days)), 6)
    assert w["hard_days_7d"] == 3
    assert w["max_hard_streak_7d"] == 1


def test_zone_4_minutes_below_the_second_threshold_do_not_make_a_day_hard() -> None:
    # 30 min in zone 4 (80-90 % of max HR) every day, none at or above 88 %: steady running
    w = on(window_frame(make_facts(7, every={"z4_min": 30.0, "z1_min": 0.0, "z2_min": 0.0,
                                             "high_intensity_min": 0.0})), 6)
    assert w["zone45_min_7d"] == pytest.approx(7 * 30.0)
    assert w["high_intensity_min_7d"] == pytest.approx(0.0)
    assert w["hard_days_7d"] == 0


def test_the_longest_hard_streak_in_the_window() -> None:
    hard = {"high_intensity_min": 12.0}
    # a first easy week (days 0..6), then hard on 7, 8, then 10, 11, 12: streaks 2 and 3
    facts = make_facts(17, days={i: hard for i in (7, 8, 10, 11, 12)})
    frame = window_frame(facts)
    assert on(frame, 13)["hard_days_7d"] == 5        # window 7..13
    assert on(frame, 13)["max_hard_streak_7d"] == 3
    assert on(frame, 8)["max_hard_streak_7d"] == 2
    assert on(frame, 9)["max_hard_streak_7d"] == 2
    assert on(frame, 11)["max_hard_streak_7d"] == 2  # streak 10..11 so far
    # day 16: window 10..16 -> streak 10..12 still ends inside it
    assert on(frame, 16)["max_hard_streak_7d"] == 3
    assert on(frame, 16)["hard_days_7d"] == 3
    # the first days: fewer than 7 known days, no streak
    assert on(frame, 5)["max_hard_streak_7d"] is None
    assert on(frame, 6)["max_hard_streak_7d"] == 0


def test_an_unknown_day_breaks_a_hard_streak() -> None:
    hard = {"high_intensity_min": 12.0}
    facts = make_facts(13, days={4: hard, 5: dict(UNKNOWN_TRAINING), 6: hard})
    frame = window_frame(facts)
    # a week with the unknown day in it: no count and no streak
    w = on(frame, 6)
    assert w["known_days_7d"] == 6
    assert (w["hard_days_7d"], w["max_hard_streak_7d"]) == (None, None)
    # day 12 (window 6..12) holds day 6, whose streak restarted after the unknown day: 1
    # (a streak carried across day 5 would read 2 or 3)
    w = on(frame, 12)
    assert (w["hard_days_7d"], w["max_hard_streak_7d"]) == (1, 1)


def test_a_missing_row_does_not_join_two_hard_days_into_a_streak() -> None:
    hard = {"high_intensity_min": 12.0}
    facts = make_facts(13, missing=[5], days={4: hard, 6: hard})
    frame = window_frame(facts)
    assert (on(frame, 6)["hard_days_7d"], on(frame, 6)["max_hard_streak_7d"]) == (None, None)
    w = on(frame, 12)                     # window 6..12, all known
    assert w["hard_days_7d"] == 1
    assert w["max_hard_streak_7d"] == 1  # days 4 and 6 are not consecutive (else 2)


def test_a_calendar_gap_breaks_a_hard_streak() -> None:
    # hard on 1, 2, 3, no row for 4, hard on 5, 6, 7, 8: streaks 3 and 4, never 7
    hard = {"high_intensity_min": 12.0}
    facts = make_facts(13, missing=[4], days={i: hard for i in (1, 2, 3, 5, 6, 7, 8)})
    frame = window_frame(facts)
    # every window up to day 10 lacks a day (before day 0, or day 4): unknown
    for i in (3, 5, 6, 7, 8, 9, 10):
        assert on(frame, i)["max_hard_streak_7d"] is None, i
        assert on(frame, i)["hard_days_7d"] is None, i
    assert on(frame, 11)["max_hard_streak_7d"] == 4   # window 5..11: the streak 5..8
    assert on(frame, 11)["hard_days_7d"] == 4
    # window 6..12: the streak 5..8 counts its days 6..8 inside it (a streak joined over
    # the gap would read 7 on days 11 and 12)
    assert on(frame, 12)["max_hard_streak_7d"] == 3


def test_a_streak_longer_than_the_window_counts_only_the_days_inside_it() -> None:
    # easy days 0..6, nine hard days 7..15, easy days 16..21
    hard = {"high_intensity_min": 12.0}
    frame = window_frame(make_facts(22, days={i: hard for i in range(7, 16)}))
    # by hand: the window of day d is d-6..d; its hard days are max(7, d-6)..min(15, d)
    expected = {6: 0, 7: 1, 8: 2, 9: 3, 10: 4, 11: 5, 12: 6, 13: 7, 14: 7, 15: 7,
                16: 6, 17: 5, 18: 4, 19: 3, 20: 2, 21: 1}
    got = {d: on(frame, d)["max_hard_streak_7d"] for d in expected}
    assert got == expected
    # the hard days of the window are the same days here (one streak)
    assert {d: on(frame, d)["hard_days_7d"] for d in expected} == expected


def test_a_gap_of_several_days_breaks_a_streak_of_one_athlete_only() -> None:
    hard = {"high_intensity_min": 12.0}
    a = make_facts(13, athlete="a", missing=[3, 4, 5], days={i: hard for i in (1, 2, 6, 7)})
    b = make_facts(13, athlete="b", days={i: hard for i in (1, 2, 3, 4, 5, 6, 7)})
    frame = window_frame(concat_facts(a, b))
    assert on(frame, 7, athlete="a")["max_hard_streak_7d"] is None  # days 3..5 missing
    # window 6..12 of a: the streak 6..7 (2; carried over the gap it would be 4)
    assert on(frame, 12, athlete="a")["max_hard_streak_7d"] == 2
    assert on(frame, 7, athlete="b")["max_hard_streak_7d"] == 7
    # window 6..12 of b: the streak 1..7 counts its days 6 and 7 inside the window
    assert on(frame, 12, athlete="b")["max_hard_streak_7d"] == 2


# --------------------------------------------------------------------------------------
# Days since strength
# --------------------------------------------------------------------------------------

def test_days_since_the_last_strength_session() -> None:
    only = {i: {"strength_sessions": 1 if i == 2 else 0} for i in range(10)}
    frame = window_frame(make_facts(10, days=only))
    assert on(frame, 2)["days_since_strength"] == 0
    assert on(frame, 6)["days_since_strength"] == 6 - 2
    assert on(frame, 9)["days_since_strength"] == 9 - 2
    assert on(frame, 9)["strength_sessions_7d"] == 0  # window 3..9
    assert on(frame, 8)["strength_sessions_7d"] == 1  # window 2..8


def test_days_since_strength_without_any_session_counts_from_the_watch_data() -> None:
    # never a session; watch data from day 3: on day 9 that is 7 days of data
    days: dict[int, dict[str, object]] = {i: dict(UNKNOWN_TRAINING) for i in range(3)}
    for i in range(3, 10):
        days[i] = {"strength_sessions": 0}
    frame = window_frame(make_facts(10, days=days))
    assert on(frame, 9)["days_since_strength"] == 9 - 3 + 1
    assert on(frame, 3)["days_since_strength"] == 1
    assert on(frame, 1)["days_since_strength"] is None  # training unknown


def test_strength_and_near_run_sessions_are_summed_over_7_days() -> None:
    days = {i: {"strength_sessions": 0} for i in range(7)}
    days[1] = {"strength_sessions": 2, "strength_near_run_sessions": 1}
    days[5] = {"strength_sessions": 1, "strength_near_run_sessions": 1}
    w = on(window_frame(make_facts(7, days=days)), 6)
    assert (w["strength_sessions_7d"], w["strength_near_run_7d"]) == (3, 2)


def test_zone_hr_and_long_run_windows() -> None:
    days = {3: {"longest_run_min": 75.0, "run_moving_min": 75.0, "z4_min": 8.0,
                "z3_min": 5.0, "z5_min": 1.0, "hr_covered_min": 60.0}}
    w = on(window_frame(make_facts(7, days=days)), 6)
    assert w["longest_run_min_7d"] == 75.0
    assert "zone345_min_7d" not in w
    # zones 4 and 5 only: six default days of 6 + 0, day 3 of 8 + 1 (its 5 min of zone 3
    # left out)
    assert w["zone45_min_7d"] == pytest.approx(6 * 6.0 + 8.0 + 1.0)
    assert w["hr_covered_min_7d"] == pytest.approx(6 * 30.0 + 60.0)
    assert w["run_h_7d"] == pytest.approx((6 * 30.0 + 75.0) / 60)


def test_zone_3_does_not_count_in_the_window_nor_make_a_day_hard() -> None:
    # 20 min in zone 3 on every day: above the first threshold, below zones 4-5
    w = on(window_frame(make_facts(7, every={"z3_min": 20.0, "z4_min": 0.0, "z5_min": 0.0,
                                             "z2_min": 10.0, "z1_min": 0.0,
                                             "high_intensity_min": 0.0})), 6)
    assert w["zone45_min_7d"] == pytest.approx(0.0)
    assert w["hr_covered_min_7d"] == pytest.approx(7 * 30.0)
    assert w["hard_days_7d"] == 0


def test_zone_45_window_sums_zone_4_and_zone_5_over_7_days() -> None:
    # day i: z4 = i, z5 = 0.5 on days 5 and 6; 10 days, the window of day 9 is days 3..9
    days = {i: {"z4_min": float(i), "z5_min": 0.5 if i in (5, 6) else 0.0} for i in range(10)}
    frame = window_frame(make_facts(10, days=days))
    assert on(frame, 9)["zone45_min_7d"] == pytest.approx(3 + 4 + 5 + 6 + 7 + 8 + 9 + 1.0)
    assert on(frame, 6)["zone45_min_7d"] == pytest.approx(0 + 1 + 2 + 3 + 4 + 5 + 6 + 1.0)
    assert on(frame, 2)["zone45_min_7d"] is None  # days 0..2 only: not a full week


def test_high_intensity_window_sums_the_minutes_above_the_second_threshold() -> None:
    # day i: i/2 min above the second threshold; the window of day 9 is days 3..9
    days = {i: {"high_intensity_min": i / 2} for i in range(10)}
    frame = window_frame(make_facts(10, days=days))
    assert on(frame, 9)["high_intensity_min_7d"] == pytest.approx((3 + 4 + 5 + 6 + 7 + 8 + 9)
                                                                  / 2)
    assert on(frame, 2)["high_intensity_min_7d"] is None


def test_two_athletes_have_separate_windows() -> None:
    # b starts 10 days after a, never lifts and logs on 4 days
    a = make_facts(20, athlete="a")
    b_start = START + timedelta(days=10)
    b = make_facts(10, start=b_start, athlete="b", every={"strength_sessions": 0},
                   days={i: dict(UNLOGGED) for i in (0, 1, 2)})
    frame = window_frame(concat_facts(b, a))
    wb = on(frame, 6, start=b_start, athlete="b")
    assert wb["logged_days_7d"] == 4
    assert wb["known_days_7d"] == 7
    assert wb["strength_sessions_7d"] == 0
    assert wb["days_since_strength"] == 7
    assert on(frame, 3, start=b_start, athlete="b")["known_days_7d"] == 4
    assert on(frame, 19)["strength_sessions_7d"] == 2


def test_a_week_after_the_runs_sums_to_exactly_zero() -> None:
    # six days of running (minutes with one decimal), then eight without: the rolling sum
    # subtracts what leaves the window and left -1.4e-14 min behind, a negative week
    minutes = [56.1, 66.8, 71.6, 84.8, 66.6, 83.0]
    ran = {i: {"run_moving_min": m, "longest_run_min": m, "run_distance_km": m / 6,
               "z4_min": m, "high_intensity_min": m, "hr_covered_min": m}
           for i, m in enumerate(minutes)}
    quiet = {"run_moving_min": 0.0, "longest_run_min": 0.0, "run_distance_km": 0.0,
             "z4_min": 0.0, "z5_min": 0.0, "high_intensity_min": 0.0, "hr_covered_min": 0.0}
    w = on(window_frame(make_facts(14, every=quiet, days=ran)), 13)  # days 7-13: no running
    assert (w["run_h_7d"], w["run_km_7d"], w["zone45_min_7d"], w["high_intensity_min_7d"],
            w["hr_covered_min_7d"]) == (0.0, 0.0, 0.0, 0.0, 0.0)


# --------------------------------------------------------------------------------------
# Memory: the 28-day score and its trend
# --------------------------------------------------------------------------------------

def _scores(athlete: str, scores: dict[int, float | None]) -> pl.DataFrame:
    """A scored frame: day i (from START) -> score (None: a day without a score)."""
    return pl.DataFrame({"athlete_id": [athlete] * len(scores),
                         "local_date": [START + timedelta(days=i) for i in scores],
                         "score": list(scores.values())},
                        schema_overrides={"score": pl.Float64})


def _memory(frame: pl.DataFrame, athlete: str, i: int) -> tuple:
    row = frame.filter((pl.col("athlete_id") == athlete)
                       & (pl.col("local_date") == START + timedelta(days=i))).row(0, named=True)
    return row["score_28d"], row["score_28d_previous"], row["trend_28d"]


def test_the_28_day_score_and_its_trend_by_hand() -> None:
    # a: 60 on days 0-27, 70 on days 28-55 except day 40 (no score), 90 on day 56
    a = {i: 60.0 if i < 28 else None if i == 40 else 70.0 if i < 56 else 90.0
         for i in range(57)}
    # b and c: 70 for four weeks, then 75 (exactly +5: same) or 64.9 (-5.1: worse)
    b = {i: 70.0 if i < 28 else 75.0 for i in range(56)}
    c = {i: 70.0 if i < 28 else 64.9 for i in range(56)}
    scored = pl.concat([_scores("c", c), _scores("a", a), _scores("b", b)])
    out = score_memory(scored, ScoreConstants())
    assert out.select("athlete_id", "local_date").rows() == sorted(
        scored.select("athlete_id", "local_date").rows())
    assert _memory(out, "a", 12) == (None, None, None)     # 13 scored days: under 14
    assert _memory(out, "a", 13) == (60.0, None, None)     # 14 scored days
    assert _memory(out, "a", 27) == (60.0, None, None)     # no days before the data
    # day 41: days 14..41 (14 x 60, 13 x 70: 64.81) against days -14..13 (14 scored
    # days, 60): +4.8, same
    assert _memory(out, "a", 41) == (64.8, 60.0, "same")
    # day 55: days 28..55 (27 scored, 70) against days 0..27 (60): +10, better
    assert _memory(out, "a", 55) == (70.0, 60.0, "better")
    # day 56: days 29..56: 26 x 70 + 90 over 27 = 70.74; before: days 1..28: 27 x 60 + 70
    # over 28 = 60.36
    assert _memory(out, "a", 56) == (70.7, 60.4, "better")
    assert _memory(out, "b", 55) == (75.0, 70.0, "same")
    assert _memory(out, "c", 55) == (64.9, 70.0, "worse")


def test_the_28_day_windows_are_calendar_days_not_rows() -> None:
    # rows on days 0-13 (score 40) and 30-45 (score 80) only: day 45's window is days
    # 18..45, so it holds the 16 days of 80 and none of the 40s
    scores = {i: 40.0 for i in range(14)} | {i: 80.0 for i in range(30, 46)}
    out = score_memory(_scores("a", scores), ScoreConstants())
    assert _memory(out, "a", 45) == (80.0, None, None)  # day 17 has no row: nothing before
    # day 41: days 14..41 hold 12 scored days (under 14); day 13's window (days 0..13)
    # holds 14 x 40: a previous mean but no trend
    assert _memory(out, "a", 41) == (None, 40.0, None)
    k = ScoreConstants(min_memory_scored_days=10, trend_same_within_points=50.0)
    out = score_memory(_scores("a", scores | {17: 40.0}), k)
    # day 45: 16 x 80 over 16; day 17 (the day 28 before): days 0..13 and 17, all 40
    assert _memory(out, "a", 45) == (80.0, 40.0, "same")  # +40, within the +-50 asked
