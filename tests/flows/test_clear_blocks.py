"""Every block can be cleared: a file whose rows fail an expectation holds back only its
athlete, the failure names the file, and deleting the file (or `musclebalance forget`)
lets the next run publish that athlete again.

The implausible file is a run at 100 m/s for an hour: its cumulative distance reaches
360 km (3,600 samples 100 m apart), above the 0-300 km a day of `run_distance_km`. The
test relies on the distance only (no speed is written), so door checks on speed do not
change it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from synthetic import one_hour_run
from synthetic.fit_writer import FitWriter

pytestmark = pytest.mark.flow  # every test here starts Prefect (prefect_server)

START = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)  # a Monday; runs on this and the next days
#: The implausible day: by hand, 3,600 samples 1 s and 100 m apart after the first: 360 km.
FAST_KM = 3600 * 100 / 1000


def fast_run(start: datetime) -> bytes:
    """A running file with 3,601 records at 1 Hz, 100 m apart (360 km in an hour)."""
    writer = FitWriter()
    writer.add("file_id", type="activity", manufacturer="development", product=1,
               serial_number=360, time_created=start)
    record = writer.define("record", ["timestamp", "distance", "heart_rate"])
    writer.write_rows(record, [(start + timedelta(seconds=i), i * 100.0, 150)
                               for i in range(3601)])
    end = start + timedelta(seconds=3600)
    writer.add("session", timestamp=end, start_time=start, sport="running",
               sub_sport="generic", total_elapsed_time=3600.0, total_timer_time=3600.0,
               total_distance=FAST_KM * 1000, message_index=0)
    writer.add("activity", timestamp=end, total_timer_time=3600.0, num_sessions=1,
               type="manual", event="activity", event_type="stop",
               local_timestamp=end + timedelta(hours=2))
    return writer.to_bytes()


class Setup:
    """Two athletes, each with ordinary runs on three days in its own folder; `fast`'s
    folder may also hold the 360 km file (on the second day)."""

    def __init__(self, root: Path, server: str) -> None:
        self.root = root
        self.env = {**os.environ, "PREFECT_API_URL": server, "COLUMNS": "300"}
        self.fast_data = fast_run(START + timedelta(days=1, hours=6))
        self.sha = hashlib.sha256(self.fast_data).hexdigest()
        for athlete in ("fast", "ok"):
            folder = root / athlete
            folder.mkdir()
            for day in range(3):
                run = one_hour_run(START + timedelta(days=day), seed=day + (athlete == "ok"))
                (folder / run.name).write_bytes(run.data)
        self.fast_file = root / "fast" / "fast-run.fit"
        self.config = root / "musclebalance.toml"
        athletes = "".join(
            f'[[athletes]]\nid = "{a}"\ntimezone = "Europe/Berlin"\nsex = "female"\n'
            f'birth_year = 1990\nheight_cm = 168\nweight_kg = 60\nmax_hr = 190\n'
            f'fit_paths = ["{a}"]\n\n' for a in ("fast", "ok"))
        self.config.write_text(f'[warehouse]\npath = "w.duckdb"\n\n{athletes}')
        self.warehouse = root / "w.duckdb"
        self.published = root / "published" / "musclebalance.duckdb"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flows", *args], cwd=self.root,
                              env=self.env, capture_output=True, text=True, timeout=600)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return self.cli("run", "--config", str(self.config), *args)

    def published_days(self, athlete: str) -> int:
        with duckdb.connect(str(self.published), read_only=True) as con:
            return con.execute("SELECT count(*) FROM marts.daily_training "
                               "WHERE athlete_id = ?", [athlete]).fetchone()[0]

    def fast_rows(self) -> int:
        """Rows of the 360 km file in the raw tables (records, sessions, file_id)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return sum(con.execute(
                f"SELECT count(*) FROM raw.{t} WHERE source_sha256 = ?",  # noqa: S608
                [self.sha]).fetchone()[0] for t in ("fit_records", "fit_sessions",
                                                    "fit_file_id"))

    def all_rows(self) -> int:
        """Rows of the 360 km file in every raw table that names its source file."""
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            tables = [t for (t,) in con.execute(
                "SELECT table_name FROM information_schema.columns WHERE table_schema = 'raw' "
                "AND column_name = 'source_sha256' AND table_name IN (SELECT table_name FROM "
                "information_schema.tables WHERE table_schema = 'raw' "
                "AND table_type = 'BASE TABLE')").fetchall()]
            return sum(con.execute(
                f'SELECT count(*) FROM raw."{t}" WHERE source_sha256 = ?',  # noqa: S608
                [self.sha]).fetchone()[0] for t in tables)

    def distance_km(self, athlete: str, day: int) -> float:
        with duckdb.connect(str(self.published), read_only=True) as con:
            return con.execute(
                "SELECT run_distance_km FROM marts.daily_training WHERE athlete_id = ? "
                "AND local_date = ?", [athlete, (START + timedelta(days=day)).date()]
            ).fetchone()[0]


