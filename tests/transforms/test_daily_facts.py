"""The composed daily facts on edge cases: two athletes sharing a file, no resting HR,
an athlete with food logs but no watch files, an empty warehouse."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import duckdb
import polars as pl
import pytest

from schemas.frames import RawFrames
from transforms.daily_facts import daily_facts
from warehouse.ddl import create_all
from warehouse.facts import read_raw

TODAY = date(2026, 6, 1)


@pytest.fixture(scope="module")
def empty() -> RawFrames:
    con = duckdb.connect()
    create_all(con)
    return read_raw(con, ["nobody"])


def _athletes(*ids: str, resting_hr: float | None = 50.0, zone_model: str = "hrmax"
              ) -> pl.DataFrame:
    return pl.DataFrame({
        "athlete_id": list(ids), "timezone": ["Europe/Berlin"] * len(ids),
        "sex": ["female"] * len(ids), "birth_year": [1990] * len(ids),
        "height_cm": [168.0] * len(ids), "weight_kg": [60.0] * len(ids),
        "max_hr": [190.0] * len(ids), "resting_hr": [resting_hr] * len(ids),
        "lthr": [170.0] * len(ids), "zone_model": [zone_model] * len(ids)})


def _run(empty: RawFrames, athletes: tuple[str, ...], sha: str = "f" * 64) -> RawFrames:
    """One 10-minute run (1 Hz, 3 m/s, HR 150) in one file, under each athlete."""
    start = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
    n = 600
    records = pl.concat([
        pl.DataFrame({"athlete_id": [a] * n, "source_sha256": [sha] * n, "segment": [0] * n,
                      "message_seq": list(range(n)),
                      "timestamp_utc": [start + timedelta(seconds=i) for i in range(n)],
                      "distance_m": [3.0 * i for i in range(n)], "altitude_m": [50.0] * n,
                      "heart_rate_bpm": [150.0] * n})
        for a in athletes]).cast(empty.records.schema)
    sessions = pl.concat([pl.DataFrame({
        "athlete_id": [a], "source_sha256": [sha], "segment": [0], "message_seq": [1],
        "start_time_utc": [start], "timestamp_utc": [start + timedelta(seconds=n)],
        "sport": ["running"], "sub_sport": ["generic"], "total_timer_time_s": [600.0],
        "total_elapsed_time_s": [600.0], "total_distance_m": [1797.0],
        "total_calories_kcal": [120.0], "avg_heart_rate_bpm": [150.0]}) for a in athletes]
    ).cast(empty.sessions.schema)
    return RawFrames(records, sessions, empty.activity, empty.sets, empty.nutrition_entries,
                     empty.body_measurements)


def _food_day(empty: RawFrames, day: date) -> pl.DataFrame:
    """Athlete a's day total of 2000 kcal eaten on `day` (a Cronometer daily summary)."""
    return pl.DataFrame({
        "athlete_id": ["a"], "local_date": [day], "local_time": [None],
        "meal": [None], "food": [None], "energy_kcal": [2000.0], "protein_g": [100.0],
        "carbohydrate_g": [250.0], "fat_g": [70.0], "fiber_g": [30.0], "grain": ["day"],
        "source_format": ["cronometer_dailysummary"], "source_sha256": ["x"],
        "source_row": [2], "exported_at": [datetime(2026, 5, 5, tzinfo=UTC)],
        "day_completed": [True],
    }).cast(empty.nutrition_entries.schema)


def test_an_empty_warehouse_builds_empty_tables(empty: RawFrames) -> None:
    facts = daily_facts(empty, _athletes("a"), TODAY)
    assert facts.training.height == facts.nutrition.height == facts.energy.height == 0


def test_the_same_file_under_two_athletes_counts_for_each(empty: RawFrames) -> None:
    facts = daily_facts(_run(empty, ("a", "b")), _athletes("a", "b"), TODAY)
    rows = facts.training.sort("athlete_id").select("athlete_id", "run_distance_km").rows()
    assert rows == [("a", pytest.approx(1.797)), ("b", pytest.approx(1.797))]


