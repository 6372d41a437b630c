"""The Apple Health export.xml reader over the shared example export, small hand-written
exports and generated ones: every expected value is computed in the test from the XML
(ElementTree over the same file) or from what the generator wrote."""

from __future__ import annotations

import io
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.apple_health import is_apple_export
from schemas.wellness import (
    BODY_COMPOSITION,
    HRV_MEASUREMENTS,
    NUTRITION_RECORDS,
    RESTING_HR,
    SLEEP_SESSIONS,
    frame_schema,
)
from synthetic.apple_health import write_apple_health_export
from tests.helpers import SHARED
from transforms.wellness import apple_health
from transforms.wellness.apple_health import read_apple_health

EXPORT = SHARED / "fixtures" / "wellness" / "apple_health_export" / "export.xml"
Q = "HKQuantityTypeIdentifier"
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
ASLEEP = {"AsleepCore", "AsleepDeep", "AsleepREM", "AsleepUnspecified", "Asleep"}


def fixture_export() -> Path:
    if not EXPORT.exists():
        pytest.skip(f"the example Apple Health export is not at {EXPORT} (the shared/ folder "
                    "beside the repository); the tests on hand-written exports still run")
    return EXPORT


def records(path: Path) -> list[dict[str, str]]:
    """The top-level Record attributes of an export, in file order (record 1 first)."""
    return [r.attrib for r in ET.parse(path).getroot().findall("Record")]


def utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z").astimezone(UTC)


def union_s(intervals: list[tuple[datetime, datetime]]) -> float:
    """Length (s) of the union of intervals, by a sorted sweep."""
    total, reach = 0.0, None
    for start, end in sorted(intervals):
        if reach is None or start > reach:
            total += (end - start).total_seconds()
            reach = end
        elif end > reach:
            total += (end - reach).total_seconds()
            reach = end
    return total


def export(body: str, doctype: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}<HealthData locale="en_US">\n'
            f' <ExportDate value="2024-03-06 09:12:44 +0200"/>\n{body}</HealthData>\n').encode()


def record(kind: str, value: str, start: str, end: str | None = None, unit: str | None = None,
           source: str = "Scale", **extra: str) -> str:
    attrs = {"type": kind, "sourceName": source, "unit": unit, "startDate": start,
             "endDate": end or start, "value": value, **extra}
    return " <Record " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()
                                   if v is not None) + "/>\n"


def read(data: bytes):
    return read_apple_health(io.BytesIO(data))


# --- the example export -------------------------------------------------------------------

def test_frames_have_the_raw_tables_columns() -> None:
    got = read_apple_health(fixture_export().open("rb"))
    for name, columns in (("body_composition", BODY_COMPOSITION), ("resting_hr", RESTING_HR),
                          ("hrv_measurements", HRV_MEASUREMENTS),
                          ("sleep_sessions", SLEEP_SESSIONS)):
        assert got.tables[name].schema == frame_schema(columns), name
        assert set(got.tables[name]["source_kind"]) == {"apple_health"}
    assert got.nutrition.schema == frame_schema(NUTRITION_RECORDS)
    assert got.source_kind == "apple_health"


def test_fraction_body_fat_is_percent_and_one_row_per_weigh_in_and_source() -> None:
    path = fixture_export()
    recs = list(enumerate(records(path), start=1))
    body_types = {f"{Q}BodyMass": "weight_kg", f"{Q}BodyFatPercentage": "body_fat_pct",
                  f"{Q}LeanBodyMass": "fat_free_mass_kg"}
    expected: dict[tuple[str, str], dict] = {}
    for number, r in recs:
        if r["type"] in body_types:
            assert r["unit"] in ("kg", "%")  # the example is metric
            value = float(r["value"]) * (100 if r["unit"] == "%" else 1)
            row = expected.setdefault((r["sourceName"], r["startDate"]),
                                      {"source_index": number})
            row[body_types[r["type"]]] = value
    got = read_apple_health(path.open("rb")).tables["body_composition"]
    assert got.height == len(expected) == 3  # SmartScale twice, Connect's copy apart
    for (source, start), want in expected.items():
        (row,) = got.filter(pl.col("source_name") == source,
                            pl.col("timestamp_utc") == utc(start)).to_dicts()
        assert row["local_date"] == date.fromisoformat(start[:10])
        assert row["local_time"].isoformat() == start[11:19]
        for column in ("weight_kg", "body_fat_pct", "fat_free_mass_kg"):
            assert row[column] == pytest.approx(want.get(column)), column
        assert row["source_index"] == want["source_index"]
    smart = got.filter(pl.col("source_name") == "SmartScale")
    assert smart["body_fat_pct"].to_list() == pytest.approx([15.1, 14.8])  # 0.151, 0.148