@pytest.fixture
def setup(tmp_path: Path, prefect_server: str) -> Setup:
    return Setup(tmp_path, prefect_server)


def _blocked(s: Setup, result: subprocess.CompletedProcess, path: str) -> None:
    """The run held back `fast` for the 360 km day, naming the file; `ok` is published."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "run_distance_km" in result.stderr
    assert path in result.stderr
    assert "held back fast" in result.stderr
    assert s.published_days("ok") == 3
    assert s.published_days("fast") == 0


def test_deleting_the_file_clears_the_block(setup: Setup) -> None:
    s = setup
    s.fast_file.write_bytes(s.fast_data)
    first = s.run()
    _blocked(s, first, str(s.fast_file))
    assert s.fast_rows() == 3601 + 1 + 1
    rows = s.all_rows()  # with the activity message and the file's field list
    status = s.cli("status", "--config", str(s.config))
    assert status.returncode == 0, status.stderr
    assert (f"remove or fix {s.fast_file}, or run `musclebalance forget {s.fast_file}`"
            in status.stdout)
    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        (files,) = con.execute(
            "SELECT source_files FROM marts.validation_results WHERE NOT success "
            "AND columns = 'run_distance_km'").fetchone()
    assert str(s.fast_file) in files

    s.fast_file.unlink()
    second = s.run()
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"removed {s.fast_file} (fast, sha256 {s.sha[:12]}): {rows} rows" in second.stdout
    assert s.fast_rows() == 0
    assert s.published_days("fast") == 3
    # the runs of the three days, by the generator's own speeds: well under 300 km
    assert 0 < s.distance_km("fast", 1) < 20
    # a further run finds nothing to remove and publishes the same
    third = s.run()
    assert third.returncode == 0, third.stderr
    assert "removed" not in third.stdout


@pytest.mark.parametrize("command", [("run", "--full"), ("backfill",)])
def test_run_full_and_backfill_succeed_after_the_file_is_deleted(setup: Setup,
                                                                 command) -> None:
    s = setup
    s.fast_file.write_bytes(s.fast_data)
    _blocked(s, s.run(), str(s.fast_file))
    s.fast_file.unlink()
    result = s.cli(*command, "--config", str(s.config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"removed {s.fast_file}" in result.stdout
    assert s.fast_rows() == 0
    assert s.published_days("fast") == 3


def test_forget_by_path_and_by_sha256_clears_a_one_off_ingest(setup: Setup) -> None:
    s = setup
    outside = s.root / "downloads" / "fast-run.fit"  # not under the config's paths
    outside.parent.mkdir()
    outside.write_bytes(s.fast_data)
    assert s.run().returncode == 0  # both athletes' ordinary runs
    for how in (str(outside), s.sha):
        ingest = s.cli("ingest", "--config", str(s.config), "--fit", str(outside),
                       "--athlete", "fast")
        assert ingest.returncode == 0, ingest.stderr
        # a run keeps what `ingest` was given outside the config: still blocked
        blocked = s.run()
        assert blocked.returncode == 1, blocked.stderr
        assert str(outside) in blocked.stderr
        assert s.fast_rows() == 3601 + 1 + 1
        rows = s.all_rows()
        forget = s.cli("forget", how, "--config", str(s.config))
        assert forget.returncode == 0, forget.stdout + forget.stderr
        assert f"removed {outside} (fast, sha256 {s.sha[:12]}): {rows} rows" in forget.stdout
        assert s.fast_rows() == 0
        assert s.distance_km("fast", 1) < 20  # published again without the file
    nothing = s.cli("forget", s.sha, "--config", str(s.config))
    assert nothing.returncode == 2
    assert "no file" in nothing.stderr and "matches" in nothing.stderr
