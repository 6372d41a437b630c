"""Training and nutrition plans of the synthetic generators, checked against the generated truth.

Facts are recomputed here from the :class:`GeneratedFile` metadata (local dates in the
athlete's zone, distances, timer times) and from :class:`DayIntake` and the CSV exports
parsed with the stdlib, independently of the generators' internals.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from fitparse import FitFile

from synthetic import (
    MARATHONER_PLAN,
    MIXED_RUNNER_PLAN,
    GeneratedFile,
    NutritionPlan,
    SyntheticAthlete,
    TrainingPlan,
    daily_expenditure_kcal,
    generate_athlete_files,
    generate_nutrition_exports,
    resting_energy_kcal,
)
from tests.helpers import sdk_records

#: Monday; the span 2026-04-06 .. 2026-05-03 has no DST change in Europe/Berlin.
START = date(2026, 4, 6)
WEEKS = 4
SEED = 3
ATHLETE = SyntheticAthlete()
ZONE = ZoneInfo(ATHLETE.timezone)
RUN_KINDS = {"intervals", "easy_run", "long_run", "midnight_run", "dst_run"}
#: The module's documented intake floor (kcal): "Never below 1150 kcal".
MIN_INTAKE_KCAL = 1150.0
PROTEIN_RANGE = (0.95, 1.05)
DEFICIT_KCAL = 600.0
ACTIVITY = 1.2
UNLOGGED_FROM = START + timedelta(days=7 * WEEKS - 14)  # the last 14 days
NUTRITION_PLAN = NutritionPlan(
    protein_g_per_kg=PROTEIN_RANGE,
    deficit_kcal=DEFICIT_KCAL,
    activity_factor=ACTIVITY,
    unlogged_from=UNLOGGED_FROM,
    random_unlogged=False,
)


def _local_date(f: GeneratedFile) -> date:
    return f.start_utc.astimezone(ZONE).date()


def _week(f: GeneratedFile) -> int:
    return (_local_date(f) - START).days // 7


def _by_week(files: list[GeneratedFile], kinds: set[str]) -> dict[int, list[GeneratedFile]]:
    weeks: dict[int, list[GeneratedFile]] = defaultdict(list)
    for f in files:
        if f.kind in kinds:
            weeks[_week(f)].append(f)
    return weeks


def _csv_dates(data: bytes, column: str) -> set[date]:
    rows = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    return {date.fromisoformat(row[column]) for row in rows}


@pytest.fixture(scope="module")
def default_files() -> list[GeneratedFile]:
    return generate_athlete_files(ATHLETE, START, WEEKS, seed=SEED)


@pytest.fixture(scope="module")
def marathoner_files() -> list[GeneratedFile]:
    return generate_athlete_files(ATHLETE, START, WEEKS, seed=SEED, plan=MARATHONER_PLAN)


@pytest.fixture(scope="module")
def mixed_files() -> list[GeneratedFile]:
    return generate_athlete_files(ATHLETE, START, WEEKS, seed=SEED, plan=MIXED_RUNNER_PLAN)


# --------------------------------------------------------------------------------------------
# Training plans
# --------------------------------------------------------------------------------------------


def test_marathoner_does_no_strength_work(marathoner_files: list[GeneratedFile]) -> None:
    assert not [f for f in marathoner_files if f.kind == "strength" or f.sport == "training"]


def test_marathoner_runs_every_day_but_friday(marathoner_files: list[GeneratedFile]) -> None:
    weeks = _by_week(marathoner_files, RUN_KINDS)
    assert sorted(weeks) == list(range(WEEKS))
    for week, runs in weeks.items():
        planned = [f for f in runs if f.kind != "midnight_run"]
        weekdays = [_local_date(f).weekday() for f in planned]
        assert sorted(weekdays) == [0, 1, 2, 3, 5, 6], week  # one run a day, six days
        kinds = {_local_date(f).weekday(): f.kind for f in planned}
        assert kinds[1] == "intervals" and kinds[6] == "long_run"
        assert {kinds[d] for d in (0, 2, 3, 5)} == {"easy_run"}
    # the span's special run is kept: 23:30 on the first Friday (documented)
    midnight = [f for f in marathoner_files if f.kind == "midnight_run"]
    assert [_local_date(f) for f in midnight] == [START + timedelta(days=4)]


def test_marathoner_weekly_distance(marathoner_files: list[GeneratedFile]) -> None:
    for week, runs in _by_week(marathoner_files, RUN_KINDS).items():
        km = sum(f.total_distance_m or 0.0 for f in runs) / 1000
        assert 80.0 <= km <= 120.0, (week, km)


def test_marathoner_run_durations(marathoner_files: list[GeneratedFile]) -> None:
    long_runs = [f for f in marathoner_files if f.kind == "long_run"]
    easy_runs = [f for f in marathoner_files if f.kind == "easy_run"]
    assert len(long_runs) == WEEKS and len(easy_runs) == 4 * WEEKS
    for f in long_runs:  # timer (moving) time, s
        assert 140 * 60 <= (f.total_timer_time_s or 0) <= 160 * 60, f.name
    for f in easy_runs:
        assert 60 * 60 <= (f.total_timer_time_s or 0) <= 80 * 60, f.name


def test_mixed_runner_lifts_on_monday_and_friday(mixed_files: list[GeneratedFile]) -> None:
    weeks = _by_week(mixed_files, {"strength"})
    assert sorted(weeks) == list(range(WEEKS))
    for week, sessions in weeks.items():
        assert len(sessions) == 2, week
        assert sorted(_local_date(f).weekday() for f in sessions) == [0, 4]
        assert all(f.sport == "training" and f.set_count > 0 for f in sessions)
        assert all(f.start_utc.astimezone(ZONE).hour == 18 for f in sessions)


def test_mixed_runner_run_days(mixed_files: list[GeneratedFile]) -> None:
    for week, runs in _by_week(mixed_files, RUN_KINDS).items():
        planned = [f for f in runs if f.kind != "midnight_run"]
        assert sorted(_local_date(f).weekday() for f in planned) == [1, 3, 5, 6], week
        for f in planned:
            if f.kind == "easy_run":
                assert 35 * 60 <= (f.total_timer_time_s or 0) <= 55 * 60
            elif f.kind == "long_run":
                assert 80 * 60 <= (f.total_timer_time_s or 0) <= 115 * 60


def test_plan_keeps_the_default_weigh_ins(
    default_files: list[GeneratedFile], marathoner_files: list[GeneratedFile]
) -> None:
    weigh_ins = [(f.name, f.data) for f in default_files if f.kind == "weight"]
    assert weigh_ins
    assert [(f.name, f.data) for f in marathoner_files if f.kind == "weight"] == weigh_ins


def test_empty_training_plan_is_the_default() -> None:
    start = date(2026, 3, 23)  # one week, with the DST change of 2026-03-29
    default = generate_athlete_files(ATHLETE, start, 1, seed=11)
    planned = generate_athlete_files(ATHLETE, start, 1, seed=11, plan=TrainingPlan())
    assert [(f.name, f.data) for f in planned] == [(f.name, f.data) for f in default]


def test_custom_training_plan() -> None:
    plan = TrainingPlan(strength_weekdays={2}, run_weekdays=frozenset({6}), long_run_min=(60, 60))
    assert plan.strength_weekdays == frozenset({2})  # a set is accepted, stored frozen
    files = generate_athlete_files(ATHLETE, START, 2, seed=5, plan=plan)
    runs = [f for f in files if f.kind in RUN_KINDS - {"midnight_run"}]
    assert [(_local_date(f).weekday(), f.kind) for f in runs] == [(6, "long_run")] * 2
    assert [f.total_timer_time_s for f in runs] == [3600.0, 3600.0]
    assert [_local_date(f).weekday() for f in files if f.kind == "strength"] == [2, 2]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"run_weekdays": frozenset({7})},
        {"strength_weekdays": frozenset({-1})},
        {"easy_run_min": (50, 40)},
        {"easy_run_min": (0, 40)},
        {"long_run_min": (10, 20)},  # the last 10 minutes are the faster finish
    ],
)
def test_training_plan_rejects_nonsense(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TrainingPlan(**kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Nutrition plans
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("training", ["default", "marathoner"])
def test_nutrition_plan_protein_and_energy(training: str, request: pytest.FixtureRequest) -> None:
    files: list[GeneratedFile] = request.getfixturevalue(f"{training}_files")
    exports = generate_nutrition_exports(ATHLETE, files, START, WEEKS, seed=2, plan=NUTRITION_PLAN)
    assert len(exports.days) == 7 * WEEKS
    low, high = PROTEIN_RANGE
    unfloored = 0
    for day in exports.days:
        assert low <= day.protein_g / ATHLETE.weight_kg <= high, day
        expenditure = daily_expenditure_kcal(ATHLETE, files, day.local_date, activity_factor=1.2)
        target = max(expenditure - DEFICIT_KCAL, MIN_INTAKE_KCAL)
        unfloored += expenditure - DEFICIT_KCAL > MIN_INTAKE_KCAL + 60.0
        assert abs(day.energy_kcal - target) <= 60.0, (day, target)
    assert unfloored >= 7 * WEEKS // 2  # most days test the deficit, not the floor


def test_nutrition_plan_unlogged_from(default_files: list[GeneratedFile]) -> None:
    exports = generate_nutrition_exports(
        ATHLETE, default_files, START, WEEKS, seed=2, plan=NUTRITION_PLAN
    )
    logged = {d.local_date for d in exports.days if d.logged}
    unlogged = {d.local_date for d in exports.days if not d.logged}
    assert logged == {START + timedelta(days=i) for i in range(14)}  # random_unlogged=False
    assert unlogged == {UNLOGGED_FROM + timedelta(days=i) for i in range(14)}
    assert all(d.meals == 0 for d in exports.days if not d.logged)
    assert _csv_dates(exports.mfp_nutrition_csv, "Date") == logged
    assert _csv_dates(exports.cronometer_servings_csv, "Day") == logged
    assert _csv_dates(exports.cronometer_dailysummary_csv, "Date") == logged


def test_activity_factor_of_expenditure(default_files: list[GeneratedFile]) -> None:
    for offset in range(0, 7 * WEEKS, 5):
        day = START + timedelta(days=offset)
        default = daily_expenditure_kcal(ATHLETE, default_files, day)
        lower = daily_expenditure_kcal(ATHLETE, default_files, day, activity_factor=1.2)
        assert default - lower == pytest.approx(0.2 * resting_energy_kcal(ATHLETE, day))


def test_empty_nutrition_plan_is_the_default(default_files: list[GeneratedFile]) -> None:
    default = generate_nutrition_exports(ATHLETE, default_files, START, WEEKS, seed=4)
    planned = generate_nutrition_exports(
        ATHLETE, default_files, START, WEEKS, seed=4, plan=NutritionPlan()
    )
    assert planned == default


@pytest.mark.parametrize(
    "kwargs",
    [
        {"protein_g_per_kg": (1.2, 1.0)},
        {"protein_g_per_kg": (0.0, 1.0)},
        {"activity_factor": 0.0},
        {"deficit_kcal": float("nan")},
    ],
)
def test_nutrition_plan_rejects_nonsense(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        NutritionPlan(**kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Scales, weight trends and sparse records (the personas' needs)
# --------------------------------------------------------------------------------------------


def _weigh_ins(files: list[GeneratedFile]) -> list[dict[str, object]]:
    """The weight_scale messages of the weigh-in files, as fitparse reads them."""
    out = []
    for f in files:
        if f.kind == "weight":
            (message,) = FitFile(io.BytesIO(f.data)).get_messages("weight_scale")
            out.append(message.get_values())
    return out


def test_plain_scale_writes_the_weight_alone(default_files: list[GeneratedFile]) -> None:
    plain = generate_athlete_files(ATHLETE, START, WEEKS, seed=SEED,
                                   plan=TrainingPlan(scale="weight"))
    full, weight_only = _weigh_ins(default_files), _weigh_ins(plain)
    assert full and len(weight_only) == len(full)
    assert all(m["percent_fat"] is not None for m in full)
    for a, b in zip(full, weight_only, strict=True):
        assert (b["timestamp"], b["weight"]) == (a["timestamp"], a["weight"])
        assert b.get("percent_fat") is None and b.get("muscle_mass") is None
    # the activities are the same files
    assert ([(f.name, f.data) for f in plain if f.kind != "weight"]
            == [(f.name, f.data) for f in default_files if f.kind != "weight"])


def test_no_scale_writes_no_weigh_ins(default_files: list[GeneratedFile]) -> None:
    files = generate_athlete_files(ATHLETE, START, WEEKS, seed=SEED,
                                   plan=TrainingPlan(scale="none"))
    assert not [f for f in files if f.kind == "weight" or f.weight_kg is not None]
    assert ([(f.name, f.data) for f in files]
            == [(f.name, f.data) for f in default_files if f.kind != "weight"])


@pytest.mark.parametrize("pct_per_week", [-1.2, -0.5, 0.4])
def test_weight_trend_of_the_weigh_ins(pct_per_week: float) -> None:
    """Least-squares slope of ln(weight) over the weigh-ins of weeks 3-8 (after the scatter
    has caught up with the trend), as %/week: within 0.15 of the plan."""
    files = generate_athlete_files(ATHLETE, START, 8, seed=SEED,
                                   plan=TrainingPlan(weight_change_pct_per_week=pct_per_week))
    points = [((_local_date(f) - START).days, math.log(f.weight_kg or 0.0))
              for f in files if f.kind == "weight" and _local_date(f) >= START + timedelta(14)]
    assert len(points) >= 12
    slope, _ = statistics.linear_regression(*zip(*points, strict=True))
    assert (math.exp(7 * slope) - 1) * 100 == pytest.approx(pct_per_week, abs=0.15)
    last = [f.weight_kg for f in files if f.kind == "weight"][-1]
    # the scatter reverts 20 % a day towards the trend, so it trails it by (1 - 0.2) / 0.2
    # = 4 days; its own spread is about 0.2 kg (0.12 kg a day, 0.08 kg per weigh-in)
    expected = ATHLETE.weight_kg * (1 + pct_per_week / 100) ** ((55 - 4) / 7)
    assert last == pytest.approx(expected, abs=0.7)


def test_sparse_records_keep_distance_moving_time_and_sets(
    default_files: list[GeneratedFile],
) -> None:
    sparse = generate_athlete_files(ATHLETE, START, WEEKS, seed=SEED,
                                    plan=TrainingPlan(record_interval_s=5))
    dense = {f.name: f for f in default_files}
    runs = [f for f in sparse if f.sport == "running"]
    assert len(runs) >= 4 * WEEKS
    for f in runs[:6]:
        d = dense[f.name]
        assert (f.total_distance_m, f.total_timer_time_s) == (d.total_distance_m,
                                                               d.total_timer_time_s)
        records = sdk_records(f.data)
        assert len(records) == f.record_count < d.record_count / 4
        assert records[-1]["distance"] == pytest.approx(f.total_distance_m, abs=0.01)
        times = [r["timestamp"] for r in records]
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
        # 5 s apart (the last step of a stretch shorter), longer only across the one pause
        assert len([g for g in gaps if g > 5]) <= 1, f.name
        # a stretch of n moving seconds spans n - 1 s between its first and last record
        moving = sum(g for g in gaps if g <= 5)
        assert f.total_timer_time_s - 2 <= moving <= f.total_timer_time_s - 1, f.name
    lifts = [f for f in sparse if f.kind == "strength"]
    assert lifts
    for f in lifts[:3]:
        d = dense[f.name]
        assert (f.set_count, f.end_utc) == (d.set_count, d.end_utc)
        records = sdk_records(f.data)
        assert len(records) == f.record_count < d.record_count / 4
        times = [r["timestamp"] for r in records]
        assert times[0] == f.start_utc and times[-1] == f.end_utc - timedelta(seconds=1)
        assert max((b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)) <= 5


def test_crash_days_are_logged_under_800_kcal(default_files: list[GeneratedFile]) -> None:
    crash = frozenset(START + timedelta(days=i) for i in (2, 5, 9, 13, 20))
    base = NutritionPlan(protein_g_per_kg=(1.8, 2.0), deficit_kcal=300, activity_factor=1.2,
                         random_unlogged=False)
    plain = generate_nutrition_exports(ATHLETE, default_files, START, WEEKS, seed=2, plan=base)
    crashed = generate_nutrition_exports(ATHLETE, default_files, START, WEEKS, seed=2,
                                         plan=replace(base, crash_days=crash))
    for before, after in zip(plain.days, crashed.days, strict=True):
        if after.local_date in crash:
            assert after.logged and 550 <= after.energy_kcal <= 650 + 25 < 800, after
            assert after.meals >= 2
        else:  # the other days are what the plan without crash days gives
            assert after == before
    summary = csv.DictReader(io.StringIO(crashed.cronometer_dailysummary_csv.decode()))
    completed = {date.fromisoformat(r["Date"]): r["Completed"] for r in summary}
    assert all(completed[d] == "true" for d in crash)
    servings = csv.DictReader(io.StringIO(crashed.cronometer_servings_csv.decode()))
    kcal: dict[date, float] = defaultdict(float)
    for row in servings:
        kcal[date.fromisoformat(row["Day"])] += float(row["Energy (kcal)"])
    assert all(kcal[d] < 800 for d in crash)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"scale": "bathroom"},
        {"weight_change_pct_per_week": 8.0},
        {"weight_change_pct_per_week": float("nan")},
        {"record_interval_s": 0},
        {"record_interval_s": 11},
    ],
)
def test_training_plan_rejects_bad_scale_trend_and_interval(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TrainingPlan(**kwargs)  # type: ignore[arg-type]


def test_nutrition_plan_rejects_a_crash_day_target_out_of_range() -> None:
    with pytest.raises(ValueError):
        NutritionPlan(crash_kcal=100.0)
