"""Nightly-run benchmark: one new FIT file over 3,000 already-ingested files, beside a run
with no new file, against a running Prefect server.

Run: uv run python bench/nightly_bench.py [--files 3000] [--repeats 5] [--workdir DIR]

Setup (cached in --workdir, default bench/out/nightly-<files>; reused when present): one
synthetic athlete's FIT files (`synthetic.generate_athlete_files`, default
training plan: intervals, easy and long runs with 1 s records, strength sessions, weigh-ins)
over enough weeks that the first `--files` files, ending a few days before today, are the
history; the next run after the history's last day is kept aside as the new file. A
Cronometer export (`servings.csv` and `dailysummary.csv`, generated half a year at a time)
covers the history's weeks. A `musclebalance.toml` names both; one full
`python -m flows run --config musclebalance.toml` reaches the steady state, and the
warehouse folder (warehouse, published files) is copied aside as the snapshot.

A real Prefect server is started as a subprocess (`prefect server start` on a free port,
PREFECT_HOME in a temporary folder, analytics off) and every run talks to it.

Measured, N repeats, alternating (the order of (a) and (b) flips every repeat); before every
run the warehouse folder is restored from the snapshot and the new file removed (not timed),
so each (b) run finds exactly one new file over `--files` ingested ones:
- (a) no new file, (b) one new file copied into the FIT folder:
  - cli: wall time of a fresh process `python -m flows run --config musclebalance.toml` (the
    nightly command: ingest FIT, ingest nutrition, build, check, publish, print the scores);
  - warm: `flows.nightly.nightly_flow(config=...)` called in an already-running process
    (imports done, one warm-up call made first), timed in that process, with the flows'
    functions wrapped by time.perf_counter probes (module attributes and Prefect tasks'
    `.fn`, monkeypatched in that process only; flows' `.fn` cannot be wrapped, Prefect
    validates their parameters against the function's module) to say where the time goes,
    and the exit of Prefect's flow-run heartbeat context timed (it joins a thread that
    sleeps in 1 s steps, once per flow and subflow run).
- Prefect's own record of the cli runs (flow and task runs read back from the server):
  process start to first flow run, each flow run, each task run, last flow run to exit.
- Imports, each in a fresh interpreter (median of the repeats): nothing, flows.nightly,
  prefect, polars, duckdb, great_expectations, and the CLI's `--help`.
Results: a JSON summary printed and written to bench/out/nightly_results.json, and the
tables of docs/benchmarks.md's section to bench/out/nightly_results.md.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# Only the standard library at module level: the warm runner imports this module, and the
# benchmark's own start-up must not load the product.
REPO = Path(__file__).resolve().parents[1]
ATHLETE_ID = "nightly"
SEED = 3000
FILES_PER_WEEK = 9.0  # the default plan: ~4.5 runs, ~1.5 strength sessions, ~3 weigh-ins
RUN_KINDS = {"run", "easy_run", "long_run", "intervals", "midnight_run", "dst_run"}
NUTRITION_CHUNK_WEEKS = 26
MARKER = "@@nightly-bench@@ "
TARGET_S = 10.0

#: Probes of the warm runner: (module, attribute path, label, parent label). A label may be
#: used by several probes (their times add up). A missing attribute (code restructured) is
#: skipped and listed in the results.
PROBES: list[tuple[str, str, str, str | None]] = [
    ("flows.nightly", "load_config", "load config", None),
    ("flows.ingest", "plan_fit_inputs.fn", "fit: plan (walk, stat, manifest, hash)", None),
    ("flows.plan", "find_files", "plan: walk + stat (FIT and nutrition)", None),
    ("flows.ingest", "read_manifest", "fit: plan: read path manifest",
     "fit: plan (walk, stat, manifest, hash)"),
    ("flows.plan", "content_sha256", "plan: hash changed files (FIT and nutrition)", None),
    ("flows.ingest", "decode_and_load.fn", "fit: decode + load", None),
    ("flows.ingest", "load_fit_batch", "fit: load batch into DuckDB", "fit: decode + load"),
    ("flows.ingest", "record_paths.fn", "fit: record paths", None),
    ("flows.nutrition_ingest", "plan_nutrition_inputs.fn", "nutrition: plan", None),
    ("flows.nutrition_ingest", "load_nutrition_files.fn", "nutrition: load", None),
    ("flows.nutrition_ingest", "record_nutrition_paths.fn", "nutrition: record paths", None),
    ("warehouse.runs", "begin_run", "record runs", None),
    ("warehouse.runs", "finish_run", "record runs", None),
    ("flows.build", "published_rows", "build: previous row counts", None),
    ("flows.build", "stage_marts.fn", "build: stage marts", None),
    ("flows.build", "read_raw", "build: stage: read raw tables", "build: stage marts"),
    ("flows.build", "daily_facts", "build: stage: daily facts", "build: stage marts"),
    ("flows.build", "score_days", "build: stage: scoring", "build: stage marts"),
    ("flows.build", "daily_muscle_balance", "build: stage: scoring", "build: stage marts"),
    ("flows.build", "weekly_muscle_balance", "build: stage: scoring", "build: stage marts"),
    ("flows.build", "write_staging", "build: stage: write staging tables",
     "build: stage marts"),
    ("flows.build", "validate_marts.fn", "build: validate (Great Expectations)", None),
    ("flows.build", "read_staging", "build: validate: read staged marts",
     "build: validate (Great Expectations)"),
    ("schemas.expectations", "suite", "build: validate: build suites",
     "build: validate (Great Expectations)"),
    ("warehouse.gx_runner", "validate", "build: validate: run suites",
     "build: validate (Great Expectations)"),
    # nested in the suites' build or run (not added up): a process's first call only
    ("schemas.expectations", "import_gx", "build: validate: (nested) import GX",
     "build: validate (Great Expectations)"),
    ("warehouse.gx_runner", "_batch_definition", "build: validate: (nested) GX context",
     "build: validate (Great Expectations)"),
    ("flows.build", "record_validation", "build: validate: record results",
     "build: validate (Great Expectations)"),
    ("flows.build", "publish_marts.fn", "build: publish marts (transaction)", None),
    ("flows.build", "write_published_files.fn", "build: write published files", None),
    ("warehouse.publish", "_write_duckdb", "build: published DuckDB file",
     "build: write published files"),
    ("warehouse.publish", "_write_exports", "build: Parquet + CSV exports",
     "build: write published files"),
]


# ------------------------------------------------------------------------------ helpers


def median_min_max(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": [round(v, 3) for v in values]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def monday_on_or_before(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_day(moment: datetime) -> date:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Berlin")).date()


def sync_disks() -> None:
    """Flush what a restore wrote, so write-back does not land inside the next timed run."""
    os.sync()


# ------------------------------------------------------------------------------ setup


def generate(workdir: Path, files: int) -> dict:
    """Write the FIT history, the new file and the nutrition export; returns their shape."""
    sys.path.insert(0, str(REPO))
    from synthetic import SyntheticAthlete, generate_athlete_files, generate_nutrition_exports

    athlete = SyntheticAthlete(athlete_id=ATHLETE_ID)
    weeks = math.ceil(files / FILES_PER_WEEK * 1.1) + 4
    yesterday = date.today() - timedelta(days=1)
    start = monday_on_or_before(yesterday) - timedelta(weeks=weeks - 4)
    for attempt in range(3):
        t0 = time.perf_counter()
        generated = generate_athlete_files(athlete, start, weeks, seed=SEED)
        print(f"generated {len(generated)} files from {start} in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
        if len(generated) <= files:
            raise RuntimeError(f"{weeks} weeks gave only {len(generated)} files")
        history = generated[:files]
        last_day = local_day(history[-1].start_utc)
        new = next(f for f in generated[files:]
                   if f.kind in RUN_KINDS and local_day(f.start_utc) > last_day)
        # whole weeks keep every weekday's plan (and the file count): put the new file in
        # the week that ends yesterday
        shift = (yesterday - local_day(new.start_utc)).days // 7
        if shift == 0 or attempt == 2:
            break
        start += timedelta(weeks=shift)
    fit = workdir / "fit"
    extra = workdir / "extra"
    for folder in (fit, extra):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    for f in history:
        (fit / f.name).write_bytes(f.data)
    (extra / new.name).write_bytes(new.data)

    # nutrition: the history's weeks, half a year per call (the generator looks at every
    # file for every day), concatenated under one header
    history_weeks = (last_day - start).days // 7 + 1
    servings: list[bytes] = []
    summary: list[bytes] = []
    t0 = time.perf_counter()
    for index, first_week in enumerate(range(0, history_weeks, NUTRITION_CHUNK_WEEKS)):
        n = min(NUTRITION_CHUNK_WEEKS, history_weeks - first_week)
        chunk_start = start + timedelta(weeks=first_week)
        chunk_end = chunk_start + timedelta(weeks=n)
        chunk_files = [f for f in history
                       if chunk_start - timedelta(days=1) <= local_day(f.start_utc)
                       <= chunk_end]
        exports = generate_nutrition_exports(athlete, chunk_files, chunk_start, n,
                                             seed=SEED + index)
        for target, data in ((servings, exports.cronometer_servings_csv),
                             (summary, exports.cronometer_dailysummary_csv)):
            header, _, body = data.partition(b"\n")
            if not target:
                target.append(header + b"\n")
            target.append(body)
    food = workdir / "cronometer"
    shutil.rmtree(food, ignore_errors=True)
    food.mkdir()
    (food / "servings.csv").write_bytes(b"".join(servings))
    (food / "dailysummary.csv").write_bytes(b"".join(summary))
    print(f"generated the nutrition export in {time.perf_counter() - t0:.0f} s", flush=True)

    kinds: dict[str, int] = defaultdict(int)
    for f in history:
        kinds[f.kind] += 1
    return {
        "files": len(history),
        "kinds": dict(sorted(kinds.items())),
        "fit_mb": round(sum(len(f.data) for f in history) / 1e6, 1),
        "fit_records": sum(f.record_count for f in history),
        "first_day": local_day(history[0].start_utc).isoformat(),
        "last_day": last_day.isoformat(),
        "days": (last_day - local_day(history[0].start_utc)).days + 1,
        "new_file": {"name": new.name, "kind": new.kind, "records": new.record_count,
                     "kb": round(len(new.data) / 1e3, 1),
                     "day": local_day(new.start_utc).isoformat()},
        "nutrition": {"first_day": start.isoformat(),
                      "last_day": (start + timedelta(weeks=history_weeks, days=-1)).isoformat(),
                      "servings_mb": round(sum(map(len, servings)) / 1e6, 1),
                      "servings_rows": sum(b.count(b"\n") for b in servings) - 1,
                      "summary_rows": sum(b.count(b"\n") for b in summary) - 1},
    }


def warehouse_counts(warehouse: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        def one(sql: str) -> int:
            return con.execute(sql).fetchone()[0]

        return {
            "source_files_fit": one("SELECT count(*) FROM raw.source_files "
                                    "WHERE kind IN ('fit', 'fit.gz')"),
            "source_files_loaded": one("SELECT count(*) FROM raw.source_files "
                                       "WHERE status = 'loaded'"),
            "fit_records": one("SELECT count(*) FROM raw.fit_records"),
            "fit_sessions": one("SELECT count(*) FROM raw.fit_sessions"),
            "fit_sets": one("SELECT count(*) FROM raw.fit_sets"),
            "nutrition_entries": one("SELECT count(*) FROM raw.nutrition_entries"),
            "body_measurements": one("SELECT count(*) FROM raw.body_measurements"),
            "daily_training_rows": one("SELECT count(*) FROM marts.daily_training"),
            "weekly_rows": one("SELECT count(*) FROM marts.weekly_muscle_balance"),
        }
    finally:
        con.close()


def config_text(workers: int) -> str:
    """The benchmark's ``musclebalance.toml``: paths relative to the work folder."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from synthetic import SyntheticAthlete, config_toml

    document = SyntheticAthlete(athlete_id=ATHLETE_ID).config(
        "data/musclebalance.duckdb", ["fit"], [{"path": "cronometer"}], ingest={"workers": workers})
    return config_toml(document, comment=["written by bench/nightly_bench.py"])