def test_resting_hr_one_row_per_record_on_its_start_day() -> None:
    path = fixture_export()
    want = [(n, r) for n, r in enumerate(records(path), start=1)
            if r["type"] == f"{Q}RestingHeartRate"]
    got = read_apple_health(path.open("rb")).tables["resting_hr"].sort("source_index")
    assert got["source_index"].to_list() == [n for n, _ in want]
    assert got["resting_hr_bpm"].to_list() == [float(r["value"]) for _, r in want]
    assert got["local_date"].to_list() == [date.fromisoformat(r["startDate"][:10])
                                           for _, r in want]
    assert got["timestamp_utc"].to_list() == [utc(r["endDate"]) for _, r in want]
    assert set(got["source_name"]) == {"Runner’s Apple Watch"}  # curly apostrophe kept


def test_hrv_is_sdnn_never_rmssd_and_beat_lists_are_not_rows() -> None:
    path = fixture_export()
    want = [r for r in records(path) if r["type"] == f"{Q}HeartRateVariabilitySDNN"]
    got = read_apple_health(path.open("rb")).tables["hrv_measurements"]
    assert got.height == len(want) == 4
    assert set(got["measure"]) == {"sdnn"}
    assert got["hrv_ms"].to_list() == [float(r["value"]) for r in want]
    assert got["timestamp_utc"].to_list() == [utc(r["startDate"]) for r in want]


def test_sleep_per_source_night_on_the_wake_up_day_overlaps_counted_once() -> None:
    path = fixture_export()
    sleep = [r for r in records(path) if r["type"] == SLEEP]
    by_source: dict[str, list[dict]] = {}
    for r in sleep:
        by_source.setdefault(r["sourceName"], []).append(r)
    got = read_apple_health(path.open("rb")).tables["sleep_sessions"]
    assert sorted(got["source_name"]) == sorted(by_source)  # one night per source, never summed

    def stage(value: str) -> str:
        return value.removeprefix("HKCategoryValueSleepAnalysis")

    watch = by_source["Runner’s Apple Watch"]
    asleep = [(utc(r["startDate"]), utc(r["endDate"])) for r in watch
              if stage(r["value"]) in ASLEEP]
    (row,) = got.filter(pl.col("source_name") == "Runner’s Apple Watch").to_dicts()
    assert row["start_utc"] == min(s for s, _ in asleep)
    assert row["end_utc"] == max(e for _, e in asleep)
    last = max(watch, key=lambda r: utc(r["endDate"]) if stage(r["value"]) in ASLEEP
               else datetime.min.replace(tzinfo=UTC))
    assert row["wake_date"] == date.fromisoformat(last["endDate"][:10]) == date(2024, 3, 2)
    assert row["start_utc"].date() == date(2024, 3, 1)  # fell asleep the day before
    assert row["asleep_s"] == union_s(asleep)
    for column, name in (("deep_s", "AsleepDeep"), ("light_s", "AsleepCore"),
                         ("rem_s", "AsleepREM"), ("awake_s", "Awake")):
        assert row[column] == union_s([(utc(r["startDate"]), utc(r["endDate"])) for r in watch
                                       if stage(r["value"]) == name]), column
    assert row["measured"] is True and row["window_type"] == "stages"

    (auto,) = by_source["AutoSleep"]
    (row,) = got.filter(pl.col("source_name") == "AutoSleep").to_dicts()
    assert row["asleep_s"] == (utc(auto["endDate"]) - utc(auto["startDate"])).total_seconds()
    assert row["deep_s"] is None and row["measured"] is True
    both = union_s(asleep + [(utc(auto["startDate"]), utc(auto["endDate"]))])
    assert got["asleep_s"].max() < both < got["asleep_s"].sum()  # sources never added

    (bed,) = by_source["Runner’s iPhone"]
    (row,) = got.filter(pl.col("source_name") == "Runner’s iPhone").to_dicts()
    assert (row["measured"], row["asleep_s"], row["window_type"]) == (False, None, "in_bed")
    assert (row["start_utc"], row["end_utc"]) == (utc(bed["startDate"]), utc(bed["endDate"]))


