"""Honest run records under a full disk and kills, in real `musclebalance run` processes.

The warehouse and its published files live on a small tmpfs of their own (mounting one needs
root: the CI runs the tests as root; elsewhere these tests skip and say why). A publish
that meets a full disk exits 1 with one line naming the file and the space needed, keeps
the previous published files byte for byte, records the run `failed` with that line and
leaves no temporary file; once space is freed the next run completes and publishes.
Leftovers that fill the disk are removed before the next run writes anything. (A run killed
before its readers' files are in place: tests/flows/test_crash_safety.py.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.helpers import (
    SYNTHETIC_CONFIG,
    dead_pid,
    file_digests,
    pipeline_runs,
    run_config_cli,
    write_synthetic_span,
)
from warehouse.publish import PUBLISHED_FILE, TEMP_PREFIX

pytestmark = pytest.mark.usefixtures("prefect_server")
DISK = "64m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """`tmp_path/data` (the warehouse's folder in SYNTHETIC_CONFIG) on a 64 MB tmpfs."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (the CI runs the tests as root)")
    data = tmp_path / "data"
    data.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK},mode=0700", "tmpfs",
                              str(data)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"could not mount a tmpfs at {data}: {mounted.stderr.strip()}")
    try:
        yield data
    finally:
        subprocess.run(["umount", "--lazy", str(data)], check=False)


def _fill(folder: Path, name: str, leave_bytes: int = 0) -> Path:
    """A file taking all but about `leave_bytes` of the free space of `folder`'s disk."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    size = shutil.disk_usage(folder).free - leave_bytes
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.posix_fallocate(fd, 0, size)
    finally:
        os.close(fd)
    return path


def _status_and_error(warehouse: Path) -> list[tuple[str, str | None]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT status, error FROM marts.pipeline_runs ORDER BY started_at"
                           ).fetchall()


def _leftovers(data: Path) -> list[Path]:
    """Temporary files of a publish, scratch folders and DuckDB spill files under `data`."""
    return [*(data / "published").glob(f"{TEMP_PREFIX}*"), *data.glob(".scratch-*"),
            *data.glob("w.duckdb.tmp/*")]


def test_a_full_disk_fails_the_publish_in_one_line_and_keeps_the_published_files(
    tmp_path: Path, small_disk: Path, prefect_server: str,
) -> None:
    env = {"PREFECT_API_URL": prefect_server}
    (tmp_path / "musclebalance.toml").write_text(SYNTHETIC_CONFIG)
    write_synthetic_span(tmp_path, 1)
    for _ in range(2):  # the second run settles the warehouse's size (later runs reuse blocks)
        good = run_config_cli(tmp_path, env, "run")
        assert good.returncode == 0, good.stderr[-3000:]
    folder = small_disk / "published"
    published = folder / PUBLISHED_FILE
    before = file_digests(folder)
    # what the new files need, about: the DuckDB file and the export set they replace
    previous_bytes = published.stat().st_size + sum(
        p.stat().st_size for kind in ("parquet", "csv")
        for p in (folder / kind).resolve().iterdir())
    # room for the run's own writes to the warehouse, not for a new published file
    filler = _fill(small_disk, "filler", published.stat().st_size // 2)

    failed = run_config_cli(tmp_path, env, "run")

    assert failed.returncode == 1, failed.stderr[-3000:]
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1, failed.stderr[-3000:]  # no traceback, no engine log
    line = lines[0]
    assert line.startswith(f"error: {published}: no space left on device: "), line
    needed, free = re.search(r"needs about (\d+\.\d) MB, (\d+\.\d) MB free there", line
                             ).groups()
    assert needed == f"{previous_bytes / 1e6:.1f}"
    assert float(free) < float(needed)
    assert "Traceback" not in failed.stdout
    assert file_digests(folder) == before  # the previous files, byte for byte
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.daily_training").fetchone()[0] > 0
    statuses = _status_and_error(small_disk / "w.duckdb")
    assert statuses[-1] == ("failed", "DiskFull: " + line.removeprefix("error: "))
    assert [s for s, _ in statuses[:-1]] == ["completed", "completed"]
    assert _leftovers(small_disk) == []

    filler.unlink()
    again = run_config_cli(tmp_path, env, "run")
    assert again.returncode == 0, again.stderr[-3000:]
    statuses = _status_and_error(small_disk / "w.duckdb")
    assert [s for s, _ in statuses] == ["completed", "completed", "failed", "completed"]
    # readers see the same record
    assert pipeline_runs(published) == pipeline_runs(small_disk / "w.duckdb")
    assert file_digests(folder) != before
    assert _leftovers(small_disk) == []


def test_leftovers_that_fill_the_disk_are_removed_before_the_next_run_writes(
    tmp_path: Path, small_disk: Path, prefect_server: str,
) -> None:
    env = {"PREFECT_API_URL": prefect_server}
    (tmp_path / "musclebalance.toml").write_text(SYNTHETIC_CONFIG)
    write_synthetic_span(tmp_path, 1)
    first = run_config_cli(tmp_path, env, "run")
    assert first.returncode == 0, first.stderr[-3000:]
    folder = small_disk / "published"
    before = file_digests(folder)
    # what killed runs leave: a half-written published file and export set, the scratch
    # folder of an archive, DuckDB's spill file of a process that is gone; the last one
    # takes every byte left
    _fill(small_disk, f"published/{TEMP_PREFIX}{PUBLISHED_FILE}-dead", 8_000_000)
    _fill(small_disk, f"published/{TEMP_PREFIX}exports-dead/parquet/daily_training.parquet",
          4_000_000)
    _fill(small_disk, ".scratch-w.duckdb-0123456789ab/0000001.fit", 2_000_000)
    _fill(small_disk, f"w.duckdb.tmp/duckdb_temp_{dead_pid()}_0_storage_DEFAULT-0.tmp")
    assert shutil.disk_usage(small_disk).free < 64 * 1024  # the disk is full

    write_synthetic_span(tmp_path, 2)  # a week more to load
    second = run_config_cli(tmp_path, env, "run")

    assert second.returncode == 0, second.stderr[-3000:]
    assert _leftovers(small_disk) == []
    assert [s for s, _ in _status_and_error(small_disk / "w.duckdb")] == ["completed"] * 2
    assert file_digests(folder) != before
    assert pipeline_runs(folder / PUBLISHED_FILE) == pipeline_runs(small_disk / "w.duckdb")
