"""Scenario tests of the muscle-balance score, end to end: a generated runner's FIT files and
Cronometer export, ingested and built, and the band and leading reason of the last 14 days
checked against what each scenario should give.

1. A high-volume marathoner (6 runs a week, no strength) eating 1.0 g/kg protein in a
   600 kcal deficit: high risk, protein or energy leading, protein and strength in the
   reasons.
2. A mixed runner (4 runs, 2 strength sessions a week) eating 1.8 g/kg protein in energy
   balance: low risk, led by neither protein nor strength.
3. The same mixed runner who stops logging food for the last 14 days: no score (never a good
   one) once fewer than 4 of the last 7 days are logged.

Each scenario is ingested and built once (module-scoped fixtures); scenarios 2 and 3 share
their FIT ingest (same training) and differ only in the food log.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from flows.build import build_flow
from flows.ingest import ingest_fit_flow
from flows.nutrition_ingest import ingest_nutrition_flow
from flows.settings import AthleteInputs, NutritionInputs, NutritionSourceSpec
from synthetic import (
    MARATHONER_PLAN,
    MIXED_RUNNER_PLAN,
    GeneratedFile,
    NutritionPlan,
    SyntheticAthlete,
    TrainingPlan,
    generate_athlete_files,
    generate_nutrition_exports,
)
from tests.helpers import synthetic_athletes

pytestmark = pytest.mark.usefixtures("prefect_server")

ATHLETE = SyntheticAthlete()
START = date(2026, 4, 6)  # a Monday; the weeks stay clear of DST changes
WEEKS = 7
LAST = START + timedelta(days=7 * WEEKS - 1)  # a Sunday
LAST_14 = LAST - timedelta(days=13)  # first of the last 14 days: the last two ISO weeks
FIRST_FULL_WINDOW = START + timedelta(days=6)  # first day whose 7-day windows are all known
MIN_LOGGED_DAYS = 4  # the model's usable food-log days in 7 (ScoreConstants.min_logged_days)
#: Scenario 3 stops logging on LAST_14: its 4th unlogged day leaves 3 logged days in 7
FIRST_UNSCORED = LAST_14 + timedelta(days=7 - MIN_LOGGED_DAYS)

MARATHONER_FOOD = NutritionPlan(protein_g_per_kg=(0.95, 1.05), deficit_kcal=600,
                                activity_factor=1.2, random_unlogged=False)
#: energy balance as the generator defines it: resting x 1.4 (FAO/WHO/UNU 2004 sedentary
#: physical activity level, the generator's default) + exercise
MIXED_FOOD = NutritionPlan(protein_g_per_kg=(1.75, 1.85), deficit_kcal=0,
                           random_unlogged=False)
UNLOGGED_FOOD = NutritionPlan(protein_g_per_kg=(1.75, 1.85), deficit_kcal=0,
                              random_unlogged=False, unlogged_from=LAST_14)


# -- setup ------------------------------------------------------------------------------


def write_fit(tmp: Path, plan: TrainingPlan) -> tuple[Path, list[GeneratedFile]]:
    """The athlete's FIT files for the span under `tmp/fit`."""
    files = generate_athlete_files(ATHLETE, START, WEEKS, plan=plan)
    fit = tmp / "fit"
    fit.mkdir()
    for f in files:
        (fit / f.name).write_bytes(f.data)
    return fit, files


def ingest_fit(warehouse: Path, fit: Path) -> None:
    ingest_fit_flow(warehouse=str(warehouse),
                    athletes=[AthleteInputs(ATHLETE.athlete_id, (str(fit),), ATHLETE.timezone)])


