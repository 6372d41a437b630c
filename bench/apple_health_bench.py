"""Apple Health reader benchmark: `transforms.wellness.apple_health.read_apple_health` over a
generated 1 GiB export.xml, against a bare streaming pass over the same file.

Run: uv run python bench/apple_health_bench.py [--mib 1024] [--repeats 3]
     [--work /work/benchdata/apple] [--out bench/out]

Input: `synthetic.apple_health.write_apple_health_export` (fixed seed), written once under
--work (never in the repository) and reused while its size and seed match: the iOS 16-like
DTD that standard parsers refuse, millions of Record lines (heart rate, energy, steps and
distance noise; weigh-ins, resting HR, SDNN with beat lists, Watch stages, InBed, AutoSleep,
meals), Food correlations holding copies of the meal records, workouts with statistics.

Measured, each in its own process, alternating in each repeat, medians reported:
- musclebalance: `read_apple_health(open(path, "rb"))`, the whole reader (the DTD and
  control-character filter, iterparse, the records kept, the frames and sleep sessions);
- baseline, the floor of streaming this file with the standard library: the same filter
  (`CleanedExport`, without which the file does not parse) and `ET.iterparse` with start and
  end events, counting top-level Records and clearing the root after each, nothing kept;
- once, the peak RSS of a process that only imports the reader (Python, polars), to tell the
  reader's own memory from the imports'.
Wall time is timed inside each process around the read; peak RSS is the child's own
`ru_maxrss` from `os.wait4`. The reader's row counts are checked against what the generator
wrote (weigh-ins, resting HR and SDNN records, food records, three sleep sources a night).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from synthetic.apple_health import AppleExportTruth, write_apple_health_export  # noqa: E402

SEED = 20_160_104
TARGET_RSS_MB = 300

READER_SCRIPT = """
import json, sys, time
from transforms.wellness import apple_health
from transforms.wellness.apple_health import read_apple_health

def high_water_mb():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024

phases = {}
build = apple_health._frames
def frames(records):  # the peak so far is the streaming phase's
    phases["streaming_peak_rss_mb"] = high_water_mb()
    phases["streamed_s"] = time.perf_counter() - t0
    return build(records)
apple_health._frames = frames
t0 = time.perf_counter()
with open(sys.argv[1], "rb") as fh:
    read = read_apple_health(fh)
seconds = time.perf_counter() - t0
rows = {name: frame.height for name, frame in read.tables.items()}
rows["nutrition"] = read.nutrition.height
print(json.dumps({"seconds": seconds, "rows": rows, "skipped": len(read.skipped),
                  "not_used": sum(read.not_used.values()), **phases}))
"""

BASELINE_SCRIPT = """
import json, sys, time
import xml.etree.ElementTree as ET
from transforms.wellness.apple_health import CleanedExport
t0 = time.perf_counter()
records = depth = 0
root = None
with open(sys.argv[1], "rb") as fh:
    for event, elem in ET.iterparse(CleanedExport(fh), events=("start", "end")):
        if event == "start":
            depth += 1
            if root is None:
                root = elem
            continue
        depth -= 1
        if depth == 1:
            records += elem.tag == "Record"
            root.clear()
