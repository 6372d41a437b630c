"""The report's rows, read from the readers' published DuckDB file (never the warehouse):
the report shows exactly what was published, and reading it takes no lock."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from schemas.marts import MARTS
from schemas.report_frames import REPORT_MARTS, ReportFrames


def published_athletes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Athletes with published daily scores, sorted."""
    return [r[0] for r in con.execute(
        "SELECT DISTINCT athlete_id FROM marts.daily_muscle_balance ORDER BY 1").fetchall()]


def _span(con: duckdb.DuckDBPyConnection, athlete_id: str) -> tuple[date | None, date | None]:
    """The athlete's first and last published day."""
    first, last = con.execute("SELECT min(local_date), max(local_date) "
                              "FROM marts.daily_muscle_balance WHERE athlete_id = ?",
                              [athlete_id]).fetchall()[0]
    return first, last


def _published_at(con: duckdb.DuckDBPyConnection):
    return con.execute("SELECT max(finished_at) FROM marts.pipeline_runs "
                       "WHERE finished_at IS NOT NULL").fetchall()[0][0]


def _missing(mart: str) -> pl.DataFrame:
    """No rows, with the mart's columns: a published file written before the mart existed
    (the report then says its data are missing)."""
    keys = {"athlete_id": pl.String, "local_date": pl.Date, "week_start": pl.Date}
    return pl.DataFrame(schema={c: keys.get(c, pl.Float64) for c, _ in MARTS[mart]})


def _frame(con: duckdb.DuckDBPyConnection, mart: str, athlete_id: str, first: date,
           last: date) -> pl.DataFrame:
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' "
                       "AND table_name = ?", [mart]).fetchall()[0][0]:
        return _missing(mart)
    # the mart names come from schemas.report_frames.REPORT_MARTS, never from input
    if mart == "weekly_muscle_balance":
        where, order = "week_start + 6 >= ? AND week_start <= ?", "week_start"
    else:
        where, order = "local_date BETWEEN ? AND ?", "local_date"
    table = con.sql(
        f"SELECT * FROM marts.{mart} WHERE athlete_id = ? AND {where} "  # noqa: S608
        f"ORDER BY {order}", params=[athlete_id, first, last]).to_arrow_table()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def read_report_frames(con: duckdb.DuckDBPyConnection, athlete_id: str, days: int
                       ) -> ReportFrames | None:
    """The athlete's published rows for the `days` days ending on their last published
    day, or from their first published day when that is later (None: the athlete has no
    published day)."""
    start, last = _span(con, athlete_id)
    if start is None or last is None:
        return None
    first = max(start, last - timedelta(days=max(days, 1) - 1))
    frames = {m: _frame(con, m, athlete_id, first, last) for m in REPORT_MARTS}
    return ReportFrames(athlete_id=athlete_id, first_day=first, last_day=last,
                        published_at=_published_at(con), **frames)


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """The published file, read-only (FileNotFoundError when nothing was published yet)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: nothing published yet (run `musclebalance run` or "
                                "`musclebalance build` first)")
    return duckdb.connect(str(path), read_only=True)
