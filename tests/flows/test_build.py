"""The build end to end: a generated athlete's FIT files and food exports, ingested and
built, checked against what the generator wrote."""

from __future__ import annotations

import csv
import io
import shutil
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from flows.build import build_flow
from flows.ingest import ingest_fit_flow
from flows.nutrition_ingest import ingest_nutrition_flow
from flows.settings import AthleteInputs, NutritionInputs, NutritionSourceSpec
from schemas.config import config_from_dict
from schemas.marts import MARTS
from synthetic import (
    SyntheticAthlete,
    config_toml,
    generate_athlete_files,
    generate_nutrition_exports,
)

pytestmark = pytest.mark.usefixtures("prefect_server")
START = date(2026, 3, 2)
WEEKS = 3


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, list, object]:
    tmp = tmp_path_factory.mktemp("build")
    athlete = SyntheticAthlete()
    files = generate_athlete_files(athlete, START, WEEKS)
    exports = generate_nutrition_exports(athlete, files, START, WEEKS)
    fit = tmp / "fit"
    fit.mkdir()
    for f in files:
        (fit / f.name).write_bytes(f.data)
    food = tmp / "cronometer"
    food.mkdir()
    (food / "servings.csv").write_bytes(exports.cronometer_servings_csv)
    (food / "dailysummary.csv").write_bytes(exports.cronometer_dailysummary_csv)
    warehouse = tmp / "w.duckdb"
    ingest_fit_flow(warehouse=str(warehouse),
                    athletes=[AthleteInputs(athlete.athlete_id, (str(fit),), athlete.timezone)])
    ingest_nutrition_flow(warehouse=str(warehouse), athletes=[NutritionInputs(
        athlete.athlete_id, (NutritionSourceSpec(str(food)),), athlete.timezone)])
    config = config_from_dict(athlete.config(str(warehouse), [str(fit)]), base_dir=tmp)
    summary = build_flow(warehouse=str(warehouse), athletes=list(config.athletes))
    assert set(summary.rows) == {"daily_training", "daily_nutrition", "daily_energy",
                                 "daily_muscle_balance", "weekly_muscle_balance",
                                 "daily_recovery"}
    return warehouse, files, exports


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _by_day(warehouse: Path, columns: str, days: tuple) -> list[tuple[object, tuple]]:
    """(generated day, the mart's `columns` on it) for the generated days the daily
    nutrition mart holds."""
    got = {d: rest for d, *rest in _rows(
        warehouse, f"SELECT local_date, {columns} FROM marts.daily_nutrition")}  # noqa: S608
    return [(day, tuple(got[day.local_date])) for day in days if day.local_date in got]


def test_one_row_per_day_from_first_to_last(built) -> None:
    warehouse, files, _ = built
    for table in ("daily_training", "daily_nutrition", "daily_energy", "daily_muscle_balance"):
        days = [d for (d,) in _rows(warehouse, f"SELECT local_date FROM marts.{table} "  # noqa: S608
                                               "ORDER BY 1")]
        assert days == [days[0] + timedelta(days=i) for i in range(len(days))], table
        assert len(set(days)) == len(days)


def test_running_distance_per_day_matches_the_generated_runs(built) -> None:
    warehouse, files, _ = built
    zone = ZoneInfo("Europe/Berlin")
    expected: dict[date, float] = defaultdict(float)
    for f in files:
        if f.sport == "running" and f.kind != "midnight_run":
            expected[f.start_utc.astimezone(zone).date()] += f.total_distance_m / 1000
    got = dict(_rows(warehouse, "SELECT local_date, run_distance_km FROM marts.daily_training"))
    (midnight,) = [f for f in files if f.kind == "midnight_run"]
    first = midnight.start_utc.astimezone(zone).date()
    for day, km in expected.items():
        if day not in (first, first + timedelta(days=1)):
            assert got[day] == pytest.approx(km, rel=0.01), day
    split = got[first] + got[first + timedelta(days=1)] - expected.get(first, 0) - expected.get(
        first + timedelta(days=1), 0)
    assert split == pytest.approx(midnight.total_distance_m / 1000, rel=0.01)