def test_food_records_one_row_each_and_what_is_not_used_is_counted() -> None:
    path = fixture_export()
    columns = {f"{Q}DietaryEnergyConsumed": "energy_kcal", f"{Q}DietaryProtein": "protein_g",
               f"{Q}DietaryCarbohydrates": "carbohydrate_g"}
    recs = list(enumerate(records(path), start=1))
    food = [(n, r) for n, r in recs if r["type"] in columns]
    got = read_apple_health(path.open("rb"))
    rows = got.nutrition.sort("source_row").to_dicts()
    assert [r["source_row"] for r in rows] == [n for n, _ in food]
    for row, (_, r) in zip(rows, food, strict=True):
        assert row[columns[r["type"]]] == float(r["value"])
        assert [c for c in columns.values() if row[c] is not None] == [columns[r["type"]]]
        assert row["local_date"] == date.fromisoformat(r["startDate"][:10])
    used = {*columns, SLEEP, f"{Q}BodyMass", f"{Q}BodyFatPercentage", f"{Q}LeanBodyMass",
            f"{Q}RestingHeartRate", f"{Q}HeartRateVariabilitySDNN"}
    root = ET.parse(path).getroot()
    want: dict[str, int] = {}
    for r in recs:
        if r[1]["type"] not in used:
            want[r[1]["type"]] = want.get(r[1]["type"], 0) + 1
    for child in root:
        if child.tag not in ("Record", "ExportDate", "Me"):
            want[child.tag] = want.get(child.tag, 0) + 1
    assert got.not_used == want == {f"{Q}BodyMassIndex": 1, "Workout": 1}
    assert got.skipped == []


def test_the_export_read_inside_its_zip_gives_the_same_rows(tmp_path: Path) -> None:
    path = fixture_export()
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(path, "apple_health_export/export.xml")
    direct = read_apple_health(path.open("rb"))
    with zipfile.ZipFile(archive) as zf, zf.open("apple_health_export/export.xml") as fh:
        zipped = read_apple_health(fh)
    for name, frame in direct.tables.items():
        assert zipped.tables[name].equals(frame), name
    assert zipped.nutrition.equals(direct.nutrition)


# --- hand-written exports -----------------------------------------------------------------

def test_pounds_to_kg_and_kilojoules_to_kcal() -> None:
    got = read(export(
        record(f"{Q}BodyMass", "157.6", "2024-03-02 07:31:10 -0500", unit="lb")
        + record(f"{Q}LeanBodyMass", "131.2", "2024-03-02 07:31:10 -0500", unit="lb")
        + record(f"{Q}DietaryEnergyConsumed", "2092", "2024-03-02 12:00:00 +0100", unit="kJ")
        + record(f"{Q}DietaryEnergyConsumed", "612.5", "2024-03-02 19:00:00 +0100",
                 unit="Cal")))
    (row,) = got.tables["body_composition"].to_dicts()
    assert row["weight_kg"] == pytest.approx(157.6 * 0.45359237)
    assert row["fat_free_mass_kg"] == pytest.approx(131.2 * 0.45359237)
    assert row["timestamp_utc"] == datetime(2024, 3, 2, 12, 31, 10, tzinfo=UTC)
    assert got.nutrition["energy_kcal"].to_list() == pytest.approx([2092 / 4.184, 612.5])


