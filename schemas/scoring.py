"""The `[scoring]` table of the config: the constants of the daily facts and of the
muscle-balance score, with their bounds.

Every constant can be set in `[scoring]` under its field name
(`protein_target_g_per_kg = 1.8`); `docs/scoring.md` explains each with its source. The
models are frozen and refuse unknown keys; a value is a finite number (not text, not
true/false, not NaN or inf) - except the one switch, `intensity_reasons`, which is true or
false only -, a whole number where the field is an `int` (`28.0` is taken
as 28, `27.5` is refused), within the field's bounds, and in order with the constants it
is paired with. A bad value fails when the config loads, with its key path
(`scoring.max_reasons: expected a whole number (got 2.5)`).
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

__all__ = ["COMPONENTS", "MEMORY_DAYS", "WINDOW_DAYS", "FactConstants", "ScoreConstants",
           "Scoring"]

#: Every window of the score is one training week (the unit of the advice it gives).
WINDOW_DAYS = 7
#: The score's memory: the 28-day score is the mean of the daily scores over the day and
#: the 27 before it, its trend compares it with the 28 days before those (four training
#: weeks, as the chronic window of Williams et al. 2017; the length is in the column names).
MEMORY_DAYS = 28

COMPONENTS = ("protein", "energy", "carbohydrate", "running_load", "intensity", "strength",
              "recovery")


def _finite_number(value: object) -> object:
    """Numbers only: text, true/false, NaN and infinity are refused before any conversion."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("not_a_number", "expected a number")
    if not math.isfinite(value):
        raise PydanticCustomError("not_finite", "must be a finite number")
    return value


_Number = BeforeValidator(_finite_number)
#: Any finite number (the energy-balance bounds are negative).
Signed = Annotated[float, _Number]
NonNegative = Annotated[float, _Number, Field(ge=0)]
Positive = Annotated[float, _Number, Field(gt=0)]
Share = Annotated[float, _Number, Field(ge=0, le=1)]
WholeNonNegative = Annotated[int, _Number, Field(ge=0)]
WholePositive = Annotated[int, _Number, Field(gt=0)]
#: true or false, nothing else (not 1, not "yes").
Switch = Annotated[bool, Field(strict=True)]


