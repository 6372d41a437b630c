"""Helpers shared by the tests: where the real fixtures are, and skipping without them."""

from __future__ import annotations

import csv
import functools
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIT_FIXTURES = SHARED / "fixtures" / "fit"
WELLNESS_FIXTURES = SHARED / "fixtures" / "wellness"

def athlete_config(athlete_id: str, *, sex: str, birth_year: int, height_cm: int,
                   weight_kg: float, max_hr: int | None = None, resting_hr: int | None = None,
                   nutrition: str | Path | None = None) -> str:
    """A musclebalance.toml of one athlete in Europe/Berlin with FIT files in ./fit, food
    exports at `nutrition` (if given) and the warehouse at data/w.duckdb."""
    optional = "".join(f"{key} = {value}\n" for key, value in
                       (("max_hr", max_hr), ("resting_hr", resting_hr)) if value is not None)
    food = "" if nutrition is None else f'\n[[athletes.nutrition]]\npath = "{nutrition}"\n'
    return (f'[warehouse]\npath = "data/w.duckdb"\n\n[[athletes]]\nid = "{athlete_id}"\n'
            f'timezone = "Europe/Berlin"\nsex = "{sex}"\nbirth_year = {birth_year}\n'
            f"height_cm = {height_cm}\nweight_kg = {weight_kg}\n{optional}"
            f'fit_paths = ["fit"]\n{food}')


#: The config of the default SyntheticAthlete with FIT files in ./fit and food in ./food,
#: warehouse data/w.duckdb (flow tests write it beside their generated files).
SYNTHETIC_CONFIG = athlete_config("demo", sex="female", birth_year=1990, height_cm=168,
                                  weight_kg=60, max_hr=188, resting_hr=50, nutrition="food")


#: Modules whose start is the CLI, the demo or Prefect (its command line, server or worker).
FLOW_MODULES = frozenset({"flows", "prefect", "uvicorn"})
#: Scripts that are the CLI or Prefect's command line.
FLOW_SCRIPTS = frozenset({"musclebalance", "prefect"})
#: `python -c` code that imports Prefect or the CLI's own modules (the command line, the
#: demo and the flows); flows.stopping and other small helpers are not among them.
_FLOW_CODE = re.compile(r"\b(?:from|import)\s+(?:prefect\b|flows\.(?:cli|demo|ingest|"
                        r"nutrition_ingest|build|nightly|serve|forget|runtime)\b|flows\s)")


def flow_command(args) -> str | None:
    """What a subprocess command line starts if it is the CLI, the demo or Prefect (for the
    `flow` marker's guard in conftest.py), else None. `args` as subprocess.Popen takes it."""
    words = [str(a) for a in ([args] if isinstance(args, (str, bytes, Path)) else args)]
    if not words:
        return None
    script = Path(words[0].split()[0]).name
    if script in FLOW_SCRIPTS:
        return f"the {script} command"
    for flag, value in zip(words, words[1:], strict=False):
        if flag == "-m" and value.split(".")[0] in FLOW_MODULES:
            return f"python -m {value}"
        if flag == "-c" and _FLOW_CODE.search(value):
            return f"python -c code importing {_FLOW_CODE.search(value).group(0)!r}"
    return None

def run_config_cli(folder: Path, env: dict, *args: str, failpoint: str | None = None
                   ) -> subprocess.CompletedProcess:
    """`python -m flows <args> --config folder/musclebalance.toml` in `folder`, with `env`
    over this environment and the warehouse failpoint `failpoint` (or none) set."""
    import os
    import sys

    from warehouse.failpoint import ENV

    full_env = {**os.environ, **env, "COLUMNS": "200"}
    full_env.pop(ENV, None)
    if failpoint:
        full_env[ENV] = failpoint
    return subprocess.run([sys.executable, "-m", "flows", *args, "--config",
                           str(folder / "musclebalance.toml")], cwd=folder, env=full_env,
                          capture_output=True, text=True, timeout=600)


