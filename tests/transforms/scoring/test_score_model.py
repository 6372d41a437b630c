"""The constants of the score (`transforms.scoring.score_model`): overrides from the config's
`[scoring]` table, the orderings `check` enforces, and the model version."""

from __future__ import annotations

import math
import re
from dataclasses import fields, replace
from pathlib import Path

import pytest

import transforms.scoring.score_model as score_model
from transforms.daily_facts import FactConstants
from transforms.scoring.score_model import (
    COMPONENTS,
    MODEL_MODULES,
    WINDOW_DAYS,
    ScoreConstants,
    model_version,
)

DEFAULT = ScoreConstants()


# --------------------------------------------------------------------------------------
# from_overrides
# --------------------------------------------------------------------------------------

def test_no_overrides_gives_the_defaults() -> None:
    assert ScoreConstants.from_overrides({}) == DEFAULT


def test_a_known_key_is_applied_and_the_rest_stay_default() -> None:
    k = ScoreConstants.from_overrides({"protein_target_g_per_kg": 1.8, "weight_intensity": 0})
    assert k.protein_target_g_per_kg == 1.8
    assert k.weight_intensity == 0.0 and isinstance(k.weight_intensity, float)
    assert k == replace(DEFAULT, protein_target_g_per_kg=1.8, weight_intensity=0.0)


def test_an_integer_for_a_float_field_becomes_a_float() -> None:
    k = ScoreConstants.from_overrides({"protein_target_g_per_kg": 2})
    assert k.protein_target_g_per_kg == 2.0
    assert isinstance(k.protein_target_g_per_kg, float)


def test_int_fields_stay_int() -> None:
    k = ScoreConstants.from_overrides({"min_logged_days": 5.0, "max_reasons": 2,
                                       "chronic_window_days": 42,
                                       "min_chronic_known_days": 20.0})
    assert (k.min_logged_days, k.max_reasons, k.chronic_window_days,
            k.min_chronic_known_days) == (5, 2, 42, 20)
    for name in ("min_logged_days", "max_reasons", "chronic_window_days",
                 "min_chronic_known_days"):
        assert type(getattr(k, name)) is int, name


@pytest.mark.parametrize(("key", "value"), [
    ("min_logged_days", 4.5), ("max_reasons", 2.9), ("chronic_window_days", 28.000001),
    ("min_chronic_known_days", 13.5)])
def test_a_fractional_value_for_an_int_field_is_an_error(key: str, value: float) -> None:
    with pytest.raises(ValueError, match=re.escape(f"scoring.{key}: must be a whole number")):
        ScoreConstants.from_overrides({key: value})