class _Constants(BaseModel):
    """Frozen, unknown keys refused, defaults checked too (a set key is checked against the
    defaults of the keys it is paired with)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
    #: Read by the config's error report for a key no field has.
    key_noun: ClassVar[str] = "constant"
    keys_documented_in: ClassVar[str] = "docs/scoring.md"
    #: Keys that were renamed because their meaning changed: the old name is refused and
    #: the message names the new one.
    renamed_keys: ClassVar[dict[str, str]] = {
        "hard_zone45_min": "hard_high_intensity_min (minutes at or above the zone model's "
                           "second threshold, no longer zones 4-5)"}


class FactConstants(_Constants):
    """The constants of the daily facts a `[scoring]` table may set. The defaults are the
    module constants of `transforms/` named beside each, where their sources are given
    (tests/schemas/test_scoring.py checks that they agree)."""

    max_gap_s: Positive = 10.0               # running_volume.MAX_GAP_S, s between samples
    trimp_female_a: Positive = 0.86          # physiology.TRIMP_FEMALE_A
    acute_load_days: WholePositive = 7       # physiology.ACUTE_LOAD_DAYS
    chronic_load_days: WholePositive = 28    # physiology.CHRONIC_LOAD_DAYS
    fitness_load_days: WholePositive = 42    # physiology.FITNESS_LOAD_DAYS
    meal_protein_g_per_kg: Positive = 0.4    # daily_nutrition.MEAL_PROTEIN_G_PER_KG
    min_logged_kcal: Positive = 800.0        # daily_nutrition.MIN_LOGGED_KCAL
    activity_factor: Positive = 1.2          # daily_energy.NON_EXERCISE_ACTIVITY_FACTOR
    body_fat_carry_days: WholePositive = 28  # body_weight.BODY_FAT_CARRY_DAYS
    strength_near_run_h: Positive = 6.0      # daily_training.STRENGTH_NEAR_RUN_H
    full_session_sets: Positive = 6.0        # daily_training.FULL_SESSION_SETS, hard sets


#: Pairs that must stay ordered: each key must be above (strictly) the keys listed for it,
#: which are declared before it.
_ABOVE = {
    "protein_target_g_per_kg": ("protein_floor_g_per_kg",),
    "protein_target_deficit_g_per_kg": ("protein_floor_g_per_kg",),
    "ea_adequate_kcal_per_kg_ffm": ("ea_low_kcal_per_kg_ffm",),
    "balance_full_credit_kcal": ("balance_zero_credit_kcal",),
    "protein_deficit_full_kcal": ("protein_deficit_from_kcal",),
    "protein_loss_full_pct_per_week": ("protein_loss_from_pct_per_week",),
    "carb_high_from_min": ("carb_moderate_from_min",),
    "carb_very_high_from_min": ("carb_high_from_min",),
    "run_zero_credit_h_per_week": ("run_full_credit_h_per_week",),
    "run_ratio_zero_credit": ("run_ratio_full_credit",),
    "long_run_zero_credit_min": ("long_run_full_credit_min",),
    "acwr_zero_credit": ("acwr_full_credit",),
    "easy_days_full_credit": ("easy_days_zero_credit",),
    "hard_streak_zero_credit": ("hard_streak_full_credit",),
    "low_risk_min_score": ("high_risk_below_score",),
}
#: The carbohydrate bands rise (equal bands allowed).
_AT_LEAST = {
    "carb_moderate_g_per_kg": "carb_light_g_per_kg",
    "carb_high_g_per_kg": "carb_moderate_g_per_kg",
    "carb_very_high_g_per_kg": "carb_high_g_per_kg",
}


class ScoreConstants(_Constants):
    """Constants of the scoring model (units in the names; sources beside each)."""

    # -- windows (the scored week is WINDOW_DAYS = 7 days) ------------------------------
    chronic_window_days: WholeNonNegative = 28  # the week + the 21 days of the running baseline
    min_logged_days: Annotated[WholePositive, Field(le=WINDOW_DAYS)] = 4  # usable food-log
    #                                                              days in the 7-day window
    min_chronic_known_days: WholePositive = 14  # known days of the 21 before the week

    # -- protein: Morton et al. 2018 (plateau 1.62 g/kg/day); Jäger et al. 2017 (ISSN:
    # 1.4-2.0, 2.3-3.1 in a deficit); Schoenfeld & Aragon 2018 (0.4 g/kg over >= 4 meals)
    protein_floor_g_per_kg: NonNegative = 0.8   # RDA for adults (IOM 2005): no credit at or below
    protein_target_g_per_kg: NonNegative = 1.6  # Morton 2018 plateau, rounded
    protein_target_deficit_g_per_kg: NonNegative = 2.3  # Jäger 2017, lower bound in a deficit
    protein_meals_target: Positive = 4.0        # Schoenfeld & Aragon 2018
    protein_amount_share: Share = 0.75          # amount vs spread over meals within the component
    # The target rises linearly from protein_target_g_per_kg to
    # protein_target_deficit_g_per_kg as the 7-day mean deficit grows from 250 to 750
    # kcal/day, or as the weight trend falls from 0.5 to 1.0 %/week (the larger of the two):
    # Helms et al. 2014, JISSN 11:20 (protein needs rise with the size of the deficit;
    # losses of 0.5-1 %/week); Jäger et al. 2017 (2.3-3.1 g/kg in a deficit); Garthe et al.
    # 2011, IJSNEM 21:97 (~0.7 %/week kept lean mass, ~1.4 %/week did not). 750 kcal/day is
    # about 1 %/week for a 60-70 kg runner (x 7 / 7700 kcal/kg).
    protein_deficit_from_kcal: NonNegative = 250.0   # deficit where the raise begins
    protein_deficit_full_kcal: NonNegative = 750.0   # deficit with the full deficit target
    protein_loss_from_pct_per_week: NonNegative = 0.5  # weight loss where the raise begins
    protein_loss_full_pct_per_week: NonNegative = 1.0  # weight loss with the full target

    # -- energy: Loucks & Thuma 2003, Burke 2018, IOC REDs 2023 (EA bands); Garthe et al.
    # 2011 (IJSNEM 21:97: losing ~0.7 %/week kept lean mass, ~1.4 %/week did not)
    ea_low_kcal_per_kg_ffm: NonNegative = 30.0       # no credit at or below (low EA)
    ea_adequate_kcal_per_kg_ffm: NonNegative = 45.0  # full credit at or above (adequate EA)
    balance_zero_credit_kcal: Signed = -1000.0  # ~1.4 %/week for a 60-70 kg runner (Garthe)
    balance_full_credit_kcal: Signed = -250.0   # within logging noise of balance
    # a usable day eaten below resting energy costs the energy component up to 10 points,
    # a whole day's worth at 60 % of resting energy or less (within-day and day-level
    # deficiency: Fahrenholtz 2018; IOC REDs 2023; the numbers are model choices)
    below_resting_day_points: NonNegative = 10.0
    below_resting_full_share: Annotated[Share, Field(lt=1)] = 0.6
    deficit_day_kcal: NonNegative = 500.0       # a "deficit day" in the reasons

    # -- weight trend: least-squares slope of the measured weigh-ins of the last 28 days
    # (a model choice, no study: enough weigh-ins over enough days that day-to-day water
    # swings of 1-2 kg average out); the balance it implies at 7700 kcal per kg of weight
    # change (Wishnofsky 1958, 3500 kcal/lb; Hall 2008, Int J Obes 32:573: an average, not
    # a constant - early losses are partly water and glycogen)
    weight_trend_window_days: WholePositive = 28
    weight_trend_min_weighins: Annotated[WholeNonNegative, Field(ge=2)] = 4
    weight_trend_min_span_days: WholePositive = 14
    weight_change_kcal_per_kg: Positive = 7700.0
    # trend-implied balance and food-log balance further apart than this: a reason names it
    # (a model choice, about twice the typical error of a food log and an expenditure
    # estimate together)
    trend_disagreement_kcal: Positive = 500.0

    # -- carbohydrate: Thomas et al. 2016 (ACSM/AND/DC), g/kg/day by the day's training
    carb_light_g_per_kg: Positive = 3.0         # light: 3-5
    carb_moderate_g_per_kg: Positive = 5.0      # moderate, about 1 h/day: 5-7
    carb_high_g_per_kg: Positive = 6.0          # high, 1-3 h/day: 6-10
    carb_very_high_g_per_kg: Positive = 8.0     # very high, > 4-5 h/day: 8-12
    # the need is a line through (0 min, light), (45 min, moderate), (90 min, high),
    # (240 min, very high), flat beyond: no step at a band's edge (model choice)
    carb_moderate_from_min: Positive = 45.0  # training minutes where a day is moderate
    carb_high_from_min: NonNegative = 90.0
    carb_very_high_from_min: NonNegative = 240.0
    # eaten / band's lower bound: no credit at 0.5; below 1 (full credit is eating the bound)
    carb_zero_credit_ratio: Annotated[NonNegative, Field(lt=1)] = 0.5

    # -- running load: Wilson et al. 2012 (running frequency and duration cost hypertrophy),
    # Nielsen et al. 2014 (> 30 % weekly progressions), Gabbett 2016 and Impellizzeri 2020
    # (acute:chronic ratio, descriptive only)
    run_full_credit_h_per_week: NonNegative = 4.0  # model choice, see docs/scoring.md
    run_zero_credit_h_per_week: NonNegative = 10.0
    run_ratio_full_credit: NonNegative = 1.1    # this week / own weekly average, 21 days before
    run_ratio_zero_credit: NonNegative = 1.5
    min_baseline_h_per_week: NonNegative = 1.0  # below: a return from a break, not a spike
    long_run_full_credit_min: NonNegative = 90.0  # glycogen-depleting runs raise protein use
    long_run_zero_credit_min: NonNegative = 180.0
    acwr_full_credit: NonNegative = 1.3
    acwr_zero_credit: NonNegative = 2.0
    run_volume_share: NonNegative = 0.35
    run_ratio_share: NonNegative = 0.30
    long_run_share: NonNegative = 0.20
    acwr_share: NonNegative = 0.15

    # -- intensity: the article's "intervals, not long steady running" as the share of
    # running time at or above the second threshold (Seiler's high zone, from the zone
    # model's own cut-off: 88 % max HR, 83 % HRR or 100 % LTHR; transforms.physiology).
    # Seiler & Tønnessen 2009:
    # about 20 % of *sessions* are hard, but by heart-rate time the share is far lower
    # (Seiler & Kjerland 2006), so full credit from 10 % of HR-covered time - a model
    # choice. Not supported for lean mass (Steele et al. 2021): low weight.
    high_share_full_credit: Positive = 0.10     # share of HR-covered running above LT2
    min_hr_covered_min: NonNegative = 30.0      # HR-covered running minutes in the window
    # Whether intensity may be the main factor and a reason. It still counts in the score;
    # off by default, as the evidence does not support intervals as a muscle-sparing lever
    # (Steele et al. 2021), so "x % of running in zones 4-5" would lead the reasons of
    # well-fed runners for whom it is the only component below 80.
    intensity_reasons: Switch = False

    # -- strength: Wilson 2012; Schumann 2022; Murach & Bagley 2016 (separate by 6-24 h)
    strength_sessions_target: Positive = 2.0
    near_run_session_credit: Share = 0.5        # a session within 6 h of a run counts half

    # -- recovery: Seiler 2010 (about two hard sessions a week in elite endurance training)
    # minutes at or above the zone model's second threshold that make a day hard (a model
    # choice: about one interval session's work; the cut-off, not a zone number, decides)
    hard_high_intensity_min: NonNegative = 10.0
    hard_long_run_min: NonNegative = 90.0       # a run this long makes the day hard
    easy_days_zero_credit: NonNegative = 2.0    # easy or rest days in 7: no credit at 2
    easy_days_full_credit: NonNegative = 5.0    # full credit at 5 (at most 2 hard days)
    hard_streak_full_credit: NonNegative = 1.0  # consecutive hard days
    hard_streak_zero_credit: NonNegative = 3.0
    # -- recovery signals, where a watch or phone measures them (they replace the hard-day
    # count; docs/scoring.md, "Recovery"):
    # sleep: adults need 7 h or more (Watson et al. 2015, AASM/SRS consensus); one night
    # without sleep lowers muscle protein synthesis by 18 % (Lamon et al. 2021); athletes
    # under 8 h are injured 1.7x as often (Milewski et al. 2014). Full credit from 7 h of
    # measured sleep a night over the week, none at 6 h (the line between: a model choice)
    sleep_full_credit_h: Positive = 7.0
    sleep_zero_credit_h: Positive = 6.0
    min_sleep_nights: Annotated[WholePositive, Field(le=WINDOW_DAYS)] = 4  # measured nights
    # resting HR: the 7-day mean over the 28-day baseline, bpm; day-to-day noise is a few
    # bpm and a sustained rise of ~5 bpm or more accompanies overreaching or illness
    # (Buchheit 2014, Front Physiol 5:73). Full credit up to +2, none from +7 (model choice)
    resting_hr_full_credit_bpm: Signed = 2.0
    resting_hr_zero_credit_bpm: Signed = 7.0
    # HRV: the 7-day mean against the baseline, in smallest worthwhile changes (0.5 SD of
    # the baseline): a 7-day mean below baseline - 1 SWC marks a negative trend (Plews et
    # al. 2013, Sports Med 43:773). Full credit down to -1 SWC, none at -3 (model choice)
    hrv_full_credit_swc: Signed = -1.0
    hrv_zero_credit_swc: Signed = -3.0
    # -- fat-free mass from scale readings: a fall beyond what a home impedance scale
    # varies is the most direct sign of muscle loss. Consumer bioimpedance scales read
    # fat-free mass within about +-1-2 kg of a reference and shift with hydration by about
    # 1 kg (Kyle et al. 2004, Clin Nutr 23:1226; Bosy-Westphal et al. 2008; Siedler et
    # al. 2023): a fall of 1.5 kg or more of the 28-day trend line, over readings spanning
    # 3 weeks or more, counts (a model choice within that band)
    ffm_noise_kg: Positive = 1.5
    min_ffm_weigh_ins: WholePositive = 6
    min_ffm_span_days: WholePositive = 21
    # points the energy component loses while fat-free mass falls (a model choice: the
    # scale says what the food log may not)
    ffm_fall_energy_points: NonNegative = 20.0

    # -- memory: the 28-day score and its trend (model choices, no study)
    # scored days the 28-day mean needs (half the window: two weeks of scores)
    min_memory_scored_days: Annotated[WholePositive, Field(le=MEMORY_DAYS)] = 14
    # a 28-day score within +-5 points of the 28 days before is "same"; beyond, "better" or
    # "worse" (a quarter of the 20-point moderate band)
    trend_same_within_points: NonNegative = 5.0

    # -- the verdict
    weight_protein: NonNegative = 0.25
    weight_energy: NonNegative = 0.25
    weight_carbohydrate: NonNegative = 0.10
    weight_running_load: NonNegative = 0.12
    weight_intensity: NonNegative = 0.05        # modest: Steele et al. 2021
    weight_strength: NonNegative = 0.15
    weight_recovery: NonNegative = 0.08
    # points taken off per (100 - energy) x (100 - protein) / 100: a deficit costs lean mass
    # mostly when protein is low, and low protein mostly in a deficit (Mettler 2010: the
    # same 40 % deficit lost 1.6 kg lean mass on 1.0 g/kg, 0.3 kg on 2.3 g/kg; Helms 2014;
    # Longland 2016), so the pair costs more than its two weights; 0.25 is a model choice
    energy_protein_interaction: NonNegative = 0.25
    # share of the weights that must be usable: food alone (0.6) or training alone is not
    # enough
    min_completeness: Annotated[Share, Field(gt=0)] = 0.7
    high_risk_below_score: NonNegative = 50.0
    low_risk_min_score: Annotated[NonNegative, Field(le=100)] = 70.0
    reason_below_score: NonNegative = 80.0      # components at or above are not reasons
    max_reasons: WholePositive = 3

    def weight(self, component: str) -> float:
        """The configured weight of one component."""
        return float(getattr(self, f"weight_{component}"))

    @field_validator(*_ABOVE)
    @classmethod
    def _above(cls, value: float, info: ValidationInfo) -> float:
        """Each ordered pair stays ordered (a key that failed its own check is skipped:
        it is reported already)."""
        for low in _ABOVE[info.field_name]:  # type: ignore[index]
            if low in info.data and not info.data[low] < value:
                raise PydanticCustomError(
                    "not_above", f"must be above scoring.{low} ({info.data[low]!r})")
        return value

    @field_validator(*_AT_LEAST)
    @classmethod
    def _at_least(cls, value: float, info: ValidationInfo) -> float:
        """The carbohydrate bands rise from light to very high."""
        low = _AT_LEAST[info.field_name]  # type: ignore[index]
        if low in info.data and value < info.data[low]:
            raise PydanticCustomError(
                "below_band", f"must be at least scoring.{low} ({info.data[low]!r})")
        return value

    @field_validator("min_chronic_known_days")
    @classmethod
    def _within_baseline(cls, value: int, info: ValidationInfo) -> int:
        """The known days asked of the baseline fit in it (the window less the week)."""
        window = info.data.get("chronic_window_days")
        if window is not None and value > window - WINDOW_DAYS:
            raise PydanticCustomError(
                "beyond_baseline", f"must not exceed scoring.chronic_window_days - "
                f"{WINDOW_DAYS} ({window - WINDOW_DAYS})")
        return value

    @field_validator("weight_trend_min_span_days")
    @classmethod
    def _within_trend_window(cls, value: int, info: ValidationInfo) -> int:
        """The span asked of the weigh-ins fits in the trend's window."""
        window = info.data.get("weight_trend_window_days")
        if window is not None and value >= window:
            raise PydanticCustomError(
                "beyond_window", f"must be below scoring.weight_trend_window_days ({window})")
        return value

    @field_validator("weight_recovery")
    @classmethod
    def _some_weight(cls, value: float, info: ValidationInfo) -> float:
        """At least one component counts (weight_recovery is the last weight declared)."""
        weights = [info.data.get(f"weight_{c}") for c in COMPONENTS[:-1]]
        if None not in weights and sum(weights) + value <= 0:  # type: ignore[arg-type]
            raise PydanticCustomError(
                "no_weight", "the seven weight_* keys must not all be 0")
        return value


class Scoring(ScoreConstants, FactConstants):
    """The whole `[scoring]` table: every key of `ScoreConstants` and of `FactConstants`
    (an instance is both, so it is passed as either)."""
