"""FIT decoder benchmark: the fast decoder against a plain fitparse loop, and the whole
ingest + build with it.

Run: uv run python bench/decoder_bench.py [--files 200] [--repeats 5] [--files-big 3000]
     [--workers-list 1,2] [--with-fitparse-pipeline] [--out bench/out/decoder_results.json]

Measured in one run:
1. decoder throughput, records/s per core: one process, one core (polars with one thread,
   POLARS_MAX_THREADS=1 set before anything imports polars, as in the product's decoding
   workers), files read into memory before timing (no file I/O timed), on (a) N generated
   one-hour runs (`ingest_bench.write_corpus`, 3,600 records each) and (b) every real FIT
   file under ../shared/fixtures (recursive; files neither decoder reads are skipped, files
   only one reads are listed apart and not timed). Side by side, interleaved per repeat,
   medians: the plain fitparse loop of ingest_bench's baseline (`for m in
   fitparse.FitFile(...).get_messages(): m.get_values()`, here in-process on the bytes),
   `transforms.fit_fast.decode_fit_fast` (the frames the product stores), its header scan
   alone (`_Scanner(data).run()`), and one instrumented pass of decode_fit_fast with its
   steps timed by probes (scan; numpy decode, the rest; its own frame assembly
   `_message_frame`; the framing shared with the fitparse path: `table_frame`,
   `fields_frame`, `finish_decoding`). Records are `record` messages
   (`DecodedFit.record_count`), asserted equal to the loop's count for every file.
2. the whole `ingest-fit` flow over M generated one-hour runs (ending yesterday), then the
   `build` flow, in a fresh process pointed at an already-running Prefect test server (its
   start-up not counted), each flow call timed inside that process; peak RSS (and PSS) of
   the process tree sampled every 20 ms; for each worker count of --workers-list and the
   fast decoder (and fitparse with --with-fitparse-pipeline). This process runs with the
   machine's polars threads, as the product's main process does.
Results: JSON to --out, and a short table printed.
"""

from __future__ import annotations

import os

# One core for part 1, before polars is imported (the imports below import it). Part 2's
# processes get the environment this script was started with.
_POLARS_THREADS_GIVEN = os.environ.get("POLARS_MAX_THREADS")
os.environ["POLARS_MAX_THREADS"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import psutil  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_bench import REPO, TreeMemory, write_corpus  # noqa: E402

FIXTURES = REPO.parent / "shared" / "fixtures"
TARGET_RECORDS_PER_S = 300_000
TARGET_SPEEDUP = 30.0
TARGET_INGEST_BUILD_S = 60.0
TARGET_PEAK_RSS_MB = 500.0


# ------------------------------------------------------------------------------ part 1


def fitparse_loop(data: bytes) -> int:
    """ingest_bench.BASELINE_SCRIPT's loop over one file's bytes: the records it saw."""
    import fitparse

    records = 0
    for message in fitparse.FitFile(data).get_messages():
        message.get_values()
        if message.name == "record":
            records += 1
    return records


def fast(data: bytes) -> int:
    from transforms.fit_fast import decode_fit_fast

    return decode_fit_fast(data).record_count


def scan_only(data: bytes) -> int:
    from transforms.fit_fast import _Scanner

    _Scanner(data).run()
    return 0


class Probes:
    """Wraps functions of transforms.fit_fast (module attributes, and the scanner's `run`)
    with time.perf_counter accumulators, for one pass; restored on exit."""

    TARGETS = {  # attribute of transforms.fit_fast -> step
        "_Scanner.run": "scan",
        "_message_frame": "frame assembly (fast: _message_frame)",
        "table_frame": "shared framing (table_frame, fields_frame, finish_decoding)",
        "fields_frame": "shared framing (table_frame, fields_frame, finish_decoding)",
        "finish_decoding": "shared framing (table_frame, fields_frame, finish_decoding)",
    }

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._saved: list[tuple[object, str, object]] = []

    def _wrap(self, fn: Callable, step: str) -> Callable:
        def timed(*args: object, **kwargs: object) -> object:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[step] += time.perf_counter() - t0

        return timed

    def __enter__(self) -> Probes:
        import transforms.fit_fast as module

        for target, step in self.TARGETS.items():
            owner: object = module
            *path, name = target.split(".")
            for part in path:
                owner = getattr(owner, part)
            original = getattr(owner, name)
            self._saved.append((owner, name, original))
            setattr(owner, name, self._wrap(original, step))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)


