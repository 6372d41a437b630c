"""The generated Garmin account export, read back with the stdlib ``json`` module.

The files are compared with the real shapes of the example export
(shared/fixtures/wellness/garmin_export: key sets per record kind) and with the truth the
generator reports (GarminWellness); the expected values are computed here by hand (grams,
local wake-up days with zoneinfo, the energy balance from the food truth and
daily_expenditure_kcal, the response to training from the truth's loads).
"""

from __future__ import annotations

import json
import os
import stat
import statistics
import time
import zipfile
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from synthetic import (
    ACTIVITY_FACTOR,
    NutritionPlan,
    SyntheticAthlete,
    TrainingPlan,
    daily_expenditure_kcal,
    generate_athlete_files,
    generate_nutrition_exports,
)
from synthetic.garmin_export import (
    GarminWellness,
    garmin_export_files,
    garmin_wellness,
    write_garmin_export,
    zip_garmin_export,
)

START = date(2026, 1, 5)  # a Monday
WEEKS = 20  # 140 days: two 100-day chunks, across the Europe/Berlin DST change of 2026-03-29
SEED = 0
ATHLETE = SyntheticAthlete()
FAST = TrainingPlan(record_interval_s=10)  # same sessions, fewer records: a quicker fixture
FIXTURE = (Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "wellness"
           / "garmin_export" / "DI_CONNECT")


def _inputs(athlete: SyntheticAthlete, weeks: int, food: NutritionPlan | None = None,
            start: date = START):
    files = generate_athlete_files(athlete, start, weeks, seed=SEED, plan=FAST)
    exports = generate_nutrition_exports(athlete, files, start, weeks, seed=SEED, plan=food)
    return files, exports


@pytest.fixture(scope="module")
def inputs():
    return _inputs(ATHLETE, WEEKS)


@pytest.fixture(scope="module")
def wellness(inputs) -> GarminWellness:
    files, exports = inputs
    return garmin_wellness(ATHLETE, files, exports.days, seed=SEED)


@pytest.fixture(scope="module")
def export(wellness, tmp_path_factory) -> Path:
    return write_garmin_export(tmp_path_factory.mktemp("garmin") / "export", wellness)


def _load(root: Path, pattern: str) -> dict[str, list[Any]]:
    """File name -> parsed JSON array of the files matching ``pattern`` under ``root``."""
    return {p.name: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(root.rglob(pattern))}


def _records(root: Path, pattern: str) -> list[dict[str, Any]]:
    return [r for records in _load(root, pattern).values() for r in records]


def _utc(text: str) -> datetime:
    """Garmin's 'YYYY-MM-DDTHH:MM:SS.0' (UTC without a zone)."""
    assert text.endswith(".0"), text
    return datetime.fromisoformat(text[:-2]).replace(tzinfo=UTC)


# ------------------------------------------------------------------------- real shapes


def _shape(value: Any) -> Any:
    """The keys of a JSON value, nested: dict -> sorted (key, shape) pairs; list -> the set
    of its items' shapes; scalars -> None."""
    if isinstance(value, dict):
        return tuple(sorted((k, _shape(v)) for k, v in value.items()))
    if isinstance(value, list):
        return frozenset(_shape(v) for v in value)
    return None


#: File pattern -> the record kind of one record of such a file.
KINDS = {
    "UDSFile_*.json": lambda r: "worn" if r["includesWellnessData"] else "not worn",
    "*_sleepData.json": lambda r: r.get("sleepWindowConfirmationType", "nap only"),
    "*_healthStatusData.json": lambda r: (
        "unknown" if any(m["status"] == "UNKNOWN" for m in r["metrics"]) else "measured"),
    "*_userBioMetrics.json": lambda r: r["weight"]["sourceType"] if "weight" in r else "profile",
}


def _shapes(root: Path, pattern: str) -> dict[str, set[Any]]:
    kind = KINDS[pattern]
    out: dict[str, set[Any]] = defaultdict(set)
    for record in _records(root, pattern):
        out[kind(record)].add(_shape(record))
    return out


