"""The README's way to schedule on a Prefect server, run for real against the session's test
server: a process worker on pool `musclebalance`, `prefect --no-prompt deploy --all` from
the repository, then a run of the nightly deployment (as its schedule would start it) that
the worker executes in a process of its own."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from synthetic import SyntheticAthlete, generate_athlete_files
from tests.helpers import REPO, SYNTHETIC_CONFIG
from warehouse.publish import PUBLISHED_FILE

pytestmark = pytest.mark.flow  # every test here starts Prefect (prefect_server)

def _prefect(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "prefect", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


async def _deployments() -> dict:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        return {d.name: d for d in await client.read_deployments()}


async def _wait_for_pool(name: str, timeout_s: float = 180) -> None:
    """Until the worker has created its work pool (as it does on start)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + timeout_s
    async with get_client() as client:
        while time.monotonic() < deadline:
            try:
                await client.read_work_pool(name)
                return
            except ObjectNotFound:
                await asyncio.sleep(1)
    raise AssertionError(f"the worker made no work pool {name!r} in {timeout_s} s")


async def _wait_for_run(flow_run_id, timeout_s: float = 300):
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout_s
    async with get_client() as client:
        while time.monotonic() < deadline:
            run = await client.read_flow_run(flow_run_id)
            if run.state is not None and run.state.is_final():
                return run
            await asyncio.sleep(2)
    raise AssertionError(f"flow run {flow_run_id} did not finish in {timeout_s} s")


def test_a_worker_runs_the_deployed_nightly_flow(tmp_path: Path, prefect_server: str) -> None:
    from prefect.deployments import run_deployment

    (tmp_path / "fit").mkdir()
    files = generate_athlete_files(SyntheticAthlete(), date(2026, 3, 2), 1)
    for f in files:
        (tmp_path / "fit" / f.name).write_bytes(f.data)
    config = tmp_path / "musclebalance.toml"
    (tmp_path / "food").mkdir()  # no food log: nothing to read there
    config.write_text(SYNTHETIC_CONFIG)
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "PWD": str(REPO)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "prefect", "worker", "start", "--pool", "musclebalance",
         "--type", "process"], cwd=REPO, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        asyncio.run(_wait_for_pool("musclebalance"))  # the README: deploy once it started
        deployed = _prefect(env, "--no-prompt", "deploy", "--all")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        deployments = asyncio.run(_deployments())
        assert {"nightly", "backfill", "rebuild"} <= set(deployments)
        nightly = deployments["nightly"]
        (schedule,) = nightly.schedules
        assert (schedule.schedule.cron, schedule.schedule.timezone) == (
            "30 3 * * *", "Europe/Berlin")
        assert nightly.global_concurrency_limit is not None
        assert nightly.global_concurrency_limit.limit == 1
        assert nightly.work_pool_name == "musclebalance"

        started = run_deployment("nightly/nightly", parameters={"config": str(config)},
                                 timeout=0)
        finished = asyncio.run(_wait_for_run(started.id))
        assert finished.state.is_completed(), finished.state
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    published = tmp_path / "data" / "published" / PUBLISHED_FILE
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT command, status, files_loaded FROM marts.pipeline_runs"
                           ).fetchall() == [("nightly", "completed", len(files))]
        assert con.execute("SELECT count(*) FROM marts.daily_training").fetchone()[0] == 7
