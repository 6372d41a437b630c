"""Builders of test data shared by several test files: the three daily fact frames of the
score tests (N consecutive days of one athlete, every day a "good" runner day unless a test
overrides a column for every day or for one day), a warehouse with a published
nutrition mart for the tests of the readers' files, and raw recovery rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import NamedTuple

import polars as pl

from schemas.marts import DAILY_NUTRITION
from schemas.scoring import ScoreConstants
from schemas.wellness import BODY_COMPOSITION, HRV_MEASUREMENTS, RESTING_HR, SLEEP_SESSIONS
from transforms.recovery import (
    BODY_MEASUREMENTS_SCHEMA,
    WEIGHT_SCALE_SCHEMA,
    daily_recovery,
    raw_schema,
)
from transforms.scoring.score_windows import daily_inputs, windows
from warehouse.connection import connect
from warehouse.ddl import create_all
from warehouse.facts import publish, write_staging
from warehouse.publish import publish_files

START = date(2026, 3, 2)  # a Monday: day i with i % 7 == 1 is a Tuesday, == 4 a Friday
WEIGHT_KG = 60.0

KEY_DTYPES = {"athlete_id": pl.String, "local_date": pl.Date}
#: The dtypes `transforms.daily_facts.daily_facts` produces, per contract column.
TRAINING_DTYPES = {
    **KEY_DTYPES,
    "run_distance_km": pl.Float64, "run_moving_min": pl.Float64, "run_sessions": pl.Int32,
    "longest_run_min": pl.Float64, "elevation_gain_m": pl.Float64,
    "z1_min": pl.Float64, "z2_min": pl.Float64, "z3_min": pl.Float64, "z4_min": pl.Float64,
    "z5_min": pl.Float64, "hr_covered_min": pl.Float64, "hr_coverage_pct": pl.Float64,
    "seiler_low_share": pl.Float64, "seiler_threshold_share": pl.Float64,
    "seiler_high_share": pl.Float64, "high_intensity_min": pl.Float64,
    "trimp": pl.Float64, "acute_load": pl.Float64,
    "chronic_load": pl.Float64, "acute_chronic_ratio": pl.Float64, "fitness_load": pl.Float64,
    "strength_sessions": pl.Int32, "strength_min": pl.Float64, "strength_sets": pl.Int32,
    "strength_reps": pl.Int64, "strength_volume_kg": pl.Float64,
    "strength_near_run_sessions": pl.Int32, "strength_near_run_credit": pl.Float64,
    "strength_session_credit": pl.Float64,
    "strength_source": pl.String, "cycling_min": pl.Float64,
    "swimming_min": pl.Float64, "walking_min": pl.Float64, "hiking_min": pl.Float64,
    "rowing_min": pl.Float64, "other_cardio_min": pl.Float64, "exercise_kcal": pl.Float64,
    "exercise_kcal_method": pl.String, "max_hr_bpm": pl.Float64, "max_hr_source": pl.String,
    "zone_model": pl.String,
}
NUTRITION_DTYPES = {
    **KEY_DTYPES,
    "logged": pl.Boolean, "very_low_intake": pl.Boolean, "incomplete": pl.Boolean,
    "incomplete_source": pl.String, "energy_kcal": pl.Float64, "protein_g": pl.Float64,
    "carbohydrate_g": pl.Float64, "fat_g": pl.Float64,
    "fiber_g": pl.Float64, "protein_g_per_kg": pl.Float64, "carbohydrate_g_per_kg": pl.Float64,
    "meals_logged": pl.Int32, "meals_reaching_protein_target": pl.Int32,
    "nutrition_source": pl.String, "nutrition_sources_available": pl.String,
}
ENERGY_DTYPES = {
    **KEY_DTYPES,
    "weight_kg": pl.Float64, "weight_source": pl.String, "body_fat_pct": pl.Float64,
    "fat_free_mass_kg": pl.Float64, "resting_kcal": pl.Float64, "resting_method": pl.String,
    "exercise_kcal": pl.Float64, "intake_kcal": pl.Float64, "expenditure_kcal": pl.Float64,
    "balance_kcal": pl.Float64, "energy_availability_kcal_per_kg_ffm": pl.Float64,
    "exercise_min": pl.Float64,
}


#: The carbohydrate need's corners by default (Thomas et al. 2016 lower bounds at the band
#: edges): (endurance minutes, g/kg).
CARB_NEED_CORNERS = ((0.0, 3.0), (45.0, 5.0), (90.0, 6.0), (240.0, 8.0))


def carbohydrate_need_by_hand(minutes: float) -> float:
    """The default carbohydrate need of a day with `minutes` of endurance training, g/kg,
    read off the straight segment between the two corners around it (8 from 240 min)."""
    for (x0, y0), (x1, y1) in zip(CARB_NEED_CORNERS, CARB_NEED_CORNERS[1:], strict=False):
        if minutes <= x1:
            return y0 + (y1 - y0) * (max(minutes, x0) - x0) / (x1 - x0)
    return CARB_NEED_CORNERS[-1][1]


def is_strength_day(i: int) -> bool:
    """The default strength days: Tuesday and Friday of every week."""
    return i % 7 in (1, 4)


def good_day(i: int) -> dict[str, object]:
    """Day `i` of a runner with nothing to criticise: a 30-min run (6 km, 20 % of it in zone
    4, none in zone 3, under the 10 min that make a day hard), strength on Tuesdays and
    Fridays (40 min, far from the run), no other cardio (so every day's carbohydrate need
    is that of 30 endurance minutes, 3 + 2 x 30/45 = 4.33 g/kg: strength minutes do not
    count), 1.8 g/kg protein over 4 meals, 6 g/kg
    carbohydrate, energy balance 0, no body fat (energy availability unknown),
    acute:chronic ratio 1.0."""
    strength = is_strength_day(i)
    return {
        # training
        "run_distance_km": 6.0, "run_moving_min": 30.0, "run_sessions": 1,
        "longest_run_min": 30.0, "elevation_gain_m": 40.0,
        "z1_min": 4.0, "z2_min": 20.0, "z3_min": 0.0, "z4_min": 6.0, "z5_min": 0.0,
        "hr_covered_min": 30.0, "hr_coverage_pct": 100.0, "seiler_low_share": 0.8,
        "seiler_threshold_share": 0.0, "seiler_high_share": 0.2, "high_intensity_min": 6.0,
        "trimp": 50.0,
        "acute_load": 50.0, "chronic_load": 50.0, "acute_chronic_ratio": 1.0,
        "fitness_load": 50.0,
        "strength_sessions": 1 if strength else 0, "strength_min": 40.0 if strength else 0.0,
        "strength_sets": 12 if strength else 0, "strength_reps": 120 if strength else None,
        "strength_volume_kg": 3000.0 if strength else 0.0, "strength_near_run_sessions": 0,
        # 12 hard sets: at least the 6 of a full session, so a credit of 1
        "strength_session_credit": 1.0 if strength else 0.0, "strength_near_run_credit": 0.0,
        "strength_source": "watch",
        "cycling_min": 0.0, "swimming_min": 0.0, "walking_min": 0.0, "hiking_min": 0.0,
        "rowing_min": 0.0, "other_cardio_min": 0.0,
        "exercise_kcal": 600.0 if strength else 400.0, "exercise_kcal_method": "device",
        "max_hr_bpm": 190.0, "max_hr_source": "config", "zone_model": "hrmax",
        # nutrition
        "logged": True, "very_low_intake": False, "incomplete": False,
        "incomplete_source": None, "energy_kcal": 2600.0,
        "protein_g": 1.8 * WEIGHT_KG, "carbohydrate_g": 6.0 * WEIGHT_KG, "fat_g": 80.0,
        "fiber_g": 30.0, "protein_g_per_kg": 1.8, "carbohydrate_g_per_kg": 6.0,
        "meals_logged": 4, "meals_reaching_protein_target": 4,
        "nutrition_source": "cronometer_servings",
        "nutrition_sources_available": "cronometer_servings",
        # energy
        "weight_kg": WEIGHT_KG, "weight_source": "configured", "body_fat_pct": None,
        "fat_free_mass_kg": None, "resting_kcal": 1400.0, "resting_method": "mifflin_st_jeor",
        "intake_kcal": 2600.0, "expenditure_kcal": 2600.0, "balance_kcal": 0.0,
        "energy_availability_kcal_per_kg_ffm": None,
        "exercise_min": 70.0 if strength else 30.0,
    }


#: A day without a food log: intake unknown (never zero).
UNLOGGED: dict[str, object] = {
    "logged": False, "very_low_intake": None, "incomplete": None, "incomplete_source": None,
    "energy_kcal": None, "protein_g": None,
    "carbohydrate_g": None, "fat_g": None, "fiber_g": None, "protein_g_per_kg": None,
    "carbohydrate_g_per_kg": None, "meals_logged": None, "meals_reaching_protein_target": None,
    "nutrition_source": None, "nutrition_sources_available": None, "intake_kcal": None,
    "balance_kcal": None, "energy_availability_kcal_per_kg_ffm": None,
}
#: A day outside the athlete's span of watch data: training unknown (never zero).
UNKNOWN_TRAINING: dict[str, object] = {
    c: None for c in TRAINING_DTYPES
    if c not in (*KEY_DTYPES, "max_hr_bpm", "max_hr_source", "zone_model", "strength_source")
}
#: A known day without any activity.
REST_DAY: dict[str, object] = {
    "run_distance_km": 0.0, "run_moving_min": 0.0, "run_sessions": 0, "longest_run_min": 0.0,
    "elevation_gain_m": 0.0, "z1_min": 0.0, "z2_min": 0.0, "z3_min": 0.0, "z4_min": 0.0,
    "z5_min": 0.0, "hr_covered_min": 0.0, "hr_coverage_pct": None, "seiler_low_share": None,
    "seiler_threshold_share": None, "seiler_high_share": None, "high_intensity_min": 0.0,
    "trimp": 0.0,
    "strength_sessions": 0, "strength_min": 0.0, "strength_sets": 0, "strength_reps": None,
    "strength_volume_kg": 0.0, "strength_session_credit": 0.0, "exercise_kcal": 0.0,
    "exercise_kcal_method": None, "exercise_min": 0.0,
}


def weigh_ins(pct_per_week: float, n: int = 28, every: int = 2
              ) -> dict[int, dict[str, object]]:
    """`days` for `make_facts(n)`: weigh-ins every `every` days back from the last day, on
    a straight line losing or gaining `pct_per_week` of 60 kg a week (60 kg on the last
    day); the days between keep the configured weight, which never counts."""
    slope = WEIGHT_KG * pct_per_week / 100 / 7  # kg/day
    return {i: {"weight_kg": WEIGHT_KG + slope * (i - (n - 1)), "weight_source": "measured"}
            for i in range(n - 1, -1, -every)}


class Facts(NamedTuple):
    training: pl.DataFrame
    nutrition: pl.DataFrame
    energy: pl.DataFrame


def make_facts(n: int = 28, *, start: date = START, athlete: str = "a",
               every: Mapping[str, object] | None = None,
               days: Mapping[int, Mapping[str, object]] | None = None,
               missing: Iterable[int] = ()) -> Facts:
    """The three daily fact frames (columns and dtypes of `schemas.marts`) for `n`
    consecutive days from `start`: `good_day`, then `every` on every day, then `days[i]` on
    day i; the days in `missing` have no row in any frame. A column name goes to every
    frame that has it (`exercise_kcal` to training and energy). A day whose
    `strength_session_credit` (`strength_near_run_credit`) is not given credits its
    `strength_sessions` (`strength_near_run_sessions`) whole, as when no sets are
    recorded."""
    every = every or {}
    days = days or {}
    gone = set(missing)
    rows = []
    for i in range(n):
        if i in gone:
            continue
        row = {"athlete_id": athlete, "local_date": start + timedelta(days=i), **good_day(i),
               **every, **days.get(i, {})}
        given = {**every, **days.get(i, {})}
        for credit, count in (("strength_session_credit", "strength_sessions"),
                              ("strength_near_run_credit", "strength_near_run_sessions")):
            if credit not in given:
                row[credit] = None if row[count] is None else float(row[count])
        unknown = set(row) - set(TRAINING_DTYPES) - set(NUTRITION_DTYPES) - set(ENERGY_DTYPES)
        assert not unknown, f"not a fact column: {unknown}"
        rows.append(row)

    def frame(dtypes: dict[str, pl.DataType]) -> pl.DataFrame:
        return pl.DataFrame([{c: r[c] for c in dtypes} for r in rows], schema=dtypes,
                            orient="row")

    return Facts(frame(TRAINING_DTYPES), frame(NUTRITION_DTYPES), frame(ENERGY_DTYPES))


def concat_facts(*parts: Facts) -> Facts:
    """Several athletes' facts in one set of frames."""
    return Facts(*(pl.concat([getattr(p, name) for p in parts]) for name in Facts._fields))