def test_a_night_ending_after_midnight_local_is_on_that_local_day() -> None:
    # ends 00:30 local (+0100) on 2024-03-03, which is still 2024-03-02 in UTC
    got = read(export(
        record(SLEEP, "HKCategoryValueSleepAnalysisAsleepCore", "2024-03-02 18:00:00 +0100",
               "2024-03-02 21:00:00 +0100", source="Watch")
        + record(SLEEP, "3", "2024-03-02 20:00:00 +0100", "2024-03-03 00:30:00 +0100",
                 source="Watch")
        + record(SLEEP, "HKCategoryValueSleepAnalysisAsleep", "2024-03-03 14:00:00 +0100",
                 "2024-03-03 14:40:00 +0100", source="Watch")))
    rows = got.tables["sleep_sessions"].sort("start_utc").to_dicts()
    assert len(rows) == 2  # the nap 13.5 h later is a session of its own
    night, nap = rows
    assert night["end_utc"] == datetime(2024, 3, 2, 23, 30, tzinfo=UTC)
    assert night["wake_date"] == date(2024, 3, 3)
    assert night["asleep_s"] == 6.5 * 3600  # 18:00-00:30, the overlapping hour once
    assert night["light_s"] == 6.5 * 3600 and night["deep_s"] == 0.0
    assert (nap["asleep_s"], nap["deep_s"], nap["window_type"]) == (2400.0, None, "asleep")


def test_ios16_malformed_dtd_and_vertical_tabs_parse() -> None:
    doctype = ("<!DOCTYPE HealthData [\n<!-- HealthKit Export Version: 12 -->\n"
               "<!ATTLIST VisionPrescription\n  type CDATA #REQUIRED\n"
               "  brand CDATA #IMPLIED\n<!ELEMENT RightEye EMPTY>\n"
               f"<!-- {'x' * 2_500_000} -->\n]>\n")  # longer than one read chunk
    t = "2024-03-02 07:31:10 +0200"
    body = (record(f"{Q}BodyMass", "70.5", t, t,
                   "kg", "Sc\x0bale")
            + ' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" sourceName="W" '
              'startDate="2024-03-02 17:00:00 +0200" endDate="2024-03-02 18:00:00 +0200">\n'
              '  <MetadataEntry key="HKWeatherHumidity" value="62\x0b %"/>\n </Workout>\n')
    data = export(body, doctype)
    with pytest.raises(ET.ParseError):
        ET.fromstring(data)  # what a plain parser makes of such an export
    got = read(data)
    assert got.tables["body_composition"]["weight_kg"].to_list() == [70.5]
    assert got.tables["body_composition"]["source_name"].to_list() == ["Scale"]
    assert got.not_used == {"Workout": 1}


@pytest.mark.parametrize("doctype", ["", "<!DOCTYPE HealthData>\n",
                                     '<!DOCTYPE HealthData SYSTEM "health.dtd">\n'])
def test_exports_without_an_internal_dtd_read_alike(doctype: str) -> None:
    got = read(export(record(f"{Q}RestingHeartRate", "48", "2024-03-02 07:00:00 +0200",
                             unit="count/min"), doctype))
    assert got.tables["resting_hr"]["resting_hr_bpm"].to_list() == [48.0]


def test_a_dtd_that_never_ends_is_refused_without_reading_the_file_whole() -> None:
    data = b"<!DOCTYPE HealthData [\n<!-- " + b"x" * 12_000_000
    with pytest.raises(ValueError, match="no root element within the first 8 MB"):
        read(data + b" -->\n]>\n<HealthData/>")


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3"><id/></ClinicalDocument>',
    b"<gpx><trk/></gpx>",
])
def test_a_root_other_than_health_data_is_refused_with_the_reason(data: bytes) -> None:
    with pytest.raises(ValueError, match="not an Apple Health export.*HealthData"):
        read(data)


