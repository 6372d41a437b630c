"""What a new user meets first: `--version`, paths checked before any work, `sql` on the
published file, and output that a log file keeps whole. Real processes, real files; none of
these starts Prefect."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from datetime import date
from importlib.metadata import version
from pathlib import Path

import duckdb
import pytest

from tests.helpers import REPO

#: Every test here runs the command line in a subprocess.
pytestmark = pytest.mark.flow

#: A command that checks its paths must answer within this (a run that starts Prefect takes
#: 15 s or more): generous for a loaded 2-core machine.
FAST_S = 3.0
HEAVY = ("prefect", "great_expectations", "polars")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    return {**env, "PYTHONPATH": str(REPO), **extra}


def _run(*args: str, cwd: Path = REPO, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows", *args], cwd=cwd, capture_output=True,
                          text=True, env=_env(**env), timeout=120)


def _in_process(args: list[str], cwd: Path) -> tuple[int, list[str], float]:
    """Run the command line in a fresh interpreter: its exit code, which heavy packages it
    imported and how long the command took."""
    code = ("import sys, time\nfrom flows.cli import app\nt = time.perf_counter()\n"
            f"try:\n    app({args!r})\n    rc = 0\n"
            "except SystemExit as exc:\n    rc = exc.code or 0\n"
            "print(rc, round(time.perf_counter() - t, 3), "
            f"sorted(m for m in {HEAVY!r} if m in sys.modules), sep='|')")
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True,
                          text=True, env=_env(), timeout=120)
    rc, seconds, modules = done.stdout.strip().splitlines()[-1].split("|")
    return int(rc), eval(modules), float(seconds)  # noqa: S307 - our own printed list


def test_version_prints_the_package_version() -> None:
    done = _run("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"musclebalance {version('musclebalance')}"


CONFIG = """\
[warehouse]
path = "data/w.duckdb"

[[athletes]]
id = "a"
timezone = "Europe/Berlin"
sex = "female"
birth_year = 1990
height_cm = 168
fit_paths = ["fit", "{missing_fit}"]

[[athletes.nutrition]]
path = "food.csv"

[[athletes.nutrition]]
path = "gone/food"