def file_digests(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` by its relative path (links followed: the
    published parquet and csv folders)."""
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def pipeline_runs(database: Path) -> list[tuple]:
    """Every row of marts.pipeline_runs of a DuckDB file (the warehouse or the published
    file), oldest first."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("SELECT * FROM marts.pipeline_runs ORDER BY started_at").fetchall()


#: The first day of write_synthetic_span's files (a Monday).
SPAN_START = date(2026, 3, 2)


@functools.cache
def _span_files(weeks: int) -> tuple[tuple[tuple[str, bytes], ...], bytes]:
    """(FIT file names and bytes, Cronometer servings CSV) of the default SyntheticAthlete's
    first `weeks` weeks from SPAN_START (generated once per process and span)."""
    from synthetic import SyntheticAthlete, generate_athlete_files, generate_nutrition_exports

    athlete = SyntheticAthlete()
    files = generate_athlete_files(athlete, SPAN_START, 3)
    last = SPAN_START.toordinal() + 7 * weeks
    fit = tuple((f.name, f.data) for f in files if f.start_utc.date().toordinal() < last)
    exports = generate_nutrition_exports(athlete, files, SPAN_START, weeks)
    return fit, exports.cronometer_servings_csv


def write_synthetic_span(folder: Path, weeks: int) -> None:
    """The default SyntheticAthlete's FIT files (in folder/fit) and Cronometer export
    (folder/food/servings.csv) for its first `weeks` (at most 3) weeks, as SYNTHETIC_CONFIG
    reads them."""
    fit_files, servings = _span_files(weeks)
    fit = folder / "fit"
    fit.mkdir(exist_ok=True)
    for name, data in fit_files:
        (fit / name).write_bytes(data)
    food = folder / "food"
    food.mkdir(exist_ok=True)
    (food / "servings.csv").write_bytes(servings)

def dead_pid() -> int:
    """The id of a process that has exited (a child that printed it and ended)."""
    import sys

    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def fit_files_and_doubled_records(warehouse: Path) -> tuple[int, int]:
    """(FIT files in raw.source_files, record keys loaded more than once) of a warehouse:
    after an interrupted run and the next, the first is the number of files on disk and
    the second 0."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        (files,) = con.execute("SELECT count(*) FROM raw.source_files WHERE kind = 'fit'"
                               ).fetchone()
        (doubled,) = con.execute("SELECT count(*) FROM (SELECT source_sha256, segment, "
                                 "message_seq FROM raw.fit_records GROUP BY ALL "
                                 "HAVING count(*) > 1)").fetchone()
    return files, doubled


def fit_manifest() -> list[dict[str, str]]:
    """Rows of ../shared/fixtures/fit/MANIFEST.tsv, or [] where the folder is absent."""
    manifest = FIT_FIXTURES / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def require_fixtures() -> Path:
    """The real FIT fixtures folder; skips the test with the reason where it is absent."""
    if not (FIT_FIXTURES / "MANIFEST.tsv").exists():
        pytest.skip(f"real FIT fixtures not found at {FIT_FIXTURES} (the shared/ folder "
                    "beside the repository); generated-file tests still run")
    return FIT_FIXTURES


def require_wellness_fixtures() -> Path:
    """The example wellness inputs folder (Garmin export, wellness FIT, Apple Health);
    skips the test with the reason where it is absent."""
    if not (WELLNESS_FIXTURES / "README.md").exists():
        pytest.skip(f"wellness fixtures not found at {WELLNESS_FIXTURES} (the shared/ "
                    "folder beside the repository); generated-file tests still run")
    return WELLNESS_FIXTURES


#: Where reference_read keeps what the independent decoders read (inside pytest's cache
#: folder, so `pytest --cache-clear` empties it; never committed).
REFERENCE_CACHE = REPO / ".pytest_cache" / "d" / "fit-reference"


def reference_read(read, data: bytes):
    """`read(data)` for a reference decoder call (fitparse's or Garmin's FIT SDK reading a
    FIT file), kept on disk between test runs: the values still come from the decoder,
    read once per file content, decoder version and source of `read`. A changed file,
    generator, decoder release or reading function reads afresh."""
    import hashlib
    import inspect
    import os
    import pickle
    from importlib.metadata import version

    key = hashlib.sha256(data)
    for part in (read.__module__, read.__qualname__, inspect.getsource(read),
                 version("fitparse"), version("garmin-fit-sdk")):
        key.update(part.encode() + b"\0")
    path = REFERENCE_CACHE / f"{key.hexdigest()}.pickle"
    try:
        return pickle.loads(path.read_bytes())  # noqa: S301 - written by this function
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    value = read(data)
    try:
        payload = pickle.dumps(value)
    except (pickle.PicklingError, TypeError, AttributeError):
        return value  # not kept; read afresh next time
    REFERENCE_CACHE.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(payload)
    os.replace(temporary, path)  # whole or absent, also with two workers at once
    return value

#: Fixtures Garmin's FIT SDK cannot read (it does not support compressed timestamps);
#: fitparse reads them.
SDK_UNSUPPORTED = {"fitdecode/compressed-speed-distance.fit"}


@dataclass(frozen=True)
class SdkRead:
    """What Garmin's FIT SDK reads from a file (CRC check on)."""

    records: int
    first: datetime | None
    last: datetime | None
    data_messages: int
    errors: list[str]
    last_message_end: int  # byte offset after the last message (or definition) it read


def sdk_read(data: bytes) -> SdkRead:
    """Read a FIT file with Garmin's SDK, keeping what it read before any error."""
    return reference_read(_sdk_read, data)


def _sdk_read(data: bytes) -> SdkRead:
    from garmin_fit_sdk import Decoder, Stream

    stream = Stream.from_byte_array(bytearray(data))
    ends = [0]
    messages, errors = Decoder(stream).read(
        enable_crc_check=True, merge_heart_rates=False,
        mesg_listener=lambda _num, _message: ends.append(stream.position()),
        mesg_definition_listener=lambda _definition: ends.append(stream.position()),
    )
    stamps = [r.get("timestamp") for r in messages.get("record_mesgs", [])]
    stamps = [t for t in stamps if t is not None]
    return SdkRead(
        records=len(messages.get("record_mesgs", [])),
        first=stamps[0] if stamps else None,
        last=stamps[-1] if stamps else None,
        data_messages=sum(len(v) for v in messages.values()),
        errors=[str(e) for e in errors],
        last_message_end=max(ends),
    )


@dataclass(frozen=True)
class DemoRun:
    """`musclebalance demo` as a user runs it, once per session (the `demo_run` fixture)."""

    folder: Path
    result: subprocess.CompletedProcess
    last_day: date  # yesterday in the athlete's zone when the demo ran
    crossed_midnight: bool

    @property
    def published(self) -> Path:
        return self.folder / "data" / "published" / "musclebalance.duckdb"

    @property
    def config(self) -> Path:
        return self.folder / "musclebalance.toml"


def synthetic_athletes(tmp: Path, warehouse: Path, fit: Path, athlete=None) -> list:
    """The config model's athletes for a SyntheticAthlete (default: the default one) with
    its FIT files in `fit` and the warehouse at `warehouse`."""
    from schemas.config import config_from_dict
    from synthetic import SyntheticAthlete

    a = athlete or SyntheticAthlete()
    return list(config_from_dict(a.config(str(warehouse), [str(fit)]), base_dir=tmp).athletes)


def sdk_records(data: bytes) -> list[dict]:
    """The record messages of a FIT file as Garmin's FIT SDK reads them (scale and offset
    applied: the physical values the file holds), in file order."""
    from garmin_fit_sdk import Decoder, Stream

    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read(
        enable_crc_check=True, merge_heart_rates=False)
    assert not errors, errors
    return messages.get("record_mesgs", [])


#: The start of activity_fit files unless given.
ACTIVITY_START = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)


def activity_fit(records: list[dict],
                 sessions: tuple[tuple[str, int, int | None], ...] = (("running", 0, None),),
                 start: datetime = ACTIVITY_START, local_offset_s: int | None = 7200,
                 time_created: datetime | None = None) -> bytes:
    """A FIT activity: file_id, records (each a dict of FIT field values, `t` = seconds after
    `start`), one session per (sport, first s, end s) and an activity message stating the
    wall-clock time `local_offset_s` ahead (None: no local_timestamp)."""
    from synthetic.fit_writer import FitWriter

    writer = FitWriter()
    writer.add("file_id", type="activity", manufacturer="development", product=1,
               serial_number=7, time_created=time_created or start)
    last = max((r["t"] for r in records), default=0)
    for record in records:
        values = {k: v for k, v in record.items() if k != "t"}
        writer.add("record", timestamp=start + timedelta(seconds=record["t"]), **values)
    for sport, first, end in sessions:
        end = last + 1 if end is None else end
        writer.add("session", timestamp=start + timedelta(seconds=end),
                   start_time=start + timedelta(seconds=first), sport=sport,
                   total_elapsed_time=float(end - first), total_timer_time=float(end - first))
    end_at = start + timedelta(seconds=last + 1)
    writer.add("activity", timestamp=end_at, num_sessions=len(sessions),
               local_timestamp=None if local_offset_s is None
               else (end_at + timedelta(seconds=local_offset_s)).replace(tzinfo=None))
    return writer.to_bytes()


def die_sending_half_a_result(_: int) -> None:
    """Run in a process pool's worker: write the start of a result message to the pool's
    result pipe, as a worker killed while it sends a large result leaves it, then die by
    SIGKILL."""
    import os
    import signal
    import struct
    import sys

    frame = sys._getframe(1)
    while "result_queue" not in frame.f_locals:
        frame = frame.f_back
    writer = frame.f_locals["result_queue"]._writer
    writer._send(struct.pack("!i", 1 << 20) + b"half a result")  # 1 MiB announced, 13 sent
    os.kill(os.getpid(), signal.SIGKILL)


def slow_square(n: int) -> int:
    """Run in a process pool's worker: n * n after half a second."""
    import time

    time.sleep(0.5)
    return n * n


#: The first run of TwoRunners' files (a Monday); runs on this and the next two days.
TWO_RUNNERS_START = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
#: TwoRunners' implausible day: by hand, 3,600 samples 1 s and 100 m apart after the
#: first: 360 km, above the 0-300 km a day of `run_distance_km`.
FAST_KM = 3600 * 100 / 1000


def fast_run(start: datetime) -> bytes:
    """A running file with 3,601 records at 1 Hz, 100 m apart (360 km in an hour; only the
    distance is written, no speed)."""
    from synthetic.fit_writer import FitWriter

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


class TwoRunners:
    """Two athletes, `fast` and `ok`, each with ordinary runs on three days in its own folder
    under `root`, the config naming both, and the 360 km file (fast_run, on the second day)
    at hand for `fast`'s folder or elsewhere; the command line run in `root` against the
    Prefect server at `server`. With `write=False` the files are already there."""

    def __init__(self, root: Path, server: str, write: bool = True) -> None:
        import hashlib
        import os

        self.root = root
        self.env = {**os.environ, "PREFECT_API_URL": server, "COLUMNS": "300"}
        self.fast_data = fast_run(TWO_RUNNERS_START + timedelta(days=1, hours=6))
        self.sha = hashlib.sha256(self.fast_data).hexdigest()
        self.fast_file = root / "fast" / "fast-run.fit"
        self.config = root / "musclebalance.toml"
        self.warehouse = root / "w.duckdb"
        self.published = root / "published" / "musclebalance.duckdb"
        if write:
            self._write()

    def _write(self) -> None:
        from synthetic import one_hour_run

        for athlete in ("fast", "ok"):
            folder = self.root / athlete
            folder.mkdir()
            for day in range(3):
                run = one_hour_run(TWO_RUNNERS_START + timedelta(days=day),
                                   seed=day + (athlete == "ok"))
                (folder / run.name).write_bytes(run.data)
        athletes = "".join(
            f'[[athletes]]\nid = "{a}"\ntimezone = "Europe/Berlin"\nsex = "female"\n'
            f'birth_year = 1990\nheight_cm = 168\nweight_kg = 60\nmax_hr = 190\n'
            f'fit_paths = ["{a}"]\n\n' for a in ("fast", "ok"))
        self.config.write_text(f'[warehouse]\npath = "w.duckdb"\n\n{athletes}')

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        import sys

        return subprocess.run([sys.executable, "-m", "flows", *args], cwd=self.root,
                              env=self.env, capture_output=True, text=True, timeout=600)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return self.cli("run", "--config", str(self.config), *args)

    def published_days(self, athlete: str) -> int:
        import duckdb

        with duckdb.connect(str(self.published), read_only=True) as con:
            return con.execute("SELECT count(*) FROM marts.daily_training "
                               "WHERE athlete_id = ?", [athlete]).fetchone()[0]

    def fast_rows(self) -> int:
        """Rows of the 360 km file in the raw tables (records, sessions, file_id)."""
        import duckdb

        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return sum(con.execute(
                f"SELECT count(*) FROM raw.{t} WHERE source_sha256 = ?",  # noqa: S608
                [self.sha]).fetchone()[0] for t in ("fit_records", "fit_sessions",
                                                    "fit_file_id"))

    def all_rows(self) -> int:
        """Rows of the 360 km file in every raw table that names its source file."""
        import duckdb

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
        import duckdb

        with duckdb.connect(str(self.published), read_only=True) as con:
            return con.execute(
                "SELECT run_distance_km FROM marts.daily_training WHERE athlete_id = ? "
                "AND local_date = ?", [athlete, (TWO_RUNNERS_START + timedelta(days=day)).date()]
            ).fetchone()[0]


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in the block once it has run `seconds` s (SIGALRM, main thread):
    ends a decode that would never return."""
    def stop(*_args: object) -> None:
        raise TimeoutError(f"did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
