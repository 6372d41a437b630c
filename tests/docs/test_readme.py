"""The README against the product: every command in its shell blocks is one the command
line (or Prefect, or CI) accepts as written; the ones that work on a user's own folder run
for real in a copy of the session's demo folder; its SQL runs on the demo's published file;
its example config loads. A README that drifts from the CLI fails here.

Where the README's commands run elsewhere: `demo` in tests/flows/test_demo.py (the session's
demo run), `serve` in tests/flows/test_serve.py, the Prefect worker and `deploy --all` in
tests/flows/test_prefect_worker.py (with the arguments checked below)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import typer

from flows.cli import app
from flows.settings import DEFAULT_WAREHOUSE
from schemas.config import config_from_dict
from tests.helpers import REPO, DemoRun
from warehouse.publish import PUBLISHED_FILE, published_dir

README = REPO / "README.md"
#: The Prefect commands of the README, as tests/flows/test_prefect_worker.py runs them.
PREFECT_COMMANDS = (
    ("server", "start"),
    ("worker", "start", "--pool", "musclebalance", "--type", "process"),
    ("--no-prompt", "deploy", "--all"),
)


def blocks(language: str) -> list[str]:
    """The README's fenced code blocks in `language`."""
    return re.findall(rf"^```{language}\n(.*?)^```", README.read_text(), re.M | re.S)


