"""CSV exports without float noise: every float column rounded to its unit's precision,
the Parquet and DuckDB files unchanged, and no mart column without a rule."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from schemas.export_precision import csv_decimals
from transforms.daily_facts import daily_facts
from transforms.recovery import recovery_from_raw
from transforms.scoring.muscle_balance import (
    daily_muscle_balance,
    score_days,
    weekly_muscle_balance,
)
from warehouse.connection import connect
from warehouse.ddl import PIPELINE_RUNS, VALIDATION_RESULTS, create_all
from warehouse.facts import publish, read_raw, write_staging
from warehouse.publish import publish_files

BI_DOC = Path(__file__).resolve().parents[2] / "docs" / "bi.md"
#: 0.1 + 0.2 in binary floating point.
NOISE = 0.30000000000000004


def _mart_schemas() -> dict[str, pl.Schema]:
    """Every mart's columns and types, as the transforms build them (here from no data)."""
    con = duckdb.connect()
    create_all(con)
    athletes = pl.DataFrame(
        {"athlete_id": ["a"], "timezone": ["UTC"], "sex": ["female"], "birth_year": [1990],
         "height_cm": [168.0], "weight_kg": [60.0], "max_hr": [190.0], "resting_hr": [50.0],
         "lthr": [170.0], "zone_model": ["hrmax"]},
        schema_overrides={"birth_year": pl.Int32})
    raw = read_raw(con, ["a"])
    facts = daily_facts(raw, athletes, date(2026, 6, 1))
    scored = score_days(facts.training, facts.nutrition, facts.energy)
    return {name: frame.schema for name, frame in {
        "daily_training": facts.training, "daily_nutrition": facts.nutrition,
        "daily_energy": facts.energy, "daily_muscle_balance": daily_muscle_balance(scored),
        "weekly_muscle_balance": weekly_muscle_balance(scored),
        "daily_recovery": recovery_from_raw(raw, athletes)}.items()}


@pytest.fixture(scope="module")
def schemas() -> dict[str, pl.Schema]:
    return _mart_schemas()


def _float_columns(schemas: dict[str, pl.Schema]) -> dict[str, list[str]]:
    out = {name: [c for c, t in schema.items() if t.is_float()]
           for name, schema in schemas.items()}
    for name, columns in (("pipeline_runs", PIPELINE_RUNS),
                          ("validation_results", VALIDATION_RESULTS)):
        out[name] = [c for c, sql, _ in columns if sql.split()[0] in ("DOUBLE", "FLOAT")]
    return out


def test_every_float_column_of_every_mart_has_a_precision_rule(schemas) -> None:
    floats = _float_columns(schemas)
    assert sum(map(len, floats.values())) > 80  # the transforms' schemas were read
    missing = [f"{table}.{c}" for table, columns in floats.items() for c in columns
               if csv_decimals(c) is None]
    assert missing == []


def test_docs_list_every_float_column_with_its_decimals(schemas) -> None:
    documented: dict[str, int] = {}
    for line in BI_DOC.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1].isdigit():
            for column in re.findall(r"`([a-z0-9_]+)`", cells[2]):
                documented[column] = int(cells[1])
    floats = {c for columns in _float_columns(schemas).values() for c in columns}
    assert {c: documented.get(c) for c in floats} == {c: csv_decimals(c) for c in floats}


def _row(schema: pl.Schema, floats: dict[str, float]) -> pl.DataFrame:
    """One row of a mart: `floats` where given, NOISE in every other float column."""
    plain = {pl.String: "a", pl.Date: date(2026, 5, 4), pl.Boolean: True}
    series = []
    for column, dtype in schema.items():
        if dtype.is_float():
            value: object = floats.get(column, NOISE)
        elif dtype.is_integer():
            value = 3
        else:
            value = plain[dtype.base_type()]
        series.append(pl.Series(column, [value], dtype=dtype))
    return pl.DataFrame(series)


#: Hand-picked noisy values and the text the CSV must hold (precision from docs/bi.md).
CASES = {
    "daily_nutrition": {
        "energy_kcal": (412.1 + 898.2, "1310.3"),  # 1310.3000000000002
        "protein_g_per_kg": (100 / 60, "1.67"),
        "protein_g": (35.1 + 0.2, "35.3"),  # 35.300000000000004
    },
    "daily_training": {
        "run_distance_km": (10 / 3, "3.333"),
        "seiler_low_share": (2 / 3, "0.6667"),
        "run_moving_min": (125 / 3, "41.67"),
        "seiler_high_share": (1.0000000000000002, "1.0"),
    },
    "daily_energy": {
        "balance_kcal": (-0.04, "0.0"),  # never "-0.0"
        "weight_kg": (61.005 + 1e-9, "61.01"),
        "body_fat_pct": (18.123456, "18.12"),
    },
    "weekly_muscle_balance": {
        "run_hours": (7 / 3, "2.333"),
        "score": (505 / 7, "72.1"),
    },
}


def test_csv_exports_are_rounded_and_parquet_and_duckdb_keep_full_precision(
        tmp_path, schemas) -> None:
    warehouse = tmp_path / "w.duckdb"
    frames = {name: _row(schemas[name], {c: v for c, (v, _) in CASES.get(name, {}).items()})
              for name in schemas}
    with connect(warehouse) as con:
        create_all(con)
        write_staging(con, frames)
        publish(con, list(frames))
        published = publish_files(con, warehouse.parent / "published", "r1")
    folder = published.parent
    for name, frame in frames.items():
        with open(folder / "csv" / f"{name}.csv", newline="") as f:
            (row,) = list(csv.DictReader(f))
        expected = {c: text for c, (_, text) in CASES.get(name, {}).items()}
        for column, dtype in frame.schema.items():
            if dtype.is_float() and column not in expected:
                expected[column] = "0.3"  # NOISE at any precision of 1 decimal or more
        assert {c: row[c] for c in expected} == expected, name
        assert "0000000" not in (folder / "csv" / f"{name}.csv").read_text()
        parquet = pl.read_parquet(folder / "parquet" / f"{name}.parquet")
        assert parquet.equals(frame), name  # bit for bit
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT energy_kcal, protein_g_per_kg FROM marts.daily_nutrition"
                           ).fetchone() == (412.1 + 898.2, 100 / 60)
