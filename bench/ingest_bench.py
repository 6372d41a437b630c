"""Ingest benchmark: the musclebalance FIT ingest flow against a plain fitparse loop.

Run: uv run python bench/ingest_bench.py [--files 200] [--repeats 3] [--rerun-files 3000]

Measured, side by side in one run, on generated files (synthetic):
1. throughput over N one-hour runs: records/s and MB/s of the ingest flow (decode in worker
   processes + load into DuckDB) against a single-process `fitparse` loop that decodes the
   same files and reads every message's values (the baseline); medians of the repeats;
2. peak resident memory (whole process tree, sampled) while ingesting one ~10 MB file,
   with the baseline loop's peak on the same file beside it;
3. a no-change re-run over M files: the manifest work (walk, stat, compare with the
   warehouse) of the planning task, against hashing every file (what content-only
   deduplication costs), and the whole flow's wall time.
Prefect runs against one temporary test server started before any timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

from flows.ingest import ingest_fit_flow, plan_fit_inputs  # noqa: E402
from flows.settings import AthleteInputs  # noqa: E402
from flows.sources import ArchiveLimits, content_sha256, find_files  # noqa: E402
from synthetic import one_hour_run  # noqa: E402

BASELINE_SCRIPT = """
import sys, fitparse
records = 0
for path in sys.argv[1:]:
    for message in fitparse.FitFile(path).get_messages():
        message.get_values()
        if message.name == "record":
            records += 1
print(records)
"""


class TreeMemory:
    """Samples the summed RSS (and PSS, which counts pages shared between a fork server and
    its workers once) of a process and its children every 20 ms."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                full = [p.memory_full_info() for p in procs]
                self.peak = max(self.peak, sum(m.rss for m in full))
                self.peak_pss = max(self.peak_pss, sum(m.pss for m in full))
            except psutil.Error:
                pass
            time.sleep(0.02)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def write_corpus(folder: Path, count: int, duration_s: int = 3600) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    paths = []
    for i in range(count):
        path = folder / f"run-{i:05d}.fit"
        path.write_bytes(one_hour_run(start + timedelta(days=i), seed=i,
                                      duration_s=duration_s).data)
        paths.append(path)
    return paths