def window_frame(facts: Facts, k: ScoreConstants | None = None) -> pl.DataFrame:
    """`windows(daily_inputs(...))` of the facts."""
    k = k or ScoreConstants()
    return windows(daily_inputs(*facts), k)


def on(frame: pl.DataFrame, i: int, start: date = START, athlete: str = "a") -> dict:
    """The row of day `i` (counted from `start`) of one athlete."""
    day = start + timedelta(days=i)
    rows = frame.filter((pl.col("athlete_id") == athlete) & (pl.col("local_date") == day))
    assert rows.height == 1, f"no single row for {athlete} on {day}"
    return rows.row(0, named=True)


def nutrition_days(n: int, protein: float) -> pl.DataFrame:
    """`n` logged days of marts.daily_nutrition from 2026-05-01 with `protein` g each, and
    text a spreadsheet would take for a formula in the athlete id and the sources."""
    rows = [{"athlete_id": "=HYPERLINK(1)", "local_date": date(2026, 5, 1 + i), "logged": True,
             "very_low_intake": False, "incomplete": False, "incomplete_source": None,
             "energy_kcal": 2000.0, "protein_g": protein,
             "carbohydrate_g": 250.0, "fat_g": 70.0, "fiber_g": 30.0,
             "protein_g_per_kg": protein / 60, "carbohydrate_g_per_kg": 250 / 60,
             "meals_logged": 4, "meals_reaching_protein_target": 3,
             "nutrition_source": "+cronometer", "nutrition_sources_available": "-x,@y"}
            for i in range(n)]
    return pl.DataFrame(rows).select([c for c, _ in DAILY_NUTRITION])


