"""`musclebalance serve`: the fire times (Prefect's own cron code, DST days included), the
loop (failures reported and survived, a stop event, a suspended laptop runs once), and end
to end: a real nightly run under a Prefect server, in-process and as a command that stops
cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import yaml

from flows import serve as serve_module
from flows.schedule import NIGHTLY_CRON, next_fire
from flows.serve import STEP_SECONDS, describe_time, serve
from synthetic import SyntheticAthlete, generate_athlete_files, generate_nutrition_exports
from tests.helpers import REPO

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
AT_0230 = "30 2 * * *"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- fire times -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "zone", "after", "expected"),
    [
        # a normal winter day in Berlin: 03:30 CET = 02:30 UTC
        (NIGHTLY_CRON, BERLIN, utc(2026, 1, 15, 12), utc(2026, 1, 16, 2, 30)),
        # a normal summer day: 03:30 CEST = 01:30 UTC
        (NIGHTLY_CRON, BERLIN, utc(2026, 7, 15, 12), utc(2026, 7, 16, 1, 30)),
        # just after midnight local, the same night still comes
        (NIGHTLY_CRON, BERLIN, utc(2026, 1, 15, 23, 30), utc(2026, 1, 16, 2, 30)),
        # the nightly cron on both DST days: 03:30 exists once on each
        (NIGHTLY_CRON, BERLIN, utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 30)),
        (NIGHTLY_CRON, BERLIN, utc(2026, 10, 24, 12), utc(2026, 10, 25, 2, 30)),
        # spring forward (29 March 2026, 02:00 CET -> 03:00 CEST): 02:30 does not exist;
        # Prefect fires once, shifted by the gap, at 03:30 CEST = 01:30 UTC ...
        (AT_0230, BERLIN, utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 30)),
        # ... and the next night at 02:30 CEST = 00:30 UTC
        (AT_0230, BERLIN, utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)),
        # fall back (25 October 2026, 03:00 CEST -> 02:00 CET): 02:30 happens twice; Prefect
        # fires once, at the first (02:30 CEST = 00:30 UTC) ...
        (AT_0230, BERLIN, utc(2026, 10, 24, 12), utc(2026, 10, 25, 0, 30)),
        # ... not again at the second (02:30 CET = 01:30 UTC): next is the next night
        (AT_0230, BERLIN, utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
        # New York: 03:30 EST = 08:30 UTC, 03:30 EDT = 07:30 UTC
        (NIGHTLY_CRON, NEW_YORK, utc(2026, 1, 15, 12), utc(2026, 1, 16, 8, 30)),
        (NIGHTLY_CRON, NEW_YORK, utc(2026, 7, 15, 12), utc(2026, 7, 16, 7, 30)),
        # New York's DST days (8 March, 1 November 2026) for a cron at 02:30 local
        (AT_0230, NEW_YORK, utc(2026, 3, 7, 12), utc(2026, 3, 8, 7, 30)),
        (AT_0230, NEW_YORK, utc(2026, 10, 31, 12), utc(2026, 11, 1, 7, 30)),
        # exactly at a fire time: strictly after, so the next day
        (NIGHTLY_CRON, BERLIN, utc(2026, 1, 16, 2, 30), utc(2026, 1, 17, 2, 30)),
        # a microsecond before a fire time: that fire time
        (NIGHTLY_CRON, BERLIN, datetime(2026, 1, 16, 2, 29, 59, 999999, tzinfo=UTC),
         utc(2026, 1, 16, 2, 30)),
    ],
)
def test_next_fire_matches_hand_computed_instants(cron: str, zone: str, after: datetime,
                                                  expected: datetime) -> None:
    fire = next_fire(cron, zone, after)
    assert fire == expected
    assert fire.tzinfo is UTC and type(fire) is datetime


def test_next_fire_accepts_any_aware_datetime() -> None:
    after = datetime(2026, 1, 15, 13, 0, tzinfo=ZoneInfo(BERLIN))
    assert next_fire(NIGHTLY_CRON, BERLIN, after) == utc(2026, 1, 16, 2, 30)


def test_nightly_cron_is_prefect_yamls() -> None:
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text())
    (deployment,) = [d for d in spec["deployments"] if d["name"] == "nightly"]
    (schedule,) = deployment["schedules"]
    assert schedule["cron"] == NIGHTLY_CRON


@pytest.mark.parametrize(
    ("cron", "zone", "message"),
    [
        ("61 3 * * *", BERLIN, "invalid cron '61 3 * * *'"),
        ("30 3 * *", BERLIN, "invalid cron '30 3 * *'"),
        ("nightly", BERLIN, "invalid cron 'nightly'"),
        ("H 3 * * *", BERLIN, "invalid cron 'H 3 * * *'"),
        ("0 0 30 2 *", BERLIN, "cron '0 0 30 2 *' never fires"),
        (NIGHTLY_CRON, "Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'"),
        (NIGHTLY_CRON, "europe/berlin", "unknown time zone 'europe/berlin'"),
        (NIGHTLY_CRON, "", "unknown time zone ''"),
        (NIGHTLY_CRON, "+02:00", "unknown time zone '+02:00'"),
    ],
)
def test_a_bad_cron_or_zone_is_named(cron: str, zone: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        next_fire(cron, zone, utc(2026, 1, 15))


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_fire(NIGHTLY_CRON, BERLIN, datetime(2026, 1, 15))


def test_fire_times_show_local_time_and_utc() -> None:
    zone = ZoneInfo(NEW_YORK)
    assert describe_time(utc(2026, 1, 16, 8, 30), zone) == (
        "2026-01-16 03:30 EST (America/New_York) = 08:30 UTC")
    assert describe_time(utc(2026, 1, 17, 4, 30), zone) == (
        "2026-01-16 23:30 EST (America/New_York) = 2026-01-17 04:30 UTC")


# -- the loop, with a fake schedule and a fake nightly run ------------------------------


def _soon(cron: str, timezone: str, after: datetime) -> datetime:
    """A fake schedule: fires 50 ms after `after`."""
    return after + timedelta(milliseconds=50)


def test_failed_runs_are_reported_and_the_schedule_goes_on(monkeypatch, capsys,
                                                           tmp_path) -> None:
    from flows.build import ExpectationsFailed
    from warehouse.connection import WarehouseBusy

    class Failure:
        def describe(self) -> str:
            return "marts.daily_energy: weight_kg observed 400.0"

    outcomes = iter([RuntimeError("the disk is full\nsecond line"),
                     WarehouseBusy("w.duckdb: another run"), ExpectationsFailed([Failure()]),
                     None])
    calls: list[Path] = []

    def nightly(config: Path) -> None:
        calls.append(config)
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(serve_module, "next_fire", _soon)
    monkeypatch.setattr(serve_module, "call_nightly", nightly)
    config = tmp_path / "musclebalance.toml"
    assert serve(config, NIGHTLY_CRON, BERLIN, run_now=True, runs=4) == 0
    out = capsys.readouterr().out
    assert calls == [config] * 4
    assert "run 1 failed after" in out and "RuntimeError: the disk is full\n" in out
    assert "second line" not in out
    assert "run 2 skipped after" in out and "WarehouseBusy" in out
    assert "waiting for the next fire time" in out
    assert "run 3 failed after" in out and "ExpectationsFailed: 1 expectations failed" in out
    assert "400" not in out  # the failed expectation's observed value stays in the warehouse
    assert "run 4 finished in" in out
    assert out.count("next run: ") == 3  # run_now ran first; three waits followed
    assert out.rstrip().endswith("serve stopped after 4 run(s)")


def test_a_stop_event_ends_the_wait_at_once(monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setattr(serve_module, "next_fire",
                        lambda cron, zone, after: after + timedelta(hours=1))
    monkeypatch.setattr(serve_module, "call_nightly", lambda config: pytest.fail("ran"))
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    t0 = time.monotonic()
    assert serve(tmp_path / "c.toml", NIGHTLY_CRON, BERLIN, run_now=False, stop=stop) == 0
    assert time.monotonic() - t0 < 5
    out = capsys.readouterr().out
    assert "next run: " in out and "serve stopped after 0 run(s)" in out


def test_an_interrupted_run_stops_serve(monkeypatch, capsys, tmp_path) -> None:
    def nightly(config: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(serve_module, "next_fire", _soon)
    monkeypatch.setattr(serve_module, "call_nightly", nightly)
    assert serve(tmp_path / "c.toml", NIGHTLY_CRON, BERLIN, run_now=True) == 0
    out = capsys.readouterr().out
    assert "run 1 interrupted" in out and "next run: " not in out


class SuspendingEvent(threading.Event):
    """A stop event on a fake clock: its first wait sleeps `suspend` (a laptop shut for some
    nights), every later wait exactly its timeout."""

    def __init__(self, clock: list[datetime], suspend: timedelta) -> None:
        super().__init__()
        self.clock, self.suspend, self.waits = clock, suspend, []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        self.clock[0] += self.suspend or timedelta(seconds=timeout)
        self.suspend = None
        return self.is_set()


def test_a_laptop_waking_after_missed_nights_runs_once(monkeypatch, capsys, tmp_path) -> None:
    clock = [utc(2026, 1, 15, 12)]
    ran: list[datetime] = []
    monkeypatch.setattr(serve_module, "utc_now", lambda: clock[0])
    monkeypatch.setattr(serve_module, "call_nightly", lambda config: ran.append(clock[0]))
    stop = SuspendingEvent(clock, suspend=timedelta(days=3))
    assert serve(tmp_path / "c.toml", NIGHTLY_CRON, BERLIN, run_now=False, stop=stop,
                 runs=2) == 0
    # asleep through the nights of the 16th, 17th and 18th: one run on waking, then the
    # next night on time
    assert ran == [utc(2026, 1, 18, 12), utc(2026, 1, 19, 2, 30)]
    assert max(stop.waits) <= STEP_SECONDS
    out = capsys.readouterr().out
    assert "next run: 2026-01-16 03:30 CET (Europe/Berlin) = 02:30 UTC" in out
    assert "next run: 2026-01-19 03:30 CET (Europe/Berlin) = 02:30 UTC" in out


def test_a_clock_set_back_during_a_run_does_not_run_the_night_twice(monkeypatch,
                                                                    tmp_path) -> None:
    clock = [utc(2026, 1, 15, 12)]
    ran: list[datetime] = []

    def nightly(config: Path) -> None:
        ran.append(clock[0])
        clock[0] -= timedelta(minutes=10)  # NTP corrects a fast clock while the run goes

    monkeypatch.setattr(serve_module, "utc_now", lambda: clock[0])
    monkeypatch.setattr(serve_module, "call_nightly", nightly)
    stop = SuspendingEvent(clock, suspend=timedelta(0))
    assert serve(tmp_path / "c.toml", NIGHTLY_CRON, BERLIN, run_now=False, stop=stop,
                 runs=2) == 0
    assert ran == [utc(2026, 1, 16, 2, 30), utc(2026, 1, 17, 2, 30)]


# -- the command line's checks ----------------------------------------------------------


def _cli(*args: str, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, "COLUMNS": "200", **(env or {})},
                          timeout=120)


@pytest.mark.flow  # the command line in a subprocess
def test_help_names_the_use_and_the_alternative() -> None:
    result = _cli("serve", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for words in ("laptop or a small always-on box", "prefect.yaml", "Prefect server",
                  "worker", "Example:", "--cron", "--timezone", "--now", NIGHTLY_CRON):
        assert words in text, words


@pytest.mark.flow  # the command line in a subprocess
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cron", "61 3 * * *"), "invalid cron '61 3 * * *'"),
        (("--timezone", "Mars/Olympus_Mons"), "unknown time zone 'Mars/Olympus_Mons'"),
    ],
)
def test_a_bad_cron_or_zone_exits_2_naming_it(tmp_path: Path, args: tuple[str, ...],
                                              message: str) -> None:
    from schemas.config import default_config_text

    config = tmp_path / "musclebalance.toml"
    config.write_text(default_config_text())
    (tmp_path / "fit").mkdir()  # the template's fit path: a missing path would stop it first
    result = _cli("serve", "--config", str(config), *args)
    assert result.returncode == 2
    assert message in " ".join(result.stderr.split())
    assert not (tmp_path / "data").exists()  # nothing ran


@pytest.mark.flow  # the command line in a subprocess
def test_serve_without_a_config_exits_2(tmp_path: Path) -> None:
    result = _cli("serve", cwd=tmp_path)
    assert result.returncode == 2 and "--config" in result.stderr


# -- end to end -------------------------------------------------------------------------

START = date(2026, 4, 6)  # a Monday
WEEKS = 2


def write_athlete(folder: Path) -> Path:
    """A generated athlete's two weeks of FIT files and Cronometer export, and a config that
    lists them; returns the config file."""
    athlete = SyntheticAthlete()
    files = generate_athlete_files(athlete, START, WEEKS)
    exports = generate_nutrition_exports(athlete, files, START, WEEKS)
    (folder / "fit").mkdir(parents=True)
    for f in files:
        (folder / "fit" / f.name).write_bytes(f.data)
    (folder / "cronometer").mkdir()
    (folder / "cronometer" / "servings.csv").write_bytes(exports.cronometer_servings_csv)
    (folder / "cronometer" / "dailysummary.csv").write_bytes(
        exports.cronometer_dailysummary_csv)
    config = folder / "musclebalance.toml"
    config.write_text(
        f'[warehouse]\npath = "data/w.duckdb"\n\n[[athletes]]\nid = "{athlete.athlete_id}"\n'
        f'timezone = "{athlete.timezone}"\nsex = "{athlete.sex}"\n'
        f"birth_year = {athlete.birth_year}\nheight_cm = {athlete.height_cm}\n"
        f"weight_kg = {athlete.weight_kg}\nmax_hr = {athlete.max_hr}\n"
        f"resting_hr = {athlete.resting_hr}\nlthr = {athlete.lthr}\n"
        'fit_paths = ["fit"]\n\n[[athletes.nutrition]]\npath = "cronometer"\n'
        'format = "cronometer"\n')
    return config


def nightly_runs(database: Path) -> list[tuple[str, str, bool]]:
    """(command, status, finished) of every row of marts.pipeline_runs."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("SELECT command, status, finished_at IS NOT NULL FROM "
                           "marts.pipeline_runs ORDER BY started_at").fetchall()


