"""Start-up benchmark: wall time of `musclebalance --help` and `musclebalance status` as fresh
processes, beside the interpreter alone and Prefect's own `prefect --help`.

Run: uv run python bench/startup_bench.py [--repeats 9] [--warehouse PATH]

`status` reads a real warehouse: `--warehouse` (e.g. the demo's
`musclebalance-demo/data/musclebalance.duckdb`), else a fresh one made here with every
table and no rows. Each repeat runs every command once, in turn (so load on this shared
machine falls on all of them alike); medians, min and max are reported, and the ratios of
the medians to the interpreter's start.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _seconds(command: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--warehouse", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        warehouse = args.warehouse
        if warehouse is None:
            sys.path.insert(0, str(REPO))
            from warehouse.connection import connect
            from warehouse.ddl import create_all

            warehouse = Path(scratch) / "w.duckdb"
            with connect(warehouse) as con:
                create_all(con)
        python = sys.executable
        commands = {
            "python -c pass (baseline)": [python, "-c", "pass"],
            "prefect --help": [python, "-m", "prefect", "--help"],
            "musclebalance --help": [python, "-m", "flows", "--help"],
            "musclebalance status": [python, "-m", "flows", "status", "--warehouse",
                                     str(Path(warehouse).resolve())],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():  # warm the file cache once
            _seconds(command, REPO)
        for _ in range(args.repeats):
            for name, command in commands.items():
                times[name].append(_seconds(command, REPO))
    base = statistics.median(times["python -c pass (baseline)"])
    summary = {name: {"median_s": round(statistics.median(t), 3), "min_s": round(min(t), 3),
                      "max_s": round(max(t), 3),
                      "x_interpreter": round(statistics.median(t) / base, 1)}
               for name, t in times.items()}
    for name, row in summary.items():
        print(f"{name:30} median {row['median_s']:.3f} s  (min {row['min_s']:.3f}, max "
              f"{row['max_s']:.3f}; {row['x_interpreter']}x the interpreter)")
    print(json.dumps({"repeats": args.repeats, "warehouse": str(warehouse),
                      "results": summary}))


if __name__ == "__main__":
    main()