def publish_nutrition(warehouse: Path, n: int, protein: float, run: str) -> Path:
    """A warehouse holding `nutrition_days(n, protein)` as its published mart, and the
    readers' files of run `run` written from it: the published DuckDB file's path."""
    with connect(warehouse) as con:
        create_all(con)
        write_staging(con, {"daily_nutrition": nutrition_days(n, protein)})
        publish(con, ["daily_nutrition"])
        return publish_files(con, warehouse.parent / "published", run)


# --- raw recovery rows ----------------------------------------------------------------
#: Defaults of a raw wellness row: one athlete, a Garmin JSON file, record 0.
_RAW_DEFAULTS = {"athlete_id": "a", "source_sha256": "f1", "source_kind": "garmin_json",
                 "source_index": 0, "measured": True}
RECOVERY_TABLES = {"sleep": SLEEP_SESSIONS, "resting_hr": RESTING_HR, "hrv": HRV_MEASUREMENTS,
                   "body": BODY_COMPOSITION}


def raw_recovery(table: str, rows: Iterable[Mapping[str, object]] = ()) -> pl.DataFrame:
    """A raw wellness frame (`RECOVERY_TABLES[table]`, loader keys included) of `rows`:
    columns not given are null (`_RAW_DEFAULTS` where they have one)."""
    schema = raw_schema(RECOVERY_TABLES[table])
    full = [{c: r.get(c, _RAW_DEFAULTS.get(c)) for c in schema} for r in rows]
    return pl.DataFrame(full, schema=schema, orient="row")