@pytest.mark.parametrize("pattern", sorted(KINDS))
def test_records_have_the_key_sets_of_the_real_example(export: Path, pattern: str) -> None:
    if not FIXTURE.is_dir():
        pytest.skip(f"the example Garmin export is not at {FIXTURE} (shared fixtures missing)")
    real = _shapes(FIXTURE, pattern)
    generated = _shapes(export, pattern)
    assert generated, f"no {pattern} written"
    for kind, shapes in generated.items():
        assert kind in real, f"{pattern}: record kind {kind!r} is not in the example"
        assert shapes <= real[kind], f"{pattern} {kind}: keys differ from the example"


def test_every_kind_the_readers_must_meet_is_written(export: Path) -> None:
    kinds = {pattern: set(_shapes(export, pattern)) for pattern in KINDS}
    assert kinds["UDSFile_*.json"] == {"worn", "not worn"}
    assert kinds["*_sleepData.json"] == {"ENHANCED_CONFIRMED_FINAL", "OFF_WRIST"}
    assert kinds["*_healthStatusData.json"] == {"measured", "unknown"}
    assert kinds["*_userBioMetrics.json"] == {"INDEX_SCALE", "MANUAL", "profile"}


def test_files_are_compact_json_arrays_in_the_real_layout(export: Path, wellness) -> None:
    names = sorted(p.relative_to(export).as_posix() for p in export.rglob("*") if p.is_file())
    pk = wellness.user_pk
    assert names == sorted([
        "DI_CONNECT/DI-Connect-Aggregator/HydrationLogFile_2026-01-05_2026-04-15.json",
        "DI_CONNECT/DI-Connect-Aggregator/HydrationLogFile_2026-04-15_2026-07-24.json",
        "DI_CONNECT/DI-Connect-Aggregator/UDSFile_2026-01-05_2026-04-15.json",
        "DI_CONNECT/DI-Connect-Aggregator/UDSFile_2026-04-15_2026-07-24.json",
        f"DI_CONNECT/DI-Connect-Metrics/MetricsHeatAltitudeAcclimation_20260105_20260415_{pk}"
        ".json",
        f"DI_CONNECT/DI-Connect-Wellness/2026-01-05_2026-04-15_{pk}_healthStatusData.json",
        f"DI_CONNECT/DI-Connect-Wellness/2026-01-05_2026-04-15_{pk}_sleepData.json",
        f"DI_CONNECT/DI-Connect-Wellness/2026-04-15_2026-07-24_{pk}_healthStatusData.json",
        f"DI_CONNECT/DI-Connect-Wellness/2026-04-15_2026-07-24_{pk}_sleepData.json",
        f"DI_CONNECT/DI-Connect-Wellness/{pk}_userBioMetrics.json",
    ])
    for name in names:
        text = (export / name).read_text(encoding="utf-8")
        assert "\n" not in text
        assert isinstance(json.loads(text), list)


# ------------------------------------------------------------------------- values vs truth


def test_weights_are_grams_of_the_truth(export: Path, wellness) -> None:
    weigh_ins = [r for r in _records(export, "*_userBioMetrics.json") if "weight" in r]
    assert len(weigh_ins) == len(wellness.weigh_ins) > 40  # every 1-3 days over 140 days
    by_day = {d.local_date: d for d in wellness.days}
    zone = ZoneInfo(ATHLETE.timezone)
    for record, truth in zip(weigh_ins, wellness.weigh_ins, strict=True):
        w = record["weight"]
        assert w["weight"] == round(truth.weight_kg * 1000)
        assert _utc(w["timestampGMT"]) == truth.timestamp_utc
        local = truth.timestamp_utc.astimezone(zone)
        assert record["metaData"]["calendarDate"] == local.strftime("%Y-%m-%dT%H:%M:%S.0")
        if truth.source_type == "MANUAL":
            assert set(w) == {"weight", "sourceType", "timestampGMT"}
        elif truth.failed_impedance:
            assert (w["bodyFat"], w["muscleMass"], w["boneMass"]) == (0.0, 0.0, 0.0)
        else:
            assert w["muscleMass"] == round(truth.muscle_mass_kg * 1000)
            assert w["boneMass"] == round(truth.bone_mass_kg * 1000)
            assert w["bodyFat"] == truth.body_fat_pct
        if local.hour < 12:  # the morning reading is the day's true weight
            assert truth.weight_kg == by_day[local.date()].weight_kg


