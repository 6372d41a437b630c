"""`musclebalance demo`, run as a user runs it: a subprocess that generates a synthetic runner,
runs the real nightly flow (against the session's Prefect test server) and prints the scores.

The demo is run once for the session (tests/conftest.py; the README's checks use the same
run); a second run's fresh start is checked on a copy of its folder; the refusals (too few
weeks, a folder that is not the demo's) stop before any work and are cheap.

The shown ISO weeks are worked out here from the files the demo wrote (its lead-in Monday)
and yesterday's date in the athlete's time zone, not from what the demo reports.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from schemas.config import load_config
from tests.helpers import REPO, DemoRun

#: Every test here runs the demo in a subprocess (its own or the session's demo_run).
pytestmark = pytest.mark.flow

ZONE = ZoneInfo("Europe/Berlin")  # the synthetic athlete's time zone
WEEKS = 18  # the demo's default
MARKER = ".musclebalance-demo"


def yesterday() -> date:
    """Yesterday in the athlete's time zone: the demo's last day."""
    return datetime.now(ZONE).date() - timedelta(days=1)


def run_demo(folder: Path, *args: str, env: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows", "demo", "--folder", str(folder), *args],
        cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True, text=True,
        timeout=900,
    )


def words(text: str) -> str:
    """Text with every run of whitespace (rich wraps long lines) made one space."""
    return " ".join(text.split())


def data_dates(folder: Path) -> list[date]:
    """Local dates of everything the demo generated: FIT file names start with the local
    date, and each Cronometer row with its day."""
    dates = [date.fromisoformat(p.name[:10]) for p in (folder / "garmin").glob("*.fit")]
    for export in (folder / "food").glob("*.csv"):
        rows = export.read_text(encoding="utf-8").splitlines()[1:]
        dates.extend(date.fromisoformat(row[:10]) for row in rows)
    return dates


def iso_weeks(first: date, last: date) -> set[tuple[int, int]]:
    return {(first + timedelta(days=i)).isocalendar()[:2]
            for i in range((last - first).days + 1)}


def modes(folder: Path) -> dict[str, int]:
    """Permission bits of every file and folder under `folder` (links are skipped)."""
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for root, dirs, files in os.walk(folder):
        for name in (*dirs, *files):
            path = Path(root) / name
            info = path.lstat()
            if not stat.S_ISLNK(info.st_mode):
                found[str(path.relative_to(folder))] = stat.S_IMODE(info.st_mode)
    return found


@pytest.fixture
def demo(demo_run) -> DemoRun:
    """The session's one demo run (tests/conftest.py)."""
    if demo_run.crossed_midnight:
        pytest.skip("the demo ran across midnight: its span is not known here")
    return demo_run


def test_demo_exits_0_and_publishes(demo: DemoRun) -> None:
    assert demo.result.returncode == 0, demo.result.stderr[-3000:]
    assert demo.published.is_file()
    assert (demo.folder / MARKER).is_file()
    for folder in ("parquet", "csv"):
        assert (demo.published.parent / folder).is_dir()


def test_every_shown_week_has_a_score(demo: DemoRun) -> None:
    dates = data_dates(demo.folder)
    first = min(dates)
    assert first.weekday() == 0, "the data start on a Monday (the lead-in week)"
    assert max(dates) <= demo.last_day, "nothing after yesterday"
    expected = iso_weeks(first + timedelta(days=7), demo.last_day)
    assert len(expected) == WEEKS
    with duckdb.connect(str(demo.published), read_only=True) as con:
        rows = con.execute("SELECT iso_year, iso_week, score FROM marts.weekly_muscle_balance "
                           "WHERE athlete_id = 'demo'").fetchall()
    scores = {(year, week): score for year, week, score in rows}
    missing = sorted(w for w in expected if scores.get(w) is None)
    assert missing == [], f"shown weeks without a score: {missing}"


def test_days_below_80_give_reasons(demo: DemoRun) -> None:
    with duckdb.connect(str(demo.published), read_only=True) as con:
        rows = con.execute("SELECT local_date, score, reasons FROM marts.daily_muscle_balance "
                           "WHERE score < 80 ORDER BY local_date").fetchall()
    assert rows, "the demo has days below 80"
    silent = [row for row in rows if not (row[2] or "").strip()]
    assert silent == []


def test_config_loads_and_points_into_the_folder(demo: DemoRun) -> None:
    config_path = demo.folder / "musclebalance.toml"
    config = load_config(config_path)
    (athlete,) = config.athletes
    assert athlete.id == "demo" and athlete.timezone == "Europe/Berlin"
    assert athlete.fit_paths == (demo.folder / "garmin",)
    (food,) = athlete.nutrition
    assert food.path == demo.folder / "food" and food.format == "cronometer"
    assert config.warehouse.path == demo.folder / "data" / "musclebalance.duckdb"


