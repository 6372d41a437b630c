"""`musclebalance serve`: the nightly schedule in one process, without a Prefect server.

Prefect's own `flow.serve(cron=...)` needs a Prefect server to create its scheduled runs, so
this loop keeps the schedule itself: it waits for the next fire time of the cron (computed by
Prefect's schedule code, see flows/schedule.py) and then calls the nightly flow in-process.
Prefect records each run through its temporary local API, or through PREFECT_API_URL when
one is set.

The wait is made of short steps that look at the wall clock each time, so a laptop that
wakes from suspend after the fire time runs once (not once per missed night), and the next
fire time is counted from the end of the run (or from the fire time, if the clock went
back), so no night runs twice.

SIGTERM and SIGINT stop serve with exit 0 within seconds (flows/stopping.py); while it
waits, at once. A run in progress is interrupted: it rolls back what it had not committed,
is recorded `failed` ("interrupted by SIGTERM") in marts.pipeline_runs (the warehouse keeps
its last complete build; the next run completes the work), and the command stops Prefect's
temporary server and the decoding processes before it exits.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.console import describe_failure
from flows.runtime import utc_now
from flows.schedule import check_timezone, next_fire
from flows.stopping import handling_signals, interruptible, signal_name, stop_signal
from flows.terminal import safe_text

#: Longest single sleep: the wall clock is looked at again after at most this long.
STEP_SECONDS = 30.0


def say(line: str) -> None:
    """One line of serve's output, flushed at once (it may go to a log file or a pipe);
    control characters from data in it (a path, an error message) are escaped."""
    print(safe_text(line, markup=False, lines=True), flush=True)


def describe_time(instant: datetime, zone: ZoneInfo) -> str:
    """`instant` in the zone's local time and in UTC, e.g.
    '2026-01-16 03:30 CET (Europe/Berlin) = 02:30 UTC'."""
    local = instant.astimezone(zone)
    utc = instant.astimezone(UTC)
    day = "" if utc.date() == local.date() else f"{utc:%Y-%m-%d} "
    return f"{local:%Y-%m-%d %H:%M %Z} ({zone.key}) = {day}{utc:%H:%M} UTC"


def serve(config: Path, cron: str, timezone: str, run_now: bool,
          stop: threading.Event | None = None, runs: int | None = None) -> int:
    """Run the nightly flow with `config` each time `cron` fires in `timezone`, until `stop`
    is set (SIGTERM and SIGINT set it) or `runs` runs have been made; `run_now` runs once
    at the start. A failed run is reported and the loop goes on. Returns the exit code, 0.
    ValueError for a bad cron or zone, before anything runs."""
    stop = stop or threading.Event()
    zone = check_timezone(timezone)
    next_fire(cron, timezone, utc_now())  # a bad cron stops here, before any run
    say(f"serving the nightly run of {config}: cron {cron!r} in {timezone}; "
        "stop with Ctrl-C or SIGTERM")
    done = 0
    last = utc_now()
    with handling_signals(on_stop=lambda signum: stop.set()):
        if run_now and not stop.is_set() and (runs is None or runs > 0):
            done += 1
            run_once(config, done, zone, stop)
        while not stop.is_set() and (runs is None or done < runs):
            fire = next_fire(cron, timezone, max(utc_now(), last))
            say(f"next run: {describe_time(fire, zone)}")
            if not sleep_until(fire, stop):
                break
            last = fire
            done += 1
            run_once(config, done, zone, stop)
    say(f"serve stopped after {done} run(s)")
    return 0


def sleep_until(fire: datetime, stop: threading.Event) -> bool:
    """Wait until the wall clock reaches `fire`, in steps of at most STEP_SECONDS; True at
    the fire time (or later, after a suspend), False when `stop` was set first."""
    while not stop.is_set():
        left = (fire - utc_now()).total_seconds()
        if left <= 0:
            return True
        stop.wait(min(STEP_SECONDS, left))
    return False


def run_once(config: Path, number: int, zone: ZoneInfo, stop: threading.Event) -> bool:
    """Run the nightly flow once and print one line on how it went; True when it finished.
    Any exception is reported (its type and message) and swallowed; an interrupt (SIGTERM
    or SIGINT: whatever it was raised as, once a stop signal arrived) sets `stop`."""
    from prefect.exceptions import TerminationSignal

    say(f"run {number} started at {describe_time(utc_now(), zone)}")
    t0 = time.perf_counter()
    try:
        with interruptible():
            call_nightly(config)
    except (KeyboardInterrupt, TerminationSignal) as exc:
        return interrupted(number, t0, exc, stop)
    except Exception as exc:  # one failed night must not stop the schedule
        if stop_signal() is not None:  # a stop signal raised as another error (DuckDB's)
            return interrupted(number, t0, exc, stop)
        report = describe_failure(exc)
        say(f"run {number} {report.outcome} after {time.perf_counter() - t0:.1f} s: "
            f"{report.brief}")
        return False
    say(f"run {number} finished in {time.perf_counter() - t0:.1f} s")
    return True


def interrupted(number: int, t0: float, exc: BaseException, stop: threading.Event) -> bool:
    """Report run `number` stopped by a signal, and stop serving; False."""
    stop.set()
    cause = stop_signal()
    how = type(exc).__name__ if cause is None else signal_name(cause)
    say(f"run {number} interrupted after {time.perf_counter() - t0:.1f} s ({how}); the "
        "warehouse keeps its last complete build")
    return False


def call_nightly(config: Path) -> None:
    """The nightly flow, in this process (Prefect records it as a flow run)."""
    from flows.nightly import nightly_flow

    nightly_flow(config=str(config))