[[athletes]]
id = "b"
timezone = "Europe/Berlin"
sex = "male"
birth_year = 1980
height_cm = 180
fit_paths = ["elsewhere.zip"]
"""


@pytest.fixture
def half_there(tmp_path: Path) -> Path:
    """A config whose first fit path and first nutrition path exist; the others do not."""
    (tmp_path / "fit").mkdir()
    (tmp_path / "food.csv").write_text("Day,Energy (kcal)\n")
    config = tmp_path / "musclebalance.toml"
    config.write_text(CONFIG.format(missing_fit=tmp_path / "x" / "y"))
    return config


@pytest.mark.parametrize("command", [["run"], ["ingest"], ["backfill", "--since", "2024-01-01"],
                                     ["serve"]])
def test_a_missing_path_exits_2_at_once_naming_every_key(
    half_there: Path, command: list[str],
) -> None:
    folder = half_there.parent
    started = time.perf_counter()
    done = _run(*command, "--config", str(half_there), cwd=folder)
    seconds = time.perf_counter() - started
    assert done.returncode == 2, done.stderr
    assert seconds < FAST_S + 2  # the interpreter's own start on a loaded machine
    lines = [line for line in done.stderr.splitlines() if "does not exist" in line]
    assert lines == [
        f"config error: {half_there}: athletes[0].fit_paths[1]: {folder / 'x' / 'y'} does not "
        "exist",
        f"config error: {half_there}: athletes[0].nutrition[1].path: {folder / 'gone' / 'food'} "
        "does not exist",
        f"config error: {half_there}: athletes[1].fit_paths[0]: {folder / 'elsewhere.zip'} "
        "does not exist",
    ]
    assert not (folder / "data").exists(), "no warehouse was made"
    rc, modules, in_command = _in_process([*command, "--config", str(half_there)], folder)
    assert (rc, modules) == (2, [])
    assert in_command < FAST_S


def test_ingest_checks_only_the_chosen_athletes_paths(half_there: Path) -> None:
    done = _run("ingest", "--config", str(half_there), "--athlete", "b", cwd=half_there.parent)
    assert done.returncode == 2
    assert [line.split(": ")[2] for line in done.stderr.splitlines()
            if "does not exist" in line] == ["athletes[1].fit_paths[0]"]


def test_ingest_names_the_option_of_a_missing_command_line_path(tmp_path: Path) -> None:
    (tmp_path / "here.fit").write_bytes(b"")
    gone = tmp_path / "nowhere.zip"
    args = ["ingest", "--athlete", "a", "--fit", str(tmp_path / "here.fit"), "--fit", str(gone),
            "--nutrition", str(tmp_path / "food")]
    done = _run(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: --fit {gone}: does not exist",
                                        f"error: --nutrition {tmp_path / 'food'}: does not exist"]
    assert _in_process(args, tmp_path)[:2] == (2, [])


def test_run_right_after_init_says_which_keys_to_edit(tmp_path: Path) -> None:
    assert _run("init", cwd=tmp_path).returncode == 0
    done = _run("run", cwd=tmp_path)
    assert done.returncode == 2
    text = " ".join(done.stderr.split())
    assert (f"musclebalance.toml: athletes[0].fit_paths[0]: {tmp_path / 'fit'} does not exist"
            in text)
    assert "is the example `musclebalance init` wrote: edit athletes[0].fit_paths" in text
    for key in ("timezone", "sex", "birth_year", "height_cm", "[[athletes.nutrition]]"):
        assert key in text
    assert not (tmp_path / "data").exists()


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """A warehouse path whose published file holds one small mart (made here with DuckDB)."""
    warehouse = tmp_path / "data" / "w.duckdb"
    folder = warehouse.parent / "published"
    folder.mkdir(parents=True)
    with duckdb.connect(str(folder / "musclebalance.duckdb")) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.days (local_date DATE, score DOUBLE, reasons VARCHAR)")
        con.execute("INSERT INTO marts.days VALUES ('2026-01-05', 44.5, 'protein, low'), "
                    "('2026-01-06', NULL, NULL)")
    return warehouse


QUERY = "SELECT local_date, score, reasons FROM marts.days ORDER BY local_date"


def test_sql_prints_csv_and_json(published: Path) -> None:
    as_csv = _run("sql", QUERY, "--warehouse", str(published), "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [
        ["local_date", "score", "reasons"], ["2026-01-05", "44.5", "protein, low"],
        ["2026-01-06", "", ""]]
    as_json = _run("sql", QUERY, "--warehouse", str(published), "-f", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == [
        {"local_date": date(2026, 1, 5).isoformat(), "score": 44.5, "reasons": "protein, low"},
        {"local_date": "2026-01-06", "score": None, "reasons": None}]


def test_sql_csv_neutralises_text_a_spreadsheet_would_run(published: Path) -> None:
    """Text from a food tracker can start with = + - @ (a food named "=HYPERLINK(...)"):
    `--format csv` writes it with a leading apostrophe, as the published CSV files do;
    numbers, negative ones too, stay numbers."""
    query = ("SELECT '=HYPERLINK(\"http://x\")' AS food, '-2 eggs' AS note, "
             "'+1' AS plus, '@sum' AS at, 'oats' AS plain, -5.5 AS balance_kcal")
    done = _run("sql", query, "--warehouse", str(published), "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert list(csv.reader(io.StringIO(done.stdout))) == [
        ["food", "note", "plus", "at", "plain", "balance_kcal"],
        ["'=HYPERLINK(\"http://x\")", "'-2 eggs", "'+1", "'@sum", "oats", "-5.5"]]


def test_sql_table_is_not_wrapped_when_output_is_not_a_terminal(published: Path) -> None:
    """A 300-character value stays on one line (rich would fold it at 80 columns)."""
    long = "protein " * 40
    done = _run("sql", f"SELECT '{long.strip()}' AS reasons, 1 AS n", "--warehouse",
                str(published))
    assert done.returncode == 0, done.stderr
    assert any(long.strip() in line for line in done.stdout.splitlines())
    narrow = _run("sql", f"SELECT '{long.strip()}' AS reasons", "--warehouse", str(published),
                  COLUMNS="60")
    assert all(len(line) <= 60 for line in narrow.stdout.splitlines())  # COLUMNS still rules


@pytest.mark.parametrize("statement", [
    "DELETE FROM marts.days",
    "CREATE TABLE marts.more AS SELECT 1",
    "COPY marts.days TO 'out.csv'",
])
def test_sql_is_read_only(published: Path, statement: str) -> None:
    done = _run("sql", statement, "--warehouse", str(published), cwd=published.parent)
    assert done.returncode == 1
    assert "musclebalance sql only reads" in " ".join(done.stderr.split())
    assert not (published.parent / "out.csv").exists()
    with duckdb.connect(str(published.parent / "published" / "musclebalance.duckdb"),
                        read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.days").fetchone() == (2,)


def test_sql_errors_and_a_missing_file_are_named(published: Path, tmp_path: Path) -> None:
    wrong = _run("sql", "SELECT nope FROM marts.days", "--warehouse", str(published))
    assert wrong.returncode == 1 and "SQL error" in wrong.stderr and "nope" in wrong.stderr
    none = _run("sql", "SELECT 1", "--warehouse", str(tmp_path / "other" / "w.duckdb"))
    assert none.returncode == 2 and "nothing published yet" in none.stderr


def test_sql_starts_without_prefect_great_expectations_or_polars(published: Path) -> None:
    rc, modules, _ = _in_process(["sql", "SELECT 1", "--warehouse", str(published)],
                                 published.parent)
    assert (rc, modules) == (0, [])