def test_nutrition_days_take_one_source_and_unlogged_days_stay_unknown(built) -> None:
    warehouse, _, exports = built
    for day, (logged, kcal, source) in _by_day(
            warehouse, "logged, energy_kcal, nutrition_source", exports.days):
        if day.logged:
            assert logged and kcal == pytest.approx(day.energy_kcal, abs=1e-6)
            assert source == "cronometer_servings"  # entries beat the daily summary
        else:
            assert logged is False and kcal is None


def test_the_trackers_completion_flag_and_incomplete_days_reach_the_marts(built, tmp_path
                                                                          ) -> None:
    warehouse, _, exports = built
    # raw: Cronometer's Completed column as the generator wrote it, day by day
    summary = csv.DictReader(io.StringIO(exports.cronometer_dailysummary_csv.decode()))
    completed = {date.fromisoformat(r["Date"]): r["Completed"] == "true" for r in summary}
    assert dict(_rows(warehouse, "SELECT local_date, day_completed FROM raw.nutrition_entries "
                                 "WHERE source_format = 'cronometer_dailysummary'")) == completed
    # the flags: very low under 800 kcal of the generated totals; left out only when the
    # export (which marks some day completed) says a very low day was not completed
    assert any(completed.values())
    flags = _by_day(warehouse, "very_low_intake, incomplete, incomplete_source", exports.days)
    for day, got in flags:
        if not day.logged:
            assert got == (None, None, None)
            continue
        low = day.energy_kcal < 800
        by_tracker = low and not completed[day.local_date]
        assert got == (low, by_tracker, "tracker" if by_tracker else None)
    # a day the config lists: left out of the windows, rebuilt in a copy of the warehouse
    marked = next(day.local_date for day, (_, incomplete, _) in flags if incomplete is False)
    copy = tmp_path / "w.duckdb"
    shutil.copy(warehouse, copy)
    document = SyntheticAthlete().config(str(copy))
    document["athletes"][0]["incomplete_days"] = [marked.isoformat()]
    config = config_from_dict(document, base_dir=tmp_path)
    build_flow(warehouse=str(copy), athletes=list(config.athletes))
    query = ("SELECT n.incomplete, n.incomplete_source, m.logged_days_7d FROM "  # noqa: S608
             "marts.daily_nutrition n JOIN marts.daily_muscle_balance m USING (athlete_id, "
             f"local_date) WHERE local_date = DATE '{marked}'")
    (before,), (after,) = _rows(warehouse, query), _rows(copy, query)
    assert before[:2] == (False, None) and after[:2] == (True, "config")
    assert after[2] == before[2] - 1


def test_every_fact_column_has_a_comment(built) -> None:
    warehouse, _, _ = built
    missing = _rows(warehouse, "SELECT table_name, column_name FROM duckdb_columns() "
                               "WHERE schema_name = 'marts' AND (comment IS NULL "
                               "OR comment = '')")
    assert missing == []


def test_nightly_flow_ingests_then_builds_from_the_config(tmp_path: Path) -> None:
    from flows.nightly import nightly_flow

    athlete = SyntheticAthlete()
    fit = tmp_path / "fit"
    fit.mkdir()
    for f in generate_athlete_files(athlete, START, 1)[:4]:
        (fit / f.name).write_bytes(f.data)
    config = tmp_path / "musclebalance.toml"
    config.write_text(
        '[warehouse]\npath = "w.duckdb"\n\n[[athletes]]\nid = "demo"\n'
        'timezone = "Europe/Berlin"\nsex = "female"\nbirth_year = 1990\nheight_cm = 168\n'
        'fit_paths = ["fit"]\n[scoring]\nmax_gap_s = 12\n')
    summary = nightly_flow(config=str(config))
    assert summary.build is not None and summary.build.rows["daily_training"] > 0
    assert _rows(tmp_path / "w.duckdb", "SELECT count(*) FROM raw.source_files") == [(4,)]
    assert _rows(tmp_path / "w.duckdb", "SELECT command, status, files_loaded FROM "
                 "marts.pipeline_runs") == [("nightly", "completed", 4)]


