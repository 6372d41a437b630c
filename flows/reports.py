"""Writes the runners' reports: `published/report/<athlete>.html` beside the published files,
one self-contained page per athlete drawn from the published marts, and `index.html` linking
them when there are several. Every file is owner-only. The build flow writes them after each
publish; `musclebalance report` writes them on demand."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from report.page import render
from schemas.config import Athlete
from schemas.report_frames import DEFAULT_REPORT_DAYS
from schemas.scoring import Scoring
from warehouse.private import private_dir, write_private
from warehouse.publish import PUBLISHED_FILE, TEMP_PREFIX, published_dir
from warehouse.report_data import open_published, published_athletes, read_report_frames

REPORT_FOLDER = "report"


def report_dir(warehouse: Path) -> Path:
    """Where the reports go: `published/report/`."""
    return published_dir(Path(warehouse)) / REPORT_FOLDER


def report_file(warehouse: Path, athlete_id: str) -> Path:
    """An athlete's report; an id that is no safe file name is written with `_` for the
    characters a file name cannot hold."""
    return report_dir(warehouse) / f"{re.sub(r'[^A-Za-z0-9._-]', '_', athlete_id)}.html"


def _write(path: Path, text: str) -> None:
    """Replace `path` whole (a reader never sees half a report)."""
    tmp = path.with_name(f"{TEMP_PREFIX}{path.name}-{os.getpid()}")
    try:
        write_private(tmp, text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _index(athletes: list[tuple[str, Path]]) -> str:
    links = "".join(f'<li><a href="{escape(p.name)}">{escape(a)}</a></li>'
                    for a, p in athletes)
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>musclebalance reports</title></head><body>"
            f"<h1>musclebalance reports</h1><ul>{links}</ul></body></html>")


def write_reports(warehouse: Path, athletes: list[Athlete], days: int | None = None,
                  units: str = "metric", scoring: Scoring | None = None) -> list[Path]:
    """Write the report of each of `athletes` that has published days (and `index.html`
    when there are several); returns the files written, index last. Raises
    FileNotFoundError when nothing was published yet."""
    published = published_dir(Path(warehouse)) / PUBLISHED_FILE
    folder = private_dir(report_dir(warehouse))
    now = datetime.now(UTC)
    written: list[tuple[str, Path]] = []
    with open_published(published) as con:
        have = set(published_athletes(con))
        for athlete in athletes:
            if athlete.id not in have:
                continue
            frames = read_report_frames(con, athlete.id, days or DEFAULT_REPORT_DAYS)
            if frames is None:
                continue
            path = report_file(warehouse, athlete.id)
            _write(path, render(frames, scoring, units, now))
            written.append((athlete.id, path))
    files = [p for _, p in written]
    if len(written) > 1:
        index = folder / "index.html"
        _write(index, _index(written))
        files.append(index)
    return files


def reports_after_publish(warehouse: str, athletes: list[Athlete], scoring: Scoring | None,
                          units: str, summary) -> None:
    """Write the reports after a publish (a Prefect task run of `write_reports`, so the run
    shows its time) and name them in the build's `summary` (`reports`);
    a report that cannot be written leaves the publish as it is and says why in
    `summary.report_error` (the log carries the error's type and the athletes' count only)."""
    from prefect import get_run_logger, task
    from prefect.cache_policies import NO_CACHE

    from flows.runtime import error_text

    write = task(write_reports, name="write_reports", cache_policy=NO_CACHE)
    try:
        summary.reports = [str(p) for p in write(Path(warehouse), athletes, units=units,
                                                 scoring=scoring)]
    except Exception as exc:  # the marts are published: the report is said to be missing
        summary.report_error = error_text(exc)
        get_run_logger().warning("report not written for %d athletes: %s", len(athletes),
                                  type(exc).__name__)