def baseline(paths: list[Path]) -> tuple[float, int, TreeMemory]:
    """Seconds, records, peak RSS of the plain fitparse loop in its own process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", BASELINE_SCRIPT, *map(str, paths)],
                            stdout=subprocess.PIPE, text=True)
    with TreeMemory(proc.pid) as mem:
        out, _ = proc.communicate()
    return time.perf_counter() - t0, int(out), mem


PIPELINE_SCRIPT = """
import json, sys, time
from flows.ingest import ingest_fit_flow
from flows.settings import AthleteInputs
t0 = time.perf_counter()
inputs = [AthleteInputs("bench", (sys.argv[2],))]
(summary,) = ingest_fit_flow(warehouse=sys.argv[1], athletes=inputs, workers=int(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - t0, "records": summary.records}))
"""


def pipeline(paths_root: Path, workers: int, api_url: str) -> tuple[float, int, TreeMemory]:
    """Seconds (flow call, timed inside), records, peak RSS of the process and its workers.

    The flow runs in its own process (pointed at the already-running Prefect test server)
    so its memory is measured apart from this script's and the server's.
    """
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [sys.executable, "-c", PIPELINE_SCRIPT, str(Path(tmp) / "w.duckdb"),
             str(paths_root), str(workers)],
            stdout=subprocess.PIPE, text=True, cwd=REPO,
            env={**os.environ, "PREFECT_API_URL": api_url},
        )
        with TreeMemory(proc.pid) as mem:
            out, _ = proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"ingest flow failed with exit code {proc.returncode}")
        result = json.loads(out.strip().splitlines()[-1])
        return result["seconds"], result["records"], mem


def rerun(folder: Path, workers: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = str(Path(tmp) / "w.duckdb")
        inputs = AthleteInputs("bench", (str(folder),))
        ingest_fit_flow(warehouse=warehouse, athletes=[inputs], workers=workers)
        manifest, hashing, flow_wall = [], [], []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as scratch:
                t0 = time.perf_counter()
                plan = plan_fit_inputs.fn(warehouse, inputs, scratch, ArchiveLimits())
                manifest.append(time.perf_counter() - t0)
            assert not plan.work, "nothing changed, nothing to decode"
            t0 = time.perf_counter()
            found, _ = find_files([folder])
            for f in found:
                content_sha256(f.path, f.kind)
            hashing.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ingest_fit_flow(warehouse=warehouse, athletes=[inputs], workers=workers)
            flow_wall.append(time.perf_counter() - t0)
        return {
            "files": len(found),
            "manifest_s": statistics.median(manifest),
            "hash_all_s": statistics.median(hashing),
            "flow_s": statistics.median(flow_wall),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rerun-files", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--big-mb", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = parser.parse_args()

    from prefect.settings import get_current_settings
    from prefect.testing.utilities import prefect_test_harness

    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="mb-bench-"))
    corpus = write_corpus(work / "corpus", args.files)
    corpus_mb = sum(p.stat().st_size for p in corpus) / 1e6
    probe = one_hour_run(datetime(2026, 1, 1, tzinfo=UTC), duration_s=3600)
    big_seconds = int(args.big_mb * 1e6 / len(probe.data) * 3600)
    big = work / "big" / "ultra.fit"
    big.parent.mkdir()
    big.write_bytes(one_hour_run(datetime(2026, 1, 1, tzinfo=UTC), duration_s=big_seconds).data)
    rerun_dir = work / "rerun"
    write_corpus(rerun_dir, args.rerun_files, duration_s=60)

    results: dict = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, "
                   f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python "
                   f"{platform.python_version()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": " ".join(["uv run python bench/ingest_bench.py", *sys.argv[1:]]),
        "corpus": {"files": len(corpus), "mb": round(corpus_mb, 1)},
    }
    with prefect_test_harness(server_startup_timeout=120):
        api_url = str(get_current_settings().api.url)
        base_runs, pipe_runs = [], []
        for _ in range(args.repeats):  # interleaved, so machine noise hits both alike
            base_runs.append(baseline(corpus))
            pipe_runs.append(pipeline(corpus[0].parent, args.workers, api_url))
        b_s = statistics.median(r[0] for r in base_runs)
        p_s = statistics.median(r[0] for r in pipe_runs)
        records = base_runs[0][1]
        assert all(r[1] == records for r in pipe_runs), "same records loaded as decoded"
        results["throughput"] = {
            "records": records,
            "baseline_s": b_s, "pipeline_s": p_s,
            "baseline_records_per_s": records / b_s, "pipeline_records_per_s": records / p_s,
            "baseline_mb_per_s": corpus_mb / b_s, "pipeline_mb_per_s": corpus_mb / p_s,
            "ratio": b_s / p_s,
            "baseline_runs_s": [r[0] for r in base_runs],
            "pipeline_runs_s": [r[0] for r in pipe_runs],
        }
        big_base = baseline([big])
        big_pipe = pipeline(big.parent, args.workers, api_url)
        results["big_file"] = {
            "mb": round(big.stat().st_size / 1e6, 1), "records": big_base[1],
            "baseline_peak_rss_mb": big_base[2].peak / 1e6,
            "pipeline_peak_rss_mb": big_pipe[2].peak / 1e6,
            "baseline_peak_pss_mb": big_base[2].peak_pss / 1e6,
            "pipeline_peak_pss_mb": big_pipe[2].peak_pss / 1e6,
            "pipeline_s": big_pipe[0], "baseline_s": big_base[0],
        }
        results["rerun"] = rerun(rerun_dir, args.workers, args.repeats)
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