def test_without_resting_hr_trimp_and_load_are_unknown_not_zero(empty: RawFrames) -> None:
    facts = daily_facts(_run(empty, ("a",)), _athletes("a", resting_hr=None), TODAY)
    row = facts.training.row(0, named=True)
    assert row["trimp"] is None and row["acute_load"] is None
    assert row["z3_min"] == pytest.approx(599 / 60)  # zones need only max HR


@pytest.mark.parametrize(("resting_hr", "model", "zone"), [
    # 150 bpm, rest 50, max 190: (150 - 50)/140 = 0.714 of the reserve, zone 3 (70-80 %)
    (50.0, "hrr", "z3_min"),
    # no resting HR, LTHR 170: 150/170 = 0.88 of LTHR, Friel zone 2 (85-89 %)
    (None, "lthr", "z2_min"),
])
def test_the_auto_zone_model_is_resolved_and_published(empty: RawFrames, resting_hr,
                                                       model: str, zone: str) -> None:
    facts = daily_facts(_run(empty, ("a",)), _athletes("a", resting_hr=resting_hr,
                                                       zone_model="auto"), TODAY)
    row = facts.training.row(0, named=True)
    assert row["zone_model"] == model
    assert row[zone] == pytest.approx(599 / 60)  # 600 samples at 1 Hz: 599 s of moving
    # below the second threshold of either model (0.83 HRR, 1.00 LTHR): none of it high
    assert row["high_intensity_min"] == 0.0
    assert row["seiler_low_share"] == pytest.approx(1.0)  # and below the first (.72, .90)


def test_food_logged_before_the_first_watch_file_leaves_training_unknown(
    empty: RawFrames,
) -> None:
    raw = _run(empty, ("a",))
    food = _food_day(empty, date(2026, 5, 1))
    raw = RawFrames(raw.records, raw.sessions, raw.activity, raw.sets, food,
                    raw.body_measurements)
    training = daily_facts(raw, _athletes("a"), TODAY).training.sort("local_date")
    assert training["local_date"].to_list() == [date(2026, 5, d) for d in (1, 2, 3, 4)]
    assert training["run_distance_km"].to_list()[:3] == [None, None, None]
    assert training["run_distance_km"].to_list()[3] == pytest.approx(1.797)
    # no zeros seeded before the watch file: the load lines start on its day, seeded with
    # its own TRIMP (so all three equal it), and there is no ratio before 28 watch days
    assert training["acute_load"].to_list()[:3] == [None, None, None]
    last = training.row(3, named=True)
    assert last["trimp"] > 0
    assert (last["acute_load"], last["chronic_load"], last["fitness_load"]) == (
        pytest.approx(last["trimp"]),) * 3
    assert last["acute_chronic_ratio"] is None


def test_energy_availability_takes_the_resting_energy_of_the_exercise_minutes_off(
    empty: RawFrames,
) -> None:
    """The 10-min run (120 device kcal) on a day with 2000 kcal eaten and a weigh-in of
    60 kg at 20 % body fat: fat-free mass 48 kg, Cunningham resting 500 + 22 x 48 = 1556
    kcal/day, of which 1556 / 1440 x 10 = 10.8 kcal fall in the run's minutes; net exercise
    120 - 10.8 = 109.2 kcal; availability (2000 - 109.2) / 48 = 39.4 kcal/kg FFM."""
    raw = _run(empty, ("a",))
    food = _food_day(empty, date(2026, 5, 4))
    scale = pl.DataFrame({
        "athlete_id": ["a"], "local_date": [date(2026, 5, 4)], "local_time": [None],
        "weight_kg": [60.0], "body_fat_pct": [20.0], "source": ["scale"],
        "source_sha256": ["y"]}).cast(empty.body_measurements.schema)
    raw = RawFrames(raw.records, raw.sessions, raw.activity, raw.sets, food, scale)
    row = daily_facts(raw, _athletes("a"), TODAY).energy.row(0, named=True)
    resting = 500 + 22 * 48.0
    assert row["fat_free_mass_kg"] == pytest.approx(48.0)
    assert row["resting_kcal"] == pytest.approx(resting)
    assert row["exercise_min"] == pytest.approx(10.0)
    net = 120.0 - resting / 1440 * 10
    assert row["energy_availability_kcal_per_kg_ffm"] == pytest.approx((2000 - net) / 48)
