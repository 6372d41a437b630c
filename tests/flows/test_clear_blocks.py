"""Every block can be cleared: a file whose rows fail an expectation holds back only its
athlete, the failure names the file, and deleting the file lets the next run (or `run
--full`, or `backfill`) publish that athlete again. `musclebalance forget`:
tests/flows/test_forget_clears_blocks.py.

The implausible file is a run at 100 m/s for an hour: its cumulative distance reaches
360 km (3,600 samples 100 m apart), above the 0-300 km a day of `run_distance_km`. The
test relies on the distance only (no speed is written), so door checks on speed do not
change it.

Every test starts from the same first run with the file in place, made once for the module:
each test gets the folder as that run left it, at the same path (the warehouse records the
files' paths).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.helpers import TwoRunners

pytestmark = pytest.mark.flow  # every test here starts Prefect (prefect_server)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, prefect_server: str
              ) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """(the folder, a copy of it as the first run left it, that run) of a `run` with the
    360 km file in fast's folder."""
    base = tmp_path_factory.mktemp("clear-blocks")
    root = base / "runners"
    root.mkdir()
    s = TwoRunners(root, prefect_server)
    s.fast_file.write_bytes(s.fast_data)
    result = s.run()
    copy = base / "after-the-first-run"
    shutil.copytree(root, copy, symlinks=True)
    return root, copy, result


@pytest.fixture
def blocked(first_run, prefect_server: str) -> tuple[TwoRunners, subprocess.CompletedProcess]:
    """The folder as the first run left it (restored from its copy) and that run."""
    root, copy, result = first_run
    shutil.rmtree(root)
    shutil.copytree(copy, root, symlinks=True)
    return TwoRunners(root, prefect_server, write=False), result


def _blocked(s: TwoRunners, result: subprocess.CompletedProcess, path: str) -> None:
    """The run held back `fast` for the 360 km day, naming the file; `ok` is published."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "run_distance_km" in result.stderr
    assert path in result.stderr
    assert "held back fast" in result.stderr
    assert s.published_days("ok") == 3
    assert s.published_days("fast") == 0


def test_deleting_the_file_clears_the_block(blocked) -> None:
    s, first = blocked
    _blocked(s, first, str(s.fast_file))
    assert s.fast_rows() == 3601 + 1 + 1
    rows = s.all_rows()  # with the activity message and the file's field list
    status = s.cli("status", "--config", str(s.config))
    assert status.returncode == 0, status.stderr
    assert (f"remove or fix {s.fast_file}, or run `musclebalance forget {s.fast_file}`"
            in status.stdout)
    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        (files,) = con.execute(
            "SELECT source_files FROM marts.validation_results WHERE NOT success "
            "AND columns = 'run_distance_km'").fetchone()
    assert str(s.fast_file) in files

    s.fast_file.unlink()
    second = s.run()
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"removed {s.fast_file} (fast, sha256 {s.sha[:12]}): {rows} rows" in second.stdout
    assert s.fast_rows() == 0
    assert s.published_days("fast") == 3
    # the runs of the three days, by the generator's own speeds: well under 300 km
    assert 0 < s.distance_km("fast", 1) < 20
    # a further run finds nothing to remove and publishes the same
    third = s.run()
    assert third.returncode == 0, third.stderr
    assert "removed" not in third.stdout


@pytest.mark.parametrize("command", [("run", "--full"), ("backfill",)])
def test_run_full_and_backfill_succeed_after_the_file_is_deleted(blocked, command) -> None:
    s, first = blocked
    _blocked(s, first, str(s.fast_file))
    s.fast_file.unlink()
    result = s.cli(*command, "--config", str(s.config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"removed {s.fast_file}" in result.stdout
    assert s.fast_rows() == 0
    assert s.published_days("fast") == 3