def ingest_food(tmp: Path, warehouse: Path, files: list[GeneratedFile],
                plan: NutritionPlan) -> None:
    """Write the span's Cronometer export (servings and daily summary) under `tmp/cronometer`
    and ingest it."""
    exports = generate_nutrition_exports(ATHLETE, files, START, WEEKS, plan=plan)
    food = tmp / "cronometer"
    food.mkdir()
    (food / "servings.csv").write_bytes(exports.cronometer_servings_csv)
    (food / "dailysummary.csv").write_bytes(exports.cronometer_dailysummary_csv)
    ingest_nutrition_flow(warehouse=str(warehouse), athletes=[NutritionInputs(
        ATHLETE.athlete_id, (NutritionSourceSpec(str(food)),), ATHLETE.timezone)])


def build(tmp: Path, warehouse: Path, fit: Path) -> None:
    """The build flow with the athlete's config (as `musclebalance.toml` would give it)."""
    build_flow(warehouse=str(warehouse), athletes=synthetic_athletes(tmp, warehouse, fit, ATHLETE))


def copy_warehouse(source: Path, target: Path) -> Path:
    """A copy of a closed warehouse file (and its WAL, if one was left)."""
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


# -- reading the marts --------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    """One row of marts.daily_muscle_balance (the columns these tests read)."""

    local_date: date
    score: float | None
    band: str | None
    data_completeness: float
    main_factor: str | None
    reasons: str
    protein_score: float | None
    energy_score: float | None
    carbohydrate_score: float | None
    running_load_score: float | None
    intensity_score: float | None
    strength_score: float | None
    recovery_score: float | None
    logged_days_7d: int
    known_days_7d: int
    model_version: str

    def row(self) -> str:
        """The day as one line for an assertion message."""
        parts = (self.protein_score, self.energy_score, self.carbohydrate_score,
                 self.running_load_score, self.intensity_score, self.strength_score,
                 self.recovery_score)
        return (f"{self.local_date} score={self.score} band={self.band} "
                f"completeness={self.data_completeness} main={self.main_factor} "
                f"p/e/c/rl/i/s/r={parts} reasons={self.reasons!r}")


DAY_COLUMNS = tuple(Day.__dataclass_fields__)


@dataclass(frozen=True)
class Scenario:
    """A scenario's built marts: every daily row and every weekly row, by date."""

    days: list[Day]
    weeks: list[dict]

    @property
    def last_14(self) -> list[Day]:
        return [d for d in self.days if d.local_date >= LAST_14]

    def day(self, local_date: date) -> Day:
        (found,) = [d for d in self.days if d.local_date == local_date]
        return found


def read_scenario(warehouse: Path) -> Scenario:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        days = [Day(*row) for row in con.execute(
            f"SELECT {', '.join(DAY_COLUMNS)} FROM marts.daily_muscle_balance "  # noqa: S608
            "WHERE athlete_id = ? ORDER BY local_date", [ATHLETE.athlete_id]).fetchall()]
        cur = con.execute("SELECT * FROM marts.weekly_muscle_balance WHERE athlete_id = ? "
                          "ORDER BY week_start", [ATHLETE.athlete_id])
        names = [d[0] for d in cur.description]
        weeks = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    return Scenario(days, weeks)


def table(days: list[Day]) -> str:
    return "\n".join(d.row() for d in days)


def reason_parts(day: Day) -> list[str]:
    return [part.strip() for part in day.reasons.split(";")]


# -- the scenarios ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def marathoner(tmp_path_factory) -> Scenario:
    tmp = tmp_path_factory.mktemp("marathoner")
    fit, files = write_fit(tmp, MARATHONER_PLAN)
    warehouse = tmp / "w.duckdb"
    ingest_fit(warehouse, fit)
    ingest_food(tmp, warehouse, files, MARATHONER_FOOD)
    build(tmp, warehouse, fit)
    return read_scenario(warehouse)


