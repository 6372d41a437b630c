"""Daily training facts: strength, other cardio and exercise energy from hand-made sessions
(expected values worked out by hand below), then the real fixture files against fitparse."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path

import fitparse
import polars as pl
import pytest

from synthetic import SyntheticAthlete, generate_athlete_files
from tests.helpers import reference_read, require_fixtures
from transforms.daily_training import (
    CARDIO_CATEGORIES,
    classify_sessions,
    exercise_energy_by_day,
    other_cardio_by_day,
    session_energy,
    strength_by_day,
)
from transforms.fit_decode import decode_fit

D1, D2, D3 = date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 6)

SESSION_SCHEMA = {
    "athlete_id": pl.String, "source_sha256": pl.String, "local_date": pl.Date,
    "sport": pl.String, "sub_sport": pl.String, "total_timer_time_s": pl.Float64,
    "total_elapsed_time_s": pl.Float64, "total_calories_kcal": pl.Float64,
    "avg_heart_rate_bpm": pl.Float64,
}
SET_SCHEMA = {
    "athlete_id": pl.String, "source_sha256": pl.String, "set_type": pl.String,
    "repetitions": pl.Int32, "weight_kg": pl.Float64, "duration_s": pl.Float64,
}


def _sessions(*rows: tuple) -> pl.DataFrame:
    """Rows: (athlete, sha, day, sport, sub_sport, timer_s, elapsed_s, kcal, avg_hr)."""
    return pl.DataFrame(list(rows), schema=SESSION_SCHEMA, orient="row")


def _sets(*rows: tuple) -> pl.DataFrame:
    """Rows: (athlete, sha, set_type, reps, weight_kg, duration_s)."""
    return pl.DataFrame(list(rows), schema=SET_SCHEMA, orient="row")


# --- Strength ------------------------------------------------------------------------


def test_strength_session_counts_active_sets_only() -> None:
    sessions = _sessions(("ana", "gym", D1, "training", "strength_training", 2700.0, 2900.0,
                          None, None))
    sets = _sets(
        ("ana", "gym", "active", 10, 60.0, 40.0),
        ("ana", "gym", "rest", None, None, 90.0),
        ("ana", "gym", "active", 8, 70.0, 35.0),
        ("ana", "gym", "rest", None, None, 90.0),
        ("ana", "gym", "active", 12, None, 30.0),  # body weight: reps, no load
        ("ana", "gym", "rest", 5, 100.0, 90.0),  # a rest set never counts, even with values
    )
    out = strength_by_day(sessions, sets).row(0, named=True)
    assert out["local_date"] == D1
    assert out["strength_sessions"] == 1
    assert out["strength_min"] == pytest.approx(2700 / 60)  # timer time, not elapsed
    assert out["strength_sets"] == 3
    assert out["strength_reps"] == 10 + 8 + 12
    assert out["strength_volume_kg"] == pytest.approx(10 * 60.0 + 8 * 70.0)  # 1160 kg


def test_training_file_without_sets_counts_but_sets_are_unknown() -> None:
    sessions = _sessions(
        ("ana", "nosets", D1, "training", "strength_training", 1500.0, 1600.0, None, None),
        ("ana", "equip", D2, "fitness_equipment", "strength_training", 600.0, 600.0, None, None),
        # training with another sub-sport and no sets is not strength ...
        ("ana", "cardio", D3, "training", "cardio_training", 1200.0, 1200.0, None, None),
        # ... but with set messages it is
        ("ana", "hiit", D3, "training", "cardio_training", 900.0, 900.0, None, None),
    )
    sets = _sets(("ana", "hiit", "active", 20, None, 45.0),
                 ("ana", "hiit", "rest", None, None, 15.0))
    out = strength_by_day(sessions, sets)
    assert out.rows() == [
        # day, sessions, min, sets, reps, volume, session credit (no sets: a whole
        # session; 1 active set: 1 of the 6 of a full session)
        ("ana", D1, 1, pytest.approx(1500 / 60), None, None, None, 1.0),  # no set messages
        ("ana", D2, 1, pytest.approx(600 / 60), None, None, None, 1.0),
        # reps but no load: volume null
        ("ana", D3, 1, pytest.approx(900 / 60), 1, 20, None, pytest.approx(1 / 6)),
    ]
    assert out.schema["strength_sessions"] == pl.Int32
    assert out.schema["strength_sets"] == pl.Int32
    assert strength_by_day(sessions, None)["local_date"].to_list() == [D1, D2]


def test_strength_sets_of_two_files_on_one_day_add_up() -> None:
    sessions = _sessions(
        ("bo", "am", D1, "training", "strength_training", 1800.0, 1800.0, None, None),
        ("bo", "pm", D1, "training", "strength_training", None, 1200.0, None, None),
    )
    sets = _sets(("bo", "am", "active", 5, 100.0, 30.0), ("bo", "pm", "active", 5, 80.0, 30.0),
                 ("bo", "pm", "active", None, 80.0, 30.0))  # no reps: no volume either
    out = strength_by_day(sessions, sets).row(0, named=True)
    assert out["strength_sessions"] == 2
    assert out["strength_min"] == pytest.approx((1800 + 1200) / 60)  # pm: elapsed fallback
    assert (out["strength_sets"], out["strength_reps"]) == (3, 5 + 5)
    assert out["strength_volume_kg"] == pytest.approx(5 * 100.0 + 5 * 80.0)


# --- Other cardio --------------------------------------------------------------------


def test_walk_and_ride_are_other_cardio_not_running_or_strength() -> None:
    sessions = _sessions(
        ("ana", "walk", D1, "walking", "generic", 1800.0, 2000.0, 120.0, 95.0),
        ("ana", "ride", D1, "cycling", "road", 3600.0, 3900.0, 700.0, 140.0),
        ("ana", "run", D1, "running", "trail", 2400.0, 2400.0, 500.0, 155.0),
        ("ana", "gym", D1, "training", "strength_training", 2700.0, 2700.0, 250.0, 110.0),
        ("ana", "erg", D1, "fitness_equipment", "indoor_rowing", 600.0, 600.0, 90.0, 150.0),
        ("ana", "elli", D1, "fitness_equipment", "elliptical", 300.0, 300.0, None, None),
        ("ana", "swim", D2, "swimming", "lap_swimming", None, None, None, None),
        ("ana", "hike", D2, "hiking", "generic", 5400.0, 6000.0, None, None),
    )
    classes = classify_sessions(sessions)["activity_class"].to_list()
    assert classes == ["other", "other", "running", "strength", "other", "other", "other",
                       "other"]
    out = other_cardio_by_day(sessions)
    assert out.columns == ["athlete_id", "local_date", *CARDIO_CATEGORIES, "other_cardio_min"]
    d1, d2 = out.rows(named=True)
    assert d1["walking_min"] == pytest.approx(1800 / 60)  # 30
    assert d1["cycling_min"] == pytest.approx(3600 / 60)  # 60
    assert d1["rowing_min"] == pytest.approx(600 / 60)  # 10
    assert (d1["swimming_min"], d1["hiking_min"]) == (0.0, 0.0)
    # walk 30 + ride 60 + rowing 10 + elliptical 5; the run and the gym session excluded
    assert d1["other_cardio_min"] == pytest.approx(30 + 60 + 10 + 5)
    assert d2["swimming_min"] is None  # a swim of unknown duration: unknown, not 0
    assert d2["hiking_min"] == pytest.approx(5400 / 60)
    assert d2["other_cardio_min"] == pytest.approx(90.0)  # the known hike only


# --- Exercise energy -----------------------------------------------------------------

ATHLETES = pl.DataFrame({
    "athlete_id": ["man", "woman"], "sex": ["male", "female"],
    "birth_year": [1990, 1985], "weight_kg": [70.0, 60.0],
})


def test_device_keytel_mixed_and_unknown_days() -> None:
    sessions = _sessions(
        # D1: two sessions with device calories -> device
        ("man", "a", D1, "running", "generic", 3000.0, 3000.0, 600.0, 150.0),
        ("man", "b", D1, "walking", "generic", 1200.0, 1200.0, 80.0, None),
        # D2: no device calories, mean HR 150 for 45 min -> keytel
        ("man", "c", D2, "running", "generic", 2700.0, 2800.0, None, 150.0),
        # D3: one device, one keytel -> mixed
        ("man", "d", D3, "cycling", "road", 3600.0, 3600.0, 500.0, 130.0),
        ("man", "e", D3, "running", "generic", 2700.0, 2700.0, None, 150.0),
        # D1 for the woman: no calories, no HR -> unknown; HR written as 0 is no HR
        ("woman", "f", D1, "running", "generic", 1800.0, 1800.0, None, None),
        ("woman", "g", D1, "cycling", "virtual_activity", 1800.0, 1800.0, None, 0.0),
        # D2 for the woman: keytel plus an unestimated session -> mixed, a lower bound
        ("woman", "h", D2, "running", "generic", 1800.0, 1800.0, None, 160.0),
        ("woman", "i", D2, "walking", "generic", 600.0, 600.0, None, None),
    )
    out = exercise_energy_by_day(sessions, None, ATHLETES)
    got = {(r["athlete_id"], r["local_date"]): r for r in out.iter_rows(named=True)}

    # Keytel 2005, man, 2026 - 1990 = 36 y, 70 kg, HR 150, 45 min; kJ/min -> kcal/min / 4.184
    keytel_man_45 = (-55.0969 + 0.6309 * 150 + 0.1988 * 70 + 0.2017 * 36) / 4.184 * 45
    # woman, 2026 - 1985 = 41 y, 60 kg, HR 160, 30 min
    keytel_woman_30 = (-20.4022 + 0.4472 * 160 - 0.1263 * 60 + 0.074 * 41) / 4.184 * 30

    assert got["man", D1]["exercise_kcal"] == pytest.approx(600.0 + 80.0)
    assert got["man", D1]["exercise_kcal_method"] == "device"
    assert got["man", D2]["exercise_kcal"] == pytest.approx(keytel_man_45)  # about 567.5
    assert got["man", D2]["exercise_kcal_method"] == "keytel"
    assert got["man", D3]["exercise_kcal"] == pytest.approx(500.0 + keytel_man_45)
    assert got["man", D3]["exercise_kcal_method"] == "mixed"
    assert got["woman", D1]["exercise_kcal"] is None  # not 0
    assert got["woman", D1]["exercise_kcal_method"] is None
    assert got["woman", D1]["exercise_sessions_unestimated"] == 2
    assert got["woman", D2]["exercise_kcal"] == pytest.approx(keytel_woman_30)
    assert got["woman", D2]["exercise_kcal_method"] == "mixed"
    assert got["woman", D2]["exercise_sessions_unestimated"] == 1
    assert [got["man", d]["exercise_sessions_unestimated"] for d in (D1, D2, D3)] == [0, 0, 0]
    # exercise minutes: the timer time of the sessions whose energy is counted (the
    # unestimated walk on the woman's D2 is left out, as its energy is)
    assert got["man", D1]["exercise_min"] == pytest.approx((3000 + 1200) / 60)
    assert got["man", D2]["exercise_min"] == pytest.approx(2700 / 60)
    assert got["man", D3]["exercise_min"] == pytest.approx((3600 + 2700) / 60)
    assert got["woman", D1]["exercise_min"] is None  # no session estimated, as its kcal
    assert got["woman", D2]["exercise_min"] == pytest.approx(1800 / 60)


def test_device_calories_win_and_unknown_athlete_gets_no_estimate() -> None:
    sessions = _sessions(
        ("man", "a", D1, "running", "generic", 2700.0, 2700.0, 400.0, 150.0),
        ("nobody", "b", D1, "running", "generic", 2700.0, 2700.0, None, 150.0),
    )
    out = session_energy(sessions, ATHLETES)
    assert out["session_kcal"].to_list()[0] == 400.0  # device, although HR would give ~567
    assert out["keytel_kcal"].to_list()[0] == pytest.approx(
        (-55.0969 + 0.6309 * 150 + 0.1988 * 70 + 0.2017 * 36) / 4.184 * 45)
    assert out["session_kcal_method"].to_list() == ["device", None]
    assert out["session_kcal"].to_list()[1] is None
    with pytest.raises(ValueError, match="one row per"):
        session_energy(sessions, pl.concat([ATHLETES, ATHLETES]))


def test_day_weights_replace_the_athlete_weight() -> None:
    sessions = _sessions(("man", "c", D2, "running", "generic", 2700.0, 2700.0, None, 150.0))
    by_day = ATHLETES.filter(pl.col("athlete_id") == "man").with_columns(
        pl.lit(D2).alias("local_date"), pl.lit(80.0).alias("weight_kg"))
    out = exercise_energy_by_day(sessions, None, by_day).row(0, named=True)
    assert out["exercise_kcal"] == pytest.approx(
        (-55.0969 + 0.6309 * 150 + 0.1988 * 80 + 0.2017 * 36) / 4.184 * 45)


# --- Real files ----------------------------------------------------------------------

REAL_FILES = (
    "jimmykane-fit-parser/suunto-weight.fit",  # training/strength_training, no set messages
    "jimmykane-fit-parser/user_metrics.fit",  # training/strength_training, no set messages
    "fitdecode/garmin-fenix-5-walk.fit",  # walking
    "fit4s/zwift_activity.fit",  # cycling/virtual_activity, avg HR written as 0
    "fitdecode/20170518-191602-1740899583.fit",  # fitness_equipment/indoor_rowing
    "fit4s/multisport-triathlon-fenix3.fit",  # swim, T1, bike, T2, run: five sessions
)


def _fitparse_sessions(path: str) -> list[tuple[str, float, float | None]]:
    """(sport, timer minutes, calories) of each session message, read by fitparse alone."""
    return reference_read(_read_sessions, Path(path).read_bytes())


def _read_sessions(data: bytes) -> list[tuple[str, float, float | None]]:
    return [(m.get_value("sport"), m.get_value("total_timer_time") / 60,
             m.get_value("total_calories"))
            for m in fitparse.FitFile(io.BytesIO(data)).get_messages("session")]


def test_real_files_minutes_match_their_session_timer_time() -> None:
    root = require_fixtures()
    frames = []
    for name in REAL_FILES:
        data = (root / name).read_bytes()
        decoded = decode_fit(data).tables
        assert "fit_sets" not in decoded  # none of these files has set messages
        # one day per file (its UTC start date, a stand-in for the local day) and one
        # athlete per file, so every athlete-day holds exactly one file
        frames.append(decoded["fit_sessions"].with_columns(
            pl.lit(name).alias("athlete_id"),
            pl.lit(hashlib.sha256(data).hexdigest()).alias("source_sha256"),
            pl.col("start_time_utc").first().dt.date().alias("local_date"),
        ))
    sessions = pl.concat(frames, how="diagonal_relaxed")

    strength = {r["athlete_id"]: r for r in strength_by_day(sessions, None).iter_rows(named=True)}
    cardio = {r["athlete_id"]: r for r in other_cardio_by_day(sessions).iter_rows(named=True)}
    athletes = pl.DataFrame({"athlete_id": list(REAL_FILES), "sex": "male",
                             "birth_year": 1985, "weight_kg": 75.0})
    energy = {r["athlete_id"]: r
              for r in exercise_energy_by_day(sessions, None, athletes).iter_rows(named=True)}

    for name in REAL_FILES:
        truth = _fitparse_sessions(str(root / name))
        by_sport: dict[str, float] = {}
        for sport, minutes, _ in truth:
            by_sport[sport] = by_sport.get(sport, 0.0) + minutes
        if "training" in by_sport:
            assert name not in cardio
            row = strength[name]
            assert row["strength_min"] == pytest.approx(by_sport["training"])
            assert row["strength_sessions"] == 1
            assert row["strength_sets"] is None  # no set messages: unknown, not 0
            continue
        assert name not in strength
        row = cardio[name]
        non_running = sum(m for s, m in by_sport.items() if s != "running")
        assert row["other_cardio_min"] == pytest.approx(non_running)
        assert row["cycling_min"] == pytest.approx(by_sport.get("cycling", 0.0))
        assert row["walking_min"] == pytest.approx(by_sport.get("walking", 0.0))
        assert row["swimming_min"] == pytest.approx(by_sport.get("swimming", 0.0))
        expected_rowing = by_sport.get("fitness_equipment", 0.0)  # the indoor rower
        assert row["rowing_min"] == pytest.approx(expected_rowing)

    for name in REAL_FILES:  # every one of these sessions has device calories
        truth = _fitparse_sessions(str(root / name))
        assert energy[name]["exercise_kcal"] == pytest.approx(sum(k for _, _, k in truth))
        assert energy[name]["exercise_kcal_method"] == "device"
    assert cardio["fit4s/multisport-triathlon-fenix3.fit"]["other_cardio_min"] == pytest.approx(
        (2032.547 + 165.444 + 4455.273 + 109.39) / 60)  # swim + T1 + bike + T2, not the run


def test_generated_strength_file_sets_match_fitparse() -> None:
    """A generated Garmin-style strength file (set messages) decoded end to end; the
    expected sums come from fitparse's own `set` messages."""
    files = generate_athlete_files(SyntheticAthlete(), date(2026, 3, 2), 1)
    gym = next(f for f in files if f.kind == "strength")
    tables = decode_fit(gym.data).tables
    keys = [pl.lit("demo").alias("athlete_id"),
            pl.lit(hashlib.sha256(gym.data).hexdigest()).alias("source_sha256")]
    sessions = tables["fit_sessions"].with_columns(
        *keys, pl.col("start_time_utc").dt.date().alias("local_date"))
    out = strength_by_day(sessions, tables["fit_sets"].with_columns(*keys)).row(0, named=True)

    fit = fitparse.FitFile(io.BytesIO(gym.data))
    active = [m for m in fit.get_messages("set") if m.get_value("set_type") == "active"]
    reps = [m.get_value("repetitions") for m in active]
    loads = [(m.get_value("repetitions"), m.get_value("weight")) for m in active]
    timer_s = next(fit.get_messages("session")).get_value("total_timer_time")
    assert out["strength_min"] == pytest.approx(timer_s / 60)
    assert out["strength_sets"] == len(active)
    assert out["strength_reps"] == sum(r for r in reps if r is not None)
    assert out["strength_volume_kg"] == pytest.approx(
        sum(r * w for r, w in loads if r is not None and w is not None))
    assert other_cardio_by_day(sessions, tables["fit_sets"].with_columns(*keys)).height == 0