def prefect_nightly_runs() -> list[str]:
    """The state names of the Prefect flow runs of the nightly flow."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["nightly"])))
    return [run.state.name for run in runs if run.state]


def wait_for_finished_run(published: Path, process: subprocess.Popen, timeout: float
                          ) -> list[tuple[str, str, bool]]:
    """Poll the published file (readers' copy, replaced atomically: opening it never blocks
    the run) until it lists a finished nightly run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited early"
        if published.exists():
            try:
                rows = nightly_runs(published)
            except duckdb.IOException:  # being replaced: try again
                rows = []
            if any(cmd == "nightly" and finished for cmd, _, finished in rows):
                return rows
        time.sleep(1)
    raise AssertionError(f"no finished nightly run in {published} after {timeout} s")


class Lines:
    """A process's output lines as they come, read by a thread."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert time.monotonic() < deadline, f"no {text!r} in {self.lines}"
            time.sleep(0.2)

    def text(self) -> str:
        self.thread.join(timeout=10)
        return "".join(self.lines)


def test_the_serve_command_runs_now_and_stops_on_sigterm(prefect_server, tmp_path) -> None:
    config = write_athlete(tmp_path)
    before = prefect_nightly_runs()
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "COLUMNS": "200"}
    process = subprocess.Popen([sys.executable, "-m", "flows", "serve", "--config",
                                str(config), "--now"], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = Lines(process.stdout)
    err = Lines(process.stderr)
    try:
        rows = wait_for_finished_run(tmp_path / "data" / "published" / "musclebalance.duckdb",
                                     process, timeout=180)
        assert ("nightly", "completed", True) in rows
        out.wait_for("next run: ", timeout=60)  # the run has ended: serve is waiting
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = out.text()
    assert process.returncode == 0, err.text()
    assert "run 1 finished in" in text, text
    assert "next run: " in text and "(Europe/Berlin)" in text and " UTC" in text
    assert text.rstrip().endswith("serve stopped after 1 run(s)")
    assert nightly_runs(tmp_path / "data" / "w.duckdb") == [("nightly", "completed", True)]
    after = prefect_nightly_runs()  # Prefect recorded the run, completed
    assert len(after) == len(before) + 1
    assert after.count("Completed") == before.count("Completed") + 1