def test_a_night_belongs_to_its_local_wake_up_day(export: Path, wellness) -> None:
    zone = ZoneInfo(ATHLETE.timezone)
    truth = {d.local_date.isoformat(): d for d in wellness.days}
    nights = [r for r in _records(export, "*_sleepData.json")
              if r["sleepWindowConfirmationType"] != "OFF_WRIST"]
    for night in nights:
        start, end = _utc(night["sleepStartTimestampGMT"]), _utc(night["sleepEndTimestampGMT"])
        assert end.astimezone(zone).date().isoformat() == night["calendarDate"]
        assert start.astimezone(zone).date() < end.astimezone(zone).date() or (
            start.astimezone(zone).hour < 3)  # to bed before or just after midnight
        day = truth[night["calendarDate"]]
        asleep = night["deepSleepSeconds"] + night["lightSleepSeconds"] + night["remSleepSeconds"]
        assert asleep / 3600 == pytest.approx(day.sleep_h)
        assert (end - start).total_seconds() == asleep + night["awakeSleepSeconds"]
    # the DST night: 2026-03-29 02:00 CET -> 03:00 CEST; the wake-up is still that day
    assert "2026-03-29" in {n["calendarDate"] for n in nights}
    hours = [d.sleep_h for d in wellness.days if d.sleep_h is not None]
    assert sum(h < 6.0 for h in hours) >= 2  # a couple of short nights
    assert statistics.median(hours) == pytest.approx(7.3, abs=0.4)


def test_far_from_utc_the_wake_up_day_is_not_the_utc_day(tmp_path: Path) -> None:
    athlete = SyntheticAthlete(athlete_id="tokyo", timezone="Asia/Tokyo")
    files, exports = _inputs(athlete, 3)
    root = write_garmin_export(tmp_path, garmin_wellness(athlete, files, exports.days))
    zone = ZoneInfo("Asia/Tokyo")
    nights = [r for r in _records(root, "*_sleepData.json") if "remSleepSeconds" in r]
    for night in nights:
        end = _utc(night["sleepEndTimestampGMT"])
        assert end.astimezone(zone).date().isoformat() == night["calendarDate"]
    # 06:00-09:00 in Tokyo is the evening before in UTC
    assert all(_utc(n["sleepEndTimestampGMT"]).date().isoformat() != n["calendarDate"]
               for n in nights)


def test_consecutive_chunks_share_exactly_one_day(export: Path, wellness) -> None:
    all_days = {d.local_date.isoformat() for d in wellness.days}
    for pattern in ("UDSFile_*.json", "*_sleepData.json", "*_healthStatusData.json"):
        chunks = list(_load(export, pattern).values())
        assert len(chunks) == 2
        first = {r["calendarDate"]: r for r in chunks[0]}
        second = {r["calendarDate"]: r for r in chunks[1]}
        shared = first.keys() & second.keys()
        assert shared == {"2026-04-15"}
        assert first["2026-04-15"] == second["2026-04-15"]
        assert first.keys() | second.keys() == all_days
        assert len(chunks[0]) + len(chunks[1]) == len(all_days) + 1


