"""The `[scoring]` table (`schemas.scoring`): the constants of the score and of the daily
facts, checked when the config loads, each error naming its key path."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import transforms.body_weight
import transforms.daily_energy
import transforms.daily_nutrition
import transforms.daily_training
import transforms.physiology
import transforms.running_volume
from schemas.config import Config, ConfigError, config_from_dict, default_config_text, load_config
from schemas.scoring import (
    COMPONENTS,
    MEMORY_DAYS,
    WINDOW_DAYS,
    FactConstants,
    ScoreConstants,
    Scoring,
)

DEFAULT = ScoreConstants()


def load(tmp_path: Path, scoring: str) -> Config:
    """`load_config` of a real file: the `init` template (one athlete, every optional key
    commented out) with a [scoring] table of these TOML lines."""
    path = tmp_path / "musclebalance.toml"
    path.write_text(f"{default_config_text()}\n[scoring]\n{scoring}", encoding="utf-8")
    return load_config(path)


def _data(table: dict[str, object]) -> dict[str, object]:
    """A valid config as a dict with `table` as its [scoring] table."""
    return {"warehouse": {"path": "w.duckdb"},
            "athletes": [{"id": "me", "timezone": "UTC", "sex": "male", "birth_year": 1990,
                          "height_cm": 180, "fit_paths": []}],
            "scoring": table}


def problems(table: dict[str, object]) -> list[str]:
    """The error lines of a config whose [scoring] table is `table`, without the source."""
    with pytest.raises(ConfigError) as caught:
        config_from_dict(_data(table), base_dir=Path("/cfg"), source="mb.toml")
    assert all(line.startswith("mb.toml: ") for line in caught.value.problems)
    return [line.removeprefix("mb.toml: ") for line in caught.value.problems]


def valid(table: dict[str, object]) -> Scoring:
    """The [scoring] table of a config that loads."""
    return config_from_dict(_data(table), base_dir=Path("/cfg")).scoring


# --------------------------------------------------------------------------------------
# at load_config, from a real TOML file
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "expected"), [
    ("protein_target_g_per_kg = -1.0", "scoring.protein_target_g_per_kg: must be at least 0 "
                                       "(got -1.0)"),
    ("activity_factor = 0", "scoring.activity_factor: must be above 0 (got 0)"),
    ("protein_target_g_per_kg = nan", "scoring.protein_target_g_per_kg: must be a finite "
                                      "number (got nan)"),
    ("max_gap_s = inf", "scoring.max_gap_s: must be a finite number (got inf)"),
    ("max_reasons = true", "scoring.max_reasons: expected a number (got True)"),
    ("weight_intensity = false", "scoring.weight_intensity: expected a number (got False)"),
    ('protein_target_g_per_kg = "high"', "scoring.protein_target_g_per_kg: expected a number "
                                         "(got 'high')"),
    ("max_reasons = 2.5", "scoring.max_reasons: expected a whole number (got 2.5)"),
    ("acute_load_days = 6.5", "scoring.acute_load_days: expected a whole number (got 6.5)"),
    ("protein_targt_g_per_kg = 1.8", "scoring.protein_targt_g_per_kg: unknown constant, did "
                                     "you mean 'protein_target_g_per_kg'? (got 1.8)"),
    ("window_days = 7", "scoring.window_days: unknown constant"),
    ("hard_zone45_min = 12", "scoring.hard_zone45_min: unknown constant, renamed to "
                             "hard_high_intensity_min (minutes at or above the zone model's "
                             "second threshold, no longer zones 4-5) (got 12)"),
    ("zzz = 1", "scoring.zzz: unknown constant (see docs/scoring.md) (got 1)"),
])
def test_a_bad_value_fails_at_load_config_naming_the_key(tmp_path: Path, line: str,
                                                          expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, line + "\n")
    (problem,) = caught.value.problems
    assert problem.startswith(f"{tmp_path / 'musclebalance.toml'}: {expected}")


def test_every_bad_key_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, "max_reasons = 2.5\nmin_logged_kcal = -1\nprotein_target = 1\n")
    assert [p.split(": ")[1] for p in caught.value.problems] == [
        "scoring.min_logged_kcal", "scoring.max_reasons", "scoring.protein_target"]


def test_good_overrides_load_with_their_types(tmp_path: Path) -> None:
    scoring = load(tmp_path, "protein_target_g_per_kg = 2\nmin_logged_days = 5.0\n"
                             "balance_zero_credit_kcal = -1200\nactivity_factor = 1.3\n"
                             "acute_load_days = 10\n").scoring
    assert scoring.protein_target_g_per_kg == 2.0
    assert type(scoring.protein_target_g_per_kg) is float
    assert scoring.min_logged_days == 5 and type(scoring.min_logged_days) is int
    assert scoring.balance_zero_credit_kcal == -1200.0
    assert (scoring.activity_factor, scoring.acute_load_days) == (1.3, 10)
    # the rest stay default, and the table is both kinds of constants
    assert scoring.weight_protein == 0.25 and scoring.max_gap_s == 10.0
    assert isinstance(scoring, ScoreConstants) and isinstance(scoring, FactConstants)


def test_no_table_gives_the_defaults(tmp_path: Path) -> None:
    assert load(tmp_path, "").scoring == Scoring()


def test_the_config_is_frozen(tmp_path: Path) -> None:
    scoring = load(tmp_path, "").scoring
    with pytest.raises(ValueError, match="frozen"):
        scoring.max_reasons = 5  # type: ignore[misc]


# --------------------------------------------------------------------------------------
# value types and bounds
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "value"), [
    ("min_logged_days", 4.5), ("max_reasons", 2.9), ("chronic_window_days", 28.000001),
    ("min_chronic_known_days", 13.5), ("body_fat_carry_days", 27.5)])
def test_a_fraction_for_a_whole_number_key_is_an_error(key: str, value: float) -> None:
    assert problems({key: value}) == [f"scoring.{key}: expected a whole number (got {value})"]


def test_whole_number_keys_take_a_whole_float() -> None:
    k = valid({"min_logged_days": 5.0, "max_reasons": 2, "chronic_window_days": 42,
               "min_chronic_known_days": 20.0, "fitness_load_days": 60.0})
    assert (k.min_logged_days, k.max_reasons, k.chronic_window_days,
            k.min_chronic_known_days, k.fitness_load_days) == (5, 2, 42, 20, 60)
    for name in ("min_logged_days", "max_reasons", "chronic_window_days",
                 "min_chronic_known_days", "fitness_load_days"):
        assert type(getattr(k, name)) is int, name


@pytest.mark.parametrize("key", ["protein_target_g_per_kg", "min_logged_days",
                                 "balance_zero_credit_kcal", "max_gap_s"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_errors_naming_the_key(key: str, value: float) -> None:
    assert problems({key: value}) == [f"scoring.{key}: must be a finite number (got {value})"]


@pytest.mark.parametrize("value", [True, False, "1.8", None, [1.8], {"a": 1}])
def test_a_non_number_is_an_error_naming_the_key(value: object) -> None:
    assert problems({"protein_target_g_per_kg": value}) == [
        f"scoring.protein_target_g_per_kg: expected a number (got {value!r})"]


@pytest.mark.parametrize("value", [-0.1, -5])
def test_a_negative_scoring_constant_is_an_error(value: float) -> None:
    assert problems({"weight_strength": value}) == [
        f"scoring.weight_strength: must be at least 0 (got {value})"]


@pytest.mark.parametrize("key", sorted(FactConstants.model_fields))
def test_every_daily_fact_constant_must_be_above_0(key: str) -> None:
    assert problems({key: 0}) == [f"scoring.{key}: must be above 0 (got 0)"]


@pytest.mark.parametrize("value", [1, 0, "true", "false", 1.0, None])
def test_intensity_reasons_is_true_or_false_only(value: object) -> None:
    assert problems({"intensity_reasons": value}) == [
        f"scoring.intensity_reasons: expected true or false (got {value!r})"]


def test_intensity_reasons_is_off_by_default_and_set_from_the_file(tmp_path: Path) -> None:
    assert DEFAULT.intensity_reasons is False
    assert load(tmp_path, "intensity_reasons = true").scoring.intensity_reasons is True
    assert load(tmp_path, "intensity_reasons = false").scoring == Scoring()


def test_the_balance_bounds_may_be_negative() -> None:
    k = valid({"balance_zero_credit_kcal": -1200, "balance_full_credit_kcal": -200.0})
    assert (k.balance_zero_credit_kcal, k.balance_full_credit_kcal) == (-1200.0, -200.0)
    assert problems({"balance_full_credit_kcal": "-250"}) == [
        "scoring.balance_full_credit_kcal: expected a number (got '-250')"]


def test_the_scored_week_is_a_module_constant_not_a_key() -> None:
    assert WINDOW_DAYS == 7
    assert "window_days" not in Scoring.model_fields


def test_the_default_chronic_constants() -> None:
    # the baseline is the 28 - 7 = 21 days before the scored week; 14 of them must be known
    assert (DEFAULT.chronic_window_days, DEFAULT.min_chronic_known_days) == (28, 14)


def test_the_daily_fact_defaults_are_the_transforms_constants() -> None:
    # each default is also a module constant of transforms/, where its source is given
    assert FactConstants() == FactConstants(
        max_gap_s=transforms.running_volume.MAX_GAP_S,
        trimp_female_a=transforms.physiology.TRIMP_FEMALE_A,
        acute_load_days=transforms.physiology.ACUTE_LOAD_DAYS,
        chronic_load_days=transforms.physiology.CHRONIC_LOAD_DAYS,
        fitness_load_days=transforms.physiology.FITNESS_LOAD_DAYS,
        meal_protein_g_per_kg=transforms.daily_nutrition.MEAL_PROTEIN_G_PER_KG,
        min_logged_kcal=transforms.daily_nutrition.MIN_LOGGED_KCAL,
        activity_factor=transforms.daily_energy.NON_EXERCISE_ACTIVITY_FACTOR,
        body_fat_carry_days=transforms.body_weight.BODY_FAT_CARRY_DAYS,
        strength_near_run_h=transforms.daily_training.STRENGTH_NEAR_RUN_H,
        full_session_sets=transforms.daily_training.FULL_SESSION_SETS)
    assert FactConstants().model_dump() == {
        "max_gap_s": 10.0, "trimp_female_a": 0.86, "acute_load_days": 7,
        "chronic_load_days": 28, "fitness_load_days": 42, "meal_protein_g_per_kg": 0.4,
        "min_logged_kcal": 800.0, "activity_factor": 1.2, "body_fat_carry_days": 28,
        "strength_near_run_h": 6.0, "full_session_sets": 6.0}


# --------------------------------------------------------------------------------------
# orderings between keys
# --------------------------------------------------------------------------------------

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
         ("balance_zero_credit_kcal", "balance_full_credit_kcal"),
         ("carb_moderate_from_min", "carb_high_from_min"),
         ("carb_high_from_min", "carb_very_high_from_min"),
         ("protein_deficit_from_kcal", "protein_deficit_full_kcal"),
         ("protein_loss_from_pct_per_week", "protein_loss_full_pct_per_week")]


@pytest.mark.parametrize(("low", "high"), PAIRS)
@pytest.mark.parametrize("below", [0.0, 0.5])
def test_each_pair_stays_ordered(low: str, high: str, below: float) -> None:
    # move the upper bound down to the lower one (or 0.5 below it); every other pair stays
    # valid, so the error must name this pair
    value = getattr(DEFAULT, low) - below
    assert problems({high: value}) == [
        f"scoring.{high}: must be above scoring.{low} ({getattr(DEFAULT, low)!r}) "
        f"(got {value})"]


def test_just_ordered_bounds_are_accepted() -> None:
    valid({"protein_floor_g_per_kg": 1.59, "ea_low_kcal_per_kg_ffm": 44.9,
           "balance_zero_credit_kcal": -251.0, "high_risk_below_score": 69.9})


def test_raising_the_lower_key_names_the_pair() -> None:
    assert problems({"protein_floor_g_per_kg": 2.0}) == [
        "scoring.protein_target_g_per_kg: must be above scoring.protein_floor_g_per_kg (2.0) "
        "(got 1.6)"]


@pytest.mark.parametrize(("span", "expected"), [
    (27, None), (14, None), (28, "must be below scoring.weight_trend_window_days (28)")])
def test_the_weight_trend_span_fits_in_its_window(span: int, expected: str | None) -> None:
    if expected is None:
        assert valid({"weight_trend_min_span_days": span}).weight_trend_min_span_days == span
    else:
        assert problems({"weight_trend_min_span_days": span}) == [
            f"scoring.weight_trend_min_span_days: {expected} (got {span})"]


def test_the_weight_trend_needs_two_weigh_ins_and_the_carb_line_a_first_edge() -> None:
    # a slope needs two points; the need's first segment runs from 0 min to this edge
    assert problems({"weight_trend_min_weighins": 1}) == [
        "scoring.weight_trend_min_weighins: must be at least 2 (got 1)"]
    assert problems({"carb_moderate_from_min": 0}) == [
        "scoring.carb_moderate_from_min: must be above 0 (got 0)"]


def test_some_weight_is_needed() -> None:
    zero = {f"weight_{c}": 0 for c in COMPONENTS}
    assert problems(zero) == [
        "scoring.weight_recovery: the seven weight_* keys must not all be 0 (got 0)"]
    assert valid({**zero, "weight_intensity": 0.01}).weight("intensity") == 0.01


@pytest.mark.parametrize(("value", "expected"), [
    (0.0, "must be above 0"), (0.01, None), (1.0, None), (1.01, "must be at most 1")])
def test_min_completeness_in_0_1(value: float, expected: str | None) -> None:
    if expected is None:
        assert valid({"min_completeness": value}).min_completeness == value
    else:
        assert problems({"min_completeness": value}) == [
            f"scoring.min_completeness: {expected} (got {value})"]


@pytest.mark.parametrize(("logged", "expected"), [
    (7, None), (1, None), (8, "must be at most 7"), (0, "must be above 0"),
    (-1, "must be above 0")])
def test_min_logged_days_within_the_week(logged: int, expected: str | None) -> None:
    # the scored week is 7 days: 1..7 usable food-log days can be asked for
    if expected is None:
        assert valid({"min_logged_days": logged}).min_logged_days == logged
    else:
        assert problems({"min_logged_days": logged}) == [
            f"scoring.min_logged_days: {expected} (got {logged})"]


@pytest.mark.parametrize("ratio", [1.0, 1.2])
def test_a_carbohydrate_zero_credit_ratio_of_1_or_more_is_refused(ratio: float) -> None:
    # at 1.0 the ramp would divide by zero, above 1.0 it would fall (eating more scores worse)
    assert problems({"carb_zero_credit_ratio": ratio}) == [
        f"scoring.carb_zero_credit_ratio: must be below 1 (got {ratio})"]


def test_a_carbohydrate_zero_credit_ratio_below_1_is_accepted() -> None:
    assert valid({"carb_zero_credit_ratio": 0.99}).carb_zero_credit_ratio == 0.99
    assert valid({"carb_zero_credit_ratio": 0}).carb_zero_credit_ratio == 0.0


@pytest.mark.parametrize("key", ["protein_meals_target", "high_share_full_credit",
                                 "strength_sessions_target", "min_logged_days",
                                 "min_chronic_known_days", "max_reasons"])
def test_a_zero_full_credit_point_or_count_is_refused(key: str) -> None:
    # ramp(x, 0, 0) is 0/0 = NaN; a count of 0 (or a maximum of 0 reasons) means nothing
    assert problems({key: 0}) == [f"scoring.{key}: must be above 0 (got 0)"]


@pytest.mark.parametrize("key", ["protein_amount_share", "near_run_session_credit"])
@pytest.mark.parametrize(("value", "expected"), [
    (1.01, "must be at most 1"), (2.0, "must be at most 1"), (-0.01, "must be at least 0"),
    (0.0, None), (0.5, None), (1.0, None)])
def test_a_share_is_between_0_and_1(key: str, value: float, expected: str | None) -> None:
    if expected is None:
        assert getattr(valid({key: value}), key) == value
    else:
        assert problems({key: value}) == [f"scoring.{key}: {expected} (got {value})"]


def test_the_carbohydrate_bands_rise() -> None:
    assert problems({"carb_high_g_per_kg": 4.0}) == [
        "scoring.carb_high_g_per_kg: must be at least scoring.carb_moderate_g_per_kg (5.0) "
        "(got 4.0)"]
    assert problems({"carb_light_g_per_kg": 0}) == [
        "scoring.carb_light_g_per_kg: must be above 0 (got 0)"]
    k = valid({"carb_moderate_g_per_kg": 3.0, "carb_high_g_per_kg": 3.0,
               "carb_very_high_g_per_kg": 3.0})  # equal bands are allowed
    assert k.carb_very_high_g_per_kg == 3.0


def test_low_risk_min_score_at_most_100() -> None:
    assert problems({"low_risk_min_score": 101}) == [
        "scoring.low_risk_min_score: must be at most 100 (got 101)"]


def test_carbohydrate_minutes_in_order_are_accepted() -> None:
    valid({"carb_moderate_from_min": 1, "carb_high_from_min": 2, "carb_very_high_from_min": 3})


@pytest.mark.parametrize(("chronic", "known", "ok"), [
    (28, 21, True),    # 28 - 7 = 21 days before the week: all of them may be asked for
    (28, 22, False),
    (21, 14, True),    # 21 - 7 = 14
    (20, 14, False),   # 20 - 7 = 13 < 14
    (42, 35, True), (42, 36, False)])
def test_min_chronic_known_days_within_the_baseline(chronic: int, known: int,
                                                    ok: bool) -> None:
    table = {"chronic_window_days": chronic, "min_chronic_known_days": known}
    if ok:
        k = valid(table)
        assert (k.chronic_window_days, k.min_chronic_known_days) == (chronic, known)
    else:
        assert problems(table) == [
            f"scoring.min_chronic_known_days: must not exceed scoring.chronic_window_days "
            f"- 7 ({chronic - 7}) (got {known})"]


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
    assert valid({"weight_strength": 0.3}).weight("strength") == 0.3


def test_running_load_shares_sum_to_one() -> None:
    shares = (DEFAULT.run_volume_share, DEFAULT.run_ratio_share, DEFAULT.long_run_share,
              DEFAULT.acwr_share)
    assert sum(shares) == pytest.approx(1.0)


def test_the_memory_constants_and_their_bounds() -> None:
    # 14 scored days of the 28 (a model choice), +-5 points for "same"
    assert (DEFAULT.min_memory_scored_days, DEFAULT.trend_same_within_points) == (14, 5.0)
    assert MEMORY_DAYS == 28
    assert valid({"min_memory_scored_days": 28}).min_memory_scored_days == 28
    assert problems({"min_memory_scored_days": 29}) == [
        "scoring.min_memory_scored_days: must be at most 28 (got 29)"]
    assert problems({"min_memory_scored_days": 0}) == [
        "scoring.min_memory_scored_days: must be above 0 (got 0)"]
    assert problems({"trend_same_within_points": -1}) == [
        "scoring.trend_same_within_points: must be at least 0 (got -1)"]
