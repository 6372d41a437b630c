"""Garmin account exports and Apple Health exports through the ingest flow, under Prefect:
found among an athlete's FIT paths, read once, the same rows from a folder and its zip."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from flows.ingest import ingest_fit_flow
from flows.settings import AthleteInputs
from tests.helpers import SHARED

WELLNESS = SHARED / "fixtures" / "wellness"
GARMIN = WELLNESS / "garmin_export"
APPLE = WELLNESS / "apple_health_export" / "export.xml"
TABLES = ("sleep_sessions", "resting_hr", "hrv_measurements", "body_composition")

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture(scope="module")
def garmin_export() -> Path:
    if not (GARMIN / "DI_CONNECT").is_dir():
        pytest.skip(f"wellness fixtures not found at {WELLNESS} (the shared/ folder beside "
                    "the repository)")
    return GARMIN


def _ingest(warehouse: Path, *paths: Path):
    (summary,) = ingest_fit_flow(warehouse=str(warehouse),
                                 athletes=[AthleteInputs("runner", tuple(map(str, paths)),
                                                         "Europe/Berlin")],
                                 workers=1)
    return summary


def _rows(warehouse: Path, table: str) -> list[tuple]:
    """A wellness table's rows without the index columns that depend on nothing but the
    file (kept: every value and the source)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sorted(con.execute(f"SELECT * EXCLUDE (athlete_id) FROM raw.{table}"  # noqa: S608
                                  ).fetchall(), key=repr)


def _zip(folder: Path, target: Path) -> Path:
    """The export zipped as Garmin's download is: the DI_CONNECT tree at its root."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return target


@pytest.fixture(scope="module")
def ingested(garmin_export: Path, tmp_path_factory: pytest.TempPathFactory):
    """The example export with an unknown JSON file added, ingested from its folder (and a
    second time, which must read nothing) and from its zip, each into its own warehouse."""
    root = tmp_path_factory.mktemp("health")
    folder = root / "export"
    shutil.copytree(garmin_export, folder)
    (folder / "DI_CONNECT" / "DI-Connect-Wellness" / "something_new.json").write_text("[]")
    first = _ingest(root / "a.duckdb", folder)
    rows = {t: _rows(root / "a.duckdb", t) for t in TABLES}
    second = _ingest(root / "a.duckdb", folder)
    zipped = _ingest(root / "b.duckdb", _zip(folder, root / "0a1b2c_1.zip"))
    return root, first, rows, second, zipped


def test_folder_and_zip_give_the_same_rows(ingested) -> None:
    root, first, rows, _, zipped = ingested
    for table in TABLES:
        assert rows[table], table
        assert rows[table] == _rows(root / "b.duckdb", table), table
    assert first.loaded == zipped.loaded
    assert first.records == zipped.records


def test_grams_become_kilograms(ingested, garmin_export: Path) -> None:
    root = ingested[0]
    (bio,) = garmin_export.rglob("*_userBioMetrics.json")
    expected = sorted(e["weight"]["weight"] / 1000 for e in json.loads(bio.read_text())
                      if isinstance(e.get("weight"), dict) and e["weight"].get("weight"))
    with duckdb.connect(str(root / "a.duckdb"), read_only=True) as con:
        got = [w for (w,) in con.execute(
            "SELECT weight_kg FROM raw.body_composition WHERE source_kind = 'garmin_json' "
            "ORDER BY weight_kg").fetchall()]
    assert got == pytest.approx(expected)


def test_a_second_run_reads_nothing_again(ingested) -> None:
    root, first, rows, second, _ = ingested
    assert first.loaded > 0 and second.loaded == 0
    assert {t: _rows(root / "a.duckdb", t) for t in TABLES} == rows


def test_nothing_silent(ingested) -> None:
    """Records that are not measurements are named by file and index; files recognised but
    not used say so; an unknown JSON file is listed as not read."""
    summary = ingested[1]
    named = " ".join(t for _, _, first in summary.not_measurements for t in first)
    assert "_userBioMetrics.json [" in named or "_healthStatusData.json [" in named
    assert "not a measurement" in named
    advice = {Path(p).name: a for p, _, a in summary.unread}
    assert "not read" in advice["something_new.json"]
    assert "recognised, not used" not in advice["something_new.json"]
    assert any("recognised, not used" in a for name, a in advice.items()
               if name.endswith("_summarizedActivities.json"))


def test_apple_export_in_health_paths(tmp_path: Path) -> None:
    if not APPLE.exists():
        pytest.skip(f"wellness fixtures not found at {WELLNESS}")
    zipped = tmp_path / "export.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(APPLE, "apple_health_export/export.xml")
    _ingest(tmp_path / "a.duckdb", APPLE)
    _ingest(tmp_path / "b.duckdb", zipped)
    for table in TABLES:
        assert _rows(tmp_path / "a.duckdb", table) == _rows(tmp_path / "b.duckdb", table)
    # Apple writes body fat as a fraction under the unit "%": 0.162 is 16.2 %
    import xml.etree.ElementTree as ET

    fractions = sorted(float(r.get("value")) for r in ET.parse(APPLE).getroot().iter("Record")
                       if r.get("type") == "HKQuantityTypeIdentifierBodyFatPercentage")
    with duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True) as con:
        got = [v for (v,) in con.execute(
            "SELECT body_fat_pct FROM raw.body_composition WHERE body_fat_pct IS NOT NULL "
            "ORDER BY 1").fetchall()]
        food = con.execute("SELECT count(*) FROM raw.nutrition_entries "
                           "WHERE source_format = 'apple_health'").fetchone()[0]
    assert got == pytest.approx([f * 100 for f in fractions])
    assert food > 0