def timed_pass(method: Callable[[bytes], int], files: list[bytes]) -> tuple[float, int]:
    t0 = time.perf_counter()
    records = sum(method(data) for data in files)
    return time.perf_counter() - t0, records


def read_fixtures() -> dict:
    """Every *.fit / *.FIT under ../shared/fixtures, sorted out by who reads it."""
    from transforms.fit_decode import FitDecodeError
    from transforms.fit_fast import FastDecodeUnsupported

    paths = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix.lower() == ".fit")
    timed, skipped, apart = [], [], []
    for path in paths:
        data = path.read_bytes()
        name = str(path.relative_to(FIXTURES))
        try:
            loop: int | str = fitparse_loop(data)
        except Exception as exc:  # a file fault stops the plain loop
            loop = f"fitparse loop: {type(exc).__name__}"
        try:
            decoded: int | str = fast(data)
        except (FitDecodeError, FastDecodeUnsupported) as exc:
            decoded = f"decode_fit_fast: {type(exc).__name__}"
        if isinstance(loop, str) and isinstance(decoded, str):
            skipped.append({"file": name, "why": f"{loop}; {decoded}"})
        elif isinstance(loop, str) or isinstance(decoded, str):
            apart.append({"file": name, "fitparse_loop": loop, "decode_fit_fast": decoded})
        else:
            assert loop == decoded, f"{name}: {loop} records in the loop, {decoded} fast"
            timed.append((name, data))
    return {"timed": timed, "skipped": skipped, "apart": apart}


def throughput(files: list[bytes], repeats: int) -> dict:
    """Medians of the loop, the fast decoder, the scan alone, and one probed pass."""
    methods = {"fitparse_loop": fitparse_loop, "decode_fit_fast": fast, "scan_only": scan_only}
    runs: dict[str, list[float]] = defaultdict(list)
    records: dict[str, int] = {}
    parts: list[dict[str, float]] = []
    timed_pass(fast, files[:1])  # imports and profile tables loaded before any timing
    for _ in range(repeats):  # interleaved, so machine noise hits every method alike
        for name, method in methods.items():
            seconds, count = timed_pass(method, files)
            runs[name].append(seconds)
            records.setdefault(name, count)
        with Probes() as probes:
            seconds, _ = timed_pass(fast, files)
        parts.append({"decode_fit_fast (probed)": seconds, **probes.seconds})
    assert records["decode_fit_fast"] == records["fitparse_loop"], records
    n = records["fitparse_loop"]
    med = {name: statistics.median(v) for name, v in runs.items()}
    where = {step: statistics.median(p.get(step, 0.0) for p in parts) for step in parts[0]}
    probed = where["decode_fit_fast (probed)"]
    named = sum(v for k, v in where.items() if k != "decode_fit_fast (probed)")
    where["numpy decode and the rest (probed total minus the steps above)"] = probed - named
    return {
        "files": len(files),
        "mb": round(sum(map(len, files)) / 1e6, 2),
        "records": n,
        "seconds_median": med,
        "seconds_runs": {name: [round(s, 4) for s in v] for name, v in runs.items()},
        "records_per_s_per_core": {name: n / s for name, s in med.items() if name != "scan_only"},
        "speedup_fast_over_loop": med["fitparse_loop"] / med["decode_fit_fast"],
        "scan_share_of_fast": med["scan_only"] / med["decode_fit_fast"],
        "where_the_time_goes_s": where,
        "target_met": {
            f"records/s per core >= {TARGET_RECORDS_PER_S:,}":
                n / med["decode_fit_fast"] >= TARGET_RECORDS_PER_S,
            f"speedup >= {TARGET_SPEEDUP:g}x":
                med["fitparse_loop"] / med["decode_fit_fast"] >= TARGET_SPEEDUP,
        },
    }


# ------------------------------------------------------------------------------ part 2


PIPELINE_SCRIPT = """
import json, sys, time
from pathlib import Path
from flows.build import build_flow
from flows.ingest import ingest_fit_flow
from flows.settings import AthleteInputs
from schemas.config import config_from_dict
from synthetic import SyntheticAthlete
warehouse, folder, workers, decoder = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
config = config_from_dict(SyntheticAthlete(athlete_id="bench").config(warehouse, [folder]),
                          base_dir=Path(folder))
(athlete,) = config.athletes
t0 = time.perf_counter()
(summary,) = ingest_fit_flow(warehouse=warehouse, workers=workers, decoder=decoder,
                             athletes=[AthleteInputs(athlete.id, (folder,), athlete.timezone)])
t1 = time.perf_counter()
print("@@ingest-done", flush=True)
build = build_flow(warehouse=warehouse, athletes=list(config.athletes), scoring=config.scoring,
                   units=config.display.units)
t2 = time.perf_counter()
print(json.dumps({"ingest_s": t1 - t0, "build_s": t2 - t1, "records": summary.records,
                  "loaded": summary.loaded, "fallbacks": len(summary.fallbacks),
                  "problems": len(summary.problems) + len(summary.quarantined),
                  "build_rows": build.rows}))
"""