def test_resting_hr_and_hrv_are_the_truth(export: Path, wellness) -> None:
    uds = {r["calendarDate"]: r for r in _records(export, "UDSFile_*.json")}
    health = {r["calendarDate"]: r for r in _records(export, "*_healthStatusData.json")}
    days = wellness.days
    for i, day in enumerate(days):
        key = day.local_date.isoformat()
        hrv = next(m for m in health[key]["metrics"] if m["type"] == "HRV")
        if day.hrv_ms is None:
            assert (hrv["value"], hrv["status"]) == (0.0, "UNKNOWN")
        else:
            assert hrv["value"] == day.hrv_ms > 0
        if not day.worn:
            assert "currentDayRestingHeartRate" not in uds[key]
            continue
        assert uds[key]["currentDayRestingHeartRate"] == day.resting_hr_bpm
        week = [d.resting_hr_bpm for d in days[max(0, i - 6):i + 1] if d.worn]
        assert uds[key]["restingHeartRate"] == round(sum(week) / len(week))
    # no baseline for the first three weeks: placeholders; then a band around the values
    first = next(m for m in health["2026-01-06"]["metrics"] if m["type"] == "HRV")
    assert (first["baselineLowerLimit"], first["baselineUpperLimit"]) == (0.0, 0.0)
    last = max(d.local_date for d in days if d.hrv_ms is not None).isoformat()
    late = next(m for m in health[last]["metrics"] if m["type"] == "HRV")
    values = [d.hrv_ms for d in days[-40:] if d.hrv_ms is not None]
    assert late["baselineLowerLimit"] < statistics.mean(values) < late["baselineUpperLimit"]
    assert sum(d.hrv_ms is None and d.worn for d in days) >= 1  # an UNKNOWN night
    assert 1 <= sum(not d.worn for d in days) <= 8


