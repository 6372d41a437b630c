"""Report benchmark: the size of one athlete's HTML report and the time to write it, for a
year and for ten years of published days, beside the least a self-contained page must do.

Run: uv run python bench/report_bench.py [--repeats 5] [--workdir /work/benchdata/report]
     [--out DIR] [--no-browser]

Data (made once under --workdir and reused when present; outside the repository):
- `demo-<weeks>/`: `musclebalance demo --weeks 52` (`python -m flows demo`, a fresh process):
  a year of generated watch files, a Garmin account export (sleep, resting HR, HRV, scale
  with body fat) and a Cronometer export with meals, through the real nightly flow.
- `year/` and `decade/`: published layouts (`<dir>/data/published/musclebalance.duckdb`, the
  warehouse path being `<dir>/data/musclebalance.duckdb`) holding 365 and 3,650 days. Their
  `marts.*` tables have the demo's published columns and types; the rows are the demo's 52
  whole weeks from its first Monday, tiled back in time in steps of 364 days (every Date
  column shifted, so weekdays stay; the weekly mart's `iso_year` and `iso_week` recomputed
  from the shifted `week_start`) and cut to the last N days. So that every day has every
  series, the daily nutrition, energy, recovery and muscle-balance rows have each null
  filled from the same weekday a week before or after (`main_factor` excepted: null there
  means no factor below 80), every day counts as logged and every weight as a measured
  weigh-in (with body fat); training keeps its rest days. `marts.pipeline_runs` and
  `marts.validation_results` are the demo's.

Measured in this process after one warm-up of each (imports done, the JavaScript bundle
built), `--repeats` times, the order reversed every other repeat, medians reported:
- report: `flows.reports.write_reports(W, [athlete], days=N)`, the product's call (open the
  published file, read the six marts, draw the views and tables, write owner-only);
- baseline: the least a self-contained page must do with the same rows: open the same file
  read-only, `SELECT *` the same six marts for the same days (DuckDB -> Arrow -> polars),
  dates as text, `json.dumps` of the rows (full precision, nulls kept) and one HTML file
  with the same JavaScript bundle and the rows in a JSON script element; no views, no
  tables;
- the report's parts (timed apart, same repeats): open + read the frames, draw the views
  (`report.views.views`), the whole page (`report.page.render`), write the file.
One-time costs, each in a fresh interpreter (`--repeats` processes): importing polars and
DuckDB, then `flows.reports`, then `report.page.javascript()` (vl_convert's bundle, cached
per process), then the first and second `write_reports` of a year.
Sizes: each file in bytes and MB, split into the JavaScript bundle, the charts' specs
(their data values apart), the two tables and the rest.
Browser (unless --no-browser, and only when Chromium and playwright are there): Debian's
`chromium` through playwright, an offline context per run, the time from `page.goto` to
`body[data-rendered]`, with the charts drawn (each `.chart` holding an `<svg>` with
`<path>` marks), console errors and requests leaving the file counted.
Results: a JSON summary printed and written to `<out>/report_results.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.nightly_bench import machine, median_min_max  # noqa: E402
from flows.reports import report_file, write_reports  # noqa: E402
from report.page import javascript, render  # noqa: E402
from report.views import views  # noqa: E402
from schemas.config import Athlete  # noqa: E402
from schemas.report_frames import REPORT_MARTS  # noqa: E402
from schemas.scoring import Scoring  # noqa: E402
from warehouse.private import write_private  # noqa: E402
from warehouse.publish import PUBLISHED_FILE, published_dir  # noqa: E402
from warehouse.report_data import open_published, read_report_frames  # noqa: E402

ATHLETE_ID = "demo"  # the demo's athlete
DEMO_WEEKS = 52
TILE_DAYS = 364  # 52 weeks: a shifted day keeps its weekday
#: Data sets: name -> days.
SETS = {"year": 365, "decade": 3650}
#: Bumped when the tiling changes, so a cached data set is made again.
DATA_VERSION = 1
TARGET_S = 2.0
TARGET_MB = 2.0
#: Daily marts whose nulls are filled from a week before or after ("every series every
#: day"); training keeps its rest days.
FILLED = ("daily_muscle_balance", "daily_nutrition", "daily_energy", "daily_recovery")
#: Nulls that mean something other than "not measured".
KEEP_NULL = {"main_factor"}
PIPELINE = ("pipeline_runs", "validation_results")
SPECS_START = '<script type="application/json" id="mb-specs">'
TABLES_START = '<div class="tables">'
TABLES_END = "</table></div>"


def athlete() -> Athlete:
    """The demo's athlete as the config has it (only the id matters to the report)."""
    return Athlete(id=ATHLETE_ID, timezone="Europe/Berlin", sex="female", birth_year=1990,
                   height_cm=168.0, fit_paths=())


