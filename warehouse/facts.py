"""Reading the raw tables a build needs, and writing the daily fact tables."""

from __future__ import annotations

import duckdb
import polars as pl

from schemas.frames import RawFrames
from schemas.marts import MARTS, TABLE_COMMENTS
from warehouse.connection import quote_ident, sql_string, transaction

_RAW = {
    "records": ("fit_records", "athlete_id, source_sha256, segment, message_seq, timestamp_utc, "
                               "distance_m, altitude_m, heart_rate_bpm"),
    "sessions": ("fit_sessions", "athlete_id, source_sha256, segment, message_seq, "
                                 "start_time_utc, timestamp_utc, sport, sub_sport, "
                                 "total_timer_time_s, total_elapsed_time_s, total_distance_m, "
                                 "total_calories_kcal, avg_heart_rate_bpm"),
    "activity": ("fit_activity", "athlete_id, source_sha256, message_seq, timestamp_utc, "
                                 "utc_offset_s"),
    "sets": ("fit_sets", "athlete_id, source_sha256, timestamp_utc, start_time_utc, "
                         "duration_s, set_type, repetitions, weight_kg, category"),
    "file_id": ("fit_file_id", "athlete_id, source_sha256, segment, message_seq, file_type, "
                               "serial_number, time_created_utc"),
    "files": ("source_files", "athlete_id, sha256 AS source_sha256, status"),
    "laps": ("fit_laps", "athlete_id, source_sha256, start_time_utc, timestamp_utc, sport, "
                         "sub_sport"),
    "sports": ("fit_sport", "athlete_id, source_sha256, sport, sub_sport"),
    "nutrition_entries": ("nutrition_entries", "*"),
    "body_measurements": ("body_measurements", "*"),
    "strength_log": ("strength_log", "athlete_id, source_sha256, source_line, local_date, "
                                     "start_time_local, minutes, sets, reps, volume_kg"),
    "sleep_sessions": ("sleep_sessions", "*"),
    "resting_hr": ("resting_hr", "*"),
    "hrv_measurements": ("hrv_measurements", "*"),
    "body_composition": ("body_composition", "*"),
    "fit_hrv": ("fit_hrv", "athlete_id, source_sha256, segment, message_seq, rr_s"),
    "weight_scale": ("fit_weight_scale", "athlete_id, source_sha256, message_seq, "
                                         "timestamp_utc, weight_kg, body_fat_pct, "
                                         "muscle_mass_kg"),
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


def _comment(con: duckdb.DuckDBPyConnection, target: str, name: str) -> None:
    con.execute(f"COMMENT ON TABLE {target} IS {sql_string(TABLE_COMMENTS[name])}")
    for column, comment in MARTS[name]:
        con.execute(f"COMMENT ON COLUMN {target}.{quote_ident(column)} IS "
                    f"{sql_string(comment)}")


def write_staging(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame],
                  superseded: pl.DataFrame | None = None) -> None:
    """Replace `staging.<mart>` with each built frame, in one transaction (readers of the
    marts see nothing of it), and `staging.fit_files_superseded` with the FIT files the
    facts left out (when given)."""
    with transaction(con):
        if superseded is not None:
            con.execute("DELETE FROM staging.fit_files_superseded")
            con.register("mb_superseded", superseded)
            try:
                con.execute("INSERT INTO staging.fit_files_superseded BY NAME "
                            "SELECT * FROM mb_superseded")
            finally:
                con.unregister("mb_superseded")
        for name, frame in tables.items():
            con.register("mb_fact", frame)
            try:
                con.execute(f"CREATE OR REPLACE TABLE staging.{quote_ident(name)} AS "  # noqa: S608
                            "SELECT * FROM mb_fact")
            finally:
                con.unregister("mb_fact")


def read_staging(con: duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame:
    """One staged mart as a frame."""
    return pl.from_arrow(con.sql(f"SELECT * FROM staging.{quote_ident(name)}")  # noqa: S608
                         .to_arrow_table())


def published_rows(con: duckdb.DuckDBPyConnection, names: list[str],
                   athlete_ids: list[str]) -> dict[str, int | None]:
    """Rows each published mart holds for these athletes (None: not published yet)."""
    existing = {t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
        "AND database_name = current_database()").fetchall()}
    out: dict[str, int | None] = {}
    for name in names:
        if name not in existing:
            out[name] = None
            continue
        (count,) = con.execute(
            f"SELECT count(*) FROM marts.{quote_ident(name)} "  # noqa: S608
            "WHERE athlete_id IN (SELECT unnest(?::VARCHAR[]))", [athlete_ids]).fetchone()
        out[name] = int(count)
    return out


def publish(con: duckdb.DuckDBPyConnection, names: list[str],
            held_back: list[str] | None = None) -> int:
    """Make the staged marts the published ones, all in one transaction, each column
    commented: a reader sees the old build or the new one, never a mix. The athletes in
    `held_back` keep the rows they had in each published mart (none where it has none);
    every other athlete gets the staged rows. Returns the staged rows published."""
    held = list(held_back or ())
    fresh = "WHERE athlete_id NOT IN (SELECT unnest($held::VARCHAR[]))"
    existing = {t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
        "AND database_name = current_database()").fetchall()}
    published = 0
    with transaction(con):
        for name in names:
            target = f"marts.{quote_ident(name)}"
            staged = f"staging.{quote_ident(name)}"
            if not held:
                con.execute(f"CREATE OR REPLACE TABLE {target} AS "  # noqa: S608
                            f"SELECT * FROM {staged}")
            else:  # the staged columns, in order; kept rows lacking one get null
                columns = ", ".join(quote_ident(c) for c, _ in MARTS[name])
                kept = ("UNION ALL BY NAME SELECT * FROM " + target  # noqa: S608
                        + " WHERE athlete_id IN (SELECT unnest($held::VARCHAR[]))"
                        if name in existing else "")
                con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT {columns} "  # noqa: S608
                            f"FROM (SELECT * FROM {staged} {fresh} {kept})", {"held": held})
            _comment(con, target, name)
            (count,) = con.execute(f"SELECT count(*) FROM {staged} {fresh}",  # noqa: S608
                                   {"held": held}).fetchone()
            published += count
    return published