def _marts(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM marts.{t} ORDER BY ALL").fetchall()  # noqa: S608
                for t in MARTS}


def _config(warehouse: Path, tmp_path: Path):
    """The generated athlete's config for a copy of the built warehouse."""
    return config_from_dict(SyntheticAthlete(athlete_id="demo").config(str(warehouse)),
                            base_dir=tmp_path)


def test_a_failed_expectation_publishes_nothing_and_fails_the_run(built, tmp_path) -> None:
    import shutil

    from flows.build import ExpectationsFailed

    source, _, _ = built
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(source, warehouse)
    config = _config(warehouse, tmp_path)
    good = build_flow(warehouse=str(warehouse), athletes=list(config.athletes))
    published = {p: p.read_bytes() for p in Path(good.published).parent.rglob("*")
                 if p.is_file()}
    assert Path(good.published) in published
    with duckdb.connect(good.published, read_only=True) as con:  # the readers' file
        uncommented = con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                                  "WHERE schema_name = 'marts' AND comment IS NULL").fetchall()
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert uncommented == []
    assert {"daily_training", "daily_nutrition", "daily_energy", "daily_muscle_balance",
            "weekly_muscle_balance", "pipeline_runs", "validation_results"} <= tables
    before = _marts(warehouse)
    day = before["daily_energy"][10][1]
    with duckdb.connect(str(warehouse)) as con:  # a 400 kg weigh-in: outside 25-300 kg
        con.execute("INSERT INTO raw.body_measurement_imports VALUES ('demo', ?, '07:00', "
                    "400.0, NULL, 'generic_weight', 'planted', 2, now())", [day])
    with pytest.raises(ExpectationsFailed) as failed:
        build_flow(warehouse=str(warehouse), athletes=list(config.athletes))
    described = [f.describe() for f in failed.value.failures]
    assert any(d.startswith("marts.daily_energy: expect_column_values_to_be_between "
                            "(weight_kg): ") for d in described), described
    assert _marts(warehouse) == before  # the published marts are exactly as they were
    after = {p: p.read_bytes() for p in Path(good.published).parent.rglob("*") if p.is_file()}
    assert after == published  # and the readers' files byte for byte
    rows = _rows(warehouse, "SELECT status, expectations_failed, rows_published FROM "
                            "marts.pipeline_runs ORDER BY started_at DESC LIMIT 1")
    assert rows == [("failed", len(described), None)]
    keys = _rows(warehouse, "SELECT CAST(unexpected_keys AS VARCHAR) FROM "
                            "marts.validation_results WHERE NOT success AND columns = "
                            "'weight_kg' AND table_name = 'daily_energy'")
    assert f'{{"athlete_id": "demo", "local_date": "{day.isoformat()}"}}' in keys[0][0]
    reported = _rows(warehouse, "SELECT observed_value, unexpected_keys, error FROM "
                                "marts.validation_results")  # (ids and times may hold "400")
    assert "400" not in str(reported)


def test_the_command_line_exits_1_and_status_names_the_failed_expectation(
    built, tmp_path, prefect_server,
) -> None:
    import os
    import shutil
    import subprocess
    import sys

    source, _, _ = built
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(source, warehouse)
    with duckdb.connect(str(warehouse)) as con:  # an 801.37 g protein day: above 0-800 g
        con.execute("UPDATE raw.nutrition_entries SET protein_g = 801.37 WHERE rowid = ("
                    "SELECT min(rowid) FROM raw.nutrition_entries)")
        (day_total,) = con.execute(
            "SELECT sum(protein_g) FROM raw.nutrition_entries WHERE local_date = (SELECT "
            "local_date FROM raw.nutrition_entries ORDER BY rowid LIMIT 1)").fetchone()
    config = tmp_path / "musclebalance.toml"
    config.write_text('[warehouse]\npath = "w.duckdb"\n\n[[athletes]]\nid = "demo"\n'
                      'timezone = "Europe/Berlin"\nsex = "female"\nbirth_year = 1990\n'
                      'height_cm = 168\nfit_paths = []\n')
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flows", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)

    result = run("build", "--config", str(config))
    assert result.returncode == 1, result.stderr
    assert "expectation failed: marts.daily_nutrition: expect_column_values_to_be_between " \
           "(protein_g): 1 rows failed" in result.stderr
    assert "nothing was published" in result.stderr
    printed = result.stdout + result.stderr  # keys and counts, not values
    assert not any(v in printed for v in ("801.37", f"{day_total:.1f}", f"{day_total:.2f}"))
    status = run("status", "--config", str(config))
    assert status.returncode == 0, status.stderr
    assert "expectation failed in run" in status.stdout
    assert "marts.daily_nutrition expect_column_values_to_be_between (protein_g)" in status.stdout


