"""Nutrition ingest benchmark: a ten-year Cronometer servings.csv through the ingest flow,
against a plain csv-module loop over the same file.

Run: uv run python bench/nutrition_bench.py [--rows 100000] [--repeats 5]

- musclebalance: the `ingest-nutrition` Prefect flow (read, detect, check every value,
  normalise, replace the covered days in a new DuckDB warehouse), called in its own process
  against an already running Prefect test server and timed inside that process, after a
  first flow run on a 20-row file (a process's first flow run pays ~1.5 s of Prefect client
  start-up, reported separately; the nightly `serve` process pays it once);
- baseline: `csv.DictReader` reading the same file, parsing each date and the five
  nutrient numbers with float() and summing per day, in its own process; no checks and no
  warehouse, i.e. the least a reader of this file has to do.
Runs alternate; medians are reported.
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
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

from synthetic import cronometer_servings_rows  # noqa: E402

BASELINE_SCRIPT = """
import csv, json, sys, time
from collections import defaultdict
from datetime import date
t0 = time.perf_counter()
days = defaultdict(lambda: [0.0] * 5)
names = ["Energy (kcal)", "Protein (g)", "Carbs (g)", "Fat (g)", "Fiber (g)"]
with open(sys.argv[1], encoding="utf-8", newline="") as fh:
    for row in csv.DictReader(fh):
        day = days[date.fromisoformat(row["Day"])]
        for i, name in enumerate(names):
            day[i] += float(row[name])
print(json.dumps({"seconds": time.perf_counter() - t0, "days": len(days)}))
"""

PIPELINE_SCRIPT = """
import json, sys, time
from flows.nutrition_ingest import ingest_nutrition_flow
from flows.settings import NutritionInputs, NutritionSourceSpec
def ingest(warehouse, path):
    inputs = [NutritionInputs("bench", (NutritionSourceSpec(path),), "Europe/Berlin")]
    t0 = time.perf_counter()
    (summary,) = ingest_nutrition_flow(warehouse=warehouse, athletes=inputs)
    assert summary.ok, summary.quarantined
    return time.perf_counter() - t0, summary.rows
first, _ = ingest(sys.argv[1] + ".warmup", sys.argv[3])  # the process's first flow run
seconds, rows = ingest(sys.argv[1], sys.argv[2])
print(json.dumps({"seconds": seconds, "rows": rows, "first_flow_s": first}))
"""


def _run(script: str, *args: str, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                         cwd=REPO, env={**os.environ, **(env or {})}, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = parser.parse_args()

    from prefect.settings import get_current_settings
    from prefect.testing.utilities import prefect_test_harness

    work = Path(tempfile.mkdtemp(prefix="mb-nutrition-bench-"))
    servings = work / "servings.csv"
    servings.write_bytes(cronometer_servings_rows(args.rows, per_day=(24, 31)))  # ~10 years
    tiny = work / "tiny" / "servings.csv"
    tiny.parent.mkdir()
    tiny.write_bytes(cronometer_servings_rows(20))
    base, pipe = [], []
    with prefect_test_harness(server_startup_timeout=120):
        env = {"PREFECT_API_URL": str(get_current_settings().api.url)}
        for i in range(args.repeats):
            base.append(_run(BASELINE_SCRIPT, str(servings)))
            pipe.append(_run(PIPELINE_SCRIPT, str(work / f"w{i}.duckdb"), str(servings),
                             str(tiny), env=env))
    assert all(p["rows"] == args.rows for p in pipe), "every row loaded"
    b = statistics.median(r["seconds"] for r in base)
    p = statistics.median(r["seconds"] for r in pipe)
    results = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": " ".join(["uv run python bench/nutrition_bench.py", *sys.argv[1:]]),
        "file": {"rows": args.rows, "mb": round(servings.stat().st_size / 1e6, 1),
                 "days": base[0]["days"]},
        "baseline_s": b, "pipeline_s": p, "ratio_pipeline_over_baseline": p / b,
        "baseline_runs_s": [r["seconds"] for r in base],
        "pipeline_runs_s": [r["seconds"] for r in pipe],
        "first_flow_in_process_s": statistics.median(r["first_flow_s"] for r in pipe),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "nutrition_results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