def weight_scale_rows(rows: Iterable[Mapping[str, object]] = ()) -> pl.DataFrame:
    """raw.fit_weight_scale rows (the columns a build reads); missing columns null."""
    defaults = {"athlete_id": "a", "source_sha256": "fit1", "message_seq": 0}
    return pl.DataFrame([{c: r.get(c, defaults.get(c)) for c in WEIGHT_SCALE_SCHEMA}
                         for r in rows], schema=WEIGHT_SCALE_SCHEMA, orient="row")


def recovery(*, sleep=(), resting_hr=(), hrv=(), body=(), scale=(), exports=(),
             zones: Mapping[str, str] | None = None, activity_hrv: pl.DataFrame | None = None,
             k: ScoreConstants | None = None) -> pl.DataFrame:
    """`transforms.recovery.daily_recovery` of raw rows given as dicts (`exports`: rows of
    the raw.body_measurements view); `zones`: athlete id -> zone (default a: UTC)."""
    athletes = pl.DataFrame(list((zones or {"a": "UTC"}).items()),
                            schema={"athlete_id": pl.String, "timezone": pl.String},
                            orient="row")
    measurements = pl.DataFrame([{c: r.get(c) for c in BODY_MEASUREMENTS_SCHEMA}
                                 for r in exports], schema=BODY_MEASUREMENTS_SCHEMA, orient="row")
    return daily_recovery(raw_recovery("sleep", sleep), raw_recovery("resting_hr", resting_hr),
                          raw_recovery("hrv", hrv), raw_recovery("body", body),
                          weight_scale_rows(scale), measurements, athletes, k, activity_hrv)