def commands() -> list[list[str]]:
    """Every command line of the shell blocks, as words, without comments and leading
    VAR=value assignments."""
    found = []
    for block in blocks("sh"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
                words.pop(0)
            if words:
                found.append(words)
    return found


def musclebalance_commands() -> list[list[str]]:
    return [w[3:] for w in commands() if w[:3] == ["uv", "run", "musclebalance"]]


def test_every_shell_command_is_one_the_readme_explains_how_to_run() -> None:
    kinds = {tuple(w[:3]) if w[:2] == ["uv", "run"] else (w[0],) for w in commands()}
    assert kinds <= {("uv", "run", "musclebalance"), ("uv", "run", "pytest"),
                     ("uv", "run", "prefect"), ("uvx",)}, kinds
    assert len(musclebalance_commands()) >= 10


def test_the_two_commands_come_first_and_ci_runs_the_readme_test_command() -> None:
    first = blocks("sh")[0]
    assert [shlex.split(line, comments=True) for line in first.splitlines()] == [
        ["uv", "run", "musclebalance", "demo"], ["uv", "run", "pytest"]]
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^uv run pytest\s*$", ci, re.M), "CI calls exactly the README's command"


@pytest.mark.parametrize("words", musclebalance_commands(), ids=" ".join)
def test_each_musclebalance_command_parses_as_written(words: list[str]) -> None:
    """Parsed by the command line's own parser (typer's click): an unknown command or
    option, or a value of the wrong type, raises here."""
    group = typer.main.get_command(app)
    if words == ["--help"]:
        return
    parent = group.context_class(group, info_name="musclebalance")
    command = group.get_command(parent, words[0])
    assert command is not None, f"no command {words[0]!r}"
    args = [w for w in words[1:] if w != "--help"]
    with command.make_context(words[0], args, parent=parent) as ctx:
        assert set(ctx.params) == {p.name for p in command.params}


def test_the_prefect_commands_are_the_ones_the_worker_test_runs() -> None:
    prefect = [tuple(w[3:]) for w in commands() if w[:3] == ["uv", "run", "prefect"]]
    assert prefect == list(PREFECT_COMMANDS)
    worker_test = (REPO / "tests" / "flows" / "test_prefect_worker.py").read_text()
    for args in PREFECT_COMMANDS[1:]:
        assert ", ".join(f'"{a}"' for a in args) in " ".join(worker_test.split())


def test_the_readme_says_how_to_install_uv() -> None:
    text = " ".join(README.read_text().split())
    assert "`curl -LsSf https://astral.sh/uv/install.sh | sh`" in text
    assert "`pip install uv`" in text


def duckdb_shell_line() -> list[str]:
    (line,) = [w for w in commands() if w[0] == "uvx"]
    return line


def test_the_duckdb_shell_opens_the_published_file_read_only() -> None:
    words = duckdb_shell_line()
    assert words[:5] == ["uvx", "--from", "duckdb-cli", "duckdb", "-readonly"]
    assert Path(words[5]) == published_dir(DEFAULT_WAREHOUSE) / PUBLISHED_FILE


def test_the_duckdb_shell_reads_the_demo_published_file(own_folder: Path) -> None:
    """Run only where uv has duckdb-cli cached (no network in tests)."""
    if shutil.which("uvx") is None:
        pytest.skip("uvx is not on PATH")
    query = "SELECT count(*) FROM marts.daily_muscle_balance"
    try:
        done = subprocess.run(["uvx", "--offline", *duckdb_shell_line()[1:], "-csv", query],
                              cwd=own_folder, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.skip("uvx --offline --from duckdb-cli did not answer in 120 s")
    # uv words it "offline", or "not found in the cache" ... "network was disabled"
    cold = ("offline", "network was disabled", "not found in the cache")
    if done.returncode != 0 and any(words in done.stderr.lower() for words in cold):
        pytest.skip(f"duckdb-cli is not in uv's cache: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stderr
    with duckdb.connect(str(own_folder / "data" / "published" / PUBLISHED_FILE),
                        read_only=True) as con:
        (days,) = con.execute(query).fetchone()
    assert done.stdout.split() == ["count_star()", str(days)]


def test_the_sql_command_runs_as_written(own_folder: Path, prefect_server: str) -> None:
    (words,) = [w for w in musclebalance_commands() if w[0] == "sql"]
    done = _run(own_folder, [*words, "--format", "csv"], prefect_server)
    assert done.returncode == 0, done.stderr
    with duckdb.connect(str(own_folder / "data" / "published" / PUBLISHED_FILE),
                        read_only=True) as con:
        expected = con.execute(words[1]).fetchall()
    header, *rows = done.stdout.splitlines()
    assert header == "local_date,score,band"
    assert rows == [f"{day},{'' if score is None else score},{band or ''}"
                    for day, score, band in expected]


def test_the_example_config_loads(tmp_path: Path) -> None:
    import tomllib

    (text,) = blocks("toml")
    config = config_from_dict(tomllib.loads(text), base_dir=tmp_path, source="README")
    (athlete,) = config.athletes
    assert athlete.id == "me" and athlete.nutrition[0].format == "cronometer"
    assert config.warehouse.path == tmp_path / "data" / "musclebalance.duckdb"


def test_every_sql_example_runs_on_the_demo_published_file(demo_run: DemoRun) -> None:
    assert demo_run.result.returncode == 0, demo_run.result.stderr[-2000:]
    sql, *on_warehouse = blocks("sql")  # "Query it", then the raw tables' section
    statements = [s.strip() for s in sql.split(";") if s.strip()]
    assert len(statements) >= 4
    with duckdb.connect(str(demo_run.published), read_only=True) as con:
        results = [con.execute(statement).fetchall() for statement in statements]
    last_days, _, per_day, comments = results
    assert len(last_days) == 14 and all(len(row) == 4 for row in last_days)
    assert len(per_day) == 7
    assert all(comment for _, _, comment in comments)
    warehouse = demo_run.folder / "data" / "musclebalance.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for block in on_warehouse:
            assert con.execute(block).fetchall()


@pytest.fixture(scope="module")
def own_folder(demo_run: DemoRun, tmp_path_factory) -> Path:
    """A copy of the demo folder: a user's folder with its musclebalance.toml."""
    folder = tmp_path_factory.mktemp("readme") / "mine"
    shutil.copytree(demo_run.folder, folder, symlinks=True)
    return folder


def _run(folder: Path, words: list[str], prefect_server: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows", *words], cwd=folder, capture_output=True, text=True,
        env={**os.environ, "PREFECT_API_URL": prefect_server, "COLUMNS": "200",
             "PYTHONPATH": str(REPO)}, timeout=600)


def test_the_commands_for_your_own_folder_run_as_written(
    own_folder: Path, prefect_server: str, tmp_path: Path,
) -> None:
    """`init` in an empty folder; `run`, `status`, `backfill --since` and `--help` in the
    user's folder (its musclebalance.toml is found there)."""
    readme = musclebalance_commands()
    init = _run(tmp_path, ["init"], prefect_server)
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "musclebalance.toml").is_file()
    with duckdb.connect(str(own_folder / "data" / "published" / PUBLISHED_FILE),
                        read_only=True) as con:
        (last_day,) = con.execute("SELECT max(local_date) FROM marts.daily_training"
                                  ).fetchone()
    for words in (["run"], ["--help"]):  # build: tests/flows/test_cli.py
        assert words in readme, words
        done = _run(own_folder, words, prefect_server)
        assert done.returncode == 0, (words, done.stderr[-2000:])
    (backfill,) = [w for w in readme if w[0] == "backfill"]
    since = last_day.replace(day=1).isoformat()  # this month's files, not the README's date
    done = _run(own_folder, [*backfill[:-1], since], prefect_server)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Muscle balance of demo" in done.stdout
    assert ["status"] in readme
    status = _run(own_folder, ["status"], prefect_server)  # after the run and the backfill
    assert status.returncode == 0, status.stderr[-2000:]
    assert "backfill" in status.stdout and "crashed" not in status.stdout
