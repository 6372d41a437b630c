"""A lifter who logs lifts in a CSV, end to end: generated FIT files (with the watch's own
strength sessions), a food export and a strength log, through the nightly flow."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from flows.nightly import nightly_flow
from synthetic import (
    SyntheticAthlete,
    config_toml,
    generate_athlete_files,
    generate_nutrition_exports,
    strength_log_csv,
    weekly_lifts,
)
from warehouse.publish import PUBLISHED_FILE

pytestmark = pytest.mark.usefixtures("prefect_server")

START = date(2026, 3, 2)  # a Monday
WEEKS = 3
ATHLETE = SyntheticAthlete()


def _query(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_a_logged_lifter_is_scored_on_the_log_not_the_watch(tmp_path: Path) -> None:
    files = generate_athlete_files(ATHLETE, START, WEEKS)
    (tmp_path / "fit").mkdir()
    for f in files:
        (tmp_path / "fit" / f.name).write_bytes(f.data)
    (tmp_path / "food").mkdir()
    exports = generate_nutrition_exports(ATHLETE, files, START, WEEKS)
    (tmp_path / "food" / "servings.csv").write_bytes(exports.cronometer_servings_csv)
    # Tuesday and Thursday at 12:00, 3 hard sets each: half a session each
    lifts = weekly_lifts(START, WEEKS, weekdays=(1, 3), at="12:00", sets=3)
    (tmp_path / "lifts.csv").write_text(strength_log_csv(lifts))
    document = ATHLETE.config("data/mb.duckdb", ["fit"], [{"path": "food"}])
    document["athletes"][0] |= {"strength_source": "log", "strength_log": ["lifts.csv"]}
    config = tmp_path / "musclebalance.toml"
    config.write_text(config_toml(document))

    first = nightly_flow(config=str(config))
    assert [(s.loaded, s.rows) for s in first.strength] == [(1, len(lifts))]
    published = tmp_path / "data" / "published" / PUBLISHED_FILE
    days = {d: (n, credit, source) for d, n, credit, source in _query(
        published, "SELECT local_date, strength_sessions, strength_session_credit, "
        "strength_source FROM marts.daily_training WHERE athlete_id = ?",
        [ATHLETE.athlete_id])}
    logged = {lift.day for lift in lifts}
    zone = ZoneInfo(ATHLETE.timezone)
    watch_days = {f.start_utc.astimezone(zone).date() for f in files if f.kind == "strength"}
    assert watch_days - logged  # the watch has strength sessions the log does not
    first_fit = min(f.start_utc.astimezone(zone).date() for f in files if f.kind != "weight")
    last_fit = max(f.start_utc.astimezone(zone).date() for f in files if f.kind != "weight")
    span = [first_fit + timedelta(days=i) for i in range((last_fit - first_fit).days + 1)]
    for d in span:
        expected = (1, 0.5, "log") if d in logged else (0, 0.0, "log")
        assert days[d] == expected, d
    # a second run reads nothing again and doubles nothing
    second = nightly_flow(config=str(config))
    assert [(s.loaded, s.skipped) for s in second.strength] == [(0, 1)]
    assert _query(tmp_path / "data" / "mb.duckdb",
                  "SELECT count(*) FROM raw.strength_log") == [(len(lifts),)]