def warehouse_path(workdir: Path, name: str) -> Path:
    return workdir / name / "data" / "musclebalance.duckdb"


def published_file(warehouse: Path) -> Path:
    return published_dir(warehouse) / PUBLISHED_FILE


# ------------------------------------------------------------------------------ data


def demo(workdir: Path, weeks: int) -> tuple[Path, float | None]:
    """The demo's published file, made by the demo command when missing (its wall time)."""
    folder = workdir / f"demo-{weeks}"
    published = published_file(folder / "data" / "musclebalance.duckdb")
    if published.is_file():
        return published, None
    print(f"musclebalance demo --weeks {weeks} into {folder} ...", flush=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flows", "demo", "--folder", str(folder),
                    "--weeks", str(weeks)], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return published, time.perf_counter() - t0


def fill_every_day(frame: pl.DataFrame, mart: str) -> pl.DataFrame:
    """A daily mart with each null taken from the same weekday a week before or after."""
    cols = [c for c in frame.columns if c not in {"athlete_id", "local_date", *KEEP_NULL}]
    frame = frame.sort("local_date")
    for _ in range(4):  # up to four missing weeks in a row
        frame = frame.with_columns(pl.col(c).fill_null(pl.col(c).shift(7))
                                   .fill_null(pl.col(c).shift(-7)) for c in cols)
    if mart == "daily_nutrition":
        frame = frame.with_columns(pl.col("energy_kcal").is_not_null().alias("logged"))
    if mart == "daily_energy":
        frame = frame.with_columns(
            pl.when(pl.col("weight_kg").is_not_null()).then(pl.lit("measured"))
            .alias("weight_source"))
    return frame


def tile(frame: pl.DataFrame, key: str, base_first: date, first: date, last: date,
         tiles: int) -> pl.DataFrame:
    """The rows of the 364 days from `base_first`, repeated back in time in steps of 364
    days (every Date column shifted) and cut to the rows whose `key` day falls in the
    range (weeks: that overlap it)."""
    base = frame.filter(pl.col(key).is_between(base_first,
                                               base_first + timedelta(days=TILE_DAYS - 1)))
    dates = [c for c, t in base.schema.items() if t == pl.Date]
    parts = [base.with_columns(pl.col(c) - timedelta(days=TILE_DAYS * k) for c in dates)
             for k in range(tiles)]
    out = pl.concat(parts).sort(key)
    if key == "week_start":
        out = out.with_columns(pl.col("week_start").dt.iso_year().cast(base["iso_year"].dtype)
                               .alias("iso_year"),
                               pl.col("week_start").dt.week().cast(base["iso_week"].dtype)
                               .alias("iso_week"))
        return out.filter(pl.col(key) + timedelta(days=6) >= first, pl.col(key) <= last)
    return out.filter(pl.col(key).is_between(first, last))