def prepare(workdir: Path, files: int, workers: int, env: dict) -> dict:
    """The cached data set and its steady-state snapshot (made once per --workdir)."""
    meta_path = workdir / "setup.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("files") == files and (workdir / "snapshot").is_dir():
            print(f"reusing the data set in {workdir}", flush=True)
            return meta
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in ("data", "snapshot"):
        shutil.rmtree(workdir / stale, ignore_errors=True)
    meta = generate(workdir, files)
    (workdir / "musclebalance.toml").write_text(
        config_text(workers))
    print("first ingest and build (the steady state) ...", flush=True)
    t0 = time.perf_counter()
    done = subprocess.run(cli_command(workdir), cwd=REPO, env=env, capture_output=True,
                          text=True)
    if done.returncode:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise RuntimeError(f"the first run failed with exit code {done.returncode}")
    meta["first_run_s"] = round(time.perf_counter() - t0, 1)
    print(f"first run took {meta['first_run_s']} s", flush=True)
    meta["warehouse"] = warehouse_counts(workdir / "data" / "musclebalance.duckdb")
    meta["warehouse_mb"] = round(
        (workdir / "data" / "musclebalance.duckdb").stat().st_size / 1e6, 1)
    shutil.copytree(workdir / "data", workdir / "snapshot", symlinks=True)
    meta_path.write_text(json.dumps(meta, indent=2))
    return meta


