"""The `flow` marker's rule (tests/conftest.py): tests that start Prefect, the CLI or the
demo carry it, and a test without it that tries one of them fails at once."""

from __future__ import annotations

import subprocess
import sys

import pytest
from prefect import flow

from tests.helpers import flow_command


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        ([sys.executable, "-m", "flows", "demo"], "python -m flows"),
        ([sys.executable, "-m", "prefect", "worker", "start"], "python -m prefect"),
        ([sys.executable, "-m", "uvicorn", "--app-dir", "x"], "python -m uvicorn"),
        (["/venv/bin/musclebalance", "--help"], "the musclebalance command"),
        ("musclebalance run --config x.toml", "the musclebalance command"),
        ([sys.executable, "-c", "import sys\nfrom flows.cli import app\napp(['--help'])"],
         "python -c code importing 'from flows.cli'"),
        ([sys.executable, "-c", "import prefect"], "python -c code importing 'import prefect'"),
    ],
)
def test_the_cli_demo_and_prefect_are_recognised(args, starts: str) -> None:
    assert flow_command(args) == starts


@pytest.mark.parametrize(
    "args",
    [
        [sys.executable, "-c", "import os; print(os.getpid())"],
        [sys.executable, "-c", "from flows.stopping import watch_parent"],
        [sys.executable, "-c", "import duckdb, sys, time"],
        ["mount", "-t", "tmpfs", "tmpfs", "/mnt"],
        ["uvx", "--offline", "duckdb", "-csv", "SELECT 1"],
        [],
    ],
)
def test_other_processes_are_not_flow_starts(args) -> None:
    assert flow_command(args) is None


def test_a_test_without_the_marker_cannot_start_the_cli() -> None:
    """This test has no `flow` marker: the guard refuses the spawn before any process
    starts, naming the test and the fix."""
    with pytest.raises(AssertionError, match="test_markers.py.*flow marker"):
        subprocess.Popen([sys.executable, "-m", "flows", "--help"])


def test_a_test_without_the_marker_cannot_run_a_prefect_flow() -> None:
    @flow
    def nothing() -> int:
        return 1

    assert nothing.fn() == 1  # the function itself is pure
    with pytest.raises(AssertionError, match="runs the Prefect flow 'nothing'"):
        nothing()