def test_training_shows_in_hrv_and_resting_hr(wellness) -> None:
    days = wellness.days
    loads = sorted(d.load_au for d in days)
    hardest = loads[int(0.85 * len(loads))]
    after: list[int] = []
    for i, d in enumerate(days):
        if d.load_au >= hardest:
            after += [j for j in (i + 1, i + 2) if j < len(days)]
    weeks: dict[int, list[int]] = defaultdict(list)
    for i in range(len(days)):
        weeks[i // 7].append(i)
    by_load = sorted(weeks.values(), key=lambda w: sum(days[i].load_au for i in w))
    easy = [i for w in by_load[: len(by_load) // 3] for i in w]

    def mean(indices: list[int], field: str) -> float:
        values = [getattr(days[i], field) for i in indices]
        return statistics.mean(v for v in values if v is not None)

    assert mean(after, "hrv_ms") < 0.97 * mean(easy, "hrv_ms")
    assert mean(after, "resting_hr_bpm") > mean(easy, "resting_hr_bpm")
    # nights after two easy days (each below a 60-min easy run at RPE 3): recovered
    rested = [i for i in range(2, len(days))
              if days[i - 1].load_au < 180 and days[i - 2].load_au < 180]
    assert len(rested) > 10
    assert mean(after, "hrv_ms") < 0.92 * mean(rested, "hrv_ms")
    assert mean(after, "resting_hr_bpm") > mean(rested, "resting_hr_bpm") + 0.8
    hrvs = [d.hrv_ms for d in days if d.hrv_ms is not None]
    assert min(hrvs) > 45 * 0.6 and max(hrvs) < 70 * 1.4  # baseline 45-70 ms, -30 % .. +40 %
    rhrs = [d.resting_hr_bpm for d in days if d.resting_hr_bpm is not None]
    assert ATHLETE.resting_hr - 5 <= min(rhrs) and max(rhrs) <= ATHLETE.resting_hr + 10


def test_weight_follows_the_energy_balance(inputs, wellness) -> None:
    files, exports = inputs
    balance = [d.energy_kcal - daily_expenditure_kcal(ATHLETE, files, d.local_date,
                                                      activity_factor=ACTIVITY_FACTOR)
               for d in exports.days]
    last = wellness.days[-1]
    assert last.trend_weight_kg == pytest.approx(ATHLETE.weight_kg + sum(balance[:-1]) / 7700)
    swings = [d.weight_kg - d.trend_weight_kg for d in wellness.days]
    assert max(abs(s) for s in swings) <= 0.5 + 0.05  # water, plus rounding to 0.1 kg
    assert statistics.pstdev(swings) > 0.1


def test_scale_readings_scatter_like_a_consumer_impedance_scale(wellness) -> None:
    by_day = {d.local_date: d for d in wellness.days}
    errors = []
    for w in wellness.weigh_ins:
        if w.body_fat_pct is None or w.timestamp_utc.hour > 12:
            continue
        day = by_day[w.local_date]
        true_fat = 100 * (1 - (day.fat_free_mass_kg + day.weight_kg - day.trend_weight_kg)
                          / day.weight_kg)
        errors.append(w.body_fat_pct - true_fat)
    assert len(errors) > 30
    assert 0.8 < statistics.pstdev(errors) < 1.7  # SD 1.2 %-points
    assert abs(statistics.mean(errors)) < 0.6


def test_a_protein_shortfall_in_a_deficit_costs_fat_free_mass() -> None:
    athlete = SyntheticAthlete(athlete_id="cutter", weight_kg=62.0)
    lost = {}
    for name, protein in (("low", (0.8, 1.0)), ("high", (2.2, 2.4))):
        food = NutritionPlan(protein_g_per_kg=protein, deficit_kcal=600.0,
                             random_unlogged=False)
        files, exports = _inputs(athlete, 4, food)
        truth = garmin_wellness(athlete, files, exports.days, seed=SEED)
        first, last = truth.days[0], truth.days[-1]
        weight_loss = first.trend_weight_kg - last.trend_weight_kg
        # 27 nights after days ~600 kcal below expenditure: ~2.1 kg at 7700 kcal/kg
        assert weight_loss == pytest.approx(27 * 600 / 7700, rel=0.1)
        lost[name] = (first.fat_free_mass_kg - last.fat_free_mass_kg) / weight_loss
    assert lost["low"] == pytest.approx(0.53, abs=0.03)  # Mettler 2010, 1.0 g/kg
    assert lost["high"] == pytest.approx(0.20, abs=0.03)  # Mettler 2010, 2.3 g/kg


# ------------------------------------------------------------------------- files


def test_same_seed_same_bytes_other_seed_other_values(inputs, wellness, tmp_path) -> None:
    files, exports = inputs
    again = garmin_wellness(ATHLETE, files, exports.days, seed=SEED)
    assert again == wellness
    assert garmin_export_files(again) == garmin_export_files(wellness)
    other = garmin_wellness(ATHLETE, files, exports.days, seed=SEED + 1)
    assert [d.hrv_ms for d in other.days] != [d.hrv_ms for d in wellness.days]
    zips = [zip_garmin_export(write_garmin_export(tmp_path / k / "export", wellness),
                              tmp_path / k) for k in ("a", "b")]
    assert zips[0].name == zips[1].name and zips[0].read_bytes() == zips[1].read_bytes()


def test_the_zip_holds_the_folder_like_garmins_download(export: Path, tmp_path) -> None:
    path = zip_garmin_export(export, tmp_path)
    assert path.name.endswith("_1.zip") and len(path.name) == 36 + len("_1.zip")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert all(n.startswith("DI_CONNECT/") for n in names)
        for name in names:
            assert archive.read(name) == (export / name).read_bytes()
    assert len(names) == sum(1 for p in export.rglob("*") if p.is_file())


def test_files_and_folders_are_owner_only(wellness, tmp_path) -> None:
    previous = os.umask(0o022)  # a permissive umask must not widen them
    try:
        root = write_garmin_export(tmp_path / "export", wellness)
        archive = zip_garmin_export(root, tmp_path / "zips")
    finally:
        os.umask(previous)
    for path in [root, *root.rglob("*"), archive.parent]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600


def test_twelve_weeks_write_in_well_under_a_second(inputs, tmp_path) -> None:
    files, exports = inputs
    twelve_weeks = exports.days[:84]
    began = time.perf_counter()
    truth = garmin_wellness(ATHLETE, files, twelve_weeks, seed=SEED)
    write_garmin_export(tmp_path / "export", truth)
    assert time.perf_counter() - began < 0.5
    assert len(truth.days) == 84 and truth.days[-1].local_date == START + timedelta(days=83)
