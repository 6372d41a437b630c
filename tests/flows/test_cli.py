"""The command line as a user runs it: real processes, real files, real exit codes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas.config import load_config
from synthetic import one_hour_run
from tests.helpers import REPO

#: Every test here runs the command line in a subprocess.
pytestmark = pytest.mark.flow

COMMANDS = ("init", "ingest", "build", "run", "status", "forget")


def _run(*args: str, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})}, timeout=300,
    )


def test_console_script_and_module_both_answer_help() -> None:
    script = Path(sys.executable).parent / "musclebalance"
    assert script.exists(), "the musclebalance console script is installed"
    via_script = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert via_script.returncode == 0
    via_module = _run("--help")
    assert via_module.returncode == 0
    for command in COMMANDS:
        assert command in via_module.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_documents_an_example(command: str) -> None:
    result = _run(command, "--help")
    assert result.returncode == 0
    assert "Example:" in result.stdout


def test_init_writes_a_private_config_that_loads(tmp_path: Path) -> None:
    result = _run("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "musclebalance.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = load_config(path)
    assert config.athletes[0].id == "me"
    again = _run("init", cwd=tmp_path)
    assert again.returncode != 0 and "exists" in again.stderr


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        ('height_cm = -170', "athletes[0].height_cm", "-170"),
        ('timezone = "Mars/Olympus"', "athletes[0].timezone", "Mars/Olympus"),
        ('sex = "robot"', "athletes[0].sex", "robot"),
    ],
)
def test_config_errors_name_the_key_and_exit_non_zero(
    tmp_path: Path, line: str, key: str, value: str
) -> None:
    assert _run("init", cwd=tmp_path).returncode == 0
    path = tmp_path / "musclebalance.toml"
    field = line.split(" = ")[0]
    text = "\n".join(
        line if raw.startswith(f"{field} =") else raw for raw in path.read_text().splitlines()
    )
    assert line in text
    path.write_text(text)
    result = _run("ingest", "--config", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert key in result.stderr and value in result.stderr


def test_ingest_without_inputs_explains_what_is_missing(tmp_path: Path) -> None:
    result = _run("ingest", cwd=tmp_path)
    assert result.returncode == 2
    assert "--fit" in result.stderr


def test_ingest_reports_partial_and_quarantined_files_apart_and_exits_non_zero(
    tmp_path: Path, prefect_server: str
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    run = one_hour_run(datetime(2026, 6, 1, 5, 30, tzinfo=UTC), duration_s=300)
    (inbox / "good.fit").write_bytes(run.data)
    (inbox / "broken.fit").write_bytes(run.data[:-40])  # the last records cut off
    (inbox / "empty.fit").write_bytes(b"")
    warehouse = tmp_path / "out" / "w.duckdb"
    env = {"PREFECT_API_URL": prefect_server}
    first = _run("ingest", "--fit", str(inbox), "--athlete", "me", "--warehouse",
                 str(warehouse), cwd=tmp_path, env=env)
    assert first.returncode == 1, first.stderr
    lines = first.stderr.splitlines()
    assert any(line.startswith("partial ") and "broken.fit" in line and "truncated" in line
               for line in lines), first.stderr
    assert any(line.startswith("quarantined ") and "empty.fit" in line for line in lines)
    assert not any(line.startswith("quarantined ") and "broken.fit" in line for line in lines)
    assert "FIT ingest" in first.stdout and "partial" in first.stdout
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o600
    assert stat.S_IMODE(warehouse.parent.stat().st_mode) == 0o700

    second = _run("ingest", "--fit", str(inbox), "--athlete", "me", "--warehouse",
                  str(warehouse), cwd=tmp_path, env=env)
    assert second.returncode == 0, second.stderr  # nothing new: the bad files were reported

    status = _run("status", "--warehouse", str(warehouse), cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert any(line.startswith("partial (me) ") and "broken.fit" in line and "truncated" in line
               for line in lines), status.stdout
    assert any(line.startswith("quarantined (me) ") and "empty.fit" in line for line in lines)
    # freshness: the good run started 2026-06-01 05:30 UTC, 07:30 in the athlete's zone
    # (the ingest's default zone is UTC unless given: the day is the same either way)
    assert "data freshness" in status.stdout
    assert any(line.split()[:3] == ["me", "2026-06-01", "-"]
               for line in status.stdout.replace("│", " ").splitlines()), status.stdout


def test_nutrition_ingest_names_file_line_column_and_exits_non_zero(
    tmp_path: Path, prefect_server: str
) -> None:
    inbox = tmp_path / "food"
    inbox.mkdir()
    header = "Date,Energy (kcal),Carbs (g),Fiber (g),Fat (g),Protein (g),Completed"
    (inbox / "dailysummary.csv").write_text(f"{header}\n2026-06-01,2300,250,30,80,130,true\n")
    (inbox / "dailysummary-typo.csv").write_text(f"{header}\n2026-06-02,23OO,250,30,80,130,true\n")
    warehouse = tmp_path / "w.duckdb"
    result = _run("ingest", "--nutrition", str(inbox), "--format", "cronometer", "--athlete",
                  "me", "--warehouse", str(warehouse), cwd=tmp_path,
                  env={"PREFECT_API_URL": prefect_server})
    assert result.returncode == 1, result.stderr
    assert "Nutrition ingest" in result.stdout
    assert "dailysummary-typo.csv" in result.stderr
    assert "line 2, column 'Energy (kcal)': '23OO' is not a number" in result.stderr
    status = _run("status", "--warehouse", str(warehouse), cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    quarantined = [line for line in status.stdout.splitlines() if "dailysummary-typo" in line]
    assert quarantined and quarantined[0].startswith("quarantined (me)"), status.stdout


def test_unknown_format_name_is_a_usage_error(tmp_path: Path) -> None:
    result = _run("ingest", "--nutrition", str(tmp_path), "--format", "fitbit", "--athlete",
                  "me", cwd=tmp_path)
    assert result.returncode == 2
    assert "Invalid value for '--format'" in result.stderr
    assert "'fitbit' is not one of 'cronometer', 'loseit'" in result.stderr


@pytest.mark.parametrize(("args", "option", "bad"), [
    (("ingest", "--weight-unit", "st"), "'--weight-unit'", "'st' is not one of 'kg', 'lb'"),
    (("backfill", "--since", "2024-02-30"), "'--since'", "'2024-02-30' does not match"),
    (("backfill", "--until", "31.01.2024"), "'--until'", "'31.01.2024' does not match"),
    (("sql", "SELECT 1", "--format", "xml"), "'--format' / '-f'",
     "'xml' is not one of 'table', 'csv', 'json'"),
])
def test_a_bad_option_value_exits_2_naming_the_option_and_the_value(
        tmp_path: Path, args: tuple[str, ...], option: str, bad: str) -> None:
    result = _run(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"Invalid value for {option}" in result.stderr
    assert bad in result.stderr
    assert list(tmp_path.iterdir()) == []  # refused before anything was written


def test_ingest_format_takes_what_the_config_format_key_takes() -> None:
    from flows.cli import NUTRITION_FORMAT_NAMES
    from schemas.config import NUTRITION_FORMATS

    assert NUTRITION_FORMAT_NAMES == NUTRITION_FORMATS
    assert {"cronometer", "generic", "cronometer_servings"} <= set(NUTRITION_FORMAT_NAMES)


def test_backfill_since_after_until_exits_2(tmp_path: Path) -> None:
    result = _run("backfill", "--since", "2024-03-02", "--until", "2024-03-01", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--since 2024-03-02 is after --until 2024-03-01" in result.stderr


def _config(tmp_path: Path, scoring: str = "") -> Path:
    config = tmp_path / "musclebalance.toml"
    config.write_text(
        '[warehouse]\npath = "w.duckdb"\n\n[[athletes]]\nid = "me"\n'
        'timezone = "Europe/Berlin"\nsex = "female"\nbirth_year = 1990\nheight_cm = 168\n'
        f'max_hr = 188\nresting_hr = 50\nfit_paths = ["fit"]\n{scoring}')
    return config


def test_build_shows_the_last_days_and_weeks_of_scores(
    tmp_path: Path, prefect_server: str
) -> None:
    from synthetic import SyntheticAthlete, generate_athlete_files, generate_nutrition_exports

    athlete = SyntheticAthlete(athlete_id="me")
    start = datetime(2026, 3, 2).date()
    files = generate_athlete_files(athlete, start, 3)
    (tmp_path / "fit").mkdir()
    for f in files:
        (tmp_path / "fit" / f.name).write_bytes(f.data)
    exports = generate_nutrition_exports(athlete, files, start, 3)
    (tmp_path / "servings.csv").write_bytes(exports.cronometer_servings_csv)
    config = _config(tmp_path, 'weight_kg = 61.5\n\n[display]\nunits = "imperial"\n')
    env = {"PREFECT_API_URL": prefect_server}
    assert _run("ingest", "--config", str(config), "--nutrition",
                str(tmp_path / "servings.csv"), "--athlete", "me", cwd=tmp_path,
                env=env).returncode == 0
    result = _run("build", "--config", str(config), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "Muscle balance of me, last 14 days" in result.stdout
    assert "Weekly, last 3 weeks" in result.stdout  # ISO weeks 10-12 of 2026
    last_day = (start.toordinal() + 3 * 7 - 1)
    for offset in range(14):  # the 14 days ending on the last day of data
        day = datetime.fromordinal(last_day - offset).date().isoformat()
        assert day in result.stdout
    assert all(f"2026-W{w}" in result.stdout for w in (10, 11, 12))
    # imperial units: protein in g/lb beside g/kg, the week's mean weight in lb, each
    # worked out here from the published marts (1 lb = 0.45359237 kg)
    import duckdb

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        per_kg, weight_kg = con.execute(
            "SELECT (SELECT protein_g_per_kg_mean FROM marts.weekly_muscle_balance "
            "        WHERE iso_week = 12), "
            "(SELECT avg(weight_kg) FROM marts.daily_energy "
            "  WHERE local_date BETWEEN DATE '2026-03-16' AND DATE '2026-03-22')").fetchone()
    (week,) = [line.split() for line in result.stdout.splitlines() if "2026-W12" in line]
    header = next(line.split() for line in result.stdout.splitlines()
                  if line.split()[:1] == ["week"])
    assert header[9:12] == ["g/kg", "g/lb", "lb"]
    assert week[7:10] == [f"{per_kg:.1f}", f"{per_kg * 0.45359237:.2f}",
                          f"{weight_kg / 0.45359237:.1f}"]


def test_an_unknown_scoring_constant_stops_before_any_work(tmp_path: Path) -> None:
    config = _config(tmp_path, "[scoring]\nprotein_targt_g_per_kg = 1.8\n")
    (tmp_path / "fit").mkdir()  # a missing path would stop it first
    result = _run("run", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "scoring.protein_targt_g_per_kg: unknown constant" in result.stderr
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(),
                    reason="FIFOs and /dev/zero exist on POSIX systems only")
def test_a_device_or_fifo_on_the_command_line_is_refused_by_name_at_once(tmp_path: Path) -> None:
    (tmp_path / "zero.fit").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "food.csv")
    started = datetime.now(UTC)
    result = subprocess.run(
        [sys.executable, "-m", "flows", "ingest", "--athlete", "me", "--fit",
         str(tmp_path / "zero.fit"), "--nutrition", str(tmp_path / "food.csv")],
        cwd=tmp_path, capture_output=True, text=True, timeout=30,
        env={**os.environ, "COLUMNS": "200"})
    assert (datetime.now(UTC) - started).total_seconds() < 30
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"error: --fit {tmp_path / 'zero.fit'}: not a regular file (a character device): "
        "only regular files and folders are read",
        f"error: --nutrition {tmp_path / 'food.csv'}: not a regular file (a FIFO (named "
        "pipe)): only regular files and folders are read",
    ]
    assert not (tmp_path / "data").exists(), "nothing was read or written"


@pytest.mark.parametrize("athlete", ["", "me\nyou", "\x1b[31mred\x1b[0m", "[bold]me[/bold]",
                                     "a" * 65, "m\u00e9"])
def test_an_athlete_id_on_the_command_line_follows_the_configs_rule(
    tmp_path: Path, athlete: str,
) -> None:
    (tmp_path / "run.fit").write_bytes(b"")
    result = _run("ingest", "--athlete", athlete, "--fit", str(tmp_path / "run.fit"),
                  cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (f"error: --athlete {athlete!r}: an athlete id must be 1-64 "
                             "characters of letters, digits, '_', '.' or '-'\n")
    assert "\x1b" not in result.stderr + result.stdout
    assert not (tmp_path / "data").exists()


def test_status_shows_ids_file_names_and_reasons_from_data_escaped(tmp_path: Path) -> None:
    """A warehouse whose rows hold an id, a file name and a reason with an escape sequence,
    a newline, a right-to-left override and rich markup (an older warehouse, or a flow
    called with such an id): status shows each as typed, escaped, and never sends the ESC
    byte (stdout is a pipe, so rich adds no colour codes of its own)."""
    from warehouse.connection import connect, transaction
    from warehouse.ddl import create_all
    from warehouse.manifest import PARTIAL, QUARANTINED, SourceFile, upsert_source_files

    athlete = "\x1b[31mred[bold]id[/bold]"
    evil = str(tmp_path / "\x1b[2J\x1b[31mrun[bold]x[/bold]\u202e.fit")
    reason = "truncated\nquarantined (me) forged line \x1b]0;title\x07 [red]x[/red]"
    warehouse = tmp_path / "w.duckdb"
    with connect(warehouse) as con:
        create_all(con)
        with transaction(con):
            upsert_source_files(con, [
                SourceFile(athlete, "a" * 64, evil, 10, "fit", QUARANTINED, reason),
                SourceFile(athlete, "b" * 64, evil + "2", 10, "fit", PARTIAL, reason, None, 3,
                           99),
            ], datetime.now(UTC))
    result = _run("status", "--warehouse", str(warehouse), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout + result.stderr
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    shown_id = "\\x1b[31mred[bold]id[/bold]"
    shown_path = str(tmp_path / "\\x1b[2J\\x1b[31mrun[bold]x[/bold]\\u202e.fit")
    lines = result.stdout.splitlines()
    assert f"quarantined ({shown_id}) {shown_path}: truncated" in lines
    assert (f"partial ({shown_id}) {shown_path}2: truncated" in lines)
    # the reason's second line is indented: it cannot pass for a line of status's own
    assert ("    quarantined (me) forged line \\x1b]0;title\\x07 [red]x[/red]; 3 messages "
            "before byte 99 are loaded") in lines
    assert not any(line.startswith("quarantined (me)") for line in lines)
    assert any(shown_id in line for line in lines if "│" in line or "|" in line), (
        "the files table names the athlete, escaped")
