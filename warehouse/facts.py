"""Reading the raw tables a build needs, and writing the daily fact tables."""

from __future__ import annotations

import duckdb
import polars as pl

from schemas.marts import MARTS, TABLE_COMMENTS
from transforms.daily_facts import RawFrames
from warehouse.connection import quote_ident, sql_string, transaction

_RAW = {
    "records": ("fit_records", "athlete_id, source_sha256, segment, timestamp_utc, distance_m, "
                               "altitude_m, heart_rate_bpm"),
    "sessions": ("fit_sessions", "athlete_id, source_sha256, segment, message_seq, "
                                 "start_time_utc, timestamp_utc, sport, sub_sport, "
                                 "total_timer_time_s, total_elapsed_time_s, total_distance_m, "
                                 "total_calories_kcal, avg_heart_rate_bpm"),
    "activity": ("fit_activity", "athlete_id, source_sha256, message_seq, timestamp_utc, "
                                 "utc_offset_s"),
    "sets": ("fit_sets", "athlete_id, source_sha256, timestamp_utc, start_time_utc, "
                         "duration_s, set_type, repetitions, weight_kg, category"),
    "nutrition_entries": ("nutrition_entries", "*"),
    "body_measurements": ("body_measurements", "*"),
}


def read_raw(con: duckdb.DuckDBPyConnection, athlete_ids: list[str]) -> RawFrames:
    """The raw frames of these athletes (columns a build uses only)."""
    frames = {}
    for key, (table, columns) in _RAW.items():  # table and column names are constants
        frames[key] = pl.from_arrow(con.sql(
            f"SELECT {columns} FROM raw.{table} "  # noqa: S608
            "WHERE athlete_id IN (SELECT unnest(?::VARCHAR[]))",
            params=[athlete_ids],
        ).to_arrow_table())
    return RawFrames(**frames)


def write_marts(con: duckdb.DuckDBPyConnection, facts: dict[str, pl.DataFrame]) -> None:
    """Replace the daily fact tables in one transaction, each column commented."""
    with transaction(con):
        for name, frame in facts.items():
            target = f"marts.{quote_ident(name)}"
            con.register("mb_fact", frame)
            try:
                con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM mb_fact")  # noqa: S608
            finally:
                con.unregister("mb_fact")
            con.execute(f"COMMENT ON TABLE {target} IS {sql_string(TABLE_COMMENTS[name])}")
            for column, comment in MARTS[name]:
                con.execute(f"COMMENT ON COLUMN {target}.{quote_ident(column)} IS "
                            f"{sql_string(comment)}")
