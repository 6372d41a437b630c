"""Read-only queries for the score tables the command line prints after a build and the
nightly run's Prefect artifacts show."""

from __future__ import annotations

import duckdb

#: The first reason of a scored day; all of them (what was missing) on a day without a score.
_MAIN_REASON = ("CASE WHEN score IS NULL THEN reasons ELSE split_part(reasons, '; ', 1) END "
                "AS main_reason")


def _last_days(con: duckdb.DuckDBPyConnection, athlete_id: str, days: int, columns: str
               ) -> duckdb.DuckDBPyConnection:
    """`columns` of the athlete's last `days` rows of marts.daily_muscle_balance, oldest
    first (the executed query)."""
    return con.execute(
        f"SELECT {columns} "  # noqa: S608 - columns are this module's constants
        "FROM (SELECT * FROM marts.daily_muscle_balance WHERE athlete_id = ? "
        "      ORDER BY local_date DESC LIMIT ?) ORDER BY local_date",
        [athlete_id, days],
    )


def recent_days(con: duckdb.DuckDBPyConnection, athlete_id: str, days: int = 14) -> list[tuple]:
    """The athlete's last `days` days, oldest first: date, score, band, completeness, the
    first reason (all of them, what was missing, on a day without a score)."""
    return _last_days(con, athlete_id, days,
                      f"local_date, score, band, data_completeness, {_MAIN_REASON}").fetchall()


#: The columns of `recent_verdicts`' rows, in order.
VERDICT_COLUMNS = ("athlete_id", "local_date", "score", "band", "main_factor",
                   "data_completeness", "main_reason")


def recent_verdicts(con: duckdb.DuckDBPyConnection, athlete_id: str, days: int = 7
                    ) -> list[dict[str, object]]:
    """The athlete's last `days` days of marts.daily_muscle_balance, oldest first, as
    dicts of VERDICT_COLUMNS: score 0-100 and band (null: too little data), the component
    that cost the most points, the share of the model's weights with known inputs (0-1),
    and the first reason (all of them, what was missing, on a day without a score)."""
    cursor = _last_days(con, athlete_id, days, ", ".join((*VERDICT_COLUMNS[:-1], _MAIN_REASON)))
    return [dict(zip(VERDICT_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def recent_weeks(con: duckdb.DuckDBPyConnection, athlete_id: str, weeks: int = 8) -> list[tuple]:
    """The athlete's last `weeks` ISO weeks, oldest first: year-week, score, band, worst
    score, 28-day score and trend, run km, protein g/kg and g/lb, mean body weight over
    the week's days with one (kg, `marts.daily_energy`), strength sessions, the first
    reason."""
    return con.execute(
        "SELECT printf('%d-W%02d', iso_year, iso_week), score, band, worst_score, "
        "score_28d, trend_28d, run_distance_km, protein_g_per_kg_mean, protein_g_per_lb_mean, "
        "e.weight_kg, strength_sessions, split_part(reasons, '; ', 1) "
        "FROM (SELECT * FROM marts.weekly_muscle_balance WHERE athlete_id = ? "
        "      ORDER BY week_start DESC LIMIT ?) w "
        "LEFT JOIN (SELECT CAST(date_trunc('week', local_date) AS DATE) AS week_start, "
        "                  avg(weight_kg) AS weight_kg "
        "           FROM marts.daily_energy WHERE athlete_id = ? GROUP BY 1) e "
        "USING (week_start) ORDER BY week_start",
        [athlete_id, weeks, athlete_id],
    ).fetchall()


def recent_recovery(con: duckdb.DuckDBPyConnection, athlete_id: str, days: int = 14
                    ) -> list[tuple]:
    """The athlete's last `days` days of `marts.daily_recovery` that hold any measure,
    oldest first: date, sleep h, whether measured, resting HR and its 7-day rise over the
    baseline (bpm), HRV (ms) and its 7-day mean's distance from the baseline (ms), below
    the smallest worthwhile change or not, weight trend (kg), fat-free-mass trend (kg)."""
    return con.execute(
        "SELECT local_date, sleep_h, sleep_measured, resting_hr_bpm, resting_hr_delta_bpm, "
        "hrv_ms, hrv_delta_ms, hrv_below_swc, weight_trend_kg, fat_free_mass_trend_kg "
        "FROM (SELECT * FROM marts.daily_recovery WHERE athlete_id = ? "
        "      AND coalesce(sleep_h, resting_hr_bpm, hrv_ms, weight_trend_kg) IS NOT NULL "
        "      ORDER BY local_date DESC LIMIT ?) ORDER BY local_date",
        [athlete_id, days],
    ).fetchall()