def make_set(source: Path, target: Path, days: int) -> dict:
    """A published file of `days` days tiled from the demo's (see the module's text)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    rows: dict[str, int] = {}
    try:
        con.execute(f"ATTACH '{source}' AS demo (READ_ONLY)")
        con.execute("CREATE SCHEMA marts")
        first_day = con.execute("SELECT min(local_date) FROM demo.marts.daily_muscle_balance "
                                "WHERE athlete_id = ?", [ATHLETE_ID]).fetchall()[0][0]
        base_first = first_day + timedelta(days=-first_day.weekday() % 7)  # its first Monday
        last = base_first + timedelta(days=TILE_DAYS - 1)
        have = con.execute("SELECT max(local_date) FROM demo.marts.daily_muscle_balance "
                           "WHERE athlete_id = ?", [ATHLETE_ID]).fetchall()[0][0]
        assert have >= last, f"the demo ends on {have}: 52 weeks from {base_first} needed"
        first = last - timedelta(days=days - 1)
        tiles = -(-days // TILE_DAYS)
        for mart in (*REPORT_MARTS, *PIPELINE):
            con.execute(f"CREATE TABLE marts.{mart} AS "  # noqa: S608 - constant names
                        f"SELECT * FROM demo.marts.{mart} LIMIT 0")
            src = con.sql(f"SELECT * FROM demo.marts.{mart}").pl()  # noqa: S608
            if mart in REPORT_MARTS:
                src = src.filter(pl.col("athlete_id") == ATHLETE_ID)
                key = "week_start" if mart == "weekly_muscle_balance" else "local_date"
                src = tile(src, key, base_first, first, last, tiles)
                if mart in FILLED:
                    src = fill_every_day(src, mart)
            con.register("frame", src)
            con.execute(f"INSERT INTO marts.{mart} BY NAME SELECT * FROM frame")  # noqa: S608
            con.unregister("frame")
            rows[mart] = src.height
        con.execute("DETACH demo")
    finally:
        con.close()
    return {"days": days, "first_day": str(first), "last_day": str(last), "rows": rows,
            "file_bytes": target.stat().st_size, "data_version": DATA_VERSION,
            "source": str(source)}


def prepare(workdir: Path, weeks: int) -> dict:
    """The demo and the data sets, made when missing or out of date."""
    source, demo_s = demo(workdir, weeks)
    sets = {}
    for name, days in SETS.items():
        target = published_file(warehouse_path(workdir, name))
        meta_path = workdir / name / "meta.json"
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        if not (target.is_file() and meta.get("data_version") == DATA_VERSION
                and meta.get("days") == days and meta.get("source") == str(source)):
            print(f"tiling {name} ({days} days) ...", flush=True)
            meta = make_set(source, target, days)
            meta_path.write_text(json.dumps(meta, indent=2))
        sets[name] = meta
    return {"demo_published": str(source), "demo_weeks": weeks, "demo_s": demo_s,
            "sets": sets}


# ------------------------------------------------------------------------------ measured


def baseline(published: Path, days: int, out: Path) -> Path:
    """The same rows as one self-contained page: JSON of the rows and the JavaScript
    bundle, nothing drawn in Python."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        last = con.execute("SELECT max(local_date) FROM marts.daily_muscle_balance "
                           "WHERE athlete_id = ?", [ATHLETE_ID]).fetchall()[0][0]
        first = last - timedelta(days=days - 1)
        rows = {}
        for mart in REPORT_MARTS:
            where = ("week_start + 6 >= ? AND week_start <= ?"
                     if mart == "weekly_muscle_balance" else "local_date BETWEEN ? AND ?")
            frame = pl.from_arrow(con.sql(
                f"SELECT * FROM marts.{mart} WHERE athlete_id = ? AND {where}",  # noqa: S608
                params=[ATHLETE_ID, first, last]).to_arrow_table())
            assert isinstance(frame, pl.DataFrame)
            rows[mart] = frame.with_columns(
                pl.col(c).cast(pl.String) for c, t in frame.schema.items()
                if t.is_temporal()).to_dicts()
    finally:
        con.close()
    data = json.dumps(rows, separators=(",", ":")).replace("<", "\\u003c")
    return write_private(out, '<!doctype html><html lang="en"><head><meta charset="utf-8">'
                         f"<script>{javascript()}</script></head><body>"
                         f'<script type="application/json" id="rows">{data}</script>'
                         "</body></html>")


