"""Shared test fixtures: a Prefect test server for the flow tests, the demo run once per
session, a headless Chromium per module, and the `flow` marker, put on every test that
starts Prefect, the CLI, the demo or the browser.

The marker is applied here, not by hand: a test that uses the `prefect_server`, `demo_run`
or `chromium` fixture (directly or through another fixture) is a flow test. A test that
spawns the CLI in a subprocess without one of them carries `pytest.mark.flow` itself;
`_flow_guard` fails any test without the marker that spawns the CLI or Prefect, or runs a Prefect
flow in this process, so the marker cannot be forgotten and `-m "not flow"` stays fast.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import flow_command

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

#: Fixtures that start Prefect, the demo or a browser: a test using one is a flow test.
FLOW_FIXTURES = frozenset({"prefect_server", "demo_run", "chromium"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if FLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.flow)
    _long_files_first(items)


def _long_files_first(items: list[pytest.Item]) -> None:
    """Order the test files: those with `flow` tests first (each runs for tens of seconds to
    minutes), then those with `slow` tests, then the rest, each group in collection order.

    With `--dist loadfile` a worker takes a whole file and asks for the next one while it
    still has two tests to run (xdist's `--no-loadscope-reorder`, in addopts, keeps this
    order; its default puts files with many tests first, which left the long flow files,
    with few tests each, to the end: one worker ran them one after the other while the other
    had nothing left to do). Long files first, the short ones share out the end."""
    rank: dict[Path, int] = {}
    for item in items:
        kind = (0 if item.get_closest_marker("flow") else
                1 if item.get_closest_marker("slow") else 2)
        rank[item.path] = min(rank.get(item.path, 2), kind)
    items.sort(key=lambda item: rank[item.path])


class FlowWithoutMarker(AssertionError):
    """A test without the `flow` marker started the CLI, Prefect or a flow."""


@contextmanager
def _flow_guard(item: pytest.Item) -> Iterator[None]:
    """For a test without the `flow` marker: spawning the CLI, the demo or Prefect (its
    server, worker or command line) fails, and so does calling a Prefect flow here."""
    if item.get_closest_marker("flow") is not None:
        yield
        return
    test = item.nodeid
    popen_init = subprocess.Popen.__init__

    def guarded_init(self, args, *rest, **kwargs):
        what = flow_command(args)
        if what is not None:
            self._child_created = False  # for Popen.__del__
            raise FlowWithoutMarker(f"{test} starts {what} in a subprocess without the flow "
                                    "marker: add pytest.mark.flow (or use prefect_server)")
        popen_init(self, args, *rest, **kwargs)

    def guarded_call(self, *args, **kwargs):
        raise FlowWithoutMarker(f"{test} runs the Prefect flow {self.name!r} without the "
                                "flow marker: use the prefect_server fixture")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess.Popen, "__init__", guarded_init)
        flows = sys.modules.get("prefect.flows")
        if flows is not None:  # imported by the test's module (else Prefect's server
            patch.setattr(flows.Flow, "__call__", guarded_call)  # start is refused)
        yield


# The guard covers each test's set-up (its fixtures, also module and session ones first
# set up for it), its call and its tear-down.
@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    with _flow_guard(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    with _flow_guard(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    with _flow_guard(item):
        return (yield)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """One temporary Prefect server for the whole test session; yields its API URL."""
    from prefect.settings import get_current_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(get_current_settings().api.url)


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium (Debian's, see tests/browser.py) for the tests of a module;
    skips without it, fails without it under CI."""
    from tests.browser import launch_chromium

    with launch_chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory, prefect_server: str):
    """One `python -m flows demo` in a fresh folder against the test server, shared by
    every xdist worker of the session (the first one to ask runs it; the others wait for it
    and read its folder, which the tests only copy, never change)."""
    from tests.helpers import REPO, DemoRun

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # an xdist worker: gw0, gw1, ...
        root = root.parent  # shared by the workers of this session
    shared = root / "demo-run"
    with open(root / "demo-run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        record = shared / "result.json"
        if not record.exists():
            _run_demo(shared, prefect_server, REPO)
        done = json.loads(record.read_text())
    result = subprocess.CompletedProcess(done["args"], done["returncode"], done["stdout"],
                                         done["stderr"])
    return DemoRun(Path(done["folder"]), result, date.fromisoformat(done["last_day"]),
                   done["crossed_midnight"])


def _run_demo(shared: Path, prefect_server: str, repo: Path) -> None:
    """Run the demo into shared/musclebalance-demo; its result goes to shared/result.json."""
    zone = ZoneInfo("Europe/Berlin")  # the demo athlete's zone
    shared.mkdir()
    folder = shared / "musclebalance-demo"
    before = datetime.now(zone).date() - timedelta(days=1)
    result = subprocess.run(
        [sys.executable, "-m", "flows", "demo", "--folder", str(folder)], cwd=repo,
        env={**os.environ, "PREFECT_API_URL": prefect_server, "COLUMNS": "200"},
        capture_output=True, text=True, timeout=900)
    after = datetime.now(zone).date() - timedelta(days=1)
    (shared / "result.json").write_text(json.dumps({
        "folder": str(folder), "args": result.args, "returncode": result.returncode,
        "stdout": result.stdout, "stderr": result.stderr, "last_day": before.isoformat(),
        "crossed_midnight": after != before}))