def write_history(folder: Path, count: int) -> list[Path]:
    """`count` generated one-hour runs, one a day, the last yesterday (a history, not days
    to come); reused when the folder already holds them."""
    from synthetic import one_hour_run

    marker = folder / "corpus.json"
    if marker.exists() and json.loads(marker.read_text()).get("files") == count:
        return sorted(folder.glob("*.fit"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.fit"):
        stale.unlink()
    yesterday = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    first = yesterday - timedelta(days=count)
    paths = []
    for i in range(count):
        generated = one_hour_run(first + timedelta(days=i), seed=i)
        path = folder / generated.name
        path.write_bytes(generated.data)
        paths.append(path)
    marker.write_text(json.dumps({"files": count, "first": first.date().isoformat()}))
    return paths


def pipeline(folder: Path, workers: int, decoder: str, env: dict) -> dict:
    """One ingest + build into a new warehouse, in its own process; seconds timed inside it,
    peak memory of its process tree (the decoding fork server and workers included), over
    the whole process and up to the end of the ingest."""
    with tempfile.TemporaryDirectory(prefix="mb-decoder-bench-") as tmp:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", PIPELINE_SCRIPT, str(Path(tmp) / "w.duckdb"),
             str(folder), str(workers), decoder],
            stdout=subprocess.PIPE, text=True, cwd=REPO, env=env)
        lines, ingest_peak = [], None
        with TreeMemory(proc.pid) as mem:
            for line in proc.stdout:
                if line.startswith("@@ingest-done"):
                    ingest_peak = mem.peak
                lines.append(line)
            proc.wait()
        process_s = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"ingest + build failed with exit code {proc.returncode}")
    result = json.loads(lines[-1])
    result["ingest_plus_build_s"] = result["ingest_s"] + result["build_s"]
    result["process_wall_s"] = process_s
    result["peak_rss_mb"] = mem.peak / 1e6
    result["peak_pss_mb"] = mem.peak_pss / 1e6
    result["peak_rss_mb_during_ingest"] = (ingest_peak or 0) / 1e6
    return result


def pipelines(args: argparse.Namespace, folder: Path) -> dict:
    from prefect.settings import get_current_settings
    from prefect.testing.utilities import prefect_test_harness

    decoders = ["fast", "fitparse"] if args.with_fitparse_pipeline else ["fast"]
    env = {k: v for k, v in os.environ.items() if k != "POLARS_MAX_THREADS"}
    if _POLARS_THREADS_GIVEN is not None:
        env["POLARS_MAX_THREADS"] = _POLARS_THREADS_GIVEN
    out = {}
    t0 = time.perf_counter()
    with prefect_test_harness(server_startup_timeout=120):
        server_s = time.perf_counter() - t0
        env["PREFECT_API_URL"] = str(get_current_settings().api.url)
        for decoder in decoders:
            for workers in args.workers_list:
                key = f"{decoder}, workers={workers}"
                runs = []
                for _ in range(args.repeats_big):
                    runs.append(pipeline(folder, workers, decoder, env))
                    print(f"{key}: ingest {runs[-1]['ingest_s']:.1f} s, build "
                          f"{runs[-1]['build_s']:.1f} s, peak RSS "
                          f"{runs[-1]['peak_rss_mb']:.0f} MB", flush=True)
                med = {k: statistics.median(r[k] for r in runs)
                       for k in ("ingest_s", "build_s", "ingest_plus_build_s", "process_wall_s",
                                 "peak_rss_mb", "peak_pss_mb", "peak_rss_mb_during_ingest")}
                out[key] = {
                    **med,
                    "records": runs[0]["records"], "loaded": runs[0]["loaded"],
                    "fallbacks": runs[0]["fallbacks"], "problems": runs[0]["problems"],
                    "build_rows": runs[0]["build_rows"],
                    "runs": runs,
                    "target_met": {
                        f"ingest + build < {TARGET_INGEST_BUILD_S:g} s":
                            med["ingest_plus_build_s"] < TARGET_INGEST_BUILD_S,
                        f"peak RSS < {TARGET_PEAK_RSS_MB:g} MB":
                            med["peak_rss_mb"] < TARGET_PEAK_RSS_MB,
                    },
                }
    return {"prefect_server_start_s": server_s, "runs": out}