def test_output_names_the_files(demo: DemoRun) -> None:
    out = demo.result.stdout
    assert str(demo.published) in out
    assert str(demo.folder / "data" / "musclebalance.duckdb") in out
    assert str(demo.folder / "musclebalance.toml") in out
    assert f"Generated {WEEKS} weeks" in out
    assert "Weekly, last 8 weeks" in out
    report = demo.published.parent / "report" / "demo.html"
    assert f"report:    {report}" in out
    assert report.is_file()


def next_lines(stdout: str) -> list[list[str]]:
    """The commands the demo prints under `next:`, as words."""
    lines = stdout.splitlines()
    start = lines.index("next:") + 1
    return [shlex.split(line) for line in lines[start:] if line.startswith("  ")]


def test_the_next_lines_run_as_printed(demo: DemoRun, tmp_path: Path) -> None:
    """Each `next:` line is `uv run musclebalance ...` that the command line parses; the
    read-only ones (sql, status) run in a copy of the demo folder (its config path swapped
    for the copy's), and the SQL's result matches DuckDB's own on the published file."""
    import typer

    from flows.cli import app

    printed = next_lines(demo.result.stdout)
    assert [w[3] for w in printed] == ["report", "sql", "status", "build"]
    group = typer.main.get_command(app)
    parent = group.context_class(group, info_name="musclebalance")
    copy = tmp_path / "copy"
    shutil.copytree(demo.folder, copy, symlinks=True)
    for words in printed:
        assert words[:3] == ["uv", "run", "musclebalance"]
        command = group.get_command(parent, words[3])
        with command.make_context(words[3], words[4:], parent=parent) as ctx:
            assert ctx.params["config"] == demo.config
        if words[3] == "build":  # a whole build: tests/flows/test_cli.py runs one
            continue
        args = [str(copy / "musclebalance.toml") if w == str(demo.config) else w
                for w in words[3:] if w != "--open"]  # no browser is opened here
        env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # no wrapping
        done = subprocess.run([sys.executable, "-m", "flows", *args], cwd=copy,
                              env={**env, "PYTHONPATH": str(REPO)},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (words, done.stderr)
        if words[3] == "report":
            report = copy / "data" / "published" / "report" / "demo.html"
            assert done.stdout.strip() == f"report: {report}"
            assert stat.S_IMODE(report.stat().st_mode) == 0o600
        if words[3] == "sql":
            with duckdb.connect(str(copy / "data" / "published" / "musclebalance.duckdb"),
                                read_only=True) as con:
                weeks = con.execute(words[-1]).fetchall()
            assert len(weeks) >= WEEKS
            shown = [line.split()[:2] for line in done.stdout.splitlines()
                     if all(w.isdigit() for w in line.split()[:2]) and len(line.split()) > 1]
            assert done.stdout.split()[-2:] == [str(len(weeks)), "rows"]
            assert shown == [[str(year), str(week)] for year, week, *_ in weeks]


def test_files_are_private(demo: DemoRun) -> None:
    found = modes(demo.folder)
    wrong = {name: oct(mode) for name, mode in found.items()
             if mode != (0o700 if (demo.folder / name).is_dir() else 0o600)}
    assert wrong == {}
    assert len(found) > 100  # the FIT files, the exports, the warehouse, the published files


def test_a_second_run_in_the_folder_starts_afresh(demo: DemoRun, tmp_path: Path) -> None:
    from flows.demo import prepare_folder

    folder = tmp_path / "again"
    shutil.copytree(demo.folder, folder, symlinks=True)
    (folder / "stray.txt").write_text("left by someone", encoding="utf-8")
    prepare_folder(folder)  # what the demo does first, before generating anew
    assert [p.name for p in folder.iterdir()] == [MARKER]
    assert demo.published.is_file()  # the copy was emptied, not the original


def test_foreign_folder_is_refused_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("my notes", encoding="utf-8")
    (folder / "sub" / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    os.chmod(folder / "notes.txt", 0o644)
    before = {p: (p.read_bytes() if p.is_file() else None, p.stat().st_mode, p.stat().st_mtime_ns)
              for p in folder.rglob("*")}
    result = run_demo(folder)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "not an earlier demo folder" in words(result.stderr)
    after = {p: (p.read_bytes() if p.is_file() else None, p.stat().st_mode, p.stat().st_mtime_ns)
             for p in folder.rglob("*")}
    assert after == before


def test_file_instead_of_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a-file"
    path.write_text("keep me", encoding="utf-8")
    result = run_demo(path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is not a folder" in words(result.stderr)
    assert path.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("weeks", ["15", "0", "105"])
def test_weeks_outside_16_to_104_are_refused(tmp_path: Path, weeks: str) -> None:
    folder = tmp_path / "demo"
    result = run_demo(folder, "--weeks", weeks)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"--weeks must be at least 16 and at most 104 (got {weeks})" in words(result.stderr)
    assert not folder.exists()