print(json.dumps({"seconds": time.perf_counter() - t0, "records": records}))
"""

IMPORT_SCRIPT = """
import json
import polars, transforms.wellness.apple_health
print(json.dumps({"seconds": 0.0}))
"""


def run_measured(script: str, *args: str) -> dict:
    """Run a Python script in a child process: its JSON line and its own peak RSS (MB)."""
    child = subprocess.Popen([sys.executable, "-c", script, *args], cwd=REPO,
                             stdout=subprocess.PIPE, text=True)
    out = child.stdout.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"benchmark child failed with exit code {child.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    return result


def export_file(work: Path, mib: int) -> tuple[Path, dict]:
    """The generated export of `mib` MiB under `work` and what it holds (written once)."""
    path = work / f"export-{mib}MiB-seed{SEED}.xml"
    truth_path = path.with_suffix(".truth.json")
    if path.exists() and truth_path.exists():
        return path, json.loads(truth_path.read_text())
    work.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    t0 = time.perf_counter()
    with partial.open("wb") as fh:
        truth: AppleExportTruth = write_apple_health_export(fh, mib << 20, seed=SEED)
    facts = {"bytes": truth.bytes_written, "days": truth.days,
             "records": dict(truth.records), "elements": dict(truth.elements),
             "weigh_ins": truth.weigh_ins, "nights": truth.nights,
             "generate_s": time.perf_counter() - t0}
    partial.rename(path)
    truth_path.write_text(json.dumps(facts, indent=2))
    return path, facts


def expected_rows(truth: dict) -> dict[str, int]:
    """The rows the reader should give, from what the generator counted."""
    records = truth["records"]
    q = "HKQuantityTypeIdentifier"
    return {
        "body_composition": truth["weigh_ins"],
        "resting_hr": records.get(f"{q}RestingHeartRate", 0),
        "hrv_measurements": records.get(f"{q}HeartRateVariabilitySDNN", 0),
        "sleep_sessions": 3 * truth["nights"],  # Watch stages, AutoSleep, the iPhone's InBed
        "nutrition": sum(records.get(f"{q}{k}", 0) for k in
                         ("DietaryEnergyConsumed", "DietaryProtein", "DietaryCarbohydrates")),
    }


def markdown(results: dict) -> str:
    r = results
    return "\n".join([
        f"- **Machine:** {r['machine']}. **Date:** {r['date']}.",
        f"- **Command:** `{r['command']}`.",
        f"- **File:** {r['file']['mb']:,.0f} MB, {r['file']['records']:,} top-level records, "
        f"{r['file']['days']:,} days.",
        "",
        "| measure | baseline (bare iterparse) | musclebalance reader | ratio |",
        "| --- | --- | --- | --- |",
        f"| wall time (median of {r['repeats']}) | {r['baseline_s']:.1f} s | "
        f"{r['reader_s']:.1f} s | {r['reader_s'] / r['baseline_s']:.2f} |",
        f"| peak RSS (median) | {r['baseline_rss_mb']:.0f} MB | {r['reader_rss_mb']:.0f} MB | "
        f"{r['reader_rss_mb'] / r['baseline_rss_mb']:.2f} (target < {TARGET_RSS_MB} MB) |",
        f"| MB/s | {r['file']['mb'] / r['baseline_s']:.1f} | "
        f"{r['file']['mb'] / r['reader_s']:.1f} | |",
        f"| peak RSS while streaming (median) | | {r['streaming_rss_mb']:.0f} MB | |",
        f"| peak RSS, imports only | | {r['import_rss_mb']:.0f} MB | |",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/work/benchdata/apple"))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = parser.parse_args()

    path, truth = export_file(args.work, args.mib)
    base, reader = [], []
    for _ in range(args.repeats):
        base.append(run_measured(BASELINE_SCRIPT, str(path)))
        reader.append(run_measured(READER_SCRIPT, str(path)))
    imports = run_measured(IMPORT_SCRIPT)
    records = sum(truth["records"].values())
    assert all(b["records"] == records for b in base), "the baseline saw every record"
    want = expected_rows(truth)
    assert all(r["rows"] == want for r in reader), (reader[0]["rows"], want)

    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}, {platform.system()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": " ".join(["uv run python bench/apple_health_bench.py", *sys.argv[1:]]),
        "repeats": args.repeats,
        "file": {"path": str(path), "mb": truth["bytes"] / 1e6, "records": records,
                 "days": truth["days"]},
        "baseline_s": statistics.median(b["seconds"] for b in base),
        "reader_s": statistics.median(r["seconds"] for r in reader),
        "baseline_rss_mb": statistics.median(b["peak_rss_mb"] for b in base),
        "reader_rss_mb": statistics.median(r["peak_rss_mb"] for r in reader),
        "streaming_rss_mb": statistics.median(r["streaming_peak_rss_mb"] for r in reader),
        "import_rss_mb": imports["peak_rss_mb"],
        "baseline_runs": base, "reader_runs": reader,
        "rows": want,
    }
    results["ratio_reader_over_baseline"] = results["reader_s"] / results["baseline_s"]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "apple_health_results.json").write_text(json.dumps(results, indent=2))
    (args.out / "apple_health_results.md").write_text(markdown(results) + "\n")
    print(json.dumps(results, indent=2))
    print(markdown(results))


if __name__ == "__main__":
    main()
