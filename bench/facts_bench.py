"""Daily-facts benchmark: `transforms.daily_facts.daily_facts` over a ten-year running history
of one athlete, against one DuckDB SQL query computing the core of it on the same records.

Run: uv run python bench/facts_bench.py [--records 10000000] [--repeats 3] [--out bench/out]

Input, generated in memory (numpy + polars, vectorised, fixed seed): one athlete in
Europe/Berlin running 5 days a week, one FIT file per run, 60-90 min of 1 Hz samples with
a few short (2-5 s) GPS gaps and auto-pauses (11-90 s, no moving time), starting 06:00-21:00
local; runs are added until the records reach `--records` (the last run is kept whole).
The raw frames have exactly the columns and dtypes `warehouse.facts.read_raw` returns (the
schema is read from an empty in-memory warehouse made by `warehouse.ddl.create_all`):
records, one session and one activity message per run (activity `utc_offset_s` is the
Europe/Berlin offset at the run's end, so every file is "recorded at home"), a lap per
started kilometre and one `sport` message per run (every file has its session, so the
facts take no sport from them, as in a build of complete files), no strength sets and an
empty strength log (the athlete's strength_source is "watch"), one day-grain nutrition row
per day (Cronometer's daily summary, each day marked completed) and a weekly weigh-in; a
file_id per run (one watch's serial number, created at the run's start) and status
`loaded` per file, so the facts' check for files of the same activity
(`transforms.activity_identity`) runs as in a build (it finds none: each run is one file).
The athletes frame has the columns `flows.build.athlete_frame` gives (sex included), and
the `[scoring]` constants are the defaults (`schemas.scoring.Scoring()`), passed as a build
passes them.

Measured, alternating in each repeat, medians reported, after one warm-up of each on the
first 10 runs:
- musclebalance: `daily_facts(raw, athletes, today, scoring)` in this process (all three
  fact frames: local days, sport per sample, deltas, running volume, zones, TRIMP, load,
  strength, body weight, nutrition, energy);
- scoring (not compared: no other tool computes it): `transforms.scoring.muscle_balance` on
  the facts just computed, as `flows.build.stage_marts` calls it (`score_days(training,
  nutrition, energy, scoring, scoring, athletes=athletes)`, then the daily and weekly
  marts), timed after the facts (median reported);
- baseline: one DuckDB SQL query over the same records frame (`con.register`, no copy):
  per local day (`timestamp_utc AT TIME ZONE 'Europe/Berlin'`, cast to DATE) the running
  distance (sum of positive `lag` differences of `distance_m` within each file and segment,
  ordered by time) and the moving time (sum of gaps <= 10 s), i.e. the core of
  `transforms.running_volume` without the rest of the facts.
The two agree on every day's distance and moving time (checked, the largest difference is
reported). Peak RSS (`resource.getrusage`) is recorded for the whole process and, where
Linux lets this process reset its high-water mark (/proc/self/clear_refs), per phase.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from schemas.frames import RawFrames  # noqa: E402
from schemas.scoring import Scoring  # noqa: E402
from transforms.daily_facts import daily_facts  # noqa: E402
from transforms.running_volume import MAX_GAP_S  # noqa: E402
from transforms.scoring.muscle_balance import (  # noqa: E402
    daily_muscle_balance,
    score_days,
    weekly_muscle_balance,
)
from warehouse.ddl import create_all  # noqa: E402
from warehouse.facts import read_raw  # noqa: E402

ATHLETE = "bench"
ZONE = "Europe/Berlin"
FIRST_MONDAY = date(2016, 1, 4)
SEED = 20_160_104
WARMUP_RUNS = 10

BASELINE_SQL = f"""
WITH deltas AS (
    SELECT CAST(timestamp_utc AT TIME ZONE '{ZONE}' AS DATE) AS local_date,
           distance_m - lag(distance_m) OVER w AS delta_m,
           (epoch_us(timestamp_utc) - epoch_us(lag(timestamp_utc) OVER w)) / 1e6 AS delta_s
    FROM records
    WHERE timestamp_utc IS NOT NULL
    WINDOW w AS (PARTITION BY source_sha256, segment ORDER BY timestamp_utc)
)
SELECT local_date,
       sum(greatest(delta_m, 0)) / 1000 AS run_distance_km,
       coalesce(sum(delta_s) FILTER (WHERE delta_s <= {MAX_GAP_S}), 0) / 60 AS run_moving_min
