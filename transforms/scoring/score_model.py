"""The constants of the muscle-balance score, where each comes from, and the model version.

Every constant can be overridden in the config's `[scoring]` table under its field name
(`protein_target_g_per_kg = 1.8`). `docs/scoring.md` explains each component with these
numbers; `model_version` changes whenever a constant or a scoring module changes, so a
stored score always says which model produced it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from transforms.overrides import override_value

#: Bump when the meaning of the output changes in a way a source hash would not show.
MODEL_GENERATION = 1
#: The modules whose source defines the score and the daily facts it reads: any edit to
#: them changes `model_version`.
MODEL_MODULES = ("score_model.py", "score_functions.py", "score_windows.py",
                 "score_components.py", "score_reasons.py", "muscle_balance.py",
                 "daily_facts.py", "daily_training.py", "daily_nutrition.py", "daily_energy.py",
                 "body_weight.py", "intensity.py", "load.py", "physiology.py",
                 "running_volume.py", "local_days.py", "calendar.py")
#: Every window of the score is one training week (the unit of the advice it gives).
WINDOW_DAYS = 7

COMPONENTS = ("protein", "energy", "carbohydrate", "running_load", "intensity", "strength",
              "recovery")


@dataclass(frozen=True)
class ScoreConstants:
    """Constants of the scoring model (units in the names; sources beside each)."""

    # -- windows (the scored week is WINDOW_DAYS = 7 days) ------------------------------
    chronic_window_days: int = 28      # the week + the 21 days of the running baseline
    min_logged_days: int = 4           # usable food-log days in the 7-day window
    min_chronic_known_days: int = 14   # known days of the 21 before the week (baseline)

    # -- protein: Morton et al. 2018 (plateau 1.62 g/kg/day); Jäger et al. 2017 (ISSN:
    # 1.4-2.0, 2.3-3.1 in a deficit); Schoenfeld & Aragon 2018 (0.4 g/kg over >= 4 meals)
    protein_floor_g_per_kg: float = 0.8        # RDA for adults (IOM 2005): no credit at or below
    protein_target_g_per_kg: float = 1.6       # Morton 2018 plateau, rounded
    protein_target_deficit_g_per_kg: float = 2.3  # Jäger 2017, lower bound in a deficit
    protein_meals_target: float = 4.0          # Schoenfeld & Aragon 2018
    protein_amount_share: float = 0.75         # amount vs spread over meals within the component
    sustained_deficit_kcal: float = 300.0      # 7-day mean balance below -300 kcal/day

    # -- energy: Loucks & Thuma 2003, Burke 2018, IOC REDs 2023 (EA bands); Garthe et al.
    # 2011 (IJSNEM 21:97: losing ~0.7 %/week kept lean mass, ~1.4 %/week did not)
    ea_low_kcal_per_kg_ffm: float = 30.0       # no credit at or below (low EA)
    ea_adequate_kcal_per_kg_ffm: float = 45.0  # full credit at or above (adequate EA)
    balance_zero_credit_kcal: float = -1000.0  # ~1.4 %/week for a 60-70 kg runner (Garthe)
    balance_full_credit_kcal: float = -250.0   # within logging noise of balance
    deficit_day_kcal: float = 500.0            # a "deficit day" in the reasons

    # -- carbohydrate: Thomas et al. 2016 (ACSM/AND/DC), g/kg/day by the day's training
    carb_light_g_per_kg: float = 3.0           # light: 3-5
    carb_moderate_g_per_kg: float = 5.0        # moderate, about 1 h/day: 5-7
    carb_high_g_per_kg: float = 6.0            # high, 1-3 h/day: 6-10
    carb_very_high_g_per_kg: float = 8.0       # very high, > 4-5 h/day: 8-12
    carb_moderate_from_min: float = 45.0       # training minutes that make a day moderate
    carb_high_from_min: float = 90.0
    carb_very_high_from_min: float = 240.0
    carb_zero_credit_ratio: float = 0.5        # eaten / band's lower bound: no credit at 0.5

    # -- running load: Wilson et al. 2012 (running frequency and duration cost hypertrophy),
    # Nielsen et al. 2014 (> 30 % weekly progressions), Gabbett 2016 and Impellizzeri 2020
    # (acute:chronic ratio, descriptive only)
    run_full_credit_h_per_week: float = 4.0    # model choice, see docs/scoring.md
    run_zero_credit_h_per_week: float = 10.0
    run_ratio_full_credit: float = 1.1         # this week / own weekly average, 21 days before
    run_ratio_zero_credit: float = 1.5
    min_baseline_h_per_week: float = 1.0       # below: a return from a break, not a spike
    long_run_full_credit_min: float = 90.0     # glycogen-depleting runs raise protein use
    long_run_zero_credit_min: float = 180.0
    acwr_full_credit: float = 1.3
    acwr_zero_credit: float = 2.0
    run_volume_share: float = 0.35
    run_ratio_share: float = 0.30
    long_run_share: float = 0.20
    acwr_share: float = 0.15

    # -- intensity: the article's "intervals, not long steady running" as the share of
    # running time in zones 4-5 (above the second threshold). Seiler & Tønnessen 2009:
    # about 20 % of *sessions* are hard, but by heart-rate time the share is far lower
    # (Seiler & Kjerland 2006), so full credit from 10 % of HR-covered time - a model
    # choice. Not supported for lean mass (Steele et al. 2021): low weight.
    high_share_full_credit: float = 0.10       # share of HR-covered running in zones 4-5
    min_hr_covered_min: float = 30.0           # HR-covered running minutes in the window

    # -- strength: Wilson 2012; Schumann 2022; Murach & Bagley 2016 (separate by 6-24 h)
    strength_sessions_target: float = 2.0
    near_run_session_credit: float = 0.5       # a session within 6 h of a run counts half

    # -- recovery: Seiler 2010 (about two hard sessions a week in elite endurance training)
    hard_zone45_min: float = 10.0              # minutes in zones 4-5 that make a day hard
    hard_long_run_min: float = 90.0            # a run this long makes the day hard
    easy_days_zero_credit: float = 2.0         # easy or rest days in 7: no credit at 2
    easy_days_full_credit: float = 5.0         # full credit at 5 (at most 2 hard days)
    hard_streak_full_credit: float = 1.0       # consecutive hard days
    hard_streak_zero_credit: float = 3.0

    # -- the verdict
    weight_protein: float = 0.25
    weight_energy: float = 0.25
    weight_carbohydrate: float = 0.10
    weight_running_load: float = 0.12
    weight_intensity: float = 0.05             # modest: Steele et al. 2021
    weight_strength: float = 0.15
    weight_recovery: float = 0.08
    min_completeness: float = 0.7              # share of the weights that must be usable:
    #                                            food alone (0.6) or training alone is not enough
    low_risk_min_score: float = 70.0
    high_risk_below_score: float = 50.0
    reason_below_score: float = 80.0           # components at or above are not reasons
    max_reasons: int = 3

    def weight(self, component: str) -> float:
        """The configured weight of one component."""
        return float(getattr(self, f"weight_{component}"))

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, object], ignore: frozenset[str] = frozenset()
                       ) -> ScoreConstants:
        """Defaults with `overrides` applied. Keys in `ignore` belong to the daily facts; any
        other unknown key, a non-numeric, non-finite or negative value (other than the
        balance bounds), or a fraction for a whole-number key, is an error naming it."""
        known = {f.name: f.type for f in fields(cls)}
        given: dict[str, float | int] = {}
        for key, value in overrides.items():
            if key in ignore:
                continue
            if key not in known:
                raise ValueError(f"scoring.{key}: unknown constant (see docs/scoring.md)")
            signed = key.startswith("balance_")  # energy balance bounds are negative
            given[key] = override_value(key, value, known[key],
                                        lowest="any" if signed else "non_negative")
        constants = cls(**given)
        constants.check()
        return constants

    def check(self) -> None:
        """Orderings the transfer functions need; a violated one is an error naming it."""
        for f in fields(self):
            if not math.isfinite(getattr(self, f.name)):
                raise ValueError(f"scoring.{f.name} must be a finite number")
        pairs = [("protein_floor_g_per_kg", "protein_target_g_per_kg"),
                 ("protein_floor_g_per_kg", "protein_target_deficit_g_per_kg"),
                 ("ea_low_kcal_per_kg_ffm", "ea_adequate_kcal_per_kg_ffm"),
                 ("run_full_credit_h_per_week", "run_zero_credit_h_per_week"),
                 ("run_ratio_full_credit", "run_ratio_zero_credit"),
                 ("long_run_full_credit_min", "long_run_zero_credit_min"),
                 ("acwr_full_credit", "acwr_zero_credit"),
                 ("easy_days_zero_credit", "easy_days_full_credit"),
                 ("hard_streak_full_credit", "hard_streak_zero_credit"),
                 ("high_risk_below_score", "low_risk_min_score")]
        for low, high in pairs:
            if getattr(self, low) >= getattr(self, high):
                raise ValueError(f"scoring.{low} must be below scoring.{high}")
        if self.balance_zero_credit_kcal >= self.balance_full_credit_kcal:
            raise ValueError("scoring.balance_zero_credit_kcal must be below "
                             "scoring.balance_full_credit_kcal")
        for name in ("protein_meals_target", "high_share_full_credit",
                     "strength_sessions_target", "min_logged_days", "min_chronic_known_days",
                     "max_reasons"):
            if getattr(self, name) <= 0:
                raise ValueError(f"scoring.{name} must be above 0")
        for name in ("protein_amount_share", "near_run_session_credit", "min_completeness"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"scoring.{name} must be between 0 and 1")
        bands = (self.carb_light_g_per_kg, self.carb_moderate_g_per_kg,
                 self.carb_high_g_per_kg, self.carb_very_high_g_per_kg)
        if not 0 < bands[0] <= bands[1] <= bands[2] <= bands[3]:
            raise ValueError("scoring: carbohydrate bands must be above 0 and rise from "
                             "carb_light_g_per_kg to carb_very_high_g_per_kg")
        if self.low_risk_min_score > 100:
            raise ValueError("scoring.low_risk_min_score must not exceed 100")
        if not self.carb_zero_credit_ratio < 1:
            raise ValueError("scoring.carb_zero_credit_ratio must be below 1 (full credit is "
                             "eating the band's lower bound)")
        if not (self.carb_moderate_from_min < self.carb_high_from_min
                < self.carb_very_high_from_min):
            raise ValueError("scoring: carb_moderate_from_min < carb_high_from_min < "
                             "carb_very_high_from_min is required")
        if self.chronic_window_days - WINDOW_DAYS < self.min_chronic_known_days:
            raise ValueError(f"scoring.min_chronic_known_days must not exceed "
                             f"chronic_window_days - {WINDOW_DAYS}")
        if sum(self.weight(c) for c in COMPONENTS) <= 0:
            raise ValueError("scoring: at least one component weight must be above 0")
        if self.min_completeness <= 0:
            raise ValueError("scoring.min_completeness must be above 0")
        if self.min_logged_days > WINDOW_DAYS:
            raise ValueError(f"scoring.min_logged_days must not exceed {WINDOW_DAYS}")


def _canonical(constants: object) -> str:
    """The constants as JSON with every number a float (so 2 and 2.0 hash alike)."""
    values = {k: float(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
              for k, v in asdict(constants).items()}  # type: ignore[call-overload]
    return json.dumps(values, sort_keys=True)


def model_version(constants: ScoreConstants, *others: object) -> str:
    """`<generation>.<12 hex>`: a hash of the scoring and daily-fact modules' source, the
    score's constants and any other constants dataclass (the daily facts'), so a change to
    any of them gives a new version."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in MODEL_MODULES:
        digest.update(name.encode())
        path = here / name if (here / name).exists() else here.parent / name
        digest.update(path.read_bytes())
    for item in (constants, *others):
        digest.update(type(item).__name__.encode())
        digest.update(_canonical(item).encode())
    return f"{MODEL_GENERATION}.{digest.hexdigest()[:12]}"