@pytest.fixture(scope="module")
def mixed_training(tmp_path_factory) -> tuple[Path, Path, list[GeneratedFile]]:
    """The mixed runner's FIT files ingested once: (fit dir, warehouse, files)."""
    tmp = tmp_path_factory.mktemp("mixed_fit")
    fit, files = write_fit(tmp, MIXED_RUNNER_PLAN)
    warehouse = tmp / "fit_only.duckdb"
    ingest_fit(warehouse, fit)
    return fit, warehouse, files


def _mixed(tmp: Path, training: tuple[Path, Path, list[GeneratedFile]],
           food: NutritionPlan) -> Scenario:
    fit, fit_only, files = training
    warehouse = copy_warehouse(fit_only, tmp / "w.duckdb")
    ingest_food(tmp, warehouse, files, food)
    build(tmp, warehouse, fit)
    return read_scenario(warehouse)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, mixed_training) -> Scenario:
    return _mixed(tmp_path_factory.mktemp("mixed"), mixed_training, MIXED_FOOD)


@pytest.fixture(scope="module")
def unlogged(tmp_path_factory, mixed_training) -> Scenario:
    return _mixed(tmp_path_factory.mktemp("unlogged"), mixed_training, UNLOGGED_FOOD)


@pytest.fixture(params=["marathoner", "mixed", "unlogged"])
def scenario(request) -> Scenario:
    return request.getfixturevalue(request.param)


# -- 1. high-volume marathoner ------------------------------------------------------------


def test_marathoner_is_high_risk_led_by_protein_or_energy(marathoner: Scenario) -> None:
    days = marathoner.last_14
    assert len(days) == 14
    assert all(d.score is not None and d.band == "high" for d in days), table(days)
    assert all(d.main_factor in ("protein", "energy") for d in days), table(days)


#: The beginnings of the flags' texts, which lead the reasons when set.
FLAGS = ("energy availability ", "weight ")


def test_marathoner_reasons_name_protein_and_missing_strength(marathoner: Scenario) -> None:
    """Protein is named every day; missing strength too, unless the two flags (a low energy
    availability, and the generated weigh-ins, which do not follow the food plan's
    deficit, against the food log) take two of the three places."""
    days = marathoner.last_14
    for d in days:
        parts = reason_parts(d)
        flags = [p for p in parts if p.startswith(FLAGS)]
        assert any(p.startswith("protein ") for p in parts), d.row()
        assert d.strength_score == 0.0, d.row()
        assert len(flags) == 2 or any(p.startswith("no strength session in ")
                                      for p in parts), d.row()


def test_marathoner_protein_reason_gives_the_intake_and_target(marathoner: Scenario) -> None:
    days = marathoner.last_14
    missing = [d for d in days if "protein 1.0 g/kg (target" not in d.reasons]
    assert missing == [], table(missing)


def test_marathoner_weeks_are_high_risk(marathoner: Scenario) -> None:
    last_two = [w for w in marathoner.weeks if w["week_start"] >= LAST_14]
    assert len(last_two) == 2
    assert all(w["band"] == "high" for w in last_two), last_two
    assert all(w["days_scored"] == 7 for w in last_two), last_two


# -- 2. mixed runner in energy balance ----------------------------------------------------


def test_mixed_runner_is_low_risk_every_day(mixed: Scenario) -> None:
    days = mixed.last_14
    assert len(days) == 14
    assert all(d.score is not None and d.band == "low" for d in days), table(days)
    last_two = [w for w in mixed.weeks if w["week_start"] >= LAST_14]
    assert [w["band"] for w in last_two] == ["low", "low"], last_two


def test_mixed_runner_is_led_by_neither_protein_nor_strength(mixed: Scenario) -> None:
    """Energy is the 7-day balance, body fat known or not: eating to the generator's
    expenditure (resting x 1.4 + exercise) is a surplus of resting x 0.2 by the model's
    (resting x 1.2 + exercise), full energy credit. Energy availability, (resting x 1.4 +
    resting x exercise minutes / 1440) / FFM, about 40 kcal/kg FFM, is above the flag's 30:
    no energy reason of either kind."""
    days = mixed.last_14
    led = [d for d in days if d.main_factor in ("protein", "strength", "energy")]
    assert led == [], table(led)
    for d in days:
        assert d.energy_score == 100.0, d.row()
        assert not any(p.startswith("energy availability") for p in reason_parts(d)), d.row()


