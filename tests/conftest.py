"""Shared test fixtures: a Prefect test server for the flow tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """One temporary Prefect server for the whole test session; yields its API URL."""
    from prefect.settings import get_current_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(get_current_settings().api.url)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory, prefect_server: str):
    """One `python -m flows demo` in a fresh folder against the test server."""
    from tests.helpers import REPO, DemoRun

    zone = ZoneInfo("Europe/Berlin")  # the demo athlete's zone
    folder = tmp_path_factory.mktemp("demo") / "musclebalance-demo"
    before = datetime.now(zone).date() - timedelta(days=1)
    result = subprocess.run(
        [sys.executable, "-m", "flows", "demo", "--folder", str(folder)], cwd=REPO,
        env={**os.environ, "PREFECT_API_URL": prefect_server, "COLUMNS": "200"},
        capture_output=True, text=True, timeout=900)
    after = datetime.now(zone).date() - timedelta(days=1)
    return DemoRun(folder, result, before, after != before)