def test_generated_strength_files_are_credited_by_the_active_sets_both_decoders_count() -> None:
    """A watch's strength files with FIT `set` messages: the session credit is
    min(1, active sets / 6), the active sets counted by fitparse and by Garmin's SDK."""
    files = [f for f in generate_athlete_files(SyntheticAthlete(), date(2026, 3, 2), weeks=2)
             if f.kind == "strength"]
    assert files
    for f in files:
        by_fitparse = reference_read(_active_sets, f.data)
        by_sdk = reference_read(_sdk_active_sets, f.data)
        assert by_fitparse == by_sdk > 0
        decoded = decode_fit(f.data).tables
        keys = {"athlete_id": "lifter", "source_sha256": f.name}
        sessions = decoded["fit_sessions"].with_columns(
            pl.col("start_time_utc").dt.date().alias("local_date"),
            **{k: pl.lit(v) for k, v in keys.items()})
        sets = decoded["fit_sets"].with_columns(**{k: pl.lit(v) for k, v in keys.items()})
        out = strength_by_day(sessions, sets).row(0, named=True)
        assert out["strength_sets"] == by_fitparse
        assert out["strength_session_credit"] == pytest.approx(min(1.0, by_fitparse / 6))


def _active_sets(data: bytes) -> int:
    return sum(1 for m in fitparse.FitFile(io.BytesIO(data)).get_messages("set")
               if m.get_value("set_type") == "active")


def _sdk_active_sets(data: bytes) -> int:
    from garmin_fit_sdk import Decoder, Stream

    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert not errors
    return sum(1 for m in messages.get("set_mesgs", []) if m.get("set_type") == "active")