# ------------------------------------------------------------------------------ summary


def machine() -> str:
    return (f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python "
            f"{platform.python_version()}, {platform.platform()}")


def table(results: dict) -> str:
    lines = [f"{'corpus':<34} {'method':<16} {'median s':>9} {'records/s/core':>15}"]
    for label, part in results["throughput"].items():
        if "seconds_median" not in part:
            lines.append(f"{label:<34} {part.get('note', '')}")
            continue
        for method, seconds in part["seconds_median"].items():
            rate = part["records_per_s_per_core"].get(method)
            lines.append(f"{label:<34} {method:<16} {seconds:>9.3f} "
                         f"{'' if rate is None else f'{rate:,.0f}':>15}")
        lines.append(f"{label:<34} {'fast / loop':<16} {part['speedup_fast_over_loop']:>8.1f}x")
    if "pipeline" in results:
        lines += ["", f"{'ingest + build':<24} {'ingest s':>9} {'build s':>8} {'sum s':>7} "
                      f"{'peak RSS MB':>12} {'(ingest only)':>14}"]
        for key, r in results["pipeline"]["runs"].items():
            lines.append(f"{key:<24} {r['ingest_s']:>9.1f} {r['build_s']:>8.1f} "
                         f"{r['ingest_plus_build_s']:>7.1f} {r['peak_rss_mb']:>12.0f} "
                         f"{r['peak_rss_mb_during_ingest']:>14.0f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200,
                        help="generated one-hour runs for the decoder throughput")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--files-big", type=int, default=3000,
                        help="generated one-hour runs for the whole ingest + build (0: skip)")
    parser.add_argument("--repeats-big", type=int, default=1)
    parser.add_argument("--workers-list", type=lambda s: [int(w) for w in s.split(",")],
                        default=[1, 2])
    parser.add_argument("--with-fitparse-pipeline", action="store_true",
                        help="also ingest + build with --decoder fitparse (slow)")
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / "out" / "decoder-work",
                        help="generated files (the big corpus is reused when present)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "decoder_results.json")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)

    results: dict = {
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": " ".join(["uv run python bench/decoder_bench.py", *sys.argv[1:]]),
        "decoder_process": "one process, POLARS_MAX_THREADS=1 (as the decoding workers); "
                           "files read into memory before timing (no file I/O timed)",
        "targets": {"records_per_s_per_core": TARGET_RECORDS_PER_S, "speedup": TARGET_SPEEDUP,
                    "ingest_plus_build_s": TARGET_INGEST_BUILD_S,
                    "peak_rss_mb": TARGET_PEAK_RSS_MB},
        "throughput": {},
    }
    with tempfile.TemporaryDirectory(prefix="mb-decoder-corpus-") as tmp:
        generated = [p.read_bytes() for p in write_corpus(Path(tmp), args.files)]
    print(f"decoder throughput: {args.files} generated files ...", flush=True)
    results["throughput"][f"generated ({args.files} one-hour runs)"] = throughput(
        generated, args.repeats)
    del generated
    if FIXTURES.is_dir():
        found = read_fixtures()
        print(f"decoder throughput: {len(found['timed'])} real fixtures ...", flush=True)
        real = throughput([data for _, data in found["timed"]], args.repeats)
        real["timed_files"] = [name for name, _ in found["timed"]]
        real["skipped_neither_reads"] = found["skipped"]
        real["not_timed_one_decoder_only"] = found["apart"]
        results["throughput"]["real fixtures"] = real
    else:
        results["throughput"]["real fixtures"] = {
            "note": f"{FIXTURES} is absent: real files not measured"}

    if args.files_big:
        folder = args.workdir / f"history-{args.files_big}"
        t0 = time.perf_counter()
        paths = write_history(folder, args.files_big)
        print(f"ingest + build: {len(paths)} files ready in {time.perf_counter() - t0:.0f} s",
              flush=True)
        results["pipeline"] = {
            "files": len(paths),
            "mb": round(sum(p.stat().st_size for p in paths) / 1e6, 1),
            "how": "ingest_fit_flow then build_flow in a fresh process against a running "
                   "Prefect test server (not counted), each call timed inside the process; "
                   "peak RSS/PSS of the process tree sampled every 20 ms",
            **pipelines(args, folder),
        }
    args.out.write_text(json.dumps(results, indent=2))
    print(table(results))
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