def recovery_rows(n: int = 42, *, start: date = START, athlete: str = "a"
                  ) -> dict[str, list[dict[str, object]]]:
    """Raw recovery rows (keyword arguments of `recovery`) for `n` days from `start`: a
    night ending 05:30 UTC every day (6.5-8 h asleep), resting HR 44-50 bpm and Garmin
    overnight HRV 55-65 ms every day but every fifth, and a FIT weigh-in every other day on
    a line from 62 kg losing 0.02 kg/day (20 % body fat, 28 kg muscle)."""
    def day(i: int) -> date:
        return start + timedelta(days=i)

    wake = [datetime.combine(day(i), time(5, 30), UTC) for i in range(n)]
    keys = {"athlete_id": athlete}
    return {
        "sleep": [{**keys, "start_utc": w - timedelta(hours=9), "end_utc": w,
                   "asleep_s": (6.5 + (i % 4) * 0.5) * 3600, "source_index": i}
                  for i, w in enumerate(wake)],
        "resting_hr": [{**keys, "local_date": day(i), "resting_hr_bpm": 44.0 + i % 7}
                       for i in range(n) if i % 5],
        "hrv": [{**keys, "local_date": day(i), "hrv_ms": 55.0 + (i * 3) % 11,
                 "measure": "garmin_overnight"} for i in range(n) if i % 5],
        "scale": [{**keys, "timestamp_utc": w, "weight_kg": 62.0 - 0.02 * i,
                   "body_fat_pct": 20.0, "muscle_mass_kg": 28.0, "message_seq": 0}
                  for i, w in enumerate(wake) if i % 2 == 0],
    }


def mart_frames(n: int = 42, *, start: date = START, athlete: str = "a",
                facts: Facts | None = None, recovered: bool = True) -> dict[str, pl.DataFrame]:
    """Every published mart of one athlete over `n` days from `start`, as the build computes
    them: `make_facts` (or `facts`), scored, and `recovery_rows` as marts.daily_recovery
    (`recovered=False`: no recovery data, the mart empty)."""
    from transforms.scoring.muscle_balance import (
        daily_muscle_balance,
        score_days,
        weekly_muscle_balance,
    )

    facts = facts or make_facts(n, start=start, athlete=athlete)
    rec = (recovery(**recovery_rows(n, start=start, athlete=athlete), zones={athlete: "UTC"})
           if recovered else recovery(zones={athlete: "UTC"}))
    scored = score_days(*facts, recovery=rec)
    return {"daily_muscle_balance": daily_muscle_balance(scored),
            "weekly_muscle_balance": weekly_muscle_balance(scored),
            "daily_nutrition": facts.nutrition, "daily_energy": facts.energy,
            "daily_training": facts.training, "daily_recovery": rec}


def report_frames(n: int = 42, **kwargs: object):
    """`schemas.report_frames.ReportFrames` of `mart_frames(n, **kwargs)` over all its days."""
    from schemas.report_frames import ReportFrames

    marts = mart_frames(n, **kwargs)  # type: ignore[arg-type]
    days = marts["daily_muscle_balance"]["local_date"]
    return ReportFrames(athlete_id=str(marts["daily_muscle_balance"]["athlete_id"][0]),
                        first_day=days.min(), last_day=days.max(),  # type: ignore[arg-type]
                        published_at=None, **marts)


def publish_marts(warehouse: Path, frames: Mapping[str, pl.DataFrame], run: str = "r1") -> Path:
    """A warehouse publishing `frames` (mart name -> rows) and the readers' files written
    from it: the published DuckDB file's path."""
    with connect(warehouse) as con:
        create_all(con)
        write_staging(con, dict(frames))
        publish(con, list(frames))
        return publish_files(con, warehouse.parent / "published", run)