def test_mixed_runner_reasons_do_not_blame_protein_or_strength(mixed: Scenario) -> None:
    days = mixed.last_14
    for d in days:
        parts = reason_parts(d)
        assert not any("protein" in p or "strength" in p for p in parts), d.row()


# -- 3. the mixed runner after two weeks without a food log -------------------------------


def test_no_score_once_too_few_days_are_logged(unlogged: Scenario) -> None:
    days = [d for d in unlogged.last_14 if d.local_date >= FIRST_UNSCORED]
    assert len(days) == 11
    for d in days:
        assert d.score is None and d.band is None and d.main_factor is None, d.row()
        assert d.data_completeness < 0.7, d.row()  # ScoreConstants.min_completeness
        assert d.reasons.startswith("not enough data"), d.row()
        assert "complete food logs on" in d.reasons, d.row()
        assert d.logged_days_7d < MIN_LOGGED_DAYS, d.row()


def test_missing_food_log_never_gives_a_good_score(unlogged: Scenario) -> None:
    days = [d for d in unlogged.last_14 if d.logged_days_7d < MIN_LOGGED_DAYS]
    assert days, "the scenario has days with too few logged days"
    assert all(d.band != "low" for d in days), table(days)
    last_week = unlogged.weeks[-1]
    assert last_week["days_scored"] == 0 and last_week["band"] is None, last_week


def test_days_before_logging_stopped_are_scored(unlogged: Scenario, mixed: Scenario) -> None:
    days = [d for d in unlogged.days if FIRST_FULL_WINDOW <= d.local_date < FIRST_UNSCORED]
    assert all(d.score is not None and d.band is not None for d in days), table(days)
    # before the food log stops, both scenarios are the same runner eating the same way
    same = {d.local_date: d.band for d in mixed.days if d.local_date < LAST_14}
    assert {d.local_date: d.band for d in unlogged.days if d.local_date < LAST_14} == same


# -- every scenario -----------------------------------------------------------------------


def test_one_row_per_day_of_the_span(scenario: Scenario) -> None:
    assert [d.local_date for d in scenario.days] == [
        START + timedelta(days=i) for i in range(7 * WEEKS)]


def test_complete_inputs_give_full_completeness(scenario: Scenario) -> None:
    full = [d for d in scenario.days if d.local_date >= FIRST_FULL_WINDOW
            and d.logged_days_7d >= MIN_LOGGED_DAYS and d.known_days_7d == 7]
    assert full, "no day with every input"
    assert all(d.score is not None and d.data_completeness == 1.0 for d in full), table(full)
    assert all(d.data_completeness == 1.0 for d in scenario.last_14 if d.score is not None)


def test_one_model_version_on_every_row(scenario: Scenario) -> None:
    versions = {d.model_version for d in scenario.days} | {
        w["model_version"] for w in scenario.weeks}
    assert len(versions) == 1
    (version,) = versions
    assert isinstance(version, str) and version.strip()


def test_one_weekly_row_per_iso_week(scenario: Scenario) -> None:
    weeks = {d.local_date.isocalendar()[:2] for d in scenario.days}
    assert sorted((w["iso_year"], w["iso_week"]) for w in scenario.weeks) == sorted(weeks)
    assert sum(w["days"] for w in scenario.weeks) == len(scenario.days)
    for w in scenario.weeks:
        in_week = [d for d in scenario.days if d.local_date.isocalendar()[:2]
                   == (w["iso_year"], w["iso_week"])]
        assert w["days"] == len(in_week)
        assert w["days_scored"] == sum(d.score is not None for d in in_week)