def test_a_damaged_export_is_refused_with_the_reason_and_its_line() -> None:
    doctype = "<!DOCTYPE HealthData [\n<!ELEMENT HealthData ANY>\n]>\n"
    data = export(record(f"{Q}BodyMass", "70", "2024-03-02 07:31:10 +0200") * 3, doctype)
    with pytest.raises(ValueError, match="truncated or damaged"):
        read(data[:-40])
    broken = data.replace(b"<Record", b"<Record <", 1)
    line = broken[:broken.index(b"<Record <")].count(b"\n") + 1  # counted in the file
    with pytest.raises(ValueError, match=f"at line {line}, column"):
        read(broken)


def test_values_that_are_not_measurements_are_reported_never_zero() -> None:
    t = "2024-03-02 07:00:00 +0200"
    got = read(export(
        record(f"{Q}BodyMass", "0", t, unit="kg")                           # 1
        + record(f"{Q}BodyFatPercentage", "15.1", t, unit="%")             # 2: not a fraction
        + record(f"{Q}RestingHeartRate", "abc", t, unit="count/min")       # 3
        + record(f"{Q}HeartRateVariabilitySDNN", "-4", t, unit="ms")       # 4
        + record(f"{Q}BodyMass", "70", t, unit="stone")                    # 5: unknown unit
        + record(f"{Q}RestingHeartRate", "50", "yesterday", unit="count/min")  # 6
        + record(SLEEP, "HKCategoryValueSleepAnalysisDreaming", t, source="W")  # 7
        + record(SLEEP, "3", t, "2024-03-02 06:00:00 +0200", source="W")   # 8: ends first
        + record(f"{Q}DietaryEnergyConsumed", "0", t, unit="kcal")))       # 9: 0 kcal is food
    assert [(s.index, s.key, s.value) for s in got.skipped] == [
        (1, "value", "0"), (2, "value", "15.1"), (3, "value", "abc"), (4, "value", "-4"),
        (5, "unit", "stone"), (6, "startDate", "yesterday"),
        (7, "value", "HKCategoryValueSleepAnalysisDreaming"),
        (8, "endDate", "2024-03-02 06:00:00 +0200")]
    assert all(got.tables[t].is_empty() for t in got.tables)
    assert got.nutrition["energy_kcal"].to_list() == [0.0]


def test_records_inside_a_correlation_are_not_read_twice() -> None:
    meal = record(f"{Q}DietaryProtein", "31.4", "2024-03-02 08:00:00 +0200", unit="g",
                  source="FoodLog")
    got = read(export(
        meal + ' <Correlation type="HKCorrelationTypeIdentifierFood" sourceName="FoodLog" '
        'startDate="2024-03-02 08:00:00 +0200" endDate="2024-03-02 08:00:00 +0200">\n '
        + meal + " </Correlation>\n"))
    assert got.nutrition["protein_g"].to_list() == [31.4]
    assert got.not_used == {"Correlation": 1}


@pytest.mark.parametrize(("name", "expected"), [
    ("export.xml", True), ("apple_health_export/export.xml", True), ("EXPORT.XML", True),
    ("a\\apple_health_export\\Export.xml", True), ("export_cda.xml", False),
    ("export.xml.zip", False), ("myexport.xml", False),
])
def test_export_file_names(name: str, expected: bool) -> None:
    assert is_apple_export(name) is expected


# --- properties and generated exports -----------------------------------------------------

_TYPES = [f"{Q}BodyMass", f"{Q}BodyFatPercentage", f"{Q}LeanBodyMass", f"{Q}RestingHeartRate",
          f"{Q}HeartRateVariabilitySDNN", f"{Q}DietaryEnergyConsumed", f"{Q}DietaryProtein",
          f"{Q}StepCount", SLEEP, ""]
_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "-1", "0.5", "1", "1.0000001", "nan", "", "70,5", "1e400",
                     "HKCategoryValueSleepAnalysisAwake", "HKCategoryValueSleepAnalysisInBed",
                     "HKCategoryValueSleepAnalysisAsleepDeep", "4", "2"]))
_DATES = st.one_of(
    st.builds(lambda d, h, m, o: f"2024-03-{d:02d} {h:02d}:{m:02d}:00 {o}",
              st.integers(1, 9), st.integers(0, 23), st.integers(0, 59),
              st.sampled_from(["+0200", "-0500", "+0000", "+0530"])),
    st.sampled_from(["", "2024-02-30 07:00:00 +0200", "2024-03-02T07:00:00Z"]))