FROM deltas
GROUP BY local_date
ORDER BY local_date
"""  # noqa: S608 - constants only


def raw_schemas() -> dict[str, pl.Schema]:
    """Column names and dtypes of each raw frame, as a real warehouse returns them."""
    con = duckdb.connect(":memory:")
    try:
        create_all(con)
        return {k: v.schema for k, v in vars(read_raw(con, ["x"])).items()}
    finally:
        con.close()


def hex_digests(rng: np.random.Generator, n: int) -> pl.Series:
    """n random 64-character lower-case hex strings (stand-ins for sha256 digests)."""
    raw = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    text = np.empty((n, 64), dtype=np.uint8)
    text[:, 0::2] = digits[raw >> 4]
    text[:, 1::2] = digits[raw & 15]
    return pl.Series("source_sha256", text.view("S64").ravel()).cast(pl.String)


def home_offset_s(instant: pl.Expr) -> pl.Expr:
    """Europe/Berlin UTC offset (s) at each UTC instant, from the zone database."""
    local = instant.dt.convert_time_zone(ZONE).dt.replace_time_zone(None)
    return (local - instant.dt.replace_time_zone(None)).dt.total_seconds()


def generate(min_records: int, schemas: dict[str, pl.Schema]) -> RawFrames:
    """The raw frames of one runner's history with at least `min_records` samples."""
    rng = np.random.default_rng(SEED)

    # runs: how many, on which days, when, how long
    upper = min_records // 3600 + 2
    samples = rng.integers(3600, 5401, size=upper)  # 60-90 min at 1 Hz
    n_runs = int(np.searchsorted(np.cumsum(samples), min_records)) + 1
    samples = samples[:n_runs]
    weeks = -(-n_runs // 5)
    weekdays = np.sort(rng.random((weeks, 7)).argsort(axis=1)[:, :5], axis=1)  # 2 rest days
    day_index = (np.arange(weeks)[:, None] * 7 + weekdays).ravel()[:n_runs]
    start_s = rng.integers(6 * 3600, 21 * 3600, size=n_runs)  # local start, no DST hour
    runs = pl.DataFrame({
        "run": np.arange(n_runs, dtype=np.int64),
        "samples": samples,
        "speed": rng.uniform(2.6, 3.4, size=n_runs),
        "hr_steady": rng.uniform(140.0, 165.0, size=n_runs),
        "hill_period": rng.uniform(600.0, 1800.0, size=n_runs),
    }).with_columns(
        (pl.lit(FIRST_MONDAY).cast(pl.Datetime("us")) + pl.duration(days=pl.Series(day_index))
         + pl.duration(seconds=pl.Series(start_s)))
        .dt.replace_time_zone(ZONE).dt.convert_time_zone("UTC").alias("start_utc"),
        hex_digests(rng, n_runs),
    )

    # samples: position within the run, gaps, distance, altitude, heart rate
    total = int(samples.sum())
    run = np.repeat(np.arange(n_runs), samples)
    first = np.concatenate([[0], np.cumsum(samples)[:-1]])
    pos = np.arange(total) - np.repeat(first, samples)
    u = rng.random(total)
    gap = np.where(u < 1 / 900, rng.integers(11, 91, size=total),  # auto-pause
                   np.where(u < 1 / 900 + 1 / 300, rng.integers(2, 6, size=total), 1))
    gap[first] = 0
    elapsed = np.cumsum(gap)
    elapsed -= np.repeat(elapsed[first], samples)
    step = runs["speed"].to_numpy()[run] * rng.normal(1.0, 0.05, size=total)
    step[first] = 0.0
    distance = np.cumsum(step)
    distance -= np.repeat(distance[first], samples)
    period = runs["hill_period"].to_numpy()[run]
    altitude = (120.0 + 25.0 * np.sin(2 * np.pi * pos / period)
                + rng.normal(0.0, 0.3, size=total))
    steady = runs["hr_steady"].to_numpy()[run]
    heart = np.rint(105.0 + (steady - 105.0) * (1 - np.exp(-pos / 300.0)) + pos / 600.0
                    + rng.normal(0.0, 2.0, size=total))
    index = pl.Series(run)
    records = pl.DataFrame({
        "run": run, "gap_s": gap, "elapsed_s": elapsed, "distance_m": distance,
        "altitude_m": np.round(altitude, 1), "heart_rate_bpm": heart,
    }).with_columns(
        runs["source_sha256"].gather(index),
        runs["start_utc"].gather(index),
    ).with_columns(
        pl.lit(ATHLETE).alias("athlete_id"),
        pl.lit(0).alias("segment"),
        (pl.col("start_utc") + pl.duration(seconds=pl.col("elapsed_s"))).alias("timestamp_utc"),
    )

    per_run = records.group_by("run").agg(
        pl.col("timestamp_utc").first().alias("start_time_utc"),
        pl.col("timestamp_utc").last(),
        pl.col("distance_m").last().alias("total_distance_m"),
        pl.col("heart_rate_bpm").mean().round(0).alias("avg_heart_rate_bpm"),
        pl.col("gap_s").filter(pl.col("gap_s") <= MAX_GAP_S).sum().alias("timer_s"),
        pl.len().alias("samples"),
    ).sort("run").join(runs.select("run", "source_sha256"), on="run")
    sessions = per_run.select(
        pl.lit(ATHLETE).alias("athlete_id"), "source_sha256", pl.lit(0).alias("segment"),
        (pl.col("samples") + 3).alias("message_seq"),  # after the records
        "start_time_utc", "timestamp_utc",
        pl.lit("running").alias("sport"), pl.lit("generic").alias("sub_sport"),
        pl.col("timer_s").cast(pl.Float64).alias("total_timer_time_s"),  # auto-pause off
        (pl.col("timestamp_utc") - pl.col("start_time_utc")).dt.total_seconds()
        .cast(pl.Float64).alias("total_elapsed_time_s"),
        "total_distance_m",
        (pl.col("total_distance_m") / 1000 * 60.0).round(0).alias("total_calories_kcal"),
        "avg_heart_rate_bpm",
    )
    activity = sessions.select(
        "athlete_id", "source_sha256", (pl.col("message_seq") + 1).alias("message_seq"),
        "timestamp_utc", home_offset_s(pl.col("timestamp_utc")).alias("utc_offset_s"),
    )

    last_day = FIRST_MONDAY + timedelta(days=int(day_index[-1]))
    days = pl.date_range(FIRST_MONDAY, last_day, "1d", eager=True).alias("local_date")
    n_days = days.len()
    exported = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), UTC)
    nutrition = pl.DataFrame({
        "local_date": days,
        "energy_kcal": np.round(rng.normal(2300.0, 300.0, size=n_days), 0),
        "protein_g": np.round(rng.normal(110.0, 20.0, size=n_days), 1),
        "carbohydrate_g": np.round(rng.normal(290.0, 50.0, size=n_days), 1),
        "fat_g": np.round(rng.normal(80.0, 15.0, size=n_days), 1),
        "fiber_g": np.round(rng.normal(32.0, 6.0, size=n_days), 1),
    }).with_columns(
        pl.lit(ATHLETE).alias("athlete_id"),
        pl.lit(None).alias("local_time"), pl.lit(None).alias("meal"), pl.lit(None).alias("food"),
        pl.lit("day").alias("grain"), pl.lit("cronometer_dailysummary").alias("source_format"),
        pl.lit(hex_digests(rng, 1)[0]).alias("source_sha256"),
        (pl.int_range(pl.len()) + 2).alias("source_row"),  # line 1 is the header
        pl.lit(exported).alias("exported_at"),
        pl.lit(True).alias("day_completed"),  # the daily summary's "Completed"
    )
    weigh_days = days.gather_every(7)
    body = pl.DataFrame({
        "local_date": weigh_days,
        "weight_kg": np.round(60.0 + np.cumsum(rng.normal(0.0, 0.15, weigh_days.len())), 1),
        "body_fat_pct": np.round(rng.normal(22.0, 0.8, weigh_days.len()), 1),
    }).with_columns(
        pl.lit(ATHLETE).alias("athlete_id"),
        pl.lit("07:00:00").str.to_time().alias("local_time"),
        pl.lit("cronometer_biometrics").alias("source"),
        pl.lit(hex_digests(rng, 1)[0]).alias("source_sha256"),
    )

    # one watch: its serial number, each file created when its run started, all loaded
    file_id = sessions.select(
        "athlete_id", "source_sha256", "segment", pl.lit(0).alias("message_seq"),
        pl.lit("activity").alias("file_type"), pl.lit(3_912_345_678).alias("serial_number"),
        pl.col("start_time_utc").alias("time_created_utc"),
    )
    files = sessions.select("athlete_id", "source_sha256", pl.lit("loaded").alias("status"))
    # the watch's auto-lap: one lap per started kilometre; one sport message per file
    laps = records.group_by("run", (pl.col("distance_m") // 1000).alias("km")).agg(
        pl.col("timestamp_utc").first().alias("start_time_utc"), pl.col("timestamp_utc").last(),
    ).sort("run", "km").join(runs.select("run", "source_sha256"), on="run").select(
        pl.lit(ATHLETE).alias("athlete_id"), "source_sha256", "start_time_utc",
        "timestamp_utc", pl.lit("running").alias("sport"), pl.lit("generic").alias("sub_sport"),
    )
    sports = sessions.select("athlete_id", "source_sha256", "sport", "sub_sport")

    frames = {"records": records, "sessions": sessions,
              "activity": activity, "sets": pl.DataFrame(), "nutrition_entries": nutrition,
              "body_measurements": body, "file_id": file_id, "files": files, "laps": laps,
              "sports": sports, "strength_log": pl.DataFrame()}
    typed = {}
    for key, schema in schemas.items():
        frame = frames[key]
        typed[key] = (frame.select(pl.col(c).cast(t) for c, t in schema.items())
                      if frame.width else pl.DataFrame(schema=schema))
        assert typed[key].schema == schema, (key, typed[key].schema, schema)
    return RawFrames(**typed)


def first_runs(raw: RawFrames, runs: int) -> RawFrames:
    """The same history cut after its first `runs` runs (for the warm-ups)."""
    keep = raw.sessions.sort("start_time_utc").head(runs)
    shas = keep["source_sha256"].implode()
    last = keep["timestamp_utc"].max().date() + timedelta(days=1)
    return RawFrames(
        records=raw.records.filter(pl.col("source_sha256").is_in(shas)),
        sessions=keep,
        activity=raw.activity.filter(pl.col("source_sha256").is_in(shas)),
        sets=raw.sets,
        nutrition_entries=raw.nutrition_entries.filter(pl.col("local_date") <= last),
        body_measurements=raw.body_measurements.filter(pl.col("local_date") <= last),
        file_id=raw.file_id.filter(pl.col("source_sha256").is_in(shas)),
        files=raw.files.filter(pl.col("source_sha256").is_in(shas)),
        laps=raw.laps.filter(pl.col("source_sha256").is_in(shas)),
        sports=raw.sports.filter(pl.col("source_sha256").is_in(shas)),
        strength_log=raw.strength_log.filter(pl.col("local_date") <= last),
    )


def athlete_frame() -> pl.DataFrame:
    """One athlete, as `flows.build.athlete_frame` builds it (same columns and dtypes; no
    day marked incomplete, strength from the watch)."""
    return pl.DataFrame(
        [{"athlete_id": ATHLETE, "timezone": ZONE, "sex": "female", "birth_year": 1990,
          "height_cm": 168.0, "weight_kg": 60.0, "max_hr": 188.0, "resting_hr": 50.0,
          "lthr": 170.0, "zone_model": "hrmax", "incomplete_days": [],
          "strength_source": "watch"}],
        schema={"athlete_id": pl.String, "timezone": pl.String, "sex": pl.String,
                "birth_year": pl.Int32, "height_cm": pl.Float64, "weight_kg": pl.Float64,
                "max_hr": pl.Float64, "resting_hr": pl.Float64, "lthr": pl.Float64,
                "zone_model": pl.String, "incomplete_days": pl.List(pl.Date),
                "strength_source": pl.String},
    )


class PeakRss:
    """Peak RSS (MB) from `resource.getrusage`; `reset()` restarts the high-water mark where
    Linux allows it (writing 5 to /proc/self/clear_refs), else the mark is the process's."""

    def __init__(self) -> None:
        self.resettable = self.reset()

    @staticmethod
    def now_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    @staticmethod
    def current_mb() -> float | None:
        try:
            with open("/proc/self/status") as fh:
                line = next(x for x in fh if x.startswith("VmRSS:"))
            return int(line.split()[1]) / 1024
        except (OSError, StopIteration):
            return None

    @staticmethod
    def reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            return True
        except OSError:
            return False


def timed(fn, rss: PeakRss) -> tuple[float, float, object]:
    """Seconds, peak RSS (MB) during the call, and the call's result."""
    gc.collect()
    rss.reset()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    return seconds, rss.now_mb(), result


def run_baseline(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(BASELINE_SQL).pl()


def agreement(facts_training: pl.DataFrame, base: pl.DataFrame) -> dict:
    """Largest per-day differences between the facts and the baseline (running days)."""
    ours = facts_training.filter(pl.col("run_sessions") > 0).select(
        "local_date", "run_distance_km", "run_moving_min")
    both = ours.join(base, on="local_date", how="full", suffix="_sql", coalesce=True)
    missing = both.filter(pl.col("run_distance_km").is_null()
                          | pl.col("run_distance_km_sql").is_null()).height
    diff = both.select(
        (pl.col("run_distance_km") - pl.col("run_distance_km_sql")).abs().max().alias("km"),
        (pl.col("run_moving_min") - pl.col("run_moving_min_sql")).abs().max().alias("min"),
    ).row(0, named=True)
    return {"running_days": ours.height, "baseline_days": base.height,
            "days_in_only_one": missing, "max_abs_diff_km": diff["km"],
            "max_abs_diff_moving_min": diff["min"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = parser.parse_args()

    rss = PeakRss()
    t0 = time.perf_counter()
    raw = generate(args.records, raw_schemas())
    generate_s = time.perf_counter() - t0
    generate_peak = rss.now_mb()
    athletes = athlete_frame()
    scoring = Scoring()  # the [scoring] defaults, as a build without a [scoring] table
    today = raw.sessions["timestamp_utc"].max().date() + timedelta(days=1)

    con = duckdb.connect(":memory:")
    small = first_runs(raw, WARMUP_RUNS)
    daily_facts(small, athletes, today, scoring)  # warm-ups: imports, caches, thread pools
    con.register("records", small.records)
    run_baseline(con)
    con.unregister("records")
    del small
    con.register("records", raw.records)

    facts_runs, base_runs = [], []
    for _ in range(args.repeats):  # alternating, so machine noise hits both alike
        facts_runs.append(timed(lambda: daily_facts(raw, athletes, today, scoring), rss))
        base_runs.append(timed(lambda: run_baseline(con), rss))
    facts, base = facts_runs[-1][2], base_runs[-1][2]
    check = agreement(facts.training, base)
    assert check["days_in_only_one"] == 0, check
    assert check["max_abs_diff_km"] < 1e-6 and check["max_abs_diff_moving_min"] < 1e-6, check

    def score(facts=facts):  # the scoring stage of a build (flows.build.stage_marts)
        scored = score_days(facts.training, facts.nutrition, facts.energy, scoring, scoring,
                            athletes=athletes)
        return daily_muscle_balance(scored), weekly_muscle_balance(scored, scoring)

    score(facts)  # warm-up
    score_runs = [timed(score, rss) for _ in range(args.repeats)]
    score_daily, score_weekly = score_runs[-1][2]

    f_s = statistics.median(r[0] for r in facts_runs)
    b_s = statistics.median(r[0] for r in base_runs)
    n_records = raw.records.height
    span = raw.nutrition_entries["local_date"]
    duckdb_threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    results = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, "
                   f"{mem_gib:.0f} GiB, Python {platform.python_version()}, polars "
                   f"{pl.__version__} ({pl.thread_pool_size()} threads), duckdb "
                   f"{duckdb.__version__} ({duckdb_threads} threads)",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": " ".join(["uv run python bench/facts_bench.py", *sys.argv[1:]]),
        "input": {
            "records": n_records,
            "runs": raw.sessions.height,
            "first_day": str(span.min()), "last_day": str(span.max()),
            "years": round((span.max() - span.min()).days / 365.25, 2),
            "rows": {k: v.height for k, v in vars(raw).items()},
            "frames_mb": round(sum(v.estimated_size() for v in vars(raw).values()) / 1e6, 1),
            "generate_s": generate_s,
        },
        "output_rows": {"daily_training": facts.training.height,
                        "daily_nutrition": facts.nutrition.height,
                        "daily_energy": facts.energy.height,
                        "baseline_days": base.height},
        "daily_facts_s": f_s,
        "baseline_s": b_s,
        "ratio_daily_facts_over_baseline": f_s / b_s,
        "score_s": statistics.median(r[0] for r in score_runs),
        "score_runs_s": [r[0] for r in score_runs],
        "score_rows": {"daily_muscle_balance": score_daily.height,
                       "weekly_muscle_balance": score_weekly.height},
        "daily_facts_records_per_s": n_records / f_s,
        "baseline_records_per_s": n_records / b_s,
        "daily_facts_runs_s": [r[0] for r in facts_runs],
        "baseline_runs_s": [r[0] for r in base_runs],
        "agreement": check,
        "peak_rss_mb": {
            "after_generate": generate_peak,
            "rss_before_timing": rss.current_mb(),
            "per_phase": rss.resettable,
            "daily_facts": max(r[1] for r in facts_runs),
            "baseline": max(r[1] for r in base_runs),
            "note": ("per phase: high-water mark reset before each timed call (includes the "
                     "input frames already in memory)" if rss.resettable else
                     "process high-water mark only: the reset is not available here"),
        },
    }
    con.close()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "facts_results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