def test_a_reader_holding_the_published_file_during_a_build(built, tmp_path) -> None:
    import shutil
    import subprocess
    import sys

    source, _, _ = built
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(source, warehouse)
    config = _config(warehouse, tmp_path)
    first = build_flow(warehouse=str(warehouse), athletes=list(config.athletes))
    total = "SELECT round(sum(protein_g), 2) FROM marts.daily_nutrition"
    reader = duckdb.connect(first.published, read_only=True)  # a dashboard, open throughout
    try:
        (old,) = reader.execute(total).fetchone()
        with duckdb.connect(str(warehouse)) as con:  # a corrected food entry: +10 g protein
            con.execute("UPDATE raw.nutrition_entries SET protein_g = protein_g + 10 "
                        "WHERE rowid = (SELECT min(rowid) FROM raw.nutrition_entries)")
        second = build_flow(warehouse=str(warehouse), athletes=list(config.athletes))
        assert second.published == first.published  # the run did not fail for the reader
        assert reader.execute(total).fetchone() == (old,)  # the open reader: old data
    finally:
        reader.close()
    code = ("import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True)"
            f".execute({total!r}).fetchone()[0])")
    fresh = subprocess.run([sys.executable, "-c", code, second.published], check=True,
                           capture_output=True, text=True)
    assert float(fresh.stdout) == pytest.approx(old + 10)  # a new reader: the new build


def _athlete_rows(warehouse: Path | str, athlete: str) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM marts.{t} WHERE athlete_id = ? "  # noqa: S608
                               "ORDER BY ALL", [athlete]).fetchall()
                for t in MARTS}


def _protein(warehouse: Path | str, athlete: str, day: date) -> float:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (grams,) = con.execute("SELECT protein_g FROM marts.daily_nutrition WHERE athlete_id "
                               "= ? AND local_date = ?", [athlete, day]).fetchone()
    return grams