@pytest.mark.parametrize("key", ["protein_target_g_per_kg", "min_logged_days",
                                 "balance_zero_credit_kcal", "balance_full_credit_kcal"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_errors_naming_the_key(key: str, value: float) -> None:
    with pytest.raises(ValueError, match=re.escape(f"scoring.{key}: must be a number")):
        ScoreConstants.from_overrides({key: value})


def test_the_scored_week_is_the_module_constant_not_a_setting() -> None:
    assert WINDOW_DAYS == 7
    assert "window_days" not in {f.name for f in fields(ScoreConstants)}
    with pytest.raises(ValueError, match=re.escape("scoring.window_days: unknown constant")):
        ScoreConstants.from_overrides({"window_days": 7})


def test_the_default_chronic_constants() -> None:
    # the baseline is the 28 - 7 = 21 days before the scored week; 14 of them must be known
    assert (DEFAULT.chronic_window_days, DEFAULT.min_chronic_known_days) == (28, 14)


def test_an_unknown_key_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match=re.escape("scoring.protein_target")):
        ScoreConstants.from_overrides({"protein_target": 1.8})


@pytest.mark.parametrize("value", [True, False, "1.8", None, [1.8], -0.1, -5])
def test_a_non_number_or_negative_value_is_an_error_naming_the_key(value: object) -> None:
    with pytest.raises(ValueError, match=re.escape("scoring.protein_target_g_per_kg")):
        ScoreConstants.from_overrides({"protein_target_g_per_kg": value})


def test_bool_for_an_int_field_is_an_error() -> None:
    with pytest.raises(ValueError, match=re.escape("scoring.max_reasons")):
        ScoreConstants.from_overrides({"max_reasons": True})


def test_negative_balance_bounds_are_allowed() -> None:
    k = ScoreConstants.from_overrides({"balance_zero_credit_kcal": -1200,
                                       "balance_full_credit_kcal": -200.0})
    assert (k.balance_zero_credit_kcal, k.balance_full_credit_kcal) == (-1200.0, -200.0)


def test_a_string_for_a_balance_bound_is_still_an_error() -> None:
    with pytest.raises(ValueError, match=re.escape("scoring.balance_full_credit_kcal")):
        ScoreConstants.from_overrides({"balance_full_credit_kcal": "-250"})


def test_keys_in_ignore_are_skipped() -> None:
    overrides = {"max_gap_s": 10.0, "protein_target_g_per_kg": 1.7}
    k = ScoreConstants.from_overrides(overrides, ignore=frozenset({"max_gap_s"}))
    assert k.protein_target_g_per_kg == 1.7
    with pytest.raises(ValueError, match=re.escape("scoring.max_gap_s")):
        ScoreConstants.from_overrides(overrides)


def test_ignored_keys_are_not_validated() -> None:
    k = ScoreConstants.from_overrides({"max_gap_s": "x"}, ignore=frozenset({"max_gap_s"}))
    assert k == DEFAULT


def test_from_overrides_runs_check() -> None:
    with pytest.raises(ValueError, match="must be below"):
        ScoreConstants.from_overrides({"protein_target_g_per_kg": 0.5})


# --------------------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------------------

def test_the_defaults_pass_check() -> None:
    DEFAULT.check()


PAIRS = [("protein_floor_g_per_kg", "protein_target_g_per_kg"),
         ("protein_floor_g_per_kg", "protein_target_deficit_g_per_kg"),
         ("ea_low_kcal_per_kg_ffm", "ea_adequate_kcal_per_kg_ffm"),
         ("run_full_credit_h_per_week", "run_zero_credit_h_per_week"),
         ("run_ratio_full_credit", "run_ratio_zero_credit"),
         ("long_run_full_credit_min", "long_run_zero_credit_min"),
         ("acwr_full_credit", "acwr_zero_credit"),
         ("easy_days_zero_credit", "easy_days_full_credit"),
         ("hard_streak_full_credit", "hard_streak_zero_credit"),
         ("high_risk_below_score", "low_risk_min_score"),
         ("balance_zero_credit_kcal", "balance_full_credit_kcal")]


@pytest.mark.parametrize(("low", "high"), PAIRS)
@pytest.mark.parametrize("below", [0.0, 0.5])
def test_check_orderings(low: str, high: str, below: float) -> None:
    # move the upper bound down to the lower one (or 0.5 below it); every other pair stays
    # valid, so the error must name this pair
    bad = replace(DEFAULT, **{high: getattr(DEFAULT, low) - below})
    message = f"scoring.{low} must be below scoring.{high}"
    with pytest.raises(ValueError, match=re.escape(message)):
        bad.check()


def test_check_allows_just_ordered_bounds() -> None:
    replace(DEFAULT, protein_floor_g_per_kg=1.59, ea_low_kcal_per_kg_ffm=44.9,
            balance_zero_credit_kcal=-251.0, high_risk_below_score=69.9).check()


def test_check_needs_some_weight() -> None:
    zero = replace(DEFAULT, **{f"weight_{c}": 0.0 for c in COMPONENTS})
    with pytest.raises(ValueError, match="at least one component weight"):
        zero.check()
    replace(zero, weight_intensity=0.01).check()


@pytest.mark.parametrize(("value", "ok"), [(0.0, False), (0.01, True), (1.0, True),
                                           (1.01, False)])
def test_check_min_completeness_in_0_1(value: float, ok: bool) -> None:
    k = replace(DEFAULT, min_completeness=value)
    if ok:
        k.check()
    else:
        with pytest.raises(ValueError, match=re.escape("scoring.min_completeness")):
            k.check()


@pytest.mark.parametrize(("logged", "ok"), [(7, True), (8, False), (1, True), (0, False),
                                             (-1, False)])
def test_check_min_logged_days_within_the_week(logged: int, ok: bool) -> None:
    # the scored week is 7 days: 1..7 usable food-log days can be asked for
    k = replace(DEFAULT, min_logged_days=logged)
    if ok:
        k.check()
    else:
        with pytest.raises(ValueError, match=re.escape("scoring.min_logged_days")):
            k.check()


@pytest.mark.parametrize("ratio", [1.0, 1.2])
def test_check_rejects_a_carbohydrate_zero_credit_ratio_of_1_or_more(ratio: float) -> None:
    # at 1.0 the ramp would divide by zero, above 1.0 it would fall (eating more scores worse)
    with pytest.raises(ValueError, match=re.escape("scoring.carb_zero_credit_ratio")):
        ScoreConstants.from_overrides({"carb_zero_credit_ratio": ratio})


def test_check_allows_a_carbohydrate_zero_credit_ratio_below_1() -> None:
    assert ScoreConstants.from_overrides(
        {"carb_zero_credit_ratio": 0.99}).carb_zero_credit_ratio == 0.99
    assert ScoreConstants.from_overrides({"carb_zero_credit_ratio": 0}).carb_zero_credit_ratio \
        == 0.0


ABOVE_ZERO = ["protein_meals_target", "high_share_full_credit", "strength_sessions_target",
              "min_logged_days", "min_chronic_known_days", "max_reasons"]


@pytest.mark.parametrize("key", ABOVE_ZERO)
def test_check_rejects_a_zero_full_credit_point_or_count(key: str) -> None:
    # ramp(x, 0, 0) is 0/0 = NaN; a count of 0 (or a maximum of 0 reasons) means nothing
    with pytest.raises(ValueError, match=re.escape(f"scoring.{key} must be above 0")):
        ScoreConstants.from_overrides({key: 0})
    with pytest.raises(ValueError, match=re.escape(f"scoring.{key} must be above 0")):
        replace(DEFAULT, **{key: -1}).check()


@pytest.mark.parametrize("key", ["protein_amount_share", "near_run_session_credit",
                                 "min_completeness"])
@pytest.mark.parametrize("value", [1.01, 2.0, -0.01])
def test_check_rejects_a_share_outside_0_1(key: str, value: float) -> None:
    with pytest.raises(ValueError, match=re.escape(f"scoring.{key} must be between 0 and 1")):
        replace(DEFAULT, **{key: value}).check()


@pytest.mark.parametrize("key", ["protein_amount_share", "near_run_session_credit"])
@pytest.mark.parametrize("value", [0.0, 0.5, 1.0])
def test_check_allows_a_share_inside_0_1(key: str, value: float) -> None:
    ScoreConstants.from_overrides({key: value})


@pytest.mark.parametrize(("moderate", "high", "very_high"), [
    (90.0, 90.0, 240.0), (100.0, 90.0, 240.0), (45.0, 240.0, 240.0), (45.0, 250.0, 240.0),
    (300.0, 90.0, 240.0)])
def test_check_rejects_carbohydrate_minutes_out_of_order(moderate: float, high: float,
                                                         very_high: float) -> None:
    overrides = {"carb_moderate_from_min": moderate, "carb_high_from_min": high,
                 "carb_very_high_from_min": very_high}
    with pytest.raises(ValueError, match=re.escape("carb_moderate_from_min < carb_high_from_min"
                                                   " < carb_very_high_from_min")):
        ScoreConstants.from_overrides(overrides)


def test_check_allows_carbohydrate_minutes_in_order() -> None:
    ScoreConstants.from_overrides({"carb_moderate_from_min": 1, "carb_high_from_min": 2,
                                   "carb_very_high_from_min": 3})


@pytest.mark.parametrize(("chronic", "known", "ok"), [
    (28, 21, True),    # 28 - 7 = 21 days before the week: all of them may be asked for
    (28, 22, False),
    (21, 14, True),    # 21 - 7 = 14
    (20, 14, False),   # 20 - 7 = 13 < 14
    (42, 35, True), (42, 36, False)])
def test_check_min_chronic_known_days_within_the_baseline(chronic: int, known: int,
                                                          ok: bool) -> None:
    overrides = {"chronic_window_days": chronic, "min_chronic_known_days": known}
    if ok:
        k = ScoreConstants.from_overrides(overrides)
        assert (k.chronic_window_days, k.min_chronic_known_days) == (chronic, known)
    else:
        with pytest.raises(ValueError, match=re.escape(
                "scoring.min_chronic_known_days must not exceed chronic_window_days - 7")):
            ScoreConstants.from_overrides(overrides)


# --------------------------------------------------------------------------------------
# weights and components
# --------------------------------------------------------------------------------------

def test_the_seven_components_and_their_weights() -> None:
    assert COMPONENTS == ("protein", "energy", "carbohydrate", "running_load", "intensity",
                          "strength", "recovery")
    expected = {"protein": 0.25, "energy": 0.25, "carbohydrate": 0.10, "running_load": 0.12,
                "intensity": 0.05, "strength": 0.15, "recovery": 0.08}
    assert {c: DEFAULT.weight(c) for c in COMPONENTS} == expected
    assert sum(DEFAULT.weight(c) for c in COMPONENTS) == pytest.approx(1.0)


def test_weight_reads_overrides() -> None:
    k = ScoreConstants.from_overrides({"weight_strength": 0.3})
    assert k.weight("strength") == 0.3


def test_running_load_shares_sum_to_one() -> None:
    shares = (DEFAULT.run_volume_share, DEFAULT.run_ratio_share, DEFAULT.long_run_share,
              DEFAULT.acwr_share)
    assert sum(shares) == pytest.approx(1.0)


# --------------------------------------------------------------------------------------
# model_version
# --------------------------------------------------------------------------------------

def test_model_version_format() -> None:
    assert re.fullmatch(r"1\.[0-9a-f]{12}", model_version(DEFAULT))


def test_model_version_is_stable_for_equal_constants() -> None:
    v = model_version(DEFAULT)
    assert model_version(ScoreConstants()) == v
    assert model_version(ScoreConstants.from_overrides({})) == v
    assert model_version(ScoreConstants.from_overrides({"protein_target_g_per_kg": 1.6})) == v
    assert model_version(ScoreConstants.from_overrides({"min_logged_days": 4.0})) == v
    assert model_version(ScoreConstants.from_overrides({"max_gap_s": 3.0},
                                                       ignore=frozenset({"max_gap_s"}))) == v


def test_model_version_changes_when_a_constant_changes() -> None:
    v = model_version(DEFAULT)
    assert model_version(ScoreConstants.from_overrides({"protein_target_g_per_kg": 1.7})) != v
    # every constant takes part: a change to any one gives a version of its own
    versions = {v}
    for f in fields(ScoreConstants):
        versions.add(model_version(replace(DEFAULT, **{f.name: getattr(DEFAULT, f.name) + 1})))
    assert len(versions) == len(fields(ScoreConstants)) + 1


def test_model_version_is_the_same_for_an_int_and_an_equal_float() -> None:
    as_int = ScoreConstants(protein_target_g_per_kg=2)  # type: ignore[arg-type]
    as_float = ScoreConstants(protein_target_g_per_kg=2.0)
    assert as_int == as_float
    assert model_version(as_int) == model_version(as_float)
    assert model_version(as_int, FactConstants()) == model_version(as_float, FactConstants())
    # the same for the daily facts' constants (and an int field given as a float)
    facts_int = FactConstants(activity_factor=2)  # type: ignore[arg-type]
    facts_float = FactConstants(activity_factor=2.0, acute_load_days=7.0)  # type: ignore[arg-type]
    assert facts_int == facts_float
    assert model_version(DEFAULT, facts_int) == model_version(DEFAULT, facts_float)


def test_model_version_hashes_the_daily_fact_constants() -> None:
    v = model_version(DEFAULT, FactConstants())
    assert re.fullmatch(r"1\.[0-9a-f]{12}", v)
    assert model_version(ScoreConstants(), FactConstants()) == v
    assert model_version(DEFAULT, FactConstants(activity_factor=1.3)) != v
    assert model_version(DEFAULT, FactConstants(meal_protein_g_per_kg=0.3)) != v
    # the fact constants take part at all: with and without them the versions differ
    assert model_version(DEFAULT) != v


def test_model_version_changes_when_any_fact_constant_changes() -> None:
    base = FactConstants()
    versions = {model_version(DEFAULT, base)}
    for f in fields(FactConstants):
        versions.add(model_version(DEFAULT, replace(base, **{f.name: getattr(base, f.name) + 1})))
    assert len(versions) == len(fields(FactConstants)) + 1


def test_model_version_reads_the_scoring_and_daily_fact_modules() -> None:
    here = Path(score_model.__file__).parent
    assert {"score_model.py", "score_functions.py", "score_windows.py", "score_components.py",
            "score_reasons.py", "muscle_balance.py", "daily_facts.py"} <= set(MODEL_MODULES)
    for name in MODEL_MODULES:
        assert (here / name).is_file() or (here.parent / name).is_file(), name
