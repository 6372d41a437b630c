"""docs/bi.md against a real published file: every cookbook query runs as written and
returns the columns it promises, several answers agree with the generator's truth or with
the same question asked differently, and the readers' files are what the page says (opened
read-only, storage `v1.0.0+`, owner-only, CSV text that cannot run as a formula)."""

from __future__ import annotations

import csv
import re
import stat
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from flows.build import build_flow
from flows.ingest import ingest_fit_flow
from flows.nutrition_ingest import ingest_nutrition_flow
from flows.settings import AthleteInputs, NutritionInputs, NutritionSourceSpec
from schemas.config import config_from_dict
from synthetic import (
    GeneratedFile,
    NutritionExports,
    SyntheticAthlete,
    generate_athlete_files,
    generate_nutrition_exports,
)
from tests.factories import recovery
from tests.helpers import REPO

DOC = REPO / "docs" / "bi.md"
START = date(2026, 3, 2)  # a Monday: the span is six whole ISO weeks
WEEKS = 6
# The second id starts with "-", which a spreadsheet would read as a formula: the CSV
# export must neutralise it. Seed 1 gives it a week under 1.6 g/kg with more than 50 km.
ATHLETES = (
    (SyntheticAthlete(), 0),
    (SyntheticAthlete(athlete_id="-trail", sex="male", height_cm=180.0, weight_kg=72.0), 1),
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

EXPECTED_COLUMNS = {
    "last_14_days": ["athlete_id", "local_date", "score", "band", "main_factor", "reasons"],
    "low_protein_high_km_weeks": ["athlete_id", "week_start", "iso_year", "iso_week",
                                  "protein_g_per_kg", "logged_days", "run_km", "score", "band",
                                  "main_factor"],
    "strength_free_streak": ["athlete_id", "first_day", "last_day", "days_without_strength"],
    "score_vs_weekly_km": ["athlete_id", "week_start", "iso_week", "run_km", "run_h",
                           "km_change", "score", "band", "days_scored",
                           "score_km_correlation"],
    "at_risk_days_by_month": ["athlete_id", "month", "main_factor", "high_risk_days",
                              "moderate_risk_days"],
    "low_energy_availability_run_days": ["athlete_id", "local_date", "run_km", "run_min",
                                         "ea_kcal_per_kg_ffm", "intake_kcal", "exercise_kcal",
                                         "fat_free_mass_kg"],
    "protein_spread_by_weekday": ["athlete_id", "weekday_number", "weekday", "logged_days",
                                  "meals_per_day", "meals_reaching_target_per_day",
                                  "share_of_meals_reaching_target", "protein_g_per_kg"],
    "biggest_weekly_drops": ["athlete_id", "week_start", "previous_score", "score", "change",
                             "main_factor", "reasons"],
    "load_lines": ["athlete_id", "local_date", "run_km", "run_km_7d", "trimp", "acute_load",
                   "chronic_load", "acute_chronic_ratio", "fitness_load"],
    "completeness_by_week": ["athlete_id", "week_start", "days", "food_logged_days",
                             "food_complete_days", "training_known_days", "weigh_in_days",
                             "run_hr_coverage_pct", "scored_days", "mean_data_completeness"],
    "short_nights": ["athlete_id", "wake_day", "sleep_h", "sleep_source", "sleep_measured",
                     "score_that_day", "score_next_day"],
    "hrv_baseline_band": ["athlete_id", "local_date", "hrv_measure", "hrv_ms", "hrv_7d_mean_ms",
                          "band_low_ms", "band_high_ms", "position", "resting_hr_delta_bpm"],
    "expectation_runs": ["run_id", "checked_at", "expectations", "failed", "failures"],
    "failed_expectations": ["checked_at", "table_name", "expectation", "columns",
                            "unexpected_count", "example_keys", "held_back_keys", "source_files",
                            "error"],
    "freshness": ["athlete_id", "last_day", "last_food_logged", "last_run", "last_strength",
                  "last_weigh_in", "last_scored_day", "days_since_food_logged",
                  "data_checked_at"],
}


def _cookbook_blocks() -> list[tuple[str, str]]:
    """(id, SQL) of every `<!-- cookbook: id -->` line directly followed by a sql block."""
    return re.findall(r"^<!-- cookbook: ([\w-]+) -->\n```sql\n(.*?)^```", DOC.read_text(
        encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)


COOKBOOK = dict(_cookbook_blocks())


@dataclass(frozen=True)
class Truth:
    """What the generator wrote for one athlete."""

    athlete: SyntheticAthlete
    files: list[GeneratedFile]
    exports: NutritionExports

    def local(self, f: GeneratedFile) -> date:
        return f.start_utc.astimezone(ZoneInfo(self.athlete.timezone)).date()

    def days_of(self, kind: str) -> set[date]:
        return {self.local(f) for f in self.files if f.kind == kind}

    def runs(self) -> list[GeneratedFile]:
        return [f for f in self.files if f.sport == "running"]


@dataclass(frozen=True)
class Published:
    path: Path  # published/musclebalance.duckdb
    truth: dict[str, Truth]


@pytest.fixture(scope="module")
def published(tmp_path_factory, prefect_server) -> Published:
    tmp = tmp_path_factory.mktemp("bi")
    fit_inputs, food_inputs, configured, truth = [], [], [], {}
    for athlete, seed in ATHLETES:
        files = generate_athlete_files(athlete, START, WEEKS, seed=seed)
        exports = generate_nutrition_exports(athlete, files, START, WEEKS, seed=seed)
        truth[athlete.athlete_id] = Truth(athlete, files, exports)
        fit = tmp / f"fit-{seed}"
        fit.mkdir()
        for f in files:
            (fit / f.name).write_bytes(f.data)
        food = tmp / f"cronometer-{seed}"
        food.mkdir()
        (food / "servings.csv").write_bytes(exports.cronometer_servings_csv)
        fit_inputs.append(AthleteInputs(athlete.athlete_id, (str(fit),), athlete.timezone))
        food_inputs.append(NutritionInputs(athlete.athlete_id, (NutritionSourceSpec(str(food)),),
                                           athlete.timezone))
        configured.append({
            "id": athlete.athlete_id, "timezone": athlete.timezone, "sex": athlete.sex,
            "birth_year": athlete.birth_year, "height_cm": athlete.height_cm,
            "weight_kg": athlete.weight_kg, "max_hr": athlete.max_hr,
            "resting_hr": athlete.resting_hr, "lthr": athlete.lthr, "fit_paths": [str(fit)]})
    warehouse = tmp / "data" / "musclebalance.duckdb"
    warehouse.parent.mkdir()
    ingest_fit_flow(warehouse=str(warehouse), athletes=fit_inputs)
    ingest_nutrition_flow(warehouse=str(warehouse), athletes=food_inputs)
    config = config_from_dict({"warehouse": {"path": str(warehouse)}, "athletes": configured},
                              base_dir=tmp)
    summary = build_flow(warehouse=str(warehouse), athletes=list(config.athletes))
    assert summary.published == str(warehouse.parent / "published" / "musclebalance.duckdb")
    return Published(Path(summary.published), truth)


def _query(path: Path, sql: str) -> tuple[list[str], list[dict]]:
    with duckdb.connect(str(path), read_only=True) as con:
        result = con.execute(sql)
        columns = [d[0] for d in result.description]
        return columns, [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def _recipe(published: Published, recipe: str) -> list[dict]:
    columns, rows = _query(published.path, COOKBOOK[recipe])
    assert columns == EXPECTED_COLUMNS[recipe]
    return rows


def _rows(published: Published, sql: str) -> list[dict]:
    return _query(published.path, sql)[1]


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- the cookbook as a whole -------------------------------------------------------------


def test_the_cookbook_has_at_least_ten_uniquely_named_sql_recipes() -> None:
    blocks = _cookbook_blocks()
    ids = [name for name, _ in blocks]
    assert len(ids) >= 10
    assert len(set(ids)) == len(ids), Counter(ids)
    markers = re.findall(r"<!-- cookbook: ", DOC.read_text(encoding="utf-8"))
    assert len(markers) == len(blocks), "a cookbook marker not directly followed by ```sql"
    assert set(ids) == set(EXPECTED_COLUMNS)


@pytest.mark.parametrize("recipe", sorted(COOKBOOK))
def test_every_recipe_runs_read_only_and_returns_its_columns(published, recipe) -> None:
    _recipe(published, recipe)


# --- answers checked against the generator or a differently written query ----------------


def test_longest_stretch_without_strength_matches_the_generated_strength_files(
    published,
) -> None:
    got = {r["athlete_id"]: (r["first_day"], r["last_day"], r["days_without_strength"])
           for r in _recipe(published, "strength_free_streak")}
    expected = {}
    for athlete_id, t in published.truth.items():
        # Training is known from the first to the last day with an activity file.
        active = sorted(t.local(f) for f in t.files if f.sport is not None)
        strength = t.days_of("strength")
        best, current = None, []
        for i in range((active[-1] - active[0]).days + 1):
            day = active[0] + timedelta(days=i)
            if day in strength:
                current = []
                continue
            current.append(day)
            if best is None or len(current) > len(best):
                best = list(current)
        expected[athlete_id] = (best[0], best[-1], len(best))
    assert got == expected


def test_weekly_km_beside_the_score_matches_the_generated_runs(published) -> None:
    expected: dict[tuple[str, date], float] = defaultdict(float)
    for athlete_id, t in published.truth.items():
        zone = ZoneInfo(t.athlete.timezone)
        for f in t.runs():
            start = t.local(f)
            # A run across midnight splits between two days, but stays in its ISO week.
            assert _week(f.end_utc.astimezone(zone).date()) == _week(start)
            expected[(athlete_id, _week(start))] += f.total_distance_m / 1000
    rows = _recipe(published, "score_vs_weekly_km")
    assert len(rows) == WEEKS * len(ATHLETES)
    for r in rows:
        km = expected.get((r["athlete_id"], r["week_start"]), 0.0)
        assert r["run_km"] == pytest.approx(km, rel=0.01, abs=0.06), r
    ordered = [(r["athlete_id"], r["week_start"]) for r in rows]
    assert ordered == sorted(ordered)
    for athlete_id in published.truth:  # the week-on-week change is the plain difference
        mine = [r for r in rows if r["athlete_id"] == athlete_id]
        assert mine[0]["km_change"] is None
        for before, after in zip(mine, mine[1:], strict=False):
            assert after["km_change"] == pytest.approx(after["run_km"] - before["run_km"],
                                                       abs=0.11)


def test_low_protein_high_km_weeks_are_the_weeks_a_python_filter_picks(published) -> None:
    weeks = _rows(published, "SELECT * FROM marts.weekly_muscle_balance")
    expected = sorted((w["athlete_id"], w["week_start"]) for w in weeks
                      if w["protein_g_per_kg_mean"] is not None
                      and w["run_distance_km"] is not None
                      and w["protein_g_per_kg_mean"] < 1.6 and w["run_distance_km"] > 50)
    assert expected, "the generated data should hold at least one such week"
    got = [(r["athlete_id"], r["week_start"]) for r in _recipe(published,
                                                              "low_protein_high_km_weeks")]
    assert got == expected


def test_freshness_names_the_last_generated_food_run_strength_and_weigh_in(published) -> None:
    got = {r["athlete_id"]: r for r in _recipe(published, "freshness")}
    assert set(got) == set(published.truth)
    for athlete_id, t in published.truth.items():
        row = got[athlete_id]
        assert row["last_food_logged"] == max(d.local_date for d in t.exports.days if d.logged)
        assert row["last_run"] == max(t.local(f) for f in t.runs())
        assert row["last_strength"] == max(t.days_of("strength"))
        assert row["last_weigh_in"] == max(t.days_of("weight"))
        assert row["last_day"] == START + timedelta(days=7 * WEEKS - 1)
        # DuckDB's current_date is in its session time zone: allow a day either way.
        since = (date.today() - row["last_food_logged"]).days
        assert abs(row["days_since_food_logged"] - since) <= 1


def test_completeness_per_week_counts_the_generated_food_logs_and_weigh_ins(published) -> None:
    got = {(r["athlete_id"], r["week_start"]): r
           for r in _recipe(published, "completeness_by_week")}
    assert len(got) == WEEKS * len(ATHLETES)
    for athlete_id, t in published.truth.items():
        for week in range(WEEKS):
            monday = START + timedelta(days=7 * week)
            row = got[(athlete_id, monday)]
            days = [d for d in t.exports.days if _week(d.local_date) == monday]
            assert row["days"] == 7
            assert row["food_logged_days"] == sum(d.logged for d in days)
            assert row["food_complete_days"] == row["food_logged_days"]  # none under 800 kcal
            assert row["weigh_in_days"] == len({d for d in t.days_of("weight")
                                                if _week(d) == monday})


def test_rolling_km_on_the_last_day_is_the_last_weeks_generated_runs(published) -> None:
    rows = _recipe(published, "load_lines")
    for athlete_id, t in published.truth.items():
        mine = [r for r in rows if r["athlete_id"] == athlete_id]
        last = mine[-1]["local_date"]
        km = sum(f.total_distance_m for f in t.runs()
                 if last - timedelta(days=6) <= t.local(f) <= last) / 1000
        assert mine[-1]["run_km_7d"] == pytest.approx(km, rel=0.01, abs=0.06)


def test_protein_spread_counts_every_generated_logged_day(published) -> None:
    rows = _recipe(published, "protein_spread_by_weekday")
    for athlete_id, t in published.truth.items():
        per_weekday = Counter(d.local_date.isoweekday() for d in t.exports.days if d.logged)
        got = {r["weekday_number"]: r["logged_days"] for r in rows
               if r["athlete_id"] == athlete_id}
        assert got == dict(per_weekday)


def test_biggest_drops_are_the_largest_falls_a_python_lag_finds(published) -> None:
    weeks = sorted(_rows(published, "SELECT athlete_id, week_start, score "
                                    "FROM marts.weekly_muscle_balance"),
                   key=lambda w: (w["athlete_id"], w["week_start"]))
    falls = []
    for before, after in zip(weeks, weeks[1:], strict=False):
        if (before["athlete_id"] == after["athlete_id"] and None not in (before["score"],
                                                                         after["score"])
                and after["score"] < before["score"]):
            falls.append((round(after["score"] - before["score"], 1), after["athlete_id"],
                          after["week_start"]))
    got = [(r["change"], r["athlete_id"], r["week_start"])
           for r in _recipe(published, "biggest_weekly_drops")]
    assert got == sorted(falls)[:10]
    assert got, "the generated weeks should hold at least one fall"


def test_low_energy_availability_run_days_match_a_join_done_in_python(published) -> None:
    energy = {(r["athlete_id"], r["local_date"]): r["energy_availability_kcal_per_kg_ffm"]
              for r in _rows(published, "SELECT * FROM marts.daily_energy")}
    running = {(r["athlete_id"], r["local_date"]) for r in _rows(
        published, "SELECT athlete_id, local_date FROM marts.daily_training "
                   "WHERE run_sessions > 0")}
    expected = sorted(k for k in running if energy.get(k) is not None and energy[k] < 30)
    got = [(r["athlete_id"], r["local_date"])
           for r in _recipe(published, "low_energy_availability_run_days")]
    assert got == expected


def test_at_risk_days_per_month_add_up_to_the_daily_bands(published) -> None:
    expected: Counter = Counter()
    for r in _rows(published, "SELECT athlete_id, local_date, band "
                              "FROM marts.daily_muscle_balance"):
        if r["band"] in ("high", "moderate"):
            expected[(r["athlete_id"], r["local_date"].strftime("%Y-%m"), r["band"])] += 1
    got: Counter = Counter()
    for r in _recipe(published, "at_risk_days_by_month"):
        got[(r["athlete_id"], r["month"], "high")] += r["high_risk_days"]
        got[(r["athlete_id"], r["month"], "moderate")] += r["moderate_risk_days"]
    assert +got == expected


def test_last_14_days_end_on_each_athletes_last_day(published) -> None:
    rows = _recipe(published, "last_14_days")
    for athlete_id in published.truth:
        days = [r["local_date"] for r in rows if r["athlete_id"] == athlete_id]
        last = START + timedelta(days=7 * WEEKS - 1)
        assert days == [last - timedelta(days=13 - i) for i in range(14)]


def test_the_publishing_build_passed_every_expectation(published) -> None:
    runs = _recipe(published, "expectation_runs")
    counts = {r["run_id"]: r["n"] for r in _rows(
        published, "SELECT run_id, count(*) AS n FROM marts.validation_results GROUP BY 1")}
    assert {r["run_id"]: r["expectations"] for r in runs} == counts
    assert runs[0]["failed"] == 0 and runs[0]["failures"] is None
    assert _recipe(published, "failed_expectations") == []


# --- the files as the page describes them -------------------------------------------------


def test_the_published_file_opens_read_only_in_the_v1_storage_format(published) -> None:
    with duckdb.connect(str(published.path), read_only=True) as con:
        (version,) = con.execute(
            "SELECT tags['storage_version'] FROM duckdb_databases() "
            "WHERE database_name = current_database()").fetchone()
        assert version == "v1.0.0+"
        with pytest.raises(duckdb.Error):
            con.execute("CREATE TABLE marts.scratch (i INTEGER)")
    folder = published.path.parent
    assert stat.S_IMODE(published.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_the_parquet_files_hold_the_same_rows_as_the_tables(published) -> None:
    folder = published.path.parent / "parquet"
    with duckdb.connect(str(published.path), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()]
        assert {p.stem for p in folder.glob("*.parquet")} == set(tables)
        for table in tables:
            parquet = str(folder / f"{table}.parquet")
            assert con.execute(
                f"SELECT count(*) FROM (SELECT * FROM read_parquet(?) EXCEPT ALL "  # noqa: S608
                f"SELECT * FROM marts.{table})", [parquet]).fetchone() == (0,), table


def test_no_text_cell_of_any_published_csv_can_run_as_a_formula(published) -> None:
    folder = published.path.parent / "csv"
    with duckdb.connect(str(published.path), read_only=True) as con:
        types = defaultdict(dict)
        for table, column, data_type in con.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() "
                "WHERE schema_name = 'marts'").fetchall():
            types[table][column] = data_type
        neutralised = 0
        for path in sorted(folder.glob("*.csv")):
            table = path.stem
            with path.open(encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh))
            assert rows, table
            for column, data_type in types[table].items():
                if data_type not in ("VARCHAR", "JSON"):
                    continue
                cells = [r[column] for r in rows]
                for cell in cells:
                    assert not cell.startswith(FORMULA_STARTS), (table, column, cell)
                if data_type != "VARCHAR":
                    continue
                # The text is the table's, with a leading apostrophe where it was needed.
                values = [v for (v,) in con.execute(
                    f'SELECT "{column}" FROM marts.{table}').fetchall()]  # noqa: S608
                expected = Counter("" if v is None else "'" + v if v.startswith(FORMULA_STARTS)
                                   else v for v in values)
                assert Counter(cells) == expected, (table, column)
                neutralised += sum(cell.startswith("'") for cell in cells)
    # "-trail" on every row of his in the four daily marts and the weekly one: the check
    # above was not vacuous.
    assert neutralised >= 4 * 7 * WEEKS + WEEKS


def test_every_decimal_in_the_published_csv_keeps_its_units_precision(published) -> None:
    """On the built marts: a CSV number has at most the decimals docs/bi.md gives its unit,
    and lies within half a unit of that last decimal of the full-precision value."""
    from schemas.export_precision import csv_decimals

    folder = published.path.parent / "csv"
    checked = 0
    with duckdb.connect(str(published.path), read_only=True) as con:
        floats = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'marts' "
            "AND data_type = 'DOUBLE' ORDER BY table_name, column_index").fetchall()
        for table, column in floats:
            decimals = csv_decimals(column)
            assert decimals is not None, (table, column)
            with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
                cells = [row[column] for row in csv.DictReader(fh)]
            values = [v for (v,) in con.execute(
                f'SELECT "{column}" FROM marts.{table}').fetchall()]  # noqa: S608
            assert len(cells) == len(values), (table, column)
            for cell, value in zip(cells, values, strict=True):
                if value is None:
                    assert cell == "", (table, column)
                    continue
                assert len(cell.partition(".")[2]) <= decimals, (table, column, cell)
                assert abs(float(cell) - value) <= 0.5 * 10**-decimals + 1e-9, (table, column)
                checked += 1
    assert checked > 1000  # real rows were compared, not an empty export


# --- recovery: a file of hand-made rows (the generated athletes have no sleep or HRV) -----
def _recovery_file(tmp_path: Path, rows: dict, scores: dict[date, float]) -> Path:
    """A DuckDB file with marts.daily_recovery built from raw rows and a
    marts.daily_muscle_balance holding only `scores` (athlete a)."""
    path = tmp_path / "recovery.duckdb"
    mart = recovery(**rows)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.register("mart", mart)
        con.execute("CREATE TABLE marts.daily_recovery AS SELECT * FROM mart")
        con.execute("CREATE TABLE marts.daily_muscle_balance (athlete_id VARCHAR, "
                    "local_date DATE, score DOUBLE)")
        if scores:
            con.executemany("INSERT INTO marts.daily_muscle_balance VALUES ('a', ?, ?)",
                            list(scores.items()))
    return path


def test_short_nights_are_the_last_28_days_nights_under_7_h_with_their_scores(tmp_path) -> None:
    day0 = date(2026, 3, 2)
    short = {1: 6.5, 5: 6.0, 20: 6.99, 29: 5.0}  # hours; every other night 7.5 h
    sleep = [{"start_utc": datetime.combine(day0 + timedelta(days=i), time(0), UTC)
              - timedelta(hours=9),
              "end_utc": datetime.combine(day0 + timedelta(days=i), time(5), UTC),
              "asleep_s": short.get(i, 7.5) * 3600} for i in range(30)]
    scores = {day0 + timedelta(days=i): 50.0 + i for i in range(30)}
    path = _recovery_file(tmp_path, {"sleep": sleep}, scores)
    columns, rows = _query(path, COOKBOOK["short_nights"])
    assert columns == EXPECTED_COLUMNS["short_nights"]
    # the last day is day 29: its 28 days are days 2..29, so day 1's 6.5 h is too old
    assert [(r["wake_day"], r["sleep_h"], r["score_that_day"], r["score_next_day"])
            for r in rows] == [
        (day0 + timedelta(days=5), pytest.approx(6.0), 55.0, 56.0),
        (day0 + timedelta(days=20), pytest.approx(6.99), 70.0, 71.0),
        (day0 + timedelta(days=29), pytest.approx(5.0), 79.0, None)]
    assert {(r["sleep_source"], r["sleep_measured"]) for r in rows} == {("garmin_json", True)}


def test_the_hrv_band_is_the_baseline_plus_or_minus_half_its_sd(tmp_path) -> None:
    day0 = date(2026, 3, 2)
    values = [60.0 + (i % 3) for i in range(28)] + [50.0] * 7  # 35 days, a fall at the end
    hrv = [{"local_date": day0 + timedelta(days=i), "hrv_ms": v, "measure": "garmin_overnight"}
           for i, v in enumerate(values)]
    path = _recovery_file(tmp_path, {"hrv": hrv}, {})
    columns, rows = _query(path, COOKBOOK["hrv_baseline_band"])
    assert columns == EXPECTED_COLUMNS["hrv_baseline_band"]
    by_day = {r["local_date"]: r for r in rows}
    # the first day with a baseline of 14 days: day 20 (days 0..13 before its week)
    assert min(by_day) == day0 + timedelta(days=20)
    for i in (20, 28, 31, 34):
        week = values[i - 6:i + 1]
        base = values[max(0, i - 34):i - 6]
        mean, sd = statistics.mean(base), statistics.stdev(base)
        got = by_day[day0 + timedelta(days=i)]
        assert got["band_low_ms"] == pytest.approx(mean - sd / 2, abs=2e-4)
        assert got["band_high_ms"] == pytest.approx(mean + sd / 2, abs=2e-4)
        mean7 = statistics.mean(week)
        expected = ("below" if mean7 < mean - sd / 2 else "above" if mean7 > mean + sd / 2
                    else "within")
        assert got["position"] == expected, i
    assert by_day[day0 + timedelta(days=34)]["position"] == "below"
    flagged = {r["local_date"] for r in _query(path, "SELECT local_date FROM "
                                                     "marts.daily_recovery WHERE hrv_below_swc")[1]}
    assert flagged == {d for d, r in by_day.items() if r["position"] == "below"}