def test_one_athletes_bad_day_holds_back_that_athlete_only(built, tmp_path, prefect_server
                                                          ) -> None:
    import os
    import re
    import shutil
    import subprocess
    import sys

    from flows.build import AthletesHeldBack

    source, _, _ = built
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(source, warehouse)
    athlete = SyntheticAthlete()
    # a second athlete, "b", who trains and eats as "demo" did: the same files ingested
    ingest_fit_flow(warehouse=str(warehouse), athletes=[
        AthleteInputs("b", (str(source.parent / "fit"),), athlete.timezone)])
    ingest_nutrition_flow(warehouse=str(warehouse), athletes=[NutritionInputs(
        "b", (NutritionSourceSpec(str(source.parent / "cronometer")),), athlete.timezone)])
    also_b = [replace(athlete, athlete_id="b")]
    config = config_from_dict(athlete.config(str(warehouse), also=also_b), base_dir=tmp_path)
    good = build_flow(warehouse=str(warehouse), athletes=list(config.athletes))
    assert good.ok and good.held_back == {}
    before = {a: _athlete_rows(warehouse, a) for a in ("demo", "b")}
    assert len(before["b"]["daily_training"]) == len(before["demo"]["daily_training"]) > 0
    (day, food_day), = _rows(warehouse, "SELECT min(local_date) + 10, min(local_date) + 3 "
                                        "FROM marts.daily_energy WHERE athlete_id = 'b'")
    protein_before = {a: _protein(warehouse, a, food_day) for a in ("demo", "b")}
    with duckdb.connect(str(warehouse)) as con:
        # both athletes correct a food entry (+10 g protein); b also has a 400 kg weigh-in,
        # outside 25-300 kg: an impossible value on one of b's days
        con.execute("UPDATE raw.nutrition_entries SET protein_g = protein_g + 10 WHERE rowid "
                    "IN (SELECT min(rowid) FROM raw.nutrition_entries WHERE local_date = ? "
                    "AND protein_g IS NOT NULL GROUP BY athlete_id)", [food_day])
        con.execute("INSERT INTO raw.body_measurement_imports VALUES ('b', ?, '07:00', "
                    "400.0, NULL, 'generic_weight', 'planted', 2, now())", [day])

    with pytest.raises(AthletesHeldBack) as held:
        build_flow(warehouse=str(warehouse), athletes=list(config.athletes))
    summary = held.value.build
    assert list(summary.held_back) == ["b"] and day.isoformat() in summary.held_back["b"]
    assert not summary.ok and summary.published is not None
    after = {a: _athlete_rows(warehouse, a) for a in ("demo", "b")}
    assert after["b"] == before["b"]  # b's published rows exactly as they were
    assert _protein(warehouse, "demo", food_day) == pytest.approx(protein_before["demo"] + 10)
    assert _protein(warehouse, "b", food_day) == protein_before["b"]
    assert _athlete_rows(summary.published, "b") == before["b"]  # the readers' file too
    assert _protein(summary.published, "demo", food_day) == pytest.approx(
        protein_before["demo"] + 10)
    (status, failed, published), = _rows(warehouse, "SELECT status, expectations_failed, "
                                         "rows_published FROM marts.pipeline_runs ORDER BY "
                                         "started_at DESC LIMIT 1")
    demo_rows = sum(len(rows) for rows in after["demo"].values())
    assert status == "failed" and failed >= 1 and published == demo_rows
    (keys,), = _rows(warehouse, "SELECT CAST(held_back_keys AS VARCHAR) FROM "
                                "marts.validation_results WHERE NOT success AND columns = "
                                "'weight_kg' AND run_id = (SELECT run_id FROM "
                                "marts.pipeline_runs ORDER BY started_at DESC LIMIT 1)")
    assert f'{{"athlete_id": "b", "local_date": "{day.isoformat()}"}}' in keys
    assert '"demo"' not in keys

    # the command line: exit 1, naming the athlete and the day
    toml = tmp_path / "musclebalance.toml"
    toml.write_text(config_toml(athlete.config("w.duckdb", also=also_b)))
    result = subprocess.run(
        [sys.executable, "-m", "flows", "build", "--config", str(toml)], cwd=tmp_path,
        env={**os.environ, "PREFECT_API_URL": prefect_server, "COLUMNS": "200"},
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert re.search(rf"held back b \([^)]*{day.isoformat()}", result.stderr), result.stderr
    assert "every other athlete was published" in result.stderr
    assert _athlete_rows(warehouse, "b") == before["b"]


def test_the_build_writes_the_report_from_what_it_published(built) -> None:
    import stat

    warehouse, _, _ = built
    report = warehouse.parent / "published" / "report" / "demo.html"
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert stat.S_IMODE(report.parent.stat().st_mode) == 0o700
    ((last,),) = _rows(warehouse, "SELECT max(local_date) FROM marts.daily_muscle_balance")
    html = report.read_text(encoding="utf-8")
    assert f'<tr data-date="{last}">' in html  # the newest row of the days table
    assert "http://" not in html.split("<script>")[0]  # the head links nothing


def test_a_report_that_cannot_be_written_leaves_the_publish(built, tmp_path) -> None:
    source, _, _ = built
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(source, warehouse)
    config = _config(warehouse, tmp_path)
    (tmp_path / "published").mkdir()
    (tmp_path / "published" / "report").write_text("a file where the folder goes")
    summary = build_flow(warehouse=str(warehouse), athletes=list(config.athletes))
    assert summary.published and Path(summary.published).is_file()
    assert summary.reports == []
    assert summary.report_error and summary.report_error.startswith("FileExistsError")
