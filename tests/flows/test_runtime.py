"""The run record and retry policy every flow shares (flows/runtime.py), on real warehouses
under the session's Prefect test server: one row per run, joined by flows called inside it;
a run left `running` is found crashed by the next; an error is recorded as failed; tasks
retry on a busy warehouse or an I/O error, never on bad data; a backfill of 3,000 files is
a handful of tasks."""

from __future__ import annotations

import errno
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.ingest import CHUNK_FILES, Plan, WorkItem
from flows.runtime import io_task, pipeline_run
from tests.helpers import dead_pid
from warehouse.connection import WarehouseBusy, WarehouseInUse, connect
from warehouse.ddl import create_all
from warehouse.runs import begin_run

pytestmark = pytest.mark.usefixtures("prefect_server")


def rows(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT command, status, error IS NOT NULL, finished_at IS NOT NULL "
                           "FROM marts.pipeline_runs ORDER BY started_at").fetchall()


def test_a_flow_inside_a_run_joins_it_and_another_warehouse_gets_its_own(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "a" / "w.duckdb", tmp_path / "b" / "w.duckdb"
    with pipeline_run(first, "nightly") as outer:
        with pipeline_run(tmp_path / "a" / ".." / "a" / "w.duckdb", "ingest") as inner:
            assert inner is outer
        with pipeline_run(second, "build") as other:
            assert other is not outer
    assert rows(first) == [("nightly", "completed", False, True)]
    assert rows(second) == [("build", "completed", False, True)]


def run_in_another_thread(warehouse: Path) -> BaseException | None:
    """What a run on `warehouse` in a new thread (which starts with no run of its own)
    raised, or None when it ran."""
    import threading

    raised: list[BaseException] = []

    def another() -> None:
        try:
            with pipeline_run(warehouse, "nightly"):
                pass
        except BaseException as exc:  # noqa: BLE001 - kept for the assertion
            raised.append(exc)

    thread = threading.Thread(target=another)
    thread.start()
    thread.join()
    return raised[0] if raised else None


def test_a_second_run_on_the_same_warehouse_is_refused_at_once(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with pipeline_run(warehouse, "nightly"):
        assert isinstance(run_in_another_thread(warehouse), WarehouseBusy)
    assert rows(warehouse) == [("nightly", "completed", False, True)]


def test_a_run_left_running_is_marked_crashed_by_the_next(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with connect(warehouse) as con:
        create_all(con)
        begin_run(con, "killed-run", "nightly", datetime(2026, 11, 1, 2, 30, tzinfo=UTC))
    with pipeline_run(warehouse, "nightly") as run:
        assert [r[:2] for r in run.crashed] == [("killed-run", "nightly")]
    assert rows(warehouse) == [("nightly", "crashed", False, False),
                               ("nightly", "completed", False, True)]


def test_an_error_marks_the_run_failed_with_its_type(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with pytest.raises(RuntimeError), pipeline_run(warehouse, "build"):
        raise RuntimeError("disk went away")
    assert rows(warehouse) == [("build", "failed", True, True)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT error FROM marts.pipeline_runs").fetchone() == (
            "RuntimeError: disk went away",)


def _flaky(error: BaseException, failures: int):
    """A flow around an io_task that raises `error` on its first `failures` attempts."""
    from prefect import flow

    attempts: list[int] = []

    @io_task(retry_delay_seconds=0)
    def step() -> int:
        attempts.append(1)
        if len(attempts) <= failures:
            raise error
        return len(attempts)

    @flow(name="flaky")
    def run() -> int:
        return step()

    return run, attempts


@pytest.mark.parametrize("error", [WarehouseInUse("w.duckdb: in use"), OSError(5, "EIO")])
def test_a_task_retries_while_the_warehouse_is_busy_or_io_fails(error: BaseException) -> None:
    run, attempts = _flaky(error, 2)
    assert run() == 3
    assert len(attempts) == 3


@pytest.mark.parametrize("error", [
    ValueError("bad value"), FileNotFoundError("gone"),
    OSError(errno.ENOSPC, "No space left on device"),
    duckdb.IOException('IO Error: Could not write file "w.duckdb.wal": No space left on device'),
])
def test_a_task_does_not_retry_bad_data_a_missing_file_or_a_full_disk(
    error: BaseException,
) -> None:
    run, attempts = _flaky(error, 1)
    with pytest.raises(type(error)):
        run()
    assert len(attempts) == 1


def test_a_backfill_of_3000_files_is_a_handful_of_decode_tasks() -> None:
    plan = Plan("me", work=[WorkItem(f"{i}.fit", f"{i}.fit", "fit", 350_000, f"{i:064x}")
                            for i in range(3000)])
    chunks = list(plan.chunks())
    assert 3000 // CHUNK_FILES <= len(chunks) <= 10  # at most CHUNK_FILES or CHUNK_BYTES each
    assert sum(len(c) for c in chunks) == 3000


def test_a_link_to_the_warehouse_shares_its_lock(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    link = tmp_path / "link.duckdb"
    with pipeline_run(warehouse, "nightly"):
        pass
    link.symlink_to(warehouse)
    with pipeline_run(warehouse, "build"):
        assert isinstance(run_in_another_thread(link), WarehouseBusy)
    assert [r[:2] for r in rows(warehouse)] == [("nightly", "completed"), ("build", "completed")]


def test_a_run_clears_only_its_own_warehouses_scratch_folders(tmp_path: Path) -> None:
    from flows.sources import scratch_folder

    mine, theirs = scratch_folder(tmp_path / "bob.duckdb"), scratch_folder(
        tmp_path / "alice.duckdb")
    for folder in (mine, theirs):
        folder.mkdir()
        (folder / "member.fit").write_bytes(b"x")
    with pipeline_run(tmp_path / "bob.duckdb", "build"):
        pass
    assert not mine.exists() and (theirs / "member.fit").exists()


def test_a_run_removes_leftovers_before_it_writes_and_keeps_a_live_processes_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import warehouse.runs

    warehouse_path = tmp_path / "w.duckdb"
    published = tmp_path / "published"
    (published / ".tmp-exports-dead" / "csv").mkdir(parents=True)
    (published / ".tmp-exports-dead" / "csv" / "daily_training.csv").write_bytes(b"x" * 1000)
    (published / ".tmp-musclebalance.duckdb-dead").write_bytes(b"x" * 1000)
    (published / ".tmp-musclebalance.duckdb-dead.wal").write_bytes(b"x")
    (published / "musclebalance.duckdb").write_bytes(b"the readers' file")
    spill = tmp_path / "w.duckdb.tmp"
    spill.mkdir()
    dead = spill / f"duckdb_temp_{dead_pid()}_0_storage_DEFAULT-0.tmp"
    live = spill / f"duckdb_temp_{os.getpid()}_0_storage_DEFAULT-0.tmp"
    for path in (dead, live):
        path.write_bytes(b"x" * 1000)
    seen: list[list[str]] = []
    begin = warehouse.runs.begin_run

    def begin_after_looking(*args, **kwargs) -> None:  # what is there when the row is written
        seen.append(sorted(p.name for p in [*published.iterdir(), *spill.iterdir()]))
        begin(*args, **kwargs)

    monkeypatch.setattr(warehouse.runs, "begin_run", begin_after_looking)
    with pipeline_run(warehouse_path, "build"):
        pass
    assert seen == [sorted(["musclebalance.duckdb", live.name])]
    assert (published / "musclebalance.duckdb").read_bytes() == b"the readers' file"


def test_a_retried_flow_run_records_each_attempt(tmp_path: Path) -> None:
    from prefect import flow

    warehouse = tmp_path / "w.duckdb"
    attempts: list[str] = []

    @flow(name="retried", retries=1, retry_delay_seconds=0)
    def retried() -> None:
        with pipeline_run(warehouse, "nightly") as run:
            attempts.append(run.run_id)
            if len(attempts) == 1:
                raise OSError("the disk blinked")

    retried()
    assert attempts[1] == f"{attempts[0]}-2"
    assert [r[:3] for r in rows(warehouse)] == [("nightly", "failed", True),
                                                ("nightly", "completed", False)]
