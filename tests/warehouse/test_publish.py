"""The readers' files: a published DuckDB file and Parquet/CSV exports, replaced atomically,
private, readable by older DuckDB releases, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import stat
import subprocess
import sys

import duckdb
import polars as pl
import pytest

from tests.factories import nutrition_days, publish_nutrition
from warehouse.connection import connect
from warehouse.ddl import create_all
from warehouse.facts import publish, write_staging
from warehouse.publish import PUBLISHED_FILE, TEMP_PREFIX


def test_the_published_file_holds_the_marts_with_comments_in_an_old_format(tmp_path) -> None:
    published = publish_nutrition(tmp_path / "w.duckdb", 3, 120.0, "r1")
    assert published == tmp_path / "published" / PUBLISHED_FILE
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT count(*), sum(protein_g) FROM marts.daily_nutrition"
                           ).fetchone() == (3, 360.0)
        assert con.execute("SELECT tags['storage_version'] FROM duckdb_databases() "
                           "WHERE NOT internal AND database_name = current_database()"
                           ).fetchone() == ("v1.0.0+",)
        missing = con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = "
                              "'marts' AND table_name = 'daily_nutrition' AND comment IS NULL"
                              ).fetchall()
        assert missing == []
    parquet = pl.read_parquet(tmp_path / "published" / "parquet" / "daily_nutrition.parquet")
    assert parquet.height == 3 and parquet["protein_g"].sum() == 360.0


def test_files_and_folders_are_readable_by_their_owner_only(tmp_path) -> None:
    published = publish_nutrition(tmp_path / "w.duckdb", 2, 100.0, "r1")
    folder = published.parent
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in [published, *folder.rglob("*.parquet"), *folder.rglob("*.csv")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for path in folder.glob("exports-*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700


def test_csv_text_that_a_spreadsheet_would_run_is_neutralised(tmp_path) -> None:
    published = publish_nutrition(tmp_path / "w.duckdb", 1, 100.0, "r1")
    with open(published.parent / "csv" / "daily_nutrition.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert row["athlete_id"] == "'=HYPERLINK(1)"
    assert row["nutrition_source"] == "'+cronometer"
    assert row["nutrition_sources_available"] == "'-x,@y"
    assert row["protein_g"] == "100.0"  # numbers are left alone


def test_a_reader_keeps_the_old_data_and_a_new_open_sees_the_new(tmp_path) -> None:
    warehouse = tmp_path / "w.duckdb"
    published = publish_nutrition(warehouse, 3, 100.0, "r1")
    reader = duckdb.connect(str(published), read_only=True)
    try:
        assert reader.execute("SELECT sum(protein_g) FROM marts.daily_nutrition"
                              ).fetchone() == (300.0,)
        publish_nutrition(warehouse, 4, 150.0, "r2")  # the run does not fail for an open reader
        assert reader.execute("SELECT sum(protein_g) FROM marts.daily_nutrition"
                              ).fetchone() == (300.0,)
        # a new reader (a dashboard: another process) opens the new file
        code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
                "print(con.execute('SELECT sum(protein_g) FROM marts.daily_nutrition')"
                ".fetchone()[0])")
        fresh = subprocess.run([sys.executable, "-c", code, str(published)],
                               capture_output=True, text=True, check=True)
        assert fresh.stdout.strip() == "600.0"
    finally:
        reader.close()
    parquet = pl.read_parquet(published.parent / "parquet" / "daily_nutrition.parquet")
    assert parquet["protein_g"].sum() == 600.0


def test_leftovers_of_a_killed_publish_are_removed_and_never_read(tmp_path) -> None:
    warehouse = tmp_path / "w.duckdb"
    published = publish_nutrition(warehouse, 2, 100.0, "r1")
    folder = published.parent
    (folder / f"{TEMP_PREFIX}{PUBLISHED_FILE}-dead").write_bytes(b"half a file")
    (folder / f"{TEMP_PREFIX}exports-dead").mkdir()
    before = published.read_bytes()
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.daily_nutrition").fetchone() == (2,)
    assert published.read_bytes() == before
    publish_nutrition(warehouse, 2, 100.0, "r2")
    assert not list(folder.glob(f"{TEMP_PREFIX}*"))
    assert len(list(folder.glob("exports-*"))) == 2  # this one and the one before


@pytest.mark.parametrize("runs", [3])
def test_old_export_folders_are_pruned(tmp_path, runs: int) -> None:
    warehouse = tmp_path / "w.duckdb"
    for i in range(runs):
        published = publish_nutrition(warehouse, 1, 100.0, f"r{i}")
    exports = sorted(p.name for p in published.parent.glob("exports-*"))
    assert exports == ["exports-r1", "exports-r2"]
    assert (published.parent / "parquet").resolve().parent.name == "exports-r2"


def test_held_back_athletes_keep_their_published_rows_the_others_get_the_new(tmp_path) -> None:
    def staged(protein: float, athletes: str) -> pl.DataFrame:
        return pl.concat([nutrition_days(2, protein).with_columns(athlete_id=pl.lit(a))
                          for a in athletes])

    total = ("SELECT athlete_id, count(*), sum(protein_g) FROM marts.daily_nutrition "
             "GROUP BY 1 ORDER BY 1")
    with connect(tmp_path / "w.duckdb") as con:
        create_all(con)
        write_staging(con, {"daily_nutrition": staged(100.0, "ab")})
        publish(con, ["daily_nutrition"])
        write_staging(con, {"daily_nutrition": staged(150.0, "abc")})
        # c: never published; a's 2 rows are the only new ones
        assert publish(con, ["daily_nutrition"], held_back=["b", "c"]) == 2
        assert con.execute(total).fetchall() == [("a", 2, 300.0), ("b", 2, 200.0)]
        (comment,) = con.execute(
            "SELECT comment FROM duckdb_columns() WHERE schema_name = 'marts' AND "
            "table_name = 'daily_nutrition' AND column_name = 'protein_g'").fetchone()
        assert comment == "Protein, g"
