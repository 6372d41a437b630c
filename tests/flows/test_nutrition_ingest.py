"""The nutrition ingest flow end to end: real Cronometer export, re-exports, rejects,
MyFitnessPal export folders and zips, and separation from FIT data."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import zipfile
from collections import defaultdict
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from flows.ingest import ingest_fit_flow
from flows.nutrition_ingest import ingest_nutrition_flow
from flows.settings import AthleteInputs, NutritionInputs, NutritionSourceSpec
from synthetic import SyntheticAthlete, generate_athlete_files
from tests.helpers import SHARED

pytestmark = pytest.mark.usefixtures("prefect_server")
CRONOMETER = SHARED / "fixtures" / "nutrition" / "cronometer"
DAILY_HEADER = "Date,Energy (kcal),Carbs (g),Fiber (g),Fat (g),Protein (g),Completed"


def _ingest(warehouse: Path, *paths: Path, fmt: str | None = None, athlete: str = "runner",
            **facts):
    (summary,) = ingest_nutrition_flow(
        warehouse=str(warehouse),
        athletes=[NutritionInputs(athlete, tuple(NutritionSourceSpec(str(p), fmt)
                                                 for p in paths), "Europe/Berlin", **facts)],
    )
    return summary


def _query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _daily(path: Path, rows: list[tuple[str, float, float]], mtime: int) -> Path:
    lines = [DAILY_HEADER] + [f"{d},{kcal},200,25,70,{protein},true" for d, kcal, protein in rows]
    path.write_text("\n".join(lines) + "\n")
    os.utime(path, (mtime, mtime))
    return path


def test_real_cronometer_servings_day_sums_match_the_csv(tmp_path: Path) -> None:
    servings = CRONOMETER / "servings.csv"
    if not servings.exists():
        pytest.skip(f"real Cronometer export not found at {servings} (shared/ folder absent)")
    expected: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    with servings.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            expected[row["Day"]][0] += float(row["Energy (kcal)"])
            expected[row["Day"]][1] += float(row["Protein (g)"])
    warehouse = tmp_path / "w.duckdb"
    summary = _ingest(warehouse, servings)
    assert summary.ok and summary.formats == {"cronometer_servings": 1}
    got = _query(warehouse, "SELECT strftime(local_date, '%Y-%m-%d'), sum(energy_kcal), "
                            "sum(protein_g) FROM raw.nutrition_entries GROUP BY 1 ORDER BY 1")
    assert [d for d, _, _ in got] == sorted(expected)
    for day, kcal, protein in got:
        assert kcal == pytest.approx(expected[day][0], abs=1e-6)
        assert protein == pytest.approx(expected[day][1], abs=1e-6)
    biometrics = _ingest(warehouse, CRONOMETER / "biometrics.csv")
    assert biometrics.ok  # glucose, insulin, sleep: no body rows, nothing invented
    assert _query(warehouse, "SELECT count(*) FROM raw.body_measurement_imports") == [(0,)]


def test_newer_export_replaces_the_days_it_covers(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    warehouse = tmp_path / "w.duckdb"
    _daily(folder / "dailysummary-old.csv", [("2024-03-01", 2000, 100),
                                             ("2024-03-02", 2100, 110),
                                             ("2024-03-03", 2200, 120)], 1_700_000_000)
    assert _ingest(warehouse, folder).loaded == 1
    _daily(folder / "dailysummary-new.csv", [("2024-03-02", 2500, 150),  # edited
                                             ("2024-03-04", 1900, 90)], 1_700_100_000)
    summary = _ingest(warehouse, folder)
    assert (summary.loaded, summary.skipped) == (1, 1)
    rows = _query(warehouse, "SELECT strftime(local_date, '%d'), energy_kcal, protein_g "
                             "FROM raw.nutrition_entries ORDER BY local_date")
    assert rows == [("01", 2000, 100), ("02", 2500, 150), ("04", 1900, 90)]  # 3rd emptied
    # an older export seen later changes nothing the newer one spoke for
    _daily(folder / "dailysummary-older.csv", [("2024-03-02", 1000, 50),
                                               ("2024-03-05", 1800, 80)], 1_600_000_000)
    late = _ingest(warehouse, folder)
    assert (late.days_kept_newer, late.days_replaced) == (3, 1)  # 2nd-4th newer; 5th new
    rows = _query(warehouse, "SELECT strftime(local_date, '%d'), energy_kcal "
                             "FROM raw.nutrition_entries ORDER BY local_date")
    assert rows == [("01", 2000), ("02", 2500), ("04", 1900), ("05", 1800)]
    # and an older export with rows for a day the newer one emptied cannot bring it back
    _daily(folder / "dailysummary-oldest.csv", [("2024-03-03", 999, 9)], 1_500_000_000)
    _ingest(warehouse, folder)
    assert _query(warehouse, "SELECT count(*) FROM raw.nutrition_entries WHERE "
                             "local_date = DATE '2024-03-03'") == [(0,)]


def test_a_rejected_export_changes_nothing_and_others_still_load(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    warehouse = tmp_path / "w.duckdb"
    _daily(folder / "dailysummary.csv", [("2024-03-01", 2000, 100)], 1_700_000_000)
    _ingest(warehouse, folder)
    before = _query(warehouse, "SELECT * FROM raw.nutrition_entries")
    _daily(folder / "dailysummary-bad.csv", [("2024-03-01", -5, 100)], 1_700_100_000)
    (folder / "unknown.csv").write_text("Foo,Bar\n1,2\n")
    _daily(folder / "dailysummary-good.csv", [("2024-03-09", 2300, 130)], 1_700_200_000)
    summary = _ingest(warehouse, folder)
    reasons = {Path(p).name: r for p, r in summary.quarantined}
    assert set(reasons) == {"dailysummary-bad.csv"}
    assert "line 2, column 'Energy (kcal)': '-5'" in reasons["dailysummary-bad.csv"]
    assert [Path(p).name for p in summary.ignored] == ["unknown.csv"]  # beside the exports
    assert summary.loaded == 1 and not summary.ok
    named = _ingest(tmp_path / "other.duckdb", folder / "unknown.csv")
    assert "matches no known export format" in named.quarantined[0][1]
    after = _query(warehouse, "SELECT * FROM raw.nutrition_entries WHERE local_date < "
                              "DATE '2024-03-05'")
    assert after == before
    statuses = dict(_query(warehouse, "SELECT regexp_extract(path, '[^/]+$'), status "
                                      "FROM raw.source_files"))
    assert statuses["dailysummary-bad.csv"] == "quarantined"
    assert statuses["unknown.csv"] == "ignored"
    again = _ingest(warehouse, folder)
    assert again.loaded == 0 and again.quarantined == [] and again.skipped == 4
    assert again.known_quarantined == 1 and again.ok


def _mfp_export(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Nutrition-Summary-2024-03-04-to-2024-03-05.csv").write_text(
        "\ufeffDate,Meal,Calories,Fat (g),Saturated Fat,Polyunsaturated Fat,Monounsaturated Fat,"
        "Trans Fat,Cholesterol,Sodium (mg),Potassium,Carbohydrates (g),Fiber,Sugar,Protein (g),"
        "Vitamin A,Vitamin C,Calcium,Iron,Note\r\n"
        "2024-03-04,Breakfast,520,18,6,2,8,0,210,480,300,60,7,12,31,10,20,15,12,first line, "
        "unquoted\r\n"  # a note over lines with commas, bullets, a blank line, digits
        "3 eggs, toast\r\n\r\n\u2022 coffee, \"black\"\r\n"
        "2024-03-05,Dinner,700,30,10,4,12,0,120,800,650,55,6,8,52,8,12,18,20,\r\n")
    (folder / "Measurement-Summary-2024-03-04-to-2024-03-05.csv").write_text(
        "Date,Weight\n2024-03-04,70.2\n2024-03-05,69.9\n")
    (folder / "Exercise-Summary-2024-03-04-to-2024-03-05.csv").write_text(
        "Date,Exercise,Type,Exercise Calories,Exercise Minutes,Sets,Reps Per Set,Kilograms,"
        "Steps,Note\n2024-03-04,Running,Cardiovascular,450,42,,,,,\n")


@pytest.mark.parametrize("as_zip", [False, True], ids=["folder", "zip"])
def test_myfitnesspal_export_is_taken_as_a_whole(tmp_path: Path, as_zip: bool) -> None:
    export = tmp_path / "File-Export-2024-03-04-to-2024-03-05"
    _mfp_export(export)
    source = export
    if as_zip:
        source = tmp_path / "File-Export-2024-03-04-to-2024-03-05.zip"
        with zipfile.ZipFile(source, "w") as zf:
            for f in export.iterdir():
                zf.write(f, f"{export.name}/{f.name}")
    warehouse = tmp_path / "w.duckdb"
    summary = _ingest(warehouse, source, fmt="myfitnesspal", weight_unit="kg", height_cm=175)
    assert summary.ok, summary.quarantined
    assert summary.formats == {"myfitnesspal_nutrition": 1, "myfitnesspal_measurement": 1,
                               "myfitnesspal_exercise": 1}
    assert _query(warehouse, "SELECT sum(energy_kcal), sum(protein_g) FROM "
                             "raw.nutrition_entries") == [(1220.0, 83.0)]
    assert _query(warehouse, "SELECT weight_kg FROM raw.body_measurements ORDER BY local_date"
                  ) == [(70.2,), (69.9,)]
    assert _query(warehouse, "SELECT energy_kcal FROM raw.reported_exercise") == [(450.0,)]


def test_nutrition_and_fit_ingests_never_touch_each_other(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    files = [f for f in generate_athlete_files(SyntheticAthlete(), date(2026, 3, 2), weeks=1)
             if f.kind in ("weight", "easy_run")][:3]
    fit_dir = tmp_path / "fit"
    fit_dir.mkdir()
    for f in files:
        (fit_dir / f.name).write_bytes(f.data)
    ingest_fit_flow(warehouse=str(warehouse),
                    athletes=[AthleteInputs("runner", (str(fit_dir),), "Europe/Berlin")])
    fit_tables = ["fit_records", "fit_sessions", "fit_weight_scale", "fit_file_id"]

    def fit_rows() -> dict[str, list]:
        return {t: sorted(_query(warehouse, f"SELECT * FROM raw.{t}"), key=repr)  # noqa: S608
                for t in fit_tables}

    before = fit_rows()
    folder = tmp_path / "food"
    folder.mkdir()
    _daily(folder / "dailysummary.csv", [("2026-03-02", 2000, 100)], 1_700_000_000)
    _ingest(warehouse, folder)
    assert fit_rows() == before
    food = _query(warehouse, "SELECT * FROM raw.nutrition_entries")
    more = tmp_path / "fit2"
    more.mkdir()
    extra = generate_athlete_files(SyntheticAthlete(), date(2026, 3, 9), weeks=1)[0]
    (more / extra.name).write_bytes(extra.data)
    ingest_fit_flow(warehouse=str(warehouse), athletes=[AthleteInputs("runner", (str(more),))])
    assert _query(warehouse, "SELECT * FROM raw.nutrition_entries") == food
    weights = [f for f in files if f.kind == "weight"]
    fit_weights = _query(warehouse, "SELECT local_date, weight_kg FROM raw.body_measurements "
                                    "WHERE source = 'fit' ORDER BY local_date")
    assert [round(w, 2) for _, w in fit_weights] == [round(f.weight_kg, 2) for f in weights]
    berlin = [f.start_utc.astimezone(ZoneInfo("Europe/Berlin")).date() for f in weights]
    assert [d for d, _ in fit_weights] == berlin


def test_same_export_renamed_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    warehouse = tmp_path / "w.duckdb"
    first = _daily(folder / "dailysummary.csv", [("2024-03-01", 2000, 100)], 1_700_000_000)
    _ingest(warehouse, folder)
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "renamed.csv").write_bytes(first.read_bytes())
    summary = _ingest(warehouse, folder, copy)
    assert summary.loaded == 0 and summary.skipped == 2
    assert _query(warehouse, "SELECT count(*) FROM raw.nutrition_entries") == [(1,)]



def test_generated_exports_load_with_the_intake_they_were_written_from(tmp_path: Path) -> None:
    from synthetic import generate_nutrition_exports

    athlete = SyntheticAthlete()
    start = date(2026, 3, 2)
    files = generate_athlete_files(athlete, start, weeks=3)
    exports = generate_nutrition_exports(athlete, files, start, weeks=3)
    mfp = tmp_path / "File-Export-2026-03-02-to-2026-03-22"
    mfp.mkdir()
    (mfp / exports.mfp_file_name).write_bytes(exports.mfp_nutrition_csv)
    crono = tmp_path / "cronometer"
    crono.mkdir()
    (crono / "servings.csv").write_bytes(exports.cronometer_servings_csv)
    (crono / "dailysummary.csv").write_bytes(exports.cronometer_dailysummary_csv)
    warehouse = tmp_path / "w.duckdb"
    assert _ingest(warehouse, mfp, crono).ok

    truth = {d.local_date: d for d in exports.days if d.logged}
    for fmt, tolerance in (("cronometer_servings", 1e-6), ("cronometer_dailysummary", 1e-6),
                           ("myfitnesspal_nutrition", 0.5 * 4)):
        got = _query(warehouse, "SELECT local_date, sum(energy_kcal), sum(protein_g) FROM "
                                "raw.nutrition_entries WHERE source_format = ? GROUP BY 1",
                     [fmt])
        assert {d for d, _, _ in got} == set(truth), fmt  # unlogged days stay absent
        for day, kcal, protein in got:
            assert kcal == pytest.approx(truth[day].energy_kcal, abs=tolerance), (fmt, day)
            assert protein == pytest.approx(truth[day].protein_g, abs=tolerance / 10), (fmt, day)


def test_one_files_failure_of_any_kind_rejects_only_that_file(tmp_path: Path) -> None:
    """A generic mapping naming a column the file lacks, a mistyped year: rejected alone."""
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "diary.csv").write_text("Day,kcal,P,C,F\n2024-03-01,2000,100,250,70\n")
    _daily(folder / "dailysummary.csv", [("2204-03-01", 2000, 100)], 1_700_000_000)
    _daily(folder / "dailysummary-good.csv", [("2024-03-02", 2100, 110)], 1_700_000_100)
    generic = NutritionSourceSpec(
        str(folder / "diary.csv"), "generic",
        columns=(("date", "Date"), ("energy", "kcal"), ("protein", "P"),
                 ("carbohydrate", "C"), ("fat", "F")))
    (summary,) = ingest_nutrition_flow(
        warehouse=str(tmp_path / "w.duckdb"),
        athletes=[NutritionInputs("runner", (generic, NutritionSourceSpec(str(folder))))])
    reasons = {Path(p).name: r for p, r in summary.quarantined}
    assert "header lacks 'Date'" in reasons["diary.csv"]
    assert "'2204-03-01' is outside 1990-01-01" in reasons["dailysummary.csv"]
    assert summary.formats == {"cronometer_dailysummary": 1}


def test_a_rejected_file_is_read_again_on_request_after_a_fix(tmp_path: Path) -> None:
    folder = tmp_path / "mfp"
    folder.mkdir()
    (folder / "Measurement-Summary-2024-03-04-to-2024-03-05.csv").write_text(
        "Date,Weight\n2024-03-04,154.3\n2024-03-05,153.9\n")
    warehouse = tmp_path / "w.duckdb"
    first = _ingest(warehouse, folder, height_cm=175)  # weight_unit defaults to kg
    assert "look like lb" in first.quarantined[0][1]
    assert _ingest(warehouse, folder, weight_unit="lb", height_cm=175).known_quarantined == 1
    (fixed,) = ingest_nutrition_flow(
        warehouse=str(warehouse), retry_quarantined=True,
        athletes=[NutritionInputs("runner", (NutritionSourceSpec(str(folder)),), None, "lb",
                                  175.0)])
    assert fixed.loaded == 1 and fixed.ok
    assert _query(warehouse, "SELECT round(weight_kg, 2) FROM raw.body_measurements "
                             "ORDER BY local_date") == [(69.99,), (69.81,)]


def test_a_newer_export_empties_days_at_the_edges_of_its_stated_range(tmp_path: Path) -> None:
    header = ("Date,Meal,Calories,Fat (g),Saturated Fat,Polyunsaturated Fat,Monounsaturated "
              "Fat,Trans Fat,Cholesterol,Sodium (mg),Potassium,Carbohydrates (g),Fiber,Sugar,"
              "Protein (g),Vitamin A,Vitamin C,Calcium,Iron,Note")
    row = "{d},Lunch,{k},10,0,0,0,0,0,0,0,50,5,0,30,0,0,0,0,"
    folder = tmp_path / "mfp"
    folder.mkdir()
    old = folder / "Nutrition-Summary-2024-03-01-to-2024-03-03.csv"
    old.write_text("\n".join([header] + [row.format(d=f"2024-03-0{i}", k=500 + i)
                                          for i in (1, 2, 3)]) + "\n")
    os.utime(old, (1_700_000_000, 1_700_000_000))
    warehouse = tmp_path / "w.duckdb"
    _ingest(warehouse, folder)
    new = folder / "Nutrition-Summary-2024-03-01-to-2024-03-04.csv"
    new.write_text("\n".join([header, row.format(d="2024-03-02", k=900)]) + "\n")
    os.utime(new, (1_700_100_000, 1_700_100_000))
    _ingest(warehouse, folder)
    assert _query(warehouse, "SELECT strftime(local_date, '%d'), energy_kcal FROM "
                             "raw.nutrition_entries ORDER BY 1") == [("02", 900.0)]


def test_two_generic_sources_keep_their_own_days(tmp_path: Path) -> None:
    mapping = (("date", "Date"), ("energy", "kcal"), ("protein", "P"), ("carbohydrate", "C"),
               ("fat", "F"))
    a, b = tmp_path / "app-a.csv", tmp_path / "app-b.csv"
    a.write_text("Date,kcal,P,C,F\n2024-03-01,2000,100,250,70\n2024-03-03,2100,100,250,70\n")
    b.write_text("Date,kcal,P,C,F\n2024-03-02,300,20,30,10\n")
    warehouse = tmp_path / "w.duckdb"
    ingest_nutrition_flow(warehouse=str(warehouse), athletes=[NutritionInputs(
        "runner", tuple(NutritionSourceSpec(str(p), "generic", columns=mapping)
                        for p in (a, b)))])
    assert _query(warehouse, "SELECT source_format, count(*) FROM raw.nutrition_entries "
                             "GROUP BY 1 ORDER BY 1") == [("generic:app-a.csv", 2),
                                                          ("generic:app-b.csv", 1)]


def _rows_by_hand(data: bytes) -> int:
    """Data rows of a CSV export, counted with the csv module (the header excluded)."""
    return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8")))) - 1


def test_an_export_appended_while_it_is_ingested_loads_only_the_bytes_it_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import flows.plan

    folder = tmp_path / "exports"
    folder.mkdir()
    warehouse = tmp_path / "w.duckdb"
    days = [(f"2024-03-{d:02d}", 2000 + d, 100 + d) for d in range(1, 11)]
    export = _daily(folder / "dailysummary.csv", days, 1_700_000_000)
    more = "".join(f"2024-04-{d:02d},2500,200,25,70,150,true\n" for d in range(1, 6))
    hashed = flows.plan.content_sha256

    def hash_then_append(path, kind, limits):  # the tracker's app writes on after the hash
        digest = hashed(path, kind, limits)
        with open(path, "a") as fh:
            fh.write(more)
        return digest

    monkeypatch.setattr(flows.plan, "content_sha256", hash_then_append)
    summary = _ingest(warehouse, folder)
    assert summary.problems == [(str(export), "changed while it was read; read again next run")]
    assert summary.loaded == 0 and not summary.ok
    assert _query(warehouse, "SELECT count(*) FROM raw.nutrition_entries") == [(0,)]
    assert _query(warehouse, "SELECT count(*) FROM raw.source_files") == [(0,)]
    assert _query(warehouse, "SELECT count(*) FROM raw.source_paths") == [(0,)]

    monkeypatch.undo()  # the file is still now: the next run reads it whole
    data = export.read_bytes()
    assert _rows_by_hand(data) == 15
    again = _ingest(warehouse, folder)
    assert again.ok and again.loaded == 1 and again.rows == 15
    assert _query(warehouse, "SELECT count(*) FROM raw.nutrition_entries") == [(15,)]
    assert _query(warehouse, "SELECT size_bytes, sha256 FROM raw.source_files") == [
        (len(data), hashlib.sha256(data).hexdigest())]
    assert _query(warehouse, "SELECT size_bytes FROM raw.source_paths") == [(len(data),)]


def test_an_export_rewritten_after_the_walk_is_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rewritten between the walk's stat and the hash: the same size is possible, the time
    is not; the load sees the time changed and leaves the file for the next run."""
    import flows.plan

    warehouse = tmp_path / "w.duckdb"
    export = _daily(tmp_path / "dailysummary.csv", [("2024-03-01", 2000, 100)], 1_700_000_000)
    walked = flows.plan.find_files

    def walk_then_touch(*args, **kwargs):
        found = walked(*args, **kwargs)
        _daily(export, [("2024-03-01", 2900, 190)], 1_700_000_500)  # same size, new time
        return found

    monkeypatch.setattr(flows.plan, "find_files", walk_then_touch)
    summary = _ingest(warehouse, export)
    assert summary.problems == [(str(export), "changed while it was read; read again next run")]
    assert _query(warehouse, "SELECT count(*) FROM raw.nutrition_entries") == [(0,)]
    monkeypatch.undo()
    assert _ingest(warehouse, export).loaded == 1
    assert _query(warehouse, "SELECT energy_kcal, protein_g FROM raw.nutrition_entries") == [
        (2900.0, 190.0)]


def test_an_export_zip_written_to_while_it_is_opened_is_left_for_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import flows.plan

    export = tmp_path / "File-Export-2024-03-04-to-2024-03-05"
    _mfp_export(export)
    source = tmp_path / "File-Export-2024-03-04-to-2024-03-05.zip"
    with zipfile.ZipFile(source, "w") as zf:
        for f in export.iterdir():
            zf.write(f, f"{export.name}/{f.name}")
    opened = flows.plan.open_archive

    def open_then_touch(path, *args, **kwargs):  # a sync tool rewrites the archive meanwhile
        members = opened(path, *args, **kwargs)
        os.utime(path, (1_800_000_000, 1_800_000_000))
        return members

    monkeypatch.setattr(flows.plan, "open_archive", open_then_touch)
    warehouse = tmp_path / "w.duckdb"
    summary = _ingest(warehouse, source, fmt="myfitnesspal")
    assert summary.problems == [(str(source), "changed while it was read; read again next run")]
    assert summary.loaded == 0
    assert _query(warehouse, "SELECT count(*) FROM raw.source_files") == [(0,)]
    monkeypatch.undo()
    assert _ingest(warehouse, source, fmt="myfitnesspal").loaded == 3
