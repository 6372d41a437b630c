"""marts.validation_results: every expectation checked before a publish (keys and counts)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import duckdb

from warehouse.connection import transaction


def record_validation(con: duckdb.DuckDBPyConnection, run_id: str, checked_at: datetime,
                      results: Iterable[tuple[str, object]], held_back: bool = False) -> None:
    """Append (table, schemas.validation.CheckResult) pairs of one run, in one transaction;
    `held_back`: the build held back the athletes of the failing rows (their keys are
    recorded in full)."""
    rows = [
        [run_id, checked_at, table, r.expectation, ", ".join(r.columns),
         json.dumps(r.settings, default=str), r.success,
         None if r.observed_value is None else json.dumps(r.observed_value, default=str),
         r.unexpected_count, json.dumps(r.unexpected_keys, default=str), r.error,
         json.dumps(r.failing_keys, default=str) if held_back and not r.success else None]
        for table, r in results
    ]
    if not rows:
        return
    with transaction(con):
        con.executemany(
            "INSERT INTO marts.validation_results (run_id, checked_at, table_name, expectation, "
            "columns, settings, success, observed_value, unexpected_count, unexpected_keys, "
            "error, held_back_keys) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def failed_expectations(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[tuple]:
    """Failed expectations of the latest validated run: table, expectation, columns,
    unexpected count, example keys, error."""
    return con.execute(
        "WITH latest AS (SELECT run_id FROM marts.validation_results "
        "                ORDER BY checked_at DESC LIMIT 1) "
        "SELECT run_id, table_name, expectation, columns, unexpected_count, "
        "       CAST(unexpected_keys AS VARCHAR), error, CAST(observed_value AS VARCHAR) "
        "FROM marts.validation_results WHERE run_id IN (SELECT run_id FROM latest) "
        "AND NOT success ORDER BY table_name, expectation, columns LIMIT ?", [limit],
    ).fetchall()
