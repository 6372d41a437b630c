"""One run written twice - the watch's file and a re-encoded copy with another serial
number and every second sample - is counted once by the nightly ingest and build, in
whichever order the two files arrive; the raw tables keep both and raw.fit_files_used names
the file the facts use."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import fitparse
import pytest

from flows.build import build_flow
from flows.ingest import ingest_fit_flow
from flows.settings import AthleteInputs
from synthetic import GeneratedFile, SyntheticAthlete, one_hour_run
from synthetic.fit_writer import FitWriter
from tests.helpers import synthetic_athletes

pytestmark = pytest.mark.usefixtures("prefect_server")
ATHLETE = SyntheticAthlete()
START = datetime(2026, 3, 3, 6, 30, tzinfo=UTC)  # 07:30 in Berlin
DAY = date(2026, 3, 3)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)  # fitparse gives FIT date_times as naive UTC


def reencoded_copy(original: bytes, serial_step: int = 1) -> bytes:
    """The run as another platform exports it: read with fitparse, written anew with the
    serial number plus `serial_step` (0: the same file_id) and every second record
    (timestamp, distance, heart rate, speed, altitude), one session and the activity
    message."""
    fit = fitparse.FitFile(original)
    (file_id,) = [m.get_values() for m in fit.get_messages("file_id")]
    (session,) = [m.get_values() for m in fit.get_messages("session")]
    (activity,) = [m.get_values() for m in fit.get_messages("activity")]
    records = [m.get_values() for m in fit.get_messages("record")]
    writer = FitWriter()
    writer.add("file_id", type="activity", manufacturer="development", product=1,
               serial_number=file_id["serial_number"] + serial_step,
               time_created=_utc(file_id["time_created"]))
    record = writer.define("record", ["timestamp", "distance", "heart_rate", "enhanced_speed",
                                      "enhanced_altitude"])
    writer.write_rows(record, [(_utc(r["timestamp"]), r["distance"], r["heart_rate"],
                                r["enhanced_speed"], r["enhanced_altitude"])
                               for r in records[::2]])
    writer.add("session", timestamp=_utc(session["timestamp"]),
               start_time=_utc(session["start_time"]), sport="running",
               sub_sport=session["sub_sport"], total_elapsed_time=session["total_elapsed_time"],
               total_timer_time=session["total_timer_time"],
               total_distance=session["total_distance"], message_index=0)
    writer.add("activity", timestamp=_utc(activity["timestamp"]),
               total_timer_time=activity["total_timer_time"], num_sessions=1, type="manual",
               event="activity", event_type="stop", local_timestamp=activity["local_timestamp"])
    return writer.to_bytes()


def _config(tmp: Path, warehouse: Path, fit: Path) -> list:
    return synthetic_athletes(tmp, warehouse, fit, ATHLETE)


def _night(tmp: Path, files: dict[str, bytes]) -> tuple[float, float]:
    """Write `files` into tmp/fit, ingest and build; the day's (run_distance_km, trimp)."""
    fit, warehouse = tmp / "fit", tmp / "w.duckdb"
    fit.mkdir(exist_ok=True)
    for name, data in files.items():
        (fit / name).write_bytes(data)
    ingest_fit_flow(warehouse=str(warehouse), athletes=[
        AthleteInputs(ATHLETE.athlete_id, (str(fit),), ATHLETE.timezone)])
    build_flow(warehouse=str(warehouse), athletes=_config(tmp, warehouse, fit))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT run_distance_km, trimp FROM marts.daily_training "
                           "WHERE local_date = ?", [DAY]).fetchone()


def _raw(warehouse: Path) -> tuple[dict, dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        records = dict(con.execute("SELECT source_sha256, count(*) FROM raw.fit_records "
                                   "GROUP BY ALL").fetchall())
        used = {sha: (used, reason) for sha, used, reason in con.execute(
            "SELECT source_sha256, used_in_facts, reason FROM raw.fit_files_used").fetchall()}
    return records, used


@pytest.fixture(scope="module")
def run() -> tuple[GeneratedFile, bytes]:
    watch = one_hour_run(START, seed=7)
    return watch, reencoded_copy(watch.data)


@pytest.fixture(scope="module")
def watch_alone(run, tmp_path_factory) -> tuple[Path, tuple[float, float]]:
    """A warehouse holding only the watch's file, and the day's distance and TRIMP."""
    tmp = tmp_path_factory.mktemp("alone")
    return tmp, _night(tmp, {"watch.fit": run[0].data})


def test_the_watch_file_alone_gives_the_generated_distance(run, watch_alone) -> None:
    watch, _ = run
    km, trimp = watch_alone[1]
    # no pauses: the distance of the samples is the distance the generator ran
    assert km == pytest.approx(watch.total_distance_m / 1000, rel=0.005)
    assert trimp > 0


def test_the_copy_is_what_the_test_means(run) -> None:
    """The copy has another serial number, half the records, and alone the same run."""
    watch, copy = run
    serials = [next(fitparse.FitFile(data).get_messages("file_id")).get_value("serial_number")
               for data in (watch.data, copy)]
    assert serials[0] != serials[1]
    records = list(fitparse.FitFile(copy).get_messages("record"))
    assert len(records) == (watch.record_count + 1) // 2
    assert records[-1].get_value("distance") == pytest.approx(watch.total_distance_m, abs=10)


@pytest.mark.parametrize("copy_first", [False, True], ids=["copy-later", "copy-first"])
def test_one_run_in_two_files_adds_its_distance_and_load_once(
    run, watch_alone, tmp_path_factory, copy_first: bool,
) -> None:
    watch, copy = run
    (alone_dir, alone) = watch_alone
    tmp = alone_dir if not copy_first else tmp_path_factory.mktemp("copy-first")
    if copy_first:
        copy_only = _night(tmp, {"export.fit": copy})
        assert copy_only[0] == pytest.approx(watch.total_distance_m / 1000, rel=0.01)
        both = _night(tmp, {"watch.fit": watch.data})
    else:
        both = _night(tmp, {"export.fit": copy})
    assert both == pytest.approx(alone, rel=1e-12)

    watch_sha = hashlib.sha256(watch.data).hexdigest()
    copy_sha = hashlib.sha256(copy).hexdigest()
    records, used = _raw(tmp / "w.duckdb")
    assert records == {watch_sha: watch.record_count, copy_sha: (watch.record_count + 1) // 2}
    assert used == {watch_sha: (True, None), copy_sha: (False, f"overlaps {watch_sha}")}


def test_a_copy_with_the_same_file_id_is_the_same_activity(run, watch_alone,
                                                           tmp_path_factory) -> None:
    """Same serial number, time created and type: one activity by its identity."""
    watch, _ = run
    copy = reencoded_copy(watch.data, serial_step=0)
    tmp = tmp_path_factory.mktemp("same-file-id")
    _night(tmp, {"watch.fit": watch.data})
    assert _night(tmp, {"export.fit": copy}) == pytest.approx(watch_alone[1], rel=1e-12)
    watch_sha = hashlib.sha256(watch.data).hexdigest()
    _, used = _raw(tmp / "w.duckdb")
    assert used == {watch_sha: (True, None),
                    hashlib.sha256(copy).hexdigest(): (False, f"same activity as {watch_sha}")}