_RECORDS = st.lists(st.fixed_dictionaries({
    "type": st.sampled_from(_TYPES), "value": _VALUES, "start": _DATES, "end": _DATES,
    "unit": st.sampled_from(["kg", "lb", "%", "count/min", "ms", "kcal", "kJ", "g", "x", ""]),
    "source": st.sampled_from(["Watch", "AutoSleep", "Ann’s iPhone", "Connect", ""]),
    "junk": st.dictionaries(st.sampled_from(["device", "HKx", "creationDate", "extra"]),
                            st.text(max_size=8)),
}), max_size=40)


@settings(max_examples=80, deadline=None)
@given(_RECORDS)
def test_any_records_never_raise_and_never_give_a_zero_or_negative(recs: list[dict]) -> None:
    body = "".join(record(r["type"], r["value"], r["start"], r["end"], r["unit"] or None,
                          r["source"], **r["junk"]) for r in recs)
    got = read(export(body))
    positive = {"body_composition": ("weight_kg", "body_fat_pct", "fat_free_mass_kg"),
                "resting_hr": ("resting_hr_bpm",), "hrv_measurements": ("hrv_ms",),
                "sleep_sessions": ("asleep_s",)}
    for table, columns in positive.items():
        for column in columns:
            values = got.tables[table][column].drop_nulls()
            assert (values > 0).all() and values.is_finite().all(), (table, column)
    sleep = got.tables["sleep_sessions"]
    assert (sleep["end_utc"] > sleep["start_utc"]).all()
    for column in ("deep_s", "light_s", "rem_s", "awake_s"):
        assert (sleep[column].drop_nulls() >= 0).all()
    assert (got.tables["body_composition"]["body_fat_pct"].drop_nulls() <= 100).all()
    for column in ("energy_kcal", "protein_g"):
        assert (got.nutrition[column].drop_nulls() >= 0).all()
    indexes = [s.index for s in got.skipped]
    assert len(indexes) == len(set(indexes)) and all(1 <= i <= len(recs) for i in indexes)


def test_generated_export_gives_the_rows_it_was_written_with(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "export.xml"
    with path.open("wb") as fh:
        truth = write_apple_health_export(fh, 3_000_000, seed=7)
    monkeypatch.setattr(apple_health, "FLUSH_ROWS", 97)  # kept rows moved to frames in chunks
    got = read_apple_health(path.open("rb"))
    food = sum(truth.records[f"{Q}{k}"] for k in
               ("DietaryEnergyConsumed", "DietaryProtein", "DietaryCarbohydrates"))
    assert got.nutrition.height == food  # the Food correlations' copies not read twice
    assert got.tables["body_composition"].height == truth.weigh_ins
    assert got.tables["hrv_measurements"].height == truth.records[f"{Q}HeartRateVariabilitySDNN"]
    assert got.tables["resting_hr"].height == truth.records[f"{Q}RestingHeartRate"]
    sleep = got.tables["sleep_sessions"]
    assert sleep.group_by("source_name").len().sort("source_name").rows() == [
        ("AutoSleep", truth.nights), ("Runner’s Apple Watch", truth.nights),
        ("Runner’s iPhone", truth.nights)]
    assert got.not_used["Workout"] == truth.elements["Workout"]
    assert got.skipped == []


def test_memory_stays_bounded_whatever_the_file_size(tmp_path: Path) -> None:
    """Python allocations while reading a 20 MB export stay a fraction of it: a tree kept
    whole would hold several times the file (ElementTree: ~5x)."""
    path = tmp_path / "export.xml"
    with path.open("wb") as fh:
        write_apple_health_export(fh, 20_000_000, seed=11)
    tracemalloc.start()
    try:
        with path.open("rb") as fh:
            got = read_apple_health(fh)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert got.nutrition.height > 0
    assert peak < 12_000_000, f"peak {peak / 1e6:.1f} MB of Python allocations"