def seconds(call: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def parts(warehouse: Path, days: int) -> dict[str, float]:
    """The report's steps, each timed: read, views, whole page, write."""
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    with open_published(published_file(warehouse)) as con:
        frames = read_report_frames(con, ATHLETE_ID, days)
    assert frames is not None
    out["read_s"] = time.perf_counter() - t0
    out["views_s"] = seconds(lambda: views(frames, Scoring()))
    t0 = time.perf_counter()
    text = render(frames, None, "metric", datetime.now(UTC))
    out["render_s"] = time.perf_counter() - t0
    scratch = warehouse.parent / "parts.html"
    out["write_s"] = seconds(lambda: write_private(scratch, text))
    scratch.unlink()
    return out


def size_split(path: Path) -> dict:
    """How a report's bytes split: JavaScript bundle, chart specs (data values apart), the
    tables, the rest (page, style, captions, notes, the drawing script)."""
    text = path.read_text(encoding="utf-8")
    total = len(text.encode())
    js = javascript()
    assert js in text
    js_b = len(js.encode())
    start = text.index(SPECS_START) + len(SPECS_START)
    specs_text = text[start:text.index("</script>", start)]
    specs = json.loads(specs_text)
    values_b = {cid: len(json.dumps(spec["data"]["values"], separators=(",", ":"),
                                    ensure_ascii=False).encode())
                for cid, spec in specs.items()}
    t0 = text.index(TABLES_START)
    tables_b = len(text[t0:text.index(TABLES_END, t0) + len(TABLES_END)].encode())
    specs_b = len(specs_text.encode())
    return {"bytes": total, "mb": round(total / 1e6, 3), "javascript_bytes": js_b,
            "specs_bytes": specs_b, "specs_data_values_bytes": sum(values_b.values()),
            "specs_data_values_bytes_per_chart": values_b, "tables_bytes": tables_b,
            "rest_bytes": total - js_b - specs_b - tables_b,
            "without_javascript_mb": round((total - js_b) / 1e6, 3), "charts": len(specs)}


ONE_TIME = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
import duckdb, polars
t1 = time.perf_counter()
import flows.reports
t2 = time.perf_counter()
import report.page
report.page.javascript()
t3 = time.perf_counter()
from schemas.config import Athlete
who = [Athlete.model_validate_json(sys.argv[2])]
t4 = time.perf_counter()
flows.reports.write_reports(Path(sys.argv[1]), who, days=365)
t5 = time.perf_counter()
flows.reports.write_reports(Path(sys.argv[1]), who, days=365)
t6 = time.perf_counter()
print(json.dumps({"import_polars_duckdb_s": t1 - t0, "import_flows_report_s": t2 - t1,
                  "javascript_bundle_s": t3 - t2, "first_write_s": t5 - t4,
                  "second_write_s": t6 - t5}))
"""


def one_time(warehouse: Path, repeats: int) -> dict:
    """Imports, the bundle and the first writes, each in a fresh interpreter."""
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", ONE_TIME, str(warehouse),
                               athlete().model_dump_json()], cwd=REPO, check=True,
                              capture_output=True, text=True)
        runs.append({**json.loads(done.stdout), "process_s": time.perf_counter() - t0})
    return {k: median_min_max([r[k] for r in runs]) for k in runs[0]}


def browse(files: dict[str, Path], repeats: int) -> dict:
    """Chromium's time from goto to `body[data-rendered]`, per file, alternating."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    runs: dict[str, list[dict]] = {name: [] for name in files}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            for i in range(repeats + 1):  # the first round warms the browser, not counted
                order = list(files) if i % 2 == 0 else list(reversed(files))
                for name in order:
                    ctx = browser.new_context(offline=True,
                                              viewport={"width": 1100, "height": 900})
                    page = ctx.new_page()
                    errors: list[str] = []
                    away: list[str] = []
                    page.on("console", lambda m, e=errors: m.type == "error" and e.append(m.text))
                    page.on("pageerror", lambda x, e=errors: e.append(str(x)))
                    page.on("request", lambda r, a=away: r.url.startswith("file:")
                            or a.append(r.url))
                    t0 = time.perf_counter()
                    page.goto(files[name].as_uri())
                    page.wait_for_selector("body[data-rendered]", timeout=120_000)
                    took = time.perf_counter() - t0
                    drawn = page.evaluate(
                        "[...document.querySelectorAll('.chart')].map("
                        "c => c.querySelectorAll('svg path').length)")
                    rendered = int(page.evaluate("document.body.dataset.rendered"))
                    ctx.close()
                    if i:
                        runs[name].append({"s": took, "charts": len(drawn),
                                           "rendered": rendered,
                                           "charts_without_paths": sum(n == 0 for n in drawn),
                                           "console_errors": len(errors),
                                           "requests_leaving_file": len(away)})
        finally:
            browser.close()
    out = {}
    for name, rs in runs.items():
        out[name] = {"goto_to_rendered_s": median_min_max([r["s"] for r in rs]),
                     **{k: max(r[k] for r in rs) for k in rs[0] if k != "s"},
                     "all_charts_drawn": all(r["rendered"] == r["charts"] for r in rs)}
    return out


def load_average() -> float:
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/work/benchdata/report"))
    parser.add_argument("--weeks", type=int, default=DEMO_WEEKS,
                        help="weeks of the demo the data sets are tiled from")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    workdir = args.workdir.resolve()
    data = prepare(workdir, args.weeks)
    results: dict = {
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": " ".join(["uv run python bench/report_bench.py", *sys.argv[1:]]),
        "data": data, "target_s": TARGET_S, "target_mb": TARGET_MB,
        "load_average_1min": {"before": load_average()},
    }
    print("one-time costs (fresh processes) ...", flush=True)
    results["one_time"] = one_time(warehouse_path(workdir, "year"), args.repeats)

    who = [athlete()]
    base_files = {name: workdir / name / "baseline.html" for name in SETS}

    def report(name: str) -> Callable[[], object]:
        return lambda: write_reports(warehouse_path(workdir, name), who, days=SETS[name])

    def base(name: str) -> Callable[[], object]:
        return lambda: baseline(published_file(warehouse_path(workdir, name)), SETS[name],
                                base_files[name])

    javascript()
    cases = {f"{kind}:{name}": (report if kind == "report" else base)(name)
             for name in SETS for kind in ("report", "baseline")}
    for call in cases.values():  # warm-up
        call()
    times: dict[str, list[float]] = {k: [] for k in cases}
    steps: dict[str, list[dict[str, float]]] = {name: [] for name in SETS}
    for i in range(args.repeats):
        order = list(cases) if i % 2 == 0 else list(reversed(cases))
        for case in order:
            times[case].append(seconds(cases[case]))
        for name in SETS:
            steps[name].append(parts(warehouse_path(workdir, name), SETS[name]))
        print(f"repeat {i + 1}: " + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in times.items()),
              flush=True)

    files = {name: report_file(warehouse_path(workdir, name), ATHLETE_ID) for name in SETS}
    results["sets"] = {}
    for name in SETS:
        r_s = median_min_max(times[f"report:{name}"])
        b_s = median_min_max(times[f"baseline:{name}"])
        base_b = base_files[name].stat().st_size
        results["sets"][name] = {
            "days": SETS[name],
            "report_s": r_s, "baseline_s": b_s,
            "ratio_report_over_baseline": r_s["median"] / b_s["median"],
            "report_parts_s": {k: median_min_max([p[k] for p in steps[name]])
                               for k in steps[name][0]},
            "report_file": str(files[name]), "report_size": size_split(files[name]),
            "baseline_file": str(base_files[name]),
            "baseline_size": {"bytes": base_b, "mb": round(base_b / 1e6, 3)},
            "ratio_size_report_over_baseline": files[name].stat().st_size / base_b,
        }
    year = results["sets"]["year"]
    results["target_met"] = {"time": year["report_s"]["median"] < TARGET_S,
                             "size": year["report_size"]["mb"] < TARGET_MB}
    if not args.no_browser and shutil.which("chromium"):
        print("browser ...", flush=True)
        results["browser"] = browse(files, args.repeats)
    results["load_average_1min"]["after"] = load_average()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report_results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
