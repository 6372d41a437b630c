"""prefect.yaml as Prefect reads it: the nightly deployment points at an existing flow with
the parameters it takes, its cron and time zone parse, and at most one run goes at a time;
and the command line's help starts without the heavy imports."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys

import pytest
import yaml
from prefect import Flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.client.schemas.schedules import CronSchedule

from tests.helpers import REPO


def _deployments() -> dict[str, dict]:
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text())
    return {d["name"]: d for d in spec["deployments"]}


def _nightly() -> dict:
    return _deployments()["nightly"]


@pytest.mark.parametrize("name", ["nightly", "backfill", "rebuild"])
def test_each_deployment_points_at_its_flow_with_parameters_it_takes(name: str) -> None:
    deployment = _deployments()[name]
    path, attribute = deployment["entrypoint"].split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    flow = getattr(module, attribute)
    assert isinstance(flow, Flow) and flow.name == name
    signature = inspect.signature(flow.fn).parameters
    required = {p for p, v in signature.items() if v.default is inspect.Parameter.empty}
    assert required <= set(deployment["parameters"]) <= set(signature)
    limit = ConcurrencyLimitConfig(**deployment["concurrency_limit"])
    assert limit.limit == 1


def test_the_schedule_is_a_cron_with_an_iana_time_zone() -> None:
    (schedule,) = _nightly()["schedules"]
    cron = CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
    assert cron.timezone == "Europe/Berlin" and schedule["active"] is True


def test_at_most_one_nightly_run_at_a_time() -> None:
    limit = ConcurrencyLimitConfig(**_nightly()["concurrency_limit"])
    assert limit.limit == 1
    assert limit.collision_strategy == ConcurrencyLimitStrategy.ENQUEUE


@pytest.mark.flow  # the command line in a subprocess
def test_help_does_not_import_great_expectations_or_start_prefect() -> None:
    code = ("import sys\nfrom flows.cli import app\ntry:\n    app(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('great_expectations', 'prefect', 'duckdb', 'polars') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.flow  # the command line in a subprocess
def test_status_reads_the_warehouse_without_great_expectations_prefect_or_polars(
    tmp_path,
) -> None:
    from warehouse.connection import connect
    from warehouse.ddl import create_all

    warehouse = tmp_path / "data" / "w.duckdb"
    with connect(warehouse) as con:
        create_all(con)
    config = tmp_path / "musclebalance.toml"
    config.write_text('[warehouse]\npath = "data/w.duckdb"\n')
    code = ("import sys\nfrom flows.cli import app\ntry:\n"
            f"    app(['status', '--config', {str(config)!r}])\n"
            "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "print(sorted(m for m in ('great_expectations', 'prefect', 'polars', "
            "'schemas.config') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, check=True, env={**os.environ, "COLUMNS": "300"})
    assert "source files in" in result.stdout and "recent runs" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"