def restore(workdir: Path, new_file: str, with_new: bool) -> None:
    """The steady state: the snapshot's warehouse folder, and the new file in or out."""
    data = workdir / "data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(workdir / "snapshot", data, symlinks=True)
    target = workdir / "fit" / new_file
    target.unlink(missing_ok=True)
    if with_new:
        shutil.copy2(workdir / "extra" / new_file, target)
    sync_disks()


def check_loaded(workdir: Path, expected: int) -> None:
    got = warehouse_counts(workdir / "data" / "musclebalance.duckdb")["source_files_fit"]
    if got != expected:
        raise RuntimeError(f"the warehouse holds {got} FIT files after the run, not {expected}")


# ------------------------------------------------------------------------------ server


class PrefectServer:
    """`prefect server start` in its own process group, on a free port."""

    def __init__(self, home: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.env = {**os.environ, "PREFECT_HOME": str(home),
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                    "PREFECT_UI_ENABLED": "false"}
        self.env.pop("PREFECT_API_URL", None)
        self.log = open(home / "server.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(self.port)],
            cwd=home, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait(self, timeout: float = 180.0) -> float:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Prefect server exited ({self.proc.returncode})")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("the Prefect server did not answer /api/health")

    def client_env(self) -> dict:
        return {**self.env, "PREFECT_API_URL": self.url,
                "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING"}

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


# ------------------------------------------------------------------------------ runs


def cli_command(workdir: Path) -> list[str]:
    return [sys.executable, "-m", "flows", "run", "--config",
            str(workdir / "musclebalance.toml")]


def cli_run(workdir: Path, env: dict) -> dict:
    """Wall time of one fresh `python -m flows run` process, and its time window."""
    started = time.time()
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    done = subprocess.run(cli_command(workdir), cwd=REPO, env=env, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - t0
    if done.returncode:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise RuntimeError(f"the nightly run failed with exit code {done.returncode}")
    return {"seconds": seconds, "started": started, "ended": time.time(),
            "load_before": load, "load_after": os.getloadavg()[0]}


class WarmRunner:
    """A process that has imported the nightly flow and runs it on request."""

    def __init__(self, workdir: Path, env: dict) -> None:
        code = (f"import sys; sys.path.insert(0, {str(REPO / 'bench')!r}); "
                "import nightly_bench; nightly_bench.warm_main()")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.config = str(workdir / "musclebalance.toml")
        self.ready = self._answer()
        self.ready["process_start_s"] = time.perf_counter() - t0

    def _answer(self) -> dict:
        for line in self.proc.stdout:
            if line.startswith(MARKER):
                return json.loads(line[len(MARKER):])
        raise RuntimeError(f"the warm runner exited ({self.proc.wait()})")

    def run(self) -> dict:
        started = time.time()
        load = os.getloadavg()[0]
        self.proc.stdin.write(json.dumps({"config": self.config}) + "\n")
        self.proc.stdin.flush()
        answer = self._answer()
        if "error" in answer:
            raise RuntimeError(f"the warm nightly run failed: {answer['error']}")
        answer.update(started=started, ended=time.time(), load_before=load,
                      load_after=os.getloadavg()[0])
        return answer

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def install_probes(totals: dict, counts: dict) -> list[str]:
    """Wrap each probe's function with a timer; returns the probes that were not found."""
    import importlib

    missing = []
    for module_name, path, label, _parent in PROBES:
        try:
            owner = importlib.import_module(module_name)
            *parents, attr = path.split(".")
            for part in parents:
                owner = getattr(owner, part)
            original = getattr(owner, attr)
        except (ImportError, AttributeError):
            missing.append(f"{module_name}.{path}")
            continue

        def timed(*args, __original=original, __label=label, **kwargs):
            t0 = time.perf_counter()
            try:
                return __original(*args, **kwargs)
            finally:
                totals[__label] += time.perf_counter() - t0
                counts[__label] += 1

        setattr(owner, attr, functools.wraps(original)(timed))
    return missing


HEARTBEAT_LABEL = "Prefect: flow-run exits waiting for the heartbeat thread"


def install_heartbeat_probe(totals: dict, counts: dict) -> list[str]:
    """Time the exit of Prefect's flow-run heartbeat context (it joins a thread that sleeps
    in 1 s steps), one per flow run and subflow run."""
    try:
        import prefect.flow_engine as engine

        original = engine._send_heartbeats
    except (ImportError, AttributeError):
        return ["prefect.flow_engine._send_heartbeats"]

    @contextlib.contextmanager
    def timed(*args, **kwargs):
        context = original(*args, **kwargs)
        context.__enter__()
        exc_info: tuple = (None, None, None)
        try:
            yield
        except BaseException:
            exc_info = sys.exc_info()
            raise
        finally:
            t0 = time.perf_counter()
            context.__exit__(*exc_info)
            totals[HEARTBEAT_LABEL] += time.perf_counter() - t0
            counts[HEARTBEAT_LABEL] += 1

    engine._send_heartbeats = timed
    return []


def warm_main() -> None:
    """The warm runner (started by WarmRunner): import, wrap, then run on each request."""
    t0 = time.perf_counter()
    import flows.nightly  # noqa: F401 - the import is what is timed
    import_s = time.perf_counter() - t0
    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    missing = install_probes(totals, counts) + install_heartbeat_probe(totals, counts)
    out = sys.stdout
    out.write(MARKER + json.dumps({"import_s": import_s, "missing_probes": missing}) + "\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        totals.clear()
        counts.clear()
        t0 = time.perf_counter()
        try:
            flows.nightly.nightly_flow(config=request["config"])
        except Exception as exc:  # reported to the benchmark, which stops
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        else:
            answer = {"seconds": time.perf_counter() - t0, "parts": dict(totals),
                      "calls": dict(counts)}
        out.write(MARKER + json.dumps(answer) + "\n")
        out.flush()


def import_times(env: dict, repeats: int) -> dict:
    """Wall time of fresh interpreters importing one thing each (medians)."""
    cases = {
        "python (no imports)": ["-c", "pass"],
        "import flows.nightly": ["-c", "import flows.nightly"],
        "import prefect": ["-c", "import prefect"],
        "import polars": ["-c", "import polars"],
        "import duckdb": ["-c", "import duckdb"],
        "import great_expectations": ["-c", "import great_expectations"],
        "import flows.nightly + great_expectations":
            ["-c", "import flows.nightly, great_expectations"],
        "import flows.decoder_process (the decoding fork server's preload)":
            ["-c", "import flows.decoder_process"],
        "python -m flows --help": ["-m", "flows", "--help"],
    }
    seconds: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeats):
        for name, args in cases.items():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, *args], cwd=REPO, env=env, check=True,
                           capture_output=True)
            seconds[name].append(time.perf_counter() - t0)
    return {name: median_min_max(v) for name, v in seconds.items()}


# ------------------------------------------------------------------------------ Prefect API


def prefect_records(env: dict, since: float) -> list[dict]:
    """Flow runs started after `since` (epoch s) with their task runs, from the server."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("PREFECT_")})
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterStartTime,
    )

    after = datetime.fromtimestamp(since, UTC)
    runs, flows = [], {}
    with get_client(sync_client=True) as client:
        offset = 0
        while True:
            page = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=after)),
                limit=200, offset=offset)
            runs += page
            offset += len(page)
            if len(page) < 200:
                break
        records = []
        for run in runs:
            if run.flow_id not in flows:
                flows[run.flow_id] = client.read_flow(run.flow_id).name
            tasks = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])), limit=200)
            records.append({
                "flow": flows[run.flow_id], "id": str(run.id),
                "parent_task_run_id": str(run.parent_task_run_id or ""),
                "created": run.created.timestamp(),
                "start": run.start_time.timestamp() if run.start_time else None,
                "end": run.end_time.timestamp() if run.end_time else None,
                "state": run.state_type.value if run.state_type else None,
                "tasks": [{"task": t.name.rsplit("-", 1)[0], "id": str(t.id),
                           "start": t.start_time.timestamp() if t.start_time else None,
                           "end": t.end_time.timestamp() if t.end_time else None,
                           "run_s": t.total_run_time.total_seconds()}
                          for t in tasks],
            })
    return records


def cli_timeline(run: dict, records: list[dict]) -> dict:
    """One cli run cut up by what the server recorded: start-up to the first flow run, each
    flow run (top-level and subflows), each task run, what each flow spent outside its task
    and subflow runs, the gaps between top-level flow runs, and the last one to exit."""
    mine = [r for r in records if r["start"] and r["end"] and run["started"] <= r["start"]
            and r["end"] <= run["ended"] + 1]
    if not mine:
        return {}
    wrappers = {r["parent_task_run_id"] for r in mine if r["parent_task_run_id"]}
    top = sorted((r for r in mine if not r["parent_task_run_id"]), key=lambda r: r["start"])
    out = {"start-up to first flow run": top[0]["start"] - run["started"],
           "after last flow run to exit": run["ended"] - top[-1]["end"],
           "between top-level flow runs": sum(
               b["start"] - a["end"] for a, b in zip(top, top[1:], strict=False))}
    children: dict[str, list[dict]] = defaultdict(list)
    by_task = {t["id"]: r for r in mine for t in r["tasks"]}
    for r in mine:
        if r["parent_task_run_id"] in by_task:
            children[by_task[r["parent_task_run_id"]]["id"]].append(r)
    for r in mine:
        span = r["end"] - r["start"]
        key = f"flow {r['flow']}"
        out[key] = out.get(key, 0.0) + span
        inside = sum(c["end"] - c["start"] for c in children[r["id"]])
        for t in r["tasks"]:
            if t["id"] in wrappers or not (t["start"] and t["end"]):
                continue
            task_key = f"task {t['task']}"
            out[task_key] = out.get(task_key, 0.0) + t["end"] - t["start"]
            inside += t["end"] - t["start"]
        outside = f"flow {r['flow']}: outside its task and subflow runs"
        out[outside] = out.get(outside, 0.0) + span - inside
    return out


# ------------------------------------------------------------------------------ summary


def summarise_parts(runs: list[dict]) -> dict:
    """Median seconds of every probe over the warm runs, with its parent, and the rest."""
    labels = []
    for _, _, label, parent in [*PROBES, ("", "", HEARTBEAT_LABEL, None)]:
        if (label, parent) not in labels:
            labels.append((label, parent))
    out = {}
    for label, parent in labels:
        values = [r["parts"].get(label, 0.0) for r in runs]
        out[label] = {"median_s": statistics.median(values), "parent": parent,
                      "calls": runs[-1]["calls"].get(label, 0)}
    # what the probes do not cover: Prefect's flow and task runs (API calls, state
    # changes, logs) and the flows' glue (locks, connections, DDL checks)
    walls = [r["seconds"] for r in runs]
    out["whole call (wall)"] = {"median_s": statistics.median(walls), "parent": None,
                                "calls": 1}
    top = {label for label, parent in labels if parent is None}
    unexplained = []
    for r in runs:
        unexplained.append(r["seconds"] - sum(r["parts"].get(k, 0.0) for k in top))
    out["other Prefect flow/task run work + glue (wall minus the probes)"] = {
        "median_s": statistics.median(unexplained), "parent": None, "calls": 1}
    return out


def markdown(results: dict) -> str:
    """The tables of docs/benchmarks.md's section, from the results."""
    a, b = results["runs"]["no new file"], results["runs"]["one new file"]

    def spread(x: dict) -> str:
        return f"**{x['median']:.2f} s** ({x['min']:.2f}–{x['max']:.2f})"

    lines = ["| measure | no new file | one new file | ratio (one new / none) |",
             "| --- | --- | --- | --- |"]
    for key, name in (("cli_s", "fresh process `python -m flows run`, wall"),
                      ("warm_s", "`nightly_flow(config=...)` in a warm process")):
        lines.append(f"| {name} | {spread(a[key])} | {spread(b[key])} | "
                     f"{b[key]['median'] / a[key]['median']:.2f} |")
    lines += ["", "| where the time goes (medians, s) | no new file | one new file |",
              "| --- | --- | --- |"]
    timeline_keys = [k for k in b["cli_prefect_timeline_s"] if not k.startswith("task ")]
    timeline_keys += [k for k in b["cli_prefect_timeline_s"] if k.startswith("task ")]
    for key in timeline_keys:
        lines.append(f"| cli, from the server: {key} | "
                     f"{a['cli_prefect_timeline_s'].get(key, 0.0):.2f} | "
                     f"{b['cli_prefect_timeline_s'][key]:.2f} |")
    depth = {}
    for label, part in b["warm_parts"].items():
        depth[label] = 0 if part["parent"] is None else depth.get(part["parent"], 0) + 1
        indent = "&nbsp;&nbsp;" * 2 * depth[label]
        lines.append(f"| warm: {indent}{label} | {a['warm_parts'][label]['median_s']:.3f} | "
                     f"{part['median_s']:.3f} |")
    lines += ["", "| fresh interpreter (median, s) | seconds |", "| --- | --- |"]
    for name, x in results["imports"].items():
        lines.append(f"| `{name}` | {x['median']:.2f} ({x['min']:.2f}–{x['max']:.2f}) |")
    return "\n".join(lines) + "\n"


def machine() -> dict:
    info = {"node": platform.node(), "machine": platform.machine(), "cores": os.cpu_count(),
            "python": platform.python_version(), "system": platform.platform()}
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        info["lscpu"] = subprocess.run(["lscpu"], capture_output=True, text=True,
                                       check=True).stdout.splitlines()[:12]
    try:
        with open("/proc/meminfo") as fh:
            info["mem_gib"] = round(int(fh.readline().split()[1]) / 2**20)
    except OSError:
        pass
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="[ingest] workers written into the config (default: cores)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument("--setup-only", action="store_true",
                        help="make (or check) the cached data set and stop")
    args = parser.parse_args()
    workdir = (args.workdir or REPO / "bench" / "out" / f"nightly-{args.files}").resolve()
    args.out.mkdir(parents=True, exist_ok=True)

    home = Path(tempfile.mkdtemp(prefix="mb-nightly-prefect-"))
    server = PrefectServer(home)
    warm = None
    try:
        server_start_s = server.wait()
        print(f"Prefect server at {server.url} after {server_start_s:.1f} s", flush=True)
        env = server.client_env()
        meta = prepare(workdir, args.files, args.workers, env)
        new_file = meta["new_file"]["name"]
        files = meta["files"]
        if args.setup_only:
            print(json.dumps(meta, indent=2))
            return

        results: dict = {
            "machine": machine(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            "command": " ".join(["uv run python bench/nightly_bench.py", *sys.argv[1:]]),
            "data": meta,
            "prefect_server_start_s": server_start_s,
        }
        print("imports ...", flush=True)
        results["imports"] = import_times(env, args.repeats)

        restore(workdir, new_file, with_new=False)
        warm = WarmRunner(workdir, env)
        warmup = warm.run()  # the process's first flow run pays Prefect's client start-up
        results["warm_process"] = {**warm.ready, "first_call_s": warmup["seconds"],
                                   "first_call_parts": warmup["parts"]}
        measured_since = time.time()
        cli = {"a": [], "b": []}
        hot = {"a": [], "b": []}
        for i in range(args.repeats):
            order = ("a", "b") if i % 2 == 0 else ("b", "a")
            for runner in ("cli", "warm"):
                for case in order:
                    restore(workdir, new_file, with_new=case == "b")
                    if runner == "cli":
                        cli[case].append(cli_run(workdir, env))
                    else:
                        hot[case].append(warm.run())
                    check_loaded(workdir, files + (case == "b"))
                    took = (cli if runner == "cli" else hot)[case][-1]["seconds"]
                    print(f"repeat {i + 1}: {runner} ({case}) {took:.2f} s", flush=True)
        warm.stop()
        warm = None
        restore(workdir, new_file, with_new=False)

        records = prefect_records(env, measured_since - 1)
        results["runs"] = {}
        for case, name in (("a", "no new file"), ("b", "one new file")):
            timelines = [cli_timeline(r, records) for r in cli[case]]
            keys = sorted({k for t in timelines for k in t})
            results["runs"][name] = {
                "cli_s": median_min_max([r["seconds"] for r in cli[case]]),
                "warm_s": median_min_max([r["seconds"] for r in hot[case]]),
                "warm_parts": summarise_parts(hot[case]),
                "load_average_1min": median_min_max(
                    [r[k] for r in cli[case] + hot[case] for k in ("load_before", "load_after")]),
                "cli_prefect_timeline_s": {
                    k: statistics.median(t.get(k, 0.0) for t in timelines) for k in keys},
            }
        a, b = results["runs"]["no new file"], results["runs"]["one new file"]
        results["ratio_one_new_over_none"] = {
            "cli": b["cli_s"]["median"] / a["cli_s"]["median"],
            "warm": b["warm_s"]["median"] / a["warm_s"]["median"],
        }
        results["target_s"] = TARGET_S
        results["target_met"] = {"cli": b["cli_s"]["median"] < TARGET_S,
                                 "warm": b["warm_s"]["median"] < TARGET_S}
        (args.out / "nightly_results.json").write_text(json.dumps(results, indent=2))
        (args.out / "nightly_results.md").write_text(markdown(results))
        print(json.dumps(results, indent=2))
        print(markdown(results))
    finally:
        if warm is not None:
            warm.proc.kill()
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
